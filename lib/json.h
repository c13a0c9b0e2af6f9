/*
 * Strict JSON request bodies (jansson): one object, no duplicate keys,
 * no unknown fields, each field of its declared type. Every failure
 * names the field, for a problem JSON answer.
 */
#ifndef OV_JSON_H
#define OV_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

enum ov_json_kind {
	OV_J_STR,
	OV_J_INT,
	OV_J_BOOL,
	OV_J_ARRAY,
	OV_J_OBJECT,
	OV_J_STR_OR_NULL,
};

struct ov_json_field {
	const char *name;
	enum ov_json_kind kind;
	bool required;
};

struct ov_json_error {
	char field[64]; /* "" when the problem is the whole body */
	char why[192];
};

/* Parses body as one JSON object of at most max bytes. */
enum ov_err ov_json_parse(const char *body, size_t len, size_t max,
			  json_t **out, struct ov_json_error *err);
/* Checks obj against the field table (prefix names nested fields, e.g.
 * "members[2]."; may be ""). */
enum ov_err ov_json_check(const json_t *obj, const struct ov_json_field *f,
			  size_t n, const char *prefix,
			  struct ov_json_error *err);
/* Compact serialisation; the caller frees. */
char *ov_json_dump(const json_t *v, size_t *len);

#endif
