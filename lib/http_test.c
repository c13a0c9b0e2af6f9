/* Problem JSON bodies (RFC 9457) as ov_http_problem_code builds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "http.h"

/* The body of a problem answer, parsed; the caller decrefs. */
static json_t *problem(int status, const char *code, const char *field,
		       const char *detail)
{
	struct ov_http_response res = {0};
	json_error_t err;

	ov_http_problem_code(&res, status, code, field, detail);
	assert_int_equal(res.status, status);
	assert_string_equal(res.content_type, "application/problem+json");
	assert_non_null(res.body);
	assert_int_equal(strlen(res.body), res.body_len);
	json_t *doc = json_loadb(res.body, res.body_len, 0, &err);
	assert_non_null(doc);
	free(res.body);
	return doc;
}

static const char *str(const json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));
	assert_non_null(s);
	return s;
}

static void fields_and_titles(void **state)
{
	(void)state;

	json_t *d = problem(405, "invalid_argument", NULL, "no");
	assert_string_equal(str(d, "type"), "about:blank");
	assert_string_equal(str(d, "title"), "Method Not Allowed");
	assert_int_equal(json_integer_value(json_object_get(d, "status")), 405);
	assert_string_equal(str(d, "code"), "invalid_argument");
	assert_string_equal(str(d, "detail"), "no");
	assert_null(json_object_get(d, "field"));
	json_decref(d);

	/* libmicrohttpd's phrases are RFC 9110's. */
	d = problem(422, "x", "name", NULL);
	assert_string_equal(str(d, "title"), "Unprocessable Content");
	assert_string_equal(str(d, "detail"), "Unprocessable Content");
	assert_string_equal(str(d, "field"), "name");
	json_decref(d);
	d = problem(413, "x", NULL, NULL);
	assert_string_equal(str(d, "title"), "Content Too Large");
	json_decref(d);
	/* A code without a phrase gets its class's. */
	d = problem(599, "x", NULL, NULL);
	assert_string_equal(str(d, "title"), "Internal Server Error");
	json_decref(d);
	d = problem(499, "x", NULL, NULL);
	assert_string_equal(str(d, "title"), "Error");
	json_decref(d);
}

/* Whatever the detail holds comes back as it was: quotes, backslashes,
 * control characters, non-ASCII, and any length. */
static void detail_round_trips(void **state)
{
	static const char odd[] = "a \"quoted\" \\ back\nslash\t\x01 perché €";
	char *big = malloc(5001);
	(void)state;

	json_t *d = problem(400, "invalid_argument", "x\"y", odd);
	assert_string_equal(str(d, "detail"), odd);
	assert_string_equal(str(d, "field"), "x\"y");
	json_decref(d);

	memset(big, 'z', 5000);
	big[5000] = '\0';
	d = problem(400, "invalid_argument", NULL, big);
	assert_string_equal(str(d, "detail"), big);
	json_decref(d);
	free(big);
}

/* A detail cut by a format buffer inside a character keeps what is whole
 * before it: the body stays JSON. */
static void detail_cut_inside_a_character(void **state)
{
	(void)state;

	json_t *d = problem(400, "invalid_argument", NULL, "perch\xc3");
	assert_string_equal(str(d, "detail"), "perch");
	json_decref(d);
	d = problem(400, "invalid_argument", NULL, "\xe2\x82 tail");
	assert_string_equal(str(d, "detail"), "");
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_and_titles),
		cmocka_unit_test(detail_round_trips),
		cmocka_unit_test(detail_cut_inside_a_character),
	};
	return cmocka_run_group_tests_name("http_problem", tests, NULL, NULL);
}
