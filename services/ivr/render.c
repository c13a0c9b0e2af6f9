#include "render.h"

#include <stdio.h>
#include <string.h>

/*
 * Italian joins "da" and "a" with the article of what follows: "dalle
 * 9" (le ore), "dalla mezzanotte", "dall'una", "dal 21 aprile",
 * "dall'8 aprile". The templates are written with the common form
 * ("dalle {open}", "dal {date_from}"); the value says which article it
 * takes and the word before it is fixed up.
 */
enum art {
	ART_NONE, /* weekdays, English: nothing to fix */
	ART_LE,	  /* "dalle 9" */
	ART_LA,	  /* "dalla mezzanotte" */
	ART_L,	  /* "dall'una", "dall'8 aprile": elided, no space */
	ART_IL,	  /* "dal 21 aprile" */
};

static const char *const it_days[] = {"lunedì",	 "martedì", "mercoledì",
				      "giovedì", "venerdì", "sabato",
				      "domenica"};
static const char *const en_days[] = {"Monday",	  "Tuesday", "Wednesday",
				      "Thursday", "Friday",  "Saturday",
				      "Sunday"};
static const char *const it_months[] = {
	"gennaio", "febbraio", "marzo",	    "aprile",  "maggio",   "giugno",
	"luglio",  "agosto",   "settembre", "ottobre", "novembre", "dicembre"};
static const char *const en_months[] = {
	"January", "February", "March",	    "April",   "May",	   "June",
	"July",	   "August",   "September", "October", "November", "December"};

static bool is_it(const char *lang)
{
	return strcmp(lang, "it") == 0;
}

