#include "templates.h"

#include <stdio.h>
#include <string.h>

/* The seed's texts; the English versions are ours. */
const struct tpl tpl_catalogue[] = {
	{"closed_holidays",
	 TPL_CLOSED,
	 "Salve! Gli uffici rimangono chiusi per ferie dal {date_from} al "
	 "{date_to}. La ringraziamo per aver chiamato e le auguriamo buone "
	 "vacanze. Arrivederci.",
	 "Hello! Our offices are closed for the holidays from {date_from} to "
	 "{date_to}. Thank you for calling, and enjoy your holidays. Goodbye.",
	 {{"date_from", TPL_DATE}, {"date_to", TPL_DATE}},
	 2},
	{"closed_hours",
	 TPL_CLOSED,
	 "Salve! Grazie per aver chiamato. I nostri uffici sono al momento "
	 "chiusi. Le ricordiamo che siamo aperti dalle {open} alle {close} "
	 "da {day_from} a {day_to}. Grazie e arrivederci.",
	 "Hello! Thank you for calling. Our offices are closed at the moment. "
	 "We are open from {open} to {close}, {day_from} to {day_to}. Thank "
	 "you, goodbye.",
	 {{"open", TPL_TIME},
	  {"close", TPL_TIME},
	  {"day_from", TPL_WEEKDAY},
	  {"day_to", TPL_WEEKDAY}},
	 4},
	{"closed_hours_extra_day",
	 TPL_CLOSED,
	 "Salve! Grazie per aver chiamato. I nostri uffici sono al momento "
	 "chiusi. Le ricordiamo che siamo aperti dalle {open} alle {close} "
	 "da {day_from} a {day_to} e {extra_day} dalle {extra_open} alle "
	 "{extra_close}. Grazie e arrivederci.",
	 "Hello! Thank you for calling. Our offices are closed at the moment. "
	 "We are open from {open} to {close}, {day_from} to {day_to}, and on "
	 "{extra_day} from {extra_open} to {extra_close}. Thank you, goodbye.",
	 {{"open", TPL_TIME},
	  {"close", TPL_TIME},
	  {"day_from", TPL_WEEKDAY},
	  {"day_to", TPL_WEEKDAY},
	  {"extra_day", TPL_WEEKDAY},
	  {"extra_open", TPL_TIME},
	  {"extra_close", TPL_TIME}},
	 7},
	{"welcome_website",
	 TPL_WELCOME,
	 "Salve! Grazie per averci contattato, per rimanere aggiornato su "
	 "tutte le nostre novità visiti il nostro sito web.",
	 "Hello! Thank you for contacting us. To keep up with all our news, "
	 "please visit our website.",
	 {{NULL, TPL_TIME}},
	 0},
	{"welcome_hold",
	 TPL_WELCOME,
	 "Gentile cliente, un nostro operatore sarà a breve disponibile, la "
	 "invitiamo a rimanere in attesa.",
	 "Dear customer, one of our operators will be with you shortly. "
	 "Please hold the line.",
	 {{NULL, TPL_TIME}},
	 0},
	{"welcome_short",
	 TPL_WELCOME,
	 "Salve! Grazie per aver chiamato.",
	 "Hello! Thank you for calling.",
	 {{NULL, TPL_TIME}},
	 0},
	{"no_answer_retry",
	 TPL_NO_ANSWER,
	 "I nostri operatori al momento non sono disponibili. La preghiamo di "
	 "riprovare più tardi. Grazie e arrivederci.",
	 "Our operators are not available at the moment. Please try again "
	 "later. Thank you, goodbye.",
	 {{NULL, TPL_TIME}},
	 0},
	{"no_answer_callback",
	 TPL_NO_ANSWER,
	 "In questo momento la sua chiamata non può essere gestita. Sarà "
	 "nostra cura ricontattarla appena possibile. Grazie e arrivederci.",
	 "Your call cannot be taken at the moment. We will call you back as "
	 "soon as possible. Thank you, goodbye.",
	 {{NULL, TPL_TIME}},
	 0},
};
const size_t tpl_count = sizeof(tpl_catalogue) / sizeof(tpl_catalogue[0]);

