#include "contact.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

/* The parser's position and the first failure. */
struct cursor {
	const char *p;
	char *why;
	size_t why_len;
	bool failed;
};

static bool fail(struct cursor *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct cursor *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed && c->why_len) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->why_len, fmt, ap);
		va_end(ap);
	}
	c->failed = true;
	return false;
}

static bool is_lws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void skip_lws(struct cursor *c)
{
	while (is_lws(*c->p))
		c->p++;
}

/* RFC 3261 token: alphanum and -.!%*_+`'~ */
static bool is_token(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("-.!%*_+`'~", ch));
}

/* gen-value = token / host / quoted-string: a host adds : [ ] (IPv6). */
static bool is_value(char ch)
{
	return is_token(ch) || ch == ':' || ch == '[' || ch == ']';
}

/* A quoted-string at c->p (on the opening quote), unescaped into out
 * (NULL: only skipped). Valid UTF-8, no control characters but tab. */
static bool quoted(struct cursor *c, char *out, size_t out_size)
{
	const unsigned char *s = (const unsigned char *)c->p + 1;
	size_t n = 0;

	for (;;) {
		unsigned char ch = *s;
		if (ch == '\0')
			return fail(c, "a quoted string is not closed");
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = *++s;
			if (ch == '\0' || ch == '\r' || ch == '\n' || ch > 0x7f)
				return fail(c, "bad escape in a quoted string");
		} else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			return fail(c, "control character in a quoted string");
		}
		size_t len =
			ch < 0x80 ? 1
				  : ov_utf8_seq(s, strnlen((const char *)s, 4));
		if (len == 0)
			return fail(c, "a quoted string is not valid UTF-8");
		if (out) {
			if (n + len >= out_size)
				return fail(c, "a quoted value is too long");
			memcpy(out + n, s, len);
		}
		n += len;
		s += len;
	}
	if (out)
		out[n] = '\0';
	c->p = (const char *)s + 1;
	return true;
}

/* The URI's characters: printable ASCII but space and < > " \ . */
static bool uri_char(char ch)
{
	unsigned char u = (unsigned char)ch;
	return u > 0x20 && u < 0x7f && !strchr("<>\"\\", ch);
}

/* Checks and copies a URI of len bytes at s. */
static bool uri_take(struct cursor *c, const char *s, size_t len,
		     struct contact *out)
{
	size_t scheme;

	if (len == 0)
		return fail(c, "a contact has no URI");
	if (len >= sizeof(out->uri))
		return fail(c, "a contact URI is longer than %d bytes",
			    CONTACT_URI_MAX - 1);
	for (size_t i = 0; i < len; i++)
		if (!uri_char(s[i]))
			return fail(c,
				    "a contact URI has a forbidden character");
	if (len > 4 && strncasecmp(s, "sip:", 4) == 0)
		scheme = 4;
	else if (len > 5 && strncasecmp(s, "sips:", 5) == 0)
		scheme = 5;
	else
		return fail(c, "a contact URI must be sip: or sips:");
	/* host: after the last @ of the user part, before ; ? or end */
	size_t end = scheme;
	while (end < len && s[end] != ';' && s[end] != '?')
		end++;
	size_t host = scheme;
	for (size_t i = scheme; i < end; i++)
		if (s[i] == '@')
			host = i + 1;
	if (host >= end || s[host] == ':')
		return fail(c, "a contact URI has no host");
	memcpy(out->uri, s, len);
	out->uri[len] = '\0';
	return true;
}

/* The contact's address: name-addr or addr-spec. */
static bool address(struct cursor *c, struct contact *out)
{
	if (*c->p == '"') {
		if (!quoted(c, NULL, 0))
			return false;
		skip_lws(c);
		if (*c->p != '<')
			return fail(c,
				    "a display name must be followed by <URI>");
	} else if (*c->p != '<') {
		/* Tokens then "<" are a display name; else an addr-spec. */
		const char *q = c->p;
		while (is_token(*q) || is_lws(*q))
			q++;
		if (*q == '<' && q > c->p)
			c->p = q;
	}
	if (*c->p == '<') {
		const char *start = ++c->p;
		const char *end = strchr(start, '>');
		if (!end)
			return fail(c, "a <URI> is not closed");
		if (!uri_take(c, start, (size_t)(end - start), out))
			return false;
		c->p = end + 1;
		return true;
	}
	const char *start = c->p;
	while (*c->p && *c->p != ';' && *c->p != ',' && !is_lws(*c->p)) {
		if (!uri_char(*c->p))
			return fail(c, "unexpected character in a contact");
		c->p++;
	}
	return uri_take(c, start, (size_t)(c->p - start), out);
}

/* delta-seconds; more than 2**32-1 counts as 2**32-1. */
static bool delta_seconds(struct cursor *c, const char *v, int64_t *out)
{
	int64_t n = 0;

	if (!*v)
		return fail(c, "expires needs a value");
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return fail(c, "expires must be a number of seconds");
		n = n * 10 + (*v - '0');
		if (n > CONTACT_EXPIRES_MAX)
			n = CONTACT_EXPIRES_MAX;
	}
	*out = n;
	return true;
}

/* qvalue = ("0" ["." 0*3DIGIT]) / ("1" ["." 0*3("0")]), as thousandths. */
static bool qvalue(struct cursor *c, const char *v, int *out)
{
	int whole, frac = 0, scale = 100;

	if (v[0] != '0' && v[0] != '1')
		return fail(c, "q must be from 0 to 1");
	whole = v[0] - '0';
	v++;
	if (*v == '.') {
		v++;
		for (int i = 0; *v; i++, v++) {
			if (i == 3 || *v < '0' || *v > '9')
				return fail(c, "q must be from 0 to 1");
			frac += (*v - '0') * scale;
			scale /= 10;
		}
	}
	if (*v || (whole == 1 && frac))
		return fail(c, "q must be from 0 to 1");
	*out = whole * 1000 + frac;
	return true;
}

