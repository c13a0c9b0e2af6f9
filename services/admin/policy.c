#include "policy.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PW_MIN_CHARS 8
#define PW_MAX_BYTES 128
#define PW_GEN_LEN 12

#define SPECIALS ".!?$%*-;#^"
/* The generator's alphabet: no 0 O o 1 l I. */
#define GEN_DIGITS "23456789"
#define GEN_UPPER "ABCDEFGHJKLMNPQRSTUVWXYZ"
#define GEN_LOWER "abcdefghijkmnpqrstuvwxyz"

/* Digits kept from a typed number; more is "too long" whatever it is. */
#define NUM_MAX_DIGITS 20
#define INTL_MIN_DIGITS 8
#define INTL_MAX_DIGITS 15

#define USER_MIN 3
#define USER_MAX 32
#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define DNS_LABEL_MAX 63

static enum ov_err fail(char *why, size_t why_len, const char *reason)
{
	if (why && why_len)
		snprintf(why, why_len, "%s", reason);
	return OV_EINVAL;
}

static enum ov_err pass(char *why, size_t why_len)
{
	if (why && why_len)
		why[0] = '\0';
	return OV_OK;
}

static void clear(char *out, size_t out_len)
{
	if (out && out_len)
		out[0] = '\0';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alpha(char c)
{
	return is_upper(c) || is_lower(c);
}

/* C0, DEL, C1, and what breaks or reorders a line of text: U+2028,
 * U+2029 and the bidirectional embeddings, overrides and isolates. */
static bool is_control(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Unicode White_Space. */
static bool is_space(unsigned cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
	       cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
	       cp == 0x3000;
}

/* What a scan of a string as UTF-8 text found. */
struct text {
	size_t chars;	/* code points in the valid sequences */
	bool bad;	/* an invalid sequence */
	bool control;	/* a control character */
	bool space;	/* a whitespace character */
	unsigned first; /* first and last code point (0 when none) */
	unsigned last;
};

static void text_scan(const char *s, size_t n, struct text *t)
{
	const unsigned char *p = (const unsigned char *)s;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n;) {
		size_t l = ov_utf8_seq(p + i, n - i);
		if (!l) {
			t->bad = true;
			i++;
			continue;
		}
		/* 0x7f >> l keeps the lead byte's payload bits. */
		unsigned cp = l == 1 ? p[i] : p[i] & (0x7fu >> l);
		for (size_t k = 1; k < l; k++)
			cp = (cp << 6) | (p[i + k] & 0x3fu);
		t->control = t->control || is_control(cp);
		t->space = t->space || is_space(cp);
		if (t->chars++ == 0)
			t->first = cp;
		t->last = cp;
		i += l;
	}
}

/* ---- passwords ---- */

enum ov_err admin_password_check(const char *pw, const char *old_pw, char *why,
				 size_t why_len)
{
	bool digit = false, upper = false, lower = false, special = false;
	struct text t;

	if (!pw)
		return fail(why, why_len, "is required");
	size_t len = strlen(pw);
	text_scan(pw, len, &t);
	if (t.bad)
		return fail(why, why_len, "must be valid UTF-8 text");
	if (t.chars < PW_MIN_CHARS)
		return fail(why, why_len, "must be at least 8 characters long");
	if (len > PW_MAX_BYTES)
		return fail(why, why_len, "must be at most 128 bytes long");
	for (const char *p = pw; *p; p++) {
		digit = digit || is_digit(*p);
		upper = upper || is_upper(*p);
		lower = lower || is_lower(*p);
		special = special || strchr(SPECIALS, *p) != NULL;
	}
	if (!digit)
		return fail(why, why_len, "must contain a digit");
	if (!upper)
		return fail(why, why_len, "must contain an upper-case letter");
	if (!lower)
		return fail(why, why_len, "must contain a lower-case letter");
	if (!special)
		return fail(why, why_len,
			    "must contain one of . ! ? $ % * - ; # ^");
	if (t.control)
		return fail(why, why_len,
			    "must not contain control characters");
	if (old_pw && strcmp(pw, old_pw) == 0)
		return fail(why, why_len, "must differ from the old password");
	return pass(why, why_len);
}

enum ov_err admin_password_generate(char *out, size_t out_len,
				    uint32_t (*uniform)(uint32_t upper_bound))
{
	static const char *const classes[] = {GEN_DIGITS, GEN_UPPER, GEN_LOWER,
					      SPECIALS};
	static const char all[] = GEN_DIGITS GEN_UPPER GEN_LOWER SPECIALS;
	const size_t n_classes = sizeof(classes) / sizeof(classes[0]);
	size_t i, j;

	clear(out, out_len);
	if (!out || out_len < PW_GEN_LEN + 1 || !uniform)
		return OV_EINVAL;
	/* One of each class, the rest from the whole alphabet, then a
	 * Fisher-Yates shuffle so no position betrays its class. */
	for (i = 0; i < PW_GEN_LEN; i++) {
		const char *set = i < n_classes ? classes[i] : all;
		out[i] = set[uniform((uint32_t)strlen(set))];
	}
	for (i = PW_GEN_LEN - 1; i > 0; i--) {
		j = uniform((uint32_t)i + 1);
		char c = out[i];
		out[i] = out[j];
		out[j] = c;
	}
	out[PW_GEN_LEN] = '\0';
	return OV_OK;
}

/* ---- phone numbers ---- */

/* A number as a person typed it, reduced to its digits. */
struct typed {
	char d[NUM_MAX_DIGITS + 1];
	size_t n;
	bool plus;	 /* began with '+' */
	bool group;	 /* had a pair of parentheses */
	size_t group_at; /* digits before the '(' */
	size_t group_n;	 /* digits inside the parentheses */
};

static bool typed_parse(const char *in, struct typed *t, char *why,
			size_t why_len)
{
	bool open = false;

	memset(t, 0, sizeof(*t));
	if (!in) {
		fail(why, why_len, "is required");
		return false;
	}
	for (const char *p = in; *p; p++) {
		char c = *p;
		const char *no = NULL;

		if (is_digit(c)) {
			if (t->n == NUM_MAX_DIGITS)
				no = "is too long";
			else
				t->d[t->n++] = c;
			if (open)
				t->group_n++;
		} else if (c == '+') {
			if (t->plus || t->n)
				no = "may have a + only at the start";
			t->plus = true;
		} else if (c == '(') {
			if (t->group)
				no = "may have only one pair of parentheses";
			t->group = open = true;
			t->group_at = t->n;
		} else if (c == ')') {
			if (!open)
				no = "has unbalanced parentheses";
			else if (!t->group_n)
				no = "has empty parentheses";
			open = false;
		} else if (is_alpha(c)) {
			no = "must not contain letters";
		} else if (!strchr(" .-/", c)) {
			no = "may contain only digits, spaces, dots, dashes, "
			     "slashes and parentheses";
		}
		if (no) {
			fail(why, why_len, no);
			return false;
		}
	}
	if (open) {
		fail(why, why_len, "has unbalanced parentheses");
		return false;
	}
	if (!t->n) {
		fail(why, why_len, "has no digits");
		return false;
	}
	return true;
}

static enum ov_err emit(const char *cc, const char *nsn, char *out,
			size_t out_len, char *why, size_t why_len)
{
	if (!out || !out_len)
		return fail(why, why_len, "has no room for the result");
	int w = snprintf(out, out_len, "+%s%s", cc, nsn);
	if (w < 0 || (size_t)w >= out_len) {
		out[0] = '\0';
		return fail(why, why_len, "has no room for the result");
	}
	return pass(why, why_len);
}

/* The national significant number of an Italian landline or mobile. */
static enum ov_err italian(const char *nsn, char *out, size_t out_len,
			   char *why, size_t why_len)
{
	size_t n = strlen(nsn);

	switch (nsn[0]) {
	case '\0':
		return fail(why, why_len, "has no digits after the +39");
	case '0':
		/* 00 is the international prefix, never an area code. */
		if (nsn[1] == '0')
			return fail(why, why_len,
				    "is not a valid Italian number");
		if (n < 6)
			return fail(why, why_len,
				    "is too short for an Italian landline "
				    "(6 to 11 digits)");
		if (n > 11)
			return fail(why, why_len,
				    "is too long for an Italian landline "
				    "(6 to 11 digits)");
		break;
	case '3':
		if (n < 9)
			return fail(why, why_len,
				    "is too short for an Italian mobile "
				    "(9 or 10 digits)");
		if (n > 10)
			return fail(why, why_len,
				    "is too long for an Italian mobile "
				    "(9 or 10 digits)");
		break;
	case '1':
		return fail(why, why_len,
			    "is a short or emergency number, not accepted");
	case '4':
		return fail(
			why, why_len,
			"is a premium or service number (4x), not accepted");
	case '8':
		if (nsn[1] == '0')
			return fail(
				why, why_len,
				"is a toll-free number (80x), not accepted");
		if (nsn[1] == '9')
			return fail(why, why_len,
				    "is a premium number (89x), not accepted");
		/* fall through */
	default:
		return fail(why, why_len,
			    "must be an Italian landline (starting with 0) or "
			    "mobile (starting with 3)");
	}
	return emit("39", nsn, out, out_len, why, why_len);
}

enum ov_err admin_number_e164(const char *in, char *out, size_t out_len,
			      char *why, size_t why_len)
{
	struct typed t;
	const char *nsn;

	clear(out, out_len);
	if (!typed_parse(in, &t, why, why_len))
		return OV_EINVAL;
	nsn = t.d;
	if (t.plus || strncmp(t.d, "00", 2) == 0) {
		const char *cc = t.plus ? t.d : t.d + 2;
		if (strncmp(cc, "39", 2) != 0)
			return fail(why, why_len,
				    "must be an Italian number (+39)");
		nsn = cc + 2;
	}
	return italian(nsn, out, out_len, why, why_len);
}

enum ov_err admin_forward_target(const char *in, char *out, size_t out_len,
				 char *why, size_t why_len)
{
	struct typed t;
	char d[NUM_MAX_DIGITS + 1];
	size_t at, n = 0;

	clear(out, out_len);
	if (!typed_parse(in, &t, why, why_len))
		return OV_EINVAL;
	if (t.plus)
		at = 0;
	else if (strncmp(t.d, "00", 2) == 0)
		at = 2;
	else
		return italian(t.d, out, out_len, why, why_len);
	if (strncmp(t.d + at, "39", 2) == 0)
		return italian(t.d + at + 2, out, out_len, why, why_len);
	/* "+44 (0)20 …": the (0) is dialled only inside the country. */
	bool trunk = t.group && t.group_n == 1 && t.d[t.group_at] == '0' &&
		     t.group_at > at && t.group_at <= at + 3;
	for (size_t i = at; i < t.n; i++)
		if (!(trunk && i == t.group_at))
			d[n++] = t.d[i];
	d[n] = '\0';
	if (n && d[0] == '0')
		return fail(why, why_len, "has no valid country code");
	if (strncmp(d, "979", 3) == 0)
		return fail(why, why_len,
			    "is an international premium number, not accepted");
	if (n < INTL_MIN_DIGITS)
		return fail(why, why_len,
			    "is too short for an international number "
			    "(8 to 15 digits)");
	if (n > INTL_MAX_DIGITS)
		return fail(why, why_len,
			    "is too long for an international number "
			    "(8 to 15 digits)");
	return emit("", d, out, out_len, why, why_len);
}

/* ---- usernames and extensions ---- */

enum ov_err admin_username_check(const char *u, char *why, size_t why_len)
{
	if (!u)
		return fail(why, why_len, "is required");
	size_t n = strlen(u);
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(u[i]) && !is_digit(u[i]) && !strchr("._-", u[i]))
			return fail(why, why_len,
				    "may contain only A-Z, a-z, 0-9, '.', '_' "
				    "and '-'");
	if (n < USER_MIN)
		return fail(why, why_len, "must be at least 3 characters long");
	if (n > USER_MAX)
		return fail(why, why_len, "must be at most 32 characters long");
	if (!is_alpha(u[0]))
		return fail(why, why_len, "must start with a letter");
	/* sip:main@<domain> is the main line's address (registrar). */
	if (strcasecmp(u, "main") == 0)
		return fail(why, why_len, "is reserved for the main line");
	return pass(why, why_len);
}

