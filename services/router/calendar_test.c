/* Local time, holidays and when a voice message applies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "plan.h"

#define MON (1u << 0)
#define TUE (1u << 1)
#define WED (1u << 2)
#define THU (1u << 3)
#define FRI (1u << 4)
#define SAT (1u << 5)
#define SUN (1u << 6)
#define WEEKDAYS (MON | TUE | WED | THU | FRI)
#define EVERY_DAY 0x7fu

static int64_t utc(int y, int mon, int d, int h, int min)
{
	GDateTime *dt = g_date_time_new_utc(y, mon, d, h, min, 0);
	int64_t t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

static struct router_local at(int y, int mon, int d, int h, int min, int wday)
{
	struct router_local lt = {y, mon, d, h, min, wday};
	return lt;
}

/* A message with up to four ranges, owned by the caller's stack. */
struct msg {
	Ov__Admin__VoiceMessage m;
	Ov__Admin__TimeRange r[4];
	Ov__Admin__TimeRange *rp[4];
};

static void msg_init(struct msg *x, const char *from, const char *to)
{
	ov__admin__voice_message__init(&x->m);
	x->m.enabled = true;
	x->m.valid_from = (char *)from;
	x->m.valid_to = (char *)to;
	x->m.ranges = x->rp;
}

static void msg_range(struct msg *x, uint32_t days, uint32_t start,
		      uint32_t end)
{
	Ov__Admin__TimeRange *r = &x->r[x->m.n_ranges];

	ov__admin__time_range__init(r);
	r->days = days;
	r->start_min = start;
	r->end_min = end;
	x->rp[x->m.n_ranges++] = r;
}

static void easter_known_years(void **state)
{
	static const int want[][3] = {
		{2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5}, {2027, 3, 28},
		{2028, 4, 16}, {2038, 4, 25}, /* the latest possible */
		{2285, 3, 22},		      /* the earliest possible */
		{2000, 4, 23}, {1583, 4, 10},
	};
	int m, d;
	(void)state;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_true(router_easter(want[i][0], &m, &d));
		assert_int_equal(m, want[i][1]);
		assert_int_equal(d, want[i][2]);
	}
	assert_false(router_easter(1582, &m, &d));
	assert_false(router_easter(10000, &m, &d));
}

static void holidays_fixed(void **state)
{
	static const int days[][2] = {{1, 1},	{1, 6},	 {4, 25}, {5, 1},
				      {6, 2},	{8, 15}, {11, 1}, {12, 8},
				      {12, 25}, {12, 26}};
	(void)state;

	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		assert_int_equal(router_holiday(2026, days[i][0], days[i][1]),
				 1);
		assert_int_equal(router_holiday(1999, days[i][0], days[i][1]),
				 1);
	}
	/* The days after are working days. */
	assert_int_equal(router_holiday(2026, 1, 2), 0);
	assert_int_equal(router_holiday(2026, 1, 7), 0);
	assert_int_equal(router_holiday(2026, 8, 16), 0);
	assert_int_equal(router_holiday(2026, 12, 27), 0);
	assert_int_equal(router_holiday(2026, 12, 24), 0);
	assert_int_equal(router_holiday(2026, 6, 3), 0);
	assert_int_equal(router_holiday(2026, 3, 19), 0);
}

static void holidays_easter(void **state)
{
	(void)state;
	/* Easter Sunday and Monday. */
	assert_int_equal(router_holiday(2026, 4, 5), 1);
	assert_int_equal(router_holiday(2026, 4, 6), 1);
	assert_int_equal(router_holiday(2026, 4, 7), 0);
	assert_int_equal(router_holiday(2026, 4, 4), 0);
	assert_int_equal(router_holiday(2027, 3, 28), 1);
	assert_int_equal(router_holiday(2027, 3, 29), 1);
	assert_int_equal(router_holiday(2027, 3, 30), 0);
	/* Easter on March 31: Monday is April 1. */
	assert_int_equal(router_holiday(2024, 3, 31), 1);
	assert_int_equal(router_holiday(2024, 4, 1), 1);
	assert_int_equal(router_holiday(2024, 3, 32), 0);
	assert_int_equal(router_holiday(2024, 4, 2), 0);
	/* Easter Monday on April 26 (2038): next to Liberation Day. */
	assert_int_equal(router_holiday(2038, 4, 26), 1);
	assert_int_equal(router_holiday(2038, 4, 27), 0);
}

static void holidays_saint_francis_from_2026(void **state)
{
	(void)state;
	/* Law 151/2025: October 4 is a national holiday from 2026. */
	assert_int_equal(router_holiday(2025, 10, 4), 0);
	assert_int_equal(router_holiday(2026, 10, 4), 1);
	assert_int_equal(router_holiday(2027, 10, 4), 1);
	assert_int_equal(router_holiday(2027, 10, 5), 0);
}

