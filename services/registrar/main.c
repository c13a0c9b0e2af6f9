/* ov-registrar: SIP credentials (HA1 per device), bindings and presence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"
#include "registrar.h"
#include "registrar.pb-c.h"
#include "store.h"
#include "svc.h"

extern const struct ov_migration registrar_migrations[];
extern const size_t registrar_n_migrations;

static struct registrar app = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static const struct ov_cfg_var vars[] = {
	OV_CFG_STR("OV_SIP_SECRET_KEY", NULL,
		   "key every SIP secret is derived from, at least 32 "
		   "characters; changing it changes every device's secret",
		   &app.cfg.secret_key),
	OV_CFG_INT("OV_REGISTRAR_MAX_DEVICES", "5",
		   "devices (SIP credentials) per user or main line",
		   &app.cfg.max_devices, 1, 100),
	OV_CFG_INT("OV_REGISTRAR_MAX_CONTACTS", "5",
		   "bindings per AOR; beyond, the least recently refreshed "
		   "is dropped",
		   &app.cfg.max_contacts, 1, CONTACT_MAX),
	OV_CFG_INT("OV_REGISTRAR_MIN_EXPIRES", "60",
		   "shortest registration (s); shorter ones are refused (423)",
		   &app.cfg.min_expires, 1, 86400),
	OV_CFG_INT("OV_REGISTRAR_MAX_EXPIRES", "3600",
		   "longest registration (s); longer ones are shortened",
		   &app.cfg.max_expires, 1, 604800),
	OV_CFG_INT("OV_REGISTRAR_DEFAULT_EXPIRES", "3600",
		   "registration with no expires parameter nor Expires (s)",
		   &app.cfg.default_expires, 1, 604800),
	OV_CFG_INT("OV_REGISTRAR_SWEEP_S", "30",
		   "how often expired bindings are deleted (s)",
		   &app.cfg.sweep_s, 1, 3600),
	OV_CFG_INT("OV_REGISTRAR_DB_POOL", "8", "database connections",
		   &app.cfg.db_pool, 1, 64),
	OV_CFG_STR("OV_REGISTRAR_EVENTS_URL", "",
		   "PUB URLs where reach.changed events go out (the routers "
		   "cache reachability until one comes); \"\" = none",
		   &app.cfg.events_url),
};

static void metrics_init(struct registrar_metrics *m)
{
	static const char saved[] = "ov_registrar_bindings_saved_total";
	static const char gone[] = "ov_registrar_bindings_removed_total";
	static const char gone_help[] =
		"Bindings removed, by reason (register: expires 0 or *; "
		"limit: over the per-AOR limit or replaced by the same "
		"instance; swept: expired)";

	m->saved = ov_counter_get(saved, "Bindings added or refreshed", "");
	m->removed = ov_counter_get(gone, gone_help, "reason=\"register\"");
	m->dropped = ov_counter_get(gone, gone_help, "reason=\"limit\"");
	m->swept = ov_counter_get(gone, gone_help, "reason=\"swept\"");
	m->lost = ov_counter_get(gone, gone_help, "reason=\"lost\"");
	m->stale = ov_counter_get("ov_registrar_contacts_stale_total",
				  "Contacts ignored as out of order (same "
				  "Call-ID, CSeq not higher)",
				  "");
	m->too_brief =
		ov_counter_get("ov_registrar_too_brief_total",
			       "REGISTERs refused: interval too brief", "");
	m->created = ov_counter_get("ov_registrar_devices_created_total",
				    "Devices given credentials", "");
	m->rotated = ov_counter_get("ov_registrar_rotations_total",
				    "Owners whose secrets were rotated", "");
	m->ha1_found =
		ov_counter_get("ov_registrar_ha1_lookups_total",
			       "Digest lookups (auth.ha1)", "found=\"true\"");
	m->ha1_not_found =
		ov_counter_get("ov_registrar_ha1_lookups_total",
			       "Digest lookups (auth.ha1)", "found=\"false\"");
}

static enum ov_err start(struct ov_svc_rt *rt)
{
	struct registrar_cfg *c = &app.cfg;

	if (sodium_init() < 0)
		return OV_EINTERNAL;
	if (strlen(c->secret_key) < CREDS_KEY_MIN_CHARS ||
	    c->min_expires > c->max_expires) {
		ov_log_error("registrar.config_invalid",
			     OV_LS("why", "OV_SIP_SECRET_KEY must have 32 "
					  "characters or more, and "
					  "OV_REGISTRAR_MIN_EXPIRES be at "
					  "most OV_REGISTRAR_MAX_EXPIRES"));
		return OV_EINVAL;
	}
	creds_key(c->secret_key, app.key);
	app.rules.min = (uint32_t)c->min_expires;
	app.rules.max = (uint32_t)c->max_expires;
	app.rules.def = (uint32_t)c->default_expires;
	metrics_init(&app.m);
	if (registrar_events_open(&app) != OV_OK) {
		ov_log_error("registrar.config_invalid",
			     OV_LS("why", "OV_REGISTRAR_EVENTS_URL cannot be "
					  "listened on"));
		return OV_EINVAL;
	}
	app.pool = ov_db_pool_open(rt->cfg.db_url, (size_t)c->db_pool,
				   registrar_stmts, registrar_n_stmts);
	if (!app.pool)
		return OV_EEXHAUSTED;
	rt->state = &app;
	return registrar_sweep_start(&app);
}

static void stop(struct ov_svc_rt *rt)
{
	(void)rt;
	registrar_sweep_stop(&app);
	ov_db_pool_close(app.pool);
	app.pool = NULL;
	registrar_events_close(&app);
	sodium_memzero(app.key, sizeof(app.key));
}

static enum ov_err health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Registrar__Health h = OV__REGISTRAR__HEALTH__INIT;

	h.db = ov_db_ping(rt->db) == OV_OK;
	h.schema_version = (uint32_t)rt->schema_version;
	if (h.db && atomic_load(&rt->started)) {
		long long n = registrar_live_bindings(&app);
		h.bindings = n > 0 ? (uint64_t)n : 0;
	}
	return ov_pb_pack(&h.base, buf, len);
}

static bool ready(struct ov_svc_rt *rt)
{
	return ov_db_ping(rt->db) == OV_OK;
}

int main(int argc, char **argv)
{
	const struct ov_svc svc = {
		.name = "registrar",
		.vars = vars,
		.n_vars = sizeof(vars) / sizeof(vars[0]),
		.methods = registrar_methods,
		.n_methods = registrar_n_methods,
		.schema = "registrar",
		.migrations = registrar_migrations,
		.n_migrations = registrar_n_migrations,
		.start = start,
		.stop = stop,
		.health = health,
		.ready = ready,
	};
	/* A key too short to be a key is bad configuration: exit 2, as
	 * for any other variable. */
	const char *key = getenv("OV_SIP_SECRET_KEY");
	if (argc == 1 && key && strlen(key) < CREDS_KEY_MIN_CHARS) {
		fprintf(stderr,
			"ov-registrar: OV_SIP_SECRET_KEY must have at least "
			"%d characters\n",
			CREDS_KEY_MIN_CHARS);
		return 2;
	}
	return ov_svc_main(&svc, argc, argv);
}
