/* Rendering every template in both languages, with the values at their
 * edges: what a caller hears, word for word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "render.h"

/* A message built on the stack: up to 8 values, 3 languages. */
struct msg {
	Ov__Admin__VoiceMessage m;
	Ov__Admin__Value v[8];
	Ov__Admin__Value *vp[8];
	char *langs[3];
};

static void msg_init(struct msg *x, Ov__Admin__VoiceMessage__Kind kind,
		     const char *tpl, const char *voice, const char *langs)
{
	static char it[] = "it", en[] = "en", fr[] = "fr";

	memset(x, 0, sizeof(*x));
	ov__admin__voice_message__init(&x->m);
	x->m.kind = kind;
	x->m.template_id = (char *)tpl;
	x->m.voice = (char *)voice;
	x->m.enabled = true;
	x->m.values = x->vp;
	x->m.languages = x->langs;
	/* langs: "it,en", "en", "it,it" … */
	for (const char *p = langs; *p; p += (p[2] == ',') ? 3 : 2) {
		char *l = p[0] == 'i' ? it : p[0] == 'e' ? en : fr;
		x->langs[x->m.n_languages++] = l;
		if (!p[2])
			break;
	}
}

static void msg_set(struct msg *x, const char *k, const char *v)
{
	size_t i = x->m.n_values++;
	ov__admin__value__init(&x->v[i]);
	x->v[i].key = (char *)k;
	x->v[i].value = (char *)v;
	x->vp[i] = &x->v[i];
}

static enum ov_err render(struct msg *x, struct ivr_text *t, char *field,
			  char *why)
{
	return ivr_render(&x->m, t, field, 64, why, 160);
}

#define CLOSED OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED
#define WELCOME OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME
#define NO_ANSWER OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER

static void hours(struct msg *x, const char *open, const char *close,
		  const char *from, const char *to)
{
	msg_set(x, "open", open);
	msg_set(x, "close", close);
	msg_set(x, "day_from", from);
	msg_set(x, "day_to", to);
}

static void test_closed_hours_both_languages_in_order(void **state)
{
	struct msg x;
	struct ivr_text t;
	char field[64], why[160], joined[2048];
	(void)state;

	msg_init(&x, CLOSED, "closed_hours", "female", "it,en");
	hours(&x, "09:00", "18:00", "monday", "friday");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_int_equal(t.n, 2);
	assert_true(t.female);
	assert_string_equal(t.seg[0].lang, "it");
	assert_string_equal(
		t.seg[0].text,
		"Salve! Grazie per aver chiamato. I nostri uffici sono al "
		"momento chiusi. Le ricordiamo che siamo aperti dalle 9 alle "
		"18 da lunedì a venerdì. Grazie e arrivederci.");
	assert_string_equal(t.seg[1].lang, "en");
	assert_string_equal(
		t.seg[1].text,
		"Hello! Thank you for calling. Our offices are closed at the "
		"moment. We are open from 9 am to 6 pm, Monday to Friday. "
		"Thank you, goodbye.");
	size_t n = ivr_text_join(&t, joined, sizeof(joined));
	assert_int_equal(n, strlen(t.seg[0].text) + 1 + strlen(t.seg[1].text));
	assert_non_null(strstr(joined, "arrivederci.\nHello!"));

	/* The other order: English first. */
	msg_init(&x, CLOSED, "closed_hours", "male", "en,it");
	hours(&x, "09:00", "18:00", "monday", "friday");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_false(t.female);
	assert_string_equal(t.seg[0].lang, "en");
	assert_string_equal(t.seg[1].lang, "it");
	assert_non_null(strstr(t.seg[0].text, "from 9 am to 6 pm"));
}

/* Times as said, against the templates (the Italian preposition
 * follows the hour: dalle 9, dalla mezzanotte, dall'una). */
