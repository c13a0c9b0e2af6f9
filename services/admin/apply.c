/*
 * "Aggiorna Configurazione": validates the whole draft, writes an
 * immutable version, activates new users (their activation mails go in
 * the same transaction), publishes config.applied and answers the
 * version with a readable diff. Applies of one tenant are serialised by
 * a row lock on the tenant; an unchanged draft changes nothing.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "admin.h"
#include "admin.pb-c.h"
#include "log.h"
#include "diff.h"
#include "policy.h"
#include "snapshot.h"
#include "templates.h"

struct apply_ctx {
	struct admin_req *r;
	json_t *doc;	  /* the new document */
	json_t *activate; /* ids of draft users to activate */
	char field[96];	  /* what is wrong, for the answer */
	char why[192];
};

static bool fail(struct apply_ctx *a, const char *field, const char *why)
{
	snprintf(a->field, sizeof(a->field), "%s", field);
	snprintf(a->why, sizeof(a->why), "%s", why);
	return false;
}

/* Reads one JSON column. */
static json_t *col(PGresult *res, int row, int c)
{
	return json_loads(PQgetvalue(res, row, c), 0, NULL);
}

/* Resolves ringing members against the people: each user member must
 * still exist; members get name and extension for the router. */
static bool resolve_members(struct apply_ctx *a, json_t *ringing,
			    const json_t *users, const char *line_name)
{
	json_t *members = json_object_get(ringing, "members");
	bool ok = true;

	for (size_t i = 0; i < json_array_size(members); i++) {
		json_t *m = json_array_get(members, i);
		const char *type =
			json_string_value(json_object_get(m, "type"));
		if (strcmp(type, "main_line") == 0) {
			json_object_set_new(m, "name", json_string(line_name));
			continue;
		}
		const char *id = json_string_value(json_object_get(m, "id"));
		const json_t *u = NULL;
		for (size_t j = 0; !u && j < json_array_size(users); j++) {
			const json_t *x = json_array_get(users, j);
			if (strcmp(json_string_value(json_object_get(x, "id")),
				   id) == 0)
				u = x;
		}
		/* The first such member is the one to fix; the others
		 * are resolved all the same (the diff names them). */
		if (!u) {
			char f[48];
			snprintf(f, sizeof(f), "ringing.members[%zu]", i);
			if (ok)
				ok = fail(a, f,
					  "names a user who has since "
					  "been removed");
			continue;
		}
		json_object_set(m, "name", json_object_get(u, "name"));
		json_object_set(m, "extension",
				json_object_get(u, "extension"));
	}
	if (ok && json_array_size(members) == 0)
		return fail(a, "ringing.members", "nobody would ring");
	return ok;
}

static bool messages_ok(struct apply_ctx *a, const json_t *messages)
{
	const char *kind;
	json_t *m;
	char f[64], why[160];

	json_object_foreach((json_t *)messages, kind, m)
	{
		if (!json_is_true(json_object_get(m, "enabled")))
			continue;
		const struct tpl *t = tpl_find(
			json_string_value(json_object_get(m, "template_id")));
		if (!t)
			return fail(a, "messages", "unknown template");
		if (tpl_values_check(t, json_object_get(m, "values"), true, f,
				     sizeof(f), why, sizeof(why)) != OV_OK) {
			char full[96];
			snprintf(full, sizeof(full), "messages.%s.%s", kind, f);
			return fail(a, full, why);
		}
	}
	return true;
}

/* Builds the document from the tenant (read with tenant_stmt: locked
 * for apply), the people and the draft. OV_EINVAL when the draft cannot
 * be applied (a->field and a->why say why); a->doc is built all the
 * same. */
static enum ov_err build(struct apply_ctx *a, const char *tenant_stmt)
{
	struct admin_req *r = a->r;
	PGresult *t = NULL, *d = NULL, *u = NULL, *l = NULL;
	const char *p[] = {r->tenant_id};
	enum ov_err e;

