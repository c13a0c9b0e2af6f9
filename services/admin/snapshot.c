#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "bus.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static uint32_t days_mask(const json_t *days)
{
	static const char *const names[] = {"monday",	"tuesday", "wednesday",
					    "thursday", "friday",  "saturday",
					    "sunday"};
	uint32_t mask = 0;

	for (size_t i = 0; i < json_array_size(days); i++)
		for (uint32_t d = 0; d < 7; d++)
			if (strcmp(json_string_value(json_array_get(days, i)),
				   names[d]) == 0)
				mask |= 1u << d;
	return mask;
}

static uint32_t minutes(const char *hhmm)
{
	return (uint32_t)((hhmm[0] - '0') * 600 + (hhmm[1] - '0') * 60 +
			  (hhmm[3] - '0') * 10 + (hhmm[4] - '0'));
}

/* Everything a snapshot points to, freed together. */
struct parts {
	Ov__Admin__User *users;
	Ov__Admin__User **user_ptrs;
	Ov__Admin__Member *members;
	Ov__Admin__Member **member_ptrs;
	Ov__Admin__Forward fw[4];
	Ov__Admin__VoiceMessage msgs[3];
	Ov__Admin__VoiceMessage *msg_ptrs[3];
	Ov__Admin__Value *values[3];
	Ov__Admin__Value **value_ptrs[3];
	char **langs[3];
	Ov__Admin__TimeRange *ranges[3];
	Ov__Admin__TimeRange **range_ptrs[3];
};

static void parts_free(struct parts *p)
{
	free(p->users);
	free(p->user_ptrs);
	free(p->members);
	free(p->member_ptrs);
	for (size_t i = 0; i < 3; i++) {
		free(p->values[i]);
		free(p->value_ptrs[i]);
		free(p->langs[i]);
		free(p->ranges[i]);
		free(p->range_ptrs[i]);
	}
}

static bool fill_message(struct parts *p, size_t i, const json_t *m,
			 Ov__Admin__VoiceMessage__Kind kind)
{
	Ov__Admin__VoiceMessage *v = &p->msgs[i];
	const json_t *values = json_object_get(m, "values");
	const json_t *langs = json_object_get(m, "languages");
	const json_t *ranges = json_object_get(m, "ranges");
	size_t nv = json_object_size(values), nl = json_array_size(langs),
	       nr = json_array_size(ranges), k = 0;
	const char *key;
	json_t *val;

	ov__admin__voice_message__init(v);
	v->kind = kind;
	v->enabled = json_is_true(json_object_get(m, "enabled"));
	v->template_id = (char *)str(m, "template_id");
	v->voice = (char *)str(m, "voice");
	v->valid_from = (char *)str(m, "valid_from");
	v->valid_to = (char *)str(m, "valid_to");
	v->rings = (uint32_t)json_integer_value(json_object_get(m, "rings"));
	p->values[i] = calloc(nv + 1, sizeof(*p->values[i]));
	p->value_ptrs[i] = calloc(nv + 1, sizeof(*p->value_ptrs[i]));
	p->langs[i] = calloc(nl + 1, sizeof(*p->langs[i]));
	p->ranges[i] = calloc(nr + 1, sizeof(*p->ranges[i]));
	p->range_ptrs[i] = calloc(nr + 1, sizeof(*p->range_ptrs[i]));
	if (!p->values[i] || !p->value_ptrs[i] || !p->langs[i] ||
	    !p->ranges[i] || !p->range_ptrs[i])
		return false;
	json_object_foreach((json_t *)values, key, val)
	{
		ov__admin__value__init(&p->values[i][k]);
		p->values[i][k].key = (char *)key;
		p->values[i][k].value = (char *)json_string_value(val);
		p->value_ptrs[i][k] = &p->values[i][k];
		k++;
	}
	v->n_values = k;
	v->values = p->value_ptrs[i];
	for (size_t j = 0; j < nl; j++)
		p->langs[i][j] =
			(char *)json_string_value(json_array_get(langs, j));
	v->n_languages = nl;
	v->languages = p->langs[i];
	for (size_t j = 0; j < nr; j++) {
		const json_t *g = json_array_get(ranges, j);
		const char *to = str(g, "to");
		ov__admin__time_range__init(&p->ranges[i][j]);
		p->ranges[i][j].days = days_mask(json_object_get(g, "days"));
		p->ranges[i][j].start_min = minutes(str(g, "from"));
		p->ranges[i][j].end_min =
			strcmp(to, "24:00") == 0 ? 1440 : minutes(to);
		p->range_ptrs[i][j] = &p->ranges[i][j];
	}
	v->n_ranges = nr;
	v->ranges = p->range_ptrs[i];
	return true;
}

