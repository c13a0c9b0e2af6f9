/*
 * What apply would change, in words: the draft's configuration document
 * against the live (last applied) one, both as apply builds them (people,
 * ringing with its members named, forwarding, messages, the tenant's
 * settings). Pure: no I/O, no clock.
 *
 * Each change is {kind, subject, before, after, text_it, text_en}; the
 * kinds and the wording are docs/admin.md's ("Apply diff"). Changes come
 * in a fixed order: people, ringing, forwarding, messages, settings.
 * Whenever the two documents differ there is at least one change: a
 * difference no rule words is reported per section as kind "other".
 */
#ifndef ADMIN_DIFF_H
#define ADMIN_DIFF_H

#include <jansson.h>

/* live NULL: nothing applied yet (everything in the draft is new).
 * Returns a new JSON array (NULL only when out of memory). */
json_t *config_diff(const json_t *live, const json_t *draft);

#endif