	if ((e = ov_db_exec(r->db, tenant_stmt, 1, p, &t)) != OV_OK ||
	    (e = ov_db_exec(r->db, "apply_draft", 1, p, &d)) != OV_OK ||
	    (e = ov_db_exec(r->db, "apply_users", 1, p, &u)) != OV_OK ||
	    (e = ov_db_exec(r->db, "apply_main_line", 1, p, &l)) != OV_OK)
		goto out;
	if (PQntuples(t) != 1 || PQntuples(d) != 1) {
		e = OV_ENOTFOUND;
		goto out;
	}
	json_t *users = json_array();
	a->activate = json_array();
	for (int i = 0; i < PQntuples(u); i++) {
		json_array_append_new(
			users, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id",
					 PQgetvalue(u, i, 0), "name",
					 PQgetvalue(u, i, 1), "username",
					 PQgetvalue(u, i, 2), "extension",
					 PQgetvalue(u, i, 3), "email",
					 PQgetvalue(u, i, 4)));
		if (strcmp(PQgetvalue(u, i, 5), "draft") == 0)
			json_array_append_new(a->activate,
					      json_string(PQgetvalue(u, i, 0)));
	}
	json_t *ringing = col(d, 0, 0);
	a->doc = json_pack(
		"{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:o, s:o, s:o, s:o}",
		"number", PQgetvalue(t, 0, 0), "timezone", PQgetvalue(t, 0, 1),
		"sip_domain", PQgetvalue(t, 0, 2), "language",
		PQgetvalue(t, 0, 3), "allow_international",
		PQgetvalue(t, 0, 4)[0] == 't', "allow_premium",
		PQgetvalue(t, 0, 5)[0] == 't', "max_calls",
		(int)strtol(PQgetvalue(t, 0, 6), NULL, 10), "users", users,
		"ringing", ringing, "forwarding", col(d, 0, 1), "messages",
		col(d, 0, 2));
	if (!a->doc) {
		e = OV_EEXHAUSTED;
		goto out;
	}
	bool members_ok = resolve_members(
		a, ringing, users, PQntuples(l) ? PQgetvalue(l, 0, 0) : "");
	if (!members_ok || !messages_ok(a, json_object_get(a->doc, "messages")))
		e = OV_EINVAL;
out:
	PQclear(t);
	PQclear(d);
	PQclear(u);
	PQclear(l);
	return e;
}

/* Activates one draft user: a temporary password, and the seed's
 * "Attivazione Utenza" mail with it. */
static enum ov_err activate(struct admin_req *r, const char *id,
			    const char *number, const char *language)
{
	char pw[16], hash[crypto_pwhash_STRBYTES], sealed[ADMIN_SEALED_MAX];
	PGresult *res = NULL;
	enum ov_err e;

	if (admin_password_generate(pw, sizeof(pw), randombytes_uniform) !=
		    OV_OK ||
	    !admin_password_hash(r->app, pw, hash, sizeof(hash)) ||
	    !admin_seal(r->app, pw, sealed, sizeof(sealed))) {
		sodium_memzero(pw, sizeof(pw));
		return OV_EEXHAUSTED;
	}
	sodium_memzero(pw, sizeof(pw));
	const char *p[] = {id, r->tenant_id, hash};
	e = ov_db_exec(r->db, "user_activate", 3, p, &res);
	PQclear(res);
	res = NULL;
	const char *q[] = {id, r->tenant_id};
	if (e == OV_OK)
		e = ov_db_exec(r->db, "user_mail_info", 2, q, &res);
	if (e == OV_OK) {
		json_t *params = json_pack("{s:s, s:s, s:s, s:s}", "username",
					   PQgetvalue(res, 0, 2), "password",
					   sealed, "number", number, "name",
					   PQgetvalue(res, 0, 4));
		size_t len;
		char *ps = ov_json_dump(params, &len);
		json_decref(params);
		const char *o[] = {r->tenant_id, "user_activation",
				   PQgetvalue(res, 0, 0), language, ps};
		PGresult *ores = NULL;
		e = ps ? ov_db_exec(r->db, "outbox_insert", 5, o, &ores)
		       : OV_EEXHAUSTED;
		PQclear(ores);
		if (ps)
			sodium_memzero(ps, len);
		free(ps);
	}
	PQclear(res);
	sodium_memzero(pw, sizeof(pw));
	return e;
}

static void publish(struct admin_req *r, const char *tenant_id,
		    uint32_t version, uint64_t seq)
{
	Ov__Admin__ConfigApplied ev = OV__ADMIN__CONFIG_APPLIED__INIT;
	uint8_t *buf;
	size_t len;

	ev.tenant_id = (char *)tenant_id;
	ev.version = version;
	ev.seq = seq;
	if (ov_pb_pack(&ev.base, &buf, &len) != OV_OK)
		return;
	/* PUB can drop; subscribers also poll snapshot.changes. */
	if (ov_bus_publish(r->app->pub, "config.applied", buf, len) != OV_OK)
		ov_log_warn("apply.publish_failed", OV_LS("tenant", tenant_id));
	free(buf);
}

