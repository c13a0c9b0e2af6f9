#include "handlers.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "plan.h"
#include "reach.h"
#include "sync.h"
#include "tenants.h"

struct router router;

static atomic_uint_fast64_t plans;

/* Presence and bindings of the tenant's owners, from the registrar;
 * NULL when it could not be asked (decide() then counts everybody as
 * unreachable: the call goes where an unreachable call goes). The
 * reachability cache (reach.c) calls it on a miss. */
Ov__Registrar__ContactsReply *
router_contacts_get(const char *tenant_id, const char *request_id, void *arg)
{
	Ov__Registrar__ContactsRequest in =
		OV__REGISTRAR__CONTACTS_REQUEST__INIT;
	struct ov_bus_result res = {0};
	Ov__Registrar__ContactsReply *out = NULL;
	uint8_t *body = NULL;
	size_t len = 0;
	(void)arg;

	if (ov_pb_pack(&in.base, &body, &len) != OV_OK)
		return NULL;
	struct ov_bus_call call = {
		.method = "contacts.get",
		.tenant_id = tenant_id,
		.request_id = request_id,
		.deadline_ms = (uint32_t)router.cfg.reach_ms,
		.body = body,
		.body_len = len,
	};
	enum ov_err e = ov_bus_client_call(router.registrar, &call, &res);
	free(body);
	if (e == OV_OK)
		out = ov__registrar__contacts_reply__unpack(NULL, res.body_len,
							    res.body);
	if (!out)
		ov_log_warn("route.reach_failed", OV_LS("tenant", tenant_id),
			    OV_LS("request_id", request_id),
			    OV_LS("error", ov_err_name(e)),
			    OV_LS("message", res.message));
	ov_bus_result_free(&res);
	return out;
}

/* Whether the plan needs to know who is reachable: not when nobody
 * owns the call, nor when everything is forwarded anyway. */
static bool needs_reach(const struct router_tenant *t,
			const Ov__Router__RouteRequest *call)
{
	if (!t || t->snap->state != OV__ADMIN__SNAPSHOT__STATE__ACTIVE)
		return false;
	const Ov__Admin__Forwarding *f = t->snap->forwarding;
	if (call->origin == OV__ROUTER__ROUTE_REQUEST__ORIGIN__TRUNK && f &&
	    f->unconditional && f->unconditional->enabled)
		return false;
	return true;
}

/* Decides the plan of `call` into p; the caller frees p. */
static enum ov_err decide(const struct ov_bus_req *req,
			  const Ov__Router__RouteRequest *call, int64_t now,
			  struct router_plan *p)
{
	if (!router_sync_ready())
		return OV_EUNAVAIL;
	struct router_table *t = router_table_acquire();
	const struct router_tenant *tn;
	if (call->origin == OV__ROUTER__ROUTE_REQUEST__ORIGIN__DEVICE) {
		tn = router_table_by_id(t, call->tenant_id);
		/* A device dialling its own fixed number calls in. */
		const struct router_tenant *own =
			router_table_by_number(t, call->to_user);
		if (tn && own == tn)
			tn = own;
	} else {
		tn = router_table_by_number(t, call->to_user);
	}
	struct router_reach *reach = NULL;
	if (needs_reach(tn, call))
		reach = router_reach_get(tn->snap->tenant_id, req->request_id);
	router_decide(tn, call, router_reach_reply(reach), now, p);
	router_reach_release(reach);
	router_table_release(t);
	atomic_fetch_add(&plans, 1);
	/* No step at all: decide() could not allocate even a reject. */
	return p->plan.n_steps ? OV_OK : OV_EEXHAUSTED;
}

static const char *fail_message(enum ov_err e)
{
	return e == OV_EUNAVAIL ? "no configuration loaded yet"
				: "out of memory";
}

static enum ov_err route(const struct ov_bus_req *req, struct ov_bus_reply *rep,
			 void *arg)
{
	Ov__Router__RouteRequest *call;
	struct router_plan p = {0};
	enum ov_err e;
	(void)arg;

	call = ov__router__route_request__unpack(NULL, req->body_len,
						 req->body);
	if (!call)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not an ov.router.RouteRequest");
	e = decide(req, call, (int64_t)time(NULL), &p);
	if (e == OV_OK)
		e = ov_bus_reply_pack(rep, &p.plan.base);
	else
		ov_bus_fail(rep, e, "%s", fail_message(e));
	router_plan_free(&p);
	ov__router__route_request__free_unpacked(call, NULL);
	return e;
}

