/*
 * The IVR's bus methods, like Redis' command table: decode, call the
 * pure parts and the cache, encode.
 *
 *   prompt.play    Kamailio: play message M of the tenant's version V
 *                  into call C towards the caller (from-tag), through
 *                  the rtpengine instance holding the call.
 *   prompt.answer  Kamailio: the prompt leg answers a browser caller,
 *                  so rtpengine writes the SDP of its 183.
 *   prompt.render  admin's preview: a drafted message as text and,
 *                  when asked, as audio/wav.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "ivr.h"
#include "ivr.pb-c.h"
#include "log.h"
#include "metrics.h"
#include "prompts.h"
#include "synth.h"
#include "templates.h"
#include "versions.h"
#include "wav.h"

/* Without a deadline in the envelope, a play gives up after this. */
#define PLAY_DEADLINE_MS 1000
#define MAX_CALL_ID 256
#define MAX_TAG 128
/* rtpengine's SDP for a browser: a few candidates, a fingerprint. */
#define MAX_SDP 8192

struct ivr ivr;

struct ivr_rtpe *ivr_rtpengine(const char *addr)
{
	if (!addr || !*addr)
		return ivr.n_rtpe ? ivr.rtpe[0] : NULL;
	for (size_t i = 0; i < ivr.n_rtpe; i++)
		if (ivr_rtpe_is(ivr.rtpe[i], addr))
			return ivr.rtpe[i];
	return NULL;
}

/* Printable ASCII without spaces: what a Call-ID and a tag are, and
 * what may go into a bencoded command and a log line. */
static bool token_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n >= max || s[n] <= ' ' || s[n] > '~')
			return false;
	return n > 0;
}

static struct {
	struct ov_histogram *play;
	struct ov_counter *result[OV_ERR_COUNT];
} met;

static void metrics_init(void)
{
	char labels[64];

	met.play = ov_histogram_get(
		"ov_ivr_play_seconds",
		"prompt.play: from the bus request to the rtpengine command "
		"sent",
		"");
	for (int e = 0; e < OV_ERR_COUNT; e++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"",
			 ov_err_name((enum ov_err)e));
		met.result[e] = ov_counter_get(
			"ov_ivr_plays_total", "prompt.play requests by outcome",
			labels);
	}
}

static pthread_once_t met_once = PTHREAD_ONCE_INIT;

/* The message of the request's version, rendered: from the versions
 * kept, else fetched from admin (a call whose version is older than
 * those kept, or an IVR that has not caught up yet). */
static enum ov_err message_text(const struct ov_bus_req *req, uint32_t version,
				Ov__Admin__VoiceMessage__Kind kind,
				uint64_t deadline, struct ivr_text *t,
				uint32_t *used, char *why, size_t why_len)
{
	bool loaded = false;
	enum ov_err e = ivr_versions_render(req->tenant_id, version, kind, t,
					    used, &loaded, why, why_len);
	if (loaded)
		return e;
	uint64_t now = ov_now_ms();
	if (now >= deadline)
		return OV_ETIMEDOUT;
	Ov__Admin__Snapshot *s = NULL;
	e = ivr_snapshot_fetch(req->tenant_id, version,
			       (uint32_t)(deadline - now), req->request_id, &s,
			       why, why_len);
	if (e == OV_ENOTFOUND)
		snprintf(why, why_len, "tenant has no version %u", version);
	if (e != OV_OK)
		return e;
	*used = s->version;
	e = ivr_snapshot_render(s, kind, t, why, why_len);
	ivr_versions_put(s);
	return e;
}

/* The call a request names, and the rtpengine instance that holds it;
 * a refusal goes into rep. */
static enum ov_err call_target(struct ov_bus_reply *rep, const char *call_id,
			       const char *from_tag, const char *name,
			       struct ivr_rtpe **rtpe)
{
	if (!token_ok(call_id, MAX_CALL_ID) || !token_ok(from_tag, MAX_TAG))
		return ov_bus_fail(rep, OV_EINVAL,
				   "call_id and from_tag are required, "
				   "printable, without spaces");
	if (!(*rtpe = ivr_rtpengine(name)))
		return ov_bus_fail(rep, OV_EINVAL,
				   "rtpengine \"%.64s\" is not one of "
				   "OV_RTPENGINE_NG/OV_RTPENGINE_INSTANCES",
				   name);
	return OV_OK;
}

