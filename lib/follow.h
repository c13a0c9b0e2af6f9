/*
 * Following admin's applied configurations (DESIGN.md §2): every
 * service that needs tenants' snapshots (the router, the IVR) keeps up
 * the same way. At start, snapshot.changes from sequence 0 lists every
 * applied version; after that, config.applied events on admin's PUB
 * socket wake the follower early and, because PUB/SUB can drop, it also
 * polls snapshot.changes every poll_ms. For each tenant whose version
 * the service does not have yet, the latest snapshot is fetched
 * (snapshot.get) and handed over.
 */
#ifndef OV_FOLLOW_H
#define OV_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.pb-c.h"
#include "bus.h"
#include "err.h"

struct ov_follow_cfg {
	struct ov_bus_client *admin; /* borrowed: admin's bus */
	const char *admin_url;	     /* its URLs, for the logs */
	const char *events_url;	     /* admin's PUB socket */
	unsigned poll_ms;
	unsigned deadline_ms; /* per request to admin */
	const char *log_name; /* "sync", "follow": the events' prefix */
	const char *request_id;
	/* Does the service lack this version of the tenant? */
	bool (*wants)(const char *tenant_id, uint32_t version, void *arg);
	/* A tenant's latest snapshot: taken (the callee frees it). */
	void (*take)(Ov__Admin__Snapshot *snap, void *arg);
	/* Called once, when every version applied before start is in;
	 * may be NULL. */
	void (*ready)(uint64_t seq, void *arg);
	void *arg;
};

struct ov_follow;

/* Starts the follower's thread. */
enum ov_err ov_follow_start(const struct ov_follow_cfg *cfg,
			    struct ov_follow **out);
/* Stops it (within about 200 ms plus one request's deadline). */
void ov_follow_stop(struct ov_follow *f);
/* True once every version applied before start has been handed over. */
bool ov_follow_ready(const struct ov_follow *f);
/* The last global sequence number handed over. */
uint64_t ov_follow_seq(const struct ov_follow *f);

/* One snapshot of a tenant (version 0: the latest), checked to be the
 * one asked for. why gets a reason on failure. */
enum ov_err ov_snapshot_fetch(struct ov_bus_client *admin, const char *tenant,
			      uint32_t version, uint32_t deadline_ms,
			      const char *request_id, Ov__Admin__Snapshot **out,
			      char *why, size_t why_len);

#endif
