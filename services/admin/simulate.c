/*
 * POST /v1/simulate ("try it"): what happens to a call from `from` to
 * the company's fixed number, now or at `at` (the tenant's local time).
 * Admin asks the router exactly as `ovctl simulate` does (bus method
 * "simulate" with an ov.router.RouteRequest from the trunk): the same
 * decide() a real call gets, on the applied snapshot and the live
 * registrations. The router words the plan in English and Italian;
 * admin adds who ringing skips, from the registrar (simulate_rules.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "router.pb-c.h"
#include "simulate_rules.h"

#define RETRY_AFTER_S 2

static void fail_router(struct admin_req *r, enum ov_err e, const char *msg)
{
	if (e == OV_EUNAVAIL || e == OV_ETIMEDOUT) {
		r->res->retry_after = RETRY_AFTER_S;
		admin_fail(r, 503, OV_EUNAVAIL, NULL,
			   "the router cannot be asked now (%s); try again "
			   "shortly",
			   msg && msg[0] ? msg : ov_err_name(e));
		return;
	}
	admin_fail(r, 500, e, NULL, "router: %s",
		   msg && msg[0] ? msg : ov_err_name(e));
}

/* The words of list v of step kinds, from index k of the step words. */
static json_t *steps_json(Ov__Router__Step *const *v, size_t n,
			  const Ov__Router__SimulateReply *s, size_t k)
{
	json_t *out = json_array();

	for (size_t i = 0; i < n; i++, k++) {
		const Ov__Router__Step *st = v[i];
		json_t *o = json_object();
		switch (st->kind) {
		case OV__ROUTER__STEP__KIND__ANNOUNCE:
			json_object_set_new(o, "kind", json_string("announce"));
			json_object_set_new(o, "message",
					    json_string(st->message));
			break;
		case OV__ROUTER__STEP__KIND__RING:
			json_object_set_new(o, "kind", json_string("ring"));
			json_object_set_new(o, "member",
					    json_string(st->member));
			json_object_set_new(o, "timeout_s",
					    json_integer(st->timeout_s));
			json_object_set_new(
				o, "devices",
				json_integer((json_int_t)st->n_targets));
			break;
		case OV__ROUTER__STEP__KIND__EXTERNAL:
			json_object_set_new(o, "kind",
					    json_string(st->diversion[0]
								? "forward"
								: "call"));
			json_object_set_new(o, "number",
					    json_string(st->number));
			if (st->diversion[0])
				json_object_set_new(o, "diversion",
						    json_string(st->diversion));
			break;
		default:
			json_object_set_new(o, "kind", json_string("reject"));
			json_object_set_new(o, "code", json_integer(st->code));
			json_object_set_new(o, "reason",
					    json_string(st->reason));
			break;
		}
		if (k < s->n_steps_en)
			json_object_set_new(o, "text_en",
					    json_string(s->steps_en[k]));
		if (k < s->n_steps_it)
			json_object_set_new(o, "text_it",
					    json_string(s->steps_it[k]));
		json_array_append_new(out, o);
	}
	return out;
}

/* The router's sentence as lines: the steps, then each "if ...:". */
static json_t *lines(const char *words, const char *busy, const char *noans)
{
	json_t *out = json_array();
	const char *b = strstr(words, busy);
	const char *n = strstr(b ? b : words, noans);
	const char *end = b ? b : n ? n : words + strlen(words);

	json_array_append_new(out, json_stringn(words, (size_t)(end - words)));
	if (b) {
		const char *be = n ? n : b + strlen(b);
		b += 2; /* "; " */
		json_array_append_new(out, json_stringn(b, (size_t)(be - b)));
	}
	if (n)
		json_array_append_new(out, json_string(n + 2));
	return out;
}

/* Whether the plan gets to ringing (step 4): not when forwarded
 * unconditionally or closed. */
static bool reaches_ringing(const Ov__Router__Plan *p)
{
	for (size_t i = 0; i < p->n_steps; i++) {
		const Ov__Router__Step *s = p->steps[i];
		if (s->kind == OV__ROUTER__STEP__KIND__EXTERNAL &&
		    strcmp(s->diversion, "unconditional") == 0)
			return false;
		if (s->kind == OV__ROUTER__STEP__KIND__ANNOUNCE &&
		    strcmp(s->message, "closed") == 0)
			return false;
	}
	return true;
}

/* Asks the router; *out is its reply (free_unpacked), or NULL after
 * answering. */
