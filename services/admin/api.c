/*
 * The REST front door: finds the route, establishes who is asking from
 * the credentials (never from the body), enforces the role and the
 * first-login password change, parses JSON, and runs the handler with a
 * database handle.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "http_check.h"
#include "log.h"
#include "seal.h"

#define DB_WAIT_MS 2000

#define R(m, p, fn, roles, json, pre)                                          \
	{                                                                      \
		m, p, &(const struct admin_route)                              \
		{                                                              \
			fn, roles, json, pre                                   \
		}                                                              \
	}
#define OP ROLE_OPERATOR
#define ADM ROLE_ADMIN
#define USR (ROLE_ADMIN | ROLE_USER)
#define PUB ROLE_PUBLIC

extern const char admin_openapi[];
extern const size_t admin_openapi_len;

static void openapi_get(struct admin_req *r)
{
	char *doc = malloc(admin_openapi_len);

	if (!doc) {
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
		return;
	}
	memcpy(doc, admin_openapi, admin_openapi_len);
	ov_http_reply(r->res, 200, "application/json", doc, admin_openapi_len);
}

const struct ov_route admin_routes[] = {
	R("GET", "/v1/openapi.json", openapi_get, PUB, false, true),
	R("POST", "/v1/auth/login", auth_login, PUB, true, true),
	R("POST", "/v1/auth/logout", auth_logout, USR, false, true),
	R("POST", "/v1/auth/password", auth_password, USR, true, true),
	R("POST", "/v1/auth/forgot", auth_forgot, PUB, true, true),
	R("POST", "/v1/auth/reset", auth_reset, PUB, true, true),

	R("GET", "/v1/me", me_get, USR, false, true),
	R("PATCH", "/v1/me", me_patch, USR, true, false),
	R("GET", "/v1/me/photo", me_photo_get, USR, false, false),
	R("PUT", "/v1/me/photo", me_photo_put, USR, false, false),
	R("DELETE", "/v1/me/photo", me_photo_delete, USR, false, false),
	R("PUT", "/v1/me/consents/{id}", me_consent_put, USR, true, false),
	R("GET", "/v1/me/sip", sip_me_get, USR, false, false),
	R("GET", "/v1/me/devices", sip_me_devices, USR, false, false),
	R("GET", "/v1/lines/main/sip", sip_main_line_get, ADM, false, false),
	R("GET", "/v1/me/contacts", contacts_list, USR, false, false),
	R("POST", "/v1/me/contacts", contacts_create, USR, true, false),
	R("PATCH", "/v1/me/contacts/{id}", contacts_patch, USR, true, false),
	R("DELETE", "/v1/me/contacts/{id}", contacts_delete, USR, false, false),
	R("GET", "/v1/directory", directory_get, USR, false, false),
	R("GET", "/v1/me/calls", calls_mine, USR, false, false),
	R("GET", "/v1/calls/today", calls_today, ADM, false, false),

	R("GET", "/v1/users", users_list, ADM, false, false),
	R("POST", "/v1/users", users_create, ADM, true, false),
	R("GET", "/v1/users/{id}", users_get, ADM, false, false),
	R("PATCH", "/v1/users/{id}", users_patch, ADM, true, false),
	R("DELETE", "/v1/users/{id}", users_delete, ADM, false, false),

	R("GET", "/v1/message-templates", config_templates, USR, false, false),
	R("GET", "/v1/config/draft", config_draft_get, ADM, false, false),
	R("GET", "/v1/config/diff", config_diff_get, ADM, false, false),
	R("PUT", "/v1/ringing", config_ringing_put, ADM, true, false),
	R("PUT", "/v1/forwarding", config_forwarding_put, ADM, true, false),
	R("PUT", "/v1/messages/{kind}", config_message_put, ADM, true, false),
	R("GET", "/v1/messages/{kind}/preview", config_message_preview, ADM,
	  false, false),
	R("POST", "/v1/apply", config_apply, ADM, false, false),
	R("POST", "/v1/simulate", simulate_post, ADM, true, false),

	R("GET", "/v1/audit", audit_list, OP | ADM, false, false),

	R("GET", "/v1/tenants", tenants_list, OP, false, false),
	R("POST", "/v1/tenants", tenants_create, OP, true, false),
	R("GET", "/v1/tenants/{id}", tenants_get, OP, false, false),
	R("PATCH", "/v1/tenants/{id}", tenants_patch, OP, true, false),
	R("DELETE", "/v1/tenants/{id}", tenants_delete, OP, false, false),
	R("POST", "/v1/tenants/{id}/suspend", tenants_suspend, OP, false,
	  false),
	R("POST", "/v1/tenants/{id}/resume", tenants_resume, OP, false, false),
};
const size_t admin_n_routes = sizeof(admin_routes) / sizeof(admin_routes[0]);

enum ov_err admin_openapi_check(void)
{
	json_error_t je;
	json_t *doc = json_loads(admin_openapi, 0, &je);
	enum ov_err e = OV_OK;
	char method[16];

	if (!doc) {
		ov_log_error("admin.openapi_invalid", OV_LS("error", je.text),
			     OV_LI("line", je.line));
		return OV_EINTERNAL;
	}
	const json_t *paths = json_object_get(doc, "paths");
	for (size_t i = 0; i < admin_n_routes; i++) {
		const struct ov_route *rt = &admin_routes[i];
		size_t j = 0;
		for (; rt->method[j] && j + 1 < sizeof(method); j++)
			method[j] = (char)(rt->method[j] | 0x20);
		method[j] = '\0';
		if (!json_object_get(json_object_get(paths, rt->pattern),
				     method)) {
			ov_log_error("admin.route_undocumented",
				     OV_LS("method", rt->method),
				     OV_LS("path", rt->pattern));
			e = OV_EINTERNAL;
		}
	}
	json_decref(doc);
	return e;
}

void admin_json(struct admin_req *r, int status, json_t *v)
{
	size_t len = 0;
	char *s = v ? ov_json_dump(v, &len) : NULL;

	json_decref(v);
	if (!s) {
		ov_http_problem(r->res, 500, OV_EEXHAUSTED, NULL,
				"out of memory");
		return;
	}
	ov_http_reply(r->res, status, "application/json", s, len);
}

void admin_fail_code(struct admin_req *r, int status, const char *code,
		     const char *field, const char *detail)
{
	ov_http_problem_code(r->res, status, code, field, detail);
}

void admin_fail(struct admin_req *r, int status, enum ov_err e,
		const char *field, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ov_http_problem(r->res, status, e, field, detail);
}

void admin_fail_store(struct admin_req *r, enum ov_err e, const char *what)
{
	switch (e) {
	case OV_ENOTFOUND:
		admin_fail(r, 404, e, NULL, "no such %s", what);
		return;
	case OV_EEXIST:
		admin_fail(r, 409, e, NULL, "%s already exists", what);
		return;
	case OV_EUNAVAIL:
	case OV_ETIMEDOUT:
		r->res->retry_after = 1;
		admin_fail(r, 503, OV_EUNAVAIL, NULL,
			   "database unavailable, try again");
		return;
	case OV_EEXHAUSTED:
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "%s: out of resources",
			   what);
		return;
	default:
		admin_fail(r, ov_err_http(e), e, NULL, "%s: %s", what,
			   ov_err_name(e));
	}
}

void admin_reply_json(struct admin_req *r, int status, const char *stmt, int n,
		      const char *const *p, const char *wrap, const char *what)
{
	PGresult *res = NULL;
	enum ov_err e = ov_db_exec(r->db, stmt, n, p, &res);

	if (e == OV_OK && PQntuples(res) == 0)
		e = OV_ENOTFOUND;
	if (e != OV_OK) {
		PQclear(res);
		admin_fail_store(r, e, what);
		return;
	}
	/* PostgreSQL built the JSON: pass it through, wrapped when asked,
	 * instead of parsing and printing it again. */
	const char *v = PQgetvalue(res, 0, 0);
	size_t vl = (size_t)PQgetlength(res, 0, 0);
	size_t kl = wrap ? strlen(wrap) : 0;
	char *body = malloc(vl + kl + 8);
	size_t o = 0;
	if (body) {
		if (wrap) {
			memcpy(body, "{\"", 2);
			memcpy(body + 2, wrap, kl);
			memcpy(body + 2 + kl, "\":", 2);
			o = kl + 4;
		}
		memcpy(body + o, v, vl);
		o += vl;
		if (wrap)
			body[o++] = '}';
		body[o] = '\0';
	}
	PQclear(res);
	if (!body) {
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
		return;
	}
	ov_http_reply(r->res, status, "application/json", body, o);
}

