#include "render.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#define NAME_MAX_LEN 63

const char *notify_var_get(const struct notify_var *vars, size_t n_vars,
			   const char *name, size_t name_len)
{
	for (size_t i = 0; i < n_vars; i++)
		if (strlen(vars[i].name) == name_len &&
		    memcmp(vars[i].name, name, name_len) == 0)
			return vars[i].value;
	return NULL;
}

struct sink {
	char *out;
	size_t size;
	size_t len;
	int full;
};

static void put(struct sink *s, const char *p, size_t n)
{
	if (s->full || n >= s->size - s->len) {
		s->full = 1;
		return;
	}
	memcpy(s->out + s->len, p, n);
	s->len += n;
}

static void put_html(struct sink *s, const char *v)
{
	for (; *v; v++) {
		switch (*v) {
		case '&':
			put(s, "&amp;", 5);
			break;
		case '<':
			put(s, "&lt;", 4);
			break;
		case '>':
			put(s, "&gt;", 4);
			break;
		case '"':
			put(s, "&quot;", 6);
			break;
		case '\'':
			put(s, "&#39;", 5);
			break;
		default:
			put(s, v, 1);
		}
	}
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The length of the placeholder name at p (len bytes left after "{{")
 * when it is well formed and closed by "}}", else 0. */
static size_t placeholder(const char *p, size_t len)
{
	size_t n = 0;

	while (n < len && n <= NAME_MAX_LEN && name_char(p[n]))
		n++;
	if (n == 0 || n > NAME_MAX_LEN || n + 2 > len || p[n] != '}' ||
	    p[n + 1] != '}')
		return 0;
	return n;
}

static enum ov_err fail(char *out, struct sink *s, enum ov_err e)
{
	out[0] = '\0';
	s->len = 0;
	return e;
}

enum ov_err notify_render(const char *tmpl, size_t len,
			  const struct notify_var *vars, size_t n_vars,
			  enum notify_render_mode mode, char *out, size_t size,
			  size_t *out_len, char *why, size_t why_size)
{
	struct sink s = {out, size, 0, 0};
	size_t i = 0;

	*out_len = 0;
	if (why_size)
		why[0] = '\0';
	if (size == 0)
		return OV_ETOOBIG;
	out[0] = '\0';
	if (!g_utf8_validate_len(tmpl, len, NULL)) {
		snprintf(why, why_size, "the template is not UTF-8");
		return OV_EINVAL;
	}
	while (i < len) {
		const char *open = NULL;
		for (size_t j = i; j + 1 < len; j++)
			if (tmpl[j] == '{' && tmpl[j + 1] == '{') {
				open = tmpl + j;
				break;
			}
		if (!open) {
			put(&s, tmpl + i, len - i);
			break;
		}
		size_t at = (size_t)(open - tmpl);
		put(&s, tmpl + i, at - i);
		size_t n = placeholder(open + 2, len - at - 2);
		if (n == 0) {
			size_t show = len - at < 12 ? len - at : 12;
			snprintf(why, why_size,
				 "malformed placeholder \"%.*s\" at byte %zu",
				 (int)show, open, at);
			return fail(out, &s, OV_EINVAL);
		}
		const char *v = notify_var_get(vars, n_vars, open + 2, n);
		if (!v) {
			snprintf(why, why_size, "no value for {{%.*s}}", (int)n,
				 open + 2);
			return fail(out, &s, OV_ENOTFOUND);
		}
		if (!g_utf8_validate(v, -1, NULL)) {
			snprintf(why, why_size,
				 "the value of {{%.*s}} is not "
				 "UTF-8",
				 (int)n, open + 2);
			return fail(out, &s, OV_EINVAL);
		}
		if (mode == NOTIFY_RENDER_HTML)
			put_html(&s, v);
		else
			put(&s, v, strlen(v));
		i = at + 2 + n + 2;
	}
	if (s.full) {
		snprintf(why, why_size, "the text is over %zu bytes", size - 1);
		return fail(out, &s, OV_ETOOBIG);
	}
	out[s.len] = '\0';
	*out_len = s.len;
	return OV_OK;
}
