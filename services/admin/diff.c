/* What apply would change, in words: see diff.h. Pure. */
#include "diff.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small tools ---- */

/* A growing string; on allocation failure it stays NULL-safe. */
struct buf {
	char *s;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void bput(struct buf *b,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || b->failed)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->failed = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *bstr(const struct buf *b)
{
	return b->s && !b->failed ? b->s : "";
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Appends one change; takes before and after (NULL: JSON null). */
static void add(json_t *out, const char *kind, const char *subject,
		json_t *before, json_t *after, const char *it, const char *en)
{
	json_array_append_new(out,
			      json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}",
					"kind", kind, "subject", subject,
					"before", before ? before : json_null(),
					"after", after ? after : json_null(),
					"text_it", it, "text_en", en));
}

/* The two texts of one change, built with bput. */
struct texts {
	struct buf it, en;
};

/* Appends the change worded in t, and empties t. */
static void add_t(json_t *out, const char *kind, const char *subject,
		  json_t *before, json_t *after, struct texts *t)
{
	add(out, kind, subject, before, after, bstr(&t->it), bstr(&t->en));
	free(t->it.s);
	free(t->en.s);
	memset(t, 0, sizeof(*t));
}

static bool same(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return !a && !b;
	return json_equal(a, b);
}

static json_t *copy(const json_t *v)
{
	return v ? json_deep_copy(v) : NULL;
}

/* "Laura (05)", or "Laura" without an extension. */
static void label(struct buf *b, const json_t *u)
{
	const char *ext = str(u, "extension");

	bput(b, "%s", str(u, "name"));
	if (ext[0])
		bput(b, " (%s)", ext);
}

static const json_t *by_id(const json_t *arr, const char *id)
{
	for (size_t i = 0; id[0] && i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		if (strcmp(str(o, "id"), id) == 0)
			return o;
	}
	return NULL;
}

/* ---- people ---- */

static json_t *person(const json_t *u)
{
	return json_pack("{s:s, s:s, s:s}", "name", str(u, "name"), "username",
			 str(u, "username"), "extension", str(u, "extension"));
}

static const char *or_none(const char *s, const char *none)
{
	return s[0] ? s : none;
}

/* One person in both versions: what changed about them. */
static void user_changed(json_t *out, const json_t *l, const json_t *d)
{
	const char *id = str(d, "id");
	size_t n0 = json_array_size(out);
	struct texts t = {0};
	struct buf lb = {0};

	label(&lb, d);
	if (strcmp(str(l, "name"), str(d, "name")) != 0) {
		label(&t.it, l);
		bput(&t.it, " rinominato in %s", str(d, "name"));
		label(&t.en, l);
		bput(&t.en, " renamed %s", str(d, "name"));
		add_t(out, "user_renamed", id, copy(json_object_get(l, "name")),
		      copy(json_object_get(d, "name")), &t);
	}
	if (strcmp(str(l, "extension"), str(d, "extension")) != 0) {
		bput(&t.it, "Interno di %s: %s → %s", str(d, "name"),
		     or_none(str(l, "extension"), "nessuno"),
		     or_none(str(d, "extension"), "nessuno"));
		bput(&t.en, "%s's extension: %s → %s", str(d, "name"),
		     or_none(str(l, "extension"), "none"),
		     or_none(str(d, "extension"), "none"));
		add_t(out, "user_extension_changed", id,
		      copy(json_object_get(l, "extension")),
		      copy(json_object_get(d, "extension")), &t);
	}
	if (strcmp(str(l, "username"), str(d, "username")) != 0) {
		bput(&t.it, "Nome utente di %s: %s → %s", bstr(&lb),
		     str(l, "username"), str(d, "username"));
		bput(&t.en, "%s's username: %s → %s", bstr(&lb),
		     str(l, "username"), str(d, "username"));
		add_t(out, "user_username_changed", id,
		      copy(json_object_get(l, "username")),
		      copy(json_object_get(d, "username")), &t);
	}
	if (strcmp(str(l, "email"), str(d, "email")) != 0) {
		bput(&t.it, "Email di %s: %s → %s", bstr(&lb), str(l, "email"),
		     str(d, "email"));
		bput(&t.en, "%s's e-mail: %s → %s", bstr(&lb), str(l, "email"),
		     str(d, "email"));
		add_t(out, "user_email_changed", id,
		      copy(json_object_get(l, "email")),
		      copy(json_object_get(d, "email")), &t);
	}
	if (json_array_size(out) == n0 && !same(l, d)) {
		bput(&t.it, "%s modificato", bstr(&lb));
		bput(&t.en, "%s changed", bstr(&lb));
		add_t(out, "other", id, copy(l), copy(d), &t);
	}
	free(lb.s);
}