static Ov__Router__SimulateReply *ask(struct admin_req *r, const char *from,
				      const char *number, int64_t at)
{
	Ov__Router__RouteRequest in = OV__ROUTER__ROUTE_REQUEST__INIT;
	struct ov_bus_result res = {0};
	uint8_t *body = NULL;
	size_t len = 0;

	if (!r->app->router) {
		r->res->retry_after = RETRY_AFTER_S;
		admin_fail(r, 503, OV_EUNAVAIL, NULL,
			   "simulation is not configured (OV_ROUTER_URL)");
		return NULL;
	}
	in.call_id = "admin-simulate";
	in.from_user = (char *)from;
	in.to_user = (char *)number;
	in.origin = OV__ROUTER__ROUTE_REQUEST__ORIGIN__TRUNK;
	in.at = at;
	if (ov_pb_pack(&in.base, &body, &len) != OV_OK) {
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
		return NULL;
	}
	struct ov_bus_call c = {
		.method = "simulate",
		.tenant_id = r->tenant_id,
		.request_id = r->actor,
		.deadline_ms = (uint32_t)r->app->cfg.router_deadline_ms,
		.body = body,
		.body_len = len,
	};
	enum ov_err e = ov_bus_client_call(r->app->router, &c, &res);
	free(body);
	if (e != OV_OK) {
		fail_router(r, e, res.message);
		ov_bus_result_free(&res);
		return NULL;
	}
	Ov__Router__SimulateReply *out = ov__router__simulate_reply__unpack(
		NULL, res.body_len, res.body);
	ov_bus_result_free(&res);
	if (!out || !out->plan) {
		if (out)
			ov__router__simulate_reply__free_unpacked(out, NULL);
		admin_fail(r, 500, OV_EINTERNAL, NULL,
			   "router: undecodable reply");
		return NULL;
	}
	return out;
}

void simulate_post(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"from", OV_J_STR, true},
		{"at", OV_J_STR, false},
	};
	PGresult *t = NULL, *v = NULL;
	Ov__Router__SimulateReply *s = NULL;
	json_t *live = NULL;
	int64_t at = (int64_t)time(NULL);
	char local[32];

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	const char *from = admin_str(r, "from");
	const char *at_text = admin_str(r, "at");
	if (!sim_from_ok(from)) {
		admin_fail(r, 422, OV_EINVAL, "from",
			   "from must be a phone number: an optional + and 3 "
			   "to 20 digits");
		return;
	}
	const char *p[] = {r->tenant_id};
	enum ov_err e = ov_db_exec(r->db, "simulate_tenant", 1, p, &t);
	if (e == OV_OK && PQntuples(t) != 1)
		e = OV_ENOTFOUND;
	if (e == OV_OK)
		e = ov_db_exec(r->db, "version_latest", 1, p, &v);
	if (e != OV_OK) {
		admin_fail_store(r, e, "company");
		goto out;
	}
	const char *number = PQgetvalue(t, 0, 0);
	const char *zone = PQgetvalue(t, 0, 1);
	if (at_text && !sim_at_parse(at_text, zone, &at)) {
		admin_fail(r, 422, OV_EINVAL, "at",
			   "at must be a local time YYYY-MM-DDTHH:MM (%s)",
			   zone);
		goto out;
	}
	if (PQntuples(v) != 1) {
		admin_fail(r, 409, OV_EPRECOND, NULL,
			   "nothing is applied yet: calls are not taken; "
			   "apply the configuration first");
		goto out;
	}
	live = json_loads(PQgetvalue(v, 0, 2), 0, NULL);
	if (!(s = ask(r, from, number, at)))
		goto out;
	const Ov__Router__Plan *plan = s->plan;
	/* The router does not know the number yet: it has not loaded the
	 * first version (it polls every few seconds). */
	if (strcmp(plan->tenant_id, r->tenant_id) != 0) {
		r->res->retry_after = RETRY_AFTER_S;
		admin_fail(r, 503, OV_EUNAVAIL, NULL,
			   "the router has not loaded this company's "
			   "configuration yet; try again shortly");
		goto out;
	}
	json_t *skipped;
	if (reaches_ringing(plan)) {
		Ov__Registrar__ContactsReply *reach = admin_sip_reach(r);
		skipped = sim_skipped(
			json_object_get(json_object_get(live, "ringing"),
					"members"),
			reach);
		if (reach)
			ov__registrar__contacts_reply__free_unpacked(reach,
								     NULL);
	} else {
		skipped = json_array();
	}
	sim_at_format(at, zone, local, sizeof(local));
	size_t nb = plan->n_steps, nn = nb + plan->n_on_busy;
	admin_json(
		r, 200,
		json_pack(
			"{s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
			"version", (int)plan->version, "from", from, "at",
			local, "timezone", zone, "steps",
			steps_json(plan->steps, plan->n_steps, s, 0), "if_busy",
			steps_json(plan->on_busy, plan->n_on_busy, s, nb),
			"if_no_answer",
			steps_json(plan->on_no_answer, plan->n_on_no_answer, s,
				   nn),
			"skipped", skipped, "text",
			lines(s->words, "; if all busy: ", "; if no answer: "),
			"text_it",
			lines(s->words_it, "; se tutti occupati: ",
			      "; se nessuno risponde: ")));
out:
	if (s)
		ov__router__simulate_reply__free_unpacked(s, NULL);
	json_decref(live);
	PQclear(t);
	PQclear(v);
}
