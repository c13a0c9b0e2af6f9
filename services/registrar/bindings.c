/*
 * Bindings: binding.save (a REGISTER that passed authentication),
 * contacts.get (the router's view of who is reachable) and devices.list
 * (a person's devices, for the admin API).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registrar.h"
#include "store.h"
#include "svc.h"

#define OWNERS_MAX 1000

int registrar_binding_row(const PGresult *res, int row, int col,
			  Ov__Registrar__Binding *b)
{
	long left = 0, at = 0;

	ov__registrar__binding__init(b);
	b->contact = PQgetvalue(res, row, col);
	ov_parse_long(PQgetvalue(res, row, col + 1), -(1L << 40), 1L << 40,
		      &left);
	b->expires = left < 0		  ? 0
		     : left > 0xffffffffL ? 0xffffffffu
					  : (uint32_t)left;
	b->received = PQgetvalue(res, row, col + 2);
	b->path = PQgetvalue(res, row, col + 3);
	b->user_agent = PQgetvalue(res, row, col + 4);
	b->instance = PQgetvalue(res, row, col + 5);
	b->device = PQgetvalue(res, row, col + 6);
	b->owner = PQgetvalue(res, row, col + 7);
	ov_parse_long(PQgetvalue(res, row, col + 8), 0, 1L << 40, &at);
	b->updated_at = at;
	return REGISTRAR_BINDING_NCOLS;
}

/* binding_save's rows (store.c, migration 003): the kind, a note, the
 * seconds granted, then a binding's columns (an event has only its
 * contact). */
enum {
	COL_KIND,
	COL_NOTE,
	COL_SECS,
	COL_BINDING
};

/* What one REGISTER did: the rows of binding_save, kept until the reply
 * is packed and the events are logged. */
struct save {
	struct registrar *app;
	const struct ov_bus_req *req;
	const Ov__Registrar__SaveRequest *in;
	PGresult *res;
	const char *aor; /* the device's AOR, in res */
	unsigned saved, removed, dropped, stale;
	/* Bindings that came, went or moved (received, path, an expiry
	 * brought forward); not a refresh that only extends an expiry. */
	unsigned changed;
};

/* One change row of binding_save (not "aor", not "binding"): counted
 * and logged. The statement has committed. */
static void save_event(struct save *s, int i, const char *kind)
{
	const char *note = PQgetvalue(s->res, i, COL_NOTE);
	const char *contact = PQgetvalue(s->res, i, COL_BINDING);
	bool removed = strcmp(kind, "removed") == 0;
	long secs = 0;

	if (strcmp(kind, "saved") == 0) {
		/* A refresh that only extends an expiry (no note) is every
		 * phone every few minutes: not a change, and debug. */
		bool moved = !PQgetisnull(s->res, i, COL_NOTE);

		s->saved++;
		s->changed += moved;
		ov_parse_long(PQgetvalue(s->res, i, COL_SECS), 0,
			      CONTACT_EXPIRES_MAX, &secs);
		ov_logc(moved ? OV_LOG_INFO : OV_LOG_DEBUG, &s->req->log,
			"binding.saved", OV_LS("owner", s->in->owner),
			OV_LS("device", s->in->device), OV_LS("aor", s->aor),
			OV_LS("contact", contact), OV_LI("expires", secs),
			OV_LB("new", strcmp(note, "new") == 0));
	} else if (removed || strcmp(kind, "dropped") == 0) {
		if (removed)
			s->removed++;
		else
			s->dropped++;
		s->changed++;
		ov_logc_info(&s->req->log, "binding.removed",
			     OV_LS("owner", s->in->owner),
			     OV_LS("device", s->in->device),
			     OV_LS("aor", s->aor), OV_LS("contact", contact),
			     OV_LS("reason", note));
	} else if (strcmp(kind, "stale") == 0) {
		s->stale++;
	}
}

/* A text[] literal of n strings, each quoted: {"a","b\"c"}. The caller
 * frees it; NULL when out of memory. */
