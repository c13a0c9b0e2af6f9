#include "mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>
#include <sodium.h>

#include "render.h"
#include "seal.h"
#include "templates.h"
#include "utf8.h"

#define PARAMS_MAX 24
/* UTF-8 bytes per encoded word: 52 base64 characters, so a folded
 * "Subject: =?UTF-8?B?...?=" line stays under 78 characters. */
#define WORD_BYTES 39

/* What admin puts into each kind's outbox row (services/admin: tenants.c,
 * apply.c, auth.c), and which of it is a secret. */
static const struct kind {
	const char *name;
	const char *params[6];
	const char *secret;
} kinds[] = {
	{"admin_activation",
	 {"username", "password", "number", "company_name"},
	 "password"},
	{"user_activation",
	 {"username", "password", "number", "name"},
	 "password"},
	{"password_reset",
	 {"username", "number", "name", "code", "valid_minutes"},
	 "code"},
	{"password_changed", {"username", "number", "name"}, NULL},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct kind *kind_find(const char *name)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

bool notify_kind_known(const char *kind)
{
	return kind_find(kind) != NULL;
}

const char *notify_kind_secret(const char *kind)
{
	const struct kind *k = kind_find(kind);
	return k ? k->secret : NULL;
}

/* ---- headers ---- */

static bool printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

/* Appends value to out (at *pos) as encoded words, folded. */
static enum ov_err encoded_words(const char *value, char *out, size_t size,
				 size_t *pos)
{
	const unsigned char *v = (const unsigned char *)value;
	size_t len = strlen(value), i = 0;
	bool first = true;

	while (i < len) {
		size_t n = 0;
		while (i + n < len) {
			size_t s = ov_utf8_seq(v + i + n, len - i - n);
			if (s == 0)
				return OV_EINVAL;
			if (n + s > WORD_BYTES)
				break;
			n += s;
		}
		char b64[sodium_base64_ENCODED_LEN(
			WORD_BYTES, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof(b64), v + i, n,
				  sodium_base64_VARIANT_ORIGINAL);
		int w = snprintf(out + *pos, size - *pos,
				 "%s=?UTF-8?B?%s?=", first ? " " : "\r\n ",
				 b64);
		if (w < 0 || (size_t)w >= size - *pos)
			return OV_ETOOBIG;
		*pos += (size_t)w;
		i += n;
		first = false;
	}
	return OV_OK;
}

enum ov_err notify_header_encode(const char *name, const char *value, char *out,
				 size_t size)
{
	size_t pos;
	enum ov_err e;

	out[0] = '\0';
	if (has_control(value) || !g_utf8_validate(value, -1, NULL))
		return OV_EINVAL;
	if (printable_ascii(value)) {
		int w = snprintf(out, size, "%s: %s", name, value);
		if (w < 0 || (size_t)w >= size) {
			out[0] = '\0';
			return OV_ETOOBIG;
		}
		return OV_OK;
	}
	int w = snprintf(out, size, "%s:", name);
	if (w < 0 || (size_t)w >= size)
		return OV_ETOOBIG;
	pos = (size_t)w;
	if ((e = encoded_words(value, out, size, &pos)) != OV_OK)
		out[0] = '\0';
	return e;
}

enum ov_err notify_from_header(const char *name, const char *addr, char *out,
			       size_t size)
{
	enum ov_err e = OV_OK;
	int w;

	out[0] = '\0';
	if (!notify_addr_ok(addr))
		return OV_EINVAL;
	if (!name[0]) {
		w = snprintf(out, size, "From: %s", addr);
	} else if (!printable_ascii(name)) {
		if ((e = notify_header_encode("From", name, out, size)) !=
		    OV_OK)
			return e;
		size_t pos = strlen(out);
		w = snprintf(out + pos, size - pos, " <%s>", addr);
		if (w >= 0)
			w += (int)pos;
	} else if (strpbrk(name, "()<>[]:;@\\,.\"")) {
		/* A quoted-string: escape \ and ". */
		char q[256];
		size_t j = 0;
		for (const char *p = name; *p && j + 3 < sizeof(q); p++) {
			if (*p == '\\' || *p == '"')
				q[j++] = '\\';
			q[j++] = *p;
		}
		q[j] = '\0';
		w = snprintf(out, size, "From: \"%s\" <%s>", q, addr);
	} else {
		w = snprintf(out, size, "From: %s <%s>", name, addr);
	}
	if (w < 0 || (size_t)w >= size) {
		out[0] = '\0';
		return OV_ETOOBIG;
	}
	return OV_OK;
}

void notify_date(time_t t, char *out, size_t size)
{
	static const char *const day[] = {"Sun", "Mon", "Tue", "Wed",
					  "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 day[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool domain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool notify_domain_ok(const char *d)
{
	size_t len = strlen(d);

	if (len == 0 || len > 253 || d[0] == '.' || d[0] == '-' ||
	    d[len - 1] == '.' || strstr(d, ".."))
		return false;
	for (; *d; d++)
		if (!domain_char(*d))
			return false;
	return true;
}

bool notify_addr_ok(const char *addr)
{
	const char *at = strchr(addr, '@');
	size_t len = strlen(addr);

	if (!at || at == addr || strchr(at + 1, '@') || len > 254 ||
	    (size_t)(at - addr) > 64)
		return false;
	for (const char *p = addr; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\\",;:", c))
			return false;
	}
	return notify_domain_ok(at + 1) && strchr(at + 1, '.') != NULL;
}

void notify_number_display(const char *e164, char *out, size_t size)
{
	if (strncmp(e164, "+39", 3) == 0 && e164[3])
		snprintf(out, size, "%s", e164 + 3);
	else
		snprintf(out, size, "%s", e164);
}

/* ---- parts ---- */

/* Copies src to dst with every LF as CRLF; false when it does not fit. */
static bool crlf(const char *src, size_t len, char *dst, size_t size,
		 size_t *out_len)
{
	size_t j = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\n' && (i == 0 || src[i - 1] != '\r')) {
			if (j + 2 >= size)
				return false;
			dst[j++] = '\r';
		}
		if (j + 1 >= size)
			return false;
		dst[j++] = src[i];
	}
	dst[j] = '\0';
	*out_len = j;
	return true;
}

