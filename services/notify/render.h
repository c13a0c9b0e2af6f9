/*
 * The mail template renderer: {{name}} placeholders replaced by values,
 * escaped for HTML in the HTML part. Pure: no I/O, no allocation.
 *
 * A placeholder is "{{", a name of [a-z0-9_] (1 to 63 characters), then
 * "}}". Anything else after "{{" makes the template malformed, and a
 * name with no value is an error: a mail never goes out with a hole or a
 * stray brace in it. Values are inserted once, never rescanned, and must
 * be valid UTF-8, as the template must.
 */
#ifndef NOTIFY_RENDER_H
#define NOTIFY_RENDER_H

#include <stddef.h>

#include "err.h"

enum notify_render_mode {
	NOTIFY_RENDER_TEXT, /* values as they are */
	NOTIFY_RENDER_HTML, /* values with & < > " ' escaped */
};

struct notify_var {
	const char *name;
	const char *value;
};

/*
 * Renders tmpl (len bytes) into out (size bytes, NUL-terminated) and
 * sets *out_len. Returns OV_OK; OV_ENOTFOUND for a placeholder with no
 * value; OV_EINVAL for a malformed placeholder or text that is not
 * UTF-8; OV_ETOOBIG when out is too small. On failure why says what and
 * where, and out holds "".
 */
enum ov_err notify_render(const char *tmpl, size_t len,
			  const struct notify_var *vars, size_t n_vars,
			  enum notify_render_mode mode, char *out, size_t size,
			  size_t *out_len, char *why, size_t why_size);

/* The value of name in vars (the first one), or NULL. */
const char *notify_var_get(const struct notify_var *vars, size_t n_vars,
			   const char *name, size_t name_len);

#endif
