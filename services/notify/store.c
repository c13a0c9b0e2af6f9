#include "store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cfg.h"
#include "log.h"

/* The columns of enum notify_col; times as RFC 3339 in UTC. */
#define UTC "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define MAIL_COLS                                                              \
	"o.id, o.kind, o.recipient, o.language, d.state, d.attempts, "         \
	"coalesce(d.last_error, ''), coalesce(d.smtp_code, 0), "               \
	"to_char(o.created_at " UTC ", "                                       \
	"coalesce(to_char(d.sent_at " UTC ", ''), "                            \
	"CASE WHEN d.state IN ('queued', 'sending') "                          \
	"THEN to_char(d.next_attempt_at " UTC " ELSE '' END, "                 \
	"d.message_id"

const struct ov_db_stmt notify_stmts[] = {
	/* New outbox rows get a delivery. The window reaches back from the
	 * newest adopted id, for rows whose transaction committed after a
	 * later id's; with window 0 it reaches everything. */
	{"adopt",
	 "INSERT INTO notify.deliveries (outbox_id, tenant_id, message_id, "
	 "created_at) "
	 "SELECT o.id, o.tenant_id, '<outbox-' || o.id || '.ovunque@' || $2 "
	 "|| '>', o.created_at FROM admin.outbox o "
	 "WHERE ($1::bigint = 0 OR o.id > (SELECT coalesce(max(outbox_id), 0) "
	 "FROM notify.deliveries) - $1::bigint) "
	 "AND NOT EXISTS (SELECT 1 FROM notify.deliveries d "
	 "WHERE d.outbox_id = o.id) "
	 "ORDER BY o.id ON CONFLICT (outbox_id) DO NOTHING",
	 2},
	/* Due rows (queued and due, or sending with an expired lease),
	 * locked with SKIP LOCKED so replicas never take the same row. */
	{"claim",
	 "WITH c AS (SELECT outbox_id FROM notify.deliveries "
	 "WHERE state IN ('queued', 'sending') AND next_attempt_at <= now() "
	 "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
	 "UPDATE notify.deliveries d SET state = 'sending', "
	 "attempts = d.attempts + 1, claimed_by = $2, "
	 "lease_until = now() + make_interval(secs => $3::float8), "
	 "next_attempt_at = now() + make_interval(secs => $3::float8), "
	 "updated_at = now() "
	 "FROM c, admin.outbox o "
	 "WHERE d.outbox_id = c.outbox_id AND o.id = d.outbox_id "
	 "RETURNING d.outbox_id, d.attempts, d.message_id, "
	 "coalesce(o.tenant_id::text, ''), o.kind, o.recipient, o.language, "
	 "o.params::text",
	 3},
	/* An attempt's result, only while the claim is still ours; sent and
	 * failed erase the secrets in the same statement. */
	{"finish",
	 "WITH d AS (UPDATE notify.deliveries SET state = $4, "
	 "smtp_code = $5::integer, last_error = nullif($6, ''), "
	 "sent_at = CASE WHEN $4 = 'sent' THEN now() END, "
	 "next_attempt_at = now() + make_interval(secs => $7::float8 / 1000), "
	 "lease_until = NULL, updated_at = now() "
	 "WHERE outbox_id = $1 AND claimed_by = $2 AND attempts = $3 "
	 "AND state = 'sending' RETURNING outbox_id, state), "
	 "e AS (UPDATE admin.outbox o "
	 "SET params = o.params - 'password' - 'code' "
	 "FROM d WHERE o.id = d.outbox_id AND d.state IN ('sent', 'failed')) "
	 "SELECT count(*) FROM d",
	 7},
	{"release",
	 "UPDATE notify.deliveries SET state = 'queued', "
	 "attempts = greatest(attempts - 1, 0), next_attempt_at = now(), "
	 "lease_until = NULL, claimed_by = NULL, updated_at = now() "
	 "WHERE outbox_id = ANY($2::bigint[]) AND claimed_by = $1 "
	 "AND state = 'sending'",
	 2},
	{"next_due",
	 "SELECT greatest(0, extract(epoch FROM min(d.next_attempt_at) - "
	 "clock_timestamp()) * 1000)::bigint FROM notify.deliveries d "
	 "JOIN admin.outbox o ON o.id = d.outbox_id "
	 "WHERE d.state IN ('queued', 'sending')",
	 0},
	{"gc",
	 "DELETE FROM notify.deliveries d WHERE NOT EXISTS "
	 "(SELECT 1 FROM admin.outbox o WHERE o.id = d.outbox_id)",
	 0},
	{"counts",
	 "SELECT (SELECT count(*) FROM notify.deliveries "
	 "WHERE state IN ('queued', 'sending')), "
	 "(SELECT count(*) FROM notify.deliveries WHERE state = 'failed')",
	 0},

	/* bus methods: always scoped by the envelope's tenant */
	{"mail_list",
	 "SELECT " MAIL_COLS " FROM notify.deliveries d "
	 "JOIN admin.outbox o ON o.id = d.outbox_id "
	 "WHERE d.tenant_id = $1 AND ($2 = '' OR d.state = $2) "
	 "AND ($3::bigint = 0 OR d.outbox_id < $3::bigint) "
	 "ORDER BY d.outbox_id DESC LIMIT $4",
	 4},
	{"mail_get",
	 "SELECT " MAIL_COLS " FROM notify.deliveries d "
	 "JOIN admin.outbox o ON o.id = d.outbox_id "
	 "WHERE d.tenant_id = $1 AND d.outbox_id = $2",
	 2},
	{"mail_resend_check",
	 "SELECT d.state, o.kind, o.params ? 'password', o.params ? 'code' "
	 "FROM notify.deliveries d JOIN admin.outbox o ON o.id = d.outbox_id "
	 "WHERE d.tenant_id = $1 AND d.outbox_id = $2",
	 2},
	{"mail_resend",
	 "WITH u AS (UPDATE notify.deliveries SET state = 'queued', "
	 "attempts = 0, next_attempt_at = now(), lease_until = NULL, "
	 "claimed_by = NULL, last_error = NULL, smtp_code = NULL, "
	 "updated_at = now() "
	 "WHERE tenant_id = $1 AND outbox_id = $2 AND state = 'failed' "
	 "RETURNING outbox_id) "
	 "SELECT outbox_id, pg_notify('ov_outbox', outbox_id::text) FROM u",
	 2},
};
const size_t notify_n_stmts = sizeof(notify_stmts) / sizeof(notify_stmts[0]);

