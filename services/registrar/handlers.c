/*
 * Bus methods of the registrar: the table, and the credential and
 * presence methods (bindings.c has the binding ones). The tenant is the
 * envelope's, except for auth.ha1, which is how Kamailio finds it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"
#include "registrar.h"
#include "svc.h"

struct ov_db *registrar_db(struct registrar *app, uint32_t deadline_ms)
{
	unsigned wait = deadline_ms && deadline_ms < 1000 ? deadline_ms : 1000;
	return ov_db_acquire(app->pool, wait);
}

/* Runs a statement whose result the caller does not need. */
static enum ov_err exec0(struct ov_db *db, const char *stmt, int n,
			 const char *const *p)
{
	PGresult *res = NULL;
	enum ov_err e = ov_db_exec(db, stmt, n, p, &res);
	PQclear(res);
	return e;
}

/* Commits when e is OV_OK, else rolls back; returns the outcome. */
static enum ov_err tx_end(struct ov_db *db, enum ov_err e)
{
	if (e == OV_OK)
		e = ov_db_commit(db);
	if (e != OV_OK)
		ov_db_rollback(db);
	return e;
}

/* One device's row, as sip.credentials needs it. */
struct device_row {
	bool found;
	char aor_user[CREDS_AOR_USER_MAX + 1];
	char domain[CREDS_DOMAIN_MAX + 1];
	char display[256];
	unsigned generation;
	char salt[CREDS_SALT_HEX];
};

static enum ov_err device_get(struct ov_db *db, const char *tenant,
			      const char *owner, const char *device,
			      struct device_row *d)
{
	PGresult *res = NULL;
	const char *p[] = {tenant, owner, device};
	long gen = 0;
	enum ov_err e = ov_db_exec(db, "device_get", 3, p, &res);

	memset(d, 0, sizeof(*d));
	if (e == OV_OK && PQntuples(res) == 1) {
		d->found = true;
		snprintf(d->aor_user, sizeof(d->aor_user), "%s",
			 PQgetvalue(res, 0, 0));
		snprintf(d->domain, sizeof(d->domain), "%s",
			 PQgetvalue(res, 0, 1));
		ov_parse_long(PQgetvalue(res, 0, 3), 1, 0x7fffffff, &gen);
		d->generation = (unsigned)gen;
		snprintf(d->salt, sizeof(d->salt), "%s", PQgetvalue(res, 0, 4));
		snprintf(d->display, sizeof(d->display), "%s",
			 PQgetvalue(res, 0, 5));
	}
	PQclear(res);
	return e;
}

/* Fails when another owner of any tenant has this AOR. */
static enum ov_err aor_free(struct ov_db *db, const char *tenant,
			    const Ov__Registrar__CredentialsRequest *in,
			    struct ov_bus_reply *rep)
{
	PGresult *res = NULL;
	const char *p[] = {in->domain, in->aor_user, tenant, in->owner};
	enum ov_err e = ov_db_exec(db, "aor_taken", 4, p, &res);

	if (e == OV_OK && PQntuples(res) > 0)
		e = ov_bus_fail(rep, OV_EEXIST,
				"sip:%s@%s belongs to another owner",
				in->aor_user, in->domain);
	else if (e != OV_OK)
		ov_bus_fail(rep, e, "database");
	PQclear(res);
	return e;
}

static enum ov_err device_create(struct registrar *app, struct ov_db *db,
				 const char *tenant,
				 const Ov__Registrar__CredentialsRequest *in,
				 const char *device, const char *auth_user,
				 struct device_row *d, struct ov_bus_reply *rep)
{
	PGresult *res = NULL;
	const char *p[] = {tenant, in->owner};
	char secret[CREDS_SECRET_LEN + 1], md5[33], sha[65];
	uint8_t salt[CREDS_SALT_BYTES];
	long have = 0;
	enum ov_err e = aor_free(db, tenant, in, rep);

	if (e != OV_OK)
		return e;
	e = ov_db_exec(db, "device_count", 2, p, &res);
	if (e == OV_OK)
		ov_parse_long(PQgetvalue(res, 0, 0), 0, 1000000, &have);
	PQclear(res);
	if (e != OV_OK)
		return ov_bus_fail(rep, e, "database");
	if (have >= app->cfg.max_devices)
		return ov_bus_fail(rep, OV_EEXHAUSTED,
				   "device limit: an owner has at most %d "
				   "devices",
				   app->cfg.max_devices);
	randombytes_buf(salt, sizeof(salt));
	sodium_bin2hex(d->salt, sizeof(d->salt), salt, sizeof(salt));
	d->generation = 1;
	creds_secret(app->key, tenant, in->owner, device, 1, d->salt, secret);
	creds_ha1(auth_user, in->domain, secret, md5, sha);
	sodium_memzero(secret, sizeof(secret));
	const char *q[] = {tenant,     in->owner,  device,  in->aor_user,
			   in->domain, auth_user,  d->salt, md5,
			   sha,	       in->display};
	e = exec0(db, "device_insert", 10, q);
	if (e == OV_EEXIST)
		return ov_bus_fail(rep, e, "%s is taken in %s", auth_user,
				   in->domain);
	if (e != OV_OK)
		return ov_bus_fail(rep, e, "database");
	return OV_OK;
}

