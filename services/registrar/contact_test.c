#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contact.h"

static const struct expiry_rules rules = {60, 3600, 3600};

/* Parses raw with room for 5 contacts; the list stays in a static. */
static enum ov_err parse(const char *raw, struct contact_list **out)
{
	static struct contact_list l;
	char why[160];
	enum ov_err e = contact_parse(raw, 5, &l, why, sizeof(why));

	if (e == OV_OK)
		assert_string_equal(why, "");
	else
		assert_true(why[0] != '\0'); /* a failure says why */
	*out = &l;
	return e;
}

static void addr_spec_params_are_header_params(void **state)
{
	struct contact_list *l;
	(void)state;

	assert_int_equal(parse("sip:alice@example.com", &l), OV_OK);
	assert_false(l->star);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->c[0].uri, "sip:alice@example.com");
	assert_int_equal(l->c[0].expires, -1);
	assert_int_equal(l->c[0].q, -1);
	assert_string_equal(l->c[0].instance, "");

	/* RFC 3261 20.10: after an addr-spec, ;params are the header's. */
	assert_int_equal(parse("sip:u@10.0.0.1:5062;expires=60;q=0.5", &l),
			 OV_OK);
	assert_string_equal(l->c[0].uri, "sip:u@10.0.0.1:5062");
	assert_int_equal(l->c[0].expires, 60);
	assert_int_equal(l->c[0].q, 500);

	/* A URI parameter written without <> becomes a header one. */
	assert_int_equal(parse("sip:u@h;transport=tcp", &l), OV_OK);
	assert_string_equal(l->c[0].uri, "sip:u@h");
}

static void name_addr_keeps_uri_params(void **state)
{
	struct contact_list *l;
	(void)state;

	assert_int_equal(
		parse("\"Mario Rossi\" <sip:mario@192.0.2.4:5060;transport=tcp;"
		      "ob>;expires=60;q=0.5;+sip.instance=\"<urn:uuid:"
		      "00000000-0000-1000-8000-000A95A0E128>\";reg-id=1",
		      &l),
		OV_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->c[0].uri,
			    "sip:mario@192.0.2.4:5060;transport=tcp;ob");
	assert_int_equal(l->c[0].expires, 60);
	assert_int_equal(l->c[0].q, 500);
	assert_string_equal(l->c[0].instance,
			    "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");

	assert_int_equal(parse("<sip:a@h>", &l), OV_OK);
	assert_string_equal(l->c[0].uri, "sip:a@h");
	/* A display name of tokens, unquoted. */
	assert_int_equal(parse("Mario Rossi <sip:a@h>;expires=10", &l), OV_OK);
	assert_string_equal(l->c[0].uri, "sip:a@h");
	assert_int_equal(l->c[0].expires, 10);
	/* Headers in the URI (?...) and sips, any case of the scheme. */
	assert_int_equal(parse("<SIPS:a@h:5061?subject=x>", &l), OV_OK);
	assert_string_equal(l->c[0].uri, "SIPS:a@h:5061?subject=x");
	/* IPv6 hosts, both forms. */
	assert_int_equal(parse("<sip:alice@[2001:db8::1]:5060>", &l), OV_OK);
	assert_string_equal(l->c[0].uri, "sip:alice@[2001:db8::1]:5060");
	assert_int_equal(parse("sip:alice@[2001:db8::1];expires=5", &l), OV_OK);
	assert_string_equal(l->c[0].uri, "sip:alice@[2001:db8::1]");
	/* No user part. */
	assert_int_equal(parse("<sip:192.0.2.1>", &l), OV_OK);
}

