/* "Try it" (simulate_rules.c): input, local time, who is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "simulate_rules.h"

static void from_numbers(void **state)
{
	(void)state;
	assert_true(sim_from_ok("3351234567"));
	assert_true(sim_from_ok("+393351234567"));
	assert_true(sim_from_ok("112"));
	assert_true(sim_from_ok("12345678901234567890"));
	assert_false(sim_from_ok(NULL));
	assert_false(sim_from_ok(""));
	assert_false(sim_from_ok("+"));
	assert_false(sim_from_ok("12"));
	assert_false(sim_from_ok("+12"));
	assert_false(sim_from_ok("123456789012345678901"));
	assert_false(sim_from_ok("335 1234567"));
	assert_false(sim_from_ok("33+51234567"));
	assert_false(sim_from_ok("anonymous"));
}

static void local_times(void **state)
{
	int64_t t = 0;
	char b[32];
	(void)state;
	/* Winter: Rome is UTC+1. */
	assert_true(sim_at_parse("2026-12-13T10:00", "Europe/Rome", &t));
	assert_int_equal(t, 1797152400);
	sim_at_format(t, "Europe/Rome", b, sizeof(b));
	assert_string_equal(b, "2026-12-13T10:00");
	sim_at_format(t, "UTC", b, sizeof(b));
	assert_string_equal(b, "2026-12-13T09:00");
	/* Summer: UTC+2. */
	assert_true(sim_at_parse("2026-07-01T10:00", "Europe/Rome", &t));
	assert_int_equal(t, 1782892800);
	/* Midnight and the last minute of a leap day. */
	assert_true(sim_at_parse("2028-02-29T23:59", "Europe/Rome", &t));
	sim_at_format(t, "Europe/Rome", b, sizeof(b));
	assert_string_equal(b, "2028-02-29T23:59");
	assert_true(sim_at_parse("2026-12-14T00:00", "Europe/Rome", &t));
	assert_int_equal(t, 1797202800);
	/* An unknown zone is UTC. */
	assert_true(sim_at_parse("2026-12-13T10:00", "Mars/Olympus", &t));
	assert_int_equal(t, 1797156000);
	/* 02:30 on 2026-03-29 does not exist in Rome: an answer all the
	 * same, within the hour after the change. */
	assert_true(sim_at_parse("2026-03-29T02:30", "Europe/Rome", &t));
	assert_true(t >= 1774746000 - 3600 && t <= 1774746000 + 3600);
}

static void bad_times(void **state)
{
	int64_t t = 42;
	(void)state;
	static const char *const bad[] = {
		NULL,
		"",
		"2026-12-13",
		"2026-12-13 10:00",
		"2026-12-13T10:00:00",
		"2026-12-13T1:00",
		"2026-13-01T10:00",
		"2026-00-01T10:00",
		"2026-02-29T10:00",
		"2026-04-31T10:00",
		"2026-12-00T10:00",
		"2026-12-13T24:00",
		"2026-12-13T10:60",
		"1969-12-31T23:59",
		"2026-1a-13T10:00",
		"+026-12-13T10:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(sim_at_parse(bad[i], "Europe/Rome", &t));
		assert_int_equal(t, 42);
	}
}

static json_t *members(void)
{
	json_error_t je;
	json_t *m = json_loads(
		"[{\"type\": \"main_line\", \"name\": \"Fibra Principale\"}, "
		"{\"type\": \"user\", \"id\": \"u1\", \"name\": \"Mario\", "
		"\"extension\": \"01\"}, "
		"{\"type\": \"user\", \"id\": \"u2\", \"name\": \"Laura\", "
		"\"extension\": \"05\"}, "
		"{\"type\": \"user\", \"id\": \"u3\", \"name\": \"Sara\", "
		"\"extension\": \"\"}]",
		0, &je);
	assert_non_null(m);
	return m;
}

static void skipped_members(void **state)
{
	(void)state;
	Ov__Registrar__Binding bind = OV__REGISTRAR__BINDING__INIT;
	Ov__Registrar__Binding *binds[] = {&bind};
	Ov__Registrar__Reach r[3];
	Ov__Registrar__Reach *rp[] = {&r[0], &r[1], &r[2]};
	Ov__Registrar__ContactsReply c = OV__REGISTRAR__CONTACTS_REPLY__INIT;
	bind.contact = "sip:u@192.0.2.1";
	for (size_t i = 0; i < 3; i++)
		ov__registrar__reach__init(&r[i]);
	/* Mario: registered, available. Laura: registered, dnd. The main
	 * line: known, no binding. Sara: unknown to the registrar. */
	r[0].owner = "u1";
	r[0].presence = "available";
	r[0].n_bindings = 1;
	r[0].bindings = binds;
	r[1].owner = "u2";
	r[1].presence = "dnd";
	r[1].n_bindings = 1;
	r[1].bindings = binds;
	r[2].owner = "main";
	r[2].presence = "available";
	c.n_reach = 3;
	c.reach = rp;
	json_t *m = members();
	json_t *s = sim_skipped(m, &c);
	char *text = json_dumps(s, JSON_COMPACT);
	assert_string_equal(
		text, "[{\"member\":\"Fibra Principale\",\"reason\":\"not "
		      "registered\"},{\"member\":\"Laura (05)\",\"reason\":"
		      "\"do-not-disturb\"},{\"member\":\"Sara\",\"reason\":"
		      "\"not registered\"}]");
	free(text);
	json_decref(s);
	/* "away" rings. */
	r[1].presence = "away";
	s = sim_skipped(m, &c);
	assert_int_equal(json_array_size(s), 2);
	json_decref(s);
	/* The registrar could not be asked: nobody is known to ring. */
	s = sim_skipped(m, NULL);
	assert_int_equal(json_array_size(s), 4);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(s, 1), "reason")),
			    "unknown");
	json_decref(s);
	s = sim_skipped(NULL, &c);
	assert_int_equal(json_array_size(s), 0);
	json_decref(s);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(from_numbers),
		cmocka_unit_test(local_times),
		cmocka_unit_test(bad_times),
		cmocka_unit_test(skipped_members),
	};
	return cmocka_run_group_tests_name("admin_simulate_rules", tests, NULL,
					   NULL);
}
