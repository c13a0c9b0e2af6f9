#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* 2023-11-14T22:13:20.123Z */
#define TS 1700000000123LL
#define HEAD "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"info\","

/* Formats one info line of svc "router", event "e", no context. */
static const char *fmt1(char *buf, size_t size, const struct ov_log_field *f,
			size_t n)
{
	size_t len = ov_log_format(buf, size, TS, OV_LOG_INFO, "router", "e",
				   NULL, f, n);
	assert_int_equal(len, strlen(buf));
	return buf;
}

static void plain_line(void **state)
{
	char buf[512];
	(void)state;

	size_t len = ov_log_format(buf, sizeof(buf), TS, OV_LOG_WARN, "router",
				   "bus.listen", NULL, NULL, 0);
	assert_string_equal(buf, "{\"ts\":\"2023-11-14T22:13:20.123Z\","
				 "\"level\":\"warn\",\"svc\":\"router\","
				 "\"event\":\"bus.listen\"}\n");
	assert_int_equal(len, strlen(buf));
	ov_log_format(buf, sizeof(buf), 5, OV_LOG_ERROR, "s", "x", NULL, NULL,
		      0);
	assert_string_equal(buf,
			    "{\"ts\":\"1970-01-01T00:00:00.005Z\",\"level\":"
			    "\"error\",\"svc\":\"s\",\"event\":\"x\"}\n");
}

static void escapes_json_specials(void **state)
{
	char buf[512];
	const struct ov_log_field f[] = {
		OV_LS("q", "say \"hi\""), OV_LS("bs", "C:\\dir"),
		OV_LS("nl", "a\nb\r\tc"), OV_LS("ctl", "\x01\x1f\x7f"),
		OV_LS("k\"ey", "v"),
	};
	(void)state;

	assert_string_equal(fmt1(buf, sizeof(buf), f, 5),
			    HEAD "\"svc\":\"router\",\"event\":\"e\","
				 "\"q\":\"say \\\"hi\\\"\","
				 "\"bs\":\"C:\\\\dir\","
				 "\"nl\":\"a\\nb\\r\\tc\","
				 "\"ctl\":\"\\u0001\\u001f\\u007f\","
				 "\"k\\\"ey\":\"v\"}\n");
}

static void utf8_kept_invalid_replaced(void **state)
{
	char buf[512];
	const struct ov_log_field ok[] = {
		OV_LS("it", "perch\xc3\xa8"),	    /* è */
		OV_LS("eur", "5\xe2\x82\xac"),	    /* € */
		OV_LS("emoji", "\xf0\x9f\x93\x9e"), /* U+1F4DE */
		OV_LS("max", "\xf4\x8f\xbf\xbf"),   /* U+10FFFF */
	};
	const struct ov_log_field bad[] = {
		OV_LS("lone", "a\x80z"),	    /* stray continuation */
		OV_LS("cut", "\xc3"),		    /* truncated sequence */
		OV_LS("overlong", "\xc0\xaf"),	    /* overlong '/' */
		OV_LS("surrogate", "\xed\xa0\x80"), /* U+D800 */
		OV_LS("big", "\xf4\x90\x80\x80"),   /* over U+10FFFF */
		OV_LS("ff", "\xff"),
		OV_LS("mixed", "\xe2\x82z"), /* 3-byte lead, 2 bytes */
	};
	(void)state;

	assert_string_equal(fmt1(buf, sizeof(buf), ok, 4),
			    HEAD "\"svc\":\"router\",\"event\":\"e\","
				 "\"it\":\"perch\xc3\xa8\","
				 "\"eur\":\"5\xe2\x82\xac\","
				 "\"emoji\":\"\xf0\x9f\x93\x9e\","
				 "\"max\":\"\xf4\x8f\xbf\xbf\"}\n");
	assert_string_equal(fmt1(buf, sizeof(buf), bad, 7),
			    HEAD "\"svc\":\"router\",\"event\":\"e\","
				 "\"lone\":\"a\\ufffdz\","
				 "\"cut\":\"\\ufffd\","
				 "\"overlong\":\"\\ufffd\\ufffd\","
				 "\"surrogate\":\"\\ufffd\\ufffd\\ufffd\","
				 "\"big\":\"\\ufffd\\ufffd\\ufffd\\ufffd\","
				 "\"ff\":\"\\ufffd\","
				 "\"mixed\":\"\\ufffd\\ufffdz\"}\n");
}

