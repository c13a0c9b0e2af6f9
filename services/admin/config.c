/*
 * The tenant admin's call configuration, kept as a draft until apply:
 * ringing, forwarding and the three voice messages. Every PUT replaces
 * its part whole and answers the whole draft.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "policy.h"
#include "templates.h"

#define RINGS_MIN 3
#define RINGS_MAX 8
#define RINGS_DEFAULT 4
#define MAX_MEMBERS 100
#define MAX_RANGES 14

void config_draft_get(struct admin_req *r)
{
	const char *p[] = {r->tenant_id};
	admin_reply_json(r, 200, "draft_get", 1, p, NULL, "draft");
}

void config_templates(struct admin_req *r)
{
	admin_json(r, 200, tpl_catalogue_json());
}

/* Stores one part of the draft and answers the whole draft. */
static void save(struct admin_req *r, const char *stmt, int n,
		 const char *const *p, const char *what)
{
	PGresult *res = NULL;
	enum ov_err e = ov_db_begin(r->db);

	if (e == OV_OK)
		e = ov_db_exec(r->db, stmt, n, p, &res);
	if (e == OV_OK && PQntuples(res) == 0)
		e = OV_ENOTFOUND;
	PQclear(res);
	e = admin_end_tx(r, e, r->tenant_id, what, NULL,
			 json_deep_copy(r->body));
	if (e != OV_OK) {
		admin_fail_store(r, e, "draft");
		return;
	}
	config_draft_get(r);
}

/* Checks members: each {type:"main_line"} or {type:"user", id}, no
 * repeats, users of this tenant. Answers 400 and returns false. */
static bool members_ok(struct admin_req *r, const json_t *members)
{
	static const struct ov_json_field f[] = {
		{"type", OV_J_STR, true},
		{"id", OV_J_STR, false},
	};
	char prefix[32], ids[MAX_MEMBERS * 40 + 4];
	size_t n = json_array_size(members), users = 0, o = 0;
	struct ov_json_error je;
	bool line = false;

	if (n == 0 || n > MAX_MEMBERS) {
		admin_fail(r, 400, OV_EINVAL, "members",
			   "members must list 1 to %d members", MAX_MEMBERS);
		return false;
	}
	o += (size_t)snprintf(ids, sizeof(ids), "{");
	for (size_t i = 0; i < n; i++) {
		const json_t *m = json_array_get(members, i);
		snprintf(prefix, sizeof(prefix), "members[%zu].", i);
		if (!json_is_object(m)) {
			admin_fail(r, 400, OV_EINVAL, "members",
				   "members[%zu] must be an object", i);
			return false;
		}
		if (ov_json_check(m, f, 2, prefix, &je) != OV_OK) {
			admin_fail(r, 400, OV_EINVAL, je.field, "%s %s",
				   je.field, je.why);
			return false;
		}
		const char *type =
			json_string_value(json_object_get(m, "type"));
		const char *id = json_string_value(json_object_get(m, "id"));
		if (strcmp(type, "main_line") == 0 && !id) {
			if (line) {
				admin_fail(r, 400, OV_EINVAL, "members",
					   "the main line is listed twice");
				return false;
			}
			line = true;
			continue;
		}
		if (strcmp(type, "user") != 0 || !admin_uuid_ok(id)) {
			admin_fail(r, 400, OV_EINVAL, prefix,
				   "%s must be {\"type\":\"main_line\"} or "
				   "{\"type\":\"user\",\"id\":<user id>}",
				   prefix);
			return false;
		}
		/* A repeated id shows as fewer known ids below. */
		o += (size_t)snprintf(ids + o, sizeof(ids) - o, "%s%s",
				      users ? "," : "", id);
		users++;
	}
	snprintf(ids + o, sizeof(ids) - o, "}");
	if (!users)
		return true;
	PGresult *res = NULL;
	const char *p[] = {r->tenant_id, ids};
	enum ov_err e = ov_db_exec(r->db, "members_known", 2, p, &res);
	size_t known = e == OV_OK ? (size_t)PQntuples(res) : 0;
	PQclear(res);
	if (e != OV_OK) {
		admin_fail_store(r, e, "users");
		return false;
	}
	if (known != users) {
		admin_fail(r, 400, OV_EINVAL, "members",
			   "members name a user twice or a user that is not "
			   "in this company");
		return false;
	}
	return true;
}

void config_ringing_put(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"mode", OV_J_STR, true},
		{"rings", OV_J_INT, false},
		{"members", OV_J_ARRAY, true},
	};
	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	const char *mode = admin_str(r, "mode");
	if (strcmp(mode, "sequential") != 0 &&
	    strcmp(mode, "simultaneous") != 0) {
		admin_fail(r, 400, OV_EINVAL, "mode",
			   "mode must be sequential or simultaneous");
		return;
	}
	json_t *rings = json_object_get(r->body, "rings");
	json_int_t n = rings ? json_integer_value(rings) : RINGS_DEFAULT;
	if (n < RINGS_MIN || n > RINGS_MAX) {
		admin_fail(r, 400, OV_EINVAL, "rings",
			   "rings must be from %d to %d", RINGS_MIN, RINGS_MAX);
		return;
	}
	if (!members_ok(r, json_object_get(r->body, "members")))
		return;
	json_object_set_new(r->body, "rings", json_integer(n));
	size_t len;
	char *doc = ov_json_dump(r->body, &len);
	const char *p[] = {r->tenant_id, doc};
	if (doc)
		save(r, "draft_set_ringing", 2, p, "config.ringing");
	else
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
	free(doc);
}

