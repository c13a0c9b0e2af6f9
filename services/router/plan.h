/*
 * plan = decide(tenant, call): what happens to a call. Pure: no I/O, no
 * clock, no globals; the handler gathers the inputs.
 */
#ifndef ROUTER_PLAN_H
#define ROUTER_PLAN_H

#include "router.pb-c.h"

/* What the router knows of the tenant that owns the dialled number.
 * Filled from the tenant's applied snapshot (admin); NULL when no
 * tenant owns it. */
struct router_tenant {
	const char *id;
	const char *number; /* the fixed number, E.164 */
};

/* A plan with at most a few steps, owned by the caller's stack. */
struct router_plan {
	Ov__Router__Plan plan;
	Ov__Router__Step steps[8];
	Ov__Router__Step *step_ptrs[8];
};

void router_decide(const struct router_tenant *t,
		   const Ov__Router__RouteRequest *call,
		   struct router_plan *out);

#endif