static void numbers_and_bools(void **state)
{
	char buf[512];
	const struct ov_log_field f[] = {
		OV_LI("n", -42),	  OV_LI("big", 9007199254740993LL),
		OV_LD("d", 0.25),	  OV_LD("small", 1.5e-7),
		OV_LD("nan", NAN),	  OV_LD("inf", INFINITY),
		OV_LD("minf", -INFINITY), OV_LB("yes", true),
		OV_LB("no", false),	  OV_LS("null_str", NULL),
	};
	(void)state;

	assert_string_equal(fmt1(buf, sizeof(buf), f, 10),
			    HEAD "\"svc\":\"router\",\"event\":\"e\","
				 "\"n\":-42,\"big\":9007199254740993,"
				 "\"d\":0.25,\"small\":1.5e-07,"
				 "\"nan\":null,\"inf\":null,\"minf\":null,"
				 "\"yes\":true,\"no\":false,"
				 "\"null_str\":\"\"}\n");
}

static void context_only_when_set(void **state)
{
	char buf[512];
	const struct ov_log_ctx both = {"t-1", "req-9"};
	const struct ov_log_ctx tenant = {"t-1", ""};
	const struct ov_log_ctx rid = {NULL, "req-9"};
	const struct ov_log_ctx none = {"", NULL};
	const struct ov_log_field f[] = {OV_LI("x", 1)};
	(void)state;

	ov_log_format(buf, sizeof(buf), TS, OV_LOG_INFO, "router", "e", &both,
		      f, 1);
	assert_string_equal(buf, HEAD "\"svc\":\"router\",\"event\":\"e\","
				      "\"tenant\":\"t-1\","
				      "\"request_id\":\"req-9\",\"x\":1}\n");
	ov_log_format(buf, sizeof(buf), TS, OV_LOG_INFO, "router", "e", &tenant,
		      f, 1);
	assert_string_equal(buf, HEAD "\"svc\":\"router\",\"event\":\"e\","
				      "\"tenant\":\"t-1\",\"x\":1}\n");
	ov_log_format(buf, sizeof(buf), TS, OV_LOG_INFO, "router", "e", &rid, f,
		      1);
	assert_string_equal(buf, HEAD "\"svc\":\"router\",\"event\":\"e\","
				      "\"request_id\":\"req-9\",\"x\":1}\n");
	ov_log_format(buf, sizeof(buf), TS, OV_LOG_INFO, "router", "e", &none,
		      f, 1);
	assert_string_equal(buf, HEAD "\"svc\":\"router\",\"event\":\"e\","
				      "\"x\":1}\n");
	/* A tenant off the wire is escaped like any other string. */
	const struct ov_log_ctx evil = {"t\"}\n{", NULL};
	ov_log_format(buf, sizeof(buf), TS, OV_LOG_INFO, "router", "e", &evil,
		      NULL, 0);
	assert_string_equal(buf, HEAD "\"svc\":\"router\",\"event\":\"e\","
				      "\"tenant\":\"t\\\"}\\n{\"}\n");
}

static void truncation_like_snprintf(void **state)
{
	char full[512];
	char small[20];
	const struct ov_log_field f[] = {OV_LS("msg", "perch\xc3\xa8 \"x\"")};
	(void)state;

	size_t need = ov_log_format(full, sizeof(full), TS, OV_LOG_INFO,
				    "router", "e", NULL, f, 1);
	assert_int_equal(need, strlen(full));
	assert_true(need > sizeof(small));

	memset(small, 'Z', sizeof(small));
	size_t got = ov_log_format(small, sizeof(small), TS, OV_LOG_INFO,
				   "router", "e", NULL, f, 1);
	assert_int_equal(got, need);
	assert_int_equal(small[sizeof(small) - 1], '\0');
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);

	/* Exactly enough room: the whole line, NUL-terminated. */
	char *exact = malloc(need + 1);
	assert_non_null(exact);
	assert_int_equal(ov_log_format(exact, need + 1, TS, OV_LOG_INFO,
				       "router", "e", NULL, f, 1),
			 need);
	assert_string_equal(exact, full);
	/* One byte short: loses the final newline only. */
	assert_int_equal(ov_log_format(exact, need, TS, OV_LOG_INFO, "router",
				       "e", NULL, f, 1),
			 need);
	assert_int_equal(strlen(exact), need - 1);
	assert_memory_equal(exact, full, need - 1);
	free(exact);

	/* Size 0 only measures, touching nothing. */
	char one = 'Q';
	assert_int_equal(ov_log_format(&one, 0, TS, OV_LOG_INFO, "router", "e",
				       NULL, f, 1),
			 need);
	assert_int_equal(one, 'Q');
}