static char *text_array(const char *const *v, size_t n)
{
	size_t size = 3;

	for (size_t i = 0; i < n; i++)
		size += 2 * strlen(v[i]) + 3;
	char *lit = malloc(size), *w = lit;
	if (!lit)
		return NULL;
	*w++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*w++ = ',';
		*w++ = '"';
		for (const char *c = v[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				*w++ = '\\';
			*w++ = *c;
		}
		*w++ = '"';
	}
	*w++ = '}';
	*w = '\0';
	return lit;
}

/* The AOR the edge named, as binding_save compares it with the
 * device's: "user@host" in lower case, without the scheme (sip: or
 * sips:, any case) and URI parameters; "" (the device's own) for "";
 * NULL when it cannot be the device's. */
static const char *aor_key(const char *given, char *out, size_t size)
{
	const char *g = given;

	if (!*given)
		return "";
	if (strncasecmp(g, "sip:", 4) == 0)
		g += 4;
	else if (strncasecmp(g, "sips:", 5) == 0)
		g += 5;
	else
		return NULL;
	size_t n = strcspn(g, ";?");
	if (n >= size)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)g[i]);
	out[n] = '\0';
	return out;
}

static bool hex32(const char *s)
{
	return strspn(s, "0123456789abcdef") == 32 && !s[32];
}

static const char *save_invalid(const struct ov_bus_req *req,
				const Ov__Registrar__SaveRequest *in)
{
	if (!creds_uuid_ok(req->tenant_id))
		return "tenant_id must be a UUID";
	if (!creds_owner_ok(in->owner) || !creds_device_ok(in->device))
		return "owner and device are required";
	if (in->expires < -1)
		return "expires must be -1 (absent) or more";
	if (!in->call_id[0] || !creds_text_ok(in->call_id, 256))
		return "call_id must be 1 to 256 bytes of text";
	if (!creds_text_ok(in->received, 256) ||
	    !creds_text_ok(in->path, 2048) ||
	    !creds_text_ok(in->user_agent, 256) || !creds_text_ok(in->aor, 512))
		return "received, path, user_agent or aor is too long or not "
		       "text";
	if (in->ha1_md5[0] && !hex32(in->ha1_md5))
		return "ha1_md5 must be 32 lower-case hex digits or empty";
	return NULL;
}

/* The whole REGISTER in one statement, its own transaction: the device,
 * the AOR's lock, every change and the bindings after (binding_save). */
static enum ov_err save_exec(struct save *s, const struct contact_list *l,
			     struct ov_bus_reply *rep)
{
	const Ov__Registrar__SaveRequest *in = s->in;
	const char *uris[CONTACT_MAX], *insts[CONTACT_MAX], *secs[CONTACT_MAX];
	char num[CONTACT_MAX][12], cseq[12], max[12];
	char aor[CREDS_AOR_USER_MAX + CREDS_DOMAIN_MAX + 2];
	char *lit[3];
	enum ov_err e = OV_OK;

	for (size_t i = 0; i < l->n; i++) {
		uris[i] = l->c[i].uri;
		insts[i] = l->c[i].instance;
		snprintf(num[i], sizeof(num[i]), "%u", l->c[i].seconds);
		secs[i] = num[i];
	}
	lit[0] = text_array(uris, l->n);
	lit[1] = text_array(insts, l->n);
	lit[2] = text_array(secs, l->n);
	snprintf(cseq, sizeof(cseq), "%u", in->cseq);
	snprintf(max, sizeof(max), "%d", s->app->cfg.max_contacts);
	const char *p[] = {s->req->tenant_id,
			   in->owner,
			   in->device,
			   aor_key(in->aor, aor, sizeof(aor)),
			   in->ha1_md5,
			   l->star ? "t" : "f",
			   lit[0],
			   lit[1],
			   lit[2],
			   in->received,
			   in->path,
			   in->user_agent,
			   in->call_id,
			   cseq,
			   max};
	struct ov_db *db = NULL;
	if (!lit[0] || !lit[1] || !lit[2])
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
	else if (!(db = registrar_db(s->app, s->req->deadline_ms)))
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
	else if ((e = ov_db_exec(db, "binding_save", 15, p, &s->res)) != OV_OK)
		ov_bus_fail(rep, e, "database");
	ov_db_release(s->app->pool, db);
	for (size_t i = 0; i < 3; i++)
		free(lit[i]);
	return e;
}

