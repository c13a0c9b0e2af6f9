#include "sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "bus.h"
#include "log.h"
#include "tenants.h"

/* Changes asked for at once. */
#define BATCH 256

static struct {
	struct router_sync_cfg cfg;
	struct ov_bus_client *admin;
	struct ov_bus_sub *events;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool ready;
	atomic_uint_fast64_t seq;
	bool running;
} sy;

/* Loads the tenant's latest snapshot. */
static enum ov_err load(const char *tenant_id)
{
	Ov__Admin__SnapshotRequest in = OV__ADMIN__SNAPSHOT_REQUEST__INIT;
	struct ov_bus_result res = {0};
	uint8_t *body = NULL;
	size_t len = 0;
	enum ov_err e;

	if ((e = ov_pb_pack(&in.base, &body, &len)) != OV_OK)
		return e;
	struct ov_bus_call call = {
		.method = "snapshot.get",
		.tenant_id = tenant_id,
		.request_id = "router-sync",
		.deadline_ms = sy.cfg.deadline_ms,
		.body = body,
		.body_len = len,
	};
	e = ov_bus_client_call(sy.admin, &call, &res);
	free(body);
	if (e != OV_OK) {
		ov_log_warn("sync.snapshot_failed", OV_LS("tenant", tenant_id),
			    OV_LS("error", ov_err_name(e)),
			    OV_LS("message", res.message));
		ov_bus_result_free(&res);
		/* A tenant deleted since its change: nothing to load. */
		return e == OV_ENOTFOUND ? OV_OK : e;
	}
	Ov__Admin__Snapshot *snap =
		ov__admin__snapshot__unpack(NULL, res.body_len, res.body);
	ov_bus_result_free(&res);
	if (!snap || strcmp(snap->tenant_id, tenant_id) != 0) {
		ov_log_error("sync.snapshot_bad", OV_LS("tenant", tenant_id));
		if (snap)
			ov__admin__snapshot__free_unpacked(snap, NULL);
		return OV_EINTERNAL;
	}
	uint32_t version = snap->version;
	if (router_table_put(snap))
		ov_log_info("sync.loaded", OV_LS("tenant", tenant_id),
			    OV_LI("version", version));
	return OV_OK;
}

/* Reads every change after the last sequence number seen; returns OK
 * once there are no more. */
static enum ov_err catch_up(void)
{
	for (;;) {
		Ov__Admin__ChangesRequest in = OV__ADMIN__CHANGES_REQUEST__INIT;
		struct ov_bus_result res = {0};
		uint8_t *body = NULL;
		size_t len = 0;
		enum ov_err e;

		in.after_seq = atomic_load(&sy.seq);
		in.limit = BATCH;
		if ((e = ov_pb_pack(&in.base, &body, &len)) != OV_OK)
			return e;
		struct ov_bus_call call = {
			.method = "snapshot.changes",
			.request_id = "router-sync",
			.deadline_ms = sy.cfg.deadline_ms,
			.body = body,
			.body_len = len,
		};
		e = ov_bus_client_call(sy.admin, &call, &res);
		free(body);
		if (e != OV_OK) {
			ov_bus_result_free(&res);
			return e;
		}
		Ov__Admin__ChangesReply *ch = ov__admin__changes_reply__unpack(
			NULL, res.body_len, res.body);
		ov_bus_result_free(&res);
		if (!ch)
			return OV_EINTERNAL;
		size_t n = ch->n_changes;
		for (size_t i = 0; i < n && e == OV_OK; i++) {
			const Ov__Admin__Change *c = ch->changes[i];
			struct router_table *t = router_table_acquire();
			const struct router_tenant *have =
				router_table_by_id(t, c->tenant_id);
			bool newer = !have || have->snap->version < c->version;
			router_table_release(t);
			if (newer)
				e = load(c->tenant_id);
			if (e == OV_OK)
				atomic_store(&sy.seq, c->seq);
		}
		ov__admin__changes_reply__free_unpacked(ch, NULL);
		if (e != OV_OK || n < BATCH)
			return e;
	}
}

static void *run(void *arg)
{
	enum ov_err last = OV_OK;
	(void)arg;

	while (!atomic_load(&sy.stop)) {
		enum ov_err e = catch_up();
		if (e == OV_OK && !atomic_load(&sy.ready)) {
			atomic_store(&sy.ready, true);
			struct router_table *t = router_table_acquire();
			ov_log_info(
				"sync.ready",
				OV_LI("tenants", (int64_t)router_table_size(t)),
				OV_LI("seq", (int64_t)atomic_load(&sy.seq)));
			router_table_release(t);
		}
		if (e != last)
			ov_log_warn("sync.catch_up",
				    OV_LS("result", ov_err_name(e)));
		last = e;
		/* Woken early by an event; otherwise poll. Waits in short
		 * slices so that stop is quick. */
		uint64_t until = ov_now_ms() + sy.cfg.poll_ms;
		while (!atomic_load(&sy.stop) && ov_now_ms() < until) {
			char topic[64];
			uint8_t *data = NULL;
			size_t len = 0;
			if (ov_bus_sub_recv(sy.events, 200, topic,
					    sizeof(topic), &data,
					    &len) == OV_OK) {
				free(data);
				break;
			}
		}
	}
	return NULL;
}

enum ov_err router_sync_start(const struct router_sync_cfg *cfg)
{
	static const char *const topics[] = {"config.applied"};
	struct ov_bus_client_opts co = {.urls = cfg->admin_url};

	sy.cfg = *cfg;
	if (ov_bus_client_new(&co, &sy.admin) != OV_OK)
		return OV_EINVAL;
	if (ov_bus_sub_open(cfg->events_url, topics, 1, 0, &sy.events) != OV_OK)
		return OV_EINVAL;
	if (pthread_create(&sy.thread, NULL, run, NULL) != 0)
		return OV_EEXHAUSTED;
	sy.running = true;
	return OV_OK;
}

void router_sync_stop(void)
{
	if (!sy.running)
		return;
	atomic_store(&sy.stop, true);
	pthread_join(sy.thread, NULL);
	sy.running = false;
	ov_bus_sub_close(sy.events);
	ov_bus_client_free(sy.admin);
}

bool router_sync_ready(void)
{
	return atomic_load(&sy.ready);
}

uint64_t router_sync_seq(void)
{
	return atomic_load(&sy.seq);
}
