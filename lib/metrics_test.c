#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

static char *render(void)
{
	size_t len = 0;
	char *text = ov_metrics_render(&len);

	assert_non_null(text);
	/* Callers send len bytes: it must be the text, newline-ended. */
	assert_true(len > 0);
	assert_int_equal(text[len - 1], '\n');
	char *z = malloc(len + 1);
	assert_non_null(z);
	memcpy(z, text, len);
	z[len] = '\0';
	assert_int_equal(strlen(z), len);
	free(text);
	return z;
}

/* How often needle occurs in hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The value of the sample line starting with `series ` (name and
 * labels exactly), asserting there is exactly one. */
static double sample(const char *text, const char *series)
{
	char key[256];
	char *end;

	snprintf(key, sizeof(key), "\n%s ", series);
	const char *p = strstr(text, key);
	if (!p)
		fail_msg("no sample %s in:\n%s", series, text);
	assert_null(strstr(p + 1, key));
	p += strlen(key);
	double v = strtod(p, &end);
	assert_true(end > p);
	assert_int_equal(*end, '\n');
	return v;
}

static bool name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' ||
	       (!first && isdigit((unsigned char)c));
}

/* Checks the exposition format line by line: "# HELP n text",
 * "# TYPE n counter|histogram" once per family and before its samples,
 * samples "name{k="v",...} value" of the declared family, and every
 * family's samples contiguous. */
static void check_exposition(const char *text)
{
	char family[64] = "";
	char seen[64][64];
	size_t n_seen = 0;
	bool histogram = false;
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		size_t len = (size_t)(nl - line);
		char l[512];
		assert_true(len < sizeof(l));
		memcpy(l, line, len);
		l[len] = '\0';
		line = nl + 1;

		if (strncmp(l, "# HELP ", 7) == 0) {
			char name[64];
			assert_int_equal(sscanf(l + 7, "%63s", name), 1);
			for (size_t i = 0; i < n_seen; i++)
				if (strcmp(seen[i], name) == 0)
					fail_msg("HELP for %s twice", name);
			assert_true(n_seen < 64);
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", name);
			snprintf(family, sizeof(family), "%s", name);
			/* TYPE must follow for the same name. */
			char type[160];
			snprintf(type, sizeof(type), "# TYPE %s ", name);
			assert_memory_equal(line, type, strlen(type));
			continue;
		}
		if (strncmp(l, "# TYPE ", 7) == 0) {
			char name[64], kind[32];
			assert_int_equal(sscanf(l + 7, "%63s %31s", name, kind),
					 2);
			assert_string_equal(name, family);
			histogram = strcmp(kind, "histogram") == 0;
			if (!histogram)
				assert_string_equal(kind, "counter");
			continue;
		}
		assert_true(l[0] != '#');
		/* A sample of the current family. */
		assert_true(family[0] != '\0');
		size_t fl = strlen(family);
		assert_memory_equal(l, family, fl);
		const char *p = l + fl;
		if (histogram) {
			if (strncmp(p, "_bucket", 7) == 0)
				p += 7;
			else if (strncmp(p, "_sum", 4) == 0)
				p += 4;
			else if (strncmp(p, "_count", 6) == 0)
				p += 6;
			else
				fail_msg("bad histogram sample: %s", l);
		}
		if (*p == '{') {
			p++;
			for (;;) {
				assert_true(name_char(*p, true));
				while (name_char(*p, false))
					p++;
				assert_int_equal(*p++, '=');
				assert_int_equal(*p++, '"');
				while (*p && *p != '"') {
					if (*p == '\\') {
						p++;
						assert_non_null(
							strchr("\\\"n", *p));
					}
					assert_true(*p != '\0');
					p++;
				}
				assert_int_equal(*p++, '"');
				if (*p == ',') {
					p++;
					continue;
				}
				assert_int_equal(*p++, '}');
				break;
			}
		}
		assert_int_equal(*p++, ' ');
		char *end;
		strtod(p, &end);
		assert_true(end > p);
		assert_int_equal(*end, '\0');
	}
}