static long long as_ll(const char *s)
{
	long v = 0;
	ov_parse_long(s, LONG_MIN, LONG_MAX, &v);
	return v;
}

enum ov_err notify_store_adopt(struct ov_db *db, long long window,
			       const char *domain, long *adopted)
{
	char w[24];
	PGresult *r = NULL;

	snprintf(w, sizeof(w), "%lld", window);
	const char *p[] = {w, domain};
	enum ov_err e = ov_db_exec(db, "adopt", 2, p, &r);
	*adopted = e == OV_OK ? (long)as_ll(PQcmdTuples(r)) : 0;
	PQclear(r);
	return e;
}

void notify_job_free(struct notify_job *j)
{
	if (!j)
		return;
	if (j->params) {
		sodium_memzero(j->params, strlen(j->params));
		free(j->params);
	}
	free(j);
}

static struct notify_job *job_from(PGresult *r, int i)
{
	struct notify_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->id = as_ll(PQgetvalue(r, i, 0));
	j->attempt = (unsigned)as_ll(PQgetvalue(r, i, 1));
	snprintf(j->message_id, sizeof(j->message_id), "%s",
		 PQgetvalue(r, i, 2));
	snprintf(j->tenant, sizeof(j->tenant), "%s", PQgetvalue(r, i, 3));
	snprintf(j->kind, sizeof(j->kind), "%s", PQgetvalue(r, i, 4));
	snprintf(j->recipient, sizeof(j->recipient), "%s", PQgetvalue(r, i, 5));
	snprintf(j->language, sizeof(j->language), "%s", PQgetvalue(r, i, 6));
	j->params = strdup(PQgetvalue(r, i, 7));
	/* libpq's copy is freed by PQclear; ours is wiped on free. */
	sodium_memzero(PQgetvalue(r, i, 7), (size_t)PQgetlength(r, i, 7));
	if (!j->params) {
		free(j);
		return NULL;
	}
	return j;
}

