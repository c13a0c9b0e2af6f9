#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "policy.h"

static char why[160];

/* Callers give why 96 bytes and more; a refusal must say something and
 * fit, a success must leave no stale reason behind. */
static void check_why(enum ov_err got, const char *reason, const char *file,
		      int line)
{
	if (got == OV_OK) {
		_assert_string_equal(why, "", file, line);
		return;
	}
	_assert_true(strlen(why) > 0 && strlen(why) < 96, "reason fits 96",
		     file, line);
	if (reason)
		_assert_string_equal(why, reason, file, line);
}

static void stale_why(void)
{
	memset(why, 'x', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
}

/* ---- passwords ---- */

static void pw_at(const char *p, const char *old, enum ov_err want,
		  const char *reason, const char *file, int line)
{
	stale_why();
	enum ov_err got = admin_password_check(p, old, why, sizeof(why));
	if (got != want)
		print_error("password \"%s\": \"%s\"\n", p ? p : "(null)", why);
	_assert_int_equal(got, want, file, line);
	check_why(got, reason, file, line);
}

#define PW_OK(p) pw_at(p, NULL, OV_OK, NULL, __FILE__, __LINE__)
#define PW_BAD(p, r) pw_at(p, NULL, OV_EINVAL, r, __FILE__, __LINE__)

#define R_SHORT "must be at least 8 characters long"
#define R_LONG "must be at most 128 bytes long"
#define R_DIGIT "must contain a digit"
#define R_UPPER "must contain an upper-case letter"
#define R_LOWER "must contain a lower-case letter"
#define R_SPECIAL "must contain one of . ! ? $ % * - ; # ^"
#define R_CONTROL "must not contain control characters"
#define R_UTF8 "must be valid UTF-8 text"
#define R_OLD "must differ from the old password"

static void password_length(void **state)
{
	char p[200];
	(void)state;

	PW_OK("Password1!");
	PW_OK("Pa.w1xyz");	    /* 8 */
	PW_BAD("Pa.w1xy", R_SHORT); /* 7 */
	PW_BAD("", R_SHORT);
	PW_BAD("P1.a", R_SHORT);
	/* Code points, not bytes: è is two bytes, 😀 four. */
	PW_BAD("Pè.w1xy", R_SHORT); /* 7 characters, 8 bytes */
	PW_OK("Pè.w1xyz");
	PW_BAD("Aa1.😀😀😀", R_SHORT); /* 7 characters, 16 bytes */
	PW_OK("Aa1.😀😀😀😀");
	PW_OK("Aa1.€€€€"); /* three-byte characters */

	/* 128 bytes is the most, whatever the characters. */
	memset(p, 'a', 128);
	memcpy(p, "Aa1.", 4);
	p[128] = '\0';
	PW_OK(p);
	p[128] = 'a';
	p[129] = '\0';
	PW_BAD(p, R_LONG);
	/* 66 characters in 128 bytes pass; one more byte does not. */
	size_t o = 0;
	o += (size_t)snprintf(p + o, sizeof(p) - o, "Aa1.");
	for (int i = 0; i < 62; i++)
		o += (size_t)snprintf(p + o, sizeof(p) - o, "è");
	PW_OK(p);
	snprintf(p + o, sizeof(p) - o, "x");
	PW_BAD(p, R_LONG);
}

static void password_classes(void **state)
{
	char p[32];
	(void)state;

	PW_BAD("Password!", R_DIGIT);
	PW_BAD("password1!", R_UPPER);
	PW_BAD("PASSWORD1!", R_LOWER);
	PW_BAD("Password12", R_SPECIAL);
	PW_BAD("Password 12", R_SPECIAL); /* a space is not special */
	/* Each special character is enough on its own. */
	for (const char *s = ".!?$%*-;#^"; *s; s++) {
		snprintf(p, sizeof(p), "Passw0rd%c", *s);
		PW_OK(p);
		snprintf(p, sizeof(p), "%cPassw0rd", *s);
		PW_OK(p);
	}
	/* Every other printable ASCII punctuation is not. */
	for (int c = 0x20; c < 0x7f; c++) {
		if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || strchr(".!?$%*-;#^", c))
			continue;
		snprintf(p, sizeof(p), "Passw0rd%c", c);
		PW_BAD(p, R_SPECIAL);
	}
	/* Only ASCII counts for each class. */
	PW_BAD("Passwor٣!", R_DIGIT);	/* Arabic-Indic three */
	PW_BAD("Passwor３!", R_DIGIT);	/* full-width three */
	PW_BAD("Èpassword1!", R_UPPER); /* È is upper-case, not ASCII */
	PW_BAD("èPASSWORD1!", R_LOWER);
	PW_BAD("Password1¡", R_SPECIAL);
	PW_BAD("Password1。", R_SPECIAL); /* ideographic full stop */
	PW_OK("Pàssword1!");		  /* accents are fine besides */
}