static void test_times_at_the_edges(void **state)
{
	static const struct {
		const char *open, *close;
		const char *it, *en;
	} cases[] = {
		{"00:00", "23:59", "dalla mezzanotte alle 23:59",
		 "from midnight to 11:59 pm"},
		{"01:00", "01:30", "dall'una all'una e 30",
		 "from 1 am to 1:30 am"},
		{"01:05", "12:00", "dall'una e 5 alle 12",
		 "from 1:05 am to noon"},
		{"00:30", "12:30", "dalla mezzanotte e 30 alle 12:30",
		 "from 12:30 am to 12:30 pm"},
		{"09:05", "10:00", "dalle 9 e 5 alle 10",
		 "from 9:05 am to 10 am"},
		{"08:30", "13:00", "dalle 8:30 alle 13",
		 "from 8:30 am to 1 pm"},
		{"14:00", "00:00", "dalle 14 alla mezzanotte",
		 "from 2 pm to midnight"},
		{"02:00", "11:10", "dalle 2 alle 11:10",
		 "from 2 am to 11:10 am"},
		/* 13:00 is "le tredici": no "una" in the 24-hour clock. */
		{"12:00", "13:00", "dalle 12 alle 13 da", "from noon to 1 pm"},
	};
	struct ivr_text t;
	char field[64], why[160];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg x;
		msg_init(&x, CLOSED, "closed_hours", "", "it,en");
		hours(&x, cases[i].open, cases[i].close, "monday", "friday");
		assert_int_equal(render(&x, &t, field, why), OV_OK);
		if (!strstr(t.seg[0].text, cases[i].it))
			fail_msg("%s-%s: %s", cases[i].open, cases[i].close,
				 t.seg[0].text);
		if (!strstr(t.seg[1].text, cases[i].en))
			fail_msg("%s-%s: %s", cases[i].open, cases[i].close,
				 t.seg[1].text);
		assert_null(strchr(t.seg[0].text, '{'));
	}
}

static void test_say_time_words(void **state)
{
	char out[64];
	(void)state;

	assert_true(ivr_say_time("it", "00:00", out, sizeof(out)));
	assert_string_equal(out, "mezzanotte");
	assert_true(ivr_say_time("it", "23:59", out, sizeof(out)));
	assert_string_equal(out, "23:59");
	assert_true(ivr_say_time("it", "07:09", out, sizeof(out)));
	assert_string_equal(out, "7 e 9");
	assert_true(ivr_say_time("it", "13:00", out, sizeof(out)));
	assert_string_equal(out, "13");
	assert_true(ivr_say_time("en", "23:59", out, sizeof(out)));
	assert_string_equal(out, "11:59 pm");
	assert_true(ivr_say_time("en", "12:00", out, sizeof(out)));
	assert_string_equal(out, "noon");
	assert_true(ivr_say_time("en", "00:01", out, sizeof(out)));
	assert_string_equal(out, "12:01 am");
	assert_true(ivr_say_time("en", "11:00", out, sizeof(out)));
	assert_string_equal(out, "11 am");
	/* Not a time: leading zero missing, 24:00, 60 minutes, text. */
	assert_false(ivr_say_time("it", "9:00", out, sizeof(out)));
	assert_false(ivr_say_time("it", "24:00", out, sizeof(out)));
	assert_false(ivr_say_time("en", "12:60", out, sizeof(out)));
	assert_false(ivr_say_time("en", "noon", out, sizeof(out)));
	assert_false(ivr_say_time("fr", "12:00", out, sizeof(out)));
	/* Does not fit. */
	assert_false(ivr_say_time("it", "00:00", out, 5));
}