static enum ov_err play(const struct ov_bus_req *req, struct ov_bus_reply *rep,
			void *arg)
{
	static const Ov__Admin__VoiceMessage__Kind kinds[] = {
		[TPL_CLOSED] = OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED,
		[TPL_WELCOME] = OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME,
		[TPL_NO_ANSWER] = OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER,
	};
	uint64_t t0 = ov_now_us();
	uint64_t deadline = ov_now_ms() + (req->deadline_ms ? req->deadline_ms
							    : PLAY_DEADLINE_MS);
	Ov__Ivr__PlayRequest *in = NULL;
	Ov__Ivr__PlayReply out = OV__IVR__PLAY_REPLY__INIT;
	struct ivr_text *t = NULL;
	struct ivr_prompt *p = NULL;
	struct ivr_rtpe_result rr = {0};
	struct ivr_rtpe *rtpe = NULL;
	enum tpl_kind kind;
	uint32_t used = 0;
	char why[256] = "";
	enum ov_err e;
	(void)arg;

	pthread_once(&met_once, metrics_init);
	in = ov__ivr__play_request__unpack(NULL, req->body_len, req->body);
	if (!in) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"body is not an ov.ivr.PlayRequest");
		goto out;
	}
	if (!*req->tenant_id) {
		e = ov_bus_fail(rep, OV_EINVAL, "no tenant in the envelope");
		goto out;
	}
	if (!tpl_kind_parse(in->message, &kind)) {
		e = ov_bus_fail(rep, OV_ENOTFOUND,
				"no message \"%.32s\": closed, welcome or "
				"no_answer",
				in->message);
		goto out;
	}
	if ((e = call_target(rep, in->call_id, in->from_tag, in->rtpengine,
			     &rtpe)) != OV_OK)
		goto out;
	t = malloc(sizeof(*t));
	p = malloc(sizeof(*p));
	if (!t || !p) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	e = message_text(req, in->version, kinds[kind], deadline, t, &used, why,
			 sizeof(why));
	if (e != OV_OK) {
		e = ov_bus_fail(rep, e, "%s", why);
		goto out;
	}
	e = ivr_prompt_get(ivr.cache, t, p, NULL, NULL);
	if (e != OV_OK || !p->path[0]) {
		e = ov_bus_fail(rep, e == OV_OK ? OV_EUNAVAIL : e,
				"prompt could not be made: %s", ov_err_name(e));
		goto out;
	}
	if (p->made)
		ov_logc_info(
			&req->log, "prompt.rendered", OV_LI("version", used),
			OV_LS("message", in->message), OV_LS("prompt", p->key),
			OV_LI("ms", p->ms), OV_LI("synth_us", p->synth_us),
			OV_LS("why", "play"));
	struct ivr_rtpe_play pl = {
		.call_id = in->call_id,
		.from_tag = in->from_tag,
		.file = p->path,
		.deadline_ms = deadline,
	};
	e = ivr_rtpe_play(rtpe, &pl, &rr);
	if (rr.sent_us)
		ov_histogram_observe(met.play, (double)(rr.sent_us - t0) / 1e6);
	if (e != OV_OK) {
		snprintf(why, sizeof(why), "rtpengine %s: %s",
			 ivr_rtpe_addr(rtpe),
			 rr.reason[0]	    ? rr.reason
			 : e == OV_EUNAVAIL ? "no answer"
					    : ov_err_name(e));
		e = ov_bus_fail(rep, e, "%s", why);
		goto out;
	}
	/* rtpengine's own figure when it gives one (it decoded the file),
	 * else the file's. */
	out.duration_ms = rr.duration > 0 ? (uint32_t)rr.duration : p->ms;
	out.prompt = p->key;
	ov_logc_info(&req->log, "prompt.played", OV_LS("message", in->message),
		     OV_LI("version", used), OV_LS("call_id", in->call_id),
		     OV_LS("prompt", p->key), OV_LI("ms", out.duration_ms),
		     OV_LB("cached", !p->made),
		     OV_LS("rtpengine", ivr_rtpe_addr(rtpe)),
		     OV_LI("sent_us", (long long)(rr.sent_us - t0)));
	e = ov_bus_reply_pack(rep, &out.base);
