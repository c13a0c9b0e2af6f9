#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 1024
#define NAME_MAX_ 64
#define LABELS_MAX 160

/* Upper bounds in seconds: 100 µs to 10 s, for bus calls and HTTP. */
static const double bucket_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
				   0.005,  0.01,    0.025,  0.05,  0.1,
				   0.25,   0.5,	    1,	    2.5,   10};
#define N_BUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))

enum kind {
	COUNTER,
	HISTOGRAM
};

struct ov_counter {
	atomic_uint_fast64_t n;
};

struct ov_histogram {
	atomic_uint_fast64_t buckets[N_BUCKETS]; /* not cumulative */
	atomic_uint_fast64_t count;
	atomic_uint_fast64_t sum_ns;
};

struct series {
	enum kind kind;
	char name[NAME_MAX_];
	char help[128];
	char labels[LABELS_MAX];
	union {
		struct ov_counter c;
		struct ov_histogram h;
	} u;
};

static struct series table[MAX_SERIES];
static atomic_size_t n_series;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct series *get(enum kind kind, const char *name, const char *help,
			  const char *labels)
{
	struct series *s = NULL;

	pthread_mutex_lock(&lock);
	size_t n = atomic_load(&n_series);
	for (size_t i = 0; i < n; i++) {
		if (table[i].kind == kind && strcmp(table[i].name, name) == 0 &&
		    strcmp(table[i].labels, labels) == 0) {
			s = &table[i];
			goto out;
		}
	}
	if (n == MAX_SERIES)
		goto out;
	s = &table[n];
	s->kind = kind;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->help, sizeof(s->help), "%s", help);
	snprintf(s->labels, sizeof(s->labels), "%s", labels);
	atomic_store(&n_series, n + 1);
out:
	pthread_mutex_unlock(&lock);
	return s;
}

struct ov_counter *ov_counter_get(const char *name, const char *help,
				  const char *labels)
{
	struct series *s = get(COUNTER, name, help, labels);
	return s ? &s->u.c : NULL;
}

struct ov_histogram *ov_histogram_get(const char *name, const char *help,
				      const char *labels)
{
	struct series *s = get(HISTOGRAM, name, help, labels);
	return s ? &s->u.h : NULL;
}

void ov_counter_add(struct ov_counter *c, uint64_t n)
{
	if (c)
		atomic_fetch_add_explicit(&c->n, n, memory_order_relaxed);
}

void ov_histogram_observe(struct ov_histogram *h, double seconds)
{
	if (!h)
		return;
	size_t i = 0;
	while (i < N_BUCKETS && seconds > bucket_le[i])
		i++;
	if (i < N_BUCKETS)
		atomic_fetch_add_explicit(&h->buckets[i], 1,
					  memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	if (seconds > 0)
		atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)(seconds * 1e9),
					  memory_order_relaxed);
}

void ov_metrics_label(char *out, size_t size, const char *v)
{
	size_t o = 0;

	for (; *v && o + 3 < size; v++) {
		if (*v == '"' || *v == '\\') {
			out[o++] = '\\';
			out[o++] = *v;
		} else if (*v == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *v;
		}
	}
	if (size)
		out[o] = '\0';
}

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void bprintf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)n;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/* "{a=\"b\"" plus extra, closed: joins labels with a bucket's le. */
static void labels_with(char *out, size_t size, const char *labels,
			const char *extra)
{
	if (labels[0] && extra[0])
		snprintf(out, size, "{%s,%s}", labels, extra);
	else if (labels[0] || extra[0])
		snprintf(out, size, "{%s}", labels[0] ? labels : extra);
	else
		out[0] = '\0';
}

static void render_one(struct buf *b, const struct series *s, bool header)
{
	char lab[LABELS_MAX + 40];
	char le[32];

	if (header)
		bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", s->name, s->help,
			s->name, s->kind == COUNTER ? "counter" : "histogram");
	if (s->kind == COUNTER) {
		labels_with(lab, sizeof(lab), s->labels, "");
		bprintf(b, "%s%s %llu\n", s->name, lab,
			(unsigned long long)atomic_load(&s->u.c.n));
		return;
	}
	uint64_t cum = 0;
	for (size_t i = 0; i < N_BUCKETS; i++) {
		cum += atomic_load(&s->u.h.buckets[i]);
		snprintf(le, sizeof(le), "le=\"%g\"", bucket_le[i]);
		labels_with(lab, sizeof(lab), s->labels, le);
		bprintf(b, "%s_bucket%s %llu\n", s->name, lab,
			(unsigned long long)cum);
	}
	uint64_t count = atomic_load(&s->u.h.count);
	labels_with(lab, sizeof(lab), s->labels, "le=\"+Inf\"");
	bprintf(b, "%s_bucket%s %llu\n", s->name, lab,
		(unsigned long long)count);
	labels_with(lab, sizeof(lab), s->labels, "");
	bprintf(b, "%s_sum%s %.9f\n", s->name, lab,
		(double)atomic_load(&s->u.h.sum_ns) / 1e9);
	bprintf(b, "%s_count%s %llu\n", s->name, lab,
		(unsigned long long)count);
}

char *ov_metrics_render(size_t *len)
{
	struct buf b = {malloc(4096), 0, 4096, false};
	size_t n = atomic_load(&n_series);

	if (!b.p)
		return NULL;
	/* Group series of one name under one HELP/TYPE header. */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(table[j].name, table[i].name) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < n; j++)
			if (strcmp(table[j].name, table[i].name) == 0)
				render_one(&b, &table[j], j == i);
	}
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