static void password_text(void **state)
{
	char p[32];
	(void)state;

	/* Every C0 control, DEL and every C1 control. */
	for (int c = 1; c < 0x20; c++) {
		snprintf(p, sizeof(p), "Passw0rd!%c", c);
		PW_BAD(p, R_CONTROL);
	}
	PW_BAD("Passw0rd!\x7f", R_CONTROL);
	for (int c = 0x80; c < 0xa0; c++) {
		snprintf(p, sizeof(p), "Passw0rd!\xc2%c", c);
		PW_BAD(p, R_CONTROL);
	}
	PW_OK("Passw0rd!\xc2\xa0");		    /* U+00A0, just past C1 */
	PW_BAD("Passw0rd!\xe2\x80\xa8", R_CONTROL); /* line separator */
	PW_BAD("Passw0rd!\xe2\x80\xae", R_CONTROL); /* right-to-left override */
	PW_BAD("Pass\tword1!", R_CONTROL);

	PW_BAD("Passw0rd!\xff", R_UTF8);
	PW_BAD("Passw0rd!\xc0\xae", R_UTF8);	     /* overlong '.' */
	PW_BAD("Passw0rd!\xe0\x80\xae", R_UTF8);     /* overlong, 3 bytes */
	PW_BAD("Passw0rd!\xed\xa0\x80", R_UTF8);     /* surrogate */
	PW_BAD("Passw0rd!\xf4\x90\x80\x80", R_UTF8); /* past U+10FFFF */
	PW_BAD("Passw0rd!\xc3", R_UTF8);	     /* cut short */
	PW_BAD("Passw0rd!\x80", R_UTF8);	     /* lone continuation */
}

static void password_old(void **state)
{
	(void)state;

	pw_at("Password1!", "Password1!", OV_EINVAL, R_OLD, __FILE__, __LINE__);
	pw_at("Password1!", "Password2!", OV_OK, NULL, __FILE__, __LINE__);
	pw_at("Password1!", "password1!", OV_OK, NULL, __FILE__, __LINE__);
	pw_at("Password1!", "Password1", OV_OK, NULL, __FILE__, __LINE__);
	pw_at("Password1!", "Password1!!", OV_OK, NULL, __FILE__, __LINE__);
	pw_at("Password1!", "", OV_OK, NULL, __FILE__, __LINE__);
	/* A new password that breaks the policy is told so first. */
	pw_at("password", "password", OV_EINVAL, R_DIGIT, __FILE__, __LINE__);
}

static void password_first_unmet_rule(void **state)
{
	(void)state;

	PW_BAD("pass", R_SHORT);	    /* short, no digit/upper/special */
	PW_BAD("password", R_DIGIT);	    /* no digit, upper, special */
	PW_BAD("password1", R_UPPER);	    /* no upper, special */
	PW_BAD("PASSWORD1", R_LOWER);	    /* no lower, special */
	PW_BAD("pass\tword", R_DIGIT);	    /* classes before controls */
	PW_BAD("P1.\xff", R_UTF8);	    /* invalid before short */
	PW_BAD("Pass\tword1!\xff", R_UTF8); /* invalid before control */
	PW_BAD("\x01\x02\x03\x04\x05\x06\x07", R_SHORT);
}

static void password_arguments(void **state)
{
	char small[5];
	(void)state;

	PW_BAD(NULL, "is required");
	/* No place for a reason is fine. */
	assert_int_equal(admin_password_check("x", NULL, NULL, 0), OV_EINVAL);
	assert_int_equal(admin_password_check("Password1!", NULL, NULL, 0),
			 OV_OK);
	/* A short buffer gets a terminated prefix. */
	assert_int_equal(admin_password_check("x", NULL, small, sizeof(small)),
			 OV_EINVAL);
	assert_string_equal(small, "must");
	small[0] = 'z';
	assert_int_equal(admin_password_check("x", NULL, small, 0), OV_EINVAL);
	assert_int_equal(small[0], 'z');
}

/* ---- generated passwords ---- */

static uint64_t rng;

