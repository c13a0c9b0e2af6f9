#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "plan.h"

static Ov__Router__RouteRequest call_to(const char *to)
{
	Ov__Router__RouteRequest r = OV__ROUTER__ROUTE_REQUEST__INIT;
	r.to_user = (char *)to;
	r.from_user = "3331234567";
	return r;
}

static void no_tenant_is_404(void **state)
{
	struct router_plan p;
	Ov__Router__RouteRequest r = call_to("0612345678");
	(void)state;

	router_decide(NULL, &r, &p);
	assert_int_equal(p.plan.n_steps, 1);
	assert_int_equal(p.plan.steps[0]->kind, OV__ROUTER__STEP__KIND__REJECT);
	assert_int_equal(p.plan.steps[0]->code, 404);
	assert_string_equal(p.plan.tenant_id, "");
}

static void empty_number_is_484(void **state)
{
	struct router_plan p;
	Ov__Router__RouteRequest r = call_to("");
	struct router_tenant t = {"t1", "+390612345678"};
	(void)state;

	router_decide(&t, &r, &p);
	assert_int_equal(p.plan.n_steps, 1);
	assert_int_equal(p.plan.steps[0]->code, 484);
}

static void tenant_without_rules_is_480(void **state)
{
	struct router_plan p;
	Ov__Router__RouteRequest r = call_to("0612345678");
	struct router_tenant t = {"t1", "+390612345678"};
	(void)state;

	router_decide(&t, &r, &p);
	assert_string_equal(p.plan.tenant_id, "t1");
	assert_int_equal(p.plan.steps[0]->code, 480);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_tenant_is_404),
		cmocka_unit_test(empty_number_is_484),
		cmocka_unit_test(tenant_without_rules_is_480),
	};
	return cmocka_run_group_tests_name("router_plan", tests, NULL, NULL);
}
