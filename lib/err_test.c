#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common.pb-c.h"
#include "err.h"

/* Names label metrics and logs: two codes sharing one would merge. */
static void names_are_distinct_and_nonempty(void **state)
{
	(void)state;
	for (int a = 0; a < OV_ERR_COUNT; a++) {
		const char *na = ov_err_name((enum ov_err)a);
		assert_non_null(na);
		assert_true(strlen(na) > 0);
		for (int b = a + 1; b < OV_ERR_COUNT; b++)
			assert_string_not_equal(na,
						ov_err_name((enum ov_err)b));
	}
	assert_string_equal(ov_err_name(OV_OK), "ok");
	assert_string_equal(ov_err_name(OV_ETIMEDOUT), "deadline_exceeded");
}

static void http_mapping(void **state)
{
	(void)state;
	assert_int_equal(ov_err_http(OV_OK), 200);
	assert_int_equal(ov_err_http(OV_EINVAL), 400);
	assert_int_equal(ov_err_http(OV_EUNAUTH), 401);
	assert_int_equal(ov_err_http(OV_EPERM), 403);
	assert_int_equal(ov_err_http(OV_ENOTFOUND), 404);
	assert_int_equal(ov_err_http(OV_EEXIST), 409);
	assert_int_equal(ov_err_http(OV_ETOOBIG), 413);
	assert_int_equal(ov_err_http(OV_EEXHAUSTED), 429);
	assert_int_equal(ov_err_http(OV_EINTERNAL), 500);
	assert_int_equal(ov_err_http(OV_EUNAVAIL), 503);
	assert_int_equal(ov_err_http(OV_ETIMEDOUT), 504);
	/* Out of range maps like INTERNAL rather than reading past the
	 * table. */
	assert_int_equal(ov_err_http((enum ov_err)99), 500);
	assert_int_equal(ov_err_http((enum ov_err) - 1), 500);
}

static void sip_mapping(void **state)
{
	(void)state;
	assert_int_equal(ov_err_sip(OV_OK), 200);
	assert_int_equal(ov_err_sip(OV_EINVAL), 400);
	assert_int_equal(ov_err_sip(OV_EUNAUTH), 401);
	assert_int_equal(ov_err_sip(OV_EPERM), 403);
	assert_int_equal(ov_err_sip(OV_ENOTFOUND), 404);
	assert_int_equal(ov_err_sip(OV_ETOOBIG), 513);
	assert_int_equal(ov_err_sip(OV_EUNAVAIL), 503);
	assert_int_equal(ov_err_sip(OV_ETIMEDOUT), 503);
	assert_int_equal(ov_err_sip(OV_EINTERNAL), 500);
	assert_int_equal(ov_err_sip((enum ov_err)OV_ERR_COUNT), 500);
	/* Every error is a SIP final response, never provisional or 2xx. */
	for (int e = 1; e < OV_ERR_COUNT; e++) {
		assert_in_range(ov_err_sip((enum ov_err)e), 300, 699);
		assert_in_range(ov_err_http((enum ov_err)e), 400, 599);
	}
}

static void from_code(void **state)
{
	(void)state;
	for (int e = 0; e < OV_ERR_COUNT; e++)
		assert_int_equal(ov_err_from_code(e), e);
	assert_int_equal(ov_err_from_code(-1), OV_EINTERNAL);
	assert_int_equal(ov_err_from_code(OV_ERR_COUNT), OV_EINTERNAL);
	assert_int_equal(ov_err_from_code(1000), OV_EINTERNAL);
	assert_int_equal(ov_err_from_code(INT32_MIN), OV_EINTERNAL);
}

/* ov.Status.Code must mirror enum ov_err number for number. */
static void mirrors_status_code(void **state)
{
	static const struct {
		enum ov_err e;
		int pb;
		const char *pb_name;
	} m[] = {
		{OV_OK, OV__STATUS__CODE__OK, "OK"},
		{OV_EINVAL, OV__STATUS__CODE__INVALID_ARGUMENT,
		 "INVALID_ARGUMENT"},
		{OV_ENOTFOUND, OV__STATUS__CODE__NOT_FOUND, "NOT_FOUND"},
		{OV_EEXIST, OV__STATUS__CODE__ALREADY_EXISTS, "ALREADY_EXISTS"},
		{OV_EPERM, OV__STATUS__CODE__PERMISSION_DENIED,
		 "PERMISSION_DENIED"},
		{OV_EUNAUTH, OV__STATUS__CODE__UNAUTHENTICATED,
		 "UNAUTHENTICATED"},
		{OV_ETIMEDOUT, OV__STATUS__CODE__DEADLINE_EXCEEDED,
		 "DEADLINE_EXCEEDED"},
		{OV_EUNAVAIL, OV__STATUS__CODE__UNAVAILABLE, "UNAVAILABLE"},
		{OV_EEXHAUSTED, OV__STATUS__CODE__RESOURCE_EXHAUSTED,
		 "RESOURCE_EXHAUSTED"},
		{OV_EPRECOND, OV__STATUS__CODE__FAILED_PRECONDITION,
		 "FAILED_PRECONDITION"},
		{OV_EINTERNAL, OV__STATUS__CODE__INTERNAL, "INTERNAL"},
		{OV_ETOOBIG, OV__STATUS__CODE__TOO_LARGE, "TOO_LARGE"},
	};
	const ProtobufCEnumDescriptor *d = &ov__status__code__descriptor;
	(void)state;

	assert_int_equal(sizeof(m) / sizeof(m[0]), OV_ERR_COUNT);
	/* No code on the wire without a counterpart here, and back. */
	assert_int_equal(d->n_values, OV_ERR_COUNT);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		assert_int_equal(m[i].e, i);
		assert_int_equal(m[i].pb, m[i].e);
		const ProtobufCEnumValue *v =
			protobuf_c_enum_descriptor_get_value(d, (int)m[i].e);
		assert_non_null(v);
		assert_string_equal(v->name, m[i].pb_name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_distinct_and_nonempty),
		cmocka_unit_test(http_mapping),
		cmocka_unit_test(sip_mapping),
		cmocka_unit_test(from_code),
		cmocka_unit_test(mirrors_status_code),
	};
	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
