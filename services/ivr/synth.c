#include "synth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>

#include "wav.h"

static struct {
	pthread_mutex_t lock;
	bool up;
	uint32_t rate;
	char engine[64];
} sy = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Samples as espeak-ng hands them over; user_data is the audio. */
static int collect(short *wav, int n, espeak_EVENT *ev)
{
	struct ivr_audio *a = ev ? ev->user_data : NULL;
	size_t max = (size_t)IVR_SYNTH_MAX_S * sy.rate;

	if (!a || !wav || n <= 0)
		return 0;
	if (a->cut)
		return 1;
	if (a->n + (size_t)n > max) {
		a->cut = true; /* abort: too long */
		return 1;
	}
	if (a->n + (size_t)n > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : (size_t)sy.rate * 4;
		while (cap < a->n + (size_t)n)
			cap *= 2;
		int16_t *s = realloc(a->s, cap * sizeof(*s));
		if (!s) {
			a->cut = true;
			return 1;
		}
		a->s = s;
		a->cap = cap;
	}
	memcpy(a->s + a->n, wav, (size_t)n * sizeof(*wav));
	a->n += (size_t)n;
	return 0;
}

enum ov_err ivr_synth_init(void)
{
	enum ov_err e = OV_OK;

	pthread_mutex_lock(&sy.lock);
	if (!sy.up) {
		/* DONT_EXIT: a missing data file is an error, not exit(). */
		int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
					     espeakINITIALIZE_DONT_EXIT);
		if (rate <= 0) {
			e = OV_EINTERNAL;
		} else {
			const char *data = NULL;
			sy.rate = (uint32_t)rate;
			snprintf(sy.engine, sizeof(sy.engine),
				 "espeak-ng %s %uHz %dwpm gap%dms",
				 espeak_Info(&data), sy.rate, IVR_SYNTH_WPM,
				 IVR_SYNTH_GAP_MS);
			espeak_SetSynthCallback(collect);
			sy.up = true;
		}
	}
	pthread_mutex_unlock(&sy.lock);
	return e;
}

void ivr_synth_term(void)
{
	pthread_mutex_lock(&sy.lock);
	if (sy.up)
		espeak_Terminate();
	sy.up = false;
	pthread_mutex_unlock(&sy.lock);
}

const char *ivr_synth_engine(void)
{
	return sy.engine;
}

uint32_t ivr_synth_rate(void)
{
	return sy.rate;
}

const char *ivr_synth_voice(const char *lang, bool female)
{
	if (strcmp(lang, "it") == 0)
		return female ? "it+f3" : "it";
	if (strcmp(lang, "en") == 0)
		return female ? "en+f3" : "en";
	return NULL;
}

static bool silence(struct ivr_audio *a, uint32_t ms)
{
	size_t n = (size_t)sy.rate * ms / 1000u;
	int16_t zero[512] = {0};
	espeak_EVENT ev = {.user_data = a};

	while (n) {
		size_t k = n < 512 ? n : 512;
		if (collect(zero, (int)k, &ev))
			return false;
		n -= k;
	}
	return true;
}

enum ov_err ivr_synth(const struct ivr_text *t, struct ivr_audio *out)
{
	enum ov_err e = OV_OK;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&sy.lock);
	if (!sy.up) {
		e = OV_EPRECOND;
		goto out;
	}
	out->rate = sy.rate;
	for (size_t i = 0; i < t->n && e == OV_OK; i++) {
		const char *voice = ivr_synth_voice(t->seg[i].lang, t->female);
		const char *text = t->seg[i].text;
		if (!voice || espeak_SetVoiceByName(voice) != EE_OK) {
			e = OV_EINVAL;
			break;
		}
		espeak_SetParameter(espeakRATE, IVR_SYNTH_WPM, 0);
		if (i > 0 && !silence(out, IVR_SYNTH_GAP_MS)) {
			e = OV_ETOOBIG;
			break;
		}
		size_t before = out->n;
		espeak_ERROR r =
			espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER,
				     0, espeakCHARS_UTF8, NULL, out);
		if (out->cut)
			e = OV_ETOOBIG;
		else if (r != EE_OK || out->n == before)
			e = OV_EINTERNAL; /* no sound at all */
	}
out:
	pthread_mutex_unlock(&sy.lock);
	if (e != OV_OK)
		ivr_audio_free(out);
	return e;
}

void ivr_audio_free(struct ivr_audio *a)
{
	free(a->s);
	memset(a, 0, sizeof(*a));
}

enum ov_err ivr_audio_wav(const struct ivr_audio *a, uint8_t **buf, size_t *len)
{
	size_t n = IVR_WAV_HEADER + a->n * 2;
	uint8_t *b = malloc(n);

	if (!b)
		return OV_EEXHAUSTED;
	ivr_wav_header(b, a->rate, (uint32_t)a->n);
	for (size_t i = 0; i < a->n; i++) {
		uint16_t v = (uint16_t)a->s[i];
		b[IVR_WAV_HEADER + 2 * i] = (uint8_t)(v & 0xff);
		b[IVR_WAV_HEADER + 2 * i + 1] = (uint8_t)(v >> 8);
	}
	*buf = b;
	*len = n;
	return OV_OK;
}
