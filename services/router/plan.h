/*
 * plan = decide(tenant, call, reach, now): what happens to a call. Pure:
 * no I/O, no clock, no globals; the handler gathers the inputs (the
 * tenant's applied snapshot, the registrar's view of who is reachable,
 * the time) and Kamailio runs the result.
 *
 * The order of decisions for a call to the fixed number is DESIGN.md's:
 * unconditional forward; closed (opening hours, closure period, Italian
 * national holidays); welcome; ringing per mode, skipping members on
 * do-not-disturb or without bindings; then busy / no-answer /
 * unreachable, each a forward if set, else the no-answer message, else
 * the final code. docs/router.md has every rule and its edges.
 */
#ifndef ROUTER_PLAN_H
#define ROUTER_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "admin.pb-c.h"
#include "registrar.pb-c.h"
#include "router.pb-c.h"

/* A tenant as the router holds it: its applied snapshot and what was
 * derived from it when it was loaded (so decide() does no I/O). */
struct router_tenant {
	const Ov__Admin__Snapshot *snap;
	GTimeZone *tz; /* the snapshot's zone; never NULL (UTC if unknown) */
};

/* Seconds per ring: the Italian ring cadence. */
#define ROUTER_RING_S 5

/* The plan, in memory owned by it: router_plan_free() releases what
 * router_decide() allocated. out->plan is what goes on the wire. Every
 * string of it is a copy (or a literal), so the plan outlives t, call
 * and reach: they may be freed before the plan is packed. */
struct router_plan {
	Ov__Router__Plan plan;
	void *mem; /* the allocations behind plan, freed together */
};

/*
 * Decides the plan of `call` at Unix time `now`.
 *  t      the tenant the call belongs to: for a TRUNK call the owner of
 *         the dialled number, for a DEVICE call the caller's tenant;
 *         NULL when none (404, or 403 for a device).
 *  reach  presence and bindings of the tenant's owners (registrar
 *         contacts.get); NULL means the registrar could not be asked:
 *         every member counts as unreachable.
 * Always fills out (a REJECT at worst); release with router_plan_free.
 */
void router_decide(const struct router_tenant *t,
		   const Ov__Router__RouteRequest *call,
		   const Ov__Registrar__ContactsReply *reach, int64_t now,
		   struct router_plan *out);
void router_plan_free(struct router_plan *p);

/*
 * The plan in words, one sentence, for `ovctl simulate` and logs:
 * "play the welcome message, then ring Mario (01) for 20 s, then Sara
 * (02) for 20 s; if all busy: forward to +393351234567 (busy); if no
 * answer: play the no-answer message, then reject with 480 Temporarily
 * Unavailable". Truncated to fit; returns the length it needed (like
 * snprintf).
 */
size_t router_plan_words(const Ov__Router__Plan *p, char *buf, size_t len);

/* The same words in another language: "riproduci il messaggio di
 * benvenuto, poi fai squillare Mario (01) per 20 s, ...". SIP reason
 * phrases stay as they are on the wire. */
enum router_lang {
	ROUTER_WORDS_EN = 0,
	ROUTER_WORDS_IT = 1,
};
size_t router_plan_words_lang(const Ov__Router__Plan *p, enum router_lang lang,
			      char *buf, size_t len);
/* One step alone, as it reads within its list: prev is the step before
 * it in the same list (NULL for the first), so that a RING after a RING
 * reads "Sara (02) for 20 s" as after ", then ". Like snprintf. */
size_t router_step_words(const Ov__Router__Step *st,
			 const Ov__Router__Step *prev, enum router_lang lang,
			 char *buf, size_t len);

/*
 * Outside numbers as dialled from a device, normalised to E.164 and
 * classified. Pure; exposed for tests and ovctl.
 */
enum router_dest {
	ROUTER_DEST_INVALID = 0,
	ROUTER_DEST_EMERGENCY, /* 112, 113, 115, 118, 1522, 1530, 114 ... */
	ROUTER_DEST_MOBILE,    /* Italian mobile */
	ROUTER_DEST_LANDLINE,  /* Italian geographic */
	ROUTER_DEST_TOLLFREE,  /* 800, 803 */
	ROUTER_DEST_PREMIUM,   /* 89x, 144, 166, 12xx directory ... */
	ROUTER_DEST_INTERNATIONAL,
};
enum router_dest router_classify(const char *dialled, char *e164,
				 size_t e164_len);

/* 1 if the local date y-m-d (month 1..12) is an Italian national
 * holiday (Easter Monday included; October 4 from 2026), else 0. */
int router_holiday(int y, int m, int d);

/* E.164 buffers: "+" and at most 15 digits, with room to spare. */
#define ROUTER_E164_MAX 24

/* ---- the pieces decide() is made of: pure, exposed for tests ---- */

/* A wall-clock time of the tenant's zone, to the minute. */
struct router_local {
	int y, mon, d; /* mon 1..12, d 1..31 */
	int h, min;    /* 0..23, 0..59 */
	int wday;      /* 0 Monday .. 6 Sunday (TimeRange.days bit) */
};

/* The local time of Unix time `now` in tz (UTC when tz is NULL), DST
 * from GLib's tzdata. false when now is outside years 1..9999. */
bool router_local_time(GTimeZone *tz, int64_t now, struct router_local *lt);

/* Easter Sunday of year y (Gregorian computus, 1583..9999): month 3 or 4
 * and day; false outside those years. */
bool router_easter(int y, int *mon, int *d);

/* Whether lt lies in one of m's time ranges (end exclusive; a range
 * with end_min <= start_min runs past midnight into the next day). */
bool router_in_ranges(const Ov__Admin__VoiceMessage *m,
		      const struct router_local *lt);

/* Whether lt lies in m's validity period (valid_from <= lt <= valid_to,
 * to the minute, each end open when ""); false when a bound is not
 * "YYYY-MM-DDTHH:MM". */
bool router_in_validity(const Ov__Admin__VoiceMessage *m,
			const struct router_local *lt);

/* The closed message says "closed" at lt: enabled and, with ranges
 * (opening hours), outside them or on a holiday, within the validity
 * period if any; without ranges (closure period), within the validity
 * period. lt NULL (time unknown): never closed. */
bool router_closed_now(const Ov__Admin__VoiceMessage *m,
		       const struct router_local *lt);

/* The welcome or no-answer message plays at lt: enabled, within its
 * validity period and, if it has ranges, in one. lt NULL: only when it
 * has neither. */
bool router_message_active(const Ov__Admin__VoiceMessage *m,
			   const struct router_local *lt);

#endif