static void levels_parse(void **state)
{
	enum ov_log_level l = OV_LOG_ERROR;
	char err[128] = "";
	(void)state;

	assert_true(ov_log_parse_level("debug", &l));
	assert_int_equal(l, OV_LOG_DEBUG);
	assert_true(ov_log_parse_level("warn", &l));
	assert_int_equal(l, OV_LOG_WARN);
	assert_false(ov_log_parse_level("verbose", &l));
	assert_false(ov_log_parse_level("", &l));
	assert_false(ov_parse_level_or("loud", &l, err, sizeof(err)));
	assert_non_null(strstr(err, "OV_LOG_LEVEL"));
	assert_non_null(strstr(err, "loud"));
}

/* Runs ov_log_emit with stderr sent to a file; returns what it wrote. */
static char *emit_captured(const struct ov_log_ctx *ctx,
			   const struct ov_log_field *f, size_t n, size_t *len)
{
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	ov_log_emit(OV_LOG_WARN, ctx, "test.emit", f, n);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);

	long size = ftell(tmp);
	assert_true(size >= 0);
	char *out = calloc(1, (size_t)size + 1);
	assert_non_null(out);
	rewind(tmp);
	assert_int_equal(fread(out, 1, (size_t)size, tmp), (size_t)size);
	fclose(tmp);
	*len = (size_t)size;
	return out;
}

static void emit_writes_one_line(void **state)
{
	const struct ov_log_ctx ctx = {"t-1", "r-1"};
	const struct ov_log_field f[] = {OV_LI("n", 3)};
	size_t len;
	(void)state;

	ov_log_init("logtest", OV_LOG_INFO);
	char *out = emit_captured(&ctx, f, 1, &len);
	assert_int_equal(len, strlen(out));
	assert_non_null(strstr(out, "\"level\":\"warn\",\"svc\":\"logtest\","
				    "\"event\":\"test.emit\","
				    "\"tenant\":\"t-1\",\"request_id\":\"r-1\","
				    "\"n\":3}\n"));
	free(out);

	/* Below the minimum level: nothing. */
	ov_log_init("logtest", OV_LOG_ERROR);
	out = emit_captured(&ctx, f, 1, &len);
	assert_int_equal(len, 0);
	free(out);
	ov_log_init("logtest", OV_LOG_INFO);
}

/* Fields too long for a line are dropped and counted. */
static void emit_drops_fields_too_long(void **state)
{
	char *big = malloc(6000);
	size_t len;
	(void)state;

	assert_non_null(big);
	memset(big, 'x', 5999);
	big[5999] = '\0';
	const struct ov_log_field f[] = {OV_LS("a", "1"), OV_LS("big", big)};
	ov_log_init("logtest", OV_LOG_INFO);
	char *out = emit_captured(NULL, f, 2, &len);
	assert_true(len < 4096);
	assert_int_equal(out[len - 1], '\n');
	assert_null(strstr(out, "xxxx"));
	assert_non_null(strstr(out, "\"truncated_fields\":2}\n"));
	free(out);
	free(big);
}

/* A request_id is whatever a bus client sent: one longer than a line
 * must not make the logger write past its buffer, and the line must
 * stay one JSON object. */
static void emit_huge_request_id_stays_bounded(void **state)
{
	char *rid = malloc(8000);
	size_t len;
	(void)state;

	assert_non_null(rid);
	memset(rid, 'r', 7999);
	rid[7999] = '\0';
	const struct ov_log_ctx ctx = {"t-1", rid};
	const struct ov_log_field f[] = {OV_LI("n", 1)};
	ov_log_init("logtest", OV_LOG_INFO);
	char *out = emit_captured(&ctx, f, 1, &len);
	assert_true(len > 0);
	assert_true(len < 4096);
	assert_int_equal(strlen(out), len); /* no stack bytes, no NUL */
	assert_memory_equal(out, "{\"ts\":\"", 7);
	assert_int_equal(out[len - 2], '}');
	assert_int_equal(out[len - 1], '\n');
	assert_non_null(strstr(out, "\"event\":\"test.emit\""));
	assert_non_null(strstr(out, "\"truncated_context\":true"));
	assert_null(strstr(out, "rrrr"));
	free(out);
	free(rid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_line),
		cmocka_unit_test(escapes_json_specials),
		cmocka_unit_test(utf8_kept_invalid_replaced),
		cmocka_unit_test(numbers_and_bools),
		cmocka_unit_test(context_only_when_set),
		cmocka_unit_test(truncation_like_snprintf),
		cmocka_unit_test(levels_parse),
		cmocka_unit_test(emit_writes_one_line),
		cmocka_unit_test(emit_drops_fields_too_long),
		cmocka_unit_test(emit_huge_request_id_stays_bounded),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
