/* "Try it": see simulate_rules.h. Pure. */
#include "simulate_rules.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

bool sim_from_ok(const char *from)
{
	size_t digits = 0;
	const char *p = from;

	if (!p)
		return false;
	if (*p == '+')
		p++;
	for (; *p; p++, digits++)
		if (*p < '0' || *p > '9' || digits == 20)
			return false;
	return digits >= 3;
}

static bool digits_at(const char *s, size_t from, size_t n, int *out)
{
	int v = 0;

	for (size_t i = from; i < from + n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static GTimeZone *zone_new(const char *zone)
{
	GTimeZone *tz = zone ? g_time_zone_new_identifier(zone) : NULL;

	return tz ? tz : g_time_zone_new_utc();
}

bool sim_at_parse(const char *at, const char *zone, int64_t *out)
{
	int y, mo, d, h, mi;

	if (!at || strlen(at) != 16 || at[4] != '-' || at[7] != '-' ||
	    at[10] != 'T' || at[13] != ':' || !digits_at(at, 0, 4, &y) ||
	    !digits_at(at, 5, 2, &mo) || !digits_at(at, 8, 2, &d) ||
	    !digits_at(at, 11, 2, &h) || !digits_at(at, 14, 2, &mi))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > g_date_get_days_in_month((GDateMonth)mo, (GDateYear)y) ||
	    h > 23 || mi > 59)
		return false;
	GTimeZone *tz = zone_new(zone);
	GDateTime *dt = g_date_time_new(tz, y, mo, d, h, mi, 0);
	g_time_zone_unref(tz);
	if (!dt)
		return false;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return true;
}

void sim_at_format(int64_t t, const char *zone, char *out, size_t len)
{
	GTimeZone *tz = zone_new(zone);
	GDateTime *u = g_date_time_new_from_unix_utc(t);
	GDateTime *dt = u ? g_date_time_to_timezone(u, tz) : NULL;

	if (len)
		out[0] = '\0';
	if (dt)
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d",
			 g_date_time_get_year(dt), g_date_time_get_month(dt),
			 g_date_time_get_day_of_month(dt),
			 g_date_time_get_hour(dt), g_date_time_get_minute(dt));
	if (dt)
		g_date_time_unref(dt);
	if (u)
		g_date_time_unref(u);
	g_time_zone_unref(tz);
}

static const Ov__Registrar__Reach *
reach_of(const Ov__Registrar__ContactsReply *c, const char *owner)
{
	for (size_t i = 0; c && i < c->n_reach; i++)
		if (c->reach[i] && c->reach[i]->owner &&
		    strcmp(c->reach[i]->owner, owner) == 0)
			return c->reach[i];
	return NULL;
}

static bool bound(const Ov__Registrar__Reach *r)
{
	for (size_t i = 0; r && i < r->n_bindings; i++)
		if (r->bindings[i] && r->bindings[i]->contact &&
		    r->bindings[i]->contact[0])
			return true;
	return false;
}

json_t *sim_skipped(const json_t *members,
		    const Ov__Registrar__ContactsReply *reach)
{
	json_t *out = json_array();
	char label[256];

	for (size_t i = 0; out && i < json_array_size(members); i++) {
		const json_t *m = json_array_get(members, i);
		const char *type =
			json_string_value(json_object_get(m, "type"));
		const char *id = json_string_value(json_object_get(m, "id"));
		const char *name =
			json_string_value(json_object_get(m, "name"));
		const char *ext =
			json_string_value(json_object_get(m, "extension"));
		bool main_line = type && strcmp(type, "main_line") == 0;
		const char *owner = main_line ? "main" : id ? id : "";
		const char *why = NULL;
		if (!reach) {
			why = "unknown";
		} else {
			const Ov__Registrar__Reach *r = reach_of(reach, owner);
			if (r && r->presence && strcmp(r->presence, "dnd") == 0)
				why = "do-not-disturb";
			else if (!bound(r))
				why = "not registered";
		}
		if (!why)
			continue;
		if (!name || !name[0])
			name = main_line ? "Fibra Principale" : owner;
		if (ext && ext[0])
			snprintf(label, sizeof(label), "%s (%s)", name, ext);
		else
			snprintf(label, sizeof(label), "%s", name);
		json_array_append_new(out, json_pack("{s:s, s:s}", "member",
						     label, "reason", why));
	}
	return out;
}
