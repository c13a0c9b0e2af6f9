/*
 * Bindings: binding.save (a REGISTER that passed authentication),
 * contacts.get (the router's view of who is reachable) and devices.list
 * (a person's devices, for the admin API).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registrar.h"
#include "store.h"
#include "svc.h"

#define OWNERS_MAX 1000
#define SAVE_EVENTS_MAX 64

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

/* What one REGISTER did, logged once it is committed. */
struct save_event {
	const char *event; /* binding.saved, binding.removed */
	const char *reason;
	char contact[CONTACT_URI_MAX];
	long long expires;
	bool fresh;
};

struct save {
	struct registrar *app;
	struct ov_db *db;
	const struct ov_bus_req *req;
	const Ov__Registrar__SaveRequest *in;
	char aor[CREDS_AOR_USER_MAX + CREDS_DOMAIN_MAX + 8];
	char cseq[16];
	struct save_event ev[SAVE_EVENTS_MAX];
	size_t n_ev;
	size_t more; /* events beyond the buffer: counted only */
	unsigned saved, removed, dropped, stale;
};

static void note(struct save *s, const char *event, const char *reason,
		 const char *contact, long long expires, bool fresh)
{
	if (s->n_ev == SAVE_EVENTS_MAX) {
		s->more++;
		return;
	}
	struct save_event *e = &s->ev[s->n_ev++];
	e->event = event;
	e->reason = reason;
	snprintf(e->contact, sizeof(e->contact), "%s", contact);
	e->expires = expires;
	e->fresh = fresh;
}

static void log_events(const struct save *s)
{
	for (size_t i = 0; i < s->n_ev; i++) {
		const struct save_event *e = &s->ev[i];
		if (e->reason)
			ov_logc_info(&s->req->log, e->event,
				     OV_LS("owner", s->in->owner),
				     OV_LS("device", s->in->device),
				     OV_LS("aor", s->aor),
				     OV_LS("contact", e->contact),
				     OV_LS("reason", e->reason));
		else
			ov_logc_info(&s->req->log, e->event,
				     OV_LS("owner", s->in->owner),
				     OV_LS("device", s->in->device),
				     OV_LS("aor", s->aor),
				     OV_LS("contact", e->contact),
				     OV_LI("expires", e->expires),
				     OV_LB("new", e->fresh));
	}
	if (s->more)
		ov_logc_info(&s->req->log, "binding.more_changes",
			     OV_LS("aor", s->aor),
			     OV_LI("events", (long long)s->more));
}

/* Removed rows (first column: the contact) into the events. */
static unsigned note_rows(struct save *s, PGresult *res, const char *reason)
{
	int n = PQntuples(res);

	for (int i = 0; i < n; i++)
		note(s, "binding.removed", reason, PQgetvalue(res, i, 0), 0,
		     false);
	return (unsigned)n;
}

static enum ov_err save_star(struct save *s)
{
	PGresult *res = NULL;
	const char *p[] = {s->req->tenant_id, s->aor, s->in->device,
			   s->in->call_id, s->cseq};
	enum ov_err e = ov_db_exec(s->db, "binding_delete_device", 5, p, &res);

	if (e == OV_OK)
		s->removed += note_rows(s, res, "star");
	PQclear(res);
	return e;
}

static enum ov_err save_remove(struct save *s, const struct contact *c)
{
	PGresult *res = NULL;
	const char *p[] = {s->req->tenant_id, s->aor, c->uri, s->in->call_id,
			   s->cseq};
	enum ov_err e = ov_db_exec(s->db, "binding_delete", 5, p, &res);

	if (e == OV_OK) {
		if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
			s->removed++;
			note(s, "binding.removed", "expires0", c->uri, 0,
			     false);
		} else if (strcmp(PQgetvalue(res, 0, 1), "0") != 0) {
			s->stale++;
		}
	}
	PQclear(res);
	return e;
}

static enum ov_err save_one(struct save *s, const struct contact *c)
{
	const Ov__Registrar__SaveRequest *in = s->in;
	PGresult *res = NULL;
	char secs[16];