/* The document as stored (malloc'd) and its SHA-256 in hex. Sorted
 * keys: the same settings always give the same digest. */
static char *doc_dump(const json_t *doc, char digest[65])
{
	unsigned char h[32];
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);

	if (text) {
		crypto_hash_sha256(h, (unsigned char *)text, strlen(text));
		sodium_bin2hex(digest, 65, h, sizeof(h));
	}
	return text;
}

/* Writes version `version` of the tenant: doc as a snapshot and as
 * text (digest: its SHA-256 in hex), in r's transaction; *seq gets its
 * global sequence number. */
static enum ov_err version_write(struct admin_req *r, const char *tenant_id,
				 const json_t *doc, const char *doc_text,
				 const char *digest, uint32_t version,
				 uint64_t *seq)
{
	PGresult *res = NULL;
	uint8_t *snap = NULL;
	size_t snap_len = 0;
	char vtext[16];
	enum ov_err e = snapshot_pack(doc, tenant_id, version,
				      (int64_t)time(NULL), &snap, &snap_len);

	if (e != OV_OK)
		return e;
	if (snap_len > INT_MAX) {
		free(snap);
		return OV_ETOOBIG;
	}
	snprintf(vtext, sizeof(vtext), "%u", version);
	/* An operator (suspend, delete) is nobody of the tenant. The
	 * snapshot is a bytea: a binary parameter, sent as packed. */
	const char *pv[] = {
		tenant_id, vtext,  (const char *)snap,
		doc_text,  digest, r->user_id[0] ? r->user_id : NULL};
	const int len[] = {-1, -1, (int)snap_len, -1, -1, -1};
	e = ov_db_exec_bin(r->db, "version_insert", 6, pv, len, &res);
	if (e == OV_OK)
		*seq = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	free(snap);
	return e;
}

void config_apply(struct admin_req *r)
{
	struct apply_ctx a = {.r = r};
	PGresult *res = NULL;
	json_t *old = NULL;
	char digest[65], *doc_text = NULL;
	uint32_t version = 1;
	uint64_t seq = 0;
	enum ov_err e = ov_db_begin(r->db);

	if (e == OV_OK)
		e = build(&a, "apply_lock");
	if (e == OV_EINVAL) {
		ov_db_rollback(r->db);
		admin_fail(r, 422, OV_EINVAL, a.field, "%s %s", a.field, a.why);
		goto done;
	}
	if (e != OV_OK)
		goto fail;
	if (!(doc_text = doc_dump(a.doc, digest))) {
		e = OV_EEXHAUSTED;
		goto fail;
	}

	const char *p[] = {r->tenant_id};
	if ((e = ov_db_exec(r->db, "version_latest", 1, p, &res)) != OV_OK)
		goto fail;
	if (PQntuples(res) == 1) {
		version = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
		if (strcmp(PQgetvalue(res, 0, 1), digest) == 0) {
			/* Nothing changed: no version, no event, no mail. */
			PQclear(res);
			ov_db_rollback(r->db);
			admin_json(r, 200,
				   json_pack("{s:i, s:b, s:[], s:[]}",
					     "version", (int)version, "changed",
					     0, "diff", "activated"));
			goto done;
		}
		old = col(res, 0, 2);
		version++;
	}
	PQclear(res);
	res = NULL;

	/* Activation mails carry the password of each new user. */
	const char *number =
		json_string_value(json_object_get(a.doc, "number"));
	const char *lang =
		json_string_value(json_object_get(a.doc, "language"));
	for (size_t i = 0; i < json_array_size(a.activate); i++) {
		e = activate(r,
			     json_string_value(json_array_get(a.activate, i)),
			     number, lang);
		if (e != OV_OK)
			goto fail;
	}
	if ((e = version_write(r, r->tenant_id, a.doc, doc_text, digest,
			       version, &seq)) != OV_OK)
		goto fail;
	char vtext[16];
	snprintf(vtext, sizeof(vtext), "%u", version);
	json_t *diff = snapshot_diff(old, a.doc);
	e = admin_audit(
		r, r->tenant_id, "config.apply", vtext,
		json_pack("{s:i, s:O}", "version", (int)version, "diff", diff));
	if (e == OV_OK)
		e = ov_db_commit(r->db);
	if (e != OV_OK) {
		json_decref(diff);
		goto fail;
	}
	publish(r, r->tenant_id, version, seq);
	ov_log_info("apply.done", OV_LS("tenant", r->tenant_id),
		    OV_LI("version", version),
		    OV_LI("activated", (long long)json_array_size(a.activate)));
	admin_json(r, 200,
		   json_pack("{s:i, s:b, s:o, s:O}", "version", (int)version,
			     "changed", 1, "diff", diff, "activated",
			     a.activate));
	goto done;
fail:
	PQclear(res);
	ov_db_rollback(r->db);
	admin_fail_store(r, e, "configuration");
done:
	json_decref(old);
	json_decref(a.doc);
	json_decref(a.activate);
	free(doc_text);
}

