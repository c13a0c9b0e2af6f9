/* The HTTP edge's checks: body framing and declared media type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_check.h"

static int framing(const char *te, unsigned n_te, unsigned n_cl)
{
	struct ov_http_framing f = {te, n_te, n_cl};
	const char *why = "unset";
	int status = ov_http_framing_check(&f, &why);

	if (status)
		assert_non_null(why);
	else
		assert_null(why);
	return status;
}

static void framing_accepted(void **state)
{
	(void)state;
	assert_int_equal(framing(NULL, 0, 0), 0);
	assert_int_equal(framing(NULL, 0, 1), 0);
}

static void smuggling_refused(void **state)
{
	(void)state;
	/* The probe: chunked wins over Content-Length in one
	 * reader and not in another. */
	assert_int_equal(framing("chunked", 1, 1), 400);
	assert_int_equal(framing("identity", 1, 1), 400);
	assert_int_equal(framing("chunked", 2, 1), 400);
	assert_int_equal(framing(NULL, 0, 2), 400);
	assert_int_equal(framing("chunked", 2, 0), 400);
}

static void chunked_alone_needs_a_length(void **state)
{
	(void)state;
	assert_int_equal(framing("chunked", 1, 0), 411);
	assert_int_equal(framing("gzip, chunked", 1, 0), 411);
}

static void media_types(void **state)
{
	(void)state;
	static const char *const json[] = {
		"application/json",
		"Application/JSON",
		"application/json; charset=utf-8",
		"application/json;charset=UTF-8",
		" application/json ",
		"application/json ;charset=utf-8",
	};
	static const char *const other[] = {
		"",
		"text/plain",
		"text/plain; charset=utf-8",
		"application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x",
		"application/jsonp",
		"application/json-seq",
		"application/json+x",
		"application/jso",
		"application/ json",
		"xapplication/json",
	};
	for (size_t i = 0; i < sizeof(json) / sizeof(json[0]); i++)
		assert_true(ov_http_media_is(json[i], "application/json"));
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_false(ov_http_media_is(other[i], "application/json"));
	assert_false(ov_http_media_is(NULL, "application/json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(framing_accepted),
		cmocka_unit_test(smuggling_refused),
		cmocka_unit_test(chunked_alone_needs_a_length),
		cmocka_unit_test(media_types),
	};
	return cmocka_run_group_tests_name("http_check", tests, NULL, NULL);
}
