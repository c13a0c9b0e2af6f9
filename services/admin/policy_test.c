#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

static char why[160];

static enum ov_err pw(const char *p, const char *old)
{
	return admin_password_check(p, old, why, sizeof(why));
}

static void password_policy(void **state)
{
	(void)state;
	assert_int_equal(pw("Password1!", NULL), OV_OK);
	assert_int_equal(pw("Pass.w1x", NULL), OV_OK);	  /* exactly 8 */
	assert_int_equal(pw("Pas.w1x", NULL), OV_EINVAL); /* 7 */
	assert_string_equal(why, "must be at least 8 characters long");
	assert_int_equal(pw("Password!", NULL), OV_EINVAL);
	assert_string_equal(why, "must contain a digit");
	assert_int_equal(pw("password1!", NULL), OV_EINVAL);
	assert_string_equal(why, "must contain an upper-case letter");
	assert_int_equal(pw("PASSWORD1!", NULL), OV_EINVAL);
	assert_string_equal(why, "must contain a lower-case letter");
	assert_int_equal(pw("Password12", NULL), OV_EINVAL);
	assert_int_equal(pw("Password 12", NULL), OV_EINVAL); /* space */
	for (const char *s = ".!?$%*-;#^"; *s; s++) {
		char p[16];
		snprintf(p, sizeof(p), "Passw0rd%c", *s);
		assert_int_equal(pw(p, NULL), OV_OK);
	}
	/* Accented letters count as one character each. */
	assert_int_equal(pw("Pèè.1aàà", NULL), OV_OK);
	assert_int_equal(pw("Pè.1aàà", NULL), OV_EINVAL);
	assert_int_equal(pw("Password1!", "Password1!"), OV_EINVAL);
	assert_string_equal(why, "must differ from the old password");
	assert_int_equal(pw("Pass\tword1!", NULL), OV_EINVAL);
	assert_int_equal(pw("Pass\xffword1!", NULL), OV_EINVAL);
}

static unsigned seed;

static void lcg(void *buf, size_t n)
{
	unsigned char *b = buf;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (unsigned char)(seed >> 16);
	}
}

static void generated_passwords_pass(void **state)
{
	char p[13];
	(void)state;

	for (seed = 1; seed < 1000; seed++) {
		unsigned s = seed;
		assert_int_equal(admin_password_generate(p, sizeof(p), lcg),
				 OV_OK);
		seed = s;
		assert_int_equal(strlen(p), 12);
		assert_int_equal(pw(p, NULL), OV_OK);
		assert_null(strpbrk(p, "0Oo1lI"));
	}
	assert_int_equal(admin_password_generate(p, 12, lcg), OV_EINVAL);
}

static void expect_num(const char *in, const char *out)
{
	char got[32];
	assert_int_equal(
		admin_number_e164(in, got, sizeof(got), why, sizeof(why)),
		OV_OK);
	assert_string_equal(got, out);
}

static void expect_bad_num(const char *in)
{
	char got[32];
	assert_int_equal(
		admin_number_e164(in, got, sizeof(got), why, sizeof(why)),
		OV_EINVAL);
}

static void italian_numbers(void **state)
{
	(void)state;
	expect_num("06 1234 5678", "+390612345678");
	expect_num("+39 333 123 4567", "+393331234567");
	expect_num("0039 02-1234567", "+39021234567");
	expect_num("(06) 123456", "+3906123456");
	expect_num("06.123.456", "+3906123456");
	expect_num("061234", "+39061234"); /* 6 digits, the shortest */
	expect_bad_num("06123");	   /* 5 */
	expect_bad_num("061234567890");	   /* 12 */
	expect_bad_num("33312345");	   /* mobile, 8 */
	expect_bad_num("800123456");	   /* toll-free */
	expect_bad_num("899123456");	   /* premium */
	expect_bad_num("112");		   /* emergency */
	expect_bad_num("06 CALL ME");
	expect_bad_num("+44 20 7946 0958"); /* not Italian */
	expect_bad_num("((06) 123456");
	expect_bad_num("");
}