static void counters_render_grouped(void **state)
{
	(void)state;
	struct ov_counter *a1 = ov_counter_get(
		"mt_requests_total", "Requests served.", "method=\"ping\"");
	struct ov_counter *other =
		ov_counter_get("mt_other_total", "Something else.", "");
	struct ov_counter *a2 = ov_counter_get(
		"mt_requests_total", "Requests served.", "method=\"route\"");
	assert_non_null(a1);
	assert_non_null(a2);
	assert_non_null(other);
	assert_ptr_not_equal(a1, a2);
	/* Looked up again, a series is the same one. */
	assert_ptr_equal(ov_counter_get("mt_requests_total", "Requests served.",
					"method=\"ping\""),
			 a1);

	ov_counter_add(a1, 2);
	ov_counter_add(a1, 3);
	ov_counter_add(a2, 1);
	ov_counter_add(other, 7);

	char *t = render();
	check_exposition(t);
	assert_int_equal(count(t, "# HELP mt_requests_total "), 1);
	assert_int_equal(count(t, "# TYPE mt_requests_total counter\n"), 1);
	assert_non_null(strstr(t, "# HELP mt_requests_total Requests served.\n"
				  "# TYPE mt_requests_total counter\n"
				  "mt_requests_total{method=\"ping\"} 5\n"
				  "mt_requests_total{method=\"route\"} 1\n"));
	assert_non_null(strstr(t, "# TYPE mt_other_total counter\n"
				  "mt_other_total 7\n"));
	assert_true(sample(t, "mt_requests_total{method=\"ping\"}") == 5);
	free(t);
}

static void histogram_buckets_are_cumulative(void **state)
{
	(void)state;
	struct ov_histogram *h = ov_histogram_get(
		"mt_latency_seconds", "Latency.", "method=\"ping\"");
	struct ov_histogram *empty =
		ov_histogram_get("mt_latency_seconds", "Latency.", "");
	assert_non_null(h);
	assert_non_null(empty);

	ov_histogram_observe(h, 0.00005); /* first bucket */
	ov_histogram_observe(h, 0.001);	  /* on a bound: counts in le=0.001 */
	ov_histogram_observe(h, 0.3);
	ov_histogram_observe(h, 20); /* past the last bound: +Inf only */

	char *t = render();
	check_exposition(t);
	assert_int_equal(count(t, "# HELP mt_latency_seconds "), 1);
	assert_int_equal(count(t, "# TYPE mt_latency_seconds histogram\n"), 1);

#define B(le) "mt_latency_seconds_bucket{method=\"ping\",le=\"" le "\"}"
	assert_true(sample(t, B("0.0001")) == 1);
	assert_true(sample(t, B("0.00025")) == 1);
	assert_true(sample(t, B("0.0005")) == 1);
	assert_true(sample(t, B("0.001")) == 2);
	assert_true(sample(t, B("0.1")) == 2);
	assert_true(sample(t, B("0.25")) == 2);
	assert_true(sample(t, B("0.5")) == 3);
	assert_true(sample(t, B("1")) == 3);
	assert_true(sample(t, B("10")) == 3);
	assert_true(sample(t, B("+Inf")) == 4);
#undef B
	assert_true(sample(t, "mt_latency_seconds_count{method=\"ping\"}") ==
		    4);
	double sum = sample(t, "mt_latency_seconds_sum{method=\"ping\"}");
	assert_true(fabs(sum - 20.30105) < 1e-6);

	/* Buckets never decrease, in the order they are written. */
	const char *p = t;
	double prev = -1;
	size_t n_buckets = 0;
	while ((p = strstr(p, "\nmt_latency_seconds_bucket{method=\"ping\""))) {
		p = strchr(p + 1, ' ');
		double v = strtod(p, NULL);
		assert_true(v >= prev);
		prev = v;
		n_buckets++;
	}
	assert_true(n_buckets >= 2);

	/* A series without labels gets just {le=...}, zeros included. */
	assert_true(sample(t, "mt_latency_seconds_bucket{le=\"0.0001\"}") == 0);
	assert_true(sample(t, "mt_latency_seconds_bucket{le=\"+Inf\"}") == 0);
	assert_true(sample(t, "mt_latency_seconds_count") == 0);
	assert_true(sample(t, "mt_latency_seconds_sum") == 0);
	free(t);
}

static void label_values_are_escaped(void **state)
{
	char out[64];
	(void)state;

	ov_metrics_label(out, sizeof(out), "a\"b\\c\nd");
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	ov_metrics_label(out, sizeof(out), "plain");
	assert_string_equal(out, "plain");

	/* Bounded: never splits an escape, always terminated. */
	memset(out, 'Z', sizeof(out));
	ov_metrics_label(out, 5, "\"\"\"\"");
	assert_int_equal(strlen(out), 2);
	assert_string_equal(out, "\\\"");
	assert_int_equal(out[5], 'Z');

	/* An escaped value renders as a valid sample. */
	char val[64], labels[96];
	ov_metrics_label(val, sizeof(val), "/x\"y\\z\n");
	snprintf(labels, sizeof(labels), "path=\"%s\"", val);
	struct ov_counter *c =
		ov_counter_get("mt_paths_total", "By path.", labels);
	ov_counter_add(c, 1);
	char *t = render();
	check_exposition(t);
	assert_non_null(
		strstr(t, "\nmt_paths_total{path=\"/x\\\"y\\\\z\\n\"} 1\n"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counters_render_grouped),
		cmocka_unit_test(histogram_buckets_are_cumulative),
		cmocka_unit_test(label_values_are_escaped),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
