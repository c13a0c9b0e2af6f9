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
 * Common options: --env FILE (stack.env), --deadline-ms N, before the
 * command. "ovctl COMMAND --help" prints a command's usage and options.
 */
#include <getopt.h>
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
		"         | presence ... | forget --tenant ID\n"
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
		"ovctl COMMAND --help (or ovctl COMMAND SUBCOMMAND --help): a\n"
		"command's usage and options. Options and arguments mix in\n"
		"any order; -- ends the options; --opt=VALUE is --opt VALUE.\n"
		"\n"
		"services: router registrar ivr admin notify\n"
		"Service URLs come from OV_<SERVICE>_URL, else from stack.env\n"
		"($OV_RUN_DIR/stack.env or ./run/stack.env).\n");
}

static const struct ovctl_cmd *const commands[] = {
	&ovctl_ping_cmd,   &ovctl_call_cmd,	 &ovctl_apikey_cmd,
	&ovctl_tenant_cmd, &ovctl_watch_cmd,	 &ovctl_snapshot_cmd,
	&ovctl_mail_cmd,   &ovctl_registrar_cmd, &ovctl_simulate_cmd,
	&ovctl_ivr_cmd,
};

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"env", required_argument, NULL, 'e'},
		{"deadline-ms", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct ovctl_opts o = {.deadline_ms = 1000};
	const char *env_file = NULL;
	int c;

	argv[0] = "ovctl";
	/* "+": the options before the command; its own are its own. */
	while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
		switch (c) {
		case 'e':
			env_file = optarg;
			break;
		case 'd':
			if (!ovctl_uint(optarg, 1, 600000, &o.deadline_ms))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (ovctl_env_load(env_file) != 0) {
		fprintf(stderr, "ovctl: cannot read %s\n", env_file);
		return 2;
	}
	const char *cmd = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i]->name) == 0)
			return ovctl_run(commands[i], &o, argc - optind,
					 argv + optind);
	fprintf(stderr, "ovctl: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
