/*
 * SIP credentials and devices: admin asks the registrar over the bus
 * (sip.credentials, devices.list, presence.set, sip.rotate) for the
 * person the token belongs to, or for the tenant's main line. The
 * registrar derives secrets; admin never stores one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "admin.h"
#include "registrar.pb-c.h"

#define RETRY_AFTER_S 5

static bool device_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n == 16 || !((s[n] >= 'a' && s[n] <= 'z') ||
				 (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return false;
	return n > 0;
}

/* The registrar could not do it: say why, the way the API does. */
static void fail_registrar(struct admin_req *r, enum ov_err e,
			   const char *message)
{
	switch (e) {
	case OV_EUNAVAIL:
	case OV_ETIMEDOUT:
		r->res->retry_after = RETRY_AFTER_S;
		admin_fail(r, 503, OV_EUNAVAIL, NULL,
			   "the registrar is unavailable; try again shortly");
		return;
	case OV_EEXHAUSTED:
		admin_fail_code(r, 409, "device_limit", "device", message);
		return;
	case OV_EEXIST:
		admin_fail(r, 409, OV_EEXIST, NULL, "%s", message);
		return;
	case OV_EINVAL:
		admin_fail(r, 400, OV_EINVAL, NULL, "%s", message);
		return;
	default:
		admin_fail(r, 500, e, NULL, "registrar: %s", ov_err_name(e));
	}
}

/* One registrar call for tenant_id; on failure res has only the error
 * and its message. */
static enum ov_err call(struct admin_req *r, const char *tenant_id,
			const char *method, const ProtobufCMessage *msg,
			struct ov_bus_result *res)
{
	uint8_t *body = NULL;
	size_t len = 0;

	memset(res, 0, sizeof(*res));
	if (ov_pb_pack(msg, &body, &len) != OV_OK) {
		res->err = OV_EEXHAUSTED;
		snprintf(res->message, sizeof(res->message), "out of memory");
		return res->err;
	}
	struct ov_bus_call c = {
		.method = method,
		.tenant_id = tenant_id,
		.request_id = r->actor,
		.deadline_ms = (uint32_t)r->app->cfg.registrar_deadline_ms,
		.body = body,
		.body_len = len,
	};
	enum ov_err e = ov_bus_client_call(r->app->registrar, &c, res);
	free(body);
	if (e != OV_OK)
		ov_bus_result_free(res);
	return e;
}

/* Asks for one device's credentials and answers them. */
static void credentials(struct admin_req *r,
			Ov__Registrar__CredentialsRequest *in)
{
	struct ov_bus_result res;
	enum ov_err e =
		call(r, r->tenant_id, "sip.credentials", &in->base, &res);

	if (e != OV_OK) {
		fail_registrar(r, e, res.message);
		return;
	}
	Ov__Registrar__Credentials *c = ov__registrar__credentials__unpack(
		NULL, res.body_len, res.body);
	if (res.body)
		sodium_memzero(res.body, res.body_len);
	ov_bus_result_free(&res);
	if (!c) {
		admin_fail(r, 500, OV_EINTERNAL, NULL,
			   "registrar: undecodable credentials");
		return;
	}
	json_t *v = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "domain", c->domain,
		"username", c->aor_user, "auth_username", c->auth_username,
		"password", c->secret, "device", c->device, "proxy",
		r->app->cfg.sip_proxy, "transport", r->app->cfg.sip_transport,
		"ws_url", r->app->cfg.sip_ws_url);
	struct ov_log_ctx ctx = {r->tenant_id, NULL};
	ov_logc_info(&ctx, "sip.credentials_issued", OV_LS("owner", in->owner),
		     OV_LS("device", c->device), OV_LS("actor", r->actor));
	sodium_memzero(c->secret, strlen(c->secret));
	ov__registrar__credentials__free_unpacked(c, NULL);
	admin_json(r, 200, v);
}

/* ?device=NAME, or def; NULL after answering 400. */
static const char *device_param(struct admin_req *r, const char *def)
{
	const char *d = ov_http_query(r->http, "device");

	if (!d)
		return def;
	if (!device_name_ok(d)) {
		admin_fail(r, 400, OV_EINVAL, "device",
			   "device must be 1 to 16 of a-z, 0-9 and -");
		return NULL;
	}
	return d;
}

