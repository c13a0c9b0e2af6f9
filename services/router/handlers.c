#include "handlers.h"

#include <stdatomic.h>

#include "plan.h"
#include "tenants.h"

static atomic_uint_fast64_t plans;

static enum ov_err route(const struct ov_bus_req *req, struct ov_bus_reply *rep,
			 void *arg)
{
	Ov__Router__RouteRequest *call;
	struct router_plan p;
	enum ov_err e;
	(void)arg;

	call = ov__router__route_request__unpack(NULL, req->body_len,
						 req->body);
	if (!call)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not an ov.router.RouteRequest");
	struct router_table *t = router_table_acquire();
	router_decide(router_table_find(t, call->to_user), call, &p);
	e = ov_bus_reply_pack(rep, &p.plan.base);
	router_table_release(t);
	ov__router__route_request__free_unpacked(call, NULL);
	atomic_fetch_add(&plans, 1);
	return e;
}

const struct ov_bus_method router_methods[] = {
	{"route", route},
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
