/*
 * Following admin's applied configurations with lib/follow.h, as the
 * router does: each tenant's new version is kept (versions.c) and each
 * of its enabled messages made into a prompt now, so that a call finds
 * it cached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "bus.h"
#include "follow.h"
#include "ivr.h"
#include "log.h"
#include "prompts.h"
#include "versions.h"

static struct ov_follow *fo;

enum ov_err ivr_snapshot_fetch(const char *tenant, uint32_t version,
			       uint32_t deadline_ms, const char *request_id,
			       Ov__Admin__Snapshot **out, char *why,
			       size_t why_len)
{
	if (!ivr.admin) {
		snprintf(why, why_len, "no admin (OV_ADMIN_URL) to ask");
		return OV_EUNAVAIL;
	}
	return ov_snapshot_fetch(ivr.admin, tenant, version, deadline_ms,
				 request_id, out, why, why_len);
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

/* Does the IVR lack this version of the tenant? */
static bool wants(const char *tenant_id, uint32_t version, void *arg)
{
	(void)arg;
	return ivr_versions_latest(tenant_id) < version;
}

/* Keeps the tenant's new version and makes its prompts. */
static void take(Ov__Admin__Snapshot *snap, void *arg)
{
	char tenant[64];
	(void)arg;

	snprintf(tenant, sizeof(tenant), "%s", snap->tenant_id);
	uint32_t version = snap->version;
	ivr_versions_put(snap);
	prerender(tenant, version);
}

static void ready(uint64_t seq, void *arg)
{
	struct ivr_cache_stats st;
	(void)arg;

	ivr_cache_stats(ivr.cache, &st);
	ov_log_info("follow.prompts",
		    OV_LI("tenants", (long long)ivr_versions_tenants()),
		    OV_LI("seq", (long long)seq),
		    OV_LI("prompts", (long long)st.files));
}

enum ov_err ivr_follow_start(void)
{
	struct ov_follow_cfg fc = {
		.admin = ivr.admin,
		.admin_url = ivr.cfg.admin_url,
		.events_url = ivr.cfg.events_url,
		.poll_ms = (unsigned)ivr.cfg.poll_ms,
		.deadline_ms = (unsigned)ivr.cfg.admin_deadline_ms,
		.log_name = "follow",
		.request_id = "ivr-follow",
		.wants = wants,
		.take = take,
		.ready = ready,
	};
	return ov_follow_start(&fc, &fo);
}

void ivr_follow_stop(void)
{
	ov_follow_stop(fo);
	fo = NULL;
}

bool ivr_follow_ready(void)
{
	return ov_follow_ready(fo);
}