static void users(json_t *out, const json_t *live, const json_t *draft)
{
	const json_t *la = json_object_get(live, "users");
	const json_t *da = json_object_get(draft, "users");
	struct texts t = {0};

	for (size_t i = 0; i < json_array_size(da); i++) {
		const json_t *d = json_array_get(da, i);
		const json_t *l = by_id(la, str(d, "id"));
		if (l) {
			user_changed(out, l, d);
			continue;
		}
		bput(&t.it, "Nuovo utente: ");
		label(&t.it, d);
		label(&t.en, d);
		bput(&t.en, " added");
		add_t(out, "user_added", str(d, "id"), NULL, person(d), &t);
	}
	for (size_t i = 0; i < json_array_size(la); i++) {
		const json_t *l = json_array_get(la, i);
		if (by_id(da, str(l, "id")))
			continue;
		bput(&t.it, "Utente rimosso: ");
		label(&t.it, l);
		label(&t.en, l);
		bput(&t.en, " removed");
		add_t(out, "user_removed", str(l, "id"), person(l), NULL, &t);
	}
}

/* ---- ringing ---- */

static const char *mode_it(const char *m)
{
	return strcmp(m, "simultaneous") == 0 ? "simultaneo" : "sequenziale";
}

/* "main" or the user's id: who a member is, whatever their name. */
static const char *member_key(const json_t *m)
{
	return strcmp(str(m, "type"), "main_line") == 0 ? "main" : str(m, "id");
}

static bool same_members(const json_t *a, const json_t *b)
{
	if (json_array_size(a) != json_array_size(b))
		return false;
	for (size_t i = 0; i < json_array_size(a); i++)
		if (strcmp(member_key(json_array_get(a, i)),
			   member_key(json_array_get(b, i))) != 0)
			return false;
	return true;
}

/* A member's name: as resolved in its document, else the person's
 * name in either document, else "?". */
static const char *member_name(const json_t *m, const json_t *live,
			       const json_t *draft)
{
	const char *n = str(m, "name");
	const json_t *u;

	if (n[0])
		return n;
	if (strcmp(str(m, "type"), "main_line") == 0)
		return "Fibra Principale";
	if ((u = by_id(json_object_get(draft, "users"), str(m, "id"))) ||
	    (u = by_id(json_object_get(live, "users"), str(m, "id"))))
		return str(u, "name");
	return "?";
}

static void names(struct buf *b, const json_t *members, const json_t *live,
		  const json_t *draft, const char *none)
{
	if (!json_array_size(members))
		bput(b, "%s", none);
	for (size_t i = 0; i < json_array_size(members); i++)
		bput(b, "%s%s", i ? ", " : "",
		     member_name(json_array_get(members, i), live, draft));
}

static json_t *names_json(const json_t *members, const json_t *live,
			  const json_t *draft)
{
	json_t *a = json_array();

	for (size_t i = 0; i < json_array_size(members); i++)
		json_array_append_new(
			a, json_string(member_name(json_array_get(members, i),
						   live, draft)));
	return a;
}