static void test_every_weekday(void **state)
{
	static const char *const days[] = {"monday",   "tuesday", "wednesday",
					   "thursday", "friday",  "saturday",
					   "sunday"};
	static const char *const it[] = {"lunedì",  "martedì", "mercoledì",
					 "giovedì", "venerdì", "sabato",
					 "domenica"};
	static const char *const en[] = {"Monday",   "Tuesday", "Wednesday",
					 "Thursday", "Friday",	"Saturday",
					 "Sunday"};
	char out[32];
	(void)state;

	for (size_t i = 0; i < 7; i++) {
		assert_true(ivr_say_weekday("it", days[i], out, sizeof(out)));
		assert_string_equal(out, it[i]);
		assert_true(ivr_say_weekday("en", days[i], out, sizeof(out)));
		assert_string_equal(out, en[i]);
		/* And through a template, both days. */
		struct msg x;
		struct ivr_text t;
		char field[64], why[160], want[96];
		msg_init(&x, CLOSED, "closed_hours", "male", "it,en");
		hours(&x, "09:00", "17:00", days[i], days[(i + 4) % 7]);
		assert_int_equal(render(&x, &t, field, why), OV_OK);
		snprintf(want, sizeof(want), "da %s a %s.", it[i],
			 it[(i + 4) % 7]);
		assert_non_null(strstr(t.seg[0].text, want));
		snprintf(want, sizeof(want), "%s to %s.", en[i],
			 en[(i + 4) % 7]);
		assert_non_null(strstr(t.seg[1].text, want));
	}
	assert_false(ivr_say_weekday("it", "Monday", out, sizeof(out)));
	assert_false(ivr_say_weekday("it", "lunedì", out, sizeof(out)));
	assert_false(ivr_say_weekday("en", "", out, sizeof(out)));
}

static void test_dates_at_the_edges(void **state)
{
	static const struct {
		const char *v, *it, *en;
	} cases[] = {
		{"2024-02-29", "29 febbraio 2024", "29th February 2024"},
		{"2023-12-31", "31 dicembre 2023", "31st December 2023"},
		{"2023-01-01", "1º gennaio 2023", "1st January 2023"},
		{"2023-04-02", "2 aprile 2023", "2nd April 2023"},
		{"2023-04-03", "3 aprile 2023", "3rd April 2023"},
		{"2023-04-11", "11 aprile 2023", "11th April 2023"},
		{"2023-04-12", "12 aprile 2023", "12th April 2023"},
		{"2023-04-13", "13 aprile 2023", "13th April 2023"},
		{"2023-04-21", "21 aprile 2023", "21st April 2023"},
		{"2023-04-22", "22 aprile 2023", "22nd April 2023"},
		{"2023-04-23", "23 aprile 2023", "23rd April 2023"},
		{"2000-06-09", "9 giugno 2000", "9th June 2000"},
		{"2199-10-30", "30 ottobre 2199", "30th October 2199"},
	};
	char out[64];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(ivr_say_date("it", cases[i].v, out, sizeof(out)));
		assert_string_equal(out, cases[i].it);
		assert_true(ivr_say_date("en", cases[i].v, out, sizeof(out)));
		assert_string_equal(out, cases[i].en);
	}
	/* Not dates: no Feb 29 in 2023, month 13, day 0, slashes. */
	assert_false(ivr_say_date("it", "2023-02-29", out, sizeof(out)));
	assert_false(ivr_say_date("en", "2023-13-01", out, sizeof(out)));
	assert_false(ivr_say_date("en", "2023-04-00", out, sizeof(out)));
	assert_false(ivr_say_date("it", "21/04/2023", out, sizeof(out)));
	assert_false(ivr_say_date("it", "1999-12-31", out, sizeof(out)));
}

static void test_closed_holidays_seed_example(void **state)
{
	struct msg x;
	struct ivr_text t;
	char field[64], why[160];
	(void)state;

	/* The seed's "chiusi per ferie da 21/04/2023 al 25/04/2023". */
	msg_init(&x, CLOSED, "closed_holidays", "female", "it,en");
	msg_set(&x, "date_from", "2023-04-21");
	msg_set(&x, "date_to", "2023-04-25");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_string_equal(
		t.seg[0].text,
		"Salve! Gli uffici rimangono chiusi per ferie dal 21 aprile "
		"2023 al 25 aprile 2023. La ringraziamo per aver chiamato e le "
		"auguriamo buone vacanze. Arrivederci.");
	assert_string_equal(
		t.seg[1].text,
		"Hello! Our offices are closed for the holidays from 21st "
		"April 2023 to 25th April 2023. Thank you for calling, and "
		"enjoy your holidays. Goodbye.");

	/* "dall'8", "all'11"; "dal 1º" (primo). */
	msg_init(&x, CLOSED, "closed_holidays", "female", "it");
	msg_set(&x, "date_from", "2023-08-08");
	msg_set(&x, "date_to", "2023-08-11");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_non_null(strstr(t.seg[0].text,
			       "ferie dall'8 agosto 2023 all'11 agosto "
			       "2023."));
	msg_init(&x, CLOSED, "closed_holidays", "female", "it");
	msg_set(&x, "date_from", "2023-05-01");
	msg_set(&x, "date_to", "2024-02-29");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_non_null(
		strstr(t.seg[0].text,
		       "ferie dal 1º maggio 2023 al 29 febbraio 2024."));
	msg_init(&x, CLOSED, "closed_holidays", "female", "en");
	msg_set(&x, "date_from", "2023-12-31");
	msg_set(&x, "date_to", "2024-01-01");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_non_null(strstr(t.seg[0].text, "from 31st December 2023 to "
					      "1st January 2024."));
}

