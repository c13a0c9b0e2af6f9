/*
 * Process-wide Prometheus metrics: counters and latency histograms,
 * rendered in the text exposition format by /metrics.
 *
 * Look a series up once (it is created on first use, under a lock) and
 * keep the pointer: updates are lock-free atomics.
 */
#ifndef OV_METRICS_H
#define OV_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct ov_counter;
struct ov_histogram;

/* labels: the inside of {...}, e.g. "method=\"ping\",code=\"ok\"", or "".
 * Return NULL only when the fixed series table is full. */
struct ov_counter *ov_counter_get(const char *name, const char *help,
				  const char *labels);
struct ov_histogram *ov_histogram_get(const char *name, const char *help,
				      const char *labels);

void ov_counter_add(struct ov_counter *c, uint64_t n);
void ov_histogram_observe(struct ov_histogram *h, double seconds);

/* The whole registry as text; the caller frees. */
char *ov_metrics_render(size_t *len);

/* Writes v into out as a Prometheus label value (escapes " \ and \n). */
void ov_metrics_label(char *out, size_t size, const char *v);

#endif