/* r without what it copies from the people: members as {type, id}. */
static json_t *ringing_core(const json_t *r)
{
	json_t *c = r ? json_deep_copy(r) : NULL;
	json_t *m = json_object_get(c, "members");

	for (size_t i = 0; i < json_array_size(m); i++) {
		json_object_del(json_array_get(m, i), "name");
		json_object_del(json_array_get(m, i), "extension");
	}
	return c;
}

static void ringing(json_t *out, const json_t *live, const json_t *draft)
{
	const json_t *lr = json_object_get(live, "ringing");
	const json_t *dr = json_object_get(draft, "ringing");
	const char *lm = str(lr, "mode"), *dm = str(dr, "mode");
	size_t n0 = json_array_size(out);
	struct texts t = {0};

	if (strcmp(lm, dm) != 0) {
		if (lm[0]) {
			bput(&t.it, "Squillo: %s → %s", mode_it(lm),
			     mode_it(dm));
			bput(&t.en, "Ringing: %s → %s", lm, dm);
		} else {
			bput(&t.it, "Squillo: %s", mode_it(dm));
			bput(&t.en, "Ringing: %s", dm);
		}
		add_t(out, "ringing_mode_changed", "ringing",
		      copy(json_object_get(lr, "mode")),
		      copy(json_object_get(dr, "mode")), &t);
	}
	const json_t *lmem = json_object_get(lr, "members");
	const json_t *dmem = json_object_get(dr, "members");
	if (!same_members(lmem, dmem)) {
		bool together = strcmp(dm, "simultaneous") == 0;
		bput(&t.it, "%s: ",
		     together ? "Squillano insieme" : "Ordine di squillo");
		bput(&t.en,
		     "%s: ", together ? "Ringing together" : "Ringing order");
		if (lr) {
			names(&t.it, lmem, live, draft, "nessuno");
			names(&t.en, lmem, live, draft, "nobody");
			bput(&t.it, " → ");
			bput(&t.en, " → ");
		}
		names(&t.it, dmem, live, draft, "nessuno");
		names(&t.en, dmem, live, draft, "nobody");
		add_t(out, "ringing_order_changed", "ringing",
		      lr ? names_json(lmem, live, draft) : NULL,
		      names_json(dmem, live, draft), &t);
	}
	const json_t *lrings = json_object_get(lr, "rings");
	const json_t *drings = json_object_get(dr, "rings");
	if (!same(lrings, drings)) {
		if (lrings) {
			bput(&t.it, "Squilli per utente: %lld → %lld",
			     (long long)json_integer_value(lrings),
			     (long long)json_integer_value(drings));
			bput(&t.en, "Rings per member: %lld → %lld",
			     (long long)json_integer_value(lrings),
			     (long long)json_integer_value(drings));
		} else {
			bput(&t.it, "Squilli per utente: %lld",
			     (long long)json_integer_value(drings));
			bput(&t.en, "Rings per member: %lld",
			     (long long)json_integer_value(drings));
		}
		add_t(out, "ringing_rings_changed", "ringing", copy(lrings),
		      copy(drings), &t);
	}
	/* Members' names and extensions follow their people (reported
	 * there); anything else unworded is "other". */
	json_t *lc = ringing_core(lr), *dc = ringing_core(dr);
	if (json_array_size(out) == n0 && !same(lc, dc)) {
		bput(&t.it, "Squillo modificato");
		bput(&t.en, "Ringing changed");
		add_t(out, "other", "ringing", copy(lr), copy(dr), &t);
	}
	json_decref(lc);
	json_decref(dc);
}

/* ---- forwarding ---- */

static const struct {
	const char *key, *it, *en;
} fw_names[] = {
	{"unconditional", "Inoltro incondizionato", "Unconditional forwarding"},
	{"no_answer", "Inoltro per mancata risposta",
	 "Forwarding on no answer"},
	{"unreachable", "Inoltro se non raggiungibile",
	 "Forwarding when unreachable"},
	{"busy", "Inoltro se occupato", "Forwarding when busy"},
};