static void local_time_rome(void **state)
{
	GTimeZone *tz = g_time_zone_new_identifier("Europe/Rome");
	struct router_local lt;
	(void)state;

	assert_non_null(tz);
	/* Winter: UTC+1. 2026-01-14 is a Wednesday. */
	assert_true(router_local_time(tz, utc(2026, 1, 14, 7, 0), &lt));
	assert_int_equal(lt.y, 2026);
	assert_int_equal(lt.mon, 1);
	assert_int_equal(lt.d, 14);
	assert_int_equal(lt.h, 8);
	assert_int_equal(lt.min, 0);
	assert_int_equal(lt.wday, 2);
	/* Summer: UTC+2. */
	assert_true(router_local_time(tz, utc(2026, 7, 15, 6, 0), &lt));
	assert_int_equal(lt.h, 8);
	/* New Year's Eve in UTC is already January 1 in Rome. */
	assert_true(router_local_time(tz, utc(2025, 12, 31, 23, 30), &lt));
	assert_int_equal(lt.y, 2026);
	assert_int_equal(lt.mon, 1);
	assert_int_equal(lt.d, 1);
	assert_int_equal(lt.h, 0);
	assert_int_equal(lt.min, 30);
	assert_int_equal(lt.wday, 3); /* Thursday */
	/* 2026-03-29, Sunday: 01:59 CET, then 03:00 CEST. */
	assert_true(router_local_time(tz, utc(2026, 3, 29, 0, 59), &lt));
	assert_int_equal(lt.h, 1);
	assert_int_equal(lt.min, 59);
	assert_int_equal(lt.wday, 6);
	assert_true(router_local_time(tz, utc(2026, 3, 29, 1, 0), &lt));
	assert_int_equal(lt.h, 3);
	assert_int_equal(lt.min, 0);
	/* 2026-10-25: 02:30 twice, an hour apart. */
	assert_true(router_local_time(tz, utc(2026, 10, 25, 0, 30), &lt));
	assert_int_equal(lt.h, 2);
	assert_int_equal(lt.min, 30);
	assert_true(router_local_time(tz, utc(2026, 10, 25, 1, 30), &lt));
	assert_int_equal(lt.h, 2);
	assert_int_equal(lt.min, 30);
	g_time_zone_unref(tz);
}

static void local_time_utc_and_range(void **state)
{
	struct router_local lt;
	(void)state;

	assert_true(router_local_time(NULL, 0, &lt));
	assert_int_equal(lt.y, 1970);
	assert_int_equal(lt.h, 0);
	assert_int_equal(lt.wday, 3); /* 1970-01-01 was a Thursday */
	assert_false(router_local_time(NULL, INT64_MAX, &lt));
	assert_false(router_local_time(NULL, INT64_MIN, &lt));
}

static void ranges_borders(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	msg_init(&x, "", "");
	msg_range(&x, WEEKDAYS, 9 * 60, 18 * 60);
	lt = at(2026, 1, 14, 8, 59, 2);
	assert_false(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 14, 9, 0, 2);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 14, 17, 59, 2);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 14, 18, 0, 2); /* end exclusive */
	assert_false(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 17, 10, 0, 5); /* Saturday */
	assert_false(router_in_ranges(&x.m, &lt));
}

static void ranges_several_and_whole_day(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	msg_init(&x, "", "");
	msg_range(&x, WEEKDAYS, 9 * 60, 13 * 60);
	msg_range(&x, MON | WED, 14 * 60, 18 * 60);
	msg_range(&x, SUN, 0, 1440); /* 00:00-24:00 */
	lt = at(2026, 1, 14, 13, 30, 2);
	assert_false(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 14, 14, 0, 2);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 15, 14, 0, 3); /* Thursday afternoon */
	assert_false(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 18, 0, 0, 6);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 18, 23, 59, 6);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 19, 0, 0, 0); /* Monday 00:00: not Sunday's */
	assert_false(router_in_ranges(&x.m, &lt));
}