enum ov_err notify_store_claim(struct ov_db *db, const char *me, unsigned n,
			       unsigned lease_s, struct notify_job ***jobs,
			       size_t *got)
{
	char ns[16], ls[16];
	PGresult *r = NULL;

	*jobs = NULL;
	*got = 0;
	snprintf(ns, sizeof(ns), "%u", n);
	snprintf(ls, sizeof(ls), "%u", lease_s);
	const char *p[] = {ns, me, ls};
	enum ov_err e = ov_db_exec(db, "claim", 3, p, &r);
	if (e != OV_OK)
		return e;
	int rows = PQntuples(r);
	if (rows > 0) {
		*jobs = calloc((size_t)rows, sizeof(**jobs));
		for (int i = 0; *jobs && i < rows; i++) {
			struct notify_job *j = job_from(r, i);
			if (j)
				(*jobs)[(*got)++] = j;
		}
		/* Rows we could not hold in memory come back when their
		 * lease ends. */
	}
	PQclear(r);
	return OV_OK;
}

enum ov_err notify_store_finish(struct ov_db *db, const struct notify_job *j,
				const char *me, const struct notify_result *res,
				bool *ours)
{
	char id[24], att[16], code[16], delay[16];
	PGresult *r = NULL;

	snprintf(id, sizeof(id), "%lld", j->id);
	snprintf(att, sizeof(att), "%u", j->attempt);
	snprintf(code, sizeof(code), "%ld", res->smtp_code);
	snprintf(delay, sizeof(delay), "%u", res->delay_ms);
	const char *p[] = {id, me, att, res->state, code, res->error, delay};
	enum ov_err e = ov_db_exec(db, "finish", 7, p, &r);
	*ours = e == OV_OK && PQntuples(r) == 1 &&
		as_ll(PQgetvalue(r, 0, 0)) == 1;
	PQclear(r);
	return e;
}

enum ov_err notify_store_release(struct ov_db *db, const char *me,
				 struct notify_job *const *jobs, size_t n)
{
	PGresult *r = NULL;
	size_t size = 3 + n * 21, len = 0;
	char *ids = malloc(size);

	if (!ids)
		return OV_EEXHAUSTED;
	ids[len++] = '{';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(ids + len, size - len, "%s%lld", i ? "," : "",
				 jobs[i]->id);
		if (w > 0)
			len += (size_t)w;
	}
	snprintf(ids + len, size - len, "}");
	const char *p[] = {me, ids};
	enum ov_err e = ov_db_exec(db, "release", 2, p, &r);
	PQclear(r);
	free(ids);
	return e;
}

enum ov_err notify_store_next_due(struct ov_db *db, long *ms)
{
	PGresult *r = NULL;
	enum ov_err e = ov_db_exec(db, "next_due", 0, NULL, &r);

	*ms = -1;
	if (e == OV_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		*ms = (long)as_ll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return e;
}

enum ov_err notify_store_gc(struct ov_db *db, long *deleted)
{
	PGresult *r = NULL;
	enum ov_err e = ov_db_exec(db, "gc", 0, NULL, &r);

