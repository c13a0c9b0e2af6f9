/*
 * ovctl watch [--count N] [--timeout-ms T]: prints config.applied events
 * as admin publishes them.
 * ovctl snapshot --tenant ID [--version N]: prints an applied snapshot.
 */
#include <stdio.h>
#include <stdlib.h>

#include "admin.pb-c.h"
#include "cmd.h"
#include "env.h"

static int watch(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		 int argc, char **argv)
{
	unsigned count = 1, timeout = 10000, seen = 0;
	const char *topics[] = {"config.applied"};
	struct ov_bus_sub *sub;
	struct ovctl_getopt g;
	int c;
	(void)o;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0) {
		if (c == 'n' && !ovctl_uint(g.arg, 1, 1000000, &count))
			return 2;
		if (c == 't' && !ovctl_uint(g.arg, 1, 86400000, &timeout))
			return 2;
	}
	if (c < 0)
		return g.rc;
	const char *url = ovctl_env("OV_ADMIN_EVENTS_URL");
	if (!url || ov_bus_sub_open(url, topics, 1, 0, &sub) != OV_OK) {
		fprintf(stderr, "ovctl: OV_ADMIN_EVENTS_URL is not usable\n");
		return 2;
	}
	/* Say when subscribed, so a script can act after this line. */
	printf("watching %s\n", url);
	fflush(stdout);
	uint64_t until = ov_now_ms() + timeout;
	while (seen < count && ov_now_ms() < until) {
		char topic[64];
		uint8_t *data;
		size_t len;
		if (ov_bus_sub_recv(sub, (unsigned)(until - ov_now_ms()) + 1,
				    topic, sizeof(topic), &data, &len) != OV_OK)
			continue;
		Ov__Admin__ConfigApplied *ev =
			ov__admin__config_applied__unpack(NULL, len, data);
		if (ev) {
			printf("%s tenant=%s version=%u seq=%llu\n", topic,
			       ev->tenant_id, ev->version,
			       (unsigned long long)ev->seq);
			fflush(stdout);
			ov__admin__config_applied__free_unpacked(ev, NULL);
			seen++;
		}
		free(data);
	}
	ov_bus_sub_close(sub);
	return seen == count ? 0 : 1;
}

static void print_snapshot(const Ov__Admin__Snapshot *s)
{
	static const char *const fw[] = {"unconditional", "no_answer",
					 "unreachable", "busy"};
	static const char *const kinds[] = {"closed", "welcome", "no_answer"};

	printf("tenant %s version %u\n", s->tenant_id, s->version);
	printf("number %s timezone %s language %s domain %s\n", s->number,
	       s->timezone, s->language, s->sip_domain);
	printf("limits max_calls=%u international=%s premium=%s\n",
	       s->max_calls, s->allow_international ? "yes" : "no",
	       s->allow_premium ? "yes" : "no");
	for (size_t i = 0; i < s->n_users; i++)
		printf("user %s %s (%s) %s\n", s->users[i]->extension,
		       s->users[i]->username, s->users[i]->name,
		       s->users[i]->id);
	if (s->ringing) {
		printf("ringing %s rings=%u:",
		       s->ringing->mode ==
				       OV__ADMIN__RINGING__MODE__SIMULTANEOUS
			       ? "simultaneous"
			       : "sequential",
		       s->ringing->rings);
		for (size_t i = 0; i < s->ringing->n_members; i++)
			printf(" %s%s%s", s->ringing->members[i]->name,
			       s->ringing->members[i]->extension[0] ? "/" : "",
			       s->ringing->members[i]->extension);
		printf("\n");
	}
	if (s->forwarding) {
		const Ov__Admin__Forward *f[] = {
			s->forwarding->unconditional, s->forwarding->no_answer,
			s->forwarding->unreachable, s->forwarding->busy};
		for (size_t i = 0; i < 4; i++)
			if (f[i] && f[i]->enabled)
				printf("forward %s %s\n", fw[i], f[i]->number);
	}
	for (size_t i = 0; i < s->n_messages; i++) {
		const Ov__Admin__VoiceMessage *m = s->messages[i];
		printf("message %s %s template=%s voice=%s languages=",
		       kinds[m->kind], m->enabled ? "on" : "off",
		       m->template_id, m->voice);
		for (size_t j = 0; j < m->n_languages; j++)
			printf("%s%s", j ? "," : "", m->languages[j]);
		for (size_t j = 0; j < m->n_values; j++)
			printf(" %s=%s", m->values[j]->key,
			       m->values[j]->value);
		printf("\n");
	}
}

static int snapshot(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		    int argc, char **argv)
{
	Ov__Admin__SnapshotRequest req = OV__ADMIN__SNAPSHOT_REQUEST__INIT;
	struct ov_bus_result res = {0};
	const char *tenant = NULL;
	struct ovctl_getopt g;
	uint8_t body[16];
	int c, rc = 1;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0) {
		if (c == 't')
			tenant = g.arg;
		else if (c == 'v' &&
			 !ovctl_uint(g.arg, 0, 1u << 30, &req.version))
			return 2;
	}
	if (c < 0)
		return g.rc;
	if (!tenant)
		return ovctl_usage_error(cmd, "--tenant is required");
	size_t len = ov__admin__snapshot_request__pack(&req, body);
	if (!ovctl_call_method(o, "admin", "snapshot.get", tenant, body, len,
			       &res))
		goto out;
	Ov__Admin__Snapshot *s =
		ov__admin__snapshot__unpack(NULL, res.body_len, res.body);
	if (!s) {
		fprintf(stderr, "ovctl: undecodable snapshot\n");
		goto out;
	}
	print_snapshot(s);
	ov__admin__snapshot__free_unpacked(s, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

static const struct option watch_opts[] = {
	{"count", required_argument, NULL, 'n'},
	{"timeout-ms", required_argument, NULL, 't'},
	{0},
};

const struct ovctl_cmd ovctl_watch_cmd = {
	.name = "watch",
	.synopsis = "watch [--count N] [--timeout-ms T]",
	.help = "Prints admin's config.applied events (tenant, version, seq)\n"
		"as tenants apply, after a \"watching URL\" line once\n"
		"subscribed; exits 0 after N events, 1 if T ms pass first.\n"
		"\n"
		"  --count N       events to wait for (default 1)\n"
		"  --timeout-ms T  how long, in all (default 10000)\n",
	.opts = watch_opts,
	.run = watch,
};

static const struct option snapshot_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"version", required_argument, NULL, 'v'},
	{0},
};

const struct ovctl_cmd ovctl_snapshot_cmd = {
	.name = "snapshot",
	.synopsis = "snapshot --tenant ID [--version N]",
	.help = "A tenant's applied configuration, as admin serves it to\n"
		"the router: number, limits, users, ringing, forwarding,\n"
		"messages.\n"
		"\n"
		"  --tenant ID  the tenant (required)\n"
		"  --version N  that version (default 0: the latest)\n",
	.opts = snapshot_opts,
	.run = snapshot,
};
