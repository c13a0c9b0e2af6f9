/*
 * Time for the router: the tenant's local wall clock (GLib and tzdata do
 * the zone and DST), Italian national holidays, and whether a voice
 * message applies at a local time. Everything compares wall-clock
 * fields, never offsets: see docs/router.md "Time".
 */
#include "plan.h"

#include <string.h>

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define UNIX_MIN (-62135596800LL)
#define UNIX_MAX 253402300799LL

bool router_local_time(GTimeZone *tz, int64_t now, struct router_local *lt)
{
	GDateTime *utc = NULL, *loc = NULL;
	bool ok = false;

	memset(lt, 0, sizeof(*lt));
	/* GDateTime's range, checked here: GLib multiplies by 10^6. */
	if (now < UNIX_MIN || now > UNIX_MAX)
		goto out;
	utc = g_date_time_new_from_unix_utc(now);
	if (!utc)
		goto out;
	loc = tz ? g_date_time_to_timezone(utc, tz) : g_date_time_ref(utc);
	if (!loc)
		goto out;
	g_date_time_get_ymd(loc, &lt->y, &lt->mon, &lt->d);
	lt->h = g_date_time_get_hour(loc);
	lt->min = g_date_time_get_minute(loc);
	lt->wday = g_date_time_get_day_of_week(loc) - 1;
	ok = true;
out:
	if (loc)
		g_date_time_unref(loc);
	if (utc)
		g_date_time_unref(utc);
	return ok;
}

/* Anonymous Gregorian algorithm (Meeus, Jones, Butcher). */
bool router_easter(int y, int *mon, int *d)
{
	if (y < 1583 || y > 9999)
		return false;
	int a = y % 19, b = y / 100, c = y % 100;
	int e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - b / 4 - g + 15) % 30;
	int l = (32 + 2 * e + 2 * (c / 4) - h - c % 4) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	*mon = n / 31;
	*d = n % 31 + 1;
	return true;
}

int router_holiday(int y, int m, int d)
{
	/* Fixed national holidays (L. 260/1949 and later). */
	static const struct {
		int m, d, since;
	} fixed[] = {
		{1, 1, 0},     /* Capodanno */
		{1, 6, 0},     /* Epifania */
		{4, 25, 0},    /* Liberazione */
		{5, 1, 0},     /* Festa del lavoro */
		{6, 2, 0},     /* Festa della Repubblica */
		{8, 15, 0},    /* Ferragosto */
		{10, 4, 2026}, /* San Francesco, L. 151/2025, from 2026 */
		{11, 1, 0},    /* Ognissanti */
		{12, 8, 0},    /* Immacolata */
		{12, 25, 0},   /* Natale */
		{12, 26, 0},   /* Santo Stefano */
	};
	int em, ed;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i].m == m && fixed[i].d == d && y >= fixed[i].since)
			return 1;
	if (!router_easter(y, &em, &ed))
		return 0;
	if (m == em && d == ed)
		return 1;
	/* Easter Monday; Easter is never later than April 25. */
	if (em == 3 && ed == 31)
		return m == 4 && d == 1;
	return m == em && d == ed + 1;
}

/* ---- voice messages at a local time ---- */

/* Minutes as a sortable key: yyyymmddhhmm. */
static int64_t key(int y, int mon, int d, int h, int min)
{
	return (((((int64_t)y * 100 + mon) * 100 + d) * 100 + h) * 100) + min;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DDTHH:MM" -> key; 0 for "", -1 when malformed. */
static int parse_local(const char *s, int64_t *out)
{
	int y, mon, d, h, min;

	if (!s || !s[0])
		return 0;
	if (strlen(s) != 16 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || !digits(s, 4, &y) || !digits(s + 5, 2, &mon) ||
	    !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
	    !digits(s + 14, 2, &min) || mon < 1 || mon > 12 || d < 1 ||
	    d > 31 || h > 23 || min > 59)
		return -1;
	*out = key(y, mon, d, h, min);
	return 1;
}

static bool has_validity(const Ov__Admin__VoiceMessage *m)
{
	return (m->valid_from && m->valid_from[0]) ||
	       (m->valid_to && m->valid_to[0]);
}

bool router_in_validity(const Ov__Admin__VoiceMessage *m,
			const struct router_local *lt)
{
	int64_t from = 0, to = 0;
	int hf = parse_local(m->valid_from, &from);
	int ht = parse_local(m->valid_to, &to);

	if (hf < 0 || ht < 0)
		return false;
	if (!hf && !ht)
		return true;
	if (!lt)
		return false;
	int64_t now = key(lt->y, lt->mon, lt->d, lt->h, lt->min);
	return (!hf || now >= from) && (!ht || now <= to);
}

static bool range_has(const Ov__Admin__TimeRange *r, int wday, int minute)
{
	uint32_t today = 1u << wday, yesterday = 1u << ((wday + 6) % 7);
	uint32_t m = (uint32_t)minute;

	if (r->end_min > r->start_min)
		return (r->days & today) && m >= r->start_min && m < r->end_min;
	/* Past midnight: the days bit is the day the range starts. */
	return ((r->days & today) && m >= r->start_min) ||
	       ((r->days & yesterday) && m < r->end_min);
}

bool router_in_ranges(const Ov__Admin__VoiceMessage *m,
		      const struct router_local *lt)
{
	if (!lt || lt->wday < 0 || lt->wday > 6)
		return false;
	for (size_t i = 0; i < m->n_ranges; i++)
		if (m->ranges[i] &&
		    range_has(m->ranges[i], lt->wday, lt->h * 60 + lt->min))
			return true;
	return false;
}

bool router_closed_now(const Ov__Admin__VoiceMessage *m,
		       const struct router_local *lt)
{
	if (!m || !m->enabled || !lt)
		return false;
	if (!m->n_ranges)
		return router_in_validity(m, lt);
	if (has_validity(m) && !router_in_validity(m, lt))
		return false;
	return !router_in_ranges(m, lt) ||
	       router_holiday(lt->y, lt->mon, lt->d);
}

bool router_message_active(const Ov__Admin__VoiceMessage *m,
			   const struct router_local *lt)
{
	if (!m || !m->enabled || !router_in_validity(m, lt))
		return false;
	return !m->n_ranges || router_in_ranges(m, lt);
}
