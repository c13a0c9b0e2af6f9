#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "render.h"

static const struct notify_var vars[] = {
	{"username", "Utente1"},
	{"password", "t5TkR77O$$"},
	{"number", "0633040395"},
	{"company", "Società & Figli <Srl> \"Il Ponte\" d'Italia"},
	{"empty", ""},
	{"loop", "{{username}}"},
	{"username", "shadowed"},
};
#define N_VARS (sizeof(vars) / sizeof(vars[0]))

static char out[256], why[128];
static size_t out_len;

static enum ov_err render(const char *t, enum notify_render_mode mode)
{
	memset(out, 'x', sizeof(out));
	snprintf(why, sizeof(why), "stale");
	return notify_render(t, strlen(t), vars, N_VARS, mode, out, sizeof(out),
			     &out_len, why, sizeof(why));
}

static void substitutes_every_placeholder(void **state)
{
	(void)state;
	assert_int_equal(render("Username: {{username}}\nPassword: "
				"{{password}}\nUtenza: {{number}}\n",
				NOTIFY_RENDER_TEXT),
			 OV_OK);
	assert_string_equal(out, "Username: Utente1\nPassword: t5TkR77O$$\n"
				 "Utenza: 0633040395\n");
	assert_int_equal(out_len, strlen(out));
	assert_string_equal(why, "");
}

static void placeholders_at_edges_repeated_and_adjacent(void **state)
{
	(void)state;
	assert_int_equal(render("{{number}}{{number}}-{{empty}}-{{username}}",
				NOTIFY_RENDER_TEXT),
			 OV_OK);
	assert_string_equal(out, "06330403950633040395--Utente1");
	assert_int_equal(render("", NOTIFY_RENDER_TEXT), OV_OK);
	assert_string_equal(out, "");
	assert_int_equal(out_len, 0);
}

static void first_value_wins_and_values_are_not_rescanned(void **state)
{
	(void)state;
	assert_int_equal(render("{{loop}}", NOTIFY_RENDER_TEXT), OV_OK);
	assert_string_equal(out, "{{username}}");
}

static void single_braces_pass_through(void **state)
{
	(void)state;
	assert_int_equal(render("a { b } c }} d {", NOTIFY_RENDER_TEXT), OV_OK);
	assert_string_equal(out, "a { b } c }} d {");
}

static void html_escapes_values_not_the_template(void **state)
{
	(void)state;
	assert_int_equal(render("<b>{{company}}</b>", NOTIFY_RENDER_HTML),
			 OV_OK);
	assert_string_equal(out, "<b>Società &amp; Figli &lt;Srl&gt; &quot;Il "
				 "Ponte&quot; d&#39;Italia</b>");
	/* The text part keeps the value as the user wrote it. */
	assert_int_equal(render("{{company}}", NOTIFY_RENDER_TEXT), OV_OK);
	assert_string_equal(out, vars[3].value);
	/* A password with HTML-special characters survives escaping. */
	assert_int_equal(
		render("<code>{{password}}</code>", NOTIFY_RENDER_HTML), OV_OK);
	assert_string_equal(out, "<code>t5TkR77O$$</code>");
}

static void unknown_placeholder_is_an_error_naming_it(void **state)
{
	(void)state;
	assert_int_equal(render("Codice: {{code}}", NOTIFY_RENDER_TEXT),
			 OV_ENOTFOUND);
	assert_string_equal(why, "no value for {{code}}");
	assert_string_equal(out, "");
	assert_int_equal(out_len, 0);
	/* A prefix of a known name is not that name. */
	assert_int_equal(render("{{user}}", NOTIFY_RENDER_TEXT), OV_ENOTFOUND);
	assert_int_equal(render("{{usernames}}", NOTIFY_RENDER_TEXT),
			 OV_ENOTFOUND);
}

static void malformed_placeholders_are_refused(void **state)
{
	static const char *const bad[] = {
		"{{username", "{{username}",	"{{ username }}",
		"{{}}",	      "{{User}}",	"{{user-name}}",
		"x {{",	      "{{{username}}}", "{{username}x}"};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(render(bad[i], NOTIFY_RENDER_TEXT), OV_EINVAL);
		assert_non_null(strstr(why, "malformed placeholder"));
		assert_string_equal(out, "");
	}
}