static void lists_and_quoted_strings(void **state)
{
	struct contact_list *l;
	(void)state;

	/* A comma and an escaped quote inside a display name split
	 * nothing. */
	assert_int_equal(
		parse("\"Rossi, \\\"Mario\\\"\" <sip:a@h>, <sip:b@h>;expires=0",
		      &l),
		OV_OK);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->c[0].uri, "sip:a@h");
	assert_string_equal(l->c[1].uri, "sip:b@h");
	assert_int_equal(l->c[1].expires, 0);

	/* White space and folded lines around everything. */
	assert_int_equal(parse(" <sip:a@h> ,\r\n\t<sips:b@h:5061;transport=tls>"
			       " ; expires = 120 , sip:c@h ",
			       &l),
			 OV_OK);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->c[1].uri, "sips:b@h:5061;transport=tls");
	assert_int_equal(l->c[1].expires, 120);
	assert_string_equal(l->c[2].uri, "sip:c@h");

	/* A comma inside a quoted parameter value. */
	assert_int_equal(parse("<sip:a@h>;methods=\"INVITE,BYE\";expires=30,"
			       "<sip:b@h>",
			       &l),
			 OV_OK);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->c[0].expires, 30);

	/* UTF-8 in a display name. */
	assert_int_equal(parse("\"Nicol\xc3\xb2\" <sip:a@h>", &l), OV_OK);
	/* Flags without values and feature tags are accepted, ignored. */
	assert_int_equal(parse("<sip:a@h>;+sip.ice;audio;video;expires=70", &l),
			 OV_OK);
	assert_int_equal(l->c[0].expires, 70);
	/* Parameter names are case-insensitive. */
	assert_int_equal(parse("<sip:a@h>;EXPIRES=80;Q=1", &l), OV_OK);
	assert_int_equal(l->c[0].expires, 80);
	assert_int_equal(l->c[0].q, 1000);
}

static void star(void **state)
{
	struct contact_list *l;
	(void)state;

	assert_int_equal(parse("*", &l), OV_OK);
	assert_true(l->star);
	assert_int_equal(l->n, 0);
	assert_int_equal(parse("  *\t", &l), OV_OK);
	assert_true(l->star);
	assert_int_equal(parse("*, <sip:a@h>", &l), OV_EINVAL);
	assert_int_equal(parse("<sip:a@h>, *", &l), OV_EINVAL);
	assert_int_equal(parse("*,", &l), OV_EINVAL);
	/* A display name may be a token that starts with a star. */
	assert_int_equal(parse("*x <sip:a@h>", &l), OV_OK);
	assert_false(l->star);
}

static void schemes(void **state)
{
	struct contact_list *l;
	(void)state;

	assert_int_equal(parse("tel:+390612345678", &l), OV_EINVAL);
	assert_int_equal(parse("<tel:+390612345678>", &l), OV_EINVAL);
	assert_int_equal(parse("<http://example.com/>", &l), OV_EINVAL);
	assert_int_equal(parse("<mailto:a@b.example>", &l), OV_EINVAL);
	assert_int_equal(parse("<sipx:a@h>", &l), OV_EINVAL);
	assert_int_equal(parse("<sip:a@h>, <tel:123>", &l), OV_EINVAL);
	assert_int_equal(parse("Sip:a@h", &l), OV_OK);
}