void config_forwarding_put(struct admin_req *r)
{
	static const char *const kinds[] = {"unconditional", "no_answer",
					    "unreachable", "busy"};
	static const struct ov_json_field f[] = {
		{"unconditional", OV_J_OBJECT, false},
		{"no_answer", OV_J_OBJECT, false},
		{"unreachable", OV_J_OBJECT, false},
		{"busy", OV_J_OBJECT, false},
	};
	static const struct ov_json_field rule[] = {
		{"enabled", OV_J_BOOL, true},
		{"number", OV_J_STR_OR_NULL, false},
	};
	struct ov_json_error je;
	char prefix[24], e164[32], why[160];

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	json_t *out = json_object();
	for (size_t i = 0; i < 4; i++) {
		json_t *k = json_object_get(r->body, kinds[i]);
		snprintf(prefix, sizeof(prefix), "%s.", kinds[i]);
		if (!k) {
			json_object_set_new(out, kinds[i],
					    json_pack("{s:b, s:n}", "enabled",
						      0, "number"));
			continue;
		}
		if (ov_json_check(k, rule, 2, prefix, &je) != OV_OK) {
			admin_fail(r, 400, OV_EINVAL, je.field, "%s %s",
				   je.field, je.why);
			json_decref(out);
			return;
		}
		const char *num =
			json_string_value(json_object_get(k, "number"));
		bool on = json_is_true(json_object_get(k, "enabled"));
		if ((on || num) &&
		    admin_forward_target(num ? num : "", e164, sizeof(e164),
					 why, sizeof(why)) != OV_OK) {
			snprintf(prefix, sizeof(prefix), "%s.number", kinds[i]);
			admin_fail(r, 400, OV_EINVAL, prefix, "%s %s", prefix,
				   on && !num ? "is required when enabled"
					      : why);
			json_decref(out);
			return;
		}
		json_object_set_new(
			out, kinds[i],
			num ? json_pack("{s:b, s:s}", "enabled", on, "number",
					e164)
			    : json_pack("{s:b, s:n}", "enabled", on, "number"));
	}
	size_t len;
	char *doc = ov_json_dump(out, &len);
	json_decref(out);
	const char *p[] = {r->tenant_id, doc};
	if (doc)
		save(r, "draft_set_forwarding", 2, p, "config.forwarding");
	else
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
	free(doc);
}

/* "YYYY-MM-DDTHH:MM", local time of the tenant. */
static bool local_time_ok(const char *s)
{
	char date[11];

	if (strlen(s) != 16 || s[10] != 'T')
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	return tpl_value_ok(TPL_DATE, date) && tpl_value_ok(TPL_TIME, s + 11);
}

static bool ranges_ok(struct admin_req *r, const json_t *ranges)
{
	static const struct ov_json_field f[] = {
		{"days", OV_J_ARRAY, true},
		{"from", OV_J_STR, true},
		{"to", OV_J_STR, true},
	};
	struct ov_json_error je;
	char prefix[32];

	if (json_array_size(ranges) > MAX_RANGES) {
		admin_fail(r, 400, OV_EINVAL, "ranges",
			   "at most %d time ranges", MAX_RANGES);
		return false;
	}
	for (size_t i = 0; i < json_array_size(ranges); i++) {
		const json_t *g = json_array_get(ranges, i);
		snprintf(prefix, sizeof(prefix), "ranges[%zu].", i);
		if (!json_is_object(g) ||
		    ov_json_check(g, f, 3, prefix, &je) != OV_OK) {
			admin_fail(r, 400, OV_EINVAL,
				   json_is_object(g) ? je.field : "ranges",
				   "%s %s",
				   json_is_object(g) ? je.field : "ranges",
				   json_is_object(g) ? je.why
						     : "must hold objects");
			return false;
		}
		const json_t *days = json_object_get(g, "days");
		bool ok = json_array_size(days) >= 1 &&
			  json_array_size(days) <= 7;
		for (size_t d = 0; ok && d < json_array_size(days); d++) {
			const char *day =
				json_string_value(json_array_get(days, d));
			ok = day && tpl_value_ok(TPL_WEEKDAY, day);
		}
		if (!ok) {
			admin_fail(r, 400, OV_EINVAL, prefix,
				   "%sdays must list weekdays, monday to "
				   "sunday",
				   prefix);
			return false;
		}
		const char *from =
			json_string_value(json_object_get(g, "from"));
		const char *to = json_string_value(json_object_get(g, "to"));
		/* "to" may be 24:00 only as the end of the day. */
		bool to_ok =
			tpl_value_ok(TPL_TIME, to) || strcmp(to, "24:00") == 0;
		if (!tpl_value_ok(TPL_TIME, from) || !to_ok ||
		    strcmp(from, to) >= 0) {
			admin_fail(r, 400, OV_EINVAL, prefix,
				   "%sfrom and to must be HH:MM, from before "
				   "to",
				   prefix);
			return false;
		}
	}
	return true;
}