out:
	if (e != OV_OK)
		ov_logc_warn(&req->log, "prompt.play_failed",
			     OV_LS("message", in ? in->message : ""),
			     OV_LI("version", in ? in->version : 0),
			     OV_LS("call_id", in ? in->call_id : ""),
			     OV_LS("error", ov_err_name(e)),
			     OV_LS("why", rep->message));
	ov_counter_add(met.result[e < OV_ERR_COUNT ? e : OV_EINTERNAL], 1);
	free(t);
	free(p);
	if (in)
		ov__ivr__play_request__free_unpacked(in, NULL);
	return e;
}

/* prompt.answer: the prompt leg answers, so that rtpengine writes the
 * browser caller's SDP for the 183 (proto/ivr.proto, AnswerRequest). */
static enum ov_err answer(const struct ov_bus_req *req,
			  struct ov_bus_reply *rep, void *arg)
{
	uint64_t deadline = ov_now_ms() + (req->deadline_ms ? req->deadline_ms
							    : PLAY_DEADLINE_MS);
	Ov__Ivr__AnswerRequest *in = NULL;
	Ov__Ivr__AnswerReply out = OV__IVR__ANSWER_REPLY__INIT;
	struct ivr_rtpe_result rr = {0};
	struct ivr_rtpe *rtpe = NULL;
	char *sdp = NULL;
	enum ov_err e;
	(void)arg;

	in = ov__ivr__answer_request__unpack(NULL, req->body_len, req->body);
	if (!in) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"body is not an ov.ivr.AnswerRequest");
		goto out;
	}
	if ((e = call_target(rep, in->call_id, in->from_tag, in->rtpengine,
			     &rtpe)) != OV_OK)
		goto out;
	if (!(sdp = malloc(MAX_SDP))) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	struct ivr_rtpe_answer a = {
		.call_id = in->call_id,
		.from_tag = in->from_tag,
		.deadline_ms = deadline,
	};
	e = ivr_rtpe_answer_webrtc(rtpe, &a, sdp, MAX_SDP, &rr);
	if (e != OV_OK) {
		e = ov_bus_fail(rep, e, "rtpengine %s: %s", ivr_rtpe_addr(rtpe),
				rr.reason[0]	   ? rr.reason
				: e == OV_EUNAVAIL ? "no answer"
						   : ov_err_name(e));
		goto out;
	}
	out.sdp = sdp;
	ov_logc_info(&req->log, "prompt.answered",
		     OV_LS("call_id", in->call_id),
		     OV_LS("rtpengine", ivr_rtpe_addr(rtpe)),
		     OV_LI("sdp_bytes", (long long)strlen(sdp)));
	e = ov_bus_reply_pack(rep, &out.base);
out:
	if (e != OV_OK)
		ov_logc_warn(&req->log, "prompt.answer_failed",
			     OV_LS("call_id", in ? in->call_id : ""),
			     OV_LS("error", ov_err_name(e)),
			     OV_LS("why", rep->message));
	free(sdp);
	if (in)
		ov__ivr__answer_request__free_unpacked(in, NULL);
	return e;
}

/* A WAV at half its rate (a long preview under the bus limit). */
static bool halve(uint8_t *wav, size_t *len)
{
	uint32_t rate, n;

	if (!ivr_wav_parse(wav, *len, *len, &rate, &n))
		return false;
	int16_t *s = malloc((size_t)n * sizeof(*s));
	if (!s)
		return false;
	for (uint32_t i = 0; i < n; i++)
		s[i] = (int16_t)(uint16_t)(wav[IVR_WAV_HEADER + 2 * i] |
					   wav[IVR_WAV_HEADER + 2 * i + 1]
						   << 8);
	size_t m = ivr_wav_halve(s, n);
	ivr_wav_header(wav, rate / 2, (uint32_t)m);
	for (size_t i = 0; i < m; i++) {
		uint16_t v = (uint16_t)s[i];
		wav[IVR_WAV_HEADER + 2 * i] = (uint8_t)(v & 0xff);
		wav[IVR_WAV_HEADER + 2 * i + 1] = (uint8_t)(v >> 8);
	}
	free(s);
	*len = IVR_WAV_HEADER + m * 2;
	return true;
}