static enum ov_err part(const struct ov_embedded_file *f, size_t skip,
			const struct notify_var *vars, size_t n,
			enum notify_render_mode mode, char *scratch, char *out,
			size_t *out_len, const char *what, char *why,
			size_t why_size)
{
	char err[128];
	size_t len;
	enum ov_err e =
		notify_render(f->data + skip, f->len - skip, vars, n, mode,
			      scratch, NOTIFY_PART_MAX, &len, err, sizeof(err));

	if (e != OV_OK) {
		snprintf(why, why_size, "%s: %s", what, err);
		return e;
	}
	if (!crlf(scratch, len, out, NOTIFY_PART_MAX, out_len)) {
		snprintf(why, why_size, "%s: over %d bytes", what,
			 NOTIFY_PART_MAX);
		return OV_ETOOBIG;
	}
	return OV_OK;
}

static enum ov_err add_header(struct notify_mail *m, enum ov_err e)
{
	if (e == OV_OK)
		m->n_headers++;
	return e;
}

static enum ov_err headers(const struct notify_brand *b,
			   const struct notify_mail_in *in,
			   struct notify_mail *m, char *why, size_t why_size)
{
	char date[64];
	enum ov_err e;

	e = add_header(m, notify_from_header(b->from_name, b->from_addr,
					     m->headers[m->n_headers],
					     NOTIFY_HEADER_LEN));
	if (e != OV_OK) {
		snprintf(why, why_size, "the sender is not usable");
		return e;
	}
	snprintf(m->headers[m->n_headers++], NOTIFY_HEADER_LEN, "To: %s",
		 in->recipient);
	e = add_header(m, notify_header_encode("Subject", m->subject,
					       m->headers[m->n_headers],
					       NOTIFY_HEADER_LEN));
	if (e != OV_OK) {
		snprintf(why, why_size, "the subject is not usable");
		return e;
	}
	notify_date(in->date, date, sizeof(date));
	snprintf(m->headers[m->n_headers++], NOTIFY_HEADER_LEN, "Date: %s",
		 date);
	snprintf(m->headers[m->n_headers++], NOTIFY_HEADER_LEN,
		 "Message-ID: %s", in->message_id);
	snprintf(m->headers[m->n_headers++], NOTIFY_HEADER_LEN,
		 "Content-Language: %s", m->language);
	/* RFC 3834: no auto-replies, no vacation notices back to us. */
	snprintf(m->headers[m->n_headers++], NOTIFY_HEADER_LEN,
		 "Auto-Submitted: auto-generated");
	return OV_OK;
}

