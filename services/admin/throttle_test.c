/*
 * The login backoff schedule, and how many guesses it lets an attacker
 * make: the figures in docs/admin.md ("Login, first login and
 * passwords") are printed by this test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "admin.h"

#define HOUR 3600.0
#define DAY (24 * HOUR)

static void schedule(void **state)
{
	(void)state;
	assert_int_equal(admin_delay_left(4, 5, 0), 0);
	assert_int_equal(admin_delay_left(5, 5, 0), 1);
	assert_int_equal(admin_delay_left(6, 5, 0), 2);
	assert_int_equal(admin_delay_left(6, 5, 1.5), 1);
	assert_int_equal(admin_delay_left(6, 5, 2), 0);
	assert_int_equal(admin_delay_left(14, 5, 0), 512);
	assert_int_equal(admin_delay_left(15, 5, 0), 900);
	assert_int_equal(admin_delay_left(1000, 5, 0), 900);
	assert_int_equal(admin_delay_left(1000, 5, 899.5), 1);
	assert_int_equal(admin_delay_left(1000, 5, 900), 0);
}

/* Guesses within `span` seconds by an attacker on one counter (free
 * failures `free_`, forgotten after `forget` quiet seconds, as
 * failures_bump does) who guesses as soon as allowed, but after
 * `burst` guesses of a round waits for the count to be forgotten and
 * starts a new round; burst 0: never waits. */
static long guesses(long free_, double forget, long burst, double span)
{
	long n = 0, count = 0, in_round = 0;
	double t = 0, last = -1e18;

	while (t < span) {
		if (t - last > forget)
			count = 0, in_round = 0;
		n++, count++, in_round++;
		last = t;
		double wait = admin_delay_left(count, free_, 0);
		t = last + (wait ? wait : 0.001);
		if (burst && in_round >= burst)
			t = last + forget + 0.001;
	}
	return n;
}

/* The most an attacker gets from any burst length. */
static long most(long free_, double forget, double span)
{
	long best = guesses(free_, forget, 0, span);

	for (long burst = 1; burst <= free_ + 12; burst++) {
		long g = guesses(free_, forget, burst, span);
		if (g > best)
			best = g;
	}
	return best;
}

static void guesses_per_hour(void **state)
{
	(void)state;
	/* One address against one account: the (account, address) pair
	 * counter, 5 free. */
	long old_h = most(5, 900, HOUR), old_d = most(5, 900, DAY);
	long pair_h = most(5, DAY, HOUR), pair_d = most(5, DAY, DAY);
	/* Many addresses: the account-wide counter for addresses that
	 * never logged in, 10 free. */
	long acct_h = most(10, DAY, HOUR), acct_d = most(10, DAY, DAY);
	/* Reset mails to one account: 3 free. */
	long mail_h = most(3, DAY, HOUR), mail_d = most(3, DAY, DAY);

	printf("guesses against one account, first hour / first day:\n"
	       "  before (5 free, count forgotten after 15 min): %ld / %ld\n"
	       "  one address (pair, 5 free): %ld / %ld\n"
	       "  any number of new addresses (account, 10 free): %ld / %ld\n"
	       "  reset mails to one account (3 free): %ld / %ld\n",
	       old_h, old_d, pair_h, pair_d, acct_h, acct_d, mail_h, mail_d);
	/* With the 15-minute restart, waiting it out paid. */
	assert_true(old_h > guesses(5, 900, 0, HOUR));
	/* With 24 hours nothing beats guessing as soon as allowed: the
	 * longest wait, 15 min, after 15 guesses in 17 min. */
	assert_int_equal(pair_h, guesses(5, DAY, 0, HOUR));
	assert_true(pair_h <= 20 && pair_d <= 15 + (long)(DAY / 900));
	assert_true(acct_h <= 25 && acct_d <= 20 + (long)(DAY / 900));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(schedule),
		cmocka_unit_test(guesses_per_hour),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
