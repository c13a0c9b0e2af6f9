/* Bus methods of the notify service: a tenant's mails and resend. The
 * tenant is always the envelope's, and every statement is scoped by it. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cfg.h"
#include "notify.h"
#include "notify.pb-c.h"
#include "store.h"
#include "svc.h"

#define LIST_DEFAULT 50
#define LIST_MAX 500
#define DB_WAIT_MS 2000

static bool state_ok(const char *s)
{
	return !s[0] || strcmp(s, "queued") == 0 || strcmp(s, "sending") == 0 ||
	       strcmp(s, "sent") == 0 || strcmp(s, "failed") == 0;
}

static unsigned long long col_u(PGresult *r, int row, enum notify_col c)
{
	long v = 0;
	ov_parse_long(PQgetvalue(r, row, (int)c), 0, 0x7fffffffffffffffL, &v);
	return (unsigned long long)v;
}

/* Points m's strings into r: valid until r is cleared. */
static void mail_from(PGresult *r, int row, Ov__Notify__Mail *m)
{
	ov__notify__mail__init(m);
	m->id = col_u(r, row, NOTIFY_COL_ID);
	m->kind = PQgetvalue(r, row, NOTIFY_COL_KIND);
	m->recipient = PQgetvalue(r, row, NOTIFY_COL_RECIPIENT);
	m->language = PQgetvalue(r, row, NOTIFY_COL_LANGUAGE);
	m->state = PQgetvalue(r, row, NOTIFY_COL_STATE);
	m->attempts = (uint32_t)col_u(r, row, NOTIFY_COL_ATTEMPTS);
	m->last_error = PQgetvalue(r, row, NOTIFY_COL_LAST_ERROR);
	m->smtp_code = (uint32_t)col_u(r, row, NOTIFY_COL_SMTP_CODE);
	m->created_at = PQgetvalue(r, row, NOTIFY_COL_CREATED_AT);
	m->sent_at = PQgetvalue(r, row, NOTIFY_COL_SENT_AT);
	m->next_attempt_at = PQgetvalue(r, row, NOTIFY_COL_NEXT_AT);
	m->message_id = PQgetvalue(r, row, NOTIFY_COL_MESSAGE_ID);
}

static enum ov_err mail_list(const struct ov_bus_req *req,
			     struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct notify *app = rt->state;
	Ov__Notify__ListRequest *in = NULL;
	Ov__Notify__ListReply out = OV__NOTIFY__LIST_REPLY__INIT;
	Ov__Notify__Mail *mails = NULL, **ptrs = NULL;
	PGresult *res = NULL;
	struct ov_db *db = NULL;
	enum ov_err e;

	if (!g_uuid_string_is_valid(req->tenant_id))
		return ov_bus_fail(rep, OV_EINVAL,
				   "tenant_id must be a tenant's id");
	in = ov__notify__list_request__unpack(NULL, req->body_len, req->body);
	if (!in)
		return ov_bus_fail(rep, OV_EINVAL,
				   "body is not an ov.notify.ListRequest");
	unsigned limit = in->limit ? in->limit : LIST_DEFAULT;
	if (limit > LIST_MAX || !state_ok(in->state)) {
		e = ov_bus_fail(rep, OV_EINVAL,
				"limit is 1 to %d; state is queued, sending, "
				"sent or failed",
				LIST_MAX);
		goto out;
	}
	if (!(db = ov_db_acquire(app->pool, DB_WAIT_MS))) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	e = notify_store_list(db, req->tenant_id, limit, in->state,
			      in->before_id, &res);
	if (e != OV_OK) {
		ov_bus_fail(rep, e, "could not read the mails");
		goto out;
	}
	size_t n = (size_t)PQntuples(res);
	mails = calloc(n ? n : 1, sizeof(*mails));
	ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	if (!mails || !ptrs) {
		e = ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		mail_from(res, (int)i, &mails[i]);
		ptrs[i] = &mails[i];
	}
	out.n_mails = n;
	out.mails = ptrs;
	e = ov_bus_reply_pack(rep, &out.base);
out:
	PQclear(res);
	ov_db_release(app->pool, db);
	free(mails);
	free(ptrs);
	ov__notify__list_request__free_unpacked(in, NULL);
	return e;
}

static enum ov_err mail_resend(const struct ov_bus_req *req,
			       struct ov_bus_reply *rep, void *arg)
{
	struct ov_svc_rt *rt = arg;
	struct notify *app = rt->state;
	Ov__Notify__ResendRequest *in = NULL;
	Ov__Notify__ResendReply out = OV__NOTIFY__RESEND_REPLY__INIT;
	Ov__Notify__Mail mail;
	PGresult *res = NULL;
	struct ov_db *db = NULL;
	enum notify_resend outcome;
	char state[16];
	enum ov_err e;

	if (!g_uuid_string_is_valid(req->tenant_id))
		return ov_bus_fail(rep, OV_EINVAL,
				   "tenant_id must be a tenant's id");
	in = ov__notify__resend_request__unpack(NULL, req->body_len, req->body);
	if (!in || !in->id) {
		e = ov_bus_fail(rep, OV_EINVAL, "id is required");
		goto out;
	}
	if (!(db = ov_db_acquire(app->pool, DB_WAIT_MS))) {
		e = ov_bus_fail(rep, OV_EUNAVAIL, "database busy");
		goto out;
	}
	e = notify_store_resend(db, req->tenant_id, in->id, &outcome, state,
				sizeof(state));
	if (e != OV_OK) {
		ov_bus_fail(rep, e, "could not read the mail");
		goto out;
	}
	unsigned long long id = (unsigned long long)in->id;
	switch (outcome) {
	case NOTIFY_RESEND_NOT_FOUND:
		e = ov_bus_fail(rep, OV_ENOTFOUND, "no mail %llu", id);
		goto out;
	case NOTIFY_RESEND_NOT_FAILED:
		e = ov_bus_fail(rep, OV_EPRECOND,
				"mail %llu is %s; only a failed mail can be "
				"resent",
				id, state[0] ? state : "no longer failed");
		goto out;
	case NOTIFY_RESEND_SECRET_GONE:
		e = ov_bus_fail(rep, OV_EPRECOND,
				"mail %llu carried a password or code that was "
				"erased when it failed; it cannot be sent "
				"again: have a new one issued (forgot "
				"password)",
				id);
		goto out;
	case NOTIFY_RESEND_OK:
		break;
	}
	ov_logc_info(&req->log, "mail.resend", OV_LI("outbox_id", (long)id));
	e = notify_store_get(db, req->tenant_id, in->id, &res);
	if (e == OV_OK && PQntuples(res) == 1) {
		mail_from(res, 0, &mail);
		out.mail = &mail;
	}
	e = ov_bus_reply_pack(rep, &out.base);
out:
	PQclear(res);
	ov_db_release(app->pool, db);
	ov__notify__resend_request__free_unpacked(in, NULL);
	return e;
}

const struct ov_bus_method notify_methods[] = {
	{"mail.list", mail_list},
	{"mail.resend", mail_resend},
};
const size_t notify_n_methods =
	sizeof(notify_methods) / sizeof(notify_methods[0]);