void sip_me_get(struct admin_req *r)
{
	Ov__Registrar__CredentialsRequest in =
		OV__REGISTRAR__CREDENTIALS_REQUEST__INIT;
	PGresult *res = NULL;
	const char *device = device_param(r, "app");

	if (!device)
		return;
	const char *p[] = {r->user_id, r->tenant_id};
	enum ov_err e = ov_db_exec(r->db, "sip_user", 2, p, &res);
	if (e == OV_OK && PQntuples(res) != 1)
		e = OV_ENOTFOUND;
	if (e != OV_OK) {
		PQclear(res);
		admin_fail_store(r, e, "user");
		return;
	}
	in.owner = r->user_id;
	in.aor_user = PQgetvalue(res, 0, 0); /* the folded username */
	in.display = PQgetvalue(res, 0, 1);
	in.domain = PQgetvalue(res, 0, 2);
	in.device = (char *)device;
	credentials(r, &in);
	PQclear(res);
}

void sip_main_line_get(struct admin_req *r)
{
	Ov__Registrar__CredentialsRequest in =
		OV__REGISTRAR__CREDENTIALS_REQUEST__INIT;
	PGresult *res = NULL;
	const char *device = device_param(r, "desk");

	if (!device)
		return;
	const char *p[] = {r->tenant_id};
	enum ov_err e = ov_db_exec(r->db, "sip_main_line", 1, p, &res);
	if (e == OV_OK && PQntuples(res) != 1)
		e = OV_ENOTFOUND;
	if (e != OV_OK) {
		PQclear(res);
		admin_fail_store(r, e, "main line");
		return;
	}
	in.owner = "main";
	in.aor_user = "main";
	in.domain = PQgetvalue(res, 0, 0);
	in.display = PQgetvalue(res, 0, 1);
	in.device = (char *)device;
	credentials(r, &in);
	PQclear(res);
}