enum ov_err snapshot_pack(const json_t *doc, const char *tenant_id,
			  uint32_t version, int64_t applied_at, uint8_t **buf,
			  size_t *len)
{
	static const char *const fw_names[] = {"unconditional", "no_answer",
					       "unreachable", "busy"};
	static const char *const msg_names[] = {"closed", "welcome",
						"no_answer"};
	Ov__Admin__Snapshot s = OV__ADMIN__SNAPSHOT__INIT;
	Ov__Admin__Ringing ring = OV__ADMIN__RINGING__INIT;
	Ov__Admin__Forwarding fwd = OV__ADMIN__FORWARDING__INIT;
	struct parts p;
	enum ov_err e = OV_EEXHAUSTED;

	memset(&p, 0, sizeof(p));
	const json_t *users = json_object_get(doc, "users");
	const json_t *ringing = json_object_get(doc, "ringing");
	const json_t *members = json_object_get(ringing, "members");
	size_t nu = json_array_size(users), nm = json_array_size(members);

	s.tenant_id = (char *)tenant_id;
	s.version = version;
	s.applied_at = applied_at;
	s.number = (char *)str(doc, "number");
	s.timezone = (char *)str(doc, "timezone");
	s.sip_domain = (char *)str(doc, "sip_domain");
	s.language = (char *)str(doc, "language");
	s.allow_international =
		json_is_true(json_object_get(doc, "allow_international"));
	s.allow_premium = json_is_true(json_object_get(doc, "allow_premium"));
	s.max_calls =
		(uint32_t)json_integer_value(json_object_get(doc, "max_calls"));
	const char *state = str(doc, "state");
	s.state = strcmp(state, "suspended") == 0
			  ? OV__ADMIN__SNAPSHOT__STATE__SUSPENDED
		  : strcmp(state, "deleted") == 0
			  ? OV__ADMIN__SNAPSHOT__STATE__DELETED
			  : OV__ADMIN__SNAPSHOT__STATE__ACTIVE;

	p.users = calloc(nu + 1, sizeof(*p.users));
	p.user_ptrs = calloc(nu + 1, sizeof(*p.user_ptrs));
	p.members = calloc(nm + 1, sizeof(*p.members));
	p.member_ptrs = calloc(nm + 1, sizeof(*p.member_ptrs));
	if (!p.users || !p.user_ptrs || !p.members || !p.member_ptrs)
		goto out;
	for (size_t i = 0; i < nu; i++) {
		const json_t *u = json_array_get(users, i);
		ov__admin__user__init(&p.users[i]);
		p.users[i].id = (char *)str(u, "id");
		p.users[i].name = (char *)str(u, "name");
		p.users[i].username = (char *)str(u, "username");
		p.users[i].extension = (char *)str(u, "extension");
		p.users[i].email = (char *)str(u, "email");
		p.user_ptrs[i] = &p.users[i];
	}
	s.n_users = nu;
	s.users = p.user_ptrs;

	ring.mode = strcmp(str(ringing, "mode"), "simultaneous") == 0
			    ? OV__ADMIN__RINGING__MODE__SIMULTANEOUS
			    : OV__ADMIN__RINGING__MODE__SEQUENTIAL;
	ring.rings =
		(uint32_t)json_integer_value(json_object_get(ringing, "rings"));
	for (size_t i = 0; i < nm; i++) {
		const json_t *m = json_array_get(members, i);
		ov__admin__member__init(&p.members[i]);
		p.members[i].kind = strcmp(str(m, "type"), "main_line") == 0
					    ? OV__ADMIN__MEMBER__KIND__MAIN_LINE
					    : OV__ADMIN__MEMBER__KIND__USER;
		p.members[i].user_id = (char *)str(m, "id");
		p.members[i].name = (char *)str(m, "name");
		p.members[i].extension = (char *)str(m, "extension");
		p.member_ptrs[i] = &p.members[i];
	}
	ring.n_members = nm;
	ring.members = p.member_ptrs;
	s.ringing = &ring;

	const json_t *fw = json_object_get(doc, "forwarding");
	Ov__Admin__Forward **slots[] = {&fwd.unconditional, &fwd.no_answer,
					&fwd.unreachable, &fwd.busy};
	for (size_t i = 0; i < 4; i++) {
		const json_t *r = json_object_get(fw, fw_names[i]);
		ov__admin__forward__init(&p.fw[i]);
		p.fw[i].enabled = json_is_true(json_object_get(r, "enabled"));
		p.fw[i].number = (char *)str(r, "number");
		*slots[i] = &p.fw[i];
	}
	s.forwarding = &fwd;

	const json_t *msgs = json_object_get(doc, "messages");
	for (size_t i = 0; i < 3; i++) {
		const json_t *m = json_object_get(msgs, msg_names[i]);
		if (!m)
			continue;
		if (!fill_message(&p, s.n_messages, m,
				  (Ov__Admin__VoiceMessage__Kind)i))
			goto out;
		p.msg_ptrs[s.n_messages] = &p.msgs[s.n_messages];
		s.n_messages++;
	}
	s.messages = p.msg_ptrs;
	e = ov_pb_pack(&s.base, buf, len);
out:
	parts_free(&p);
	return e;
}