static void test_closed_hours_extra_day(void **state)
{
	struct msg x;
	struct ivr_text t;
	char field[64], why[160];
	(void)state;

	msg_init(&x, CLOSED, "closed_hours_extra_day", "male", "it,en");
	hours(&x, "08:30", "17:30", "monday", "friday");
	msg_set(&x, "extra_day", "saturday");
	msg_set(&x, "extra_open", "09:00");
	msg_set(&x, "extra_close", "13:00");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_string_equal(
		t.seg[0].text,
		"Salve! Grazie per aver chiamato. I nostri uffici sono al "
		"momento chiusi. Le ricordiamo che siamo aperti dalle 8:30 "
		"alle "
		"17:30 da lunedì a venerdì e sabato dalle 9 alle 13. Grazie e "
		"arrivederci.");
	assert_string_equal(
		t.seg[1].text,
		"Hello! Thank you for calling. Our offices are closed at the "
		"moment. We are open from 8:30 am to 5:30 pm, Monday to "
		"Friday, "
		"and on Saturday from 9 am to 1 pm. Thank you, goodbye.");
}

/* Templates without placeholders render as written, and every
 * template in both languages leaves no brace behind. */
static void test_every_template_renders_completely(void **state)
{
	static const char *const values[][2] = {
		{"open", "00:00"},	   {"close", "23:59"},
		{"day_from", "monday"},	   {"day_to", "sunday"},
		{"extra_day", "saturday"}, {"extra_open", "01:00"},
		{"extra_close", "12:00"},  {"date_from", "2024-02-29"},
		{"date_to", "2024-12-31"},
	};
	static const Ov__Admin__VoiceMessage__Kind kinds[] = {CLOSED, WELCOME,
							      NO_ANSWER};
	(void)state;

	for (size_t i = 0; i < tpl_count; i++) {
		const struct tpl *tp = &tpl_catalogue[i];
		struct msg x;
		struct ivr_text t;
		char field[64], why[160];
		msg_init(&x, kinds[tp->kind], tp->id, "female", "it,en");
		for (size_t j = 0; j < tp->n_ph; j++)
			for (size_t k = 0;
			     k < sizeof(values) / sizeof(values[0]); k++)
				if (strcmp(values[k][0], tp->ph[j].name) == 0)
					msg_set(&x, values[k][0], values[k][1]);
		assert_int_equal(render(&x, &t, field, why), OV_OK);
		assert_int_equal(t.n, 2);
		for (size_t l = 0; l < 2; l++) {
			assert_null(strchr(t.seg[l].text, '{'));
			assert_null(strchr(t.seg[l].text, '}'));
			assert_true(strlen(t.seg[l].text) > 20);
		}
		if (tp->n_ph == 0) {
			assert_string_equal(t.seg[0].text, tp->text_it);
			assert_string_equal(t.seg[1].text, tp->text_en);
		}
	}
}

static void test_welcome_and_no_answer(void **state)
{
	struct msg x;
	struct ivr_text t;
	char field[64], why[160];
	(void)state;

	msg_init(&x, WELCOME, "welcome_short", "female", "it");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.seg[0].text, "Salve! Grazie per aver chiamato.");
	msg_init(&x, NO_ANSWER, "no_answer_retry", "male", "en");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	assert_string_equal(t.seg[0].text,
			    "Our operators are not available at the moment. "
			    "Please try again later. Thank you, goodbye.");
	/* Values a template does not use are ignored (admin refuses them
	 * anyway). */
	msg_init(&x, WELCOME, "welcome_hold", "male", "it");
	msg_set(&x, "open", "09:00");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
}