#define WORDS_MAX 4096
#define STEP_WORDS_MAX 512

/* Each step of list v alone, in lang, into out[] (room in buf). */
static size_t step_words(Ov__Router__Step *const *v, size_t n,
			 enum router_lang lang, char **out, char *buf,
			 size_t *used)
{
	for (size_t i = 0; i < n; i++) {
		char *b = buf + *used;
		router_step_words(v[i], i ? v[i - 1] : NULL, lang, b,
				  STEP_WORDS_MAX);
		out[i] = b;
		*used += strlen(b) + 1;
	}
	return n;
}

/* The plan's words, whole and step by step, in both languages. */
static enum ov_err words_fill(const Ov__Router__Plan *plan,
			      Ov__Router__SimulateReply *out, char **mem)
{
	size_t n = plan->n_steps + plan->n_on_busy + plan->n_on_no_answer;
	size_t room = 2 * (size_t)WORDS_MAX + 2 * n * STEP_WORDS_MAX;
	char *buf = malloc(room + 2 * (n + 1) * sizeof(char *));

	*mem = buf;
	if (!buf)
		return OV_EEXHAUSTED;
	char **ptrs = (char **)(void *)(buf + room);
	out->words = buf;
	router_plan_words(plan, out->words, WORDS_MAX);
	out->words_it = buf + WORDS_MAX;
	router_plan_words_lang(plan, ROUTER_WORDS_IT, out->words_it, WORDS_MAX);
	size_t used = 2 * (size_t)WORDS_MAX;
	for (int l = 0; l < 2; l++) {
		enum router_lang lang = l ? ROUTER_WORDS_IT : ROUTER_WORDS_EN;
		char **o = ptrs + (size_t)l * (n + 1);
		size_t k = step_words(plan->steps, plan->n_steps, lang, o, buf,
				      &used);
		k += step_words(plan->on_busy, plan->n_on_busy, lang, o + k,
				buf, &used);
		k += step_words(plan->on_no_answer, plan->n_on_no_answer, lang,
				o + k, buf, &used);
		if (l) {
			out->steps_it = o;
			out->n_steps_it = k;
		} else {
			out->steps_en = o;
			out->n_steps_en = k;
		}
	}
	return OV_OK;
}

/* What route would answer, at a given time, and the plan in words. */
static enum ov_err simulate(const struct ov_bus_req *req,
			    struct ov_bus_reply *rep, void *arg)
{
	Ov__Router__RouteRequest *call;
	Ov__Router__SimulateReply out = OV__ROUTER__SIMULATE_REPLY__INIT;
	struct router_plan p = {0};
	char *words = NULL;
	enum ov_err e;
	(void)arg;

	call = ov__router__route_request__unpack(NULL, req->body_len,
						 req->body);
	if (!call)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not an ov.router.RouteRequest");
	e = decide(req, call, call->at ? call->at : (int64_t)time(NULL), &p);
	if (e == OV_OK)
		e = words_fill(&p.plan, &out, &words);
	if (e == OV_OK) {
		out.plan = &p.plan;
		e = ov_bus_reply_pack(rep, &out.base);
	} else {
		ov_bus_fail(rep, e, "%s", fail_message(e));
	}
	free(words);
	router_plan_free(&p);
	ov__router__route_request__free_unpacked(call, NULL);
	return e;
}

const struct ov_bus_method router_methods[] = {
	{"route", route},
	{"simulate", simulate},
};
const size_t router_n_methods =
	sizeof(router_methods) / sizeof(router_methods[0]);

enum ov_err router_health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Router__Health h = OV__ROUTER__HEALTH__INIT;
	(void)rt;

	struct router_table *t = router_table_acquire();
	h.tenants = (uint32_t)router_table_size(t);
	router_table_release(t);
	h.plans = atomic_load(&plans);
	return ov_pb_pack(&h.base, buf, len);
}
