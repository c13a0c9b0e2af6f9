#include "policy.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PW_MIN_CHARS 8
#define PW_MAX_BYTES 128
#define PW_GEN_LEN 12

static const char specials[] = ".!?$%*-;#^";

static enum ov_err no(char *why, size_t why_len, const char *reason)
{
	snprintf(why, why_len, "%s", reason);
	return OV_EINVAL;
}

/* Code points in s, or -1 for invalid UTF-8 or a control character. */
static long utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	long n = 0;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		size_t l = ov_utf8_seq(p, left);
		if (!l)
			return -1;
		left -= l;
		/* C1 controls U+0080..U+009F */
		if (l == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			return -1;
		p += l;
		n++;
	}
	return n;
}

enum ov_err admin_password_check(const char *pw, const char *old_pw, char *why,
				 size_t why_len)
{
	bool digit = false, upper = false, lower = false, special = false;

	if (strlen(pw) > PW_MAX_BYTES)
		return no(why, why_len, "must be at most 128 bytes");
	long chars = utf8_chars(pw);
	if (chars < 0)
		return no(why, why_len,
			  "must be valid text without control characters");
	if (chars < PW_MIN_CHARS)
		return no(why, why_len, "must be at least 8 characters long");
	for (const char *p = pw; *p; p++) {
		digit = digit || (*p >= '0' && *p <= '9');
		upper = upper || (*p >= 'A' && *p <= 'Z');
		lower = lower || (*p >= 'a' && *p <= 'z');
		special = special || strchr(specials, *p) != NULL;
	}
	if (!digit)
		return no(why, why_len, "must contain a digit");
	if (!upper)
		return no(why, why_len, "must contain an upper-case letter");
	if (!lower)
		return no(why, why_len, "must contain a lower-case letter");
	if (!special)
		return no(why, why_len,
			  "must contain one of . ! ? $ % * - ; # ^");
	if (old_pw && strcmp(pw, old_pw) == 0)
		return no(why, why_len, "must differ from the old password");
	return OV_OK;
}

/* A uniform index below n from the random source, without modulo bias. */
static size_t pick(size_t n, void (*rand_bytes)(void *, size_t))
{
	unsigned char b;
	size_t limit = 256 - 256 % n;

	do
		rand_bytes(&b, 1);
	while (b >= limit);
	return b % n;
}

