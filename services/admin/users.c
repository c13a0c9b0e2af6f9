/* The tenant admin's people: list, add (a draft until apply), read,
 * change, remove. Every statement is scoped by the caller's tenant. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "policy.h"

/* Answers with one user of the caller's tenant, or 404. */
static void reply_user(struct admin_req *r, int status, const char *id)
{
	const char *p[] = {id, r->tenant_id};
	admin_reply_json(r, status, "user_get", 2, p, NULL, "user");
}

static const char *path_id(struct admin_req *r)
{
	return admin_path_id(r, "user");
}

/* Checks whichever of the fields are present; fills fold. */
static bool fields_ok(struct admin_req *r, char *fold, size_t fold_len)
{
	const char *name = admin_str(r, "name");
	const char *email = admin_str(r, "email");
	const char *username = admin_str(r, "username");
	const char *ext = admin_str(r, "extension");
	char why[160];

	if (name && admin_name_check(name, 100, why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "name", "name %s", why);
		return false;
	}
	if (email && admin_email_check(email, why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "email", "email %s", why);
		return false;
	}
	if (username &&
	    admin_username_check(username, why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "username", "username %s", why);
		return false;
	}
	if (ext && admin_extension_check(ext, why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "extension", "extension %s", why);
		return false;
	}
	if (username)
		admin_username_fold(username, fold, fold_len);
	return true;
}

/* A unique index says which field is taken. */
static void conflict(struct admin_req *r)
{
	const char *c = ov_db_constraint(r->db);

	if (strcmp(c, "users_extension") == 0)
		admin_fail(r, 409, OV_EEXIST, "extension",
			   "extension is taken by another user");
	else if (strcmp(c, "users_username") == 0)
		admin_fail(r, 409, OV_EEXIST, "username",
			   "username is taken by another user");
	else
		admin_fail(r, 409, OV_EEXIST, NULL, "the user conflicts");
}

/* A create or change that failed: a taken username or extension is a
 * 409 naming it, anything else the store's answer. */
static void fail_change(struct admin_req *r, enum ov_err e)
{
	if (e == OV_EEXIST)
		conflict(r);
	else
		admin_fail_store(r, e, "user");
}

void users_list(struct admin_req *r)
{
	const char *p[] = {r->tenant_id};
	admin_reply_json(r, 200, "user_list", 1, p, "users", "users");
}

void users_get(struct admin_req *r)
{
	const char *id = path_id(r);
	if (id)
		reply_user(r, 200, id);
}

void users_create(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"name", OV_J_STR, true},
		{"email", OV_J_STR, true},
		{"username", OV_J_STR, true},
		{"extension", OV_J_STR, true},
	};
	char fold[64], id[40] = "";
	PGresult *res = NULL;

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])) ||
	    !fields_ok(r, fold, sizeof(fold)))
		return;
	/* A draft until apply: no password yet, no mail yet. */
	const char *p[] = {r->tenant_id,
			   "user",
			   "draft",
			   admin_str(r, "name"),
			   admin_str(r, "email"),
			   admin_str(r, "username"),
			   fold,
			   admin_str(r, "extension"),
			   NULL};
	enum ov_err e = ov_db_begin(r->db);
	if (e == OV_OK)
		e = ov_db_exec(r->db, "user_insert", 9, p, &res);
	if (e == OV_OK)
		snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	e = admin_end_tx(r, e, r->tenant_id, "user.create", id,
			 json_pack("{s:s, s:s}", "username",
				   admin_str(r, "username"), "extension",
				   admin_str(r, "extension")));
	if (e != OV_OK) {
		fail_change(r, e);
		return;
	}
	reply_user(r, 201, id);
}

void users_patch(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"name", OV_J_STR, false},
		{"email", OV_J_STR, false},
		{"username", OV_J_STR, false},
		{"extension", OV_J_STR, false},
	};
	const char *id = path_id(r);
	char fold[64];
	PGresult *res = NULL;

	if (!id || !admin_body_ok(r, f, sizeof(f) / sizeof(f[0])) ||
	    !fields_ok(r, fold, sizeof(fold)))
		return;
	const char *username = admin_str(r, "username");
	const char *p[] = {id,
			   r->tenant_id,
			   admin_str(r, "name"),
			   admin_str(r, "email"),
			   username,
			   username ? fold : NULL,
			   admin_str(r, "extension")};
	enum ov_err e = ov_db_begin(r->db);
	if (e == OV_OK)
		e = ov_db_exec(r->db, "user_update", 7, p, &res);
	if (e == OV_OK && PQntuples(res) == 0)
		e = OV_ENOTFOUND;
	PQclear(res);
	e = admin_end_tx(r, e, r->tenant_id, "user.update", id,
			 json_deep_copy(r->body));
	if (e != OV_OK) {
		fail_change(r, e);
		return;
	}
	reply_user(r, 200, id);
}

void users_delete(struct admin_req *r)
{
	const char *id = path_id(r);
	PGresult *res = NULL;

	if (!id)
		return;
	const char *p[] = {id, r->tenant_id};
	enum ov_err e = ov_db_begin(r->db);
	if (e == OV_OK)
		e = ov_db_exec(r->db, "user_delete", 2, p, &res);
	bool deleted = e == OV_OK && PQntuples(res) == 1;
	PQclear(res);
	res = NULL;
	if (e == OV_OK && !deleted) {
		/* The administrator cannot be removed; others do not exist. */
		e = ov_db_exec(r->db, "user_role", 2, p, &res);
		bool admin = e == OV_OK && PQntuples(res) == 1;
		PQclear(res);
		ov_db_rollback(r->db);
		if (admin)
			admin_fail(r, 409, OV_EPRECOND, NULL,
				   "the administrator cannot be removed");
		else
			admin_fail_store(r, e == OV_OK ? OV_ENOTFOUND : e,
					 "user");
		return;
	}
	e = admin_end_tx(r, e, r->tenant_id, "user.delete", id, NULL);
	if (e != OV_OK) {
		admin_fail_store(r, e, "user");
		return;
	}
	/* The person's phones must stop working too. */
	admin_sip_rotate(r, r->tenant_id, id);
	ov_http_reply(r->res, 204, "application/json", NULL, 0);
}
