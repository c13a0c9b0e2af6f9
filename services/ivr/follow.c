/*
 * Following admin's applied configurations, as the router does
 * (services/router/sync.c): snapshot.changes from the last sequence
 * number seen, woken early by config.applied events (PUB/SUB may drop
 * one; the poll catches up). Each tenant's new version is fetched
 * (snapshot.get) and kept, and each of its enabled messages made into
 * a prompt now, so that a call finds it cached.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "bus.h"
#include "ivr.h"
#include "log.h"
#include "prompts.h"
#include "versions.h"

/* Changes asked for at once. */
#define BATCH 256

static struct {
	struct ov_bus_sub *events;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool ready;
	atomic_uint_fast64_t seq;
	bool running;
} fo;

enum ov_err ivr_snapshot_fetch(const char *tenant, uint32_t version,
			       uint32_t deadline_ms, const char *request_id,
			       Ov__Admin__Snapshot **out, char *why,
			       size_t why_len)
{
	Ov__Admin__SnapshotRequest in = OV__ADMIN__SNAPSHOT_REQUEST__INIT;
	struct ov_bus_result res = {0};
	uint8_t *body = NULL;
	size_t len = 0;
	enum ov_err e;

	if (!ivr.admin) {
		snprintf(why, why_len, "no admin (OV_ADMIN_URL) to ask");
		return OV_EUNAVAIL;
	}
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
	e = ov_bus_client_call(ivr.admin, &call, &res);
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

/* Makes the prompt of every enabled message of a version. */
static void prerender(const char *tenant, uint32_t version)
{
	static const Ov__Admin__VoiceMessage__Kind kinds[] = {
		OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED,
		OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME,
		OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER,
	};
	static const char *const names[] = {"closed", "welcome", "no_answer"};
	struct ivr_text *t = malloc(sizeof(*t));
	struct ivr_prompt *p = malloc(sizeof(*p));
	char why[192];

	for (size_t k = 0; t && p && k < 3; k++) {
		uint32_t used = 0;
		bool loaded = false;
		enum ov_err e =
			ivr_versions_render(tenant, version, kinds[k], t, &used,
					    &loaded, why, sizeof(why));
		if (e == OV_ENOTFOUND)
			continue; /* not enabled */
		if (e != OV_OK) {
			ov_log_error(
				"prompt.render_failed", OV_LS("tenant", tenant),
				OV_LI("version", version),
				OV_LS("message", names[k]), OV_LS("why", why));
			continue;
		}
		e = ivr_prompt_get(ivr.cache, t, p, NULL, NULL);
		if (e != OV_OK) {
			ov_log_error("prompt.render_failed",
				     OV_LS("tenant", tenant),
				     OV_LI("version", version),
				     OV_LS("message", names[k]),
				     OV_LS("error", ov_err_name(e)));
			continue;
		}
		char joined[IVR_LANGS_MAX * IVR_SEGMENT_MAX + 4];
		size_t chars = ivr_text_join(t, joined, sizeof(joined));
		ov_log_info("prompt.rendered", OV_LS("tenant", tenant),
			    OV_LI("version", version),
			    OV_LS("message", names[k]), OV_LS("prompt", p->key),
			    OV_LI("chars", chars), OV_LI("ms", p->ms),
			    OV_LB("cached", !p->made),
			    OV_LI("synth_us", p->synth_us),
			    OV_LS("why", "applied"));
	}
	free(t);
	free(p);
}

/* Loads the tenant's latest snapshot and makes its prompts. */
static enum ov_err load(const char *tenant)
{
	Ov__Admin__Snapshot *snap = NULL;
	char why[256];
	enum ov_err e = ivr_snapshot_fetch(
		tenant, 0, (uint32_t)ivr.cfg.admin_deadline_ms, "ivr-follow",
		&snap, why, sizeof(why));
	if (e == OV_ENOTFOUND)
		return OV_OK; /* a tenant deleted since its change */
	if (e != OV_OK) {
		ov_log_warn("follow.snapshot_failed", OV_LS("tenant", tenant),
			    OV_LS("error", ov_err_name(e)),
			    OV_LS("message", why));
		return e;
	}
	uint32_t version = snap->version;
	if (ivr_versions_put(snap))
		ov_log_info("follow.loaded", OV_LS("tenant", tenant),
			    OV_LI("version", version));
	prerender(tenant, version);
	return OV_OK;
}

static enum ov_err catch_up(void)
{
	for (;;) {
		Ov__Admin__ChangesRequest in = OV__ADMIN__CHANGES_REQUEST__INIT;
		struct ov_bus_result res = {0};
		uint8_t *body = NULL;
		size_t len = 0;
		enum ov_err e;

		in.after_seq = atomic_load(&fo.seq);
		in.limit = BATCH;
		if ((e = ov_pb_pack(&in.base, &body, &len)) != OV_OK)
			return e;
		struct ov_bus_call call = {
			.method = "snapshot.changes",
			.request_id = "ivr-follow",
			.deadline_ms = (uint32_t)ivr.cfg.admin_deadline_ms,
			.body = body,
			.body_len = len,
		};
		e = ov_bus_client_call(ivr.admin, &call, &res);
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
			if (atomic_load(&fo.stop))
				break;
			const Ov__Admin__Change *c = ch->changes[i];
			if (ivr_versions_latest(c->tenant_id) < c->version)
				e = load(c->tenant_id);
			if (e == OV_OK)
				atomic_store(&fo.seq, c->seq);
		}
		ov__admin__changes_reply__free_unpacked(ch, NULL);
		if (e != OV_OK || n < BATCH || atomic_load(&fo.stop))
			return e;
	}
}

