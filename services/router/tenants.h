/*
 * The tenants the router knows, by fixed number. Readers take a
 * reference to the current table; a new table (from admin's applied
 * snapshots) is swapped in whole, so a call in progress keeps the table
 * it started with.
 */
#ifndef ROUTER_TENANTS_H
#define ROUTER_TENANTS_H

#include <stddef.h>

#include "plan.h"

struct router_table;

struct router_table *router_table_acquire(void);
void router_table_release(struct router_table *t);
size_t router_table_size(const struct router_table *t);
/* The tenant owning `number` (the dialled user part), or NULL. Borrowed
 * from t: valid until router_table_release(t). */
const struct router_tenant *router_table_find(const struct router_table *t,
					      const char *number);

#endif