static void name_length_limit(void **state)
{
	char t[80];
	(void)state;
	memset(t, 'a', sizeof(t));
	memcpy(t, "{{", 2);
	memcpy(t + 2 + 63, "}}", 3);
	assert_int_equal(render(t, NOTIFY_RENDER_TEXT), OV_ENOTFOUND);
	t[2 + 63] = 'a';
	memcpy(t + 2 + 64, "}}", 3);
	assert_int_equal(render(t, NOTIFY_RENDER_TEXT), OV_EINVAL);
}

static void utf8_passes_through_and_bad_utf8_is_refused(void **state)
{
	(void)state;
	assert_int_equal(render("Questa mail è generata automaticamente, "
				"«Telefono Virtuale» – {{company}} €",
				NOTIFY_RENDER_TEXT),
			 OV_OK);
	assert_string_equal(out, "Questa mail è generata automaticamente, "
				 "«Telefono Virtuale» – Società & Figli <Srl> "
				 "\"Il Ponte\" d'Italia €");
	/* A template that is not UTF-8 (Latin-1 è, a lone continuation). */
	assert_int_equal(render("mail \xe8 generata", NOTIFY_RENDER_TEXT),
			 OV_EINVAL);
	assert_string_equal(why, "the template is not UTF-8");
	assert_int_equal(render("\x80", NOTIFY_RENDER_TEXT), OV_EINVAL);
	/* A value that is not UTF-8. */
	const struct notify_var bad[] = {{"name", "Nicol\xf2"}};
	assert_int_equal(notify_render("Ciao {{name}}", 13, bad, 1,
				       NOTIFY_RENDER_TEXT, out, sizeof(out),
				       &out_len, why, sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(why, "the value of {{name}} is not UTF-8");
}

static void output_bound_is_exact(void **state)
{
	char small[11];
	size_t n;
	(void)state;
	/* "Utente1-ok" is 10 bytes: fits in 11 with its NUL, not in 10. */
	assert_int_equal(notify_render("{{username}}-ok", 15, vars, N_VARS,
				       NOTIFY_RENDER_TEXT, small, sizeof(small),
				       &n, why, sizeof(why)),
			 OV_OK);
	assert_string_equal(small, "Utente1-ok");
	assert_int_equal(n, 10);
	assert_int_equal(notify_render("{{username}}-ok", 15, vars, N_VARS,
				       NOTIFY_RENDER_TEXT, small, 10, &n, why,
				       sizeof(why)),
			 OV_ETOOBIG);
	assert_string_equal(small, "");
	assert_int_equal(n, 0);
	assert_string_equal(why, "the text is over 9 bytes");
	/* Escaping counts: "&amp;" needs five bytes. */
	const struct notify_var amp[] = {{"a", "&&"}};
	assert_int_equal(notify_render("{{a}}", 5, amp, 1, NOTIFY_RENDER_HTML,
				       small, 11, &n, why, sizeof(why)),
			 OV_OK);
	assert_string_equal(small, "&amp;&amp;");
	assert_int_equal(notify_render("{{a}}", 5, amp, 1, NOTIFY_RENDER_HTML,
				       small, 10, &n, why, sizeof(why)),
			 OV_ETOOBIG);
}

static void length_is_respected_not_the_nul(void **state)
{
	(void)state;
	/* Only the first len bytes are the template. */
	assert_int_equal(notify_render("{{number}}{{code}}", 10, vars, N_VARS,
				       NOTIFY_RENDER_TEXT, out, sizeof(out),
				       &out_len, why, sizeof(why)),
			 OV_OK);
	assert_string_equal(out, "0633040395");
	/* A placeholder cut by len is malformed. */
	assert_int_equal(notify_render("{{number}}", 9, vars, N_VARS,
				       NOTIFY_RENDER_TEXT, out, sizeof(out),
				       &out_len, why, sizeof(why)),
			 OV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(substitutes_every_placeholder),
		cmocka_unit_test(placeholders_at_edges_repeated_and_adjacent),
		cmocka_unit_test(first_value_wins_and_values_are_not_rescanned),
		cmocka_unit_test(single_braces_pass_through),
		cmocka_unit_test(html_escapes_values_not_the_template),
		cmocka_unit_test(unknown_placeholder_is_an_error_naming_it),
		cmocka_unit_test(malformed_placeholders_are_refused),
		cmocka_unit_test(name_length_limit),
		cmocka_unit_test(utf8_passes_through_and_bad_utf8_is_refused),
		cmocka_unit_test(output_bound_is_exact),
		cmocka_unit_test(length_is_respected_not_the_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