/* The number a rule forwards to, or NULL when it does not forward. */
static const char *fw_target(const json_t *rule)
{
	const char *n = str(rule, "number");

	return json_is_true(json_object_get(rule, "enabled")) && n[0] ? n
								      : NULL;
}

static void forwarding(json_t *out, const json_t *live, const json_t *draft)
{
	const json_t *lf = json_object_get(live, "forwarding");
	const json_t *df = json_object_get(draft, "forwarding");
	struct texts t = {0};
	char subject[48];

	for (size_t i = 0; i < sizeof(fw_names) / sizeof(fw_names[0]); i++) {
		const json_t *l = json_object_get(lf, fw_names[i].key);
		const json_t *d = json_object_get(df, fw_names[i].key);
		const char *a = fw_target(l), *b = fw_target(d);
		const char *kind;
		snprintf(subject, sizeof(subject), "forwarding.%s",
			 fw_names[i].key);
		if (a && b && strcmp(a, b) == 0)
			continue;
		if (!a && b) {
			kind = "forwarding_set";
			bput(&t.it, "%s attivato verso %s", fw_names[i].it, b);
			bput(&t.en, "%s set to %s", fw_names[i].en, b);
		} else if (a && b) {
			kind = "forwarding_changed";
			bput(&t.it, "%s: %s → %s", fw_names[i].it, a, b);
			bput(&t.en, "%s: %s → %s", fw_names[i].en, a, b);
		} else if (a) {
			kind = "forwarding_removed";
			bput(&t.it, "%s disattivato", fw_names[i].it);
			bput(&t.en, "%s removed", fw_names[i].en);
		} else if (!same(l, d) &&
			   strcmp(str(l, "number"), str(d, "number")) != 0 &&
			   (l || str(d, "number")[0])) {
			/* Off in both, its number edited. */
			kind = "forwarding_changed";
			bput(&t.it, "%s (non attivo): numero %s → %s",
			     fw_names[i].it,
			     or_none(str(l, "number"), "nessuno"),
			     or_none(str(d, "number"), "nessuno"));
			bput(&t.en, "%s (off): number %s → %s", fw_names[i].en,
			     or_none(str(l, "number"), "none"),
			     or_none(str(d, "number"), "none"));
		} else {
			continue;
		}
		add_t(out, kind, subject, a ? json_string(a) : NULL,
		      b ? json_string(b) : NULL, &t);
	}
}

/* ---- voice messages ---- */

static const struct {
	const char *key, *it, *en;
} msg_names[] = {
	{"closed", "Messaggio azienda chiusa", "Closed message"},
	{"welcome", "Messaggio di benvenuto", "Welcome message"},
	{"no_answer", "Messaggio libero non risponde", "No-answer message"},
};

static const char *voice_it(const char *v)
{
	return strcmp(v, "male") == 0 ? "maschile" : "femminile";
}

static void langs(struct buf *b, const json_t *a, bool it)
{
	if (!json_array_size(a))
		bput(b, "%s", it ? "nessuna" : "none");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *l = json_string_value(json_array_get(a, i));
		bool itl = l && strcmp(l, "it") == 0;
		bput(b, "%s%s", i ? ", " : "",
		     itl ? (it ? "italiano" : "Italian")
			 : (it ? "inglese" : "English"));
	}
}

/* "2026-12-24T10:00" → "2026-12-24 10:00". */
static void when(struct buf *b, const char *t)
{
	bput(b, "%.10s", t);
	if (strlen(t) > 11)
		bput(b, " %s", t + 11);
}

static void validity(struct buf *b, const json_t *m, bool it)
{
	const char *f = str(m, "valid_from"), *t = str(m, "valid_to");

	if (!f[0] && !t[0]) {
		bput(b, "%s", it ? "sempre" : "always");
		return;
	}
	if (f[0]) {
		bput(b, "%s", it ? "dal " : "from ");
		when(b, f);
	}
	if (t[0]) {
		bput(b, "%s",
		     f[0] ? (it ? " al " : " to ")
			  : (it ? "fino al " : "until "));
		when(b, t);
	}
}

