/* bench-router: which benchmark to run, and the helpers they share. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-router decide [--calls N]\n"
		"       bench-router route --url URL --to NUMBER [--from N]\n"
		"                          [--threads N] [--seconds S] "
		"[--load F]\n");
}

uint64_t bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void bench_sort(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

double bench_pct_sorted(const uint64_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	/* Nearest rank: the smallest value with at least p% at or below. */
	double rank = p / 100.0 * (double)n;
	size_t k = rank <= 0 ? 0 : (size_t)rank;
	if ((double)k < rank)
		k++;
	size_t i = k ? k - 1 : 0;
	return (double)v[i < n ? i : n - 1];
}

unsigned long bench_arg_ulong(const char *name, const char *s,
			      unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = s ? strtoul(s, &end, 10) : 0;
	if (!s || errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "bench-router: %s must be from %lu to %lu\n",
			name, min, max);
		exit(2);
	}
	return v;
}

double bench_arg_double(const char *name, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = s ? strtod(s, &end) : 0;
	if (!s || errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "bench-router: %s must be from %g to %g\n",
			name, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "decide") == 0)
		return bench_decide(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "route") == 0)
		return bench_route(argc - 1, argv + 1);
	usage();
	return 2;
}
