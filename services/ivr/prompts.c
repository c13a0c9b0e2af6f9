#include "prompts.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "metrics.h"
#include "synth.h"

static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct {
	struct ov_histogram *synth;
	struct ov_counter *audio_ms, *hits, *misses;
} m;

static void metrics_init(void)
{
	m.synth = ov_histogram_get("ov_ivr_synth_seconds",
				   "time to synthesise one prompt", "");
	m.audio_ms = ov_counter_get("ov_ivr_synth_audio_ms_total",
				    "length of the audio synthesised (ms)", "");
	m.hits = ov_counter_get("ov_ivr_cache_lookups_total",
				"prompts looked up in the cache",
				"result=\"hit\"");
	m.misses = ov_counter_get("ov_ivr_cache_lookups_total",
				  "prompts looked up in the cache",
				  "result=\"miss\"");
}

static enum ov_err hit(struct ivr_cache *c, struct ivr_prompt *p, uint8_t **wav,
		       size_t *len)
{
	if (!ivr_cache_get(c, p->key, p->path, sizeof(p->path), &p->ms))
		return OV_ENOTFOUND;
	if (!wav)
		return OV_OK;
	/* Evicted between the two: made again. */
	enum ov_err e = ivr_cache_read(c, p->key, wav, len);
	if (e == OV_OK)
		p->bytes = *len;
	return e;
}

static enum ov_err make(struct ivr_cache *c, const struct ivr_text *t,
			struct ivr_prompt *p, uint8_t **wav, size_t *len)
{
	struct ivr_audio a;
	uint8_t *buf = NULL;
	size_t blen = 0;
	uint64_t t0 = ov_now_us();
	enum ov_err e;

	if ((e = ivr_synth(t, &a)) != OV_OK)
		return e;
	p->synth_us = (uint32_t)(ov_now_us() - t0);
	e = ivr_audio_wav(&a, &buf, &blen);
	uint32_t ms = a.rate ? (uint32_t)(a.n * 1000u / a.rate) : 0;
	ivr_audio_free(&a);
	if (e != OV_OK)
		return e;
	ov_histogram_observe(m.synth, (double)p->synth_us / 1e6);
	ov_counter_add(m.audio_ms, ms);
	p->made = true;
	p->ms = ms;
	p->bytes = blen;
	e = ivr_cache_put(c, p->key, buf, blen, p->path, sizeof(p->path));
	if (e != OV_OK) {
		p->path[0] = '\0';
		ov_log_warn("cache.put_failed", OV_LS("prompt", p->key),
			    OV_LS("error", ov_err_name(e)));
	}
	if (wav) {
		*wav = buf;
		*len = blen;
	} else {
		free(buf);
	}
	return e;
}

enum ov_err ivr_prompt_get(struct ivr_cache *c, const struct ivr_text *t,
			   struct ivr_prompt *p, uint8_t **wav, size_t *len)
{
	enum ov_err e;

	pthread_once(&once, metrics_init);
	memset(p, 0, sizeof(*p));
	ivr_cache_key(t, ivr_synth_engine(), p->key);
	if ((e = hit(c, p, wav, len)) == OV_OK) {
		ov_counter_add(m.hits, 1);
		return OV_OK;
	}
	pthread_mutex_lock(&making);
	/* Someone may have made it while we waited. */
	if ((e = hit(c, p, wav, len)) == OV_OK) {
		ov_counter_add(m.hits, 1);
	} else {
		ov_counter_add(m.misses, 1);
		e = make(c, t, p, wav, len);
	}
	pthread_mutex_unlock(&making);
	return e;
}
