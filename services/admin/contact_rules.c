/* What a personal contact may hold: see contact_rules.h. Pure. */
#include "contact_rules.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "policy.h"

static void say(char *buf, size_t len, const char *s)
{
	if (buf && len)
		snprintf(buf, len, "%s", s);
}

static enum ov_err bad(char *field, size_t field_len, const char *f, char *why,
		       size_t why_len, const char *w)
{
	say(field, field_len, f);
	say(why, why_len, w);
	return OV_EINVAL;
}

enum ov_err contact_number_norm(const char *in, char *out, size_t out_len,
				char *why, size_t why_len)
{
	size_t digits = 0, o = 0;
	bool plus = false;

	if (out_len)
		out[0] = '\0';
	say(why, why_len, "");
	if (!in)
		return say(why, why_len, "is required"), OV_EINVAL;
	for (const char *p = in; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (o + 2 > out_len || digits == CONTACT_DIGITS_MAX) {
				digits = CONTACT_DIGITS_MAX + 1;
				break;
			}
			out[o++] = *p;
			digits++;
		} else if (*p == '+' && !plus && !digits && o == 0) {
			plus = true;
			if (o + 2 > out_len)
				break;
			out[o++] = '+';
		} else if (!strchr(" .-/()", *p)) {
			if (out_len)
				out[0] = '\0';
			return say(why, why_len,
				   "may hold only digits, a leading + and "
				   "spaces . - / ( )"),
			       OV_EINVAL;
		}
	}
	if (o < out_len)
		out[o] = '\0';
	bool ext = !plus && digits == 2;
	if (!ext &&
	    (digits < CONTACT_DIGITS_MIN || digits > CONTACT_DIGITS_MAX)) {
		if (out_len)
			out[0] = '\0';
		return say(why, why_len,
			   "must have 3 to 20 digits, or be a 2-digit "
			   "extension"),
		       OV_EINVAL;
	}
	return OV_OK;
}

/* Valid UTF-8 of at most max code points, no control characters but
 * new line and tab; false with why. */
static bool text_ok(const char *s, size_t max, char *why, size_t why_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		uint32_t c;
		size_t k;
		if (p[0] < 0x80) {
			c = p[0];
			k = 1;
		} else if ((p[0] & 0xe0) == 0xc0) {
			c = p[0] & 0x1fu;
			k = 2;
		} else if ((p[0] & 0xf0) == 0xe0) {
			c = p[0] & 0x0fu;
			k = 3;
		} else if ((p[0] & 0xf8) == 0xf0) {
			c = p[0] & 0x07u;
			k = 4;
		} else {
			say(why, why_len, "is not valid UTF-8");
			return false;
		}
		for (size_t i = 1; i < k; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				say(why, why_len, "is not valid UTF-8");
				return false;
			}
			c = (c << 6) | (p[i] & 0x3fu);
		}
		static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
		if (c < least[k] || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff)) {
			say(why, why_len, "is not valid UTF-8");
			return false;
		}
		if ((c < 0x20 && c != '\n' && c != '\t') ||
		    (c >= 0x7f && c < 0xa0)) {
			say(why, why_len, "must not hold control characters");
			return false;
		}
		p += k;
		if (++n > max) {
			char w[64];
			snprintf(w, sizeof(w), "must be at most %zu characters",
				 max);
			say(why, why_len, w);
			return false;
		}
	}
	return true;
}

static bool label_ok(const char *l)
{
	return l && (!strcmp(l, "mobile") || !strcmp(l, "work") ||
		     !strcmp(l, "home") || !strcmp(l, "other"));
}

