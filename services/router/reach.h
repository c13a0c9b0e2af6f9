/*
 * Who is reachable in each tenant (bindings and presence, the
 * registrar's contacts.get), cached so that a call does not ask the
 * registrar while nothing changed. An entry goes when the registrar
 * says the tenant changed (reach.changed on its PUB socket), when a
 * publisher (re)connects (events may have been lost meanwhile), when
 * its earliest binding expires, and at the latest after ttl_ms (PUB/SUB
 * can drop). docs/router.md, "Reachability".
 */
#ifndef ROUTER_REACH_H
#define ROUTER_REACH_H

#include <stdint.h>

#include "registrar.pb-c.h"

/* Asks the registrar: the tenant's reachability, or NULL when it could
 * not answer (never cached). */
typedef Ov__Registrar__ContactsReply *(*router_reach_fetch_fn)(
	const char *tenant_id, const char *request_id, void *arg);

struct router_reach_cfg {
	router_reach_fetch_fn fetch;
	void *fetch_arg;
	const char *events_url; /* registrar's PUB sockets; "" = no events
				   (tests: the cache then relies on ttl_ms) */
	unsigned ttl_ms;	/* 0 = no cache: every call asks */
	uint64_t (*now_ms)(void); /* NULL = the monotonic clock (tests) */
};

struct router_reach;

/* Starts the cache (and, with events_url, the thread that follows the
 * events). */
int router_reach_start(const struct router_reach_cfg *cfg);
void router_reach_stop(void);

/* A reference to the tenant's reachability, fresh or from the cache;
 * NULL when the registrar could not answer. Release it when done. */
struct router_reach *router_reach_get(const char *tenant_id,
				      const char *request_id);
const Ov__Registrar__ContactsReply *
router_reach_reply(const struct router_reach *r);
void router_reach_release(struct router_reach *r);

/* Drops a tenant's entry (a reach.changed event), or every entry. A
 * fetch that was under way when either happened is not kept. */
void router_reach_forget(const char *tenant_id);
void router_reach_forget_all(void);

#endif