/* The owner's username, the tenant's domain or the display changed
 * since the device was created: new HA1s (the secret stays), and the
 * bindings of the old AOR go. */
static enum ov_err device_follow(struct registrar *app, struct ov_db *db,
				 const char *tenant,
				 const Ov__Registrar__CredentialsRequest *in,
				 const char *device, const char *auth_user,
				 const struct device_row *d,
				 struct ov_bus_reply *rep)
{
	char secret[CREDS_SECRET_LEN + 1], md5[33], sha[65];
	bool moved = strcmp(d->aor_user, in->aor_user) != 0 ||
		     strcmp(d->domain, in->domain) != 0;
	enum ov_err e;

	if (!moved && strcmp(d->display, in->display) == 0)
		return OV_OK;
	if (moved && (e = aor_free(db, tenant, in, rep)) != OV_OK)
		return e;
	creds_secret(app->key, tenant, in->owner, device, d->generation,
		     d->salt, secret);
	creds_ha1(auth_user, in->domain, secret, md5, sha);
	sodium_memzero(secret, sizeof(secret));
	const char *p[] = {tenant,	 in->owner,  device,
			   in->aor_user, in->domain, auth_user,
			   md5,		 sha,	     in->display};
	e = exec0(db, "device_set_identity", 9, p);
	if (e == OV_OK && moved)
		e = exec0(db, "device_bindings_delete", 3, p);
	if (e == OV_EEXIST)
		return ov_bus_fail(rep, e, "%s is taken in %s", auth_user,
				   in->domain);
	if (e != OV_OK)
		return ov_bus_fail(rep, e, "database");
	return OV_OK;
}

static const char *
credentials_invalid(const char *tenant,
		    const Ov__Registrar__CredentialsRequest *in,
		    const char *device)
{
	if (!creds_uuid_ok(tenant))
		return "tenant_id must be a UUID";
	if (!creds_owner_ok(in->owner))
		return "owner must be a user id or \"main\"";
	if (!creds_aor_user_ok(in->aor_user))
		return "aor_user must be 1 to 64 of a-z 0-9 . _ -";
	if (!creds_domain_ok(in->domain))
		return "domain must be a lower-case DNS name";
	if (!creds_device_ok(device))
		return "device must be 1 to 16 of a-z 0-9 -";
	if (!creds_text_ok(in->display, 200))
		return "display must be at most 200 bytes of UTF-8 text";
	return NULL;
}

