#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "retry.h"

static void smtp_replies_are_classified(void **state)
{
	(void)state;
	assert_int_equal(notify_classify(CURLE_OK, 250), NOTIFY_SENT);
	/* A refused RCPT or DATA: curl says SEND_ERROR or WEIRD_SERVER_REPLY,
	 * the reply code decides. */
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 550), NOTIFY_FAIL);
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 553), NOTIFY_FAIL);
	assert_int_equal(notify_classify(CURLE_WEIRD_SERVER_REPLY, 554),
			 NOTIFY_FAIL);
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 500), NOTIFY_FAIL);
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 599), NOTIFY_FAIL);
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 451), NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 421), NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_WEIRD_SERVER_REPLY, 452),
			 NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 499), NOTIFY_RETRY);
}

static void transport_failures_retry(void **state)
{
	(void)state;
	assert_int_equal(notify_classify(CURLE_COULDNT_CONNECT, 0),
			 NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_OPERATION_TIMEDOUT, 0),
			 NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_COULDNT_RESOLVE_HOST, 0),
			 NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_GOT_NOTHING, 0), NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_RECV_ERROR, 0), NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_SEND_ERROR, 0), NOTIFY_RETRY);
	/* Shutting down mid-send: the mail goes back to the queue. */
	assert_int_equal(notify_classify(CURLE_ABORTED_BY_CALLBACK, 0),
			 NOTIFY_RETRY);
}

static void our_own_configuration_never_bounces_a_mail(void **state)
{
	(void)state;
	/* 535 authentication failed and "STARTTLS required but not
	 * offered" are about us, not the recipient. */
	assert_int_equal(notify_classify(CURLE_LOGIN_DENIED, 535),
			 NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_USE_SSL_FAILED, 502),
			 NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_SSL_CONNECT_ERROR, 0),
			 NOTIFY_RETRY);
	assert_int_equal(notify_classify(CURLE_PEER_FAILED_VERIFICATION, 0),
			 NOTIFY_RETRY);
}

static void backoff_doubles_from_base_with_jitter(void **state)
{
	(void)state;
	/* Attempt 1: d = base, delay in [base/2, base). */
	assert_int_equal(notify_backoff_ms(1, 1000, 300000, 0.0), 500);
	assert_in_range(notify_backoff_ms(1, 1000, 300000, 0.999999), 999,
			1000);
	assert_int_equal(notify_backoff_ms(2, 1000, 300000, 0.0), 1000);
	assert_int_equal(notify_backoff_ms(3, 1000, 300000, 0.0), 2000);
	assert_int_equal(notify_backoff_ms(3, 1000, 300000, 0.5), 3000);
	assert_int_equal(notify_backoff_ms(9, 1000, 300000, 0.0), 128000);
	/* Attempt 0 is treated as the first. */
	assert_int_equal(notify_backoff_ms(0, 1000, 300000, 0.0), 500);
}

static void backoff_is_capped_and_never_overflows(void **state)
{
	(void)state;
	assert_int_equal(notify_backoff_ms(10, 1000, 300000, 0.0), 150000);
	assert_int_equal(notify_backoff_ms(20, 1000, 300000, 0.0), 150000);
	assert_int_equal(notify_backoff_ms(4000000000u, 1000, 300000, 0.0),
			 150000);
	assert_in_range(
		notify_backoff_ms(64, 4000000000u, 4000000000u, 0.999999),
		3999990000u, 4000000000u);
	/* rnd outside [0, 1) is clamped, so the delay stays in range. */
	assert_int_equal(notify_backoff_ms(1, 1000, 300000, -3.0), 500);
	assert_in_range(notify_backoff_ms(1, 1000, 300000, 7.0), 999, 1000);
	/* A cap below the base wins; zero means no wait. */
	assert_int_equal(notify_backoff_ms(1, 1000, 400, 0.0), 200);
	assert_int_equal(notify_backoff_ms(5, 0, 1000, 0.5), 0);
}

static void retries_stop_at_the_limit(void **state)
{
	(void)state;
	assert_string_equal(notify_next_state(NOTIFY_SENT, 8, 8), "sent");
	assert_string_equal(notify_next_state(NOTIFY_RETRY, 1, 8), "queued");
	assert_string_equal(notify_next_state(NOTIFY_RETRY, 7, 8), "queued");
	assert_string_equal(notify_next_state(NOTIFY_RETRY, 8, 8), "failed");
	assert_string_equal(notify_next_state(NOTIFY_RETRY, 9, 8), "failed");
	assert_string_equal(notify_next_state(NOTIFY_FAIL, 1, 8), "failed");
	assert_string_equal(notify_next_state(NOTIFY_RETRY, 1, 1), "failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smtp_replies_are_classified),
		cmocka_unit_test(transport_failures_retry),
		cmocka_unit_test(our_own_configuration_never_bounces_a_mail),
		cmocka_unit_test(backoff_doubles_from_base_with_jitter),
		cmocka_unit_test(backoff_is_capped_and_never_overflows),
		cmocka_unit_test(retries_stop_at_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