	*deleted = e == OV_OK ? (long)as_ll(PQcmdTuples(r)) : 0;
	PQclear(r);
	return e;
}

enum ov_err notify_store_counts(struct ov_db *db, uint64_t *queued,
				uint64_t *failed)
{
	PGresult *r = NULL;
	enum ov_err e = ov_db_exec(db, "counts", 0, NULL, &r);

	*queued = *failed = 0;
	if (e == OV_OK && PQntuples(r) == 1) {
		*queued = (uint64_t)as_ll(PQgetvalue(r, 0, 0));
		*failed = (uint64_t)as_ll(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return e;
}

enum ov_err notify_store_list(struct ov_db *db, const char *tenant,
			      unsigned limit, const char *state,
			      uint64_t before_id, PGresult **res)
{
	char lim[16], before[24];

	snprintf(lim, sizeof(lim), "%u", limit);
	snprintf(before, sizeof(before), "%llu", (unsigned long long)before_id);
	const char *p[] = {tenant, state, before, lim};
	return ov_db_exec(db, "mail_list", 4, p, res);
}

enum ov_err notify_store_get(struct ov_db *db, const char *tenant, uint64_t id,
			     PGresult **res)
{
	char ids[24];

	snprintf(ids, sizeof(ids), "%llu", (unsigned long long)id);
	const char *p[] = {tenant, ids};
	return ov_db_exec(db, "mail_get", 2, p, res);
}

enum ov_err notify_store_resend(struct ov_db *db, const char *tenant,
				uint64_t id, enum notify_resend *outcome,
				char *state, size_t state_size)
{
	char ids[24];
	PGresult *r = NULL;

	*outcome = NOTIFY_RESEND_NOT_FOUND;
	state[0] = '\0';
	snprintf(ids, sizeof(ids), "%llu", (unsigned long long)id);
	const char *p[] = {tenant, ids};
	enum ov_err e = ov_db_exec(db, "mail_resend_check", 2, p, &r);
	if (e != OV_OK || PQntuples(r) != 1)
		goto out;
	snprintf(state, state_size, "%s", PQgetvalue(r, 0, 0));
	const char *secret = notify_kind_secret(PQgetvalue(r, 0, 1));
	bool has = secret && strcmp(secret, "password") == 0
			   ? strcmp(PQgetvalue(r, 0, 2), "t") == 0
			   : strcmp(PQgetvalue(r, 0, 3), "t") == 0;
	if (strcmp(state, "failed") != 0) {
		*outcome = NOTIFY_RESEND_NOT_FAILED;
		goto out;
	}
	if (secret && !has) {
		*outcome = NOTIFY_RESEND_SECRET_GONE;
		goto out;
	}
	PQclear(r);
	r = NULL;
	e = ov_db_exec(db, "mail_resend", 2, p, &r);
	/* A replica may have raced us; then it is no longer failed. */
	if (e == OV_OK)
		*outcome = PQntuples(r) == 1 ? NOTIFY_RESEND_OK
					     : NOTIFY_RESEND_NOT_FAILED;
out:
	PQclear(r);
	return e;
}

PGconn *notify_store_listen(const char *url)
{
	PGconn *c = PQconnectdb(url);

	if (PQstatus(c) != CONNECTION_OK) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		msg[strcspn(msg, "\n")] = '\0';
		ov_log_warn("notify.listen_failed", OV_LS("error", msg));
		PQfinish(c);
		return NULL;
	}
	PGresult *r = PQexec(c, "LISTEN ov_outbox");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		ov_log_warn("notify.listen_failed",
			    OV_LS("error", "LISTEN refused"));
		PQfinish(c);
		return NULL;
	}
	ov_log_info("notify.listening", OV_LS("channel", "ov_outbox"));
	return c;
}

int notify_store_notified(PGconn *c)
{
	PGnotify *n;
	int count = 0;

	if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK)
		return -1;
	while ((n = PQnotifies(c))) {
		count++;
		PQfreemem(n);
	}
	return count;
}
