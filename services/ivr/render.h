/*
 * A voice message as words: its template (lib/templates.h) filled with
 * the tenant's values, once per language in the tenant's order. Times,
 * weekdays and dates become what a person would say, so that the
 * synthesiser reads them naturally:
 *
 *   it  "dalle 9 alle 18:30 da lunedì a venerdì",
 *       "dalla mezzanotte", "dall'una e 5", "dal 1º aprile 2024",
 *       "dall'8 aprile 2024 all'11 aprile 2024"
 *   en  "from 9 am to 6:30 pm, Monday to Friday", "from midnight to
 *       noon", "from 21st April 2023 to 25th April 2023"
 *
 * Pure: no I/O, no allocation. A value that is missing or malformed is
 * an error naming the field; nothing like "{open}" is ever spoken.
 */
#ifndef IVR_RENDER_H
#define IVR_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "admin.pb-c.h"
#include "err.h"
#include "templates.h"

#define IVR_LANGS_MAX 2
/* One language's text; the longest template with the longest values
 * needs about 300 bytes. */
#define IVR_SEGMENT_MAX 1024

struct ivr_segment {
	char lang[4]; /* "it", "en" */
	char text[IVR_SEGMENT_MAX];
};

/* A message as words: one segment per language, in order. */
struct ivr_text {
	struct ivr_segment seg[IVR_LANGS_MAX];
	size_t n;
	bool female; /* the voice asked for ("" means female, admin's
			default) */
};

/*
 * Renders m. Checks what the IVR relies on: a known template of m's
 * kind, one or two distinct languages of "it" and "en", voice "male",
 * "female" or "", every placeholder present and well-typed. On failure
 * returns OV_EINVAL (OV_ETOOBIG if a text does not fit) and names the
 * field ("template_id", "languages", "voice", "values.open") in field
 * and the reason in why.
 */
enum ov_err ivr_render(const Ov__Admin__VoiceMessage *m, struct ivr_text *out,
		       char *field, size_t field_len, char *why,
		       size_t why_len);

/* One language of template t with these values; same errors. */
enum ov_err ivr_render_lang(const struct tpl *t, const char *lang,
			    Ov__Admin__Value *const *values, size_t n_values,
			    char *out, size_t size, char *field,
			    size_t field_len, char *why, size_t why_len);

/* The segments joined by a newline, NUL-terminated (cut to fit);
 * returns the length it needed, like snprintf. */
size_t ivr_text_join(const struct ivr_text *t, char *out, size_t size);

/* One placeholder value in words, for lang ("it", "en"); false when the
 * value is not of the type or does not fit. Exposed for tests. */
bool ivr_say_time(const char *lang, const char *hhmm, char *out, size_t size);
bool ivr_say_weekday(const char *lang, const char *day, char *out, size_t size);
bool ivr_say_date(const char *lang, const char *ymd, char *out, size_t size);

#endif
