#include "retry.h"

#include <string.h>

enum notify_outcome notify_classify(CURLcode rc, long smtp_code)
{
	if (rc == CURLE_OK)
		return NOTIFY_SENT;
	switch (rc) {
	/* Our side or the way there: credentials, TLS, network. A wrong
	 * password or a relay without STARTTLS must not bounce mails. */
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_ABORTED_BY_CALLBACK:
		return NOTIFY_RETRY;
	default:
		break;
	}
	if (smtp_code >= 500 && smtp_code <= 599)
		return NOTIFY_FAIL;
	/* 4xx, no reply at all, or anything unexpected: try again; the
	 * attempt limit bounds it. */
	return NOTIFY_RETRY;
}

unsigned notify_backoff_ms(unsigned attempt, unsigned base_ms, unsigned cap_ms,
			   double rnd)
{
	unsigned long long d = base_ms;

	if (attempt == 0)
		attempt = 1;
	for (unsigned i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	if (rnd < 0)
		rnd = 0;
	if (rnd >= 1)
		rnd = 0.999999;
	double half = (double)d / 2.0;
	return (unsigned)(half + rnd * half);
}

const char *notify_next_state(enum notify_outcome o, unsigned attempt,
			      unsigned max_attempts)
{
	if (o == NOTIFY_SENT)
		return "sent";
	if (o == NOTIFY_RETRY && attempt < max_attempts)
		return "queued";
	return "failed";
}