const char *admin_path_id(struct admin_req *r, const char *what)
{
	const char *id = ov_route_param(&r->m, "id");

	if (!admin_uuid_ok(id)) {
		admin_fail(r, 404, OV_ENOTFOUND, NULL, "no such %s", what);
		return NULL;
	}
	return id;
}

bool admin_body_ok(struct admin_req *r, const struct ov_json_field *f, size_t n)
{
	struct ov_json_error je;

	if (ov_json_check(r->body, f, n, "", &je) == OV_OK)
		return true;
	admin_fail(r, 400, OV_EINVAL, je.field[0] ? je.field : NULL, "%s%s%s",
		   je.field, je.field[0] ? " " : "", je.why);
	return false;
}

const char *admin_str(const struct admin_req *r, const char *field)
{
	return json_string_value(json_object_get(r->body, field));
}

enum ov_err admin_audit(struct admin_req *r, const char *tenant_id,
			const char *action, const char *target, json_t *detail)
{
	PGresult *res = NULL;
	size_t len;
	char *d = detail ? ov_json_dump(detail, &len) : NULL;
	const char *p[] = {tenant_id && tenant_id[0] ? tenant_id : NULL,
			   r->actor, action, target, d ? d : "{}"};
	enum ov_err e = ov_db_exec(r->db, "audit_insert", 5, p, &res);

	PQclear(res);
	free(d);
	json_decref(detail);
	return e;
}

