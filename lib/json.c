#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum ov_err fail(struct ov_json_error *err, const char *prefix,
			const char *field, const char *why)
{
	snprintf(err->field, sizeof(err->field), "%s%s", prefix, field);
	snprintf(err->why, sizeof(err->why), "%s", why);
	return OV_EINVAL;
}

static const char *parse_error(const json_error_t *je)
{
	switch (json_error_code(je)) {
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return "a NUL character";
	case json_error_duplicate_key:
		return "a key given twice";
	case json_error_premature_end_of_input:
		return "the JSON ends early";
	case json_error_end_of_input_expected:
		return "text after the JSON value";
	case json_error_numeric_overflow:
		return "a number out of range";
	default:
		return "malformed JSON";
	}
}

enum ov_err ov_json_parse(const char *body, size_t len, size_t max,
			  json_t **out, struct ov_json_error *err)
{
	json_error_t je;
	char why[192];

	*out = NULL;
	if (len > max) {
		snprintf(why, sizeof(why), "body over %zu bytes", max);
		fail(err, "", "", why);
		return OV_ETOOBIG;
	}
	if (len == 0)
		return fail(err, "", "", "a JSON object is required");
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		/* Where, never what: jansson's text quotes the input around
		 * the error ("near '...'"), which may be a password. */
		snprintf(why, sizeof(why), "%s at byte %d (line %d, column %d)",
			 parse_error(&je), je.position, je.line, je.column);
		return fail(err, "", "", why);
	}
	if (!json_is_object(v)) {
		json_decref(v);
		return fail(err, "", "", "the body must be a JSON object");
	}
	*out = v;
	return OV_OK;
}

static bool kind_ok(const json_t *v, enum ov_json_kind k)
{
	switch (k) {
	case OV_J_STR:
		return json_is_string(v);
	case OV_J_INT:
		return json_is_integer(v);
	case OV_J_BOOL:
		return json_is_boolean(v);
	case OV_J_ARRAY:
		return json_is_array(v);
	case OV_J_OBJECT:
		return json_is_object(v);
	case OV_J_STR_OR_NULL:
		return json_is_string(v) || json_is_null(v);
	}
	return false;
}

static const char *kind_name(enum ov_json_kind k)
{
	static const char *const names[] = {
		"a string", "an integer", "true or false",
		"an array", "an object",  "a string or null",
	};
	return names[k];
}

enum ov_err ov_json_check(const json_t *obj, const struct ov_json_field *f,
			  size_t n, const char *prefix,
			  struct ov_json_error *err)
{
	const char *key;
	json_t *v;
	char why[96];

	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i = 0;
		while (i < n && strcmp(f[i].name, key) != 0)
			i++;
		if (i == n)
			return fail(err, prefix, key, "unknown field");
		if (!kind_ok(v, f[i].kind)) {
			snprintf(why, sizeof(why), "must be %s",
				 kind_name(f[i].kind));
			return fail(err, prefix, key, why);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (f[i].required && !json_object_get(obj, f[i].name))
			return fail(err, prefix, f[i].name, "is required");
	return OV_OK;
}

char *ov_json_dump(const json_t *v, size_t *len)
{
	char *s = json_dumps(v, JSON_COMPACT);
	if (s)
		*len = strlen(s);
	return s;
}
