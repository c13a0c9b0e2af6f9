/* Operator endpoints: create, read, change, suspend, resume and delete
 * tenants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <sodium.h>

#include "admin.h"
#include "policy.h"

#define MAIN_LINE_NAME "Fibra Principale"
#define ADMIN_USERNAME "Amministratore"

/* Any version, either case, hyphens in place (GLib's parser). */
bool admin_uuid_ok(const char *s)
{
	return s && g_uuid_string_is_valid(s);
}

/*
 * A zone the router can use: GLib loads it (g_time_zone_new_identifier,
 * the call the router and the simulator make, from the same tzdata), so
 * the check and the use cannot disagree. The name is kept to the shape
 * of an IANA name first: no path, no "..", none of the ",:." that GLib
 * would read as a POSIX rule, an offset or a tzdata table file.
 */
static bool timezone_ok(const char *tz)
{
	if (!tz[0] || strlen(tz) > 64 || tz[0] == '/' || strstr(tz, ".."))
		return false;
	for (const char *p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_+-", *p)))
			return false;
	GTimeZone *z = g_time_zone_new_identifier(tz);
	if (z)
		g_time_zone_unref(z);
	return z != NULL;
}

/*
 * Not g_uuid_string_random(): GLib draws it from GRand, a Mersenne
 * Twister its documentation says must not be used where guessing
 * matters; a tenant id is in every URL. libsodium's CSPRNG instead.
 */
static void uuid_new(char out[37])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Answers with the tenant as it is now, or 404. */
static void reply_tenant(struct admin_req *r, int status, const char *id)
{
	const char *p[] = {id};
	admin_reply_json(r, status, "tenant_get", 1, p, NULL, "tenant");
}

static const char *path_id(struct admin_req *r)
{
	return admin_path_id(r, "tenant");
}

/* Runs one statement in the open transaction; false (answered) when it
 * fails. `what` names the resource for the error. */
static bool step(struct admin_req *r, const char *stmt, int n,
		 const char *const *p, PGresult **keep, const char *what)
{
	PGresult *res = NULL;
	enum ov_err e = ov_db_exec(r->db, stmt, n, p, &res);

	if (e != OV_OK) {
		admin_fail_store(r, e, what);
		return false;
	}
	if (keep)
		*keep = res;
	else
		PQclear(res);
	return true;
}

static bool validate_common(struct admin_req *r, const char *name,
			    const char *email, const char *tz, const char *lang)
{
	char why[160];

	if (name && admin_name_check(name, 100, why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "company_name", "company_name %s",
			   why);
		return false;
	}
	if (email && admin_email_check(email, why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "admin_email", "admin_email %s",
			   why);
		return false;
	}
	if (tz && !timezone_ok(tz)) {
		admin_fail(r, 400, OV_EINVAL, "timezone",
			   "timezone must be an IANA zone such as "
			   "Europe/Rome");
		return false;
	}
	if (lang && strcmp(lang, "it") != 0 && strcmp(lang, "en") != 0) {
		admin_fail(r, 400, OV_EINVAL, "language",
			   "language must be \"it\" or \"en\"");
		return false;
	}
	return true;
}

void tenants_create(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"company_name", OV_J_STR, true}, {"number", OV_J_STR, true},
		{"admin_email", OV_J_STR, true},  {"timezone", OV_J_STR, false},
		{"language", OV_J_STR, false},
	};
	char number[32], why[160], id[37], domain[128];
	char password[16], hash[crypto_pwhash_STRBYTES];
	char sealed[ADMIN_SEALED_MAX];
	PGresult *res = NULL;

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	const char *name = admin_str(r, "company_name");
	const char *email = admin_str(r, "admin_email");
	const char *tz = admin_str(r, "timezone");
	const char *lang = admin_str(r, "language");
	if (!tz)
		tz = "Europe/Rome";
	if (!lang)
		lang = "it";
	if (!validate_common(r, name, email, tz, lang))
		return;
	if (admin_number_e164(admin_str(r, "number"), number, sizeof(number),
			      why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "number", "number %s", why);
		return;
	}
	if (strncmp(number, "+390", 4) != 0) {
		admin_fail(r, 400, OV_EINVAL, "number",
			   "number must be an Italian fixed (landline) number");
		return;
	}
	uuid_new(id);
	snprintf(domain, sizeof(domain), "%.8s.%s", id, r->app->cfg.sip_suffix);
	if (admin_password_generate(password, sizeof(password),
				    randombytes_uniform) != OV_OK ||
	    !admin_password_hash(r->app, password, hash, sizeof(hash)) ||
	    !admin_seal(r->app, password, sealed, sizeof(sealed))) {
		sodium_memzero(password, sizeof(password));
		admin_fail(r, 500, OV_EINTERNAL, NULL,
			   "could not make a password");
		return;
	}
	sodium_memzero(password, sizeof(password));

	if (ov_db_begin(r->db) != OV_OK) {
		admin_fail_store(r, OV_EUNAVAIL, "tenant");
		return;
	}
	const char *pt[] = {id, name, number, email, tz, lang, domain};
	PGresult *line = NULL;
	if (!step(r, "tenant_insert", 7, pt, NULL, "tenant with this number"))
		goto fail;
	const char *pu[] = {
		id,    "admin",	       "active",	 ADMIN_USERNAME,
		email, ADMIN_USERNAME, "amministratore", NULL,
		hash};
	if (!step(r, "user_insert", 9, pu, &res, "user"))
		goto fail;
	char admin_id[40];
	snprintf(admin_id, sizeof(admin_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	const char *pl[] = {id, MAIN_LINE_NAME};
	if (!step(r, "line_insert", 2, pl, &line, "line"))
		goto fail;
	PQclear(line);
	const char *pd[] = {id,
			    "{\"mode\":\"sequential\",\"rings\":4,"
			    "\"members\":[{\"type\":\"main_line\"}]}",
			    "{}", "{}"};
	if (!step(r, "draft_insert", 4, pd, NULL, "draft"))
		goto fail;

	/* The activation mail carries the password, sealed to notify's
	 * key; notify erases it from the row once the mail is out. */
	json_t *params = json_pack("{s:s, s:s, s:s, s:s}", "username",
				   ADMIN_USERNAME, "password", sealed, "number",
				   number, "company_name", name);
	size_t plen;
	char *ps = ov_json_dump(params, &plen);
	json_decref(params);
	const char *po[] = {id, "admin_activation", email, lang, ps};
	bool ok = ps && step(r, "outbox_insert", 5, po, NULL, "mail");
	sodium_memzero(ps, ps ? plen : 0);
	free(ps);
	if (!ok)
		goto fail;
	if (admin_audit(r, id, "tenant.create", id,
			json_pack("{s:s, s:s}", "number", number,
				  "company_name", name)) != OV_OK) {
		admin_fail_store(r, OV_EUNAVAIL, "audit");
		goto fail;
	}
	if (ov_db_commit(r->db) != OV_OK) {
		admin_fail_store(r, OV_EUNAVAIL, "tenant");
		goto fail;
	}
	sodium_memzero(password, sizeof(password));
	ov_log_info("tenant.created", OV_LS("tenant", id),
		    OV_LS("number", number));
	reply_tenant(r, 201, id);
	return;
fail:
	sodium_memzero(password, sizeof(password));
	ov_db_rollback(r->db);
}

void tenants_list(struct admin_req *r)
{
	const char *p[] = {"100", "0"};
	admin_reply_json(r, 200, "tenant_list", 2, p, "tenants", "tenants");
}

void tenants_get(struct admin_req *r)
{
	const char *id = path_id(r);
	if (id)
		reply_tenant(r, 200, id);
}

void tenants_patch(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"company_name", OV_J_STR, false},
		{"admin_email", OV_J_STR, false},
		{"timezone", OV_J_STR, false},
		{"language", OV_J_STR, false},
		{"allow_international", OV_J_BOOL, false},
		{"allow_premium", OV_J_BOOL, false},
		{"max_calls", OV_J_INT, false},
	};
	const char *id = path_id(r);
	char calls[16] = "";
	PGresult *res = NULL;

	if (!id || !admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	const char *name = admin_str(r, "company_name");
	const char *email = admin_str(r, "admin_email");
	const char *tz = admin_str(r, "timezone");
	const char *lang = admin_str(r, "language");
	if (!validate_common(r, name, email, tz, lang))
		return;
	json_t *mc = json_object_get(r->body, "max_calls");
	if (mc) {
		json_int_t n = json_integer_value(mc);
		if (n < 1 || n > 1000) {
			admin_fail(r, 400, OV_EINVAL, "max_calls",
				   "max_calls must be from 1 to 1000");
			return;
		}
		snprintf(calls, sizeof(calls), "%lld", (long long)n);
	}
	json_t *intl = json_object_get(r->body, "allow_international");
	json_t *prem = json_object_get(r->body, "allow_premium");
	const char *p[] = {
		id,
		name,
		email,
		tz,
		lang,
		intl ? (json_is_true(intl) ? "true" : "false") : NULL,
		prem ? (json_is_true(prem) ? "true" : "false") : NULL,
		mc ? calls : NULL};
	if (ov_db_begin(r->db) != OV_OK) {
		admin_fail_store(r, OV_EUNAVAIL, "tenant");
		return;
	}
	enum ov_err e = ov_db_exec(r->db, "tenant_update", 8, p, &res);
	if (e == OV_OK && PQntuples(res) == 0)
		e = OV_ENOTFOUND;
	PQclear(res);
	e = admin_end_tx(r, e, id, "tenant.update", id,
			 json_deep_copy(r->body));
	if (e != OV_OK) {
		admin_fail_store(r, e, "tenant");
		return;
	}
	reply_tenant(r, 200, id);
}