static void forwarding_targets(void **state)
{
	char got[32];
	(void)state;

	assert_int_equal(admin_forward_target("+44 20 7946 0958", got,
					      sizeof(got), why, sizeof(why)),
			 OV_OK);
	assert_string_equal(got, "+442079460958");
	assert_int_equal(admin_forward_target("00 49 30 1234567", got,
					      sizeof(got), why, sizeof(why)),
			 OV_OK);
	assert_string_equal(got, "+49301234567");
	assert_int_equal(admin_forward_target("335 123 4567", got, sizeof(got),
					      why, sizeof(why)),
			 OV_OK);
	assert_string_equal(got, "+393351234567");
	assert_int_equal(admin_forward_target("+39 892 123456", got,
					      sizeof(got), why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(
		admin_forward_target("113", got, sizeof(got), why, sizeof(why)),
		OV_EINVAL);
	assert_int_equal(admin_forward_target("+1234", got, sizeof(got), why,
					      sizeof(why)),
			 OV_EINVAL);
}

static void usernames_extensions(void **state)
{
	char f[40];
	(void)state;

	assert_int_equal(admin_username_check("Utente1", why, sizeof(why)),
			 OV_OK);
	assert_int_equal(
		admin_username_check("Amministratore", why, sizeof(why)),
		OV_OK);
	assert_int_equal(admin_username_check("a.b-c_d", why, sizeof(why)),
			 OV_OK);
	assert_int_equal(admin_username_check("ab", why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_username_check("1abc", why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_username_check("ab cd", why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(
		admin_username_check("a234567890123456789012345678901234", why,
				     sizeof(why)),
		OV_EINVAL);
	admin_username_fold("Mario.Rossi", f, sizeof(f));
	assert_string_equal(f, "mario.rossi");
	assert_int_equal(admin_extension_check("01", why, sizeof(why)), OV_OK);
	assert_int_equal(admin_extension_check("99", why, sizeof(why)), OV_OK);
	assert_int_equal(admin_extension_check("00", why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_extension_check("1", why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_extension_check("100", why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_extension_check("0a", why, sizeof(why)),
			 OV_EINVAL);
}

static void emails_and_names(void **state)
{
	(void)state;
	assert_int_equal(
		admin_email_check("mario.rossi@esempio.it", why, sizeof(why)),
		OV_OK);
	const char *bad[] = {"x@",	 "@x.it",   "a@b",   "a b@c.it",
			     "a@b@c.it", "a@-b.it", "a@b.i", "a@b..it",
			     "a@b.it.",	 "a@b.1t"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(admin_email_check(bad[i], why, sizeof(why)),
				 OV_EINVAL);
	assert_int_equal(admin_name_check("Niccolò", 100, why, sizeof(why)),
			 OV_OK);
	assert_int_equal(admin_name_check("Società Srl", 100, why, sizeof(why)),
			 OV_OK);
	assert_int_equal(admin_name_check("", 100, why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_name_check(" Mario", 100, why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_name_check("Ma\nrio", 100, why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(admin_name_check("\xc0\xaf", 100, why, sizeof(why)),
			 OV_EINVAL); /* overlong */
	assert_int_equal(admin_name_check("èèè", 3, why, sizeof(why)), OV_OK);
	assert_int_equal(admin_name_check("èèèè", 3, why, sizeof(why)),
			 OV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(password_policy),
		cmocka_unit_test(generated_passwords_pass),
		cmocka_unit_test(italian_numbers),
		cmocka_unit_test(forwarding_targets),
		cmocka_unit_test(usernames_extensions),
		cmocka_unit_test(emails_and_names),
	};
	return cmocka_run_group_tests_name("admin_policy", tests, NULL, NULL);
}
