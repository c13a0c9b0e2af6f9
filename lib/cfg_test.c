#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfg.h"

/* A fake environment: a NULL-terminated list of "NAME=value". */
static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	size_t l = strlen(name);

	for (const char *const *e = fake_env; e && *e; e++)
		if (strncmp(*e, name, l) == 0 && (*e)[l] == '=')
			return *e + l + 1;
	return NULL;
}

struct conf {
	const char *name;
	int port;
	bool debug;
	const char *urls;
};

#define N_VARS 4

static void vars_for(struct conf *c, struct ov_cfg_var *v)
{
	const struct ov_cfg_var tmpl[N_VARS] = {
		OV_CFG_STR("OV_NAME", "router", "service name", &c->name),
		OV_CFG_INT("OV_PORT", "8080", "HTTP port", &c->port, 1, 65535),
		OV_CFG_BOOL("OV_DEBUG", "false", "debug mode", &c->debug),
		OV_CFG_URLS("OV_URLS", "tcp://127.0.0.1:7000", "bus URLs",
			    &c->urls),
	};
	memcpy(v, tmpl, sizeof(tmpl));
}

/* Loads with the given environment; err gets the message. */
static enum ov_err load(const char *const *env, struct conf *c, char *err,
			size_t errlen)
{
	struct ov_cfg_var v[N_VARS];

	memset(c, 0, sizeof(*c));
	vars_for(c, v);
	fake_env = env;
	err[0] = '\0';
	return ov_cfg_load(v, N_VARS, fake_getenv, err, errlen);
}

static void defaults(void **state)
{
	struct conf c;
	char err[256];
	(void)state;

	assert_int_equal(load(NULL, &c, err, sizeof(err)), OV_OK);
	assert_string_equal(c.name, "router");
	assert_int_equal(c.port, 8080);
	assert_false(c.debug);
	assert_string_equal(c.urls, "tcp://127.0.0.1:7000");
	assert_string_equal(err, "");
}

static void environment_overrides_defaults(void **state)
{
	const char *const env[] = {"OV_NAME=ivr", "OV_PORT=65535",
				   "OV_DEBUG=yes",
				   "OV_URLS=ipc:///tmp/a,inproc://b", NULL};
	struct conf c;
	char err[256];
	(void)state;

	assert_int_equal(load(env, &c, err, sizeof(err)), OV_OK);
	assert_string_equal(c.name, "ivr");
	assert_int_equal(c.port, 65535);
	assert_true(c.debug);
	assert_string_equal(c.urls, "ipc:///tmp/a,inproc://b");
}

static void required_missing_names_it(void **state)
{
	const char *db = NULL;
	int n = 0;
	const struct ov_cfg_var v[] = {
		OV_CFG_INT("OV_N", "3", "a number", &n, 0, 10),
		OV_CFG_STR("OV_DB_URL", NULL, "PostgreSQL connection", &db),
	};
	char err[256] = "";
	(void)state;

	fake_env = NULL;
	assert_int_equal(ov_cfg_load(v, 2, fake_getenv, err, sizeof(err)),
			 OV_EINVAL);
	assert_non_null(strstr(err, "OV_DB_URL"));
	assert_non_null(strstr(err, "required"));

	/* Set, even to "", it is no longer missing. */
	const char *const env[] = {"OV_DB_URL=", NULL};
	fake_env = env;
	assert_int_equal(ov_cfg_load(v, 2, fake_getenv, err, sizeof(err)),
			 OV_OK);
	assert_string_equal(db, "");
}

static void expect_bad(const char *const *env, const char *name,
		       const char *value)
{
	struct conf c;
	char err[256];

	assert_int_equal(load(env, &c, err, sizeof(err)), OV_EINVAL);
	assert_non_null(strstr(err, name));
	assert_non_null(strstr(err, value));
}

static void bad_int(void **state)
{
	const char *const junk[] = {"OV_PORT=80x", NULL};
	const char *const empty[] = {"OV_PORT=", NULL};
	const char *const word[] = {"OV_PORT=http", NULL};
	const char *const frac[] = {"OV_PORT=80.5", NULL};
	(void)state;

	expect_bad(junk, "OV_PORT", "80x");
	expect_bad(empty, "OV_PORT", "\"\"");
	expect_bad(word, "OV_PORT", "http");
	expect_bad(frac, "OV_PORT", "80.5");
}