enum ov_err admin_password_generate(char *out, size_t out_len,
				    void (*rand_bytes)(void *buf, size_t n))
{
	/* No 0 O o 1 l I. */
	static const char *const classes[] = {
		"23456789", "ABCDEFGHJKLMNPQRSTUVWXYZ",
		"abcdefghijkmnpqrstuvwxyz", ".!?$%*-;#^"};
	static const char all[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
				  "abcdefghijkmnpqrstuvwxyz.!?$%*-;#^";

	if (out_len < PW_GEN_LEN + 1)
		return OV_EINVAL;
	/* One of each class, the rest from all, then shuffled. */
	for (size_t i = 0; i < 4; i++)
		out[i] = classes[i][pick(strlen(classes[i]), rand_bytes)];
	for (size_t i = 4; i < PW_GEN_LEN; i++)
		out[i] = all[pick(sizeof(all) - 1, rand_bytes)];
	for (size_t i = PW_GEN_LEN - 1; i > 0; i--) {
		size_t j = pick(i + 1, rand_bytes);
		char t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
	out[PW_GEN_LEN] = '\0';
	return OV_OK;
}

/* Digits of a number as typed: separators are spaces, dots, dashes and
 * one pair of parentheses; a leading + is kept as '+'. */
static bool digits_of(const char *in, char *out, size_t out_len)
{
	size_t o = 0;
	int parens = 0;

	for (const char *p = in; *p; p++) {
		if (*p == '+' && o == 0 && p == in) {
			out[o++] = '+';
		} else if (*p >= '0' && *p <= '9') {
			if (o + 1 >= out_len)
				return false;
			out[o++] = *p;
		} else if (*p == '(' && parens == 0) {
			parens = 1;
		} else if (*p == ')' && parens == 1) {
			parens = 2;
		} else if (!strchr(" .-", *p)) {
			return false;
		}
		if (o + 1 >= out_len)
			return false;
	}
	out[o] = '\0';
	return parens != 1 && o > 0;
}

/* National significant number of an Italian landline or mobile. */
static enum ov_err italian(const char *nsn, char *out, size_t out_len,
			   char *why, size_t why_len)
{
	size_t n = strlen(nsn);

	if (nsn[0] == '0') {
		if (n < 6 || n > 11)
			return no(why, why_len,
				  "is not an Italian landline number "
				  "(6 to 11 digits from 0)");
	} else if (nsn[0] == '3') {
		if (n < 9 || n > 10)
			return no(why, why_len,
				  "is not an Italian mobile number "
				  "(9 or 10 digits from 3)");
	} else {
		return no(why, why_len,
			  "must be an Italian landline (0…) or mobile (3…) "
			  "number");
	}
	if ((size_t)snprintf(out, out_len, "+39%s", nsn) >= out_len)
		return no(why, why_len, "is too long");
	return OV_OK;
}

enum ov_err admin_number_e164(const char *in, char *out, size_t out_len,
			      char *why, size_t why_len)
{
	char d[40];

	if (!in || !digits_of(in, d, sizeof(d)))
		return no(why, why_len,
			  "must be a phone number (digits, spaces, dots, "
			  "dashes)");
	const char *nsn = d;
	if (strncmp(d, "+39", 3) == 0)
		nsn = d + 3;
	else if (strncmp(d, "0039", 4) == 0)
		nsn = d + 4;
	else if (d[0] == '+' || strncmp(d, "00", 2) == 0)
		return no(why, why_len, "must be an Italian number");
	return italian(nsn, out, out_len, why, why_len);
}

enum ov_err admin_forward_target(const char *in, char *out, size_t out_len,
				 char *why, size_t why_len)
{
	char d[40];

	if (!in || !digits_of(in, d, sizeof(d)))
		return no(why, why_len,
			  "must be a phone number (digits, spaces, dots, "
			  "dashes)");
	const char *intl = NULL;
	if (d[0] == '+')
		intl = d + 1;
	else if (strncmp(d, "00", 2) == 0)
		intl = d + 2;
	if (!intl)
		return italian(d, out, out_len, why, why_len);
	if (strncmp(intl, "39", 2) == 0)
		return italian(intl + 2, out, out_len, why, why_len);
	size_t n = strlen(intl);
	if (n < 8 || n > 15 || intl[0] == '0')
		return no(why, why_len,
			  "is not an international number (8 to 15 digits "
			  "after the country code's +)");
	if ((size_t)snprintf(out, out_len, "+%s", intl) >= out_len)
		return no(why, why_len, "is too long");
	return OV_OK;
}

enum ov_err admin_username_check(const char *u, char *why, size_t why_len)
{
	size_t n = strlen(u);

	if (n < 3 || n > 32)
		return no(why, why_len, "must be 3 to 32 characters long");
	if (!((u[0] >= 'A' && u[0] <= 'Z') || (u[0] >= 'a' && u[0] <= 'z')))
		return no(why, why_len, "must start with a letter");
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return no(why, why_len,
				  "may hold only letters, digits, . _ and -");
	}
	return OV_OK;
}

void admin_username_fold(const char *u, char *out, size_t out_len)
{
	size_t i = 0;

	for (; u[i] && i + 1 < out_len; i++)
		out[i] =
			(u[i] >= 'A' && u[i] <= 'Z') ? (char)(u[i] + 32) : u[i];
	if (out_len)
		out[i] = '\0';
}

enum ov_err admin_extension_check(const char *ext, char *why, size_t why_len)
{
	if (strlen(ext) != 2 || ext[0] < '0' || ext[0] > '9' || ext[1] < '0' ||
	    ext[1] > '9' || strcmp(ext, "00") == 0)
		return no(why, why_len, "must be two digits, 01 to 99");
	return OV_OK;
}

static bool label_ok(const char *l, size_t n)
{
	if (n == 0 || n > 63 || l[0] == '-' || l[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((l[i] >= 'a' && l[i] <= 'z') ||
		      (l[i] >= 'A' && l[i] <= 'Z') ||
		      (l[i] >= '0' && l[i] <= '9') || l[i] == '-'))
			return false;
	return true;
}

enum ov_err admin_email_check(const char *e, char *why, size_t why_len)
{
	const char *at = strchr(e, '@');

	if (strlen(e) > 254 || !at || strchr(at + 1, '@'))
		return no(why, why_len,
			  "must be an address like name@example.com");
	size_t local = (size_t)(at - e);
	if (local == 0 || local > 64)
		return no(why, why_len, "must have a name before the @");
	for (const char *p = e; p < at; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return no(why, why_len,
				  "must not contain spaces or control "
				  "characters");
	const char *d = at + 1, *last = NULL;
	size_t labels = 0;
	while (*d) {
		size_t n = strcspn(d, ".");
		if (!label_ok(d, n))
			return no(why, why_len, "has an invalid domain");
		last = d;
		labels++;
		d += n;
		if (*d == '.' && *++d == '\0')
			return no(why, why_len, "has an invalid domain");
	}
	if (labels < 2 || strlen(last) < 2)
		return no(why, why_len, "must have a domain like example.com");
	for (const char *p = last; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return no(why, why_len, "has an invalid domain");
	return OV_OK;
}

enum ov_err admin_name_check(const char *n, size_t max_chars, char *why,
			     size_t why_len)
{
	size_t len = strlen(n);

	if (len == 0)
		return no(why, why_len, "must not be empty");
	if (n[0] == ' ' || n[len - 1] == ' ')
		return no(why, why_len, "must not start or end with a space");
	long chars = utf8_chars(n);
	if (chars < 0)
		return no(why, why_len,
			  "must be valid text without control characters");
	if ((size_t)chars > max_chars) {
		snprintf(why, why_len, "must be at most %zu characters",
			 max_chars);
		return OV_EINVAL;
	}
	return OV_OK;
}
