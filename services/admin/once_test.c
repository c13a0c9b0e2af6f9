/* One log line per key per window, with the count it stands for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "once.h"

static struct admin_once *o;

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || !(o = malloc(sizeof(*o))))
		return -1;
	admin_once_init(o, 60);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(o);
	return 0;
}

static void once_a_window_with_the_count(void **state)
{
	unsigned long held = 99;
	(void)state;

	assert_true(
		admin_once_take(o, "acct:+390612345678:mario", 1000, &held));
	assert_int_equal(held, 0);
	for (int i = 0; i < 500; i++)
		assert_false(admin_once_take(o, "acct:+390612345678:mario",
					     1000 + i % 60, &held));
	/* The window is from the last line: 59 s later still no. */
	assert_false(
		admin_once_take(o, "acct:+390612345678:mario", 1059, &held));
	assert_true(
		admin_once_take(o, "acct:+390612345678:mario", 1060, &held));
	assert_int_equal(held, 501);
	assert_false(
		admin_once_take(o, "acct:+390612345678:mario", 1061, &held));
	assert_true(
		admin_once_take(o, "acct:+390612345678:mario", 5000, &held));
	assert_int_equal(held, 1);
}

static void keys_are_apart(void **state)
{
	unsigned long held;
	(void)state;

	assert_true(
		admin_once_take(o, "acct:+390612345678:laura", 1000, &held));
	assert_true(admin_once_take(o, "addr:192.0.2.1", 1000, &held));
	assert_true(
		admin_once_take(o, "acct:+390612345679:laura", 1000, &held));
	assert_false(admin_once_take(o, "addr:192.0.2.1", 1001, &held));
	assert_false(
		admin_once_take(o, "acct:+390612345678:laura", 1001, &held));
	/* Many keys: each logs once in the window (no two of these meet
	 * in 4096 slots often enough to matter; a meeting only lets a key
	 * log again). */
	int logged = 0;
	char key[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "addr:10.0.%d.%d", i / 256, i % 256);
		logged += admin_once_take(o, key, 2000, &held);
		logged += admin_once_take(o, key, 2001, &held);
	}
	assert_true(logged >= 1000 && logged < 1100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(once_a_window_with_the_count),
		cmocka_unit_test(keys_are_apart),
	};
	return cmocka_run_group_tests_name("once", tests, setup, teardown);
}
