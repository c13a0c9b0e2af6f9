/*
 * The reachability cache (reach.h). A fixed array of buckets, each with
 * its own lock, its chain of entries and a generation that every
 * forget bumps: a fetch remembers the generation it started under and
 * its answer is kept only if nothing was forgotten in that bucket
 * meanwhile, so an event that overtakes a slow contacts.get still wins.
 * Entries are reference-counted: a call keeps the entry it decided
 * with even if an event drops it from the table.
 */
#include "reach.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "metrics.h"

#define BUCKETS 1024 /* a power of two */

struct router_reach {
	struct router_reach *next;
	atomic_uint refs;
	uint64_t until_ms;
	Ov__Registrar__ContactsReply *reply;
	char tenant_id[];
};

struct bucket {
	pthread_mutex_t lock;
	struct router_reach *head;
	uint64_t gen;
};

static struct {
	struct router_reach_cfg cfg;
	struct bucket b[BUCKETS];
	struct ov_bus_sub *sub;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	struct ov_counter *hits, *misses, *events;
} rc;

static uint64_t now_ms(void)
{
	return rc.cfg.now_ms ? rc.cfg.now_ms() : ov_now_ms();
}

/* FNV-1a */
static struct bucket *bucket_of(const char *tenant_id)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)tenant_id; *p;
	     p++)
		h = (h ^ *p) * 16777619u;
	return &rc.b[h & (BUCKETS - 1)];
}

void router_reach_release(struct router_reach *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	ov__registrar__contacts_reply__free_unpacked(r->reply, NULL);
	free(r);
}

const Ov__Registrar__ContactsReply *
router_reach_reply(const struct router_reach *r)
{
	return r ? r->reply : NULL;
}

/* How long an answer may be used: ttl_ms, and no longer than until its
 * earliest binding expires. */
static uint64_t lifetime_ms(const Ov__Registrar__ContactsReply *reply)
{
	uint64_t ms = rc.cfg.ttl_ms;
	for (size_t i = 0; i < reply->n_reach; i++) {
		const Ov__Registrar__Reach *e = reply->reach[i];
		for (size_t j = 0; e && j < e->n_bindings; j++)
			if ((uint64_t)e->bindings[j]->expires * 1000u < ms)
				ms = (uint64_t)e->bindings[j]->expires * 1000u;
	}
	return ms;
}

/* Unlinks the tenant's entry from b (locked); returns it, or NULL. */
static struct router_reach *unlink_entry(struct bucket *b,
					 const char *tenant_id)
{
	for (struct router_reach **p = &b->head; *p; p = &(*p)->next) {
		if (strcmp((*p)->tenant_id, tenant_id) == 0) {
			struct router_reach *e = *p;
			*p = e->next;
			return e;
		}
	}
	return NULL;
}

static struct router_reach *fetch(struct bucket *b, const char *tenant_id,
				  const char *request_id)
{
	pthread_mutex_lock(&b->lock);
	uint64_t gen = b->gen;
	pthread_mutex_unlock(&b->lock);

	Ov__Registrar__ContactsReply *reply =
		rc.cfg.fetch(tenant_id, request_id, rc.cfg.fetch_arg);
	if (!reply)
		return NULL;
	size_t n = strlen(tenant_id) + 1;
	struct router_reach *e = malloc(sizeof(*e) + n);
	if (!e) {
		ov__registrar__contacts_reply__free_unpacked(reply, NULL);
		return NULL;
	}
	memcpy(e->tenant_id, tenant_id, n);
	e->reply = reply;
	e->next = NULL;
	atomic_init(&e->refs, 1);
	e->until_ms = now_ms() + lifetime_ms(reply);
	if (rc.cfg.ttl_ms == 0)
		return e;

	struct router_reach *old = NULL;
	pthread_mutex_lock(&b->lock);
	if (b->gen == gen) {
		old = unlink_entry(b, tenant_id);
		atomic_fetch_add(&e->refs, 1); /* the table's */
		e->next = b->head;
		b->head = e;
	}
	pthread_mutex_unlock(&b->lock);
	router_reach_release(old);
	return e;
}