static void out_of_range_int(void **state)
{
	const char *const zero[] = {"OV_PORT=0", NULL};
	const char *const high[] = {"OV_PORT=65536", NULL};
	const char *const neg[] = {"OV_PORT=-1", NULL};
	const char *const huge[] = {"OV_PORT=99999999999999999999999", NULL};
	struct conf c;
	char err[256];
	(void)state;

	expect_bad(zero, "OV_PORT", "0");
	expect_bad(high, "OV_PORT", "65536");
	expect_bad(neg, "OV_PORT", "-1");
	expect_bad(huge, "OV_PORT", "99999999999999999999999");
	/* The message says what is allowed. */
	load(high, &c, err, sizeof(err));
	assert_non_null(strstr(err, "1 to 65535"));

	const char *const lo[] = {"OV_PORT=1", NULL};
	assert_int_equal(load(lo, &c, err, sizeof(err)), OV_OK);
	assert_int_equal(c.port, 1);
}

static void int_beyond_int_range_is_rejected(void **state)
{
	int n = 7;
	const struct ov_cfg_var v[] = {
		OV_CFG_INT("OV_BIG", "0", "big", &n, LONG_MIN, LONG_MAX),
	};
	char env_big[64];
	char err[256];
	(void)state;

	/* Fits a long but not the int destination: no silent wrap. */
	snprintf(env_big, sizeof(env_big), "OV_BIG=%lld",
		 (long long)INT_MAX + 1);
	const char *const env[] = {env_big, NULL};
	fake_env = env;
	assert_int_equal(ov_cfg_load(v, 1, fake_getenv, err, sizeof(err)),
			 OV_EINVAL);
	assert_int_equal(n, 7);
	assert_non_null(strstr(err, "OV_BIG"));
}

static void bools(void **state)
{
	static const char *const yes[] = {"1", "true", "TRUE", "yes", "on"};
	static const char *const no[] = {"0", "false", "False", "no", "off"};
	static const char *const bad[] = {"", "2", "y", "truee", "nope"};
	char env_s[64];
	const char *const env[] = {env_s, NULL};
	struct conf c;
	char err[256];
	(void)state;

	for (size_t i = 0; i < 5; i++) {
		snprintf(env_s, sizeof(env_s), "OV_DEBUG=%s", yes[i]);
		assert_int_equal(load(env, &c, err, sizeof(err)), OV_OK);
		assert_true(c.debug);
		snprintf(env_s, sizeof(env_s), "OV_DEBUG=%s", no[i]);
		c.debug = true;
		assert_int_equal(load(env, &c, err, sizeof(err)), OV_OK);
		assert_false(c.debug);
		snprintf(env_s, sizeof(env_s), "OV_DEBUG=%s", bad[i]);
		assert_int_equal(load(env, &c, err, sizeof(err)), OV_EINVAL);
		assert_non_null(strstr(err, "OV_DEBUG"));
		assert_non_null(strstr(err, "true or false"));
	}
}

static void url_lists(void **state)
{
	static const char *const good[] = {
		"tcp://127.0.0.1:7000",
		"ipc:///tmp/ov.sock",
		"inproc://x",
		"tcp://a:1,tcp://b:2",
		"tcp://a:1,ipc:///tmp/b,inproc://c",
	};
	static const char *const bad[] = {
		"",
		",",
		"tcp://a:1,,tcp://b:2",
		",tcp://a:1",
		"tcp://a:1,",
		"http://a:1",
		"tcp://a:1,udp://b:2",
		"tcp://",
		"a:1",
		"TCP//a:1",
	};
	char env_s[128];
	const char *const env[] = {env_s, NULL};
	struct conf c;
	char err[256];
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(env_s, sizeof(env_s), "OV_URLS=%s", good[i]);
		assert_int_equal(load(env, &c, err, sizeof(err)), OV_OK);
		assert_string_equal(c.urls, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(env_s, sizeof(env_s), "OV_URLS=%s", bad[i]);
		if (load(env, &c, err, sizeof(err)) != OV_EINVAL)
			fail_msg("\"%s\" accepted as a URL list", bad[i]);
		assert_non_null(strstr(err, "OV_URLS"));
		assert_non_null(strstr(err, "URLs"));
	}
}

static enum ov_err collect(const char *url, void *arg)
{
	char *out = arg;
	size_t l = strlen(out);

	snprintf(out + l, 256 - l, "[%s]", url);
	return OV_OK;
}

static enum ov_err refuse_second(const char *url, void *arg)
{
	int *calls = arg;
	(void)url;
	return ++*calls == 2 ? OV_EUNAVAIL : OV_OK;
}

