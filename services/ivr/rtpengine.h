/*
 * A client of rtpengine's ng control protocol: bencoded dictionaries
 * over UDP, each request prefixed by a unique cookie, resent with the
 * same cookie on loss (rtpengine answers a repeated cookie from its
 * cache, so a resent command never runs twice).
 *
 * One client per rtpengine instance, with a few sockets so that
 * requests to one instance run side by side; the set of instances is
 * fixed at start (OV_RTPENGINE_NG and OV_RTPENGINE_INSTANCES): a
 * request can only name one of them.
 */
#ifndef IVR_RTPENGINE_H
#define IVR_RTPENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ivr_rtpe;

/* addr: "udp:HOST:PORT" or "HOST:PORT" (IPv4 address). */
enum ov_err ivr_rtpe_open(const char *addr, unsigned timeout_ms, unsigned tries,
			  unsigned sockets, struct ivr_rtpe **out);
void ivr_rtpe_close(struct ivr_rtpe *r);
/* The address as configured. */
const char *ivr_rtpe_addr(const struct ivr_rtpe *r);
/* True when addr names this instance (same IPv4 address and port). */
bool ivr_rtpe_is(const struct ivr_rtpe *r, const char *addr);

/* Sends {"command":"ping"}; OV_OK when rtpengine answers "pong". */
enum ov_err ivr_rtpe_ping(struct ivr_rtpe *r);

struct ivr_rtpe_play {
	const char *call_id;
	const char *from_tag; /* play towards this party (the caller) */
	const char *file;     /* absolute path rtpengine can read */
	uint64_t deadline_ms; /* ov_now_ms() by which to give up */
};

struct ivr_rtpe_result {
	uint64_t sent_us;   /* ov_now_us() when the command first left */
	long long duration; /* ms as rtpengine said, -1 when it did not */
	char reason[160];   /* rtpengine's error-reason, on refusal */
};

/*
 * {"command":"play media","call-id","from-tag","file"}. OV_OK when
 * rtpengine answered "ok"; OV_EUNAVAIL when it did not answer within
 * the deadline (or nothing listens); OV_ENOTFOUND when it does not know
 * the call; OV_EPRECOND for any other refusal (reason says why).
 */
enum ov_err ivr_rtpe_play(struct ivr_rtpe *r, const struct ivr_rtpe_play *p,
			  struct ivr_rtpe_result *res);

/*
 * {"command":"answer"} for the call's prompt leg (to-tag PROMPT_TAG,
 * via-branch "prompt"): a plain RTP SDP of ours (G.711, port 9:
 * nothing the caller says goes anywhere), and flags asking rtpengine
 * to write WebRTC towards the caller (ICE, DTLS-SRTP, rtcp-mux). On
 * OV_OK sdp holds rtpengine's SDP for the caller (NUL-terminated).
 * Errors as ivr_rtpe_play.
 */
#define IVR_PROMPT_TAG "ov-prompt"
struct ivr_rtpe_answer {
	const char *call_id;
	const char *from_tag;
	uint64_t deadline_ms;
};
enum ov_err ivr_rtpe_answer_webrtc(struct ivr_rtpe *r,
				   const struct ivr_rtpe_answer *a, char *sdp,
				   size_t sdp_size,
				   struct ivr_rtpe_result *res);

#endif