void admin_username_fold(const char *u, char *out, size_t out_len)
{
	size_t i = 0;

	if (!out || !out_len)
		return;
	for (; u && u[i] && i + 1 < out_len; i++)
		out[i] = is_upper(u[i]) ? (char)(u[i] - 'A' + 'a') : u[i];
	out[i] = '\0';
}

enum ov_err admin_extension_check(const char *ext, char *why, size_t why_len)
{
	if (!ext)
		return fail(why, why_len, "is required");
	if (strlen(ext) != 2 || !is_digit(ext[0]) || !is_digit(ext[1]))
		return fail(why, why_len, "must be two digits, 01 to 99");
	if (ext[0] == '0' && ext[1] == '0')
		return fail(why, why_len, "must be 01 to 99, not 00");
	return pass(why, why_len);
}

/* ---- e-mail addresses ---- */

static const char *email_domain(const char *d)
{
	const char *label = d;

	if (!*d)
		return "must have a domain after the @";
	if (!strchr(d, '.'))
		return "must have a domain like example.com";
	for (;;) {
		size_t n = strcspn(label, ".");
		if (n == 0)
			return "has a misplaced dot in the domain";
		if (n > DNS_LABEL_MAX)
			return "has a domain label longer than 63 characters";
		for (size_t i = 0; i < n; i++)
			if (!is_alpha(label[i]) && !is_digit(label[i]) &&
			    label[i] != '-')
				return "may use only A-Z, a-z, 0-9, '-' and "
				       "dots in the domain";
		if (label[0] == '-' || label[n - 1] == '-')
			return "has a domain label starting or ending with '-'";
		if (label[n] == '\0')
			break;
		label += n + 1;
	}
	/* label is now the top-level domain. */
	bool letters = strlen(label) >= 2;
	for (const char *p = label; *p; p++)
		letters = letters && is_alpha(*p);
	return letters ? NULL
		       : "must end with a top-level domain of 2 or more "
			 "letters";
}

