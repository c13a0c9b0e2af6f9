/*
 * Speech with libespeak-ng, in-process: one voice per language and
 * gender, each segment of a prompt in its own voice, the samples joined
 * into one 16-bit mono stream at espeak-ng's native 22,050 Hz (what
 * rtpengine plays cleanly; 8 kHz input gave bursty RTP).
 *
 *   Italian  male "it"   female "it+f3"
 *   English  male "en"   female "en+f3"  (British English; the name
 *            "en-gb" is not a voice file name and fails in 1.51)
 *
 * espeak-ng keeps global state and is not thread-safe: every call here
 * is serialised behind one mutex.
 */
#ifndef IVR_SYNTH_H
#define IVR_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "render.h"

/* Speaking rate, words per minute (espeak-ng's default is 175). */
#define IVR_SYNTH_WPM 160
/* Silence between two languages of one prompt (ms). */
#define IVR_SYNTH_GAP_MS 300
/* The longest prompt made (s): a bound, not a expectation. */
#define IVR_SYNTH_MAX_S 120

struct ivr_audio {
	int16_t *s; /* malloc'd samples */
	size_t n;
	size_t cap;
	uint32_t rate;
	bool cut; /* over IVR_SYNTH_MAX_S or out of memory */
};

/* Loads espeak-ng (data from its default path). Once per process. */
enum ov_err ivr_synth_init(void);
void ivr_synth_term(void);

/* "espeak-ng 1.51 22050Hz 160wpm gap300ms": part of every cache key, so that a
 * new engine or setting renders anew. */
const char *ivr_synth_engine(void);
uint32_t ivr_synth_rate(void);

/* The voice name for a language and gender ("it+f3"); NULL for a
 * language without one. */
const char *ivr_synth_voice(const char *lang, bool female);

/* Speaks every segment of t into out (which it fills; free it with
 * ivr_audio_free). */
enum ov_err ivr_synth(const struct ivr_text *t, struct ivr_audio *out);
void ivr_audio_free(struct ivr_audio *a);

/* The audio as a WAV file in one malloc'd buffer. */
enum ov_err ivr_audio_wav(const struct ivr_audio *a, uint8_t **buf,
			  size_t *len);

#endif