	snprintf(secs, sizeof(secs), "%u", c->seconds);
	const char *p[] = {s->req->tenant_id,
			   in->owner,
			   in->device,
			   s->aor,
			   c->uri,
			   c->instance,
			   in->received,
			   in->path,
			   in->user_agent,
			   in->call_id,
			   s->cseq,
			   secs};
	enum ov_err e = ov_db_exec(s->db, "binding_upsert", 12, p, &res);
	if (e != OV_OK)
		return e;
	if (PQntuples(res) == 0) {
		s->stale++;
		PQclear(res);
		return OV_OK;
	}
	s->saved++;
	note(s, "binding.saved", NULL, c->uri, c->seconds,
	     PQgetvalue(res, 0, 0)[0] == 't');
	PQclear(res);
	if (!c->instance[0])
		return OV_OK;
	const char *q[] = {s->req->tenant_id, s->aor, c->instance, c->uri};
	e = ov_db_exec(s->db, "binding_instance_replace", 4, q, &res);
	if (e == OV_OK)
		s->dropped += note_rows(s, res, "replaced");
	PQclear(res);
	return e;
}

/* The least recently refreshed bindings beyond the limit go. */
static enum ov_err save_trim(struct save *s)
{
	PGresult *res = NULL;
	char max[16];

	snprintf(max, sizeof(max), "%d", s->app->cfg.max_contacts);
	const char *p[] = {s->req->tenant_id, s->aor, max};
	enum ov_err e = ov_db_exec(s->db, "binding_trim", 3, p, &res);
	if (e == OV_OK)
		s->dropped += note_rows(s, res, "limit");
	PQclear(res);
	return e;
}

/* The AOR the edge named is the device's (sip: or sips:, any case, URI
 * parameters aside); "" takes the device's. */
static bool aor_matches(const char *given, const char *canonical)
{
	const char *g = given, *c = canonical + 4; /* after "sip:" */

	if (!*given)
		return true;
	if (strncasecmp(g, "sip:", 4) == 0)
		g += 4;
	else if (strncasecmp(g, "sips:", 5) == 0)
		g += 5;
	else
		return false;
	size_t n = strcspn(g, ";?");
	return n == strlen(c) && strncasecmp(g, c, n) == 0;
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
	return NULL;
}

/* The device's AOR, from its row; ENOTFOUND when no such device. */
static enum ov_err device_aor(struct save *s, struct ov_bus_reply *rep)
{
	PGresult *res = NULL;
	const char *p[] = {s->req->tenant_id, s->in->owner, s->in->device};
	enum ov_err e = ov_db_exec(s->db, "device_get", 3, p, &res);

	if (e != OV_OK)
		return ov_bus_fail(rep, e, "database");
	if (PQntuples(res) != 1) {
		PQclear(res);
		return ov_bus_fail(rep, OV_ENOTFOUND, "no such device");
	}
	snprintf(s->aor, sizeof(s->aor), "sip:%s@%s", PQgetvalue(res, 0, 0),
		 PQgetvalue(res, 0, 1));
	PQclear(res);
	if (!aor_matches(s->in->aor, s->aor))
		return ov_bus_fail(rep, OV_EPERM, "%s is not the device's AOR",
				   s->in->aor);
	return OV_OK;
}

/* The AOR's bindings now, into the reply (res is kept by the caller
 * until the reply is packed). */
static enum ov_err save_reply(struct save *s, PGresult **res,
			      Ov__Registrar__SaveReply *out,
			      Ov__Registrar__Binding **bs,
			      Ov__Registrar__Binding ***ptrs)
{
	const char *p[] = {s->req->tenant_id, s->aor};
	enum ov_err e = ov_db_exec(s->db, "aor_bindings", 2, p, res);

	if (e != OV_OK)
		return e;
	size_t n = (size_t)PQntuples(*res);
	*bs = calloc(n + 1, sizeof(**bs));
	*ptrs = calloc(n + 1, sizeof(**ptrs));
	if (!*bs || !*ptrs)
		return OV_EEXHAUSTED;
	for (size_t i = 0; i < n; i++) {
		registrar_binding_row(*res, (int)i, 0, &(*bs)[i]);
		(*ptrs)[i] = &(*bs)[i];
	}
	out->n_bindings = n;
	out->bindings = *ptrs;
	out->stale = s->stale;
	out->dropped = s->dropped;
	return OV_OK;
}