static int weekday(const char *d)
{
	static const char *const names[] = {"monday",	"tuesday", "wednesday",
					    "thursday", "friday",  "saturday",
					    "sunday"};
	for (int i = 0; i < 7; i++)
		if (strcmp(d, names[i]) == 0)
			return i;
	return -1;
}

/* "lun–ven 09:00–18:00; sab 09:00–13:00" (or Mon–Fri ...). */
static void ranges(struct buf *b, const json_t *rs, bool it)
{
	static const char *const it_days[] = {"lun", "mar", "mer", "gio",
					      "ven", "sab", "dom"};
	static const char *const en_days[] = {"Mon", "Tue", "Wed", "Thu",
					      "Fri", "Sat", "Sun"};
	const char *const *dn = it ? it_days : en_days;

	if (!json_array_size(rs))
		bput(b, "%s", it ? "nessuna" : "none");
	for (size_t i = 0; i < json_array_size(rs); i++) {
		const json_t *r = json_array_get(rs, i);
		const json_t *days = json_object_get(r, "days");
		unsigned mask = 0;
		for (size_t k = 0; k < json_array_size(days); k++) {
			const char *dk =
				json_string_value(json_array_get(days, k));
			int w = dk ? weekday(dk) : -1;
			if (w >= 0)
				mask |= 1u << w;
		}
		bput(b, "%s", i ? "; " : "");
		/* Runs of days: three or more as "first–last". */
		bool first = true;
		for (int d = 0; d < 7;) {
			if (!(mask & (1u << d))) {
				d++;
				continue;
			}
			int e = d;
			while (e + 1 < 7 && (mask & (1u << (e + 1))))
				e++;
			bput(b, "%s", first ? "" : ", ");
			first = false;
			if (e - d >= 2)
				bput(b, "%s–%s", dn[d], dn[e]);
			else if (e == d + 1)
				bput(b, "%s, %s", dn[d], dn[e]);
			else
				bput(b, "%s", dn[d]);
			d = e + 1;
		}
		bput(b, " %s–%s", str(r, "from"), str(r, "to"));
	}
}

static bool msg_on(const json_t *m)
{
	return json_is_true(json_object_get(m, "enabled"));
}

static json_t *validity_json(const json_t *m)
{
	const json_t *f = json_object_get(m, "valid_from");
	const json_t *t = json_object_get(m, "valid_to");

	return json_pack("{s:O, s:O}", "valid_from",
			 json_is_string(f) ? f : json_null(), "valid_to",
			 json_is_string(t) ? t : json_null());
}

/* One aspect of an active message that changed; takes before and
 * after. */
static void aspect(json_t *out, const char *kind_key, const char *what,
		   json_t *before, json_t *after, struct texts *t)
{
	char subject[48];

	snprintf(subject, sizeof(subject), "messages.%s.%s", kind_key, what);
	add_t(out, "message_changed", subject, before, after, t);
}

/* Template values, placeholder by placeholder. */
static void values(json_t *out, size_t i, const json_t *l, const json_t *d,
		   struct texts *t)
{
	const json_t *lv = json_object_get(l, "values");
	const json_t *dv = json_object_get(d, "values");
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)dv, k, v)
	{
		const json_t *o = json_object_get(lv, k);
		if (same(o, v))
			continue;
		const char *os = json_string_value(o);
		const char *ns = json_string_value(v);
		bput(&t->it, "%s: %s %s → %s", msg_names[i].it, k,
		     os ? os : "—", ns ? ns : "—");
		bput(&t->en, "%s: %s %s → %s", msg_names[i].en, k,
		     os ? os : "—", ns ? ns : "—");
		aspect(out, msg_names[i].key, "values", copy(o), copy(v), t);
	}
	json_object_foreach((json_t *)lv, k, v)
	{
		if (json_object_get(dv, k))
			continue;
		const char *os = json_string_value(v);
		bput(&t->it, "%s: %s %s → —", msg_names[i].it, k,
		     os ? os : "—");
		bput(&t->en, "%s: %s %s → —", msg_names[i].en, k,
		     os ? os : "—");
		aspect(out, msg_names[i].key, "values", copy(v), NULL, t);
	}
}

