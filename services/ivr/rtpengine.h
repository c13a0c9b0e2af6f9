/*
 * A client of rtpengine's ng control protocol: bencoded dictionaries
 * over UDP, each request prefixed by a unique cookie, retried on loss.
 */
#ifndef IVR_RTPENGINE_H
#define IVR_RTPENGINE_H

#include <stdbool.h>

#include "err.h"

struct ivr_rtpe;

/* addr: "udp:HOST:PORT" or "HOST:PORT" (IPv4). */
enum ov_err ivr_rtpe_open(const char *addr, unsigned timeout_ms, unsigned tries,
			  struct ivr_rtpe **out);
void ivr_rtpe_close(struct ivr_rtpe *r);
/* Sends {"command":"ping"}; OV_OK when rtpengine answers "pong". */
enum ov_err ivr_rtpe_ping(struct ivr_rtpe *r);

#endif
