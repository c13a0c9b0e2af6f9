/*
 * "Try it" (POST /v1/simulate): what the request may say, the tenant's
 * local time, and who ringing would skip. Pure: no I/O but GLib's time
 * zone data, no clock.
 */
#ifndef ADMIN_SIMULATE_RULES_H
#define ADMIN_SIMULATE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "registrar.pb-c.h"

/* A caller's number as the carrier delivers it: an optional leading
 * "+" and 3 to 20 digits, nothing else. */
bool sim_from_ok(const char *from);

/* "YYYY-MM-DDTHH:MM", local time of zone (an IANA name; UTC when
 * unknown), → Unix seconds. false when malformed or not a date. A time
 * that does not exist (skipped by a DST change) is read as GLib does:
 * after the change. */
bool sim_at_parse(const char *at, const char *zone, int64_t *out);

/* Unix seconds → "YYYY-MM-DDTHH:MM" in zone (out: 17 bytes at least). */
void sim_at_format(int64_t t, const char *zone, char *out, size_t len);

/*
 * The ringing members of an applied document (its "ringing.members",
 * named as apply resolved them) that a call reaching step 4 would not
 * ring, and why: [{member: "Laura (05)", reason}], reason
 * "do-not-disturb" or "not registered" as the router decides
 * (plan.c: dnd first, then no live binding); "unknown" for everybody
 * when reach is NULL (the registrar could not be asked). A new array.
 */
json_t *sim_skipped(const json_t *members,
		    const Ov__Registrar__ContactsReply *reach);

#endif