static json_t *unix_time(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

static json_t *device_json(const Ov__Registrar__Device *d)
{
	json_t *bs = json_array();

	for (size_t i = 0; i < d->n_bindings; i++) {
		const Ov__Registrar__Binding *b = d->bindings[i];
		json_array_append_new(
			bs, json_pack("{s:s, s:s, s:I, s:s, s:o}", "contact",
				      b->contact, "user_agent", b->user_agent,
				      "expires", (json_int_t)b->expires,
				      "received", b->received, "updated_at",
				      unix_time(b->updated_at)));
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "device", d->device,
			 "auth_username", d->auth_username, "created_at",
			 unix_time(d->created_at), "bindings", bs);
}

void sip_me_devices(struct admin_req *r)
{
	Ov__Registrar__DevicesRequest in = OV__REGISTRAR__DEVICES_REQUEST__INIT;
	struct ov_bus_result res;

	in.owner = r->user_id;
	enum ov_err e = call(r, r->tenant_id, "devices.list", &in.base, &res);
	if (e != OV_OK) {
		fail_registrar(r, e, res.message);
		return;
	}
	Ov__Registrar__DevicesReply *out = ov__registrar__devices_reply__unpack(
		NULL, res.body_len, res.body);
	ov_bus_result_free(&res);
	if (!out) {
		admin_fail(r, 500, OV_EINTERNAL, NULL,
			   "registrar: undecodable devices");
		return;
	}
	json_t *devs = json_array();
	for (size_t i = 0; i < out->n_devices; i++)
		json_array_append_new(devs, device_json(out->devices[i]));
	ov__registrar__devices_reply__free_unpacked(out, NULL);
	admin_json(r, 200, json_pack("{s:o}", "devices", devs));
}

bool admin_sip_presence(struct admin_req *r, const char *presence)
{
	Ov__Registrar__PresenceRequest in =
		OV__REGISTRAR__PRESENCE_REQUEST__INIT;
	struct ov_bus_result res;

	in.owner = r->user_id;
	in.presence = (char *)presence;
	enum ov_err e = call(r, r->tenant_id, "presence.set", &in.base, &res);
	if (e != OV_OK) {
		fail_registrar(r, e, res.message);
		return false;
	}
	ov_bus_result_free(&res);
	return true;
}

void admin_sip_rotate(struct admin_req *r, const char *tenant_id,
		      const char *user_id)
{
	Ov__Registrar__RotateRequest in = OV__REGISTRAR__ROTATE_REQUEST__INIT;
	struct ov_log_ctx ctx = {tenant_id, NULL};
	struct ov_bus_result res;

	in.owner = (char *)user_id;
	enum ov_err e = call(r, tenant_id, "sip.rotate", &in.base, &res);
	if (e != OV_OK) {
		/* The password changed all the same: an operator rotates
		 * again with `ovctl registrar rotate`. */
		ov_logc_warn(&ctx, "sip.rotate_failed", OV_LS("user", user_id),
			     OV_LS("error", ov_err_name(e)),
			     OV_LS("message", res.message));
		return;
	}
	Ov__Registrar__RotateReply *out = ov__registrar__rotate_reply__unpack(
		NULL, res.body_len, res.body);
	ov_bus_result_free(&res);
	ov_logc_info(
		&ctx, "sip.rotated", OV_LS("user", user_id),
		OV_LI("devices", out ? out->devices : 0),
		OV_LI("bindings_removed", out ? out->bindings_removed : 0));
	if (out)
		ov__registrar__rotate_reply__free_unpacked(out, NULL);
}

void admin_sip_forget_tenant(struct admin_req *r, const char *tenant_id)
{
	Ov__Registrar__ForgetRequest in = OV__REGISTRAR__FORGET_REQUEST__INIT;
	Ov__Registrar__ForgetReply *out = NULL;
	struct ov_log_ctx ctx = {tenant_id, NULL};
	struct ov_bus_result res;

	enum ov_err e = call(r, tenant_id, "tenant.forget", &in.base, &res);
	if (e != OV_OK) {
		/* The tenant is deleted all the same and its phones can no
		 * longer call (the router refuses them); `ovctl registrar
		 * forget --tenant T` finishes the job. */
		ov_logc_warn(&ctx, "sip.forget_failed",
			     OV_LS("error", ov_err_name(e)),
			     OV_LS("message", res.message));
		return;
	}
	out = ov__registrar__forget_reply__unpack(NULL, res.body_len, res.body);
	ov_bus_result_free(&res);
	ov_logc_info(
		&ctx, "sip.forgotten", OV_LI("devices", out ? out->devices : 0),
		OV_LI("bindings_removed", out ? out->bindings_removed : 0));
	if (out)
		ov__registrar__forget_reply__free_unpacked(out, NULL);
}

Ov__Registrar__ContactsReply *admin_sip_reach(struct admin_req *r)
{
	Ov__Registrar__ContactsRequest in =
		OV__REGISTRAR__CONTACTS_REQUEST__INIT;
	Ov__Registrar__ContactsReply *out = NULL;
	struct ov_bus_result res;

	/* No owners: every owner the registrar knows in the tenant. */
	enum ov_err e = call(r, r->tenant_id, "contacts.get", &in.base, &res);
	if (e == OV_OK) {
		out = ov__registrar__contacts_reply__unpack(NULL, res.body_len,
							    res.body);
		ov_bus_result_free(&res);
	}
	if (!out) {
		struct ov_log_ctx ctx = {r->tenant_id, NULL};
		ov_logc_warn(&ctx, "sip.reach_failed",
			     OV_LS("error", ov_err_name(e)),
			     OV_LS("message", res.message));
	}
	return out;
}

const Ov__Registrar__Reach *
admin_sip_reach_of(const Ov__Registrar__ContactsReply *c, const char *owner)
{
	for (size_t i = 0; c && i < c->n_reach; i++)
		if (c->reach[i] && strcmp(c->reach[i]->owner, owner) == 0)
			return c->reach[i];
	return NULL;
}

bool admin_sip_registered(const Ov__Registrar__Reach *r)
{
	for (size_t i = 0; r && i < r->n_bindings; i++)
		if (r->bindings[i] && r->bindings[i]->contact[0])
			return true;
	return false;
}
