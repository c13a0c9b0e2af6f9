/* Speech from libespeak-ng: the voices exist, the audio is at the
 * native rate and as long as its samples, and every choice the tenant
 * makes (voice, languages, their order) changes what is heard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synth.h"
#include "wav.h"

static int setup(void **state)
{
	(void)state;
	return ivr_synth_init() == OV_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ivr_synth_term();
	return 0;
}

static void text(struct ivr_text *t, bool female, const char *l0,
		 const char *s0, const char *l1, const char *s1)
{
	memset(t, 0, sizeof(*t));
	t->female = female;
	snprintf(t->seg[0].lang, sizeof(t->seg[0].lang), "%s", l0);
	snprintf(t->seg[0].text, sizeof(t->seg[0].text), "%s", s0);
	t->n = 1;
	if (l1) {
		snprintf(t->seg[1].lang, sizeof(t->seg[1].lang), "%s", l1);
		snprintf(t->seg[1].text, sizeof(t->seg[1].text), "%s", s1);
		t->n = 2;
	}
}

static const char *const IT = "Salve! Grazie per aver chiamato.";
static const char *const EN = "Hello! Thank you for calling.";

static void test_engine_and_voices(void **state)
{
	(void)state;
	assert_int_equal(ivr_synth_rate(), 22050);
	assert_non_null(strstr(ivr_synth_engine(), "espeak-ng 1."));
	assert_non_null(strstr(ivr_synth_engine(), "22050Hz"));
	assert_string_equal(ivr_synth_voice("it", false), "it");
	assert_string_equal(ivr_synth_voice("it", true), "it+f3");
	assert_string_equal(ivr_synth_voice("en", false), "en");
	assert_string_equal(ivr_synth_voice("en", true), "en+f3");
	assert_null(ivr_synth_voice("fr", true));
}

static void test_speaks_a_wav_as_long_as_its_samples(void **state)
{
	struct ivr_text t;
	struct ivr_audio a;
	uint8_t *wav = NULL;
	size_t len = 0;
	uint32_t rate, n;
	(void)state;

	text(&t, true, "it", IT, NULL, NULL);
	assert_int_equal(ivr_synth(&t, &a), OV_OK);
	assert_int_equal(a.rate, 22050);
	uint32_t ms = ivr_wav_ms(a.rate, a.n);
	/* Six words: between one and five seconds. */
	assert_in_range(ms, 1000, 5000);
	size_t loud = 0;
	for (size_t i = 0; i < a.n; i++)
		loud += a.s[i] > 1000 || a.s[i] < -1000;
	assert_true(loud > a.n / 10);
	assert_int_equal(ivr_audio_wav(&a, &wav, &len), OV_OK);
	assert_int_equal(len, IVR_WAV_HEADER + a.n * 2);
	assert_true(ivr_wav_parse(wav, len, len, &rate, &n));
	assert_int_equal(rate, 22050);
	assert_int_equal(n, a.n);
	free(wav);
	ivr_audio_free(&a);
}

static void test_voice_and_languages_change_the_audio(void **state)
{
	struct ivr_text t;
	struct ivr_audio female, male, it_en, en_it, it;
	(void)state;

	text(&t, true, "it", IT, NULL, NULL);
	assert_int_equal(ivr_synth(&t, &female), OV_OK);
	text(&t, false, "it", IT, NULL, NULL);
	assert_int_equal(ivr_synth(&t, &male), OV_OK);
	assert_false(female.n == male.n &&
		     memcmp(female.s, male.s, male.n * 2) == 0);

	text(&t, true, "it", IT, "en", EN);
	assert_int_equal(ivr_synth(&t, &it_en), OV_OK);
	text(&t, true, "en", EN, "it", IT);
	assert_int_equal(ivr_synth(&t, &en_it), OV_OK);
	text(&t, true, "it", IT, NULL, NULL);
	assert_int_equal(ivr_synth(&t, &it), OV_OK);
	/* Both languages: longer than one, by more than the gap. */
	assert_true(it_en.n > it.n + 22050 * IVR_SYNTH_GAP_MS / 1000);
	/* Same words, other order: about the same length (the pauses
	 * differ a little), other sound. */
	assert_in_range(en_it.n, it_en.n - it_en.n / 20,
			it_en.n + it_en.n / 20);
	assert_memory_not_equal(it_en.s, en_it.s,
				(it_en.n < en_it.n ? it_en.n : en_it.n) * 2);
	/* The same input gives the same speech, give or take a few
	 * samples (espeak-ng varies its voice a little on purpose): what
	 * the cache relies on when it keys by text. */
	assert_in_range(it.n, female.n - female.n / 100,
			female.n + female.n / 100);
	ivr_audio_free(&female);
	ivr_audio_free(&male);
	ivr_audio_free(&it_en);
	ivr_audio_free(&en_it);
	ivr_audio_free(&it);
}

static void test_refuses_unknown_languages(void **state)
{
	struct ivr_text t;
	struct ivr_audio a;
	(void)state;

	text(&t, true, "fr", "Bonjour", NULL, NULL);
	assert_int_equal(ivr_synth(&t, &a), OV_EINVAL);
	assert_null(a.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_and_voices),
		cmocka_unit_test(test_speaks_a_wav_as_long_as_its_samples),
		cmocka_unit_test(test_voice_and_languages_change_the_audio),
		cmocka_unit_test(test_refuses_unknown_languages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