/* The first row: the device's AOR, or why nothing was saved. */
static enum ov_err save_refused(struct save *s, struct ov_bus_reply *rep)
{
	if (PQntuples(s->res) < 1)
		return ov_bus_fail(rep, OV_EINTERNAL, "binding_save: no rows");
	const char *note = PQgetvalue(s->res, 0, COL_NOTE);
	if (strcmp(PQgetvalue(s->res, 0, COL_KIND), "aor") == 0) {
		s->aor = PQgetvalue(s->res, 0, COL_BINDING);
		return OV_OK;
	}
	if (strcmp(note, "no_device") == 0)
		return ov_bus_fail(rep, OV_ENOTFOUND, "no such device");
	if (strcmp(note, "stale_credentials") == 0)
		return ov_bus_fail(rep, OV_EUNAUTH,
				   "stale credentials: ha1_md5 is not the "
				   "device's");
	return ov_bus_fail(rep, OV_EPERM, "%s is not the device's AOR",
			   s->in->aor);
}

/* Counts and logs the changes, and answers the AOR's bindings now. */
static enum ov_err save_reply(struct save *s, struct ov_bus_reply *rep)
{
	Ov__Registrar__SaveReply out = OV__REGISTRAR__SAVE_REPLY__INIT;
	int rows = PQntuples(s->res);
	Ov__Registrar__Binding *bs = calloc((size_t)rows, sizeof(*bs));
	Ov__Registrar__Binding **ptrs = calloc((size_t)rows, sizeof(*ptrs));
	enum ov_err e;

	if (!bs || !ptrs) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	for (int i = 1; i < rows; i++) {
		const char *kind = PQgetvalue(s->res, i, COL_KIND);

		if (strcmp(kind, "binding") != 0) {
			save_event(s, i, kind);
			continue;
		}
		registrar_binding_row(s->res, i, COL_BINDING,
				      &bs[out.n_bindings]);
		ptrs[out.n_bindings] = &bs[out.n_bindings];
		out.n_bindings++;
	}
	out.bindings = ptrs;
	out.stale = s->stale;
	out.dropped = s->dropped;
	e = ov_bus_reply_pack(rep, &out.base);
out:
	free(bs);
	free(ptrs);
	return e;
}

enum ov_err registrar_save(const struct ov_bus_req *req,
			   struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__SaveRequest *in;
	struct contact_list *l = NULL;
	struct save s = {.app = app, .req = req};
	char why[160];
	enum ov_err e;

	in = ov__registrar__save_request__unpack(NULL, req->body_len,
						 req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL, "body is not a SaveRequest");
	s.in = in;
	const char *bad = save_invalid(req, in);
	if (bad) {
		e = ov_bus_fail(rep, OV_EINVAL, "%s", bad);
		goto out;
	}
	if (!(l = malloc(sizeof(*l)))) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	e = contact_parse(in->contact, (size_t)app->cfg.max_contacts, l, why,
			  sizeof(why));
	if (e == OV_OK)
		e = contact_prepare(l, in->expires, &app->rules, why,
				    sizeof(why));
	if (e != OV_OK) {
		if (e == OV_EPRECOND)
			ov_counter_add(app->m.too_brief, 1);
		ov_bus_fail(rep, e, "%s", why);
		goto out;
	}
	if ((e = save_exec(&s, l, rep)) != OV_OK ||
	    (e = save_refused(&s, rep)) != OV_OK ||
	    (e = save_reply(&s, rep)) != OV_OK)
		goto out;
	if (s.changed)
		registrar_reach_publish(app, req->tenant_id, in->owner);
	ov_counter_add(app->m.saved, s.saved);
	ov_counter_add(app->m.removed, s.removed);
	ov_counter_add(app->m.dropped, s.dropped);
	ov_counter_add(app->m.stale, s.stale);
out:
	PQclear(s.res);
	free(l);
	ov__registrar__save_request__free_unpacked(in, NULL);
	return e;
}

/* contacts.get: for each owner asked (or every owner the registrar
 * knows in the tenant), presence and live bindings; one statement. */