/* An active message in both versions: what changed in it. */
static void message_changed(json_t *out, size_t i, const json_t *l,
			    const json_t *d)
{
	const char *key = msg_names[i].key;
	const char *it = msg_names[i].it, *en = msg_names[i].en;
	struct texts t = {0};

	if (strcmp(str(l, "template_id"), str(d, "template_id")) != 0) {
		bput(&t.it, "%s: modello %s → %s", it, str(l, "template_id"),
		     str(d, "template_id"));
		bput(&t.en, "%s: template %s → %s", en, str(l, "template_id"),
		     str(d, "template_id"));
		aspect(out, key, "template",
		       copy(json_object_get(l, "template_id")),
		       copy(json_object_get(d, "template_id")), &t);
	} else {
		/* Values of another template are another text altogether. */
		values(out, i, l, d, &t);
	}
	if (strcmp(str(l, "voice"), str(d, "voice")) != 0) {
		bput(&t.it, "%s: voce %s → %s", it, voice_it(str(l, "voice")),
		     voice_it(str(d, "voice")));
		bput(&t.en, "%s: voice %s → %s", en,
		     strcmp(str(l, "voice"), "male") ? "female" : "male",
		     strcmp(str(d, "voice"), "male") ? "female" : "male");
		aspect(out, key, "voice", copy(json_object_get(l, "voice")),
		       copy(json_object_get(d, "voice")), &t);
	}
	const json_t *ll = json_object_get(l, "languages");
	const json_t *dl = json_object_get(d, "languages");
	if (!same(ll, dl)) {
		bput(&t.it, "%s: lingue ", it);
		langs(&t.it, ll, true);
		bput(&t.it, " → ");
		langs(&t.it, dl, true);
		bput(&t.en, "%s: languages ", en);
		langs(&t.en, ll, false);
		bput(&t.en, " → ");
		langs(&t.en, dl, false);
		aspect(out, key, "languages", copy(ll), copy(dl), &t);
	}
	json_t *lvj = validity_json(l), *dvj = validity_json(d);
	if (!same(lvj, dvj)) {
		bput(&t.it, "%s: validità ", it);
		validity(&t.it, l, true);
		bput(&t.it, " → ");
		validity(&t.it, d, true);
		bput(&t.en, "%s: validity ", en);
		validity(&t.en, l, false);
		bput(&t.en, " → ");
		validity(&t.en, d, false);
		aspect(out, key, "validity", lvj, dvj, &t);
	} else {
		json_decref(lvj);
		json_decref(dvj);
	}
	const json_t *lr = json_object_get(l, "ranges");
	const json_t *dr = json_object_get(d, "ranges");
	if (json_array_size(lr) + json_array_size(dr) && !same(lr, dr)) {
		bput(&t.it, "%s: fasce orarie ", it);
		ranges(&t.it, lr, true);
		bput(&t.it, " → ");
		ranges(&t.it, dr, true);
		bput(&t.en, "%s: time ranges ", en);
		ranges(&t.en, lr, false);
		bput(&t.en, " → ");
		ranges(&t.en, dr, false);
		aspect(out, key, "ranges", copy(lr), copy(dr), &t);
	}
	const json_t *lrn = json_object_get(l, "rings");
	const json_t *drn = json_object_get(d, "rings");
	if (!same(lrn, drn)) {
		bput(&t.it, "%s: squilli %lld → %lld", it,
		     (long long)json_integer_value(lrn),
		     (long long)json_integer_value(drn));
		bput(&t.en, "%s: rings %lld → %lld", en,
		     (long long)json_integer_value(lrn),
		     (long long)json_integer_value(drn));
		aspect(out, key, "rings", copy(lrn), copy(drn), &t);
	}
}