/* Keys of a deleted tenant's last version: what routing needs to know
 * the number is gone; nobody's name or address. */
static const char *const deleted_keeps[] = {"number", "timezone", "sip_domain",
					    "language"};

enum ov_err config_restate(struct admin_req *r, const char *tenant_id,
			   const char *state, struct config_version *out)
{
	PGresult *res = NULL;
	json_t *doc = NULL;
	char digest[65], *text = NULL;
	uint64_t seq = 0;
	const char *p[] = {tenant_id};
	enum ov_err e = ov_db_exec(r->db, "version_latest", 1, p, &res);

	if (e != OV_OK || PQntuples(res) == 0)
		goto out; /* never applied: nothing routes to it */
	uint32_t version = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	json_t *old = col(res, 0, 2);
	if (!old) {
		e = OV_EINTERNAL;
		goto out;
	}
	if (strcmp(state, "deleted") == 0) {
		doc = json_object();
		for (size_t i = 0; i < 4; i++)
			json_object_set(doc, deleted_keeps[i],
					json_object_get(old, deleted_keeps[i]));
		json_decref(old);
	} else {
		doc = old;
	}
	if (strcmp(state, "active") == 0)
		json_object_del(doc, "state");
	else
		json_object_set_new(doc, "state", json_string(state));
	if (!(text = doc_dump(doc, digest))) {
		e = OV_EEXHAUSTED;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 1), digest) == 0)
		goto out; /* already so */
	version++;
	if ((e = version_write(r, tenant_id, doc, text, digest, version,
			       &seq)) != OV_OK)
		goto out;
	out->version = version;
	out->seq = seq;
out:
	PQclear(res);
	json_decref(doc);
	free(text);
	return e;
}

void config_restated(struct admin_req *r, const char *tenant_id,
		     const struct config_version *v)
{
	if (!v->seq)
		return;
	publish(r, tenant_id, v->version, v->seq);
	ov_log_info("apply.restated", OV_LS("tenant", tenant_id),
		    OV_LI("version", v->version));
}

void config_diff_get(struct admin_req *r)
{
	struct apply_ctx a = {.r = r};
	PGresult *res = NULL;
	json_t *live = NULL, *changes = NULL;
	json_t *live_version = json_null();
	char digest[65], *doc_text = NULL;
	const char *p[] = {r->tenant_id};

	/* A draft apply would refuse still has a difference to show. */
	enum ov_err e = build(&a, "diff_tenant");
	if (e == OV_EINVAL)
		e = a.doc ? OV_OK : OV_EINTERNAL;
	if (e == OV_OK && !(doc_text = doc_dump(a.doc, digest)))
		e = OV_EEXHAUSTED;
	if (e == OV_OK)
		e = ov_db_exec(r->db, "version_latest", 1, p, &res);
	if (e != OV_OK)
		goto fail;
	if (PQntuples(res) == 1) {
		json_decref(live_version);
		live_version =
			json_integer(strtol(PQgetvalue(res, 0, 0), NULL, 10));
		/* What apply compares: the same document changes nothing. */
		if (strcmp(PQgetvalue(res, 0, 1), digest) == 0) {
			changes = json_array();
			goto answer;
		}
		if (!(live = col(res, 0, 2))) {
			e = OV_EINTERNAL;
			goto fail;
		}
	}
	if (!(changes = config_diff(live, a.doc))) {
		e = OV_EEXHAUSTED;
		goto fail;
	}
answer:
	admin_json(r, 200,
		   json_pack("{s:I, s:o, s:o}", "pending",
			     (json_int_t)json_array_size(changes),
			     "live_version", live_version, "changes", changes));
	live_version = NULL;
	goto done;
fail:
	admin_fail_store(r, e, "configuration");
done:
	json_decref(live_version);
	PQclear(res);
	json_decref(live);
	json_decref(a.doc);
	json_decref(a.activate);
	free(doc_text);
}
