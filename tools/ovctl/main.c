/*
 * ovctl: operator and internal tooling over the bus.
 *
 *   ovctl ping <service|all> [--delay-ms N] [--count N] [--concurrency N]
 *   ovctl call <service> <method> [--raw-hex HEX | --raw-size N]
 *   ovctl apikey create NAME
 *   ovctl tenant create|list|show|set|suspend|resume|delete ...
 *   ovctl watch [--count N] [--timeout-ms T]
 *   ovctl snapshot --tenant ID [--version N]
 *   ovctl mail list --tenant ID | mail resend --tenant ID MAIL_ID
 *   ovctl registrar bindings|devices|ha1|save|rotate|presence|forget ...
 *   ovctl simulate --tenant ID --from N --to N [--at TIME]
 *   ovctl ivr play|render ...
 *
 * Common options: --env FILE (stack.env), --deadline-ms N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "env.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ovctl [--env FILE] [--deadline-ms N] COMMAND ...\n"
		"\n"
		"  ping <service|all> [--delay-ms N] [--count N] "
		"[--concurrency N]\n"
		"        version, round-trip time and health of each service;\n"
		"        exits 1 if any is down or unhealthy. With --count, a\n"
		"        load of pings and a summary of outcomes.\n"
		"  call <service> <method> [--raw-hex HEX | --raw-size N]\n"
		"        one bus request with an empty body, or raw bytes\n"
		"        instead of an envelope; prints the status.\n"
		"  apikey create NAME\n"
		"        a new operator API key for the admin REST API,\n"
		"        printed once on stdout.\n"
		"  tenant create --name N --number NUM --email E [--timezone "
		"TZ]\n"
		"         [--language it|en]\n"
		"  tenant list | show ID | suspend ID | resume ID | delete ID\n"
		"  tenant set ID [--name N] [--email E] [--max-calls N]\n"
		"         [--international on|off] [--premium on|off]\n"
		"        the operator's tenant commands over the admin REST "
		"API,\n"
		"        with OV_OPERATOR_KEY (else the stack's demo key).\n"
		"  watch [--count N] [--timeout-ms T]\n"
		"        prints config.applied events as tenants apply.\n"
		"  snapshot --tenant ID [--version N]\n"
		"        prints a tenant's applied configuration (latest).\n"
		"  mail list --tenant ID [--state S] [--limit N] [--before "
		"ID]\n"
		"        a tenant's mails, newest first: state, attempts, "
		"last\n"
		"        error. mail resend --tenant ID MAIL_ID: a failed "
		"mail\n"
		"        back to the queue (not one whose password is "
		"erased).\n"
		"  registrar bindings --tenant ID [--owner O]... | devices "
		"--tenant ID\n"
		"         --owner O | ha1 AUTH_USERNAME REALM | save ... | "
		"rotate ...\n"
		"         | forget --tenant ID\n"
		"        the registrar's registrations, devices and "
		"credentials\n"
		"        (ha1 says whose a credential is, never the HA1).\n"
		"  simulate --tenant ID --from N --to N [--at TIME]\n"
		"        the plan the router would run for a call, in words:\n"
		"        --from an outside number calls the fixed number, an\n"
		"        extension (or \"main\") calls out; TIME is local\n"
		"        YYYY-MM-DDTHH:MM or Unix seconds.\n"
		"  ivr play --tenant ID --message M --call-id C --from-tag T\n"
		"         [--version N] [--rtpengine udp:HOST:PORT] [--count "
		"N]\n"
		"  ivr render --tenant ID --template T [--voice male|female]\n"
		"         [--languages it,en] [--value KEY=VALUE]... [--wav "
		"FILE]\n"
		"        the IVR's prompt.play (into a call through "
		"rtpengine)\n"
		"        and prompt.render (text, and audio into FILE).\n"
		"\n"
		"services: router registrar ivr admin notify\n"
		"Service URLs come from OV_<SERVICE>_URL, else from stack.env\n"
		"($OV_RUN_DIR/stack.env or ./run/stack.env).\n");
}

int main(int argc, char **argv)
{
	struct ovctl_opts o = {.deadline_ms = 1000};
	const char *env_file = NULL;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--env") == 0 && i + 1 < argc) {
			env_file = argv[++i];
		} else if (strcmp(argv[i], "--deadline-ms") == 0 &&
			   i + 1 < argc) {
			if (!ovctl_uint(argv[++i], 1, 600000, &o.deadline_ms))
				return 2;
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (ovctl_env_load(env_file) != 0) {
		fprintf(stderr, "ovctl: cannot read %s\n", env_file);
		return 2;
	}
	const char *cmd = argv[i++];
	if (strcmp(cmd, "ping") == 0)
		return ovctl_ping(&o, argc - i, argv + i);
	if (strcmp(cmd, "tenant") == 0)
		return ovctl_tenant(&o, argc - i, argv + i);
	if (strcmp(cmd, "watch") == 0)
		return ovctl_watch(&o, argc - i, argv + i);
	if (strcmp(cmd, "snapshot") == 0)
		return ovctl_snapshot(&o, argc - i, argv + i);
	if (strcmp(cmd, "mail") == 0)
		return ovctl_mail(&o, argc - i, argv + i);
	if (strcmp(cmd, "registrar") == 0)
		return ovctl_registrar(&o, argc - i, argv + i);
	if (strcmp(cmd, "simulate") == 0)
		return ovctl_simulate(&o, argc - i, argv + i);
	if (strcmp(cmd, "ivr") == 0)
		return ovctl_ivr(&o, argc - i, argv + i);
	if (strcmp(cmd, "apikey") == 0)
		return ovctl_apikey(&o, argc - i, argv + i);
	if (strcmp(cmd, "call") == 0)
		return ovctl_call(&o, argc - i, argv + i);
	fprintf(stderr, "ovctl: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
