/*
 * What every service process shares: configuration, logs, the bus REP
 * server (Ping answered here), the HTTP port, the database and its
 * migrations for services that own a schema, and graceful shutdown.
 *
 * A service's main.c fills a struct ov_svc and calls ov_svc_main().
 */
#ifndef OV_SVC_H
#define OV_SVC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "cfg.h"
#include "db.h"
#include "http.h"

struct ov_svc_rt;

struct ov_svc {
	const char *name;	       /* "router": logs, metrics, ping */
	const struct ov_cfg_var *vars; /* the service's own settings */
	size_t n_vars;
	const struct ov_bus_method *methods; /* besides "ping" */
	size_t n_methods;
	/* Services that own a schema: its name and migrations. */
	const char *schema;
	const struct ov_migration *migrations;
	size_t n_migrations;
	/* Called once everything common is up; may set rt->state. */
	enum ov_err (*start)(struct ov_svc_rt *rt);
	/* Called after the bus has drained. */
	void (*stop)(struct ov_svc_rt *rt);
	/* Encodes the service's ov.<svc>.Health into a malloc'd buffer. */
	enum ov_err (*health)(struct ov_svc_rt *rt, uint8_t **buf, size_t *len);
	/* The service's own HTTP routes (admin's REST API); called only
	 * once the service has started. Returns false for "no route". */
	bool (*http)(const struct ov_http_request *req,
		     struct ov_http_response *res, struct ov_svc_rt *rt);
	/* Extra readiness condition; NULL: ready once started. */
	bool (*ready)(struct ov_svc_rt *rt);
};

/* The common settings every service reads. */
struct ov_svc_cfg {
	const char *bus_listen;
	int bus_workers;
	int bus_max_msg;
	const char *http_addr;
	int http_port;
	int http_threads;
	int http_per_ip;	 /* connections at once from one address */
	int http_head_timeout_s; /* to a complete request head */
	int drain_ms;
	const char *log_level;
	const char *db_url; /* services with a schema only */
};

struct ov_svc_rt {
	const struct ov_svc *def;
	struct ov_svc_cfg cfg;
	struct ov_db *db; /* NULL unless def->schema */
	int schema_version;
	uint64_t started_ms;
	char instance[96];
	atomic_bool ready;
	atomic_bool started; /* between start() and stop() */
	void *state;	     /* the service's own */
};

int ov_svc_main(const struct ov_svc *svc, int argc, char **argv);

#endif
