#include "plan.h"

static void reject(struct router_plan *out, uint32_t code, const char *reason)
{
	Ov__Router__Step *s = &out->steps[out->plan.n_steps];

	ov__router__step__init(s);
	s->kind = OV__ROUTER__STEP__KIND__REJECT;
	s->code = code;
	s->reason = (char *)reason;
	out->step_ptrs[out->plan.n_steps++] = s;
}

void router_decide(const struct router_tenant *t,
		   const Ov__Router__RouteRequest *call,
		   struct router_plan *out)
{
	ov__router__plan__init(&out->plan);
	out->plan.steps = out->step_ptrs;

	if (!call->to_user[0]) {
		reject(out, 484, "Address Incomplete");
		return;
	}
	if (!t) {
		/* Nobody owns this number here. */
		reject(out, 404, "Not Found");
		return;
	}
	out->plan.tenant_id = (char *)t->id;
	/* The tenant exists but no ringing rule is applied yet: the
	 * members to ring come with the admin snapshot. */
	reject(out, 480, "Temporarily Unavailable");
}