enum ov_err registrar_contacts(const struct ov_bus_req *req,
			       struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__ContactsRequest *in;
	Ov__Registrar__ContactsReply out = OV__REGISTRAR__CONTACTS_REPLY__INIT;
	Ov__Registrar__Reach *reach = NULL, **rptrs = NULL;
	Ov__Registrar__Binding *bs = NULL, **bptrs = NULL;
	PGresult *res = NULL;
	char *lit = NULL;
	enum ov_err e;

	in = ov__registrar__contacts_request__unpack(NULL, req->body_len,
						     req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not a ContactsRequest");
	e = creds_uuid_ok(req->tenant_id) ? OV_OK : OV_EINVAL;
	for (size_t i = 0; e == OV_OK && i < in->n_owners; i++)
		if (!creds_owner_ok(in->owners[i]))
			e = OV_EINVAL;
	if (e != OV_OK || in->n_owners > OWNERS_MAX) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"tenant_id and owners (at most %d user ids "
				"or \"main\") are required",
				OWNERS_MAX);
		goto out;
	}
	if (!(lit = text_array((const char *const *)in->owners,
			       in->n_owners))) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	struct ov_db *db = registrar_db(app, req->deadline_ms);
	if (!db) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	const char *p[] = {req->tenant_id, lit};
	e = ov_db_exec(db, "contacts_get", 2, p, &res);
	ov_db_release(app->pool, db);
	if (e != OV_OK) {
		ov_bus_fail(rep, e, "database");
		goto out;
	}
	size_t rows = (size_t)PQntuples(res);
	reach = calloc(rows + 1, sizeof(*reach));
	rptrs = calloc(rows + 1, sizeof(*rptrs));
	bs = calloc(rows + 1, sizeof(*bs));
	bptrs = calloc(rows + 1, sizeof(*bptrs));
	if (!reach || !rptrs || !bs || !bptrs) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	/* Rows come grouped by owner; an owner's bindings are adjacent. */
	size_t nb = 0;
	for (size_t i = 0; i < rows; i++) {
		const char *owner = PQgetvalue(res, (int)i, 0);
		Ov__Registrar__Reach *r =
			out.n_reach ? rptrs[out.n_reach - 1] : NULL;
		if (!r || strcmp(r->owner, owner) != 0) {
			r = &reach[out.n_reach];
			ov__registrar__reach__init(r);
			r->owner = (char *)owner;
			r->presence = PQgetvalue(res, (int)i, 1);
			r->bindings = &bptrs[nb];
			rptrs[out.n_reach++] = r;
		}
		if (PQgetisnull(res, (int)i, 2))
			continue;
		registrar_binding_row(res, (int)i, 2, &bs[nb]);
		bptrs[nb] = &bs[nb];
		nb++;
		r->n_bindings++;
	}
	out.reach = rptrs;
	e = ov_bus_reply_pack(rep, &out.base);
out:
	PQclear(res);
	free(lit);
	free(reach);
	free(rptrs);
	free(bs);
	free(bptrs);
	ov__registrar__contacts_request__free_unpacked(in, NULL);
	return e;
}

