/*
 * Keeps the tenant table (tenants.h) up to date with admin's applied
 * snapshots: at start it reads every applied version (snapshot.changes
 * from sequence 0), then listens for config.applied events and, because
 * PUB/SUB can drop, also polls snapshot.changes every poll_ms. A change
 * fetches the tenant's latest snapshot (snapshot.get) and swaps it in.
 */
#ifndef ROUTER_SYNC_H
#define ROUTER_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct router_sync_cfg {
	const char *admin_url;	/* admin's bus (snapshot.get, .changes) */
	const char *events_url; /* admin's PUB socket (config.applied) */
	unsigned poll_ms;
	unsigned deadline_ms; /* per request to admin */
};

enum ov_err router_sync_start(const struct router_sync_cfg *cfg);
void router_sync_stop(void);
/* True once every version applied before start has been loaded. */
bool router_sync_ready(void);
/* The last global sequence number loaded. */
uint64_t router_sync_seq(void);

#endif
