/*
 * The tenants the router knows: each tenant's latest applied snapshot,
 * found by fixed number (calls from the trunk) or by id (calls from
 * devices). Readers take a reference to the current table; a change
 * builds a new table and swaps it in whole, so a call being decided
 * keeps the table, and the snapshot, it started with.
 */
#ifndef ROUTER_TENANTS_H
#define ROUTER_TENANTS_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct router_table;

/* A new reference to the current table: release it when done. */
struct router_table *router_table_acquire(void);
void router_table_release(struct router_table *t);
size_t router_table_size(const struct router_table *t);

/* The tenant owning `number` (as dialled or E.164), or NULL. Borrowed
 * from t: valid until router_table_release(t). */
const struct router_tenant *router_table_by_number(const struct router_table *t,
						   const char *number);
/* The tenant with this id, or NULL. Borrowed likewise. */
const struct router_tenant *router_table_by_id(const struct router_table *t,
					       const char *id);

/*
 * Puts `snap` (taken: the table owns it from now on) in place of the
 * tenant's current snapshot, unless the table already holds that
 * version or a newer one (then snap is freed). Returns 1 when the table
 * changed. Writers are serialised; readers never wait for them.
 */
int router_table_put(Ov__Admin__Snapshot *snap);

/* Drops every tenant (tests, shutdown). */
void router_table_clear(void);

#endif
