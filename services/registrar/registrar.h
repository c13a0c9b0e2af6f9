/*
 * The registrar service: SIP credentials per device (HA1 only), bindings
 * (registrations) and presence, in schema `registrar`. What the handler
 * files share.
 */
#ifndef REGISTRAR_H
#define REGISTRAR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "cfg.h"
#include "contact.h"
#include "creds.h"
#include "db.h"
#include "metrics.h"
#include "registrar.pb-c.h"

struct registrar_cfg {
	const char *secret_key; /* OV_SIP_SECRET_KEY */
	int max_devices;
	int max_contacts;
	int min_expires;
	int max_expires;
	int default_expires;
	int sweep_s;
	int db_pool;
	const char *events_url; /* OV_REGISTRAR_EVENTS_URL: "" = none */
};

struct registrar_metrics {
	struct ov_counter *saved;     /* bindings added or refreshed */
	struct ov_counter *removed;   /* by a REGISTER (0, "*") */
	struct ov_counter *dropped;   /* over the per-AOR limit, replaced */
	struct ov_counter *stale;     /* out-of-order contacts ignored */
	struct ov_counter *swept;     /* expired, deleted by the sweeper */
	struct ov_counter *lost;      /* the edge lost them (binding.drop) */
	struct ov_counter *too_brief; /* REGISTERs refused (423) */
	struct ov_counter *created;   /* devices created */
	struct ov_counter *rotated;   /* owners rotated */
	struct ov_counter *ha1_found; /* auth.ha1 lookups that found */
	struct ov_counter *ha1_not_found; /* ... and that did not */
};

struct registrar {
	struct registrar_cfg cfg;
	struct expiry_rules rules;
	uint8_t key[CREDS_KEY_BYTES];
	struct ov_db_pool *pool;
	struct registrar_metrics m;
	struct ov_bus_pub *pub; /* reach.changed events; NULL: none */
	/* the sweeper */
	pthread_t sweeper;
	bool sweeper_running;
	bool stopping;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

/* A handle for one request: waits at most the request's deadline (and
 * never more than a second); NULL when none came. */
struct ov_db *registrar_db(struct registrar *app, uint32_t deadline_ms);

/* Methods, by file (handlers.c holds the table). */
enum ov_err registrar_save(const struct ov_bus_req *req,
			   struct ov_bus_reply *rep, void *arg);
enum ov_err registrar_contacts(const struct ov_bus_req *req,
			       struct ov_bus_reply *rep, void *arg);
enum ov_err registrar_devices(const struct ov_bus_req *req,
			      struct ov_bus_reply *rep, void *arg);
enum ov_err registrar_drop(const struct ov_bus_req *req,
			   struct ov_bus_reply *rep, void *arg);

/* Bindings of a result, from column `col` on (store.c's BINDING_COLS):
 * fills b and returns the number of columns they take. The strings
 * point into res. */
int registrar_binding_row(const PGresult *res, int row, int col,
			  Ov__Registrar__Binding *b);

/* The sweeper thread (sweep.c): deletes expired bindings every
 * cfg.sweep_s seconds, from start to stop. */
enum ov_err registrar_sweep_start(struct registrar *app);
void registrar_sweep_stop(struct registrar *app);
/* One round: deletes what has expired; returns how many went. */
long registrar_sweep_once(struct registrar *app);

/* The PUB socket of reach.changed events (events.c); none when
 * cfg.events_url is empty. */
enum ov_err registrar_events_open(struct registrar *app);
void registrar_events_close(struct registrar *app);
/* Tells subscribers (the routers) that who is reachable in the tenant
 * may have changed; owner may be NULL (any owner). Never blocks. */
void registrar_reach_publish(struct registrar *app, const char *tenant_id,
			     const char *owner);

/* Live bindings of every tenant; -1 when the database cannot say. */
long long registrar_live_bindings(struct registrar *app);

#endif
