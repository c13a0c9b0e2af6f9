#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include <sodium.h>

#include "mail.h"
#include "seal.h"
#include "render.h"

static const struct notify_brand brand = {
	.service = "Ovunque",
	.from_name = "Ovunque",
	.from_addr = "noreply@ovunque.example",
	.support_url = "https://ovunque.example/assistenza",
	.app_url = "https://ovunque.example/app",
	.android_url = "https://play.example/ovunque",
	.ios_url = "https://apps.example/ovunque",
	.reset_url = "https://ovunque.example/reset?a=1&b=2",
};

static struct notify_mail *m;
static char why[256];

static int setup(void **state)
{
	(void)state;
	m = malloc(sizeof(*m));
	return m ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(m);
	return 0;
}

static enum ov_err compose(const char *kind, const char *lang, const char *rcpt,
			   const char *params)
{
	struct notify_mail_in in = {
		.kind = kind,
		.language = lang,
		.recipient = rcpt,
		.params = params,
		.message_id = "<outbox-42.ovunque@ovunque.example>",
		.date = 1681226880,
	};
	return notify_mail_compose(&brand, &in, m, why, sizeof(why));
}

static const char *header(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < m->n_headers; i++)
		if (strncmp(m->headers[i], name, n) == 0 &&
		    m->headers[i][n] == ':')
			return m->headers[i] + n + 2;
	return NULL;
}

static bool no_bare_lf(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return false;
	return true;
}

#define USER_PARAMS                                                            \
	"{\"username\":\"Utente1\",\"password\":\"t5TkR77O$$\","               \
	"\"number\":\"+390633040395\",\"name\":\"Nicolò Rossi\"}"

static void user_activation_is_the_seed_mail(void **state)
{
	(void)state;
	assert_int_equal(compose("user_activation", "it", "utente1@example.it",
				 USER_PARAMS),
			 OV_OK);
	assert_string_equal(why, "");
	assert_string_equal(m->subject, "Attivazione Utenza Ovunque");
	assert_string_equal(header("Subject"), "Attivazione Utenza Ovunque");
	assert_string_equal(header("From"),
			    "Ovunque <noreply@ovunque.example>");
	assert_string_equal(header("To"), "utente1@example.it");
	assert_string_equal(header("Message-ID"),
			    "<outbox-42.ovunque@ovunque.example>");
	assert_string_equal(header("Date"), "Tue, 11 Apr 2023 15:28:00 +0000");
	assert_string_equal(header("Content-Language"), "it");
	assert_string_equal(header("Auto-Submitted"), "auto-generated");
	/* Username, Password, Utenza as the seed shows them, the number as
	 * people write it. */
	assert_non_null(strstr(m->text, "Username: Utente1\r\n"
					"Password: t5TkR77O$$\r\n"
					"Utenza: 0633040395\r\n"));
	assert_non_null(strstr(m->text, "Gentile cliente,"));
	assert_non_null(strstr(m->text, "utilizzarne le funzionalità."));
	assert_non_null(strstr(m->text, "Questa mail è generata "
					"automaticamente"));
	assert_non_null(strstr(m->text,
			       "scaricare l'APP \"Telefono Virtuale\": "
			       "https://ovunque.example/app"));
	assert_non_null(strstr(m->html, "<strong>Utente1</strong>"));
	assert_non_null(strstr(m->html, ">t5TkR77O$$</strong>"));
	assert_non_null(
		strstr(m->html, "href=\"https://ovunque.example/app\""));
	assert_non_null(strstr(m->html, "funzionalità"));
	assert_int_equal(m->text_len, strlen(m->text));
	assert_int_equal(m->html_len, strlen(m->html));
	assert_true(no_bare_lf(m->text, m->text_len));
	assert_true(no_bare_lf(m->html, m->html_len));
	/* The subject line is not part of the body. */
	assert_null(strstr(m->text, "Subject:"));
}

static void english_and_unknown_languages(void **state)
{
	(void)state;
	assert_int_equal(
		compose("user_activation", "en", "u@example.com", USER_PARAMS),
		OV_OK);
	assert_string_equal(m->subject, "Ovunque account activation");
	assert_string_equal(header("Content-Language"), "en");
	assert_non_null(strstr(m->text, "Number: 0633040395"));
	assert_non_null(strstr(m->html, "<html lang=\"en\">"));
	/* Anything but English is Italian, the carrier's language. */
	assert_int_equal(
		compose("user_activation", "de", "u@example.com", USER_PARAMS),
		OV_OK);
	assert_string_equal(m->subject, "Attivazione Utenza Ovunque");
}