static void set_state(struct admin_req *r, const char *from, const char *to,
		      const char *action)
{
	const char *id = path_id(r);
	PGresult *res = NULL;
	struct config_version v = {0};

	if (!id)
		return;
	if (ov_db_begin(r->db) != OV_OK) {
		admin_fail_store(r, OV_EUNAVAIL, "tenant");
		return;
	}
	const char *p[] = {id, to, from};
	enum ov_err e = ov_db_exec(r->db, "tenant_set_state", 3, p, &res);
	bool changed = e == OV_OK && PQntuples(res) == 1;
	PQclear(res);
	if (e == OV_OK && !changed) {
		/* Either no such tenant, or it is not in `from`. */
		const char *q[] = {id};
		e = ov_db_exec(r->db, "tenant_state", 1, q, &res);
		bool exists = e == OV_OK && PQntuples(res) == 1;
		PQclear(res);
		ov_db_rollback(r->db);
		if (e != OV_OK || !exists)
			admin_fail_store(r, e == OV_OK ? OV_ENOTFOUND : e,
					 "tenant");
		else
			admin_fail(r, 409, OV_EPRECOND, "state",
				   "the tenant is not %s", from);
		return;
	}
	/* Routing learns it as a new version of the configuration. */
	e = config_restate(r, id, to, &v);
	e = admin_end_tx(r, e, id, action, id, NULL);
	if (e != OV_OK) {
		admin_fail_store(r, e, "tenant");
		return;
	}
	config_restated(r, id, &v);
	reply_tenant(r, 200, id);
}

