/* Parse errors say where in the body, never what: the text around an
 * error may be a password (issue 21, item 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static const char *parse(const char *body)
{
	static struct ov_json_error je;
	json_t *v = NULL;

	memset(&je, 0, sizeof(je));
	assert_int_equal(ov_json_parse(body, strlen(body), 65536, &v, &je),
			 OV_EINVAL);
	assert_null(v);
	return je.why;
}

static void errors_never_quote_the_body(void **state)
{
	(void)state;
	static const struct {
		const char *body, *why;
	} cases[] = {
		{"{\"password\":\"Segreto.9\xff\xfeZ\"}",
		 "invalid UTF-8 at byte 22 (line 1, column 22)"},
		{"{\"password\":\"Segreto.9", "the JSON ends early"},
		{"{\"password\":\"Segreto.9\",\"password\":\"Segreto.9\"}",
		 "a key given twice"},
		{"{\"password\":Segreto.9}", "malformed JSON"},
		{"{\"password\":\"Segreto.9\"} Segreto.9",
		 "text after the JSON value"},
		{"{\"password\":\"Segreto\\u0000.9\"}", "a NUL character"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = parse(cases[i].body);
		assert_null(strstr(why, "Segreto"));
		assert_null(strstr(why, "Seg"));
		assert_non_null(strstr(why, cases[i].why));
		assert_non_null(strstr(why, " at byte "));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors_never_quote_the_body),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
