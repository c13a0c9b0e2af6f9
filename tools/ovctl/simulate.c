/*
 * ovctl simulate --tenant T --from N --to N [--at TIME]: the plan the
 * router would run for a call, step by step, in words.
 *
 * --from an outside number: a call from the carrier's trunk to --to
 *        (the tenant's fixed number);
 * --from a 2-digit extension: a call from that user's phone to --to (an
 *        extension or an outside number); "main" is the main line.
 * --at   the tenant's local time "YYYY-MM-DDTHH:MM" (its zone, with
 *        DST), or Unix seconds; default now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "admin.pb-c.h"
#include "cmd.h"
#include "router.pb-c.h"

static Ov__Admin__Snapshot *snapshot_get(const struct ovctl_opts *o,
					 const char *tenant)
{
	Ov__Admin__SnapshotRequest req = OV__ADMIN__SNAPSHOT_REQUEST__INIT;
	struct ov_bus_result res = {0};
	Ov__Admin__Snapshot *s = NULL;
	uint8_t body[16];

	size_t len = ov__admin__snapshot_request__pack(&req, body);
	if (ovctl_call_method(o, "admin", "snapshot.get", tenant, body, len,
			      &res)) {
		s = ov__admin__snapshot__unpack(NULL, res.body_len, res.body);
		if (!s)
			fprintf(stderr, "ovctl: undecodable snapshot\n");
	}
	ov_bus_result_free(&res);
	return s;
}

/* --at as Unix seconds: local time of zone tz, or digits. */
static bool parse_at(const char *at, const char *zone, int64_t *out)
{
	char *end;
	int y, mo, d, h, mi;

	long long v = strtoll(at, &end, 10);
	if (*at && !*end && v >= 0) {
		*out = v;
		return true;
	}
	/* Each field is at most 4 digits, so none can overflow an int; the
	 * count and the length check the shape, the time zone code below
	 * the ranges. NOLINTNEXTLINE(cert-err34-c) */
	if (sscanf(at, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5 ||
	    strlen(at) != 16)
		return false;
	GTimeZone *tz = g_time_zone_new_identifier(zone);
	if (!tz)
		tz = g_time_zone_new_utc();
	GDateTime *dt = g_date_time_new(tz, y, mo, d, h, mi, 0);
	g_time_zone_unref(tz);
	if (!dt)
		return false;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return true;
}

static bool is_extension(const char *s)
{
	return strlen(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' &&
	       s[1] <= '9';
}

static void print_step(const char *indent, const Ov__Router__Step *s)
{
	switch (s->kind) {
	case OV__ROUTER__STEP__KIND__REJECT:
		printf("%sreject %u %s\n", indent, s->code, s->reason);
		break;
	case OV__ROUTER__STEP__KIND__ANNOUNCE:
		printf("%sannounce %s\n", indent, s->message);
		break;
	case OV__ROUTER__STEP__KIND__RING:
		printf("%sring %s for %u s:", indent, s->member, s->timeout_s);
		for (size_t i = 0; i < s->n_targets; i++)
			printf(" %s", s->targets[i]->uri);
		printf("%s\n", s->n_targets ? "" : " (no binding)");
		break;
	case OV__ROUTER__STEP__KIND__EXTERNAL:
		printf("%sexternal %s%s%s\n", indent, s->number,
		       s->diversion[0] ? " diversion=" : "", s->diversion);
		break;
	default:
		printf("%sstep of kind %d\n", indent, s->kind);
	}
}

static int simulate(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		    int argc, char **argv)
{
	Ov__Router__RouteRequest req = OV__ROUTER__ROUTE_REQUEST__INIT;
	const char *tenant = NULL, *from = NULL, *to = NULL, *at = NULL;
	struct ov_bus_result res = {0};
	Ov__Admin__Snapshot *snap = NULL;
	struct ovctl_getopt g;
	uint8_t *body = NULL;
	size_t len;
	int c, rc = 1;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0) {
		switch (c) {
		case 't':
			tenant = g.arg;
			break;
		case 'f':
			from = g.arg;
			break;
		case 'o':
			to = g.arg;
			break;
		case 'a':
			at = g.arg;
			break;
		}
	}
	if (c < 0)
		return g.rc;
	if (!tenant || !from || !to)
		return ovctl_usage_error(cmd, "--%s is required",
					 !tenant ? "tenant"
					 : !from ? "from"
						 : "to");
	if (!(snap = snapshot_get(o, tenant)))
		goto out;
	if (at && !parse_at(at, snap->timezone, &req.at)) {
		fprintf(stderr,
			"ovctl: --at \"%s\" is not YYYY-MM-DDTHH:MM (local "
			"time of %s) or Unix seconds\n",
			at, snap->timezone);
		rc = 2;
		goto out;
	}
	req.call_id = "ovctl-simulate";
	req.to_user = (char *)to;
	req.from_user = (char *)from;
	if (is_extension(from) || strcmp(from, "main") == 0) {
		req.origin = OV__ROUTER__ROUTE_REQUEST__ORIGIN__DEVICE;
		req.tenant_id = (char *)tenant;
		req.owner = strcmp(from, "main") == 0 ? "main" : NULL;
		for (size_t i = 0; !req.owner && i < snap->n_users; i++)
			if (strcmp(snap->users[i]->extension, from) == 0) {
				req.owner = snap->users[i]->id;
				req.from_user = snap->users[i]->username;
			}
		if (!req.owner) {
			fprintf(stderr,
				"ovctl: no user has extension %s in version "
				"%u\n",
				from, snap->version);
			goto out;
		}
	}
	if (ov_pb_pack(&req.base, &body, &len) != OV_OK ||
	    !ovctl_call_method(o, "router", "simulate", tenant, body, len,
			       &res))
		goto out;
	Ov__Router__SimulateReply *r = ov__router__simulate_reply__unpack(
		NULL, res.body_len, res.body);
	if (!r || !r->plan) {
		fprintf(stderr, "ovctl: undecodable reply\n");
		goto out;
	}
	printf("%s\n", r->words);
	const Ov__Router__Plan *p = r->plan;
	printf("tenant %s version %u\n", p->tenant_id, p->version);
	for (size_t i = 0; i < p->n_steps; i++)
		print_step("  ", p->steps[i]);
	if (p->n_on_busy)
		printf("if busy:\n");
	for (size_t i = 0; i < p->n_on_busy; i++)
		print_step("  ", p->on_busy[i]);
	if (p->n_on_no_answer)
		printf("if no answer:\n");
	for (size_t i = 0; i < p->n_on_no_answer; i++)
		print_step("  ", p->on_no_answer[i]);
	ov__router__simulate_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	free(body);
	if (snap)
		ov__admin__snapshot__free_unpacked(snap, NULL);
	ov_bus_result_free(&res);
	return rc;
}

static const struct option simulate_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"from", required_argument, NULL, 'f'},
	{"to", required_argument, NULL, 'o'},
	{"at", required_argument, NULL, 'a'},
	{0},
};

const struct ovctl_cmd ovctl_simulate_cmd = {
	.name = "simulate",
	.synopsis = "simulate --tenant ID --from N --to N [--at TIME]",
	.help = "The plan the router would run for a call, in words and\n"
		"step by step, from the tenant's applied configuration.\n"
		"\n"
		"  --tenant ID  the tenant (required)\n"
		"  --from N     an outside number: a call from the trunk to\n"
		"               --to, the tenant's fixed number; a 2-digit\n"
		"               extension or \"main\": a call from that\n"
		"               phone to --to, an extension or outside number\n"
		"  --to N       the number called (required)\n"
		"  --at TIME    the tenant's local time YYYY-MM-DDTHH:MM (its\n"
		"               zone, with DST) or Unix seconds; default now\n",
	.opts = simulate_opts,
	.run = simulate,
};
