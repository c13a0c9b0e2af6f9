/* A person's own profile: presence, tutorial, photo, consents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

/* Runs one change of the caller's own profile and its audit record in
 * one transaction; answers the failure and returns false. */
static bool change(struct admin_req *r, const char *stmt, int n,
		   const char *const *p, const int *len, const char *action,
		   json_t *detail)
{
	PGresult *res = NULL;
	enum ov_err e = ov_db_begin(r->db);

	if (e == OV_OK)
		e = ov_db_exec_bin(r->db, stmt, n, p, len, &res);
	PQclear(res);
	e = admin_end_tx(r, e, r->tenant_id, action, r->user_id, detail);
	if (e != OV_OK) {
		admin_fail_store(r, e, "user");
		return false;
	}
	return true;
}

void me_get(struct admin_req *r)
{
	const char *p[] = {r->user_id, r->tenant_id};
	admin_reply_json(r, 200, "me_get", 2, p, NULL, "user");
}

void me_patch(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"presence", OV_J_STR, false},
		{"tutorial_seen", OV_J_BOOL, false},
	};

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	const char *presence = admin_str(r, "presence");
	if (presence && strcmp(presence, "available") != 0 &&
	    strcmp(presence, "dnd") != 0 && strcmp(presence, "away") != 0) {
		admin_fail(r, 400, OV_EINVAL, "presence",
			   "presence must be available, dnd or away");
		return;
	}
	/* The registrar first (the router asks it who is reachable): if
	 * it cannot be told, nothing changes. */
	if (presence && !admin_sip_presence(r, presence))
		return;
	json_t *tut = json_object_get(r->body, "tutorial_seen");
	const char *p[] = {r->user_id, r->tenant_id, presence,
			   tut ? (json_is_true(tut) ? "true" : "false") : NULL};
	if (change(r, "me_update", 4, p, NULL, "me.update",
		   json_deep_copy(r->body)))
		me_get(r);
}

/* What the bytes are, from their signature: PNG or JPEG, else NULL. */
static const char *image_type(const unsigned char *b, size_t n)
{
	static const unsigned char png[] = {0x89, 'P',	'N',  'G',
					    '\r', '\n', 0x1a, '\n'};

	if (n > sizeof(png) + 16 && memcmp(b, png, sizeof(png)) == 0 &&
	    memcmp(b + 12, "IHDR", 4) == 0)
		return "image/png";
	if (n > 4 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff &&
	    b[n - 2] == 0xff && b[n - 1] == 0xd9)
		return "image/jpeg";
	return NULL;
}

void me_photo_put(struct admin_req *r)
{
	const unsigned char *b = (const unsigned char *)r->http->body;
	size_t n = r->http->body_len;
	const char *declared = ov_http_header(r->http, "Content-Type");

	if (n > (size_t)r->app->cfg.max_photo) {
		admin_fail(r, 413, OV_ETOOBIG, NULL,
			   "a photo may be at most %d bytes",
			   r->app->cfg.max_photo);
		return;
	}
	const char *type = image_type(b, n);
	if (!type || !declared || strncmp(declared, type, strlen(type)) != 0) {
		admin_fail(r, 415, OV_EINVAL, NULL,
			   "send a PNG or JPEG image with its Content-Type");
		return;
	}
	/* The image goes as a binary parameter, byte for byte. */
	const char *p[] = {r->user_id, r->tenant_id, (const char *)b, type};
	const int len[] = {-1, -1, (int)n, -1};
	bool ok = change(
		r, "photo_set", 4, p, len, "me.photo",
		json_pack("{s:s, s:I}", "type", type, "bytes", (json_int_t)n));
	if (ok)
		ov_http_reply(r->res, 204, "application/json", NULL, 0);
}

void me_photo_get(struct admin_req *r)
{
	PGresult *res = NULL;
	const char *p[] = {r->user_id, r->tenant_id};
	enum ov_err e = ov_db_exec(r->db, "photo_get", 2, p, &res);

	if (e == OV_OK && PQntuples(res) == 0)
		e = OV_ENOTFOUND;
	if (e != OV_OK) {
		PQclear(res);
		admin_fail_store(r, e, "photo");
		return;
	}
	size_t n = 0;
	unsigned char *raw = PQunescapeBytea(
		(const unsigned char *)PQgetvalue(res, 0, 0), &n);
	char *body = raw ? malloc(n ? n : 1) : NULL;
	if (body)
		memcpy(body, raw, n);
	PQfreemem(raw);
	/* The type comes from our own check at upload: a static string. */
	const char *type = strcmp(PQgetvalue(res, 0, 1), "image/png") == 0
				   ? "image/png"
				   : "image/jpeg";
	PQclear(res);
	if (!body) {
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
		return;
	}
	ov_http_reply(r->res, 200, type, body, n);
}

void me_photo_delete(struct admin_req *r)
{
	const char *p[] = {r->user_id, r->tenant_id, NULL, NULL};
	if (change(r, "photo_set", 4, p, NULL, "me.photo_delete", NULL))
		ov_http_reply(r->res, 204, "application/json", NULL, 0);
}

void me_consent_put(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"version", OV_J_STR, true},
		{"granted", OV_J_BOOL, true},
	};
	const char *id = ov_route_param(&r->m, "id");

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	size_t len = strlen(id);
	bool ok = len >= 1 && len <= 40;
	for (size_t i = 0; ok && i < len; i++)
		ok = (id[i] >= 'a' && id[i] <= 'z') || id[i] == '_' ||
		     (id[i] >= '0' && id[i] <= '9');
	const char *version = admin_str(r, "version");
	if (!ok) {
		admin_fail(r, 404, OV_ENOTFOUND, NULL,
			   "a consent id is 1 to 40 of a-z, 0-9 and _");
		return;
	}
	if (!version[0] || strlen(version) > 20) {
		admin_fail(r, 400, OV_EINVAL, "version",
			   "version must be 1 to 20 characters");
		return;
	}
	const char *p[] = {r->user_id, r->tenant_id, id, version,
			   json_is_true(json_object_get(r->body, "granted"))
				   ? "true"
				   : "false"};
	if (change(r, "consent_set", 5, p, NULL, "me.consent",
		   json_pack("{s:s, s:s, s:b}", "consent", id, "version",
			     version, "granted", p[4][0] == 't')))
		me_get(r);
}