/* devices.list: one owner's devices, each with its live bindings. */
enum ov_err registrar_devices(const struct ov_bus_req *req,
			      struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__DevicesRequest *in;
	Ov__Registrar__DevicesReply out = OV__REGISTRAR__DEVICES_REPLY__INIT;
	Ov__Registrar__Device *devs = NULL, **dptrs = NULL;
	Ov__Registrar__Binding *bs = NULL, **bptrs = NULL;
	PGresult *res = NULL;
	enum ov_err e;

	in = ov__registrar__devices_request__unpack(NULL, req->body_len,
						    req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not a DevicesRequest");
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
	e = ov_db_exec(db, "devices_list", 2, p, &res);
	ov_db_release(app->pool, db);
	if (e != OV_OK) {
		ov_bus_fail(rep, e, "database");
		goto out;
	}
	size_t rows = (size_t)PQntuples(res);
	devs = calloc(rows + 1, sizeof(*devs));
	dptrs = calloc(rows + 1, sizeof(*dptrs));
	bs = calloc(rows + 1, sizeof(*bs));
	bptrs = calloc(rows + 1, sizeof(*bptrs));
	if (!devs || !dptrs || !bs || !bptrs) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	size_t nb = 0;
	for (size_t i = 0; i < rows; i++) {
		const char *name = PQgetvalue(res, (int)i, 0);
		Ov__Registrar__Device *d =
			out.n_devices ? dptrs[out.n_devices - 1] : NULL;
		if (!d || strcmp(d->device, name) != 0) {
			long at = 0;
			d = &devs[out.n_devices];
			ov__registrar__device__init(d);
			d->device = (char *)name;
			d->auth_username = PQgetvalue(res, (int)i, 1);
			ov_parse_long(PQgetvalue(res, (int)i, 2), 0, 1L << 40,
				      &at);
			d->created_at = at;
			d->bindings = &bptrs[nb];
			dptrs[out.n_devices++] = d;
		}
		if (PQgetisnull(res, (int)i, 3))
			continue;
		registrar_binding_row(res, (int)i, 3, &bs[nb]);
		bptrs[nb] = &bs[nb];
		nb++;
		d->n_bindings++;
	}
	out.devices = dptrs;
	e = ov_bus_reply_pack(rep, &out.base);
out:
	PQclear(res);
	free(devs);
	free(dptrs);
	free(bs);
	free(bptrs);
	ov__registrar__devices_request__free_unpacked(in, NULL);
	return e;
}

/* binding.drop: the edge lost a binding it pinged (docs/registrar.md,
 * "Bindings the edge lost"). The tenant is the AOR's domain's; the row
 * goes only while it is the registration the edge saw. */
enum ov_err registrar_drop(const struct ov_bus_req *req,
			   struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__DropRequest *in;
	Ov__Registrar__DropReply out = OV__REGISTRAR__DROP_REPLY__INIT;
	char key[CREDS_AOR_USER_MAX + 1 + CREDS_DOMAIN_MAX + 1];
	char aor[sizeof(key) + 4], cseq[16];
	PGresult *res = NULL;
	enum ov_err e;

	in = ov__registrar__drop_request__unpack(NULL, req->body_len,
						 req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL, "body is not a DropRequest");
	/* The edge's keepalive list holds "user@domain". */
	char given[sizeof(aor)];
	snprintf(given, sizeof(given), "%s%s",
		 strncasecmp(in->aor, "sip", 3) ? "sip:" : "", in->aor);
	const char *k = aor_key(given, key, sizeof(key));
	const char *domain = k ? strchr(k, '@') : NULL;
	if (!domain || domain == k || !creds_domain_ok(domain + 1) ||
	    !in->contact[0] || strlen(in->contact) >= CONTACT_URI_MAX ||
	    !creds_text_ok(in->call_id, 255)) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"aor (user@domain), contact and call_id are "
				"required");
		goto out;
	}
	snprintf(aor, sizeof(aor), "sip:%s", k);
	snprintf(cseq, sizeof(cseq), "%u", in->cseq);
	struct ov_db *db = registrar_db(app, req->deadline_ms);
	if (!db) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	const char *p[] = {domain + 1, aor, in->contact, in->call_id, cseq};
	e = ov_db_exec(db, "binding_drop", 5, p, &res);
	ov_db_release(app->pool, db);
	if (e != OV_OK) {
		ov_bus_fail(rep, e, "database");
		goto out;
	}
	if (PQntuples(res) > 0) {
		struct ov_log_ctx ctx = {PQgetvalue(res, 0, 0),
					 req->log.request_id};
		out.removed = true;
		out.tenant_id = PQgetvalue(res, 0, 0);
		out.owner = PQgetvalue(res, 0, 1);
		ov_counter_add(app->m.lost, 1);
		registrar_reach_publish(app, out.tenant_id, out.owner);
		ov_logc_info(&ctx, "binding.lost", OV_LS("owner", out.owner),
			     OV_LS("device", PQgetvalue(res, 0, 2)),
			     OV_LS("aor", aor), OV_LS("contact", in->contact));
	}
	e = ov_bus_reply_pack(rep, &out.base);
out:
	PQclear(res);
	ov__registrar__drop_request__free_unpacked(in, NULL);
	return e;
}