/* sip.credentials: one device's credentials, created on first use. */
static enum ov_err credentials(const struct ov_bus_req *req,
			       struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__CredentialsRequest *in;
	Ov__Registrar__Credentials out = OV__REGISTRAR__CREDENTIALS__INIT;
	char auth_user[CREDS_AUTH_USER_MAX], secret[CREDS_SECRET_LEN + 1];
	struct device_row d;
	bool created = false;
	enum ov_err e;

	in = ov__registrar__credentials_request__unpack(NULL, req->body_len,
							req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not a CredentialsRequest");
	const char *device = in->device[0] ? in->device : CREDS_DEFAULT_DEVICE;
	const char *bad = credentials_invalid(req->tenant_id, in, device);
	if (bad || !creds_auth_username(in->aor_user, device, auth_user,
					sizeof(auth_user))) {
		e = ov_bus_fail(rep, OV_EINVAL, "%s",
				bad ? bad : "auth username too long");
		goto out;
	}
	struct ov_db *db = registrar_db(app, req->deadline_ms);
	if (!db) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	const char *p[] = {req->tenant_id, in->owner};
	e = ov_db_begin(db);
	if (e == OV_OK)
		e = exec0(db, "owner_lock", 2, p);
	if (e == OV_OK)
		e = device_get(db, req->tenant_id, in->owner, device, &d);
	if (e != OV_OK)
		ov_bus_fail(rep, e, "database");
	else if (d.found)
		e = device_follow(app, db, req->tenant_id, in, device,
				  auth_user, &d, rep);
	else if ((e = device_create(app, db, req->tenant_id, in, device,
				    auth_user, &d, rep)) == OV_OK)
		created = true;
	if ((e = tx_end(db, e)) != OV_OK && !rep->message[0])
		ov_bus_fail(rep, e, "database");
	ov_db_release(app->pool, db);
	if (e != OV_OK)
		goto out;
	creds_secret(app->key, req->tenant_id, in->owner, device, d.generation,
		     d.salt, secret);
	out.domain = in->domain;
	out.aor_user = in->aor_user;
	out.auth_username = auth_user;
	out.secret = secret;
	out.device = (char *)device;
	e = ov_bus_reply_pack(rep, &out.base);
	sodium_memzero(secret, sizeof(secret));
	if (created) {
		ov_counter_add(app->m.created, 1);
		ov_logc_info(&req->log, "credentials.created",
			     OV_LS("owner", in->owner), OV_LS("device", device),
			     OV_LS("auth_username", auth_user));
	}
out:
	ov__registrar__credentials_request__free_unpacked(in, NULL);
	return e;
}

/* New generation, secret and HA1s for each of an owner's devices. */
static enum ov_err rotate_all(struct registrar *app, struct ov_db *db,
			      const char *tenant, const char *owner,
			      unsigned *devices)
{
	PGresult *res = NULL;
	const char *p[] = {tenant, owner};
	enum ov_err e = ov_db_exec(db, "owner_devices", 2, p, &res);

	for (int i = 0; e == OV_OK && i < PQntuples(res); i++) {
		char secret[CREDS_SECRET_LEN + 1], md5[33], sha[65], gen[24];
		long g = 0;
		const char *device = PQgetvalue(res, i, 0);
		ov_parse_long(PQgetvalue(res, i, 3), 1, 0x7ffffffe, &g);
		snprintf(gen, sizeof(gen), "%ld", g + 1);
		creds_secret(app->key, tenant, owner, device, (unsigned)(g + 1),
			     PQgetvalue(res, i, 4), secret);
		creds_ha1(PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), secret,
			  md5, sha);
		sodium_memzero(secret, sizeof(secret));
		const char *q[] = {tenant, owner, device, gen, md5, sha};
		e = exec0(db, "device_rotate", 6, q);
		(*devices)++;
	}
	PQclear(res);
	return e;
}

/* sip.rotate: after a password change, every device of the owner gets
 * a new secret and its bindings go. */
static enum ov_err rotate(const struct ov_bus_req *req,
			  struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__RotateRequest *in;
	Ov__Registrar__RotateReply out = OV__REGISTRAR__ROTATE_REPLY__INIT;
	PGresult *res = NULL;
	enum ov_err e;

	in = ov__registrar__rotate_request__unpack(NULL, req->body_len,
						   req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not a RotateRequest");
	if (!creds_uuid_ok(req->tenant_id) || !creds_owner_ok(in->owner)) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"tenant_id and owner are required");
		goto out;
	}
	struct ov_db *db = registrar_db(app, req->deadline_ms);
	if (!db) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	const char *p[] = {req->tenant_id, in->owner};
	e = ov_db_begin(db);
	if (e == OV_OK)
		e = exec0(db, "owner_lock", 2, p);
	if (e == OV_OK)
		e = rotate_all(app, db, req->tenant_id, in->owner,
			       &out.devices);
	if (e == OV_OK)
		e = ov_db_exec(db, "owner_bindings_delete", 2, p, &res);
	if (e == OV_OK) {
		long n = 0;
		ov_parse_long(PQcmdTuples(res), 0, 1000000000, &n);
		out.bindings_removed = (uint32_t)n;
	}
	PQclear(res);
	e = tx_end(db, e);
	ov_db_release(app->pool, db);
	if (e != OV_OK) {
		ov_bus_fail(rep, e, "database");
		goto out;
	}
	registrar_reach_publish(app, req->tenant_id, in->owner);
	e = ov_bus_reply_pack(rep, &out.base);
	ov_counter_add(app->m.rotated, 1);
	ov_logc_info(&req->log, "credentials.rotated",
		     OV_LS("owner", in->owner), OV_LI("devices", out.devices),
		     OV_LI("bindings_removed", out.bindings_removed));
out:
	ov__registrar__rotate_request__free_unpacked(in, NULL);
	return e;
}

/* Lower-case copy; false when it does not fit. */
static bool lower_copy(const char *s, char *out, size_t size)
{
	size_t n = strlen(s);

	if (n >= size)
		return false;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return true;
}

/* auth.ha1: the HA1s of a digest username in a realm (no tenant in the
 * envelope: the realm says which). Not found is an answer, not an
 * error. */
