/* ov-router: decides a plan for every new call. */
#include "handlers.h"
#include "reach.h"
#include "svc.h"
#include "sync.h"
#include "tenants.h"

static const struct ov_cfg_var vars[] = {
	OV_CFG_URLS("OV_ADMIN_URL", NULL,
		    "admin's bus: applied snapshots (snapshot.get, .changes)",
		    &router.cfg.admin_url),
	OV_CFG_URLS("OV_ADMIN_EVENTS_URL", NULL,
		    "admin's PUB socket: config.applied events",
		    &router.cfg.events_url),
	OV_CFG_URLS("OV_REGISTRAR_URL", NULL,
		    "registrar's bus: who is reachable (contacts.get)",
		    &router.cfg.registrar_url),
	OV_CFG_INT("OV_ROUTER_POLL_MS", "2000",
		   "how often to poll for applied versions besides events (ms)",
		   &router.cfg.poll_ms, 100, 600000),
	OV_CFG_INT("OV_ROUTER_REACH_MS", "80",
		   "deadline of the registrar's answer per call (ms)",
		   &router.cfg.reach_ms, 5, 10000),
	OV_CFG_STR("OV_REGISTRAR_EVENTS_URL", "",
		   "registrar's PUB sockets (reach.changed), comma-separated; "
		   "\"\" = no reachability cache, every call asks",
		   &router.cfg.registrar_events_url),
	OV_CFG_INT("OV_ROUTER_REACH_TTL_MS", "30000",
		   "longest a tenant's cached reachability is used without "
		   "an event (ms); 0 = no cache",
		   &router.cfg.reach_ttl_ms, 0, 600000),
};

static enum ov_err start(struct ov_svc_rt *rt)
{
	struct ov_bus_client_opts co = {.urls = router.cfg.registrar_url};
	struct router_sync_cfg sc = {
		.admin_url = router.cfg.admin_url,
		.events_url = router.cfg.events_url,
		.poll_ms = (unsigned)router.cfg.poll_ms,
		.deadline_ms = 2000,
	};
	(void)rt;

	struct router_reach_cfg rc = {
		.fetch = router_contacts_get,
		.events_url = router.cfg.registrar_events_url,
		/* Without events nothing would tell a cached entry is
		 * wrong: no cache. */
		.ttl_ms = router.cfg.registrar_events_url[0]
				  ? (unsigned)router.cfg.reach_ttl_ms
				  : 0,
	};

	if (ov_bus_client_new(&co, &router.registrar) != OV_OK)
		return OV_EINVAL;
	if (router_reach_start(&rc) != 0)
		return OV_EINVAL;
	return router_sync_start(&sc);
}

static void stop(struct ov_svc_rt *rt)
{
	(void)rt;
	router_sync_stop();
	router_reach_stop();
	ov_bus_client_free(router.registrar);
	router_table_clear();
}

/* Ready once every applied configuration is loaded: before that a call
 * would find no tenant. */
static bool ready(struct ov_svc_rt *rt)
{
	(void)rt;
	return router_sync_ready();
}

int main(int argc, char **argv)
{
	const struct ov_svc svc = {
		.name = "router",
		.vars = vars,
		.n_vars = sizeof(vars) / sizeof(vars[0]),
		.methods = router_methods,
		.n_methods = router_n_methods,
		.start = start,
		.stop = stop,
		.health = router_health,
		.ready = ready,
	};
	return ov_svc_main(&svc, argc, argv);
}