/* The template's variables: the configured links, the fixed number as
 * people write it, then the row's parameters (strings and integers). */
/* The kind's secret, sealed to notify's key by admin, in the clear in
 * params (in memory only; the row keeps the sealed text). */
static enum ov_err open_secret(const struct notify_mail_in *in, json_t *params,
			       char *why, size_t why_size)
{
	const char *key = notify_kind_secret(in->kind);
	const char *v =
		key ? json_string_value(json_object_get(params, key)) : NULL;
	char plain[256];

	if (!ov_sealed(v))
		return OV_OK;
	if (!in->open_pk || !in->open_sk ||
	    ov_unseal(in->open_pk, in->open_sk, v, plain, sizeof(plain)) !=
		    OV_OK) {
		snprintf(why, why_size,
			 "the %s does not open with this notify's key "
			 "(OV_NOTIFY_SECRET_KEY)",
			 key);
		return OV_EINVAL;
	}
	json_object_set_new(params, key, json_string(plain));
	sodium_memzero(plain, sizeof(plain));
	return OV_OK;
}

static enum ov_err collect(const struct notify_brand *b, json_t *params,
			   struct notify_var *v, size_t *n, char *number,
			   size_t number_size, char ints[][24], char *why,
			   size_t why_size)
{
	const char *key;
	json_t *val;
	size_t k = 0, ni = 0;

	v[k++] = (struct notify_var){"service", b->service};
	v[k++] = (struct notify_var){"support_url", b->support_url};
	v[k++] = (struct notify_var){"app_url", b->app_url};
	v[k++] = (struct notify_var){"android_url", b->android_url};
	v[k++] = (struct notify_var){"ios_url", b->ios_url};
	v[k++] = (struct notify_var){"reset_url", b->reset_url};
	json_t *num = json_object_get(params, "number");
	if (json_is_string(num)) {
		notify_number_display(json_string_value(num), number,
				      number_size);
		v[k++] = (struct notify_var){"number", number};
	}
	json_object_foreach(params, key, val)
	{
		if (ni >= PARAMS_MAX) {
			snprintf(why, why_size, "more than %d parameters",
				 PARAMS_MAX);
			return OV_EINVAL;
		}
		if (json_is_string(val)) {
			v[k++] = (struct notify_var){key,
						     json_string_value(val)};
		} else if (json_is_integer(val)) {
			snprintf(ints[ni], 24, "%lld",
				 (long long)json_integer_value(val));
			v[k++] = (struct notify_var){key, ints[ni]};
		}
		ni++;
	}
	*n = k;
	return OV_OK;
}

