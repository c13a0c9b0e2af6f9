/* The ng protocol's encoding: the play command as rtpengine reads it,
 * and its answers as rtpengine 10.5 writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bencode.h"

static void test_writes_a_play_command(void **state)
{
	char buf[256];
	struct ivr_benc b;
	(void)state;

	ivr_benc_init(&b, buf, sizeof(buf));
	ivr_benc_raw(&b, "d");
	ivr_benc_kv(&b, "command", "play media");
	ivr_benc_kv(&b, "call-id", "abc@host");
	ivr_benc_kv(&b, "from-tag", "");
	ivr_benc_kv(&b, "file", "/var/cache/p/ab.wav");
	ivr_benc_raw(&b, "e");
	assert_false(b.over);
	assert_string_equal(buf, "d7:command10:play media7:call-id8:abc@host"
				 "8:from-tag0:4:file19:/var/cache/p/ab.wave");
	/* What does not fit is said, never sent cut. */
	ivr_benc_init(&b, buf, 10);
	ivr_benc_kv(&b, "command", "play media");
	assert_true(b.over);
	assert_true(strlen(buf) < 10);
}

static void test_reads_answers(void **state)
{
	struct ivr_bval v;
	long long n = 0;
	(void)state;

	/* The duration as a string (as measured with 10.5) and as an
	 * integer. */
	const char *ok = "d8:duration4:23456:result2:oke";
	assert_true(ivr_benc_get(ok, strlen(ok), "result", &v));
	assert_true(v.found && v.len == 2 && memcmp(v.s, "ok", 2) == 0);
	assert_true(ivr_benc_get(ok, strlen(ok), "duration", &v));
	assert_true(ivr_bval_number(&v, &n));
	assert_int_equal(n, 2345);
	const char *ok2 = "d6:result2:ok8:durationi18250ee";
	assert_true(ivr_benc_get(ok2, strlen(ok2), "duration", &v));
	assert_true(v.is_int);
	assert_true(ivr_bval_number(&v, &n));
	assert_int_equal(n, 18250);
	/* Nested values are skipped; a missing key is not found. */
	const char *nest = "d4:listl1:ai1ed1:xi2eee6:result5:error"
			   "12:error-reason15:Unknown call-ide";
	assert_true(ivr_benc_get(nest, strlen(nest), "error-reason", &v));
	assert_true(v.found && v.len == 15);
	assert_true(ivr_benc_get(nest, strlen(nest), "duration", &v));
	assert_false(v.found);
	assert_false(ivr_bval_number(&v, &n));
	const char *pong = "d6:result4:ponge";
	assert_true(ivr_benc_get(pong, strlen(pong), "result", &v));
	assert_true(v.len == 4 && memcmp(v.s, "pong", 4) == 0);
}

static void test_refuses_malformed_answers(void **state)
{
	static const char *const bad[] = {
		"",
		"d",
		"l6:result2:oke",
		"d6:result2:ok",   /* unterminated */
		"d6:result99:oke", /* length past the end */
		"d6:result2:okee", /* trailing bytes */
		"d6:resulti12e",   /* integer unterminated */
		"d6:resultiee",	   /* no digits */
		"d1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ai1eeeeeeeeee", /* deep */
		"d18446744073709551617:xe",
	};
	struct ivr_bval v;
	long long n;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(
			ivr_benc_get(bad[i], strlen(bad[i]), "result", &v));
	/* A duration that is not a number. */
	const char *s = "d8:duration3:1a2e";
	assert_true(ivr_benc_get(s, strlen(s), "duration", &v));
	assert_false(ivr_bval_number(&v, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_a_play_command),
		cmocka_unit_test(test_reads_answers),
		cmocka_unit_test(test_refuses_malformed_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
