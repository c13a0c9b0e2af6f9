/* Bus methods of the admin service (internal tooling and services). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "admin.pb-c.h"
#include "handlers.h"
#include "svc.h"

static enum ov_err apikey_create(const struct ov_bus_req *req,
				 struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct admin *app = rt->state;
	Ov__Admin__ApiKeyCreateRequest *in;
	Ov__Admin__ApiKeyCreateReply out =
		OV__ADMIN__API_KEY_CREATE_REPLY__INIT;
	char key[64];
	unsigned char h[32];
	PGresult *res = NULL;
	enum ov_err e;

	in = ov__admin__api_key_create_request__unpack(NULL, req->body_len,
						       req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not an ApiKeyCreateRequest");
	if (!in->name[0] || strlen(in->name) > 100) {
		ov__admin__api_key_create_request__free_unpacked(in, NULL);
		return ov_bus_fail(rep, OV_EINVAL,
				   "name must be 1 to 100 characters");
	}
	struct ov_db *db = ov_db_acquire(app->pool, 2000);
	if (!db) {
		ov__admin__api_key_create_request__free_unpacked(in, NULL);
		return ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
	}
	admin_token_new("ovk_", key, sizeof(key));
	admin_token_hash(key, h);
	/* The hash is a bytea: sent as a binary parameter. */
	const char *p[] = {in->name, (const char *)h};
	const int len[] = {-1, sizeof(h)};
	e = ov_db_exec_bin(db, "apikey_insert", 2, p, len, &res);
	if (e == OV_OK) {
		out.id = PQgetvalue(res, 0, 0);
		out.key = key;
		e = ov_bus_reply_pack(rep, &out.base);
		ov_logc_info(&req->log, "apikey.created", OV_LS("id", out.id),
			     OV_LS("name", in->name));
	} else {
		ov_bus_fail(rep, e, "could not store the key");
	}
	PQclear(res);
	ov_db_release(app->pool, db);
	sodium_memzero(key, sizeof(key));
	ov__admin__api_key_create_request__free_unpacked(in, NULL);
	return e;
}

/* A tenant's applied snapshot (the tenant from the envelope), latest or
 * by version: for the router and the IVR. */
static enum ov_err snapshot_get(const struct ov_bus_req *req,
				struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct admin *app = rt->state;
	Ov__Admin__SnapshotRequest *in = NULL;
	PGresult *res = NULL;
	char v[16];
	enum ov_err e;

	if (!admin_uuid_ok(req->tenant_id))
		return ov_bus_fail(rep, OV_EINVAL, "tenant_id is required");
	in = ov__admin__snapshot_request__unpack(NULL, req->body_len,
						 req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not a SnapshotRequest");
	snprintf(v, sizeof(v), "%u", in->version);
	ov__admin__snapshot_request__free_unpacked(in, NULL);
	struct ov_db *db = ov_db_acquire(app->pool, 1000);
	if (!db)
		return ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
	const char *p[] = {req->tenant_id, v};
	e = ov_db_exec(db, "version_get", 2, p, &res);
	if (e == OV_OK && PQntuples(res) == 0)
		e = ov_bus_fail(rep, OV_ENOTFOUND, "no applied version %s", v);
	else if (e != OV_OK)
		ov_bus_fail(rep, e, "database");
	if (e == OV_OK) {
		size_t n = 0;
		unsigned char *raw = PQunescapeBytea(
			(const unsigned char *)PQgetvalue(res, 0, 0), &n);
		if (raw && (rep->body = malloc(n ? n : 1))) {
			memcpy(rep->body, raw, n);
			rep->body_len = n;
		} else {
			e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		}
		PQfreemem(raw);
	}
	PQclear(res);
	ov_db_release(app->pool, db);
	return e;
}

/* Versions applied after a global sequence number, oldest first. */
static enum ov_err snapshot_changes(const struct ov_bus_req *req,
				    struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct admin *app = rt->state;
	Ov__Admin__ChangesRequest *in;
	Ov__Admin__ChangesReply out = OV__ADMIN__CHANGES_REPLY__INIT;
	PGresult *res = NULL;
	char after[24], limit[12];
	enum ov_err e;

	in = ov__admin__changes_request__unpack(NULL, req->body_len, req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not a ChangesRequest");
	snprintf(after, sizeof(after), "%llu",
		 (unsigned long long)in->after_seq);
	snprintf(limit, sizeof(limit), "%u",
		 in->limit && in->limit <= 10000 ? in->limit : 1000);
	ov__admin__changes_request__free_unpacked(in, NULL);
	struct ov_db *db = ov_db_acquire(app->pool, 1000);
	if (!db)
		return ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
	const char *p[] = {after, limit};
	e = ov_db_exec(db, "version_changes", 2, p, &res);
	if (e != OV_OK) {
		ov_db_release(app->pool, db);
		return ov_bus_fail(rep, e, "database");
	}
	size_t n = (size_t)PQntuples(res);
	Ov__Admin__Change *ch = calloc(n + 1, sizeof(*ch));
	Ov__Admin__Change **ptrs = calloc(n + 1, sizeof(*ptrs));
	if (!ch || !ptrs) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ov__admin__change__init(&ch[i]);
		ch[i].tenant_id = PQgetvalue(res, (int)i, 0);
		ch[i].version =
			(uint32_t)strtoul(PQgetvalue(res, (int)i, 1), NULL, 10);
		ch[i].seq = strtoull(PQgetvalue(res, (int)i, 2), NULL, 10);
		ptrs[i] = &ch[i];
	}
	out.n_changes = n;
	out.changes = ptrs;
	e = ov_bus_reply_pack(rep, &out.base);
out:
	free(ch);
	free(ptrs);
	PQclear(res);
	ov_db_release(app->pool, db);
	return e;
}

const struct ov_bus_method admin_methods[] = {
	{"apikey.create", apikey_create},
	{"snapshot.get", snapshot_get},
	{"snapshot.changes", snapshot_changes},
	{"calls.record", admin_calls_record},
};
const size_t admin_n_methods = sizeof(admin_methods) / sizeof(admin_methods[0]);
