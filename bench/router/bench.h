/*
 * bench-router: the router's costs, each against a baseline measured in
 * the same run.
 *
 *   bench-router decide   router_decide() for a 99-user tenant, in
 *                         process (decide.c)
 *   bench-router route    the bus round trip of "route" to a running
 *                         ov-router, against "ping" (route.c)
 *
 * main.c dispatches and holds the timing and percentile helpers.
 */
#ifndef BENCH_ROUTER_H
#define BENCH_ROUTER_H

#include <stddef.h>
#include <stdint.h>

int bench_decide(int argc, char **argv);
int bench_route(int argc, char **argv);

/* Nanoseconds on the monotonic clock. */
uint64_t bench_ns(void);
/* Sorts v and returns its p-th percentile (0..100); 0 when n is 0. */
double bench_pct_sorted(const uint64_t *v, size_t n, double p);
void bench_sort(uint64_t *v, size_t n);
/* "--name value" parsing: a decimal in [min, max], or exit 2. */
unsigned long bench_arg_ulong(const char *name, const char *s,
			      unsigned long min, unsigned long max);
double bench_arg_double(const char *name, const char *s, double min,
			double max);

#endif
