/*
 * Call history (docs/admin.md, "Call history"): calls.record, the
 * edge's batches of dialog events, and the REST views of them: a
 * person's recent calls and the company's day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin.pb-c.h"
#include "handlers.h"
#include "svc.h"

#define CALLS_MINE_DEFAULT "50"
#define CALLS_MINE_MAX 200
#define CALLS_TODAY_MAX "200"
#define RUNG_MAX 100

static const char *const call_states[] = {
	[OV__ADMIN__CALL_EVENT__KIND__ANSWERED] = "answered",
	[OV__ADMIN__CALL_EVENT__KIND__ENDED] = "ended",
	[OV__ADMIN__CALL_EVENT__KIND__FAILED] = "failed",
};

static bool member_ok(const char *m)
{
	return strcmp(m, "main") == 0 || admin_uuid_ok(m);
}

/* A number or SIP user as the caller sent it: any text without
 * control characters (a SIP user part may hold , ; / and more). */
static bool number_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return n > 0 && n <= 64;
}

/* Why an event cannot be stored, or NULL. */
static const char *event_invalid(const Ov__Admin__CallEvent *ev)
{
	if (!admin_uuid_ok(ev->tenant_id))
		return "tenant_id is not a UUID";
	if ((unsigned)ev->kind >= sizeof(call_states) / sizeof(call_states[0]))
		return "unknown kind";
	if (!ev->call_id[0] || strlen(ev->call_id) > 255)
		return "call_id must be 1 to 255 bytes";
	if (strcmp(ev->direction, "in") != 0 &&
	    strcmp(ev->direction, "out") != 0 &&
	    strcmp(ev->direction, "internal") != 0)
		return "direction must be in, out or internal";
	if (!number_ok(ev->from_number) || !number_ok(ev->to_number))
		return "from_number and to_number must be 1 to 64 bytes";
	if (ev->from_user[0] && !admin_uuid_ok(ev->from_user))
		return "from_user is not a UUID";
	if (ev->answered_by[0] && !member_ok(ev->answered_by))
		return "answered_by is not a member";
	if (ev->n_rung > RUNG_MAX)
		return "too many members rung";
	for (size_t i = 0; i < ev->n_rung; i++)
		if (!member_ok(ev->rung[i]))
			return "rung holds something that is not a member";
	if (ev->started_ms <= 0 || ev->at_ms < ev->started_ms)
		return "started_ms and at_ms must be times, in order";
	return NULL;
}

/* Stores one event; OV_OK also when its tenant is gone (nothing to
 * keep it for). */
static enum ov_err event_store(struct ov_db *db, const Ov__Admin__CallEvent *ev)
{
	/* members are UUIDs or "main": no quoting needed in the literal */
	char rung[RUNG_MAX * 38 + 3], code[16], t0[24], ta[24], at[24];
	size_t o = 0;

	rung[o++] = '{';
	for (size_t i = 0; i < ev->n_rung; i++)
		o += (size_t)snprintf(rung + o, sizeof(rung) - o, "%s%s",
				      i ? "," : "", ev->rung[i]);
	snprintf(rung + o, sizeof(rung) - o, "}");
	snprintf(code, sizeof(code), "%u", ev->code);
	snprintf(t0, sizeof(t0), "%lld", (long long)ev->started_ms);
	snprintf(ta, sizeof(ta), "%lld", (long long)ev->answered_ms);
	snprintf(at, sizeof(at), "%lld", (long long)ev->at_ms);
	const char *p[] = {ev->tenant_id,
			   ev->call_id,
			   ev->direction,
			   ev->from_number,
			   ev->from_user,
			   ev->to_number,
			   rung,
			   ev->answered_by,
			   call_states[ev->kind],
			   code,
			   t0,
			   ta,
			   at};
	PGresult *res = NULL;
	enum ov_err e = ov_db_exec(db, "call_record", 13, p, &res);
	PQclear(res);
	return e;
}

enum ov_err admin_calls_record(const struct ov_bus_req *req,
			       struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct admin *app = rt->state;
	Ov__Admin__CallBatch *in;
	Ov__Admin__CallBatchReply out = OV__ADMIN__CALL_BATCH_REPLY__INIT;
	enum ov_err e = OV_OK;

	in = ov__admin__call_batch__unpack(NULL, req->body_len, req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL, "body is not a CallBatch");
	struct ov_db *db = ov_db_acquire(app->pool, 1000);
	if (!db) {
		ov__admin__call_batch__free_unpacked(in, NULL);
		return ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
	}
	/* Each event on its own: the upsert is idempotent (a call only
	 * moves forward), so the edge may send a batch again after a
	 * failure, and one event the database refuses cannot hold back
	 * the others (a batch in one transaction would come back
	 * forever). */
	for (size_t i = 0; e == OV_OK && i < in->n_events; i++) {
		const Ov__Admin__CallEvent *ev = in->events[i];
		const char *bad = event_invalid(ev);
		if (!bad && (e = event_store(db, ev)) == OV_EINVAL) {
			bad = "refused by the database";
			e = OV_OK;
		}
		if (bad)
			ov_logc_warn(&req->log, "call.event_invalid",
				     OV_LS("call_id", ev->call_id),
				     OV_LS("why", bad));
		else if (e == OV_OK)
			out.stored++;
	}
	ov_db_release(app->pool, db);
	ov__admin__call_batch__free_unpacked(in, NULL);
	if (e != OV_OK)
		return ov_bus_fail(rep, e, "database");
	return ov_bus_reply_pack(rep, &out.base);
}

void calls_mine(struct admin_req *r)
{
	const char *limit = ov_http_query(r->http, "limit");
	const char *before = ov_http_query(r->http, "before");
	long n = 0;

	if (!limit)
		limit = CALLS_MINE_DEFAULT;
	else if (!ov_parse_long(limit, 1, CALLS_MINE_MAX, &n)) {
		admin_fail(r, 400, OV_EINVAL, "limit",
			   "limit must be a number from 1 to %d",
			   CALLS_MINE_MAX);
		return;
	}
	if (before && (strlen(before) > 40 ||
		       strspn(before, "0123456789-:.TZ+ ") != strlen(before))) {
		admin_fail(r, 400, OV_EINVAL, "before",
			   "before must be a time such as a call's started_at");
		return;
	}
	const char *p[] = {r->tenant_id, r->user_id, limit, before};
	admin_reply_json(r, 200, "call_mine", 4, p, "calls", "calls");
}

void calls_today(struct admin_req *r)
{
	const char *p[] = {r->tenant_id, CALLS_TODAY_MAX};
	admin_reply_json(r, 200, "call_today", 2, p, NULL, "calls");
}
