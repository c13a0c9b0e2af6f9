/* The web app's paths: what may be served, as which file and type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

static void paths_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"index.html",
		"/..",
		"/../etc/passwd",
		"/assets/../../x.js",
		"/a/..",
		"/..%2f",
		"/assets\\x.js",
		"/.env",
		"/assets/.hidden.js",
		"//etc/passwd",
		"/a//b.js",
		"/a\tb",
		"/a\x7f",
		"/a\x01.js",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[64];
		assert_false(web_path_ok(bad[i]));
		assert_false(web_file_of(bad[i], out, sizeof(out)));
	}
}

static void path_length_bounded(void **state)
{
	(void)state;
	char p[WEB_PATH_MAX + 2];
	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	p[WEB_PATH_MAX] = '\0'; /* exactly WEB_PATH_MAX bytes */
	assert_true(web_path_ok(p));
	p[WEB_PATH_MAX] = 'a';
	p[WEB_PATH_MAX + 1] = '\0';
	assert_false(web_path_ok(p));
}

static void routes_and_files(void **state)
{
	(void)state;
	static const struct {
		const char *path, *file;
	} cases[] = {
		{"/", "index.html"},
		{"/login", "index.html"},
		{"/servizi/squillo", "index.html"},
		{"/password", "index.html"},
		{"/sw.js", "sw.js"},
		{"/manifest.webmanifest", "manifest.webmanifest"},
		{"/assets/app-3f2a.js", "assets/app-3f2a.js"},
		{"/icons/icon-192.png", "icons/icon-192.png"},
		/* A dot in an earlier segment does not make a file. */
		{"/v1.2/x", "index.html"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		assert_true(web_file_of(cases[i].path, out, sizeof(out)));
		assert_string_equal(out, cases[i].file);
	}
	char small[8];
	assert_false(web_file_of("/assets/long-name.js", small, sizeof(small)));
}

static void types_and_caching(void **state)
{
	(void)state;
	assert_string_equal(web_content_type("index.html"),
			    "text/html; charset=utf-8");
	assert_string_equal(web_content_type("assets/app-1.js"),
			    "text/javascript; charset=utf-8");
	assert_string_equal(web_content_type("assets/app-1.css"),
			    "text/css; charset=utf-8");
	assert_string_equal(web_content_type("manifest.webmanifest"),
			    "application/manifest+json");
	assert_string_equal(web_content_type("icons/icon.svg"),
			    "image/svg+xml");
	assert_string_equal(web_content_type("icons/icon-512.png"),
			    "image/png");
	assert_string_equal(web_content_type("README"),
			    "application/octet-stream");
	assert_string_equal(web_content_type("a.b/README"),
			    "application/octet-stream");
	assert_string_equal(web_content_type("x.exe"),
			    "application/octet-stream");
	assert_string_equal(web_cache_control("assets/app-1.js"),
			    "public, max-age=31536000, immutable");
	assert_string_equal(web_cache_control("index.html"), "no-cache");
	assert_string_equal(web_cache_control("sw.js"), "no-cache");
}

static void gzip_accepted(void **state)
{
	(void)state;
	assert_true(web_accepts_gzip("gzip"));
	assert_true(web_accepts_gzip("gzip, deflate, br"));
	assert_true(web_accepts_gzip("deflate, GZIP;q=0.8"));
	assert_true(web_accepts_gzip("*"));
	assert_false(web_accepts_gzip("gzip;q=0"));
	assert_false(web_accepts_gzip("gzip; q=0, *"));
	assert_false(web_accepts_gzip("deflate, br"));
	assert_false(web_accepts_gzip("identity"));
	assert_false(web_accepts_gzip(""));
	assert_false(web_accepts_gzip(NULL));
}

static void csp_allows_the_app_and_its_sip_edge(void **state)
{
	char csp[512];
	(void)state;

	assert_true(web_csp("", csp, sizeof(csp)));
	assert_non_null(strstr(csp, "default-src 'self';"));
	assert_non_null(strstr(csp, "connect-src 'self';"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_null(strstr(csp, "unsafe"));
	assert_true(web_csp("ws://127.0.0.1:5066/ws", csp, sizeof(csp)));
	assert_non_null(strstr(csp, "connect-src 'self' ws://127.0.0.1:5066;"));
	assert_true(web_csp("wss://sip.example.it", csp, sizeof(csp)));
	assert_non_null(
		strstr(csp, "connect-src 'self' wss://sip.example.it;"));
	assert_true(web_csp("wss://[::1]:8443?x", csp, sizeof(csp)));
	assert_non_null(strstr(csp, "connect-src 'self' wss://[::1]:8443;"));
}

static void csp_refuses_what_would_break_it(void **state)
{
	char csp[512];
	(void)state;
	static const char *const bad[] = {
		"http://127.0.0.1:5066",
		"ws://",
		"wss:///ws",
		"ws://a b",
		"ws://a;script-src *",
		"ws://a'",
		"ws://a\r\nX: y",
		"ws://a,b",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(web_csp(bad[i], csp, sizeof(csp)));
	assert_false(web_csp("ws://127.0.0.1:5066", csp, 64));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csp_allows_the_app_and_its_sip_edge),
		cmocka_unit_test(csp_refuses_what_would_break_it),
		cmocka_unit_test(paths_refused),
		cmocka_unit_test(path_length_bounded),
		cmocka_unit_test(routes_and_files),
		cmocka_unit_test(types_and_caching),
		cmocka_unit_test(gzip_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