static void every_kind_renders_in_both_languages(void **state)
{
	static const struct {
		const char *kind, *params, *it, *en, *needle;
	} k[] = {
		{"admin_activation",
		 "{\"username\":\"Amministratore\",\"password\":\"Xy7!abcdEF\","
		 "\"number\":\"+390612345678\",\"company_name\":\"Rossi & "
		 "Figli <Srl>\"}",
		 "Attivazione servizio Ovunque",
		 "Your Ovunque service is active", "Xy7!abcdEF"},
		{"password_reset",
		 "{\"username\":\"Laura\",\"number\":\"+390612345678\","
		 "\"name\":\"Laura\",\"code\":\"K7QMZP3A\",\"valid_minutes\":"
		 "30}",
		 "Ovunque: codice per reimpostare la password",
		 "Ovunque: your password reset code", "K7QMZP3A"},
		{"password_changed",
		 "{\"username\":\"Laura\",\"number\":\"+390612345678\","
		 "\"name\":\"Laura\"}",
		 "Ovunque: password modificata", "Ovunque: password changed",
		 "Laura"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		assert_int_equal(
			compose(k[i].kind, "it", "a@example.com", k[i].params),
			OV_OK);
		assert_string_equal(m->subject, k[i].it);
		assert_non_null(strstr(m->text, k[i].needle));
		assert_non_null(strstr(m->html, k[i].needle));
		assert_non_null(strstr(m->text, "0612345678"));
		assert_null(strstr(m->text, "+39"));
		assert_int_equal(
			compose(k[i].kind, "en", "a@example.com", k[i].params),
			OV_OK);
		assert_string_equal(m->subject, k[i].en);
	}
	/* The reset mail: the code, its validity, the configured link. */
	assert_int_equal(
		compose("password_reset", "it", "a@example.com", k[1].params),
		OV_OK);
	assert_non_null(strstr(m->text, "Codice: K7QMZP3A\r\n"));
	assert_non_null(strstr(m->text, "valido per 30 minuti"));
	assert_non_null(
		strstr(m->text, "https://ovunque.example/reset?a=1&b=2"));
	/* In HTML the link's & is escaped, as an attribute must be. */
	assert_non_null(strstr(m->html, "https://ovunque.example/reset?a=1&amp;"
					"b=2"));
}

static void values_are_escaped_in_html_only(void **state)
{
	(void)state;
	assert_int_equal(
		compose("admin_activation", "it", "a@example.com",
			"{\"username\":\"Amministratore\",\"password\":\"a<b>&"
			"\\\"c'\",\"number\":\"+390612345678\","
			"\"company_name\":\"<script>alert(1)</script>\"}"),
		OV_OK);
	assert_null(strstr(m->html, "<script>"));
	assert_non_null(
		strstr(m->html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(m->html, "a&lt;b&gt;&amp;&quot;c&#39;"));
	assert_non_null(strstr(m->text, "per <script>alert(1)</script> è"));
	assert_non_null(strstr(m->text, "Password: a<b>&\"c'\r\n"));
}

static void an_erased_secret_cannot_be_rendered(void **state)
{
	(void)state;
	/* What a row looks like once notify has erased the password. */
	assert_int_equal(compose("user_activation", "it", "a@example.com",
				 "{\"username\":\"Utente1\",\"number\":"
				 "\"+390633040395\",\"name\":\"Utente\"}"),
			 OV_ENOTFOUND);
	assert_string_equal(why, "text part: no value for {{password}}");
	assert_int_equal(m->n_headers, 0);
	assert_int_equal(m->text_len, 0);
	assert_string_equal(m->text, "");
}

static void a_sealed_secret_opens_only_with_notify_key(void **state)
{
	unsigned char pk[32], sk[32], pk2[32], sk2[32];
	char sealed[256], params[512];
	(void)state;

	assert_true(sodium_init() >= 0);
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	assert_int_equal(ov_seal(pk, "Xy7.kQ2mRt4a", sealed, sizeof(sealed)),
			 OV_OK);
	snprintf(params, sizeof(params),
		 "{\"username\":\"Utente1\",\"password\":\"%s\","
		 "\"number\":\"+390633040395\",\"name\":\"Utente\"}",
		 sealed);
	struct notify_mail_in in = {
		.kind = "user_activation",
		.language = "it",
		.recipient = "a@example.com",
		.params = params,
		.message_id = "<outbox-42.ovunque@ovunque.example>",
		.date = 1681226880,
		.open_pk = pk,
		.open_sk = sk,
	};
	assert_int_equal(notify_mail_compose(&brand, &in, m, why, sizeof(why)),
			 OV_OK);
	assert_non_null(strstr(m->text, "Password: Xy7.kQ2mRt4a\r\n"));
	assert_null(strstr(m->text, "sealed:"));
	/* Another key, or none: refused, never the sealed text in a mail. */
	in.open_pk = pk2;
	in.open_sk = sk2;
	assert_int_equal(notify_mail_compose(&brand, &in, m, why, sizeof(why)),
			 OV_EINVAL);
	assert_non_null(strstr(why, "OV_NOTIFY_SECRET_KEY"));
	assert_string_equal(m->text, "");
	in.open_pk = in.open_sk = NULL;
	assert_int_equal(notify_mail_compose(&brand, &in, m, why, sizeof(why)),
			 OV_EINVAL);
	/* A row written before sealing still renders. */
	assert_int_equal(
		compose("user_activation", "it", "a@example.com",
			"{\"username\":\"Utente1\",\"password\":\"Abc.12345\","
			"\"number\":\"+390633040395\",\"name\":\"Utente\"}"),
		OV_OK);
}

static void bad_rows_are_refused_with_a_reason(void **state)
{
	(void)state;
	assert_int_equal(compose("welcome_gift", "it", "a@example.com", "{}"),
			 OV_EINVAL);
	assert_string_equal(why, "no template for kind \"welcome_gift\"");
	assert_int_equal(
		compose("user_activation", "it", "not an address", USER_PARAMS),
		OV_EINVAL);
	assert_string_equal(why, "the recipient address is not usable");
	/* A recipient smuggling a header in. */
	assert_int_equal(compose("user_activation", "it",
				 "a@example.com\r\nBcc: b@example.com",
				 USER_PARAMS),
			 OV_EINVAL);
	assert_int_equal(
		compose("user_activation", "it", "a@example.com", "[1,2]"),
		OV_EINVAL);
	assert_string_equal(why, "the parameters are not a JSON object");
	assert_int_equal(compose("user_activation", "it", "a@example.com",
				 "{\"username\":"),
			 OV_EINVAL);
	/* A row that is not UTF-8 (Latin-1 ò) is not JSON. */
	assert_int_equal(compose("user_activation", "it", "a@example.com",
				 "{\"username\":\"Nicol\xf2\"}"),
			 OV_EINVAL);
}

static void subject_with_accents_is_encoded_and_folded(void **state)
{
	char out[1024], bin[256], word[128];
	size_t bin_len;
	(void)state;
	const char *subj = "Attivazione Utenza «Ufficio Ovunque Sei» – "
			   "città di Forlì, perché è così";
	assert_int_equal(
		notify_header_encode("Subject", subj, out, sizeof(out)), OV_OK);
	assert_memory_equal(out, "Subject: =?UTF-8?B?", 19);
	/* Decode every encoded word and put the subject back together. */
	char joined[512];
	size_t joined_len = 0;
	const char *p = out;
	while ((p = strstr(p, "=?UTF-8?B?"))) {
		p += 10;
		const char *end = strstr(p, "?=");
		assert_non_null(end);
		assert_true(end - p < (long)sizeof(word));
		memcpy(word, p, (size_t)(end - p));
		word[end - p] = '\0';
		assert_int_equal(
			sodium_base642bin((unsigned char *)bin, sizeof(bin),
					  word, strlen(word), NULL, &bin_len,
					  NULL, sodium_base64_VARIANT_ORIGINAL),
			0);
		/* Each word holds whole characters. */
		assert_true(g_utf8_validate_len(bin, bin_len, NULL));
		assert_true(bin_len <= 39);
		assert_true(joined_len + bin_len < sizeof(joined));
		memcpy(joined + joined_len, bin, bin_len);
		joined_len += bin_len;
		p = end + 2;
	}
	joined[joined_len] = '\0';
	assert_string_equal(joined, subj);
	/* Folded: every line under 78 characters, continuation lines start
	 * with a space. */
	const char *line = out;
	while (line) {
		const char *eol = strstr(line, "\r\n");
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		assert_true(len <= 78);
		if (line != out)
			assert_int_equal(line[0], ' ');
		line = eol ? eol + 2 : NULL;
	}
}

static void header_values_are_checked(void **state)
{
	char out[128];
	(void)state;
	assert_int_equal(
		notify_header_encode("Subject", "Hello", out, sizeof(out)),
		OV_OK);
	assert_string_equal(out, "Subject: Hello");
	assert_int_equal(notify_header_encode("Subject", "a\r\nBcc: x", out,
					      sizeof(out)),
			 OV_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(
		notify_header_encode("Subject", "tab\there", out, sizeof(out)),
		OV_EINVAL);
	assert_int_equal(
		notify_header_encode("Subject", "caf\xe9", out, sizeof(out)),
		OV_EINVAL);
	/* "Subject: " + 56 = 65 bytes: fits in 66, not in 65. */
	char v[57];
	memset(v, 'a', 56);
	v[56] = '\0';
	assert_int_equal(notify_header_encode("Subject", v, out, 66), OV_OK);
	assert_int_equal(notify_header_encode("Subject", v, out, 65),
			 OV_ETOOBIG);
	assert_string_equal(out, "");
	assert_int_equal(notify_header_encode("Subject", "è", out, 20),
			 OV_ETOOBIG);
}

static void from_header_quotes_or_encodes_the_name(void **state)
{
	char out[256];
	(void)state;
	assert_int_equal(notify_from_header("TIM Ufficio Ovunque Sei",
					    "noreply@tim.example", out,
					    sizeof(out)),
			 OV_OK);
	assert_string_equal(
		out, "From: TIM Ufficio Ovunque Sei <noreply@tim.example>");
	assert_int_equal(notify_from_header("Ovunque S.p.A. \"PBX\"",
					    "noreply@tim.example", out,
					    sizeof(out)),
			 OV_OK);
	assert_string_equal(out, "From: \"Ovunque S.p.A. \\\"PBX\\\"\" "
				 "<noreply@tim.example>");
	assert_int_equal(notify_from_header("Città", "noreply@tim.example", out,
					    sizeof(out)),
			 OV_OK);
	assert_string_equal(out,
			    "From: =?UTF-8?B?Q2l0dMOg?= <noreply@tim.example>");
	assert_int_equal(
		notify_from_header("", "noreply@tim.example", out, sizeof(out)),
		OV_OK);
	assert_string_equal(out, "From: noreply@tim.example");
	assert_int_equal(notify_from_header("X", "bad", out, sizeof(out)),
			 OV_EINVAL);
}

static void dates_are_rfc5322_in_utc(void **state)
{
	char d[64];
	(void)state;
	notify_date(1681226880, d, sizeof(d));
	assert_string_equal(d, "Tue, 11 Apr 2023 15:28:00 +0000");
	notify_date(1709164805, d, sizeof(d));
	assert_string_equal(d, "Thu, 29 Feb 2024 00:00:05 +0000");
	notify_date(946684799, d, sizeof(d));
	assert_string_equal(d, "Fri, 31 Dec 1999 23:59:59 +0000");
	notify_date(0, d, sizeof(d));
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
}

static void addresses_and_domains(void **state)
{
	static const char *const good[] = {"a@b.it", "utente1@example.it",
					   "first.last+tag@mail.example.com",
					   "x_y-z@sub-domain.example.org"};
	static const char *const bad[] = {
		"",	    "@b.it",	"a@",	    "a@b",	  "a@@b.it",
		"a@b@c.it", "a b@c.it", "<a@b.it>", "a@b.it\r\n", "a@-b.it",
		"a@b..it",  "a@b.it.",	"a\"@b.it", "a,b@c.it",	  "à@b.it",
		"a@bà.it",  "a;b@c.it", "a@b_c.it", "(a)@b.it",	  "a@.b.it"};
	char local[80];
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(notify_addr_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (notify_addr_ok(bad[i]))
			print_error("accepted \"%s\"\n", bad[i]);
		assert_false(notify_addr_ok(bad[i]));
	}
	/* Local part: 64 characters at most. */
	memset(local, 'a', 64);
	snprintf(local + 64, sizeof(local) - 64, "@b.it");
	assert_true(notify_addr_ok(local));
	memset(local, 'a', 65);
	snprintf(local + 65, sizeof(local) - 65, "@b.it");
	assert_false(notify_addr_ok(local));
	assert_true(notify_domain_ok("mail.ovunque.example"));
	assert_true(notify_domain_ok("localhost"));
	assert_false(notify_domain_ok(""));
	assert_false(notify_domain_ok("a b"));
	assert_false(notify_domain_ok("x>y"));
}

static void numbers_as_people_write_them(void **state)
{
	char out[32];
	(void)state;
	notify_number_display("+390612345678", out, sizeof(out));
	assert_string_equal(out, "0612345678");
	notify_number_display("+393331234567", out, sizeof(out));
	assert_string_equal(out, "3331234567");
	notify_number_display("+41441234567", out, sizeof(out));
	assert_string_equal(out, "+41441234567");
	notify_number_display("+39", out, sizeof(out));
	assert_string_equal(out, "+39");
}

static void kinds_and_their_secrets(void **state)
{
	(void)state;
	assert_string_equal(notify_kind_secret("admin_activation"), "password");
	assert_string_equal(notify_kind_secret("user_activation"), "password");
	assert_string_equal(notify_kind_secret("password_reset"), "code");
	assert_null(notify_kind_secret("password_changed"));
	assert_null(notify_kind_secret("nope"));
	assert_true(notify_kind_known("password_changed"));
	assert_false(notify_kind_known("nope"));
}

static void shipped_templates_pass_the_startup_check(void **state)
{
	(void)state;
	assert_int_equal(notify_templates_check(&brand, why, sizeof(why)),
			 OV_OK);
	/* A brand whose sender is unusable fails it, naming the template. */
	struct notify_brand b = brand;
	b.from_addr = "nobody";
	assert_int_equal(notify_templates_check(&b, why, sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(why,
			    "admin_activation.it: the sender is not usable");
}

static void a_brand_name_with_accents_reaches_every_part(void **state)
{
	struct notify_brand b = brand;
	struct notify_mail_in in = {
		.kind = "user_activation",
		.language = "it",
		.recipient = "a@example.com",
		.params = USER_PARAMS,
		.message_id = "<outbox-1.ovunque@ovunque.example>",
		.date = 0,
	};
	(void)state;
	b.service = "Ufficio Ovunque Sei – Città";
	assert_int_equal(notify_mail_compose(&b, &in, m, why, sizeof(why)),
			 OV_OK);
	assert_string_equal(m->subject,
			    "Attivazione Utenza Ufficio Ovunque Sei – Città");
	assert_memory_equal(header("Subject"), "=?UTF-8?B?", 10);
	assert_non_null(
		strstr(m->text, "servizio Ufficio Ovunque Sei – Città."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(user_activation_is_the_seed_mail),
		cmocka_unit_test(english_and_unknown_languages),
		cmocka_unit_test(every_kind_renders_in_both_languages),
		cmocka_unit_test(values_are_escaped_in_html_only),
		cmocka_unit_test(an_erased_secret_cannot_be_rendered),
		cmocka_unit_test(a_sealed_secret_opens_only_with_notify_key),
		cmocka_unit_test(bad_rows_are_refused_with_a_reason),
		cmocka_unit_test(subject_with_accents_is_encoded_and_folded),
		cmocka_unit_test(header_values_are_checked),
		cmocka_unit_test(from_header_quotes_or_encodes_the_name),
		cmocka_unit_test(dates_are_rfc5322_in_utc),
		cmocka_unit_test(addresses_and_domains),
		cmocka_unit_test(numbers_as_people_write_them),
		cmocka_unit_test(kinds_and_their_secrets),
		cmocka_unit_test(shipped_templates_pass_the_startup_check),
		cmocka_unit_test(a_brand_name_with_accents_reaches_every_part),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