static void ranges_across_midnight(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	/* Friday 22:00 to Saturday 02:00; Sunday 23:00 to Monday 01:00. */
	msg_init(&x, "", "");
	msg_range(&x, FRI, 22 * 60, 2 * 60);
	msg_range(&x, SUN, 23 * 60, 60);
	lt = at(2026, 1, 16, 21, 59, 4);
	assert_false(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 16, 22, 0, 4);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 16, 23, 59, 4);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 17, 0, 0, 5);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 17, 1, 59, 5);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 17, 2, 0, 5);
	assert_false(router_in_ranges(&x.m, &lt));
	/* Saturday night has no bit. */
	lt = at(2026, 1, 17, 23, 0, 5);
	assert_false(router_in_ranges(&x.m, &lt));
	/* Friday 00:30 belongs to Thursday, which has no bit. */
	lt = at(2026, 1, 16, 0, 30, 4);
	assert_false(router_in_ranges(&x.m, &lt));
	/* Sunday into Monday: the week wraps. */
	lt = at(2026, 1, 19, 0, 59, 0);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 19, 1, 0, 0);
	assert_false(router_in_ranges(&x.m, &lt));
}

static void ranges_equal_ends_are_a_whole_day(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	/* end == start: from start to the same time the next day. */
	msg_init(&x, "", "");
	msg_range(&x, MON, 8 * 60, 8 * 60);
	lt = at(2026, 1, 12, 7, 59, 0);
	assert_false(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 12, 8, 0, 0);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 13, 7, 59, 1);
	assert_true(router_in_ranges(&x.m, &lt));
	lt = at(2026, 1, 13, 8, 0, 1);
	assert_false(router_in_ranges(&x.m, &lt));
	assert_false(router_in_ranges(&x.m, NULL));
}

static void validity_borders(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	msg_init(&x, "2026-04-21T00:00", "2026-04-25T23:59");
	lt = at(2026, 4, 20, 23, 59, 0);
	assert_false(router_in_validity(&x.m, &lt));
	lt = at(2026, 4, 21, 0, 0, 1);
	assert_true(router_in_validity(&x.m, &lt));
	lt = at(2026, 4, 25, 23, 59, 5); /* to is inclusive, to the minute */
	assert_true(router_in_validity(&x.m, &lt));
	lt = at(2026, 4, 26, 0, 0, 6);
	assert_false(router_in_validity(&x.m, &lt));
	/* Years and months compare before days. */
	lt = at(2025, 4, 22, 12, 0, 1);
	assert_false(router_in_validity(&x.m, &lt));
	lt = at(2026, 3, 22, 12, 0, 6);
	assert_false(router_in_validity(&x.m, &lt));
}

static void validity_open_ends(void **state)
{
	struct msg x;
	struct router_local lt = at(2026, 4, 23, 12, 0, 3);
	(void)state;

	msg_init(&x, "", "");
	assert_true(router_in_validity(&x.m, &lt));
	assert_true(router_in_validity(&x.m, NULL));
	msg_init(&x, "2026-04-23T12:00", "");
	assert_true(router_in_validity(&x.m, &lt));
	assert_false(router_in_validity(&x.m, NULL));
	msg_init(&x, "2026-04-23T12:01", "");
	assert_false(router_in_validity(&x.m, &lt));
	msg_init(&x, "", "2026-04-23T12:00");
	assert_true(router_in_validity(&x.m, &lt));
	msg_init(&x, "", "2026-04-23T11:59");
	assert_false(router_in_validity(&x.m, &lt));
	/* NULL strings are as good as "". */
	msg_init(&x, NULL, NULL);
	assert_true(router_in_validity(&x.m, &lt));
}

static void validity_malformed_is_never(void **state)
{
	static const char *const bad[] = {
		"2026-04-23",	    "2026-04-23 12:00", "2026-04-23T12:00:00",
		"2026-13-01T00:00", "2026-04-00T00:00", "2026-04-23T24:00",
		"2026-04-23T12:60", "2026-4-23T12:00",	"20x6-04-23T12:00",
		"2026-04-23t12:00", "+026-04-23T12:00",
	};
	struct msg x;
	struct router_local lt = at(2026, 4, 23, 12, 0, 3);
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg_init(&x, bad[i], "");
		assert_false(router_in_validity(&x.m, &lt));
		msg_init(&x, "", bad[i]);
		assert_false(router_in_validity(&x.m, &lt));
	}
}

static void closed_opening_hours(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	msg_init(&x, "", "");
	msg_range(&x, WEEKDAYS, 9 * 60, 18 * 60);
	lt = at(2026, 1, 14, 10, 0, 2);
	assert_false(router_closed_now(&x.m, &lt));
	lt = at(2026, 1, 14, 18, 0, 2);
	assert_true(router_closed_now(&x.m, &lt));
	/* A holiday in opening hours: closed. */
	lt = at(2026, 4, 6, 10, 0, 0);
	assert_true(router_closed_now(&x.m, &lt));
	lt = at(2026, 4, 7, 10, 0, 1);
	assert_false(router_closed_now(&x.m, &lt));
	/* Disabled: never closed. */
	x.m.enabled = false;
	lt = at(2026, 1, 14, 20, 0, 2);
	assert_false(router_closed_now(&x.m, &lt));
	/* Time unknown: never closed. */
	x.m.enabled = true;
	assert_false(router_closed_now(&x.m, NULL));
	assert_false(router_closed_now(NULL, &lt));
}