enum ov_err admin_end_tx(struct admin_req *r, enum ov_err e,
			 const char *tenant_id, const char *action,
			 const char *target, json_t *detail)
{
	if (e == OV_OK)
		e = admin_audit(r, tenant_id, action, target, detail);
	else
		json_decref(detail);
	if (e == OV_OK)
		e = ov_db_commit(r->db);
	if (e != OV_OK)
		ov_db_rollback(r->db);
	return e;
}

void admin_token_new(const char *prefix, char *out, size_t out_len)
{
	unsigned char raw[ADMIN_TOKEN_BYTES];
	char b64[sodium_base64_ENCODED_LEN(
		ADMIN_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, out_len, "%s%s", prefix, b64);
	sodium_memzero(raw, sizeof(raw));
}

void admin_token_hash(const char *token, unsigned char hash[32])
{
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

bool admin_password_hash(const struct admin *app, const char *pw, char *out,
			 size_t out_len)
{
	if (out_len < crypto_pwhash_STRBYTES)
		return false;
	return crypto_pwhash_str_alg(out, pw, strlen(pw),
				     (unsigned long long)app->cfg.pwhash_ops,
				     (size_t)app->cfg.pwhash_mem_kb * 1024u,
				     crypto_pwhash_ALG_ARGON2ID13) == 0;
}

bool admin_seal(const struct admin *app, const char *secret, char *out,
		size_t out_size)
{
	return ov_seal(app->notify_pk, secret, out, out_size) == OV_OK;
}

bool admin_password_verify(const char *hash, const char *pw)
{
	return hash && crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

/* Who is asking: an operator key ("ovk_…") or a person's token
 * ("ovt_…") in "Authorization: Bearer". False when the credentials are
 * missing or wrong (the answer is written). */
static bool identify(struct admin_req *r, bool *must_change)
{
	const char *h = ov_http_header(r->http, "Authorization");
	unsigned char hash[32];
	PGresult *res = NULL;
	enum ov_err e;

	*must_change = false;
	if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) > 200) {
		admin_fail(r, 401, OV_EUNAUTH, NULL,
			   "Authorization: Bearer <token> is required");
		return false;
	}
	const char *tok = h + 7;
	admin_token_hash(tok, hash);
	/* The hash is a bytea: sent as a binary parameter. */
	const char *p[] = {(const char *)hash};
	const int len[] = {sizeof(hash)};
	if (strncmp(tok, "ovk_", 4) == 0) {
		e = ov_db_exec_bin(r->db, "apikey_find", 1, p, len, &res);
		if (e == OV_OK && PQntuples(res) == 1) {
			r->role = ROLE_OPERATOR;
			snprintf(r->actor, sizeof(r->actor), "operator:%s",
				 PQgetvalue(res, 0, 0));
		}
	} else {
		e = ov_db_exec_bin(r->db, "token_find", 1, p, len, &res);
		if (e == OV_OK && PQntuples(res) == 1) {
			snprintf(r->user_id, sizeof(r->user_id), "%s",
				 PQgetvalue(res, 0, 0));
			snprintf(r->tenant_id, sizeof(r->tenant_id), "%s",
				 PQgetvalue(res, 0, 1));
			r->role = strcmp(PQgetvalue(res, 0, 2), "admin") == 0
					  ? ROLE_ADMIN
					  : ROLE_USER;
			*must_change = PQgetvalue(res, 0, 3)[0] == 't';
			snprintf(r->actor, sizeof(r->actor), "user:%s",
				 r->user_id);
		}
	}
	PQclear(res);
	if (e != OV_OK) {
		admin_fail_store(r, e, "credentials");
		return false;
	}
	if (!r->role) {
		admin_fail(r, 401, OV_EUNAUTH, NULL,
			   "the token is not valid or has expired");
		return false;
	}
	return true;
}

static void run(struct admin_req *r, const struct admin_route *rt)
{
	bool must_change = false;

	if (!(rt->roles & ROLE_PUBLIC)) {
		if (!identify(r, &must_change))
			return;
		if (!(rt->roles & r->role)) {
			admin_fail(r, 403, OV_EPERM, NULL,
				   "this needs another role");
			return;
		}
		if (must_change && !rt->while_must_change) {
			admin_fail_code(r, 403, "password_change_required",
					NULL,
					"change the temporary password first "
					"(POST /v1/auth/password)");
			return;
		}
	}
	if (rt->json_body) {
		struct ov_json_error je;
		enum ov_err e = ov_json_parse(r->http->body, r->http->body_len,
					      (size_t)r->app->cfg.max_json,
					      &r->body, &je);
		if (e != OV_OK) {
			admin_fail(r, e == OV_ETOOBIG ? 413 : 400, e, NULL,
				   "%s", je.why);
			return;
		}
	}
	rt->fn(r);
}

/* Every body is JSON: a form or text body, which any web page can send
 * from a victim's browser without a CORS preflight, is refused before
 * anything runs (docs/admin.md, "The HTTP edge"). The photo is the one
 * body that is not JSON; me_photo_put checks its image type. */
static bool media_ok(struct admin_req *r, const struct admin_route *rt)
{
	if (rt->fn == me_photo_put)
		return true;
	if (!rt->json_body && r->http->body_len == 0)
		return true;
	if (ov_http_media_is(ov_http_header(r->http, "Content-Type"),
			     "application/json"))
		return true;
	admin_fail(r, 415, OV_EINVAL, NULL,
		   "send the body as Content-Type: application/json");
	return false;
}

bool admin_http(const struct ov_http_request *req, struct ov_http_response *res,
		void *arg)
{
	struct admin *app = arg;
	const struct ov_route *found;
	struct admin_req r = {.app = app, .http = req, .res = res};
	char path[512];

	if (strncmp(req->path, "/v1/", 4) != 0)
		return admin_web(app, req, res);
	snprintf(path, sizeof(path), "%s", req->path);
	path[strcspn(path, "?")] = '\0';
	switch (ov_route_find(admin_routes, admin_n_routes, req->method, path,
			      &found, &r.m)) {
	case OV_ROUTE_NONE:
		return false;
	case OV_ROUTE_BAD_METHOD:
		ov_route_allow(admin_routes, admin_n_routes, path, res->allow,
			       sizeof(res->allow));
		admin_fail(&r, 405, OV_EINVAL, NULL, "%s is not allowed here",
			   req->method);
		return true;
	case OV_ROUTE_FOUND:
		break;
	}
	ov_http_client_ip(req, r.client_ip, sizeof(r.client_ip));
	const struct admin_route *rt = found->data;
	if (!media_ok(&r, rt))
		return true;
	if (rt->fn == openapi_get) { /* needs no database */
		openapi_get(&r);
		return true;
	}
	r.db = ov_db_acquire(app->pool, DB_WAIT_MS);
	if (!r.db) {
		admin_fail(&r, 503, OV_EUNAVAIL, NULL,
			   "too busy, try again shortly");
		return true;
	}
	run(&r, rt);
	ov_db_release(app->pool, r.db);
	json_decref(r.body);
	return true;
}
