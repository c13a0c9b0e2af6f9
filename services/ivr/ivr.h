/*
 * The IVR service: what its files share. main.c fills it at start;
 * handlers.c (the bus methods) and follow.c (admin's applied
 * configurations, pre-rendered) use it.
 */
#ifndef IVR_H
#define IVR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.pb-c.h"
#include "bus.h"
#include "cache.h"
#include "rtpengine.h"
#include "svc.h"

#define IVR_MAX_RTPENGINES 16

struct ivr_cfg {
	const char *rtpengine;	/* the default instance */
	const char *rtpengines; /* the others requests may name */
	int rtpengine_timeout_ms;
	int rtpengine_tries;
	int rtpengine_sockets;
	const char *admin_url;
	const char *events_url;
	int poll_ms;
	int admin_deadline_ms;
	const char *cache_dir;
	int cache_mb;
};

struct ivr {
	struct ivr_cfg cfg;
	struct ivr_cache *cache;
	struct ivr_rtpe *rtpe[IVR_MAX_RTPENGINES]; /* [0]: the default */
	size_t n_rtpe;
	struct ov_bus_client *admin;
	size_t bus_max_msg; /* replies stay under it */
};

extern struct ivr ivr;

/* The instance a request names ("" or NULL: the default), or NULL. */
struct ivr_rtpe *ivr_rtpengine(const char *addr);

/* Fetches a tenant's snapshot (version 0: the latest) from admin. */
enum ov_err ivr_snapshot_fetch(const char *tenant, uint32_t version,
			       uint32_t deadline_ms, const char *request_id,
			       Ov__Admin__Snapshot **out, char *why,
			       size_t why_len);

/* Bus methods (handlers.c). */
extern const struct ov_bus_method ivr_methods[];
extern const size_t ivr_n_methods;
enum ov_err ivr_health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len);

/* Following admin (follow.c): at start every tenant's newest version,
 * then each one applied, with its enabled messages made before a call
 * needs them. */
enum ov_err ivr_follow_start(void);
void ivr_follow_stop(void);
bool ivr_follow_ready(void);

#endif