static void closed_opening_hours_within_validity(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	/* Summer hours, only from June to August. */
	msg_init(&x, "2026-06-01T00:00", "2026-08-31T23:59");
	msg_range(&x, WEEKDAYS, 8 * 60, 14 * 60);
	lt = at(2026, 7, 15, 15, 0, 2);
	assert_true(router_closed_now(&x.m, &lt));
	lt = at(2026, 7, 15, 9, 0, 2);
	assert_false(router_closed_now(&x.m, &lt));
	/* Outside the validity period the hours do not apply at all,
	 * not even on a holiday. */
	lt = at(2026, 9, 1, 15, 0, 1);
	assert_false(router_closed_now(&x.m, &lt));
	lt = at(2026, 12, 25, 10, 0, 4);
	assert_false(router_closed_now(&x.m, &lt));
	lt = at(2026, 8, 15, 10, 0, 5);
	assert_true(router_closed_now(&x.m, &lt));
}

static void closed_period(void **state)
{
	struct msg x;
	struct router_local lt;
	(void)state;

	msg_init(&x, "2026-04-21T00:00", "2026-04-25T23:59");
	lt = at(2026, 4, 20, 23, 59, 0);
	assert_false(router_closed_now(&x.m, &lt));
	lt = at(2026, 4, 21, 0, 0, 1);
	assert_true(router_closed_now(&x.m, &lt));
	lt = at(2026, 4, 25, 23, 59, 5);
	assert_true(router_closed_now(&x.m, &lt));
	lt = at(2026, 4, 26, 0, 0, 6);
	assert_false(router_closed_now(&x.m, &lt));
	/* A closure period ignores holidays outside it. */
	lt = at(2026, 5, 1, 10, 0, 4);
	assert_false(router_closed_now(&x.m, &lt));
	/* Neither end: closed as long as it is enabled. */
	msg_init(&x, "", "");
	assert_true(router_closed_now(&x.m, &lt));
	/* Open end. */
	msg_init(&x, "2026-05-01T10:00", "");
	assert_true(router_closed_now(&x.m, &lt));
	lt = at(2026, 5, 1, 9, 59, 4);
	assert_false(router_closed_now(&x.m, &lt));
}

static void message_active_rules(void **state)
{
	struct msg x;
	struct router_local lt = at(2026, 1, 14, 10, 0, 2);
	(void)state;

	msg_init(&x, "", "");
	assert_true(router_message_active(&x.m, &lt));
	assert_true(router_message_active(&x.m, NULL));
	x.m.enabled = false;
	assert_false(router_message_active(&x.m, &lt));
	assert_false(router_message_active(NULL, &lt));
	msg_init(&x, "", "");
	msg_range(&x, WEEKDAYS, 9 * 60, 13 * 60);
	assert_true(router_message_active(&x.m, &lt));
	assert_false(router_message_active(&x.m, NULL));
	lt = at(2026, 1, 14, 13, 0, 2);
	assert_false(router_message_active(&x.m, &lt));
	/* Holidays do not matter to a welcome. */
	lt = at(2026, 4, 6, 10, 0, 0);
	assert_true(router_message_active(&x.m, &lt));
	msg_init(&x, "2026-01-14T10:01", "");
	lt = at(2026, 1, 14, 10, 0, 2);
	assert_false(router_message_active(&x.m, &lt));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(easter_known_years),
		cmocka_unit_test(holidays_fixed),
		cmocka_unit_test(holidays_easter),
		cmocka_unit_test(holidays_saint_francis_from_2026),
		cmocka_unit_test(local_time_rome),
		cmocka_unit_test(local_time_utc_and_range),
		cmocka_unit_test(ranges_borders),
		cmocka_unit_test(ranges_several_and_whole_day),
		cmocka_unit_test(ranges_across_midnight),
		cmocka_unit_test(ranges_equal_ends_are_a_whole_day),
		cmocka_unit_test(validity_borders),
		cmocka_unit_test(validity_open_ends),
		cmocka_unit_test(validity_malformed_is_never),
		cmocka_unit_test(closed_opening_hours),
		cmocka_unit_test(closed_opening_hours_within_validity),
		cmocka_unit_test(closed_period),
		cmocka_unit_test(message_active_rules),
	};
	return cmocka_run_group_tests_name("router_calendar", tests, NULL,
					   NULL);
}