enum ov_err notify_mail_compose(const struct notify_brand *b,
				const struct notify_mail_in *in,
				struct notify_mail *m, char *why,
				size_t why_size)
{
	struct notify_var vars[PARAMS_MAX + 8];
	char ints[PARAMS_MAX][24], number[32], name[64], err[128];
	char *scratch = NULL;
	json_t *params = NULL;
	size_t n_vars = 0, len;
	enum ov_err e = OV_EINVAL;

	memset(m, 0, sizeof(*m));
	if (why_size)
		why[0] = '\0';
	snprintf(m->language, sizeof(m->language), "%s",
		 strcmp(in->language, "en") == 0 ? "en" : "it");
	if (!notify_kind_known(in->kind)) {
		snprintf(why, why_size, "no template for kind \"%.40s\"",
			 in->kind);
		goto out;
	}
	if (!notify_addr_ok(in->recipient)) {
		snprintf(why, why_size, "the recipient address is not usable");
		goto out;
	}
	params = json_loads(in->params, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(params)) {
		snprintf(why, why_size, "the parameters are not a JSON object");
		goto out;
	}
	if ((e = open_secret(in, params, why, why_size)) != OV_OK)
		goto out;
	if ((e = collect(b, params, vars, &n_vars, number, sizeof(number), ints,
			 why, why_size)) != OV_OK)
		goto out;

	e = OV_EINTERNAL;
	snprintf(name, sizeof(name), "%s.%s.txt", in->kind, m->language);
	const struct ov_embedded_file *txt = notify_template(name);
	snprintf(name, sizeof(name), "%s.%s.html", in->kind, m->language);
	const struct ov_embedded_file *html = notify_template(name);
	if (!txt || !html) {
		snprintf(why, why_size, "template %s is missing", name);
		goto out;
	}
	/* "Subject: ...\n\n" then the text part. */
	const char *nl = memchr(txt->data, '\n', txt->len);
	size_t sub_len = nl ? (size_t)(nl - txt->data) : 0;
	if (strncmp(txt->data, "Subject: ", 9) != 0 || !nl ||
	    sub_len + 1 >= txt->len || nl[1] != '\n') {
		snprintf(why, why_size,
			 "%s.%s.txt must start with a Subject line and a "
			 "blank line",
			 in->kind, m->language);
		goto out;
	}
	e = notify_render(txt->data + 9, sub_len - 9, vars, n_vars,
			  NOTIFY_RENDER_TEXT, m->subject, sizeof(m->subject),
			  &len, err, sizeof(err));
	if (e != OV_OK) {
		snprintf(why, why_size, "subject: %s", err);
		goto out;
	}
	if (!(scratch = malloc(NOTIFY_PART_MAX))) {
		e = OV_EEXHAUSTED;
		goto out;
	}
	e = part(txt, sub_len + 2, vars, n_vars, NOTIFY_RENDER_TEXT, scratch,
		 m->text, &m->text_len, "text part", why, why_size);
	if (e == OV_OK)
		e = part(html, 0, vars, n_vars, NOTIFY_RENDER_HTML, scratch,
			 m->html, &m->html_len, "HTML part", why, why_size);
	if (e == OV_OK)
		e = headers(b, in, m, why, why_size);
out:
	if (scratch) {
		sodium_memzero(scratch, NOTIFY_PART_MAX);
		free(scratch);
	}
	json_decref(params);
	if (e != OV_OK)
		notify_mail_wipe(m);
	return e;
}

void notify_mail_wipe(struct notify_mail *m)
{
	sodium_memzero(m, sizeof(*m));
}

enum ov_err notify_templates_check(const struct notify_brand *b, char *why,
				   size_t why_size)
{
	static const char *const langs[] = {"it", "en"};
	struct notify_mail *m = malloc(sizeof(*m));
	enum ov_err e = OV_OK;

	if (!m)
		return OV_EEXHAUSTED;
	for (size_t k = 0; k < N_KINDS && e == OV_OK; k++) {
		json_t *p = json_object();
		for (size_t i = 0; i < 6 && kinds[k].params[i]; i++)
			json_object_set_new(
				p, kinds[k].params[i],
				strcmp(kinds[k].params[i], "valid_minutes")
					? json_string("+390612345678")
					: json_integer(30));
		char *ps = json_dumps(p, JSON_COMPACT);
		json_decref(p);
		for (size_t l = 0; l < 2 && e == OV_OK && ps; l++) {
			struct notify_mail_in in = {
				.kind = kinds[k].name,
				.language = langs[l],
				.recipient = "check@example.com",
				.params = ps,
				.message_id = "<outbox-0.ovunque@example.com>",
				.date = 0,
			};
			char err[200];
			e = notify_mail_compose(b, &in, m, err, sizeof(err));
			if (e != OV_OK)
				snprintf(why, why_size, "%s.%s: %s",
					 kinds[k].name, langs[l], err);
		}
		if (!ps)
			e = OV_EEXHAUSTED;
		free(ps);
	}
	notify_mail_wipe(m);
	free(m);
	return e;
}