static enum ov_err numbers_check(const json_t *nums, json_t *out_nums,
				 char *field, size_t field_len, char *why,
				 size_t why_len)
{
	static const struct ov_json_field f[] = {
		{"label", OV_J_STR, true},
		{"number", OV_J_STR, true},
	};
	size_t n = json_array_size(nums);
	char prefix[24], f2[40], norm[CONTACT_DIGITS_MAX + 2], w[96];
	struct ov_json_error je;

	if (n < 1 || n > CONTACT_NUMBERS_MAX)
		return bad(field, field_len, "numbers", why, why_len,
			   "must list 1 to 5 numbers");
	for (size_t i = 0; i < n; i++) {
		const json_t *x = json_array_get(nums, i);
		snprintf(prefix, sizeof(prefix), "numbers[%zu].", i);
		if (!json_is_object(x)) {
			snprintf(f2, sizeof(f2), "numbers[%zu]", i);
			return bad(field, field_len, f2, why, why_len,
				   "must be {\"label\", \"number\"}");
		}
		if (ov_json_check(x, f, 2, prefix, &je) != OV_OK)
			return bad(field, field_len, je.field, why, why_len,
				   je.why);
		const char *label =
			json_string_value(json_object_get(x, "label"));
		if (!label_ok(label)) {
			snprintf(f2, sizeof(f2), "%slabel", prefix);
			return bad(field, field_len, f2, why, why_len,
				   "must be mobile, work, home or other");
		}
		if (contact_number_norm(
			    json_string_value(json_object_get(x, "number")),
			    norm, sizeof(norm), w, sizeof(w)) != OV_OK) {
			snprintf(f2, sizeof(f2), "%snumber", prefix);
			return bad(field, field_len, f2, why, why_len, w);
		}
		json_array_append_new(out_nums,
				      json_pack("{s:s, s:s}", "label", label,
						"number", norm));
	}
	return OV_OK;
}

/* An optional text field: absent (nothing), null (cleared) or checked. */
static enum ov_err optional(const json_t *body, const char *key, json_t *out,
			    char *field, size_t field_len, char *why,
			    size_t why_len)
{
	const json_t *v = json_object_get(body, key);
	char w[96];

	if (!v)
		return OV_OK;
	if (json_is_null(v)) {
		json_object_set_new(out, key, json_null());
		return OV_OK;
	}
	const char *s = json_string_value(v);
	bool ok;
	if (!strcmp(key, "email"))
		ok = admin_email_check(s, w, sizeof(w)) == OV_OK;
	else if (!strcmp(key, "company"))
		ok = admin_name_check(s, CONTACT_COMPANY_MAX, w, sizeof(w)) ==
		     OV_OK;
	else
		ok = text_ok(s, CONTACT_NOTE_MAX, w, sizeof(w));
	if (!ok)
		return bad(field, field_len, key, why, why_len, w);
	/* An empty note is no note. */
	json_object_set_new(out, key, s[0] ? json_string(s) : json_null());
	return OV_OK;
}

enum ov_err contact_check(const json_t *body, bool partial, json_t **out,
			  char *field, size_t field_len, char *why,
			  size_t why_len)
{
	static const struct ov_json_field f[] = {
		{"name", OV_J_STR, true},
		{"numbers", OV_J_ARRAY, true},
		{"email", OV_J_STR_OR_NULL, false},
		{"company", OV_J_STR_OR_NULL, false},
		{"note", OV_J_STR_OR_NULL, false},
	};
	static const char *const optionals[] = {"email", "company", "note"};
	struct ov_json_field fp[5];
	struct ov_json_error je;
	enum ov_err e;
	char w[96];

	*out = NULL;
	say(field, field_len, "");
	say(why, why_len, "");
	memcpy(fp, f, sizeof(f));
	if (partial)
		fp[0].required = fp[1].required = false;
	if (!json_is_object(body))
		return bad(field, field_len, "", why, why_len,
			   "the body must be a JSON object");
	if (ov_json_check(body, fp, 5, "", &je) != OV_OK)
		return bad(field, field_len, je.field, why, why_len, je.why);
	if (partial && json_object_size(body) == 0)
		return bad(field, field_len, "", why, why_len,
			   "change at least one field");
	json_t *o = json_object();
	if (!o)
		return bad(field, field_len, "", why, why_len, "out of memory");
	const char *name = json_string_value(json_object_get(body, "name"));
	if (name) {
		if (admin_name_check(name, CONTACT_NAME_MAX, w, sizeof(w)) !=
		    OV_OK) {
			e = bad(field, field_len, "name", why, why_len, w);
			goto fail;
		}
		json_object_set_new(o, "name", json_string(name));
	}
	const json_t *nums = json_object_get(body, "numbers");
	if (nums) {
		json_t *norm = json_array();
		json_object_set_new(o, "numbers", norm);
		e = numbers_check(nums, norm, field, field_len, why, why_len);
		if (e != OV_OK)
			goto fail;
	}
	for (size_t i = 0; i < 3; i++) {
		e = optional(body, optionals[i], o, field, field_len, why,
			     why_len);
		if (e != OV_OK)
			goto fail;
	}
	if (!partial)
		for (size_t i = 0; i < 3; i++)
			if (!json_object_get(o, optionals[i]))
				json_object_set_new(o, optionals[i],
						    json_null());
	*out = o;
	return OV_OK;
fail:
	json_decref(o);
	return e;
}