/* splitmix64: deterministic for a given rng. */
static uint64_t splitmix(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static const char *seeded_name(void)
{
	return "splitmix64";
}

static uint32_t seeded_random(void)
{
	return (uint32_t)(splitmix() >> 32);
}

static void seeded_buf(void *const buf, const size_t n)
{
	unsigned char *b = buf;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(splitmix() >> 56);
}

/*
 * libsodium drawing from splitmix64: the passwords below are made by
 * the real randombytes_uniform (no .uniform here, so libsodium's own
 * rejection sampling runs on .random), and a seed makes them repeatable.
 */
static randombytes_implementation seeded = {
	.implementation_name = seeded_name,
	.random = seeded_random,
	.buf = seeded_buf,
};

static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
			       "abcdefghijkmnpqrstuvwxyz.!?$%*-;#^";

#define SEEDS 1000
static char made[SEEDS][ADMIN_PASSWORD_GEN_MIN];

static int cmp_pw(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void generated_pass_the_policy(void **state)
{
	(void)state;

	for (int s = 0; s < SEEDS; s++) {
		rng = (uint64_t)s;
		assert_int_equal(admin_password_generate(made[s],
							 sizeof(made[s]),
							 randombytes_uniform),
				 OV_OK);
		assert_int_equal(strlen(made[s]), 12);
		pw_at(made[s], NULL, OV_OK, NULL, __FILE__, __LINE__);
		assert_null(strpbrk(made[s], "0Oo1lI"));
		assert_int_equal(strspn(made[s], alphabet), 12);
	}
	/* Different seeds, different passwords. */
	qsort(made, SEEDS, sizeof(made[0]), cmp_pw);
	for (int s = 1; s < SEEDS; s++)
		assert_string_not_equal(made[s - 1], made[s]);
}

static void generated_is_deterministic_in_its_source(void **state)
{
	char a[13], b[13];
	(void)state;

	rng = 42;
	assert_int_equal(
		admin_password_generate(a, sizeof(a), randombytes_uniform),
		OV_OK);
	rng = 42;
	assert_int_equal(
		admin_password_generate(b, sizeof(b), randombytes_uniform),
		OV_OK);
	assert_string_equal(a, b);
}

/* No position gives away a class: the first character is sometimes a
 * digit, sometimes an upper-case or lower-case letter or a special. */
static void generated_is_shuffled(void **state)
{
	char p[13];
	int seen[4] = {0};
	(void)state;

	for (int s = 0; s < SEEDS; s++) {
		rng = (uint64_t)s * 7919;
		assert_int_equal(admin_password_generate(p, sizeof(p),
							 randombytes_uniform),
				 OV_OK);
		seen[strchr("23456789", p[0])	  ? 0
		     : p[0] >= 'A' && p[0] <= 'Z' ? 1
		     : p[0] >= 'a' && p[0] <= 'z' ? 2
						  : 3]++;
	}
	for (int k = 0; k < 4; k++)
		assert_true(seen[k] > 0);
}

/* Every character of its class equally likely. A generator that drew
 * "byte % n" (the bug rejection sampling exists to avoid) makes some
 * characters a third more frequent than others, which this chi-square
 * (65 degrees of freedom, ~4000 under such bias) sees at once. */
static void generated_is_uniform(void **state)
{
	enum {
		N = 50000
	};
	static const char *const classes[] = {
		"23456789", "ABCDEFGHJKLMNPQRSTUVWXYZ",
		"abcdefghijkmnpqrstuvwxyz", ".!?$%*-;#^"};
	long count[256] = {0};
	char p[13];
	(void)state;

	rng = 7;
	for (int i = 0; i < N; i++) {
		assert_int_equal(admin_password_generate(p, sizeof(p),
							 randombytes_uniform),
				 OV_OK);
		for (int k = 0; k < 12; k++)
			count[(unsigned char)p[k]]++;
	}
	double chi2 = 0;
	for (int k = 0; k < 4; k++) {
		size_t size = strlen(classes[k]);
		for (size_t i = 0; i < size; i++) {
			/* One pick from its class, 8 from all 66. */
			double want = N * (1.0 / (double)size + 8.0 / 66.0);
			double d = (double)count[(unsigned char)classes[k][i]] -
				   want;
			chi2 += d * d / want;
		}
	}
	if (chi2 >= 120)
		print_error("chi2 %.1f\n", chi2);
	assert_true(chi2 < 120);
}

static void generate_arguments(void **state)
{
	char p[64];
	(void)state;

	memset(p, 'x', sizeof(p));
	assert_int_equal(admin_password_generate(p, 12, randombytes_uniform),
			 OV_EINVAL);
	assert_int_equal(p[0], '\0');
	assert_int_equal(admin_password_generate(p, 0, randombytes_uniform),
			 OV_EINVAL);
	assert_int_equal(admin_password_generate(NULL, 13, randombytes_uniform),
			 OV_EINVAL);
	assert_int_equal(admin_password_generate(p, sizeof(p), NULL),
			 OV_EINVAL);
	assert_int_equal(admin_password_generate(p, 13, randombytes_uniform),
			 OV_OK);
	assert_int_equal(strlen(p), 12);
	memset(p, 'x', sizeof(p));
	assert_int_equal(
		admin_password_generate(p, sizeof(p), randombytes_uniform),
		OV_OK);
	assert_int_equal(strlen(p), 12);
}

/* ---- numbers ---- */

typedef enum ov_err (*number_fn)(const char *, char *, size_t, char *, size_t);

static void num_at(number_fn f, const char *in, const char *want,
		   const char *reason, const char *file, int line)
{
	char out[ADMIN_E164_MAX];

	memset(out, 'x', sizeof(out));
	stale_why();
	enum ov_err got = f(in, out, sizeof(out), why, sizeof(why));
	if (got != (want ? OV_OK : OV_EINVAL))
		print_error("number \"%s\": \"%s\"\n", in ? in : "(null)", why);
	_assert_int_equal(got, want ? OV_OK : OV_EINVAL, file, line);
	_assert_string_equal(out, want ? want : "", file, line);
	check_why(got, reason, file, line);
}

#define NUM_OK(in, e) num_at(admin_number_e164, in, e, NULL, __FILE__, __LINE__)
#define NUM_BAD(in, r)                                                         \
	num_at(admin_number_e164, in, NULL, r, __FILE__, __LINE__)
#define FWD_OK(in, e)                                                          \
	num_at(admin_forward_target, in, e, NULL, __FILE__, __LINE__)
#define FWD_BAD(in, r)                                                         \
	num_at(admin_forward_target, in, NULL, r, __FILE__, __LINE__)

#define R_LAND_SHORT "is too short for an Italian landline (6 to 11 digits)"
#define R_LAND_LONG "is too long for an Italian landline (6 to 11 digits)"
#define R_MOB_SHORT "is too short for an Italian mobile (9 or 10 digits)"
#define R_MOB_LONG "is too long for an Italian mobile (9 or 10 digits)"
#define R_TOLLFREE "is a toll-free number (80x), not accepted"
#define R_PREMIUM "is a premium number (89x), not accepted"
#define R_SERVICE "is a premium or service number (4x), not accepted"
#define R_SHORTNUM "is a short or emergency number, not accepted"
#define R_NOT_IT                                                               \
	"must be an Italian landline (starting with 0) or mobile (starting "   \
	"with 3)"
#define R_FOREIGN "must be an Italian number (+39)"
#define R_LETTERS "must not contain letters"
#define R_CHARS                                                                \
	"may contain only digits, spaces, dots, dashes, slashes and "          \
	"parentheses"
#define R_PARENS "has unbalanced parentheses"

static void numbers_accepted(void **state)
{
	(void)state;

	NUM_OK("06 1234 5678", "+390612345678");
	NUM_OK("+39 333 123 4567", "+393331234567");
	NUM_OK("0039 02-1234567", "+39021234567");
	NUM_OK("(06) 123456", "+3906123456");
	NUM_OK("06.123.456", "+3906123456");
	NUM_OK("06/12345678", "+390612345678");
	NUM_OK("+39-06-1234-5678", "+390612345678");
	NUM_OK("(+39) 06 1234 5678", "+390612345678");
	NUM_OK("+39 (06) 1234 5678", "+390612345678");
	NUM_OK("+39 (0)6 1234 5678", "+390612345678"); /* Italy keeps its 0 */
	NUM_OK("  06 1234 5678  ", "+390612345678");
	NUM_OK("0612345678", "+390612345678");
	/* Landlines: 6 to 11 digits with the 0. */
	NUM_OK("061234", "+39061234");
	NUM_OK("06123456789", "+3906123456789");
	NUM_OK("+39 0471 123456", "+390471123456");
	/* Mobiles: 9 or 10 digits with the 3. */
	NUM_OK("333123456", "+39333123456");
	NUM_OK("3331234567", "+393331234567");
	NUM_OK("0039 347 1234567", "+393471234567");
	NUM_OK("+393901234567", "+393901234567"); /* 390: a mobile range */
}

static void numbers_refused(void **state)
{
	(void)state;

	NUM_BAD("06123", R_LAND_SHORT);
	NUM_BAD("+39 06123", R_LAND_SHORT);
	NUM_BAD("061234567890", R_LAND_LONG);
	NUM_BAD("33312345", R_MOB_SHORT);
	NUM_BAD("33312345678", R_MOB_LONG);
	NUM_BAD("800123456", R_TOLLFREE);
	NUM_BAD("803 123", R_TOLLFREE);
	NUM_BAD("+39 800 123456", R_TOLLFREE);
	NUM_BAD("899123456", R_PREMIUM);
	NUM_BAD("892 892", R_PREMIUM);
	NUM_BAD("4123456", R_SERVICE);
	NUM_BAD("112", R_SHORTNUM);
	NUM_BAD("113", R_SHORTNUM);
	NUM_BAD("118", R_SHORTNUM);
	NUM_BAD("1500", R_SHORTNUM);
	NUM_BAD("+39 112", R_SHORTNUM);
	NUM_BAD("848 123 456", R_NOT_IT); /* shared cost */
	NUM_BAD("840123456", R_NOT_IT);
	NUM_BAD("5512345678", R_NOT_IT); /* nomadic VoIP */
	NUM_BAD("70123456", R_NOT_IT);
	NUM_BAD("2123456789", R_NOT_IT);
	NUM_BAD("9123456789", R_NOT_IT);
	NUM_BAD("+39 00 1234567", "is not a valid Italian number");
	NUM_BAD("+39", "has no digits after the +39");
	NUM_BAD("0039", "has no digits after the +39");
	NUM_BAD("+44 20 7946 0958", R_FOREIGN);
	NUM_BAD("0044 20 7946 0958", R_FOREIGN);
	NUM_BAD("+3", R_FOREIGN);
	NUM_BAD("+0039 06 1234567", R_FOREIGN);
	NUM_BAD("06 CALL ME", R_LETTERS);
	NUM_BAD("O6 1234 5678", R_LETTERS); /* letter O for zero */
	NUM_BAD("06_12345678", R_CHARS);
	NUM_BAD("06,12345678", R_CHARS);
	NUM_BAD("06\t12345678", R_CHARS);
	NUM_BAD("06\xc2\xa0"
		"12345678",
		R_CHARS);		     /* no-break space */
	NUM_BAD("06 ５６７８９０", R_CHARS); /* full-width digits */
	NUM_BAD("((06) 123456", "may have only one pair of parentheses");
	NUM_BAD("(06)(123456)", "may have only one pair of parentheses");
	NUM_BAD("(06 123456", R_PARENS);
	NUM_BAD("06) 123456", R_PARENS);
	NUM_BAD("() 06123456", "has empty parentheses");
	NUM_BAD("06+12345678", "may have a + only at the start");
	NUM_BAD("++39 06 12345678", "may have a + only at the start");
	NUM_BAD("", "has no digits");
	NUM_BAD("  - . ", "has no digits");
	NUM_BAD("+", "has no digits");
	NUM_BAD("+39 06 1234 5678 9012 3456 78", "is too long");
	NUM_BAD(NULL, "is required");
}

static void number_out_buffer(void **state)
{
	char out[16];
	(void)state;

	/* "+390612345678" is 13 characters: 14 bytes fit, 13 do not. */
	assert_int_equal(
		admin_number_e164("0612345678", out, 14, why, sizeof(why)),
		OV_OK);
	assert_string_equal(out, "+390612345678");
	memset(out, 'x', sizeof(out));
	assert_int_equal(
		admin_number_e164("0612345678", out, 13, why, sizeof(why)),
		OV_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(
		admin_number_e164("0612345678", NULL, 0, why, sizeof(why)),
		OV_EINVAL);
	assert_int_equal(admin_forward_target("+442079460958", out, 13, why,
					      sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(out, "");
	/* The longest number there is fits ADMIN_E164_MAX. */
	FWD_OK("+491234567890123", "+491234567890123");
	NUM_OK("06123456789", "+3906123456789");
}

static void forward_targets_accepted(void **state)
{
	(void)state;

	FWD_OK("+44 20 7946 0958", "+442079460958");
	FWD_OK("00 49 30 1234567", "+49301234567");
	FWD_OK("+44 (0)20 7946 0958", "+442079460958"); /* trunk 0 dropped */
	FWD_OK("0044 (0) 20 7946 0958", "+442079460958");
	FWD_OK("+353 (0)1 234 5678", "+35312345678");
	FWD_OK("+1 (212) 555-0123", "+12125550123");
	FWD_OK("+33 1 23 45 67 89", "+33123456789");
	FWD_OK("+41.44.123.45.67", "+41441234567");
	/* 8 to 15 digits in all. */
	FWD_OK("+376 12345", "+37612345");
	FWD_OK("+49 1234 5678 90123", "+491234567890123");
	/* Italian numbers follow the Italian rules, in every form. */
	FWD_OK("335 123 4567", "+393351234567");
	FWD_OK("06 1234 5678", "+390612345678");
	FWD_OK("+39 06 1234 5678", "+390612345678");
	FWD_OK("0039 333 1234567", "+393331234567");
	FWD_OK("+39 (0)6 1234 5678", "+390612345678");
}

static void forward_targets_refused(void **state)
{
	(void)state;

	FWD_BAD("+39 892 123456", R_PREMIUM);
	FWD_BAD("+39 899 123456", R_PREMIUM);
	FWD_BAD("0039 89 20 20", R_PREMIUM);
	FWD_BAD("899123456", R_PREMIUM);
	FWD_BAD("+39 41 23456", R_SERVICE);
	FWD_BAD("4 1234567", R_SERVICE);
	FWD_BAD("+39 800 123456", R_TOLLFREE);
	FWD_BAD("113", R_SHORTNUM);
	FWD_BAD("112", R_SHORTNUM);
	FWD_BAD("+39 112", R_SHORTNUM);
	FWD_BAD("0039 118", R_SHORTNUM);
	FWD_BAD("06123", R_LAND_SHORT);
	FWD_BAD("+39 333 12345", R_MOB_SHORT);
	FWD_BAD("+1234", "is too short for an international number "
			 "(8 to 15 digits)");
	FWD_BAD("+376 1234", "is too short for an international number "
			     "(8 to 15 digits)");
	FWD_BAD("0049", "is too short for an international number "
			"(8 to 15 digits)");
	FWD_BAD("+49 1234 5678 901234", "is too long for an international "
					"number (8 to 15 digits)");
	FWD_BAD("+0 123 456 789", "has no valid country code");
	FWD_BAD("000 123 456 789", "has no valid country code");
	FWD_BAD("+979 123 456 789",
		"is an international premium number, not accepted");
	FWD_BAD("+44 20 CALL NOW", R_LETTERS);
	FWD_BAD("tel:+442079460958", R_LETTERS);
	FWD_BAD("+44 20 7946 0958 ext 12", R_LETTERS);
	FWD_BAD("+44#2079460958", R_CHARS);
	FWD_BAD("*31#3331234567", R_CHARS);
	FWD_BAD("", "has no digits");
	FWD_BAD(NULL, "is required");
}

/* ---- usernames and extensions ---- */

static void user_at(const char *u, const char *reason, const char *file,
		    int line)
{
	stale_why();
	enum ov_err got = admin_username_check(u, why, sizeof(why));
	_assert_int_equal(got, reason ? OV_EINVAL : OV_OK, file, line);
	check_why(got, reason, file, line);
}

#define USER_OK(u) user_at(u, NULL, __FILE__, __LINE__)
#define USER_BAD(u, r) user_at(u, r, __FILE__, __LINE__)
#define R_UCHARS "may contain only A-Z, a-z, 0-9, '.', '_' and '-'"

static void usernames(void **state)
{
	char u[40];
	(void)state;

	USER_OK("Utente1");
	USER_OK("Stefano");
	USER_OK("Amministratore");
	USER_OK("mario.rossi");
	USER_OK("a.b-c_d");
	USER_OK("abc");
	USER_OK("Z__");
	USER_OK("z99");
	memset(u, 'a', 32);
	u[32] = '\0';
	USER_OK(u);
	u[32] = 'a';
	u[33] = '\0';
	USER_BAD(u, "must be at most 32 characters long");
	USER_BAD("ab", "must be at least 3 characters long");
	USER_BAD("a", "must be at least 3 characters long");
	USER_BAD("", "must be at least 3 characters long");
	USER_BAD("1abc", "must start with a letter");
	USER_BAD(".abc", "must start with a letter");
	USER_BAD("_abc", "must start with a letter");
	USER_BAD("-abc", "must start with a letter");
	USER_BAD("ab cd", R_UCHARS);
	USER_BAD("Niccolò", R_UCHARS);
	USER_BAD("mario@rossi", R_UCHARS);
	USER_BAD("mario+1", R_UCHARS);
	USER_BAD("mario\n", R_UCHARS);
	USER_BAD("Èva", R_UCHARS);
	USER_BAD(NULL, "is required");
	/* The main line's SIP address is sip:main@<domain>. */
	USER_BAD("main", "is reserved for the main line");
	USER_BAD("Main", "is reserved for the main line");
	USER_OK("mainline");
	USER_OK("mai");
	/* Every byte outside the set is refused in any position. */
	for (int c = 1; c < 256; c++) {
		if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '-')
			continue;
		snprintf(u, sizeof(u), "ab%cc", c);
		USER_BAD(u, R_UCHARS);
	}
}

static void username_fold(void **state)
{
	char a[40], b[40], small[4];
	(void)state;

	admin_username_fold("Mario.Rossi", a, sizeof(a));
	assert_string_equal(a, "mario.rossi");
	admin_username_fold("AMMINISTRATORE", a, sizeof(a));
	admin_username_fold("Amministratore", b, sizeof(b));
	assert_string_equal(a, b);
	assert_string_equal(a, "amministratore");
	admin_username_fold("a-z_09.@[`{", a, sizeof(a));
	assert_string_equal(a, "a-z_09.@[`{"); /* around A-Z: untouched */
	admin_username_fold("AZ@[", a, sizeof(a));
	assert_string_equal(a, "az@[");
	admin_username_fold("ÈVA", a, sizeof(a)); /* ASCII only */
	assert_string_equal(a, "Èva");
	admin_username_fold("Stefano", small, sizeof(small));
	assert_string_equal(small, "ste");
	admin_username_fold("Stefano", small, 1);
	assert_string_equal(small, "");
	small[0] = 'q';
	admin_username_fold("Stefano", small, 0);
	assert_int_equal(small[0], 'q');
	admin_username_fold(NULL, a, sizeof(a));
	assert_string_equal(a, "");
	admin_username_fold("x", NULL, 0);
}

static void extensions(void **state)
{
	char e[4];
	(void)state;

	/* Every two-byte string: only 01 to 99 pass. */
	for (int a = 1; a < 256; a++) {
		for (int b = 1; b < 256; b++) {
			e[0] = (char)a;
			e[1] = (char)b;
			e[2] = '\0';
			bool ok = a >= '0' && a <= '9' && b >= '0' &&
				  b <= '9' && !(a == '0' && b == '0');
			assert_int_equal(
				admin_extension_check(e, why, sizeof(why)),
				ok ? OV_OK : OV_EINVAL);
		}
	}
	const char *bad[] = {"",   "1",	 "100", "0a",  "a1", " 1",
			     "1 ", "-1", "+1",	"001", "٠١"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			admin_extension_check(bad[i], why, sizeof(why)),
			OV_EINVAL);
		assert_string_equal(why, "must be two digits, 01 to 99");
	}
	assert_int_equal(admin_extension_check("00", why, sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(why, "must be 01 to 99, not 00");
	assert_int_equal(admin_extension_check("01", why, sizeof(why)), OV_OK);
	assert_string_equal(why, "");
	assert_int_equal(admin_extension_check("99", why, sizeof(why)), OV_OK);
	assert_int_equal(admin_extension_check(NULL, why, sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(why, "is required");
}

/* ---- e-mail addresses ---- */

static void email_at(const char *e, const char *reason, const char *file,
		     int line)
{
	stale_why();
	enum ov_err got = admin_email_check(e, why, sizeof(why));
	if (got != (reason ? OV_EINVAL : OV_OK))
		print_error("email \"%s\": \"%s\"\n", e ? e : "(null)", why);
	_assert_int_equal(got, reason ? OV_EINVAL : OV_OK, file, line);
	check_why(got, reason, file, line);
}

#define EMAIL_OK(e) email_at(e, NULL, __FILE__, __LINE__)
#define EMAIL_BAD(e, r) email_at(e, r, __FILE__, __LINE__)
#define R_DOMAIN_CHARS "may use only A-Z, a-z, 0-9, '-' and dots in the domain"
#define R_DOT "has a misplaced dot in the domain"
#define R_HYPHEN "has a domain label starting or ending with '-'"
#define R_TLD "must end with a top-level domain of 2 or more letters"
#define R_SPECIALS "must not contain ( ) < > [ ] , ; : \\ or \" before the @"

/* local@domain, the local part n_local bytes of 'a', the domain labels
 * of the given lengths (the last one letters), into buf. */
static const char *address(char *buf, size_t len, size_t n_local,
			   const size_t *labels, size_t n_labels)
{
	size_t o = 0;

	memset(buf, 'a', n_local);
	o = n_local;
	buf[o++] = '@';
	for (size_t i = 0; i < n_labels; i++) {
		if (i)
			buf[o++] = '.';
		memset(buf + o, i + 1 < n_labels ? 'b' : 'c', labels[i]);
		o += labels[i];
	}
	assert_true(o < len);
	buf[o] = '\0';
	return buf;
}

static void emails_accepted(void **state)
{
	char buf[320];
	(void)state;

	EMAIL_OK("mario.rossi@esempio.it");
	EMAIL_OK("a@b.it");
	EMAIL_OK("x+tag@sub.example.co.uk");
	EMAIL_OK("A.ROSSI@EXAMPLE.COM");
	EMAIL_OK("o'brien@example.ie");
	EMAIL_OK("info@b-c.it");
	EMAIL_OK("info@1und1.de");
	EMAIL_OK("info@esempio.museum");
	EMAIL_OK("info@xn--societ-yta.it");
	EMAIL_OK("niccolò@esempio.it"); /* UTF-8 local part */
	EMAIL_OK("a_b-c!#$%&*+/=?^`{|}~@esempio.it");
	/* 64 bytes before the @, 254 in all, 63 in a label. */
	EMAIL_OK(address(buf, sizeof(buf), 64, (size_t[]){63, 63, 58, 2}, 4));
	assert_int_equal(strlen(buf), 254);
	EMAIL_OK(address(buf, sizeof(buf), 1, (size_t[]){63, 2}, 2));
}

static void emails_refused(void **state)
{
	char buf[320];
	(void)state;

	EMAIL_BAD(NULL, "is required");
	EMAIL_BAD("", "must not be empty");
	EMAIL_BAD("mario", "must contain an @");
	EMAIL_BAD("a@b@c.it", "must contain only one @");
	EMAIL_BAD("a@@c.it", "must contain only one @");
	EMAIL_BAD("@x.it", "must have a name before the @");
	EMAIL_BAD("x@", "must have a domain after the @");
	EMAIL_BAD("a@b", "must have a domain like example.com");
	EMAIL_BAD("a b@c.it", "must not contain spaces");
	EMAIL_BAD(" a@c.it", "must not contain spaces");
	EMAIL_BAD("a\xc2\xa0"
		  "b@c.it",
		  "must not contain spaces");
	EMAIL_BAD("a\tb@c.it", R_CONTROL);
	EMAIL_BAD("a\r\nBcc: x@c.it", R_CONTROL);
	EMAIL_BAD("a\x7f@c.it", R_CONTROL);
	EMAIL_BAD("a\xc2\x85"
		  "b@c.it",
		  R_CONTROL);
	EMAIL_BAD("\xff@b.it", R_UTF8);
	EMAIL_BAD("a\xc0\xaf@b.it", R_UTF8);
	EMAIL_BAD("a<b@c.it", R_SPECIALS);
	EMAIL_BAD("a>b@c.it", R_SPECIALS);
	EMAIL_BAD("a,b@c.it", R_SPECIALS);
	EMAIL_BAD("\"a\"@c.it", R_SPECIALS);
	EMAIL_BAD("a(b)@c.it", R_SPECIALS);
	EMAIL_BAD("a;b@c.it", R_SPECIALS);
	EMAIL_BAD("a:b@c.it", R_SPECIALS);
	EMAIL_BAD("a\\b@c.it", R_SPECIALS);
	EMAIL_BAD("a[b]@c.it", R_SPECIALS);
	EMAIL_BAD("a@-b.it", R_HYPHEN);
	EMAIL_BAD("a@b-.it", R_HYPHEN);
	EMAIL_BAD("a@b.-it", R_HYPHEN);
	EMAIL_BAD("a@b.i", R_TLD);
	EMAIL_BAD("a@b.1t", R_TLD);
	EMAIL_BAD("a@b.i-t", R_TLD);
	EMAIL_BAD("a@b.123", R_TLD);
	EMAIL_BAD("a@b.xn--p1ai", R_TLD);
	EMAIL_BAD("a@b..it", R_DOT);
	EMAIL_BAD("a@.b.it", R_DOT);
	EMAIL_BAD("a@b.it.", R_DOT);
	EMAIL_BAD("a@.", R_DOT);
	EMAIL_BAD("a@b_c.it", R_DOMAIN_CHARS);
	EMAIL_BAD("a@società.it", R_DOMAIN_CHARS);
	EMAIL_BAD("a@b c.it", R_DOMAIN_CHARS);
	EMAIL_BAD("a@b.it\n", R_DOMAIN_CHARS);
	EMAIL_BAD("a@[127.0.0.1]", R_DOMAIN_CHARS);
	/* One byte past each limit. */
	EMAIL_BAD(address(buf, sizeof(buf), 65, (size_t[]){5, 2}, 2),
		  "must have at most 64 bytes before the @");
	EMAIL_BAD(address(buf, sizeof(buf), 64, (size_t[]){63, 63, 59, 2}, 4),
		  "must be at most 254 bytes long");
	EMAIL_BAD(address(buf, sizeof(buf), 1, (size_t[]){64, 2}, 2),
		  "has a domain label longer than 63 characters");
}

/* ---- names ---- */

static void name_at(const char *n, size_t max, const char *reason,
		    const char *file, int line)
{
	stale_why();
	enum ov_err got = admin_name_check(n, max, why, sizeof(why));
	if (got != (reason ? OV_EINVAL : OV_OK))
		print_error("name \"%s\": \"%s\"\n", n ? n : "(null)", why);
	_assert_int_equal(got, reason ? OV_EINVAL : OV_OK, file, line);
	check_why(got, reason, file, line);
}

#define NAME_OK(n, max) name_at(n, max, NULL, __FILE__, __LINE__)
#define NAME_BAD(n, max, r) name_at(n, max, r, __FILE__, __LINE__)
#define R_EDGE "must not start or end with a space"

static void names_accepted(void **state)
{
	(void)state;

	NAME_OK("Niccolò", 100);
	NAME_OK("Società Srl", 100);
	NAME_OK("Mario Rossi", 100);
	NAME_OK("D'Angelo & Figli S.p.A.", 100);
	NAME_OK("Zoë Łukasz Ærø", 100);
	NAME_OK("李小龙", 100);
	NAME_OK("Mario  Rossi", 100); /* inside spaces are the user's own */
	NAME_OK("A", 1);
	/* Code points, not bytes: è is 2 bytes, € 3, 😀 4. */
	NAME_OK("èèè", 3);
	NAME_OK("€€€", 3);
	NAME_OK("😀😀", 2);
}

static void names_refused(void **state)
{
	(void)state;

	NAME_BAD(NULL, 100, "is required");
	NAME_BAD("", 100, "must not be empty");
	NAME_BAD("èèèè", 3, "must be at most 3 characters long");
	NAME_BAD("😀😀😀", 2, "must be at most 2 characters long");
	NAME_BAD("A", 0, "must be at most 0 characters long");
	NAME_BAD(" Mario", 100, R_EDGE);
	NAME_BAD("Mario ", 100, R_EDGE);
	NAME_BAD(" ", 100, R_EDGE);
	NAME_BAD("\xc2\xa0Mario", 100, R_EDGE);	    /* no-break space */
	NAME_BAD("Mario\xe3\x80\x80", 100, R_EDGE); /* ideographic space */
	NAME_BAD("Mario\xe2\x80\x83", 100, R_EDGE); /* em space */
	NAME_BAD("Ma\nrio", 100, R_CONTROL);
	NAME_BAD("Mario\n", 100, R_CONTROL);
	NAME_BAD("Ma\trio", 100, R_CONTROL);
	NAME_BAD("Ma\x1brio", 100, R_CONTROL);
	NAME_BAD("Ma\x7frio", 100, R_CONTROL);
	NAME_BAD("Ma\xc2\x85rio", 100, R_CONTROL);     /* NEL */
	NAME_BAD("Ma\xc2\x9frio", 100, R_CONTROL);     /* last C1 */
	NAME_BAD("Ma\xe2\x80\xa8rio", 100, R_CONTROL); /* line separator */
	NAME_BAD("Ma\xe2\x80\xaerio", 100, R_CONTROL); /* RLO */
	NAME_BAD("Ma\xe2\x81\xa6rio", 100, R_CONTROL); /* LRI */
	NAME_BAD("\xff", 100, R_UTF8);
	NAME_BAD("\x80", 100, R_UTF8);		   /* lone continuation */
	NAME_BAD("Nicol\xc3", 100, R_UTF8);	   /* cut short */
	NAME_BAD("Nicol\xc3 ", 100, R_UTF8);	   /* bad continuation */
	NAME_BAD("\xc0\xaf", 100, R_UTF8);	   /* overlong '/' */
	NAME_BAD("\xc1\xbf", 100, R_UTF8);	   /* overlong, 2 bytes */
	NAME_BAD("\xe0\x80\xaf", 100, R_UTF8);	   /* overlong, 3 bytes */
	NAME_BAD("\xe0\x9f\xbf", 100, R_UTF8);	   /* overlong U+07FF */
	NAME_BAD("\xf0\x80\x80\xaf", 100, R_UTF8); /* overlong, 4 bytes */
	NAME_BAD("\xf0\x8f\xbf\xbf", 100, R_UTF8); /* overlong U+FFFF */
	NAME_BAD("\xed\xa0\x80", 100, R_UTF8);	   /* surrogate */
	NAME_BAD("\xed\xbf\xbf", 100, R_UTF8);	   /* surrogate */
	NAME_BAD("\xf4\x90\x80\x80", 100, R_UTF8); /* past U+10FFFF */
	NAME_BAD("\xf5\x80\x80\x80", 100, R_UTF8);
	NAME_BAD("\xf8\x88\x80\x80\x80", 100, R_UTF8); /* 5 bytes */
	NAME_BAD("Ma\n\xff", 100, R_UTF8); /* invalid before control */
	/* The edges of the valid range pass. */
	NAME_OK("\xc2\xa9", 1);		/* U+00A9, first after C1 */
	NAME_OK("\xdf\xbf", 1);		/* U+07FF */
	NAME_OK("\xe0\xa0\x80", 1);	/* U+0800 */
	NAME_OK("\xed\x9f\xbf", 1);	/* U+D7FF */
	NAME_OK("\xee\x80\x80", 1);	/* U+E000 */
	NAME_OK("\xf0\x90\x80\x80", 1); /* U+10000 */
	NAME_OK("\xf4\x8f\xbf\xbf", 1); /* U+10FFFF */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(password_length),
		cmocka_unit_test(password_classes),
		cmocka_unit_test(password_text),
		cmocka_unit_test(password_old),
		cmocka_unit_test(password_first_unmet_rule),
		cmocka_unit_test(password_arguments),
		cmocka_unit_test(generated_pass_the_policy),
		cmocka_unit_test(generated_is_deterministic_in_its_source),
		cmocka_unit_test(generated_is_shuffled),
		cmocka_unit_test(generated_is_uniform),
		cmocka_unit_test(generate_arguments),
		cmocka_unit_test(numbers_accepted),
		cmocka_unit_test(numbers_refused),
		cmocka_unit_test(number_out_buffer),
		cmocka_unit_test(forward_targets_accepted),
		cmocka_unit_test(forward_targets_refused),
		cmocka_unit_test(usernames),
		cmocka_unit_test(username_fold),
		cmocka_unit_test(extensions),
		cmocka_unit_test(emails_accepted),
		cmocka_unit_test(emails_refused),
		cmocka_unit_test(names_accepted),
		cmocka_unit_test(names_refused),
	};
	if (randombytes_set_implementation(&seeded) != 0 || sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("admin_policy", tests, NULL, NULL);
}