static void malformed(void **state)
{
	struct contact_list *l;
	static const char *const bad[] = {
		"",
		"   ",
		"<sip:a@h",	     /* unclosed < */
		"\"Mario <sip:a@h>", /* unclosed quote */
		"\"Mario\" sip:a@h", /* display name without <> */
		"sip:a@h;",	     /* ; and nothing */
		"sip:a@h;=5",	     /* no name */
		"sip:a@h;expires",   /* expires without value */
		"sip:a@h;expires=",  /* empty value */
		"sip:a@h;expires=abc",
		"sip:a@h;expires=-1",
		"sip:a@h;expires=6.5",
		"sip:a@h;expires=60;expires=70", /* twice */
		"sip:a@h;q=1.5",
		"sip:a@h;q=2",
		"sip:a@h;q=0.1234",
		"sip:a@h;q=.5",
		"sip:a@h;q=0.5;q=0.6",
		"sip:a@h;+sip.instance",
		"sip:a@h;+sip.instance=\"\"",
		"sip:a@h,",	    /* trailing comma */
		"sip:a@h,,sip:b@h", /* empty element */
		",sip:a@h",
		"sip:a@h garbage",
		"<sip:a@h> garbage",
		"<sip:a@h>>",
		"sip:",
		"<sip:>",
		"<sip:user@>",
		"<sip:user@;transport=udp>",
		"<sip::5060>",
		"<sip:a b@h>", /* space in the URI */
		"<sip:a\"b@h>",
		"<sip:a@h\x01>",
		"<sip:\xc3\xa0@h>",	 /* non-ASCII in a URI */
		"\"bad\\\n\" <sip:a@h>", /* escaped newline */
		"\"bad\x01\" <sip:a@h>", /* control character */
		"\"\xff\" <sip:a@h>",	 /* not UTF-8 */
		"<sip:a@h>, <sip:a@h>",	 /* the same contact twice */
		"<sip:a@h>;x=\"unclosed",
		"<sip:a@h>;x=<y>",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &l) != OV_EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

static void limits(void **state)
{
	struct contact_list *l;
	char why[160];
	char uri[CONTACT_URI_MAX + 16];
	(void)state;

	/* At most max contacts in one request: max passes, one more not. */
	struct contact_list *big = malloc(sizeof(*big));
	assert_non_null(big);
	assert_int_equal(
		contact_parse("<sip:a@h>,<sip:b@h>", 2, big, why, sizeof(why)),
		OV_OK);
	assert_int_equal(contact_parse("<sip:a@h>,<sip:b@h>,<sip:c@h>", 2, big,
				       why, sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(why, "more than 2 contacts");
	/* A max above the array is the array. */
	char many[CONTACT_MAX * 16 + 32] = "";
	size_t o = 0;
	for (int i = 0; i <= CONTACT_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o,
				      "%s<sip:u%d@h>", i ? "," : "", i);
	assert_int_equal(contact_parse(many, 1000, big, why, sizeof(why)),
			 OV_EINVAL);
	free(big);

	/* A URI of 511 bytes fits, 512 does not. */
	memcpy(uri, "<sip:", 5);
	memset(uri + 5, 'a', 511 - 4 - 2);
	memcpy(uri + 5 + 505, "@h>", 4); /* 4 + 505 + 2 = 511 */
	assert_int_equal(parse(uri, &l), OV_OK);
	assert_int_equal(strlen(l->c[0].uri), CONTACT_URI_MAX - 1);
	memset(uri + 5, 'a', 506);
	memcpy(uri + 5 + 506, "@h>", 4);
	assert_int_equal(parse(uri, &l), OV_EINVAL);

	/* The whole value is bounded. */
	char *huge = malloc(CONTACT_HEADER_MAX + 2);
	assert_non_null(huge);
	memset(huge, ' ', CONTACT_HEADER_MAX + 1);
	memcpy(huge, "<sip:a@h>", 9);
	huge[CONTACT_HEADER_MAX + 1] = '\0';
	assert_int_equal(parse(huge, &l), OV_EINVAL);
	huge[CONTACT_HEADER_MAX] = '\0';
	assert_int_equal(parse(huge, &l), OV_OK);
	free(huge);

	/* Expires beyond 2**32-1 counts as 2**32-1 (RFC 3261 20.19). */
	assert_int_equal(parse("sip:a@h;expires=99999999999999999999", &l),
			 OV_OK);
	assert_int_equal(l->c[0].expires, CONTACT_EXPIRES_MAX);
	assert_int_equal(parse("sip:a@h;expires=4294967295", &l), OV_OK);
	assert_int_equal(l->c[0].expires, 4294967295LL);
}

static void expiry_rules(void **state)
{
	uint32_t s = 12345;
	(void)state;

	/* The contact's parameter first, then the Expires header, then
	 * the default. */
	assert_true(contact_expiry(120, 300, &rules, &s));
	assert_int_equal(s, 120);
	assert_true(contact_expiry(-1, 300, &rules, &s));
	assert_int_equal(s, 300);
	assert_true(contact_expiry(-1, -1, &rules, &s));
	assert_int_equal(s, 3600);
	assert_true(contact_expiry(120, 30, &rules, &s)); /* param wins */
	assert_int_equal(s, 120);
	/* 0 removes, from either place, whatever the minimum. */
	assert_true(contact_expiry(0, 3600, &rules, &s));
	assert_int_equal(s, 0);
	assert_true(contact_expiry(-1, 0, &rules, &s));
	assert_int_equal(s, 0);
	/* The minimum's border: 59 is too brief, 60 is not. */
	s = 7;
	assert_false(contact_expiry(59, -1, &rules, &s));
	assert_int_equal(s, 7); /* untouched */
	assert_false(contact_expiry(1, -1, &rules, &s));
	assert_false(contact_expiry(-1, 30, &rules, &s));
	assert_true(contact_expiry(60, -1, &rules, &s));
	assert_int_equal(s, 60);
	/* The maximum's: 3600 stays, more is shortened. */
	assert_true(contact_expiry(3600, -1, &rules, &s));
	assert_int_equal(s, 3600);
	assert_true(contact_expiry(3601, -1, &rules, &s));
	assert_int_equal(s, 3600);
	assert_true(contact_expiry(CONTACT_EXPIRES_MAX, -1, &rules, &s));
	assert_int_equal(s, 3600);
	/* A default outside the range is brought into it. */
	const struct expiry_rules odd = {60, 600, 3600};
	assert_true(contact_expiry(-1, -1, &odd, &s));
	assert_int_equal(s, 600);
	const struct expiry_rules low = {120, 600, 30};
	assert_true(contact_expiry(-1, -1, &low, &s));
	assert_int_equal(s, 120);
}

static void prepare(void **state)
{
	struct contact_list *l;
	char why[160];
	(void)state;

	assert_int_equal(parse("*", &l), OV_OK);
	assert_int_equal(contact_prepare(l, 0, &rules, why, sizeof(why)),
			 OV_OK);
	/* RFC 3261 10.3 step 6: "*" only with Expires: 0. */
	assert_int_equal(contact_prepare(l, -1, &rules, why, sizeof(why)),
			 OV_EINVAL);
	assert_int_equal(contact_prepare(l, 60, &rules, why, sizeof(why)),
			 OV_EINVAL);

	assert_int_equal(parse("<sip:a@h>;expires=0, <sip:b@h>, "
			       "<sip:c@h>;expires=7200",
			       &l),
			 OV_OK);
	assert_int_equal(contact_prepare(l, 120, &rules, why, sizeof(why)),
			 OV_OK);
	assert_int_equal(l->c[0].seconds, 0);
	assert_int_equal(l->c[1].seconds, 120);
	assert_int_equal(l->c[2].seconds, 3600);

	/* One contact too brief refuses the whole request, naming the
	 * minimum the way the edge reads it. */
	assert_int_equal(
		parse("<sip:a@h>;expires=3600, <sip:b@h>;expires=30", &l),
		OV_OK);
	assert_int_equal(contact_prepare(l, -1, &rules, why, sizeof(why)),
			 OV_EPRECOND);
	assert_string_equal(why, "interval too brief: min_expires=60");
	assert_int_equal(parse("<sip:a@h>", &l), OV_OK);
	assert_int_equal(contact_prepare(l, 10, &rules, why, sizeof(why)),
			 OV_EPRECOND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_spec_params_are_header_params),
		cmocka_unit_test(name_addr_keeps_uri_params),
		cmocka_unit_test(lists_and_quoted_strings),
		cmocka_unit_test(star),
		cmocka_unit_test(schemes),
		cmocka_unit_test(malformed),
		cmocka_unit_test(limits),
		cmocka_unit_test(expiry_rules),
		cmocka_unit_test(prepare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