/* One ";name[=value]" parameter; c->p is on the ";". */
static bool param(struct cursor *c, struct contact *out)
{
	char name[64], value[CONTACT_INSTANCE_MAX];
	size_t n = 0;
	bool has_value = false;

	c->p++;
	skip_lws(c);
	while (is_token(*c->p)) {
		if (n + 1 >= sizeof(name))
			return fail(c, "a contact parameter name is too long");
		name[n++] = *c->p++;
	}
	name[n] = '\0';
	if (!n)
		return fail(c, "a ; is not followed by a parameter name");
	skip_lws(c);
	value[0] = '\0';
	if (*c->p == '=') {
		c->p++;
		skip_lws(c);
		has_value = true;
		if (*c->p == '"') {
			if (!quoted(c, value, sizeof(value)))
				return false;
		} else {
			size_t vn = 0;
			while (is_value(*c->p)) {
				if (vn + 1 >= sizeof(value))
					return fail(c, "a contact parameter "
						       "value is too long");
				value[vn++] = *c->p++;
			}
			value[vn] = '\0';
			if (!vn)
				return fail(c, "%s= has no value", name);
		}
	}
	if (strcasecmp(name, "expires") == 0) {
		if (out->expires >= 0)
			return fail(c, "expires is given twice");
		return delta_seconds(c, value, &out->expires);
	}
	if (strcasecmp(name, "q") == 0) {
		if (out->q >= 0)
			return fail(c, "q is given twice");
		return qvalue(c, value, &out->q);
	}
	if (strcasecmp(name, "+sip.instance") == 0) {
		if (!has_value || !value[0])
			return fail(c, "+sip.instance needs a value");
		if (out->instance[0])
			return fail(c, "+sip.instance is given twice");
		memcpy(out->instance, value, strlen(value) + 1);
	}
	/* Anything else (reg-id, methods, feature tags) is kept by no one. */
	return true;
}

/* "*" alone (white space around it), as a whole element. */
static bool is_star(const char *p)
{
	while (is_lws(*p))
		p++;
	if (*p != '*')
		return false;
	p++;
	while (is_lws(*p))
		p++;
	return *p == '\0' || *p == ',';
}

enum ov_err contact_parse(const char *raw, size_t max, struct contact_list *out,
			  char *why, size_t why_len)
{
	struct cursor c = {raw, why, why_len, false};

	memset(out, 0, sizeof(*out));
	if (why_len)
		why[0] = '\0';
	if (max > CONTACT_MAX)
		max = CONTACT_MAX;
	if (strlen(raw) > CONTACT_HEADER_MAX) {
		fail(&c, "the Contact header is longer than %d bytes",
		     CONTACT_HEADER_MAX);
		return OV_EINVAL;
	}
	skip_lws(&c);
	if (!*c.p) {
		fail(&c, "no contact");
		return OV_EINVAL;
	}
	for (;;) {
		if (is_star(c.p)) {
			if (out->n || strchr(c.p, ',')) {
				fail(&c, "\"*\" cannot be combined with "
					 "contacts");
				return OV_EINVAL;
			}
			out->star = true;
			return OV_OK;
		}
		if (out->n == max) {
			fail(&c, "more than %zu contacts", max);
			return OV_EINVAL;
		}
		struct contact *k = &out->c[out->n];
		k->expires = -1;
		k->q = -1;
		skip_lws(&c);
		if (!address(&c, k))
			return OV_EINVAL;
		for (skip_lws(&c); *c.p == ';'; skip_lws(&c))
			if (!param(&c, k))
				return OV_EINVAL;
		for (size_t i = 0; i < out->n; i++) {
			if (strcmp(out->c[i].uri, k->uri) == 0) {
				fail(&c, "the same contact is given twice");
				return OV_EINVAL;
			}
		}
		out->n++;
		if (!*c.p)
			return OV_OK;
		if (*c.p != ',') {
			fail(&c, "unexpected \"%c\" after a contact", *c.p);
			return OV_EINVAL;
		}
		c.p++;
		skip_lws(&c);
		if (!*c.p || *c.p == ',') {
			fail(&c, "an empty contact after \",\"");
			return OV_EINVAL;
		}
	}
}

bool contact_expiry(int64_t param, int64_t header, const struct expiry_rules *r,
		    uint32_t *out)
{
	int64_t want;

	if (param >= 0)
		want = param;
	else if (header >= 0)
		want = header;
	else
		want = r->def < r->min ? r->min : r->def;
	if (want == 0) {
		*out = 0;
		return true;
	}
	if (want < r->min)
		return false;
	*out = want > r->max ? r->max : (uint32_t)want;
	return true;
}

enum ov_err contact_prepare(struct contact_list *l, int64_t header,
			    const struct expiry_rules *r, char *why,
			    size_t why_len)
{
	if (l->star) {
		if (header != 0) {
			snprintf(why, why_len, "\"*\" needs Expires: 0");
			return OV_EINVAL;
		}
		return OV_OK;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (!contact_expiry(l->c[i].expires, header, r,
				    &l->c[i].seconds)) {
			snprintf(why, why_len,
				 "interval too brief: min_expires=%u", r->min);
			return OV_EPRECOND;
		}
	}
	return OV_OK;
}
