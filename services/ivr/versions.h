/*
 * The applied configurations the IVR knows: for each tenant, the few
 * newest snapshot versions (a call's plan names the version it was
 * decided on, and a call may outlive an apply). A message is rendered
 * from the version the call names, so a call never hears a newer or an
 * older text than its plan.
 *
 * Thread-safe; lookups copy out what they need under a short lock.
 */
#ifndef IVR_VERSIONS_H
#define IVR_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.pb-c.h"
#include "err.h"
#include "render.h"

/* Versions kept per tenant. */
#define IVR_VERSIONS_KEPT 4

/* Takes snap. Keeps it unless the tenant already has this version or
 * IVR_VERSIONS_KEPT newer ones (then frees it). Returns true when it
 * was added. */
bool ivr_versions_put(Ov__Admin__Snapshot *snap);

/* The newest version known for a tenant, 0 when none. */
uint32_t ivr_versions_latest(const char *tenant);

/*
 * Renders message `kind` of the tenant's `version` (0: the newest
 * known) into *t and says which version that was. *loaded is false
 * when the version is not here (OV_ENOTFOUND then; the caller fetches
 * it from admin). With the version here: OV_OK, OV_ENOTFOUND when it
 * has no such message enabled, OV_EINVAL when the message does not
 * render (why says what; admin's apply prevents it).
 */
enum ov_err ivr_versions_render(const char *tenant, uint32_t version,
				Ov__Admin__VoiceMessage__Kind kind,
				struct ivr_text *t, uint32_t *version_used,
				bool *loaded, char *why, size_t why_len);

/* The same for a snapshot in hand. */
enum ov_err ivr_snapshot_render(const Ov__Admin__Snapshot *s,
				Ov__Admin__VoiceMessage__Kind kind,
				struct ivr_text *t, char *why, size_t why_len);

size_t ivr_versions_tenants(void);
void ivr_versions_clear(void);

#endif