static void each_url_splits_and_stops_on_error(void **state)
{
	char out[256] = "";
	int calls = 0;
	(void)state;

	assert_int_equal(
		ov_cfg_each_url("tcp://a:1,ipc:///b,inproc://c", collect, out),
		OV_OK);
	assert_string_equal(out, "[tcp://a:1][ipc:///b][inproc://c]");
	assert_int_equal(ov_cfg_each_url("inproc://a,inproc://b,inproc://c",
					 refuse_second, &calls),
			 OV_EUNAVAIL);
	assert_int_equal(calls, 2);
}

static void parse_long_edges(void **state)
{
	long v = 42;
	char buf[64];
	(void)state;

	assert_false(ov_parse_long(NULL, 0, 10, &v));
	assert_false(ov_parse_long("", 0, 10, &v));
	assert_false(ov_parse_long("5x", 0, 10, &v));
	assert_false(ov_parse_long("5 ", 0, 10, &v));
	assert_false(ov_parse_long("0x5", 0, 10, &v));
	assert_false(ov_parse_long("-", LONG_MIN, LONG_MAX, &v));
	assert_false(
		ov_parse_long("99999999999999999999", LONG_MIN, LONG_MAX, &v));
	assert_false(
		ov_parse_long("-99999999999999999999", LONG_MIN, LONG_MAX, &v));
	assert_false(ov_parse_long("11", 0, 10, &v));
	assert_false(ov_parse_long("-1", 0, 10, &v));
	/* Failure leaves the output alone. */
	assert_int_equal(v, 42);

	assert_true(ov_parse_long("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(ov_parse_long("10", 0, 10, &v));
	assert_int_equal(v, 10);
	assert_true(ov_parse_long("-7", -10, 10, &v));
	assert_int_equal(v, -7);
	/* Leading zeros are decimal, not octal. */
	assert_true(ov_parse_long("010", 0, 100, &v));
	assert_int_equal(v, 10);
	snprintf(buf, sizeof(buf), "%ld", LONG_MAX);
	assert_true(ov_parse_long(buf, LONG_MIN, LONG_MAX, &v));
	assert_true(v == LONG_MAX);
	snprintf(buf, sizeof(buf), "%ld", LONG_MIN);
	assert_true(ov_parse_long(buf, LONG_MIN, LONG_MAX, &v));
	assert_true(v == LONG_MIN);
}

static void print_hides_secrets(void **state)
{
	const char *db_password = "hunter2-pw";
	const char *api_secret = "s3cr3t-token";
	const char *user = "ovunque-user";
	int port = 5432;
	const struct ov_cfg_var v[] = {
		OV_CFG_STR("OV_DB_USER", "postgres", "database user", &user),
		OV_CFG_STR("OV_DB_PASSWORD", NULL, "database password",
			   &db_password),
		OV_CFG_STR("OV_API_SECRET", "", "API token", &api_secret),
		OV_CFG_INT("OV_DB_PORT", "5432", "database port", &port, 1,
			   65535),
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	(void)state;

	assert_non_null(f);
	ov_cfg_print(f, v, sizeof(v) / sizeof(v[0]));
	assert_int_equal(fclose(f), 0);
	assert_non_null(text);

	assert_null(strstr(text, "hunter2-pw"));
	assert_null(strstr(text, "s3cr3t-token"));
	assert_non_null(strstr(text, "OV_DB_PASSWORD"));
	assert_non_null(strstr(text, "OV_API_SECRET"));
	assert_non_null(strstr(text, "hidden"));
	/* Other values are shown, with their meaning and default. */
	assert_non_null(strstr(text, "ovunque-user"));
	assert_non_null(strstr(text, "database user"));
	assert_non_null(strstr(text, "5432"));
	assert_non_null(strstr(text, "required"));
	/* A header and one line per variable. */
	size_t lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + sizeof(v) / sizeof(v[0]));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(environment_overrides_defaults),
		cmocka_unit_test(required_missing_names_it),
		cmocka_unit_test(bad_int),
		cmocka_unit_test(out_of_range_int),
		cmocka_unit_test(int_beyond_int_range_is_rejected),
		cmocka_unit_test(bools),
		cmocka_unit_test(url_lists),
		cmocka_unit_test(each_url_splits_and_stops_on_error),
		cmocka_unit_test(parse_long_edges),
		cmocka_unit_test(print_hides_secrets),
	};
	return cmocka_run_group_tests_name("cfg", tests, NULL, NULL);
}