/* What never reaches a caller: a missing or bad value, a template of
 * another kind, languages or voice outside the catalogue. */
static void test_bad_messages_name_the_field(void **state)
{
	struct msg x;
	struct ivr_text t;
	char field[64], why[160];
	(void)state;

	msg_init(&x, CLOSED, "closed_hours", "female", "it,en");
	msg_set(&x, "open", "09:00");
	msg_set(&x, "day_from", "monday");
	msg_set(&x, "day_to", "friday");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "values.close");
	assert_string_equal(why, "is required by closed_hours");

	msg_init(&x, CLOSED, "closed_hours", "female", "en");
	hours(&x, "09:00", "", "monday", "friday");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "values.close");

	msg_init(&x, CLOSED, "closed_hours", "female", "it");
	hours(&x, "9:00", "18:00", "monday", "friday");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "values.open");
	assert_string_equal(why, "must be a time HH:MM");

	msg_init(&x, CLOSED, "closed_hours", "female", "it");
	hours(&x, "09:00", "18:00", "lunedì", "friday");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "values.day_from");

	msg_init(&x, CLOSED, "closed_holidays", "female", "en");
	msg_set(&x, "date_from", "2023-02-29");
	msg_set(&x, "date_to", "2023-03-01");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "values.date_from");
	assert_string_equal(why, "must be a date YYYY-MM-DD");

	msg_init(&x, WELCOME, "closed_hours", "female", "it");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "template_id");
	msg_init(&x, WELCOME, "welcome_nonexistent", "female", "it");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "template_id");
	msg_init(&x, WELCOME, NULL, "female", "it");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);

	msg_init(&x, WELCOME, "welcome_short", "female", "");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "languages");
	msg_init(&x, WELCOME, "welcome_short", "female", "it,it");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "languages");
	msg_init(&x, WELCOME, "welcome_short", "female", "fr");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "languages");
	msg_init(&x, WELCOME, "welcome_short", "female", "it,en,fr");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "languages");

	msg_init(&x, WELCOME, "welcome_short", "robot", "it");
	assert_int_equal(render(&x, &t, field, why), OV_EINVAL);
	assert_string_equal(field, "voice");
}

static void test_small_buffers(void **state)
{
	const struct tpl *tp = tpl_find("closed_hours");
	char out[40], field[64], why[160], joined[16];
	struct msg x;
	struct ivr_text t;
	(void)state;

	msg_init(&x, CLOSED, "closed_hours", "female", "it");
	hours(&x, "09:00", "18:00", "monday", "friday");
	assert_int_equal(ivr_render_lang(tp, "it", x.m.values, x.m.n_values,
					 out, sizeof(out), field, sizeof(field),
					 why, sizeof(why)),
			 OV_ETOOBIG);
	assert_true(strlen(out) < sizeof(out));
	msg_init(&x, WELCOME, "welcome_short", "female", "it,en");
	assert_int_equal(render(&x, &t, field, why), OV_OK);
	/* The join says how much it needed and cuts at a segment. */
	size_t n = ivr_text_join(&t, joined, sizeof(joined));
	assert_int_equal(n, strlen("Salve! Grazie per aver chiamato.\n"
				   "Hello! Thank you for calling."));
	assert_string_equal(joined, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_hours_both_languages_in_order),
		cmocka_unit_test(test_times_at_the_edges),
		cmocka_unit_test(test_say_time_words),
		cmocka_unit_test(test_every_weekday),
		cmocka_unit_test(test_dates_at_the_edges),
		cmocka_unit_test(test_closed_holidays_seed_example),
		cmocka_unit_test(test_closed_hours_extra_day),
		cmocka_unit_test(test_every_template_renders_completely),
		cmocka_unit_test(test_welcome_and_no_answer),
		cmocka_unit_test(test_bad_messages_name_the_field),
		cmocka_unit_test(test_small_buffers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
