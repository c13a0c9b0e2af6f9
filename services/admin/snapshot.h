/*
 * From an applied document (the tenant's settings, people and draft, as
 * JSON) to the protobuf snapshot the router and the IVR read; and the
 * readable difference between two documents. Pure.
 */
#ifndef ADMIN_SNAPSHOT_H
#define ADMIN_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* Packs ov.admin.Snapshot for doc into a malloc'd buffer. */
enum ov_err snapshot_pack(const json_t *doc, const char *tenant_id,
			  uint32_t version, int64_t applied_at, uint8_t **buf,
			  size_t *len);

/* Lines such as "ringing.mode: sequential -> simultaneous"; old may be
 * NULL (everything is new). Returns a JSON array of strings. */
json_t *snapshot_diff(const json_t *old, const json_t *new_);

#endif