/* ---- readable differences ---- */

static void line(json_t *out, const char *path, const json_t *a,
		 const json_t *b)
{
	char *sa = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *sb = b ? json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char buf[1024];

	if (!a)
		snprintf(buf, sizeof(buf), "%s: added %.400s", path, sb);
	else if (!b)
		snprintf(buf, sizeof(buf), "%s: removed %.400s", path, sa);
	else
		snprintf(buf, sizeof(buf), "%s: %.300s -> %.300s", path, sa,
			 sb);
	json_array_append_new(out, json_string(buf));
	free(sa);
	free(sb);
}

/* Arrays of objects with ids (people, members) match by id. */
static const json_t *by_id(const json_t *arr, const json_t *item)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	for (size_t i = 0; id && i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		const char *oid = json_string_value(json_object_get(o, "id"));
		if (oid && strcmp(id, oid) == 0)
			return o;
	}
	return NULL;
}

static void walk(json_t *out, const char *path, const json_t *a,
		 const json_t *b)
{
	char sub[256];

	if (a && b && json_equal(a, b))
		return;
	if (json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v)
		{
			snprintf(sub, sizeof(sub), "%s%s%s", path,
				 path[0] ? "." : "", k);
			walk(out, sub, v, json_object_get(b, k));
		}
		json_object_foreach((json_t *)b, k, v)
		{
			if (json_object_get(a, k))
				continue;
			snprintf(sub, sizeof(sub), "%s%s%s", path,
				 path[0] ? "." : "", k);
			walk(out, sub, NULL, v);
		}
		return;
	}
	bool keyed = json_is_array(a) && json_is_array(b) &&
		     json_array_size(a) && json_array_size(b) &&
		     json_object_get(json_array_get(a, 0), "id") &&
		     json_object_get(json_array_get(b, 0), "id") &&
		     strcmp(path, "ringing.members") != 0; /* order matters */
	if (keyed) {
		for (size_t i = 0; i < json_array_size(a); i++) {
			const json_t *x = json_array_get(a, i);
			snprintf(sub, sizeof(sub), "%s[%s]", path,
				 json_string_value(json_object_get(x, "id")));
			walk(out, sub, x, by_id(b, x));
		}
		for (size_t i = 0; i < json_array_size(b); i++) {
			const json_t *y = json_array_get(b, i);
			if (by_id(a, y))
				continue;
			snprintf(sub, sizeof(sub), "%s[%s]", path,
				 json_string_value(json_object_get(y, "id")));
			walk(out, sub, NULL, y);
		}
		return;
	}
	line(out, path, a, b);
}

json_t *snapshot_diff(const json_t *old, const json_t *new_)
{
	json_t *out = json_array();

	if (!old) {
		json_array_append_new(out, json_string("first version"));
		return out;
	}
	walk(out, "", old, new_);
	return out;
}