static enum ov_err save_tx(struct save *s, struct contact_list *l,
			   struct ov_bus_reply *rep)
{
	Ov__Registrar__SaveReply out = OV__REGISTRAR__SAVE_REPLY__INIT;
	Ov__Registrar__Binding *bs = NULL, **ptrs = NULL;
	PGresult *res = NULL;
	enum ov_err e = ov_db_begin(s->db);

	if (e != OV_OK)
		return ov_bus_fail(rep, e, "database");
	if ((e = device_aor(s, rep)) != OV_OK) {
		ov_db_rollback(s->db);
		return e;
	}
	const char *p[] = {s->req->tenant_id, s->aor};
	e = ov_db_exec(s->db, "aor_lock", 2, p, &res);
	PQclear(res);
	res = NULL;
	if (e == OV_OK && l->star)
		e = save_star(s);
	for (size_t i = 0; e == OV_OK && i < l->n; i++)
		e = l->c[i].seconds ? save_one(s, &l->c[i])
				    : save_remove(s, &l->c[i]);
	if (e == OV_OK)
		e = save_trim(s);
	if (e == OV_OK)
		e = save_reply(s, &res, &out, &bs, &ptrs);
	if (e == OV_OK)
		e = ov_db_commit(s->db);
	if (e != OV_OK)
		ov_db_rollback(s->db);
	if (e == OV_OK)
		e = ov_bus_reply_pack(rep, &out.base);
	else
		ov_bus_fail(rep, e, "database");
	PQclear(res);
	free(bs);
	free(ptrs);
	return e;
}

/* Did who is reachable change (not just an expiry extended)? */
static bool save_changed(const struct save *s)
{
	if (s->removed || s->dropped || s->more)
		return true;
	for (size_t i = 0; i < s->n_ev; i++)
		if (s->ev[i].fresh)
			return true;
	return false;
}

enum ov_err registrar_save(const struct ov_bus_req *req,
			   struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct registrar *app = rt->state;
	Ov__Registrar__SaveRequest *in;
	struct contact_list *l = NULL;
	struct save *s = NULL;
	char why[160];
	enum ov_err e;

	in = ov__registrar__save_request__unpack(NULL, req->body_len,
						 req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL, "body is not a SaveRequest");
	const char *bad = save_invalid(req, in);
	if (bad) {
		e = ov_bus_fail(rep, OV_EINVAL, "%s", bad);
		goto out;
	}
	l = malloc(sizeof(*l));
	s = calloc(1, sizeof(*s));
	if (!l || !s) {
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
	s->app = app;
	s->req = req;
	s->in = in;
	snprintf(s->cseq, sizeof(s->cseq), "%u", in->cseq);
	s->db = registrar_db(app, req->deadline_ms);
	if (!s->db) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	e = save_tx(s, l, rep);
	ov_db_release(app->pool, s->db);
	if (e == OV_OK) {
		if (save_changed(s))
			registrar_reach_publish(app, req->tenant_id, in->owner);
		log_events(s);
		ov_counter_add(app->m.saved, s->saved);
		ov_counter_add(app->m.removed, s->removed);
		ov_counter_add(app->m.dropped, s->dropped);
		ov_counter_add(app->m.stale, s->stale);
	}
out:
	free(l);
	free(s);
	ov__registrar__save_request__free_unpacked(in, NULL);
	return e;
}

/* "{a,b}" from owners already checked (UUIDs or "main": no quoting). */
static char *owners_literal(char **owners, size_t n)
{
	size_t size = 3 + n * 37;
	char *lit = malloc(size), *w = lit;

	if (!lit)
		return NULL;
	*w++ = '{';
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(owners[i]);
		if (i)
			*w++ = ',';
		memcpy(w, owners[i], len);
		w += len;
	}
	*w++ = '}';
	*w = '\0';
	return lit;
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
	if (!(lit = owners_literal(in->owners, in->n_owners))) {
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