static void *run(void *arg)
{
	enum ov_err last = OV_OK;
	(void)arg;

	while (!atomic_load(&fo.stop)) {
		enum ov_err e = catch_up();
		if (e == OV_OK && !atomic_load(&fo.ready)) {
			struct ivr_cache_stats st;
			ivr_cache_stats(ivr.cache, &st);
			atomic_store(&fo.ready, true);
			ov_log_info(
				"follow.ready",
				OV_LI("tenants",
				      (long long)ivr_versions_tenants()),
				OV_LI("seq", (long long)atomic_load(&fo.seq)),
				OV_LI("prompts", (long long)st.files));
		}
		if (e != last)
			ov_log_warn("follow.catch_up",
				    OV_LS("result", ov_err_name(e)));
		last = e;
		/* Woken early by an event; otherwise poll. Short slices so
		 * that stop is quick. */
		uint64_t until = ov_now_ms() + (uint64_t)ivr.cfg.poll_ms;
		while (!atomic_load(&fo.stop) && ov_now_ms() < until) {
			char topic[64];
			uint8_t *data = NULL;
			size_t len = 0;
			if (ov_bus_sub_recv(fo.events, 200, topic,
					    sizeof(topic), &data,
					    &len) == OV_OK) {
				free(data);
				break;
			}
		}
	}
	return NULL;
}

enum ov_err ivr_follow_start(void)
{
	static const char *const topics[] = {"config.applied"};

	if (ov_bus_sub_open(ivr.cfg.events_url, topics, 1, 0, &fo.events) !=
	    OV_OK)
		return OV_EINVAL;
	if (pthread_create(&fo.thread, NULL, run, NULL) != 0)
		return OV_EEXHAUSTED;
	fo.running = true;
	return OV_OK;
}

void ivr_follow_stop(void)
{
	if (!fo.running)
		return;
	atomic_store(&fo.stop, true);
	pthread_join(fo.thread, NULL);
	fo.running = false;
	ov_bus_sub_close(fo.events);
}

bool ivr_follow_ready(void)
{
	return atomic_load(&fo.ready);
}