void tenants_suspend(struct admin_req *r)
{
	set_state(r, "active", "suspended", "tenant.suspend");
}

void tenants_resume(struct admin_req *r)
{
	set_state(r, "suspended", "active", "tenant.resume");
}

void tenants_delete(struct admin_req *r)
{
	const char *id = path_id(r);
	PGresult *res = NULL;
	struct config_version v = {0};

	if (!id)
		return;
	if (ov_db_begin(r->db) != OV_OK) {
		admin_fail_store(r, OV_EUNAVAIL, "tenant");
		return;
	}
	const char *p[] = {id};
	enum ov_err e = ov_db_exec(r->db, "tenant_erase_users", 1, p, &res);
	PQclear(res);
	res = NULL;
	if (e == OV_OK)
		e = ov_db_exec(r->db, "tenant_erase_rest", 1, p, &res);
	if (e == OV_OK && PQntuples(res) == 0)
		e = OV_ENOTFOUND;
	PQclear(res);
	if (e == OV_OK)
		e = config_restate(r, id, "deleted", &v);
	e = admin_end_tx(r, e, id, "tenant.delete", id, NULL);
	if (e != OV_OK) {
		admin_fail_store(r, e, "tenant");
		return;
	}
	config_restated(r, id, &v);
	admin_sip_forget_tenant(r, id);
	ov_log_info("tenant.deleted", OV_LS("tenant", id));
	ov_http_reply(r->res, 204, "application/json", NULL, 0);
}