static enum ov_err ha1(const struct ov_bus_req *req, struct ov_bus_reply *rep,
		       void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__Ha1Request *in;
	Ov__Registrar__Ha1Reply out = OV__REGISTRAR__HA1_REPLY__INIT;
	char realm[CREDS_DOMAIN_MAX + 1], user[CREDS_AUTH_USER_MAX];
	PGresult *res = NULL;
	enum ov_err e = OV_OK;

	in = ov__registrar__ha1_request__unpack(NULL, req->body_len, req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL, "body is not a Ha1Request");
	bool plausible = lower_copy(in->realm, realm, sizeof(realm)) &&
			 lower_copy(in->auth_username, user, sizeof(user)) &&
			 creds_domain_ok(realm) && user[0];
	ov__registrar__ha1_request__free_unpacked(in, NULL);
	if (plausible) {
		struct ov_db *db = registrar_db(app, req->deadline_ms);
		if (!db)
			return ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		const char *p[] = {realm, user};
		e = ov_db_exec(db, "ha1_find", 2, p, &res);
		ov_db_release(app->pool, db);
		if (e != OV_OK)
			return ov_bus_fail(rep, e, "database");
	}
	if (res && PQntuples(res) == 1) {
		out.found = true;
		out.tenant_id = PQgetvalue(res, 0, 0);
		out.owner = PQgetvalue(res, 0, 1);
		out.aor_user = PQgetvalue(res, 0, 2);
		out.device = PQgetvalue(res, 0, 3);
		out.ha1_md5 = PQgetvalue(res, 0, 4);
		out.ha1_sha256 = PQgetvalue(res, 0, 5);
	}
	ov_counter_add(out.found ? app->m.ha1_found : app->m.ha1_not_found, 1);
	e = ov_bus_reply_pack(rep, &out.base);
	PQclear(res);
	return e;
}

/* presence.set: admin tells the owner's presence. */
static enum ov_err presence(const struct ov_bus_req *req,
			    struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__PresenceRequest *in;
	enum ov_err e;

	in = ov__registrar__presence_request__unpack(NULL, req->body_len,
						     req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not a PresenceRequest");
	if (!creds_uuid_ok(req->tenant_id) || !creds_owner_ok(in->owner) ||
	    !creds_presence_ok(in->presence)) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"tenant_id, owner and presence (available, "
				"dnd, away) are required");
		goto out;
	}
	struct ov_db *db = registrar_db(app, req->deadline_ms);
	if (!db) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	const char *p[] = {req->tenant_id, in->owner, in->presence};
	e = exec0(db, "presence_set", 3, p);
	ov_db_release(app->pool, db);
	if (e != OV_OK) {
		ov_bus_fail(rep, e, "database");
		goto out;
	}
	registrar_reach_publish(app, req->tenant_id, in->owner);
	ov_logc_info(&req->log, "presence.set", OV_LS("owner", in->owner),
		     OV_LS("presence", in->presence));
out:
	ov__registrar__presence_request__free_unpacked(in, NULL);
	return e;
}

/* tenant.forget: after admin deleted the tenant, nothing of it may log
 * in or be rung. */
static enum ov_err forget(const struct ov_bus_req *req,
			  struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__ForgetReply out = OV__REGISTRAR__FORGET_REPLY__INIT;
	PGresult *res = NULL;

	if (!creds_uuid_ok(req->tenant_id))
		return ov_bus_fail(rep, OV_EINVAL, "tenant_id is required");
	struct ov_db *db = registrar_db(app, req->deadline_ms);
	if (!db)
		return ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
	const char *p[] = {req->tenant_id};
	enum ov_err e = ov_db_exec(db, "tenant_forget", 1, p, &res);
	ov_db_release(app->pool, db);
	if (e != OV_OK) {
		PQclear(res);
		return ov_bus_fail(rep, e, "database");
	}
	out.devices = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	out.bindings_removed =
		(uint32_t)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	registrar_reach_publish(app, req->tenant_id, NULL);
	ov_logc_info(&req->log, "tenant.forgotten",
		     OV_LI("devices", out.devices),
		     OV_LI("bindings_removed", out.bindings_removed));
	return ov_bus_reply_pack(rep, &out.base);
}

const struct ov_bus_method registrar_methods[] = {
	{"sip.credentials", credentials},
	{"sip.rotate", rotate},
	{"auth.ha1", ha1},
	{"binding.save", registrar_save},
	{"binding.drop", registrar_drop},
	{"contacts.get", registrar_contacts},
	{"devices.list", registrar_devices},
	{"presence.set", presence},
	{"tenant.forget", forget},
};
const size_t registrar_n_methods =
	sizeof(registrar_methods) / sizeof(registrar_methods[0]);
