/*
 * The catalogue of voice message templates: the seed's messages for
 * closed, welcome and no answer, in Italian and English, with typed
 * placeholders. Pure data and checks, shared by admin (drafts, apply,
 * GET /v1/message-templates) and the IVR (services/ivr/render.c), so
 * that what admin accepts is exactly what the IVR can speak.
 *
 * (services/notify has its own templates.h for mails: a file in a
 * service's directory is found before this one.)
 */
#ifndef OV_TEMPLATES_H
#define OV_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

enum tpl_kind {
	TPL_CLOSED,
	TPL_WELCOME,
	TPL_NO_ANSWER
};

enum tpl_ph_type {
	TPL_TIME,    /* "HH:MM" */
	TPL_WEEKDAY, /* "monday" … "sunday" */
	TPL_DATE,    /* "YYYY-MM-DD" */
};

struct tpl_placeholder {
	const char *name;
	enum tpl_ph_type type;
};

struct tpl {
	const char *id;
	enum tpl_kind kind;
	const char *text_it; /* {name} marks a placeholder */
	const char *text_en;
	struct tpl_placeholder ph[8];
	size_t n_ph;
};

extern const struct tpl tpl_catalogue[];
extern const size_t tpl_count;

/* "closed", "welcome", "no_answer" ↔ kind. */
bool tpl_kind_parse(const char *s, enum tpl_kind *out);
const char *tpl_kind_name(enum tpl_kind k);
const struct tpl *tpl_find(const char *id);

/* Checks one placeholder value against its type. */
bool tpl_value_ok(enum tpl_ph_type t, const char *v);
/* "monday" 0 … "sunday" 6; -1 for anything else. */
int tpl_weekday(const char *v);
/* The placeholder of t named by the n bytes at name, or NULL. */
const struct tpl_placeholder *tpl_placeholder(const struct tpl *t,
					      const char *name, size_t n);
/* Checks a values object against the template: no unknown keys, each
 * value well-typed; with `complete`, every placeholder present. On
 * failure names the key in field. */
enum ov_err tpl_values_check(const struct tpl *t, const json_t *values,
			     bool complete, char *field, size_t field_len,
			     char *why, size_t why_len);
/* The catalogue as the API shows it. */
json_t *tpl_catalogue_json(void);

#endif