static enum ov_err render(const struct ov_bus_req *req,
			  struct ov_bus_reply *rep, void *arg)
{
	Ov__Ivr__RenderRequest *in = NULL;
	Ov__Ivr__RenderReply out = OV__IVR__RENDER_REPLY__INIT;
	struct ivr_text *t = malloc(sizeof(*t));
	struct ivr_prompt *p = malloc(sizeof(*p));
	char field[64], why[160];
	char joined[IVR_LANGS_MAX * IVR_SEGMENT_MAX + 4];
	uint8_t *wav = NULL;
	size_t len = 0;
	enum ov_err e;
	(void)arg;

	if (!t || !p) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	in = ov__ivr__render_request__unpack(NULL, req->body_len, req->body);
	if (!in || !in->message) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"body is not an ov.ivr.RenderRequest with a "
				"message");
		goto out;
	}
	if (!*req->tenant_id) {
		e = ov_bus_fail(rep, OV_EINVAL, "no tenant in the envelope");
		goto out;
	}
	e = ivr_render(in->message, t, field, sizeof(field), why, sizeof(why));
	if (e != OV_OK) {
		/* "field: why" — admin names the field from it. */
		e = ov_bus_fail(rep, e, "%s: %s", field, why);
		goto out;
	}
	e = ivr_prompt_get(ivr.cache, t, p, in->audio ? &wav : NULL,
			   in->audio ? &len : NULL);
	if (e != OV_OK && !(in->audio && wav)) {
		e = ov_bus_fail(rep, e, "prompt could not be made: %s",
				ov_err_name(e));
		goto out;
	}
	ivr_text_join(t, joined, sizeof(joined));
	out.text = joined;
	out.duration_ms = p->ms;
	out.prompt = p->key;
	out.sample_rate = ivr_synth_rate();
	if (wav) {
		uint32_t rate, n;
		/* Room for the text and the envelope besides the audio. */
		size_t room =
			ivr.bus_max_msg > 8192 ? ivr.bus_max_msg - 8192 : 0;
		if (len > room && !halve(wav, &len)) {
			e = ov_bus_fail(rep, OV_EINTERNAL, "bad audio");
			goto out;
		}
		if (len > room) {
			e = ov_bus_fail(rep, OV_ETOOBIG,
					"the audio (%zu bytes) is over the "
					"bus limit",
					len);
			goto out;
		}
		if (ivr_wav_parse(wav, len, len, &rate, &n))
			out.sample_rate = rate;
		out.wav.data = wav;
		out.wav.len = len;
	}
	ov_logc_info(&req->log, "prompt.previewed",
		     OV_LS("template", in->message->template_id),
		     OV_LS("prompt", p->key), OV_LI("ms", p->ms),
		     OV_LB("cached", !p->made), OV_LB("audio", in->audio),
		     OV_LI("bytes", (long long)out.wav.len));
	e = ov_bus_reply_pack(rep, &out.base);
out:
	free(wav);
	free(t);
	free(p);
	if (in)
		ov__ivr__render_request__free_unpacked(in, NULL);
	return e;
}

const struct ov_bus_method ivr_methods[] = {
	{"prompt.play", play},
	{"prompt.answer", answer},
	{"prompt.render", render},
};
const size_t ivr_n_methods = sizeof(ivr_methods) / sizeof(ivr_methods[0]);

enum ov_err ivr_health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Ivr__Health h = OV__IVR__HEALTH__INIT;
	struct ivr_cache_stats st = {0};
	(void)rt;

	if (ivr.n_rtpe) {
		h.rtpengine = ivr_rtpe_ping(ivr.rtpe[0]) == OV_OK;
		h.rtpengine_addr = (char *)ivr_rtpe_addr(ivr.rtpe[0]);
	}
	if (ivr.cache)
		ivr_cache_stats(ivr.cache, &st);
	h.prompts_cached = st.files;
	h.cache_bytes = st.bytes;
	h.tenants = ivr_versions_tenants();
	h.synced = ivr_follow_ready();
	h.engine = (char *)ivr_synth_engine();
	h.cache_evicted = st.evicted;
	return ov_pb_pack(&h.base, buf, len);
}