struct router_reach *router_reach_get(const char *tenant_id,
				      const char *request_id)
{
	struct bucket *b = bucket_of(tenant_id);
	struct router_reach *e = NULL, *stale = NULL;

	if (rc.cfg.ttl_ms) {
		uint64_t now = now_ms();
		pthread_mutex_lock(&b->lock);
		for (e = b->head; e; e = e->next)
			if (strcmp(e->tenant_id, tenant_id) == 0)
				break;
		if (e && e->until_ms > now) {
			atomic_fetch_add(&e->refs, 1);
		} else if (e) {
			stale = unlink_entry(b, tenant_id);
			e = NULL;
		}
		pthread_mutex_unlock(&b->lock);
		router_reach_release(stale);
	}
	if (e) {
		ov_counter_add(rc.hits, 1);
		return e;
	}
	ov_counter_add(rc.misses, 1);
	return fetch(b, tenant_id, request_id);
}

void router_reach_forget(const char *tenant_id)
{
	struct bucket *b = bucket_of(tenant_id);

	pthread_mutex_lock(&b->lock);
	b->gen++;
	struct router_reach *e = unlink_entry(b, tenant_id);
	pthread_mutex_unlock(&b->lock);
	router_reach_release(e);
}

void router_reach_forget_all(void)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		struct bucket *b = &rc.b[i];
		pthread_mutex_lock(&b->lock);
		b->gen++;
		struct router_reach *e = b->head;
		b->head = NULL;
		pthread_mutex_unlock(&b->lock);
		while (e) {
			struct router_reach *next = e->next;
			router_reach_release(e);
			e = next;
		}
	}
}

static void on_event(const uint8_t *data, size_t len)
{
	Ov__Registrar__ReachChanged *ev =
		ov__registrar__reach_changed__unpack(NULL, len, data);
	if (!ev || !ev->tenant_id[0]) {
		ov_log_warn("reach.event_malformed",
			    OV_LI("bytes", (long long)len));
	} else {
		ov_counter_add(rc.events, 1);
		router_reach_forget(ev->tenant_id);
	}
	if (ev)
		ov__registrar__reach_changed__free_unpacked(ev, NULL);
}

static void *follow(void *arg)
{
	unsigned seen = 0;
	(void)arg;

	while (!atomic_load(&rc.stop)) {
		char topic[64];
		uint8_t *data = NULL;
		size_t len = 0;
		enum ov_err e = ov_bus_sub_recv(rc.sub, 200, topic,
						sizeof(topic), &data, &len);
		/* A registrar came (back): what it said while away is
		 * lost. */
		unsigned c = ov_bus_sub_connects(rc.sub);
		if (c != seen) {
			seen = c;
			router_reach_forget_all();
			ov_log_info("reach.flushed",
				    OV_LS("why", "registrar connected"));
		}
		if (e == OV_OK && strcmp(topic, "reach.changed") == 0)
			on_event(data, len);
		free(data);
	}
	return NULL;
}

static pthread_once_t locks_once = PTHREAD_ONCE_INIT;

static void locks_init(void)
{
	for (size_t i = 0; i < BUCKETS; i++)
		pthread_mutex_init(&rc.b[i].lock, NULL);
}

int router_reach_start(const struct router_reach_cfg *cfg)
{
	static const char *const topics[] = {"reach.changed"};
	static const char help[] = "Reachability lookups of calls: from the "
				   "cache (hit) or asked of the registrar";

	rc.cfg = *cfg;
	pthread_once(&locks_once, locks_init);
	rc.hits = ov_counter_get("ov_router_reach_lookups_total", help,
				 "result=\"hit\"");
	rc.misses = ov_counter_get("ov_router_reach_lookups_total", help,
				   "result=\"miss\"");
	rc.events = ov_counter_get("ov_router_reach_events_total",
				   "reach.changed events from the registrar",
				   "");
	atomic_store(&rc.stop, false);
	if (!cfg->events_url || !cfg->events_url[0] || !cfg->ttl_ms)
		return 0;
	if (ov_bus_sub_open(cfg->events_url, topics, 1, 0, &rc.sub) != OV_OK)
		return -1;
	if (pthread_create(&rc.thread, NULL, follow, NULL) != 0) {
		ov_bus_sub_close(rc.sub);
		rc.sub = NULL;
		return -1;
	}
	rc.running = true;
	return 0;
}

void router_reach_stop(void)
{
	if (rc.running) {
		atomic_store(&rc.stop, true);
		pthread_join(rc.thread, NULL);
		rc.running = false;
	}
	ov_bus_sub_close(rc.sub);
	rc.sub = NULL;
	router_reach_forget_all();
}
