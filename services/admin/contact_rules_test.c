/* What a personal contact may hold (contact_rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "contact_rules.h"

static char field[64], why[160];

/* Checks body (JSON text); returns the normalised object or NULL. */
static json_t *check(const char *text, bool partial, enum ov_err want,
		     const char *want_field)
{
	json_error_t je;
	json_t *body = json_loads(text, JSON_DECODE_ANY, &je);
	json_t *out = NULL;

	assert_non_null(body);
	enum ov_err e = contact_check(body, partial, &out, field, sizeof(field),
				      why, sizeof(why));
	json_decref(body);
	assert_int_equal(e, want);
	if (want == OV_OK) {
		assert_non_null(out);
		assert_string_equal(why, "");
	} else {
		assert_null(out);
		assert_true(strlen(why) > 0 && strlen(why) < 96);
		if (want_field)
			assert_string_equal(field, want_field);
	}
	return out;
}

static void number_norm(const char *in, const char *want)
{
	char out[CONTACT_DIGITS_MAX + 2];
	enum ov_err e =
		contact_number_norm(in, out, sizeof(out), why, sizeof(why));

	if (want) {
		assert_int_equal(e, OV_OK);
		assert_string_equal(out, want);
		assert_string_equal(why, "");
	} else {
		assert_int_equal(e, OV_EINVAL);
		assert_string_equal(out, "");
		assert_true(strlen(why) > 0);
	}
}

static void numbers_accepted(void **state)
{
	(void)state;
	number_norm("3351234567", "3351234567");
	number_norm("+39 335 123-4567", "+393351234567");
	number_norm("(06) 1234.5678", "0612345678");
	number_norm("06/1234", "061234");
	number_norm("05", "05");   /* an extension */
	number_norm("112", "112"); /* 3 digits */
	number_norm("12345678901234567890", "12345678901234567890");
	number_norm("+12345678901234567890", "+12345678901234567890");
}

static void numbers_refused(void **state)
{
	(void)state;
	number_norm(NULL, NULL);
	number_norm("", NULL);
	number_norm("5", NULL);
	number_norm("+05", NULL); /* "+" and 2 digits is no extension */
	number_norm("123456789012345678901", NULL); /* 21 digits */
	number_norm("335 12x4567", NULL);
	number_norm("33+51234567", NULL);
	number_norm("++3351234567", NULL);
	number_norm("+", NULL);
	number_norm("---", NULL);
}

static void number_out_buffer(void **state)
{
	char small[5];
	(void)state;
	assert_int_equal(contact_number_norm("3351234567", small, sizeof(small),
					     why, sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(small, "");
}

static void full_contact(void **state)
{
	(void)state;
	json_t *o = check("{\"name\": \"Anna Bianchi\", \"numbers\": ["
			  "{\"label\": \"mobile\", \"number\": \"+39 335 "
			  "1234567\"}, {\"label\": \"work\", \"number\": "
			  "\"05\"}], \"email\": \"anna@example.it\", "
			  "\"company\": \"Bianchi Srl\", \"note\": "
			  "\"chiamare\\ndopo le 15\"}",
			  false, OV_OK, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "name")),
			    "Anna Bianchi");
	json_t *n = json_object_get(o, "numbers");
	assert_int_equal(json_array_size(n), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(n, 0), "number")),
			    "+393351234567");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(n, 1), "label")),
			    "work");
	assert_string_equal(json_string_value(json_object_get(o, "note")),
			    "chiamare\ndopo le 15");
	json_decref(o);
}

static void minimal_contact_fills_nulls(void **state)
{
	(void)state;
	json_t *o = check("{\"name\": \"Bo\", \"numbers\": [{\"label\": "
			  "\"other\", \"number\": \"112\"}]}",
			  false, OV_OK, NULL);
	assert_int_equal(json_object_size(o), 5);
	assert_true(json_is_null(json_object_get(o, "email")));
	assert_true(json_is_null(json_object_get(o, "company")));
	assert_true(json_is_null(json_object_get(o, "note")));
	json_decref(o);
}