enum ov_err admin_email_check(const char *e, char *why, size_t why_len)
{
	struct text t;

	if (!e)
		return fail(why, why_len, "is required");
	if (!*e)
		return fail(why, why_len, "must not be empty");
	if (strlen(e) > EMAIL_MAX)
		return fail(why, why_len, "must be at most 254 bytes long");
	const char *at = strchr(e, '@');
	if (!at)
		return fail(why, why_len, "must contain an @");
	if (strchr(at + 1, '@'))
		return fail(why, why_len, "must contain only one @");
	size_t local = (size_t)(at - e);
	if (local == 0)
		return fail(why, why_len, "must have a name before the @");
	if (local > EMAIL_LOCAL_MAX)
		return fail(why, why_len,
			    "must have at most 64 bytes before the @");
	text_scan(e, local, &t);
	if (t.bad)
		return fail(why, why_len, "must be valid UTF-8 text");
	if (t.control)
		return fail(why, why_len,
			    "must not contain control characters");
	if (t.space)
		return fail(why, why_len, "must not contain spaces");
	/* Legal only in quoted local parts, which nobody uses; they would
	 * need quoting in the mail's headers. */
	for (const char *p = e; p < at; p++)
		if (strchr("()<>[],;:\\\"", *p))
			return fail(why, why_len,
				    "must not contain ( ) < > [ ] , ; : \\ or "
				    "\" before the @");
	const char *no = email_domain(at + 1);
	return no ? fail(why, why_len, no) : pass(why, why_len);
}

/* ---- names ---- */

enum ov_err admin_name_check(const char *n, size_t max_chars, char *why,
			     size_t why_len)
{
	struct text t;

	if (!n)
		return fail(why, why_len, "is required");
	if (!*n)
		return fail(why, why_len, "must not be empty");
	text_scan(n, strlen(n), &t);
	if (t.bad)
		return fail(why, why_len, "must be valid UTF-8 text");
	if (t.control)
		return fail(why, why_len,
			    "must not contain control characters");
	if (is_space(t.first) || is_space(t.last))
		return fail(why, why_len, "must not start or end with a space");
	if (t.chars > max_chars) {
		if (why && why_len)
			snprintf(why, why_len,
				 "must be at most %zu characters long",
				 max_chars);
		return OV_EINVAL;
	}
	return pass(why, why_len);
}