static const char *const kind_names[] = {"closed", "welcome", "no_answer"};
static const char *const type_names[] = {"time", "weekday", "date"};
static const char *const weekdays[] = {"monday",   "tuesday", "wednesday",
				       "thursday", "friday",  "saturday",
				       "sunday"};

bool tpl_kind_parse(const char *s, enum tpl_kind *out)
{
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum tpl_kind)i;
			return true;
		}
	}
	return false;
}

const char *tpl_kind_name(enum tpl_kind k)
{
	return kind_names[k];
}

const struct tpl *tpl_find(const char *id)
{
	for (size_t i = 0; i < tpl_count; i++)
		if (strcmp(tpl_catalogue[i].id, id) == 0)
			return &tpl_catalogue[i];
	return NULL;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool date_ok(const char *v)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' || !digits(v, 4) ||
	    !digits(v + 5, 2) || !digits(v + 8, 2))
		return false;
	int y = num(v, 4), m = num(v + 5, 2), d = num(v + 8, 2);
	if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

int tpl_weekday(const char *v)
{
	for (int i = 0; i < 7; i++)
		if (strcmp(v, weekdays[i]) == 0)
			return i;
	return -1;
}

const struct tpl_placeholder *tpl_placeholder(const struct tpl *t,
					      const char *name, size_t n)
{
	for (size_t i = 0; i < t->n_ph; i++)
		if (strlen(t->ph[i].name) == n &&
		    memcmp(t->ph[i].name, name, n) == 0)
			return &t->ph[i];
	return NULL;
}

bool tpl_value_ok(enum tpl_ph_type t, const char *v)
{
	switch (t) {
	case TPL_TIME:
		return strlen(v) == 5 && v[2] == ':' && digits(v, 2) &&
		       digits(v + 3, 2) && num(v, 2) < 24 && num(v + 3, 2) < 60;
	case TPL_WEEKDAY:
		return tpl_weekday(v) >= 0;
	case TPL_DATE:
		return date_ok(v);
	}
	return false;
}

enum ov_err tpl_values_check(const struct tpl *t, const json_t *values,
			     bool complete, char *field, size_t field_len,
			     char *why, size_t why_len)
{
	static const char *const expect[] = {"a time HH:MM",
					     "a weekday (monday to sunday)",
					     "a date YYYY-MM-DD"};
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)values, key, v)
	{
		size_t i = 0;
		while (i < t->n_ph && strcmp(t->ph[i].name, key) != 0)
			i++;
		snprintf(field, field_len, "values.%s", key);
		if (i == t->n_ph) {
			snprintf(why, why_len, "is not a placeholder of %s",
				 t->id);
			return OV_EINVAL;
		}
		if (!json_is_string(v) ||
		    !tpl_value_ok(t->ph[i].type, json_string_value(v))) {
			snprintf(why, why_len, "must be %s",
				 expect[t->ph[i].type]);
			return OV_EINVAL;
		}
	}
	for (size_t i = 0; complete && i < t->n_ph; i++) {
		if (!json_object_get(values, t->ph[i].name)) {
			snprintf(field, field_len, "values.%s", t->ph[i].name);
			snprintf(why, why_len, "is required by %s", t->id);
			return OV_EINVAL;
		}
	}
	return OV_OK;
}

json_t *tpl_catalogue_json(void)
{
	json_t *all = json_array();

	for (size_t i = 0; i < tpl_count; i++) {
		const struct tpl *t = &tpl_catalogue[i];
		json_t *ph = json_array();
		for (size_t j = 0; j < t->n_ph; j++)
			json_array_append_new(
				ph,
				json_pack("{s:s, s:s}", "name", t->ph[j].name,
					  "type", type_names[t->ph[j].type]));
		json_array_append_new(
			all, json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "id",
				       t->id, "kind", kind_names[t->kind],
				       "text", "it", t->text_it, "en",
				       t->text_en, "placeholders", ph));
	}
	return json_pack("{s:o}", "templates", all);
}