static void create_refusals_name_the_field(void **state)
{
	(void)state;
	const char *one = "[{\"label\": \"home\", \"number\": \"061234\"}]";
	char b[1024];

	check("[]", false, OV_EINVAL, "");
	snprintf(b, sizeof(b), "{\"numbers\": %s}", one);
	check(b, false, OV_EINVAL, "name");
	check("{\"name\": \"X\"}", false, OV_EINVAL, "numbers");
	snprintf(b, sizeof(b), "{\"name\": \"\", \"numbers\": %s}", one);
	check(b, false, OV_EINVAL, "name");
	snprintf(b, sizeof(b), "{\"name\": \" X\", \"numbers\": %s}", one);
	check(b, false, OV_EINVAL, "name");
	snprintf(b, sizeof(b), "{\"name\": 5, \"numbers\": %s}", one);
	check(b, false, OV_EINVAL, "name");
	check("{\"name\": \"X\", \"numbers\": []}", false, OV_EINVAL,
	      "numbers");
	check("{\"name\": \"X\", \"numbers\": [1]}", false, OV_EINVAL,
	      "numbers[0]");
	check("{\"name\": \"X\", \"numbers\": [{\"label\": \"fax\", "
	      "\"number\": \"061234\"}]}",
	      false, OV_EINVAL, "numbers[0].label");
	check("{\"name\": \"X\", \"numbers\": [{\"label\": \"home\", "
	      "\"number\": \"061234\"}, {\"label\": \"home\", \"number\": "
	      "\"1\"}]}",
	      false, OV_EINVAL, "numbers[1].number");
	check("{\"name\": \"X\", \"numbers\": [{\"label\": \"home\"}]}", false,
	      OV_EINVAL, "numbers[0].number");
	check("{\"name\": \"X\", \"numbers\": [{\"label\": \"home\", "
	      "\"number\": \"061234\", \"x\": 1}]}",
	      false, OV_EINVAL, "numbers[0].x");
	snprintf(b, sizeof(b),
		 "{\"name\": \"X\", \"numbers\": %s, "
		 "\"email\": \"nope\"}",
		 one);
	check(b, false, OV_EINVAL, "email");
	snprintf(b, sizeof(b),
		 "{\"name\": \"X\", \"numbers\": %s, "
		 "\"company\": \"\"}",
		 one);
	check(b, false, OV_EINVAL, "company");
	snprintf(b, sizeof(b),
		 "{\"name\": \"X\", \"numbers\": %s, "
		 "\"note\": \"a\\u0007b\"}",
		 one);
	check(b, false, OV_EINVAL, "note");
	snprintf(b, sizeof(b),
		 "{\"name\": \"X\", \"numbers\": %s, "
		 "\"colour\": \"red\"}",
		 one);
	check(b, false, OV_EINVAL, "colour");
}

static void five_numbers_at_most(void **state)
{
	(void)state;
	char b[1024];
	size_t o = (size_t)snprintf(b, sizeof(b),
				    "{\"name\": \"X\", \"numbers\": [");
	for (int i = 0; i < 6; i++) {
		o += (size_t)snprintf(b + o, sizeof(b) - o,
				      "%s{\"label\": \"other\", \"number\": "
				      "\"06123%d\"}",
				      i ? ", " : "", i);
		if (i == 4) {
			char five[1100];
			snprintf(five, sizeof(five), "%s]}", b);
			json_decref(check(five, false, OV_OK, NULL));
		}
	}
	snprintf(b + o, sizeof(b) - o, "]}");
	check(b, false, OV_EINVAL, "numbers");
}

static void lengths_in_characters(void **state)
{
	(void)state;
	char name[512], b[4096];
	/* 100 "è" (2 bytes each) is 100 characters: accepted; 101 not. */
	size_t o = 0;
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(name + o, sizeof(name) - o, "è");
	snprintf(b, sizeof(b),
		 "{\"name\": \"%s\", \"numbers\": [{\"label\": "
		 "\"home\", \"number\": \"061234\"}]}",
		 name);
	json_decref(check(b, false, OV_OK, NULL));
	snprintf(b, sizeof(b),
		 "{\"name\": \"%sx\", \"numbers\": [{\"label\": "
		 "\"home\", \"number\": \"061234\"}]}",
		 name);
	check(b, false, OV_EINVAL, "name");

	char note[1200];
	memset(note, 'n', 500);
	note[500] = '\0';
	snprintf(b, sizeof(b), "{\"note\": \"%s\"}", note);
	json_decref(check(b, true, OV_OK, NULL));
	note[500] = 'n';
	note[501] = '\0';
	snprintf(b, sizeof(b), "{\"note\": \"%s\"}", note);
	check(b, true, OV_EINVAL, "note");
}

static void patch_takes_what_is_present(void **state)
{
	(void)state;
	json_t *o =
		check("{\"email\": null, \"note\": \"\"}", true, OV_OK, NULL);
	assert_int_equal(json_object_size(o), 2);
	assert_true(json_is_null(json_object_get(o, "email")));
	assert_true(json_is_null(json_object_get(o, "note")));
	json_decref(o);
	o = check("{\"company\": \"ACME\"}", true, OV_OK, NULL);
	assert_int_equal(json_object_size(o), 1);
	json_decref(o);
	check("{}", true, OV_EINVAL, "");
	check("{\"name\": null}", true, OV_EINVAL, "name");
	check("{\"numbers\": []}", true, OV_EINVAL, "numbers");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_accepted),
		cmocka_unit_test(numbers_refused),
		cmocka_unit_test(number_out_buffer),
		cmocka_unit_test(full_contact),
		cmocka_unit_test(minimal_contact_fills_nulls),
		cmocka_unit_test(create_refusals_name_the_field),
		cmocka_unit_test(five_numbers_at_most),
		cmocka_unit_test(lengths_in_characters),
		cmocka_unit_test(patch_takes_what_is_present),
	};
	return cmocka_run_group_tests_name("admin_contact_rules", tests, NULL,
					   NULL);
}
