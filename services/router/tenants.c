#include "tenants.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct router_table {
	atomic_uint refs;
	size_t n;
	struct router_tenant *by_number; /* sorted by number */
};

/* Until admin publishes snapshots, the router knows no tenant. */
static struct router_table empty = {1, 0, NULL};
static struct router_table *current = &empty;
static pthread_mutex_t swap_lock = PTHREAD_MUTEX_INITIALIZER;

struct router_table *router_table_acquire(void)
{
	pthread_mutex_lock(&swap_lock);
	struct router_table *t = current;
	atomic_fetch_add(&t->refs, 1);
	pthread_mutex_unlock(&swap_lock);
	return t;
}

void router_table_release(struct router_table *t)
{
	if (atomic_fetch_sub(&t->refs, 1) == 1 && t != &empty) {
		free(t->by_number);
		free(t);
	}
}

size_t router_table_size(const struct router_table *t)
{
	return t->n;
}

/* A number as dialled or as E.164: "0612345678", "+390612345678" and
 * "390612345678" are one Italian number. */
static const char *national(const char *n)
{
	if (n[0] == '+')
		n++;
	if (strncmp(n, "0039", 4) == 0)
		n += 4;
	else if (strncmp(n, "39", 2) == 0 && strlen(n) > 10)
		n += 2;
	return n;
}

const struct router_tenant *router_table_find(const struct router_table *t,
					      const char *number)
{
	const char *want = national(number);
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(national(t->by_number[mid].number), want);
		if (c == 0)
			return &t->by_number[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
