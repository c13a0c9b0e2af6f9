/* WAV headers: what rtpengine, the cache scan and the preview read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wav.h"

static void test_header_round_trip(void **state)
{
	uint8_t h[IVR_WAV_HEADER];
	uint32_t rate = 0, n = 0;
	(void)state;

	ivr_wav_header(h, 22050, 44100);
	assert_memory_equal(h, "RIFF", 4);
	assert_memory_equal(h + 8, "WAVEfmt ", 8);
	assert_memory_equal(h + 36, "data", 4);
	/* RIFF size, byte rate and data size, little-endian. */
	assert_int_equal(h[4] | h[5] << 8 | h[6] << 16 | h[7] << 24,
			 36 + 88200);
	assert_int_equal(h[28] | h[29] << 8 | h[30] << 16, 44100);
	assert_true(
		ivr_wav_parse(h, sizeof(h), IVR_WAV_HEADER + 88200, &rate, &n));
	assert_int_equal(rate, 22050);
	assert_int_equal(n, 44100);
	assert_int_equal(ivr_wav_ms(rate, n), 2000);
	/* Without the file's size the header alone is enough. */
	assert_true(ivr_wav_parse(h, sizeof(h), 0, &rate, &n));
}

static void test_refuses_what_it_did_not_write(void **state)
{
	uint8_t h[IVR_WAV_HEADER], bad[IVR_WAV_HEADER];
	uint32_t rate, n;
	(void)state;

	ivr_wav_header(h, 22050, 1000);
	/* A file cut short (a crash before rename cannot leave one, but
	 * a disk can) or longer than its header says. */
	assert_false(
		ivr_wav_parse(h, sizeof(h), IVR_WAV_HEADER + 1999, &rate, &n));
	assert_false(
		ivr_wav_parse(h, sizeof(h), IVR_WAV_HEADER + 2002, &rate, &n));
	assert_false(ivr_wav_parse(h, sizeof(h) - 1, 0, &rate, &n));
	memcpy(bad, h, sizeof(h));
	bad[22] = 2; /* stereo */
	assert_false(ivr_wav_parse(bad, sizeof(bad), 0, &rate, &n));
	memcpy(bad, h, sizeof(h));
	bad[20] = 3; /* float */
	assert_false(ivr_wav_parse(bad, sizeof(bad), 0, &rate, &n));
	memcpy(bad, h, sizeof(h));
	memcpy(bad, "RIFX", 4);
	assert_false(ivr_wav_parse(bad, sizeof(bad), 0, &rate, &n));
	ivr_wav_header(bad, 4000, 10); /* no such telephone rate */
	assert_false(ivr_wav_parse(bad, sizeof(bad), 0, &rate, &n));
}

static void test_ms_and_halving(void **state)
{
	int16_t s[7] = {100, 300, -100, -300, 32767, 32767, 5};
	(void)state;

	assert_int_equal(ivr_wav_ms(22050, 22049), 999);
	assert_int_equal(ivr_wav_ms(22050, 0), 0);
	assert_int_equal(ivr_wav_ms(0, 10), 0);
	assert_int_equal(ivr_wav_ms(8000, 8000ull * 3600), 3600000);
	assert_int_equal(ivr_wav_halve(s, 7), 3);
	assert_int_equal(s[0], 200);
	assert_int_equal(s[1], -200);
	assert_int_equal(s[2], 32767);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_refuses_what_it_did_not_write),
		cmocka_unit_test(test_ms_and_halving),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
