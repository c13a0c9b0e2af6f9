#include "sync.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "bus.h"
#include "follow.h"
#include "log.h"
#include "tenants.h"

static struct {
	struct ov_bus_client *admin;
	struct ov_follow *follow;
} sy;

/* Does the table lack this version of the tenant? */
static bool wants(const char *tenant_id, uint32_t version, void *arg)
{
	(void)arg;
	struct router_table *t = router_table_acquire();
	const struct router_tenant *have = router_table_by_id(t, tenant_id);
	bool newer = !have || have->snap->version < version;
	router_table_release(t);
	return newer;
}

static void take(Ov__Admin__Snapshot *snap, void *arg)
{
	(void)arg;
	router_table_put(snap);
}

static void ready(uint64_t seq, void *arg)
{
	(void)arg;
	struct router_table *t = router_table_acquire();
	ov_log_info("sync.tenants",
		    OV_LI("tenants", (int64_t)router_table_size(t)),
		    OV_LI("seq", (int64_t)seq));
	router_table_release(t);
}

enum ov_err router_sync_start(const struct router_sync_cfg *cfg)
{
	struct ov_bus_client_opts co = {.urls = cfg->admin_url};

	if (ov_bus_client_new(&co, &sy.admin) != OV_OK)
		return OV_EINVAL;
	struct ov_follow_cfg fc = {
		.admin = sy.admin,
		.admin_url = cfg->admin_url,
		.events_url = cfg->events_url,
		.poll_ms = cfg->poll_ms,
		.deadline_ms = cfg->deadline_ms,
		.log_name = "sync",
		.request_id = "router-sync",
		.wants = wants,
		.take = take,
		.ready = ready,
	};
	return ov_follow_start(&fc, &sy.follow);
}

void router_sync_stop(void)
{
	ov_follow_stop(sy.follow);
	sy.follow = NULL;
	if (sy.admin)
		ov_bus_client_free(sy.admin);
	sy.admin = NULL;
}

bool router_sync_ready(void)
{
	return ov_follow_ready(sy.follow);
}

uint64_t router_sync_seq(void)
{
	return ov_follow_seq(sy.follow);
}
