/*
 * A prompt: rendered text made sound, in the cache. Found by its key,
 * or synthesised now and cached. One synthesis runs at a time
 * (espeak-ng is one per process anyway); whoever waited for it finds
 * the prompt cached and does not make it again.
 */
#ifndef IVR_PROMPTS_H
#define IVR_PROMPTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "err.h"
#include "render.h"

struct ivr_prompt {
	char key[IVR_KEY_HEX];
	char path[PATH_MAX];
	uint32_t ms;	   /* how long it plays */
	bool made;	   /* synthesised by this call */
	uint32_t synth_us; /* how long that took */
	size_t bytes;	   /* the WAV's size */
};

/*
 * The prompt for t. With wav, also its bytes (malloc'd). Errors:
 * OV_EINVAL (a language without a voice), OV_ETOOBIG (too long),
 * OV_EUNAVAIL (the cache directory cannot be written; the audio is
 * still returned when asked for, and path is then empty).
 */
enum ov_err ivr_prompt_get(struct ivr_cache *c, const struct ivr_text *t,
			   struct ivr_prompt *p, uint8_t **wav, size_t *len);

#endif
