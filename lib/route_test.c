#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "route.h"

static const struct ov_route routes[] = {
	{"GET", "/v1/users", "list"},
	{"POST", "/v1/users", "create"},
	{"GET", "/v1/users/{id}", "get"},
	{"GET", "/v1/tenants/{tid}/users/{uid}", "nested"},
	{"PUT", "/v1/messages/{kind}", "message"},
};
#define N (sizeof(routes) / sizeof(routes[0]))

static const char *find(const char *method, const char *path,
			struct ov_route_match *m, enum ov_route_result *r)
{
	const struct ov_route *found = NULL;
	*r = ov_route_find(routes, N, method, path, &found, m);
	return found ? found->data : NULL;
}

static void literal_and_method(void **state)
{
	struct ov_route_match m;
	enum ov_route_result r;
	(void)state;

	assert_string_equal(find("GET", "/v1/users", &m, &r), "list");
	assert_string_equal(find("POST", "/v1/users", &m, &r), "create");
	assert_null(find("DELETE", "/v1/users", &m, &r));
	assert_int_equal(r, OV_ROUTE_BAD_METHOD);
	assert_null(find("GET", "/v1/user", &m, &r));
	assert_int_equal(r, OV_ROUTE_NONE);
	assert_null(find("GET", "/v1/users/", &m, &r));
	assert_int_equal(r, OV_ROUTE_NONE);
	assert_null(find("GET", "/v1/usersx", &m, &r));
	assert_null(find("GET", "v1/users", &m, &r));
	assert_null(find("GET", "", &m, &r));
}

/* A 405's Allow: every method the path has, once each, in table order. */
static void allow(void **state)
{
	static const struct ov_route twice[] = {
		{"GET", "/v1/users/{id}", "a"},
		{"GET", "/v1/users/me", "b"},
		{"PATCH", "/v1/users/{id}", "c"},
		{"DELETE", "/v1/users/{id}", "d"},
	};
	char out[64];
	(void)state;

	assert_true(ov_route_allow(routes, N, "/v1/users", out, sizeof(out)));
	assert_string_equal(out, "GET, POST");
	assert_true(ov_route_allow(routes, N, "/v1/users/7", out, sizeof(out)));
	assert_string_equal(out, "GET");
	assert_true(ov_route_allow(routes, N, "/v1/nothing", out, sizeof(out)));
	assert_string_equal(out, "");
	assert_true(ov_route_allow(twice, 4, "/v1/users/me", out, sizeof(out)));
	assert_string_equal(out, "GET, PATCH, DELETE");
	assert_true(ov_route_allow(twice, 4, "/v1/users/x", out, sizeof(out)));
	assert_string_equal(out, "GET, PATCH, DELETE");
	/* Too small: a whole prefix of the list, and false. */
	assert_false(ov_route_allow(twice, 4, "/v1/users/x", out, 12));
	assert_string_equal(out, "GET, PATCH");
	assert_false(ov_route_allow(twice, 4, "/v1/users/x", out, 0));
}

static void params(void **state)
{
	struct ov_route_match m;
	enum ov_route_result r;
	(void)state;

	assert_string_equal(find("GET", "/v1/users/abc-123", &m, &r), "get");
	assert_int_equal(m.n, 1);
	assert_string_equal(ov_route_param(&m, "id"), "abc-123");
	assert_null(ov_route_param(&m, "other"));

	assert_string_equal(find("GET", "/v1/tenants/t1/users/u2", &m, &r),
			    "nested");
	assert_string_equal(ov_route_param(&m, "tid"), "t1");
	assert_string_equal(ov_route_param(&m, "uid"), "u2");

	/* An empty or extra segment is not a parameter. */
	assert_null(find("GET", "/v1/users//", &m, &r));
	assert_null(find("GET", "/v1/users/a/b", &m, &r));
}

static void long_parameter_does_not_match(void **state)
{
	char path[400] = "/v1/users/";
	struct ov_route_match m;
	enum ov_route_result r;
	(void)state;

	memset(path + 10, 'a', OV_ROUTE_PARAM_MAX - 1);
	assert_string_equal(find("GET", path, &m, &r), "get");
	assert_int_equal(strlen(ov_route_param(&m, "id")),
			 OV_ROUTE_PARAM_MAX - 1);
	memset(path + 10, 'a', OV_ROUTE_PARAM_MAX);
	assert_null(find("GET", path, &m, &r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_and_method),
		cmocka_unit_test(allow),
		cmocka_unit_test(params),
		cmocka_unit_test(long_parameter_does_not_match),
	};
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