void config_message_put(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"enabled", OV_J_BOOL, true},
		{"template_id", OV_J_STR, true},
		{"values", OV_J_OBJECT, false},
		{"voice", OV_J_STR, false},
		{"languages", OV_J_ARRAY, false},
		{"valid_from", OV_J_STR_OR_NULL, false},
		{"valid_to", OV_J_STR_OR_NULL, false},
		{"ranges", OV_J_ARRAY, false},
		{"rings", OV_J_INT, false},
	};
	enum tpl_kind kind;
	char field[64], why[160];

	if (!tpl_kind_parse(ov_route_param(&r->m, "kind"), &kind)) {
		admin_fail(r, 404, OV_ENOTFOUND, NULL,
			   "messages are closed, welcome or no_answer");
		return;
	}
	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	const struct tpl *t = tpl_find(admin_str(r, "template_id"));
	if (!t || t->kind != kind) {
		admin_fail(r, 400, OV_EINVAL, "template_id",
			   "template_id is not a %s template "
			   "(GET /v1/message-templates)",
			   tpl_kind_name(kind));
		return;
	}
	json_t *values = json_object_get(r->body, "values");
	if (!values)
		json_object_set_new(r->body, "values", values = json_object());
	/* Missing values are allowed in a draft; apply requires them. */
	if (tpl_values_check(t, values, false, field, sizeof(field), why,
			     sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, field, "%s %s", field, why);
		return;
	}
	const char *voice = admin_str(r, "voice");
	if (!voice)
		json_object_set_new(r->body, "voice",
				    json_string(voice = "female"));
	if (strcmp(voice, "male") != 0 && strcmp(voice, "female") != 0) {
		admin_fail(r, 400, OV_EINVAL, "voice",
			   "voice must be male or female");
		return;
	}
	json_t *langs = json_object_get(r->body, "languages");
	if (!langs)
		json_object_set_new(r->body, "languages",
				    langs = json_pack("[s]", "it"));
	size_t nl = json_array_size(langs);
	const char *l0 = json_string_value(json_array_get(langs, 0));
	const char *l1 = json_string_value(json_array_get(langs, 1));
	bool langs_ok =
		nl >= 1 && nl <= 2 && l0 &&
		(!strcmp(l0, "it") || !strcmp(l0, "en")) &&
		(nl == 1 || (l1 && (!strcmp(l1, "it") || !strcmp(l1, "en")) &&
			     strcmp(l0, l1) != 0));
	if (!langs_ok) {
		admin_fail(r, 400, OV_EINVAL, "languages",
			   "languages must be [\"it\"], [\"en\"], "
			   "[\"it\",\"en\"] or [\"en\",\"it\"]");
		return;
	}
	const char *from = admin_str(r, "valid_from");
	const char *to = admin_str(r, "valid_to");
	if ((from && !local_time_ok(from)) || (to && !local_time_ok(to))) {
		admin_fail(r, 400, OV_EINVAL,
			   from && !local_time_ok(from) ? "valid_from"
							: "valid_to",
			   "validity times are YYYY-MM-DDTHH:MM, local time");
		return;
	}
	if (from && to && strcmp(from, to) > 0) {
		admin_fail(r, 400, OV_EINVAL, "valid_to",
			   "valid_to is before valid_from");
		return;
	}
	json_t *ranges = json_object_get(r->body, "ranges");
	if (ranges && !ranges_ok(r, ranges))
		return;
	json_t *rings = json_object_get(r->body, "rings");
	if (rings && kind != TPL_NO_ANSWER) {
		admin_fail(r, 400, OV_EINVAL, "rings",
			   "rings is for the no_answer message only");
		return;
	}
	if (kind == TPL_NO_ANSWER) {
		json_int_t n =
			rings ? json_integer_value(rings) : RINGS_DEFAULT;
		if (n < RINGS_MIN || n > RINGS_MAX) {
			admin_fail(r, 400, OV_EINVAL, "rings",
				   "rings must be from %d to %d", RINGS_MIN,
				   RINGS_MAX);
			return;
		}
		json_object_set_new(r->body, "rings", json_integer(n));
	}
	size_t len;
	char *doc = ov_json_dump(r->body, &len);
	const char *p[] = {r->tenant_id, tpl_kind_name(kind), doc};
	if (doc)
		save(r, "draft_set_message", 3, p, "config.message");
	else
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
	free(doc);
}
