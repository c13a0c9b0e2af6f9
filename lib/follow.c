#include "follow.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Changes asked for at once. */
#define BATCH 256

struct ov_follow {
	struct ov_follow_cfg cfg;
	struct ov_bus_sub *events;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool ready;
	atomic_uint_fast64_t seq;
	char ev_loaded[48], ev_failed[48], ev_ready[48], ev_catch_up[48];
};

enum ov_err ov_snapshot_fetch(struct ov_bus_client *admin, const char *tenant,
			      uint32_t version, uint32_t deadline_ms,
			      const char *request_id, Ov__Admin__Snapshot **out,
			      char *why, size_t why_len)
{
	Ov__Admin__SnapshotRequest in = OV__ADMIN__SNAPSHOT_REQUEST__INIT;
	struct ov_bus_result res = {0};
	uint8_t *body = NULL;
	size_t len = 0;
	enum ov_err e;

	in.version = version;
	if ((e = ov_pb_pack(&in.base, &body, &len)) != OV_OK)
		return e;
	struct ov_bus_call call = {
		.method = "snapshot.get",
		.tenant_id = tenant,
		.request_id = request_id,
		.deadline_ms = deadline_ms,
		.body = body,
		.body_len = len,
	};
	e = ov_bus_client_call(admin, &call, &res);
	free(body);
	if (e != OV_OK) {
		snprintf(why, why_len, "admin: %s", res.message);
		ov_bus_result_free(&res);
		return e;
	}
	Ov__Admin__Snapshot *s =
		ov__admin__snapshot__unpack(NULL, res.body_len, res.body);
	ov_bus_result_free(&res);
	if (!s || strcmp(s->tenant_id, tenant) != 0 ||
	    (version && s->version != version)) {
		snprintf(why, why_len, "admin: not the snapshot asked for");
		if (s)
			ov__admin__snapshot__free_unpacked(s, NULL);
		return OV_EINTERNAL;
	}
	*out = s;
	return OV_OK;
}

/* Fetches the tenant's latest snapshot and hands it over. */
static enum ov_err load(struct ov_follow *f, const char *tenant)
{
	Ov__Admin__Snapshot *snap = NULL;
	char why[256];
	enum ov_err e =
		ov_snapshot_fetch(f->cfg.admin, tenant, 0, f->cfg.deadline_ms,
				  f->cfg.request_id, &snap, why, sizeof(why));
	if (e == OV_ENOTFOUND)
		return OV_OK; /* a tenant deleted since its change */
	if (e != OV_OK) {
		ov_log_warn(f->ev_failed, OV_LS("tenant", tenant),
			    OV_LS("error", ov_err_name(e)),
			    OV_LS("message", why));
		return e;
	}
	ov_log_info(f->ev_loaded, OV_LS("tenant", tenant),
		    OV_LI("version", snap->version));
	f->cfg.take(snap, f->cfg.arg);
	return OV_OK;
}

/* Hands over every change after the last sequence number seen. */
static enum ov_err catch_up(struct ov_follow *f)
{
	for (;;) {
		Ov__Admin__ChangesRequest in = OV__ADMIN__CHANGES_REQUEST__INIT;
		struct ov_bus_result res = {0};
		uint8_t *body = NULL;
		size_t len = 0;
		enum ov_err e;

		in.after_seq = atomic_load(&f->seq);
		in.limit = BATCH;
		if ((e = ov_pb_pack(&in.base, &body, &len)) != OV_OK)
			return e;
		struct ov_bus_call call = {
			.method = "snapshot.changes",
			.request_id = f->cfg.request_id,
			.deadline_ms = f->cfg.deadline_ms,
			.body = body,
			.body_len = len,
		};
		e = ov_bus_client_call(f->cfg.admin, &call, &res);
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
			if (atomic_load(&f->stop))
				break;
			const Ov__Admin__Change *c = ch->changes[i];
			if (f->cfg.wants(c->tenant_id, c->version, f->cfg.arg))
				e = load(f, c->tenant_id);
			if (e == OV_OK)
				atomic_store(&f->seq, c->seq);
		}
		ov__admin__changes_reply__free_unpacked(ch, NULL);
		if (e != OV_OK || n < BATCH || atomic_load(&f->stop))
			return e;
	}
}

static void *run(void *arg)
{
	struct ov_follow *f = arg;
	enum ov_err last = OV_OK;

	while (!atomic_load(&f->stop)) {
		enum ov_err e = catch_up(f);
		if (e == OV_OK && !atomic_load(&f->ready)) {
			uint64_t seq = atomic_load(&f->seq);
			ov_log_info(f->ev_ready, OV_LI("seq", (int64_t)seq));
			if (f->cfg.ready)
				f->cfg.ready(seq, f->cfg.arg);
			atomic_store(&f->ready, true);
		}
		/* Said once per change, with whom: a pod started before
		 * admin shows why it is not ready. */
		if (e != last)
			ov_log_warn(f->ev_catch_up,
				    OV_LS("result", ov_err_name(e)),
				    OV_LS("admin", f->cfg.admin_url
							   ? f->cfg.admin_url
							   : ""));
		last = e;
		/* Woken early by an event; otherwise poll. Short slices so
		 * that stop is quick. */
		uint64_t until = ov_now_ms() + f->cfg.poll_ms;
		while (!atomic_load(&f->stop) && ov_now_ms() < until) {
			char topic[64];
			uint8_t *data = NULL;
			size_t len = 0;
			if (ov_bus_sub_recv(f->events, 200, topic,
					    sizeof(topic), &data,
					    &len) == OV_OK) {
				free(data);
				break;
			}
		}
	}
	return NULL;
}

enum ov_err ov_follow_start(const struct ov_follow_cfg *cfg,
			    struct ov_follow **out)
{
	static const char *const topics[] = {"config.applied"};
	struct ov_follow *f = calloc(1, sizeof(*f));

	if (!f)
		return OV_EEXHAUSTED;
	f->cfg = *cfg;
	snprintf(f->ev_loaded, sizeof(f->ev_loaded), "%s.loaded",
		 cfg->log_name);
	snprintf(f->ev_failed, sizeof(f->ev_failed), "%s.snapshot_failed",
		 cfg->log_name);
	snprintf(f->ev_ready, sizeof(f->ev_ready), "%s.ready", cfg->log_name);
	snprintf(f->ev_catch_up, sizeof(f->ev_catch_up), "%s.catch_up",
		 cfg->log_name);
	if (ov_bus_sub_open(cfg->events_url, topics, 1, 0, &f->events) !=
	    OV_OK) {
		free(f);
		return OV_EINVAL;
	}
	if (pthread_create(&f->thread, NULL, run, f) != 0) {
		ov_bus_sub_close(f->events);
		free(f);
		return OV_EEXHAUSTED;
	}
	*out = f;
	return OV_OK;
}

void ov_follow_stop(struct ov_follow *f)
{
	if (!f)
		return;
	atomic_store(&f->stop, true);
	pthread_join(f->thread, NULL);
	ov_bus_sub_close(f->events);
	free(f);
}

bool ov_follow_ready(const struct ov_follow *f)
{
	return f && atomic_load(&f->ready);
}

uint64_t ov_follow_seq(const struct ov_follow *f)
{
	return f ? atomic_load(&f->seq) : 0;
}
