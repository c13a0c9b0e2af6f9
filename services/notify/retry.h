/*
 * What an SMTP attempt's result means, and when to try again. Pure.
 *
 * Temporary failures (a 4xx reply, no connection, a time-out, a reply
 * cut short, our own credentials or TLS refused) are retried with
 * exponential backoff and jitter; a 5xx reply about the mail itself is
 * final; so is running out of attempts.
 */
#ifndef NOTIFY_RETRY_H
#define NOTIFY_RETRY_H

#include <stdbool.h>

#include <curl/curl.h>

enum notify_outcome {
	NOTIFY_SENT,  /* the server took the mail */
	NOTIFY_RETRY, /* try again later */
	NOTIFY_FAIL,  /* never: dead letter */
};

/* From curl's result and the last SMTP reply code (0 when none came). */
enum notify_outcome notify_classify(CURLcode rc, long smtp_code);

/*
 * The delay after failed attempt number `attempt` (1 for the first):
 * d = min(cap, base * 2^(attempt-1)), then d/2 + rnd * d/2 ("equal
 * jitter": never less than half, so retries spread without collapsing
 * to zero). rnd is uniform in [0, 1).
 */
unsigned notify_backoff_ms(unsigned attempt, unsigned base_ms, unsigned cap_ms,
			   double rnd);

/* The state a delivery goes to after an attempt: "sent", "queued" (to
 * retry) or "failed". A retry of the last allowed attempt is a failure. */
const char *notify_next_state(enum notify_outcome o, unsigned attempt,
			      unsigned max_attempts);

#endif