static void messages(json_t *out, const json_t *live, const json_t *draft)
{
	const json_t *lm = json_object_get(live, "messages");
	const json_t *dm = json_object_get(draft, "messages");
	struct texts t = {0};
	char subject[48];

	for (size_t i = 0; i < sizeof(msg_names) / sizeof(msg_names[0]); i++) {
		const json_t *l = json_object_get(lm, msg_names[i].key);
		const json_t *d = json_object_get(dm, msg_names[i].key);
		size_t n0 = json_array_size(out);
		snprintf(subject, sizeof(subject), "messages.%s",
			 msg_names[i].key);
		if (same(l, d))
			continue;
		if (!msg_on(l) && msg_on(d)) {
			bput(&t.it, "%s attivato", msg_names[i].it);
			bput(&t.en, "%s enabled", msg_names[i].en);
			add_t(out, "message_enabled", subject, json_false(),
			      json_true(), &t);
		} else if (msg_on(l) && !msg_on(d)) {
			bput(&t.it, "%s disattivato", msg_names[i].it);
			bput(&t.en, "%s disabled", msg_names[i].en);
			add_t(out, "message_disabled", subject, json_true(),
			      json_false(), &t);
		} else if (msg_on(l)) {
			message_changed(out, i, l, d);
		}
		/* Off in both but edited, or an unworded change. */
		if (json_array_size(out) == n0) {
			bool off = !msg_on(l) && !msg_on(d);
			bput(&t.it, "%s%s modificato", msg_names[i].it,
			     off ? " (non attivo)" : "");
			bput(&t.en, "%s%s changed", msg_names[i].en,
			     off ? " (off)" : "");
			add_t(out, "message_changed", subject, copy(l), copy(d),
			      &t);
		}
	}
}

/* ---- the tenant's settings (the operator's, taken in by apply) ---- */

static const struct {
	const char *key, *it, *en;
} setting_names[] = {
	{"number", "Numero", "Number"},
	{"timezone", "Fuso orario", "Time zone"},
	{"language", "Lingua", "Language"},
	{"sip_domain", "Dominio SIP", "SIP domain"},
	{"allow_international", "Chiamate internazionali",
	 "International calls"},
	{"allow_premium", "Numeri a pagamento", "Premium numbers"},
	{"max_calls", "Chiamate contemporanee", "Concurrent calls"},
};

static void setting_text(struct buf *b, const json_t *v, bool it)
{
	if (json_is_boolean(v))
		bput(b, "%s", json_is_true(v) ? (it ? "sì" : "yes") : "no");
	else if (json_is_integer(v))
		bput(b, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		bput(b, "%s", json_string_value(v));
	else
		bput(b, "—");
}

static void settings(json_t *out, const json_t *live, const json_t *draft)
{
	struct texts t = {0};

	/* Before the first apply the settings are no change of anyone's. */
	if (!live || !json_object_get(live, "number"))
		return;
	for (size_t i = 0; i < sizeof(setting_names) / sizeof(setting_names[0]);
	     i++) {
		const json_t *l = json_object_get(live, setting_names[i].key);
		const json_t *d = json_object_get(draft, setting_names[i].key);
		if (same(l, d))
			continue;
		bput(&t.it, "%s: ", setting_names[i].it);
		setting_text(&t.it, l, true);
		bput(&t.it, " → ");
		setting_text(&t.it, d, true);
		bput(&t.en, "%s: ", setting_names[i].en);
		setting_text(&t.en, l, false);
		bput(&t.en, " → ");
		setting_text(&t.en, d, false);
		add_t(out, "setting_changed", setting_names[i].key, copy(l),
		      copy(d), &t);
	}
}

json_t *config_diff(const json_t *live, const json_t *draft)
{
	json_t *out = json_array();

	if (!out)
		return NULL;
	users(out, live, draft);
	ringing(out, live, draft);
	forwarding(out, live, draft);
	messages(out, live, draft);
	settings(out, live, draft);
	return out;
}
