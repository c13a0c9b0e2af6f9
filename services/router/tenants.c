#include "tenants.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* One tenant's snapshot, shared by every table that lists it. */
struct entry {
	atomic_uint refs;
	struct router_tenant t;
	Ov__Admin__Snapshot *snap;
	const char *national; /* the fixed number without +39 */
};

struct router_table {
	atomic_uint refs;
	size_t n;
	struct entry **by_number; /* sorted by national number */
	struct entry **by_id;	  /* sorted by tenant id */
};

static struct router_table empty = {1, 0, NULL, NULL};
static struct router_table *current = &empty;
/* Held only to read `current` and bump its count, or to replace it. */
static pthread_mutex_t swap_lock = PTHREAD_MUTEX_INITIALIZER;
/* Serialises writers: one new table at a time. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

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

static void entry_release(struct entry *e)
{
	if (atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	ov__admin__snapshot__free_unpacked(e->snap, NULL);
	if (e->t.tz)
		g_time_zone_unref(e->t.tz);
	free(e);
}

static struct entry *entry_new(Ov__Admin__Snapshot *snap)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	atomic_init(&e->refs, 1);
	e->snap = snap;
	e->t.snap = snap;
	/* A zone GLib does not know falls back to UTC; admin validates
	 * zones, so this means a tzdata older than admin's. */
	e->t.tz = g_time_zone_new_identifier(snap->timezone);
	if (!e->t.tz)
		e->t.tz = g_time_zone_new_utc();
	e->national = national(snap->number);
	return e;
}

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
	if (atomic_fetch_sub(&t->refs, 1) != 1 || t == &empty)
		return;
	for (size_t i = 0; i < t->n; i++)
		entry_release(t->by_number[i]);
	free(t->by_number);
	free(t->by_id);
	free(t);
}

size_t router_table_size(const struct router_table *t)
{
	return t->n;
}

/* By number; a number that moved from a deleted tenant to a new one is
 * listed twice until the old tenant is dropped: the latest applied
 * comes first, and lookups take the first. */
static int cmp_number(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;
	int c = strcmp(x->national, y->national);

	if (c)
		return c;
	return (x->snap->applied_at < y->snap->applied_at) -
	       (x->snap->applied_at > y->snap->applied_at);
}

const struct router_tenant *router_table_by_number(const struct router_table *t,
						   const char *number)
{
	const char *want = national(number);
	size_t lo = 0, hi = t->n;

	/* The first entry not below want. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(t->by_number[mid]->national, want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A deleted tenant's number is nobody's, unless it went to a new
	 * tenant. */
	for (; lo < t->n && strcmp(t->by_number[lo]->national, want) == 0; lo++)
		if (t->by_number[lo]->snap->state !=
		    OV__ADMIN__SNAPSHOT__STATE__DELETED)
			return &t->by_number[lo]->t;
	return NULL;
}

/* Index in by_id of the tenant `id`, or where it would go. */
static size_t id_slot(const struct router_table *t, const char *id, int *found)
{
	size_t lo = 0, hi = t->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->by_id[mid]->snap->tenant_id, id);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct router_tenant *router_table_by_id(const struct router_table *t,
					       const char *id)
{
	int found;
	size_t i = id_slot(t, id, &found);

	return found ? &t->by_id[i]->t : NULL;
}

static void swap_in(struct router_table *next)
{
	pthread_mutex_lock(&swap_lock);
	struct router_table *old = current;
	current = next;
	pthread_mutex_unlock(&swap_lock);
	router_table_release(old);
}

int router_table_put(Ov__Admin__Snapshot *snap)
{
	struct router_table *next = NULL, *cur;
	struct entry *e = NULL;
	int found, changed = 0;

	pthread_mutex_lock(&write_lock);
	cur = router_table_acquire();
	size_t slot = id_slot(cur, snap->tenant_id, &found);
	if (found && cur->by_id[slot]->snap->version >= snap->version)
		goto out;
	if (!(e = entry_new(snap)))
		goto out;
	snap = NULL;
	size_t n = cur->n + (found ? 0 : 1);
	next = calloc(1, sizeof(*next));
	if (!next || !(next->by_number = calloc(n, sizeof(*next->by_number))) ||
	    !(next->by_id = calloc(n, sizeof(*next->by_id))))
		goto out;
	atomic_init(&next->refs, 1);
	/* by_id: the old order with the new entry in its slot. */
	size_t j = 0;
	for (size_t i = 0; i < cur->n; i++) {
		if (i == slot) {
			next->by_id[j++] = e;
			if (found)
				continue;
		}
		next->by_id[j++] = cur->by_id[i];
		atomic_fetch_add(&cur->by_id[i]->refs, 1);
	}
	if (slot == cur->n)
		next->by_id[j++] = e;
	next->n = n;
	e = NULL;
	memcpy(next->by_number, next->by_id, n * sizeof(*next->by_id));
	qsort(next->by_number, n, sizeof(*next->by_number), cmp_number);
	swap_in(next);
	next = NULL;
	changed = 1;
out:
	router_table_release(cur);
	if (next) {
		free(next->by_number);
		free(next->by_id);
		free(next);
	}
	if (e)
		entry_release(e);
	if (snap)
		ov__admin__snapshot__free_unpacked(snap, NULL);
	pthread_mutex_unlock(&write_lock);
	return changed;
}

void router_table_clear(void)
{
	pthread_mutex_lock(&write_lock);
	atomic_fetch_add(&empty.refs, 1);
	swap_in(&empty);
	pthread_mutex_unlock(&write_lock);
}