static bool lang_ok(const char *lang)
{
	return strcmp(lang, "it") == 0 || strcmp(lang, "en") == 0;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool fits(int n, size_t size)
{
	return n >= 0 && (size_t)n < size;
}

/* Italian: the 24-hour clock as said, minutes only when there are some:
 * "9", "18:30", "9 e 5" (not "nove e zero cinque"), "mezzanotte",
 * "mezzanotte e 30", "una", "una e 15". */
static bool say_time_it(int h, int m, char *out, size_t size, enum art *a)
{
	char hour[16];
	int n;

	*a = h == 0 ? ART_LA : h == 1 ? ART_L : ART_LE;
	if (h == 0 || h == 1)
		snprintf(hour, sizeof(hour), "%s", h ? "una" : "mezzanotte");
	else
		snprintf(hour, sizeof(hour), "%d", h);
	if (m == 0)
		n = snprintf(out, size, "%s", hour);
	else if (h > 1 && m >= 10)
		n = snprintf(out, size, "%s:%02d", hour, m);
	else
		n = snprintf(out, size, "%s e %d", hour, m);
	return fits(n, size);
}

/* English: the 12-hour clock, "9 am", "6:30 pm", "9:05 am", "midnight",
 * "noon", "12:30 am". */
static bool say_time_en(int h, int m, char *out, size_t size)
{
	int n;

	if (m == 0 && (h == 0 || h == 12))
		n = snprintf(out, size, "%s", h ? "noon" : "midnight");
	else if (m == 0)
		n = snprintf(out, size, "%d %s", h % 12 ? h % 12 : 12,
			     h < 12 ? "am" : "pm");
	else
		n = snprintf(out, size, "%d:%02d %s", h % 12 ? h % 12 : 12, m,
			     h < 12 ? "am" : "pm");
	return fits(n, size);
}

static bool say_time(const char *lang, const char *v, char *out, size_t size,
		     enum art *a)
{
	*a = ART_NONE;
	if (!tpl_value_ok(TPL_TIME, v) || !lang_ok(lang))
		return false;
	int h = num(v, 2), m = num(v + 3, 2);
	return is_it(lang) ? say_time_it(h, m, out, size, a)
			   : say_time_en(h, m, out, size);
}

static bool say_weekday(const char *lang, const char *v, char *out, size_t size)
{
	int d = tpl_weekday(v);

	if (d < 0 || !lang_ok(lang))
		return false;
	return fits(snprintf(out, size, "%s",
			     is_it(lang) ? it_days[d] : en_days[d]),
		    size);
}

static const char *en_suffix(int d)
{
	if (d >= 11 && d <= 13)
		return "th";
	switch (d % 10) {
	case 1:
		return "st";
	case 2:
		return "nd";
	case 3:
		return "rd";
	default:
		return "th";
	}
}

/* "21 aprile 2023", "1º maggio 2023" (primo), "8 aprile" takes "l'";
 * "21st April 2023". */
static bool say_date(const char *lang, const char *v, char *out, size_t size,
		     enum art *a)
{
	int n;

	*a = ART_NONE;
	if (!tpl_value_ok(TPL_DATE, v) || !lang_ok(lang))
		return false;
	int y = num(v, 4), mo = num(v + 5, 2), d = num(v + 8, 2);
	if (is_it(lang)) {
		/* otto, undici: a vowel after the article */
		*a = d == 8 || d == 11 ? ART_L : ART_IL;
		n = snprintf(out, size, "%d%s %s %d", d, d == 1 ? "º" : "",
			     it_months[mo - 1], y);
	} else {
		n = snprintf(out, size, "%d%s %s %d", d, en_suffix(d),
			     en_months[mo - 1], y);
	}
	return fits(n, size);
}

bool ivr_say_time(const char *lang, const char *hhmm, char *out, size_t size)
{
	enum art a;
	return say_time(lang, hhmm, out, size, &a);
}

bool ivr_say_weekday(const char *lang, const char *day, char *out, size_t size)
{
	return say_weekday(lang, day, out, size);
}

bool ivr_say_date(const char *lang, const char *ymd, char *out, size_t size)
{
	enum art a;
	return say_date(lang, ymd, out, size, &a);
}

struct buf {
	char *p;
	size_t size;
	size_t len;
	bool over;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->over || b->len + n >= b->size) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Rewrites "dalle "/"alle "/"dal "/"al " just written before a value
 * whose article is a. */
static void fix_article(struct buf *b, enum art a)
{
	static const struct {
		const char *word;
		const char *base;
	} contracted[] = {
		{"dalle", "da"}, {"dalla", "da"}, {"dal", "da"},
		{"alle", "a"},	 {"alla", "a"},	  {"al", "a"},
	};
	static const char *const article[] = {"", "lle ", "lla ", "ll'", "l "};

	if (a == ART_NONE || b->len < 2 || b->p[b->len - 1] != ' ')
		return;
	size_t end = b->len - 1, start = end;
	while (start > 0 && b->p[start - 1] != ' ')
		start--;
	for (size_t i = 0; i < sizeof(contracted) / sizeof(contracted[0]);
	     i++) {
		const char *w = contracted[i].word;
		if (strlen(w) != end - start ||
		    memcmp(b->p + start, w, end - start) != 0)
			continue;
		b->len = start;
		b->p[b->len] = '\0';
		put(b, contracted[i].base, strlen(contracted[i].base));
		put(b, article[a], strlen(article[a]));
		return;
	}
}

static const char *value_of(Ov__Admin__Value *const *values, size_t n,
			    const char *name, size_t name_len)
{
	for (size_t i = 0; i < n; i++)
		if (values[i]->key && strlen(values[i]->key) == name_len &&
		    memcmp(values[i]->key, name, name_len) == 0)
			return values[i]->value;
	return NULL;
}

static enum ov_err fail(char *field, size_t field_len, char *why,
			size_t why_len, enum ov_err e, const char *f,
			const char *w)
{
	snprintf(field, field_len, "%s", f);
	snprintf(why, why_len, "%s", w);
	return e;
}

enum ov_err ivr_render_lang(const struct tpl *t, const char *lang,
			    Ov__Admin__Value *const *values, size_t n_values,
			    char *out, size_t size, char *field,
			    size_t field_len, char *why, size_t why_len)
{
	static const char *const expect[] = {"a time HH:MM",
					     "a weekday (monday to sunday)",
					     "a date YYYY-MM-DD"};
	struct buf b = {out, size, 0, false};
	const char *s;
	char f[64], said[64];

	if (!size)
		return OV_ETOOBIG;
	out[0] = '\0';
	if (!lang_ok(lang))
		return fail(field, field_len, why, why_len, OV_EINVAL,
			    "languages", "languages are \"it\" and \"en\"");
	s = is_it(lang) ? t->text_it : t->text_en;
	while (*s) {
		const char *open = strchr(s, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close) {
			put(&b, s, strlen(s));
			break;
		}
		put(&b, s, (size_t)(open - s));
		size_t nl = (size_t)(close - open - 1);
		const struct tpl_placeholder *ph =
			tpl_placeholder(t, open + 1, nl);
		snprintf(f, sizeof(f), "values.%.*s", (int)nl, open + 1);
		if (!ph)
			return fail(field, field_len, why, why_len,
				    OV_EINTERNAL, f,
				    "is not a placeholder of the template");
		const char *v = value_of(values, n_values, open + 1, nl);
		if (!v || !*v) {
			snprintf(why, why_len, "is required by %s", t->id);
			snprintf(field, field_len, "%s", f);
			return OV_EINVAL;
		}
		enum art a = ART_NONE;
		bool ok = false;
		switch (ph->type) {
		case TPL_TIME:
			ok = say_time(lang, v, said, sizeof(said), &a);
			break;
		case TPL_WEEKDAY:
			ok = say_weekday(lang, v, said, sizeof(said));
			break;
		case TPL_DATE:
			ok = say_date(lang, v, said, sizeof(said), &a);
			break;
		}
		if (!ok) {
			snprintf(why, why_len, "must be %s", expect[ph->type]);
			snprintf(field, field_len, "%s", f);
			return OV_EINVAL;
		}
		if (is_it(lang))
			fix_article(&b, a);
		put(&b, said, strlen(said));
		s = close + 1;
	}
	if (b.over)
		return fail(field, field_len, why, why_len, OV_ETOOBIG,
			    "values", "the text is too long");
	return OV_OK;
}

enum ov_err ivr_render(const Ov__Admin__VoiceMessage *m, struct ivr_text *out,
		       char *field, size_t field_len, char *why, size_t why_len)
{
	static const enum tpl_kind kinds[] = {
		[OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED] = TPL_CLOSED,
		[OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME] = TPL_WELCOME,
		[OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER] = TPL_NO_ANSWER,
	};
	const char *voice = m->voice ? m->voice : "";
	const struct tpl *t;

	memset(out, 0, sizeof(*out));
	if (!m->template_id || !(t = tpl_find(m->template_id)) ||
	    (unsigned)m->kind >= sizeof(kinds) / sizeof(kinds[0]) ||
	    t->kind != kinds[m->kind])
		return fail(field, field_len, why, why_len, OV_EINVAL,
			    "template_id",
			    "is not a template of the message's kind");
	if (strcmp(voice, "male") != 0 && strcmp(voice, "female") != 0 &&
	    *voice)
		return fail(field, field_len, why, why_len, OV_EINVAL, "voice",
			    "must be male or female");
	out->female = strcmp(voice, "male") != 0;
	if (m->n_languages < 1 || m->n_languages > IVR_LANGS_MAX)
		return fail(field, field_len, why, why_len, OV_EINVAL,
			    "languages", "must name one or two languages");
	for (size_t i = 0; i < m->n_languages; i++) {
		const char *l = m->languages[i];
		if (!l || !lang_ok(l) ||
		    (i > 0 && strcmp(l, m->languages[0]) == 0))
			return fail(field, field_len, why, why_len, OV_EINVAL,
				    "languages",
				    "must be \"it\" and/or \"en\", each once");
		struct ivr_segment *sg = &out->seg[out->n];
		snprintf(sg->lang, sizeof(sg->lang), "%s", l);
		enum ov_err e = ivr_render_lang(t, l, m->values, m->n_values,
						sg->text, sizeof(sg->text),
						field, field_len, why, why_len);
		if (e != OV_OK)
			return e;
		out->n++;
	}
	return OV_OK;
}

size_t ivr_text_join(const struct ivr_text *t, char *out, size_t size)
{
	size_t need = 0;

	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < t->n; i++) {
		size_t n = strlen(t->seg[i].text);
		const char *sep = i ? "\n" : "";
		size_t sl = strlen(sep);
		if (size && need + sl + n < size) {
			memcpy(out + need, sep, sl);
			memcpy(out + need + sl, t->seg[i].text, n);
			out[need + sl + n] = '\0';
		}
		need += sl + n;
	}
	return need;
}
