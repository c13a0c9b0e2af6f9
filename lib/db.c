#include "db.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "cfg.h"
#include "log.h"

#define RECONNECT_EVERY_MS 250

struct ov_db {
	char *url;
	bool in_tx; /* no silent reconnect inside a transaction */
	char constraint[64];
	const struct ov_db_stmt *stmts;
	size_t n;
	PGconn *conn;
	bool prepared;
	uint64_t last_attempt;
	pthread_mutex_t lock;
};

static void notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static bool prepare_all(struct ov_db *db)
{
	for (size_t i = 0; i < db->n; i++) {
		PGresult *r =
			PQprepare(db->conn, db->stmts[i].name, db->stmts[i].sql,
				  db->stmts[i].nparams, NULL);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			ov_log_error("db.prepare_failed",
				     OV_LS("stmt", db->stmts[i].name),
				     OV_LS("error", PQerrorMessage(db->conn)));
		PQclear(r);
		if (!ok)
			return false;
	}
	return true;
}

/* Makes sure there is a good connection with every statement prepared;
 * called with the lock held. Rate-limited while the server is down. */
static enum ov_err ensure(struct ov_db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK && db->prepared)
		return OV_OK;
	uint64_t now = ov_now_ms();
	if (db->last_attempt && now - db->last_attempt < RECONNECT_EVERY_MS)
		return OV_EUNAVAIL;
	db->last_attempt = now;
	if (db->conn)
		PQfinish(db->conn);
	db->prepared = false;
	db->conn = PQconnectdb(db->url);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password. */
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db->conn));
		msg[strcspn(msg, "\n")] = '\0';
		ov_log_warn("db.connect_failed", OV_LS("error", msg));
		return OV_EUNAVAIL;
	}
	PQsetNoticeProcessor(db->conn, notice_quiet, NULL);
	if (!prepare_all(db))
		return OV_EINTERNAL;
	db->prepared = true;
	db->last_attempt = 0;
	ov_log_info("db.connected", OV_LI("statements", (long long)db->n));
	return OV_OK;
}

struct ov_db *ov_db_open(const char *url, const struct ov_db_stmt *stmts,
			 size_t n)
{
	struct ov_db *db = calloc(1, sizeof(*db));

	if (!db || !(db->url = strdup(url))) {
		free(db);
		return NULL;
	}
	db->stmts = stmts;
	db->n = n;
	pthread_mutex_init(&db->lock, NULL);
	pthread_mutex_lock(&db->lock);
	ensure(db);
	pthread_mutex_unlock(&db->lock);
	return db;
}

void ov_db_close(struct ov_db *db)
{
	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	pthread_mutex_destroy(&db->lock);
	free(db->url);
	free(db);
}

static enum ov_err classify(PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	if (!state)
		return OV_EUNAVAIL;
	if (strcmp(state, "23505") == 0)
		return OV_EEXIST;
	if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
		return OV_EINVAL;
	if (strcmp(state, "57014") == 0)
		return OV_ETIMEDOUT;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0)
		return OV_EUNAVAIL;
	return OV_EINTERNAL;
}

static bool ok_status(PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

enum ov_err ov_db_exec(struct ov_db *db, const char *stmt, int nparams,
		       const char *const *params, PGresult **res)
{
	return ov_db_exec_bin(db, stmt, nparams, params, NULL, res);
}

enum ov_err ov_db_exec_bin(struct ov_db *db, const char *stmt, int nparams,
			   const char *const *params, const int *lengths,
			   PGresult **res)
{
	int formats[OV_DB_MAX_PARAMS];
	enum ov_err e;

	*res = NULL;
	if (lengths) {
		if (nparams < 0 || nparams > OV_DB_MAX_PARAMS)
			return OV_EINVAL;
		for (int i = 0; i < nparams; i++)
			formats[i] = lengths[i] >= 0;
	}
	pthread_mutex_lock(&db->lock);
	db->constraint[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((e = ensure(db)) != OV_OK)
			break;
		PGresult *r =
			PQexecPrepared(db->conn, stmt, nparams, params, lengths,
				       lengths ? formats : NULL, 0);
		if (ok_status(r)) {
			*res = r;
			e = OV_OK;
			break;
		}
		e = classify(r);
		const char *cn = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
		snprintf(db->constraint, sizeof(db->constraint), "%s",
			 cn ? cn : "");
		if (PQstatus(db->conn) == CONNECTION_OK) {
			char msg[256];
			snprintf(msg, sizeof(msg), "%s",
				 PQresultErrorMessage(r));
			msg[strcspn(msg, "\n")] = '\0';
			ov_log_warn("db.exec_failed", OV_LS("stmt", stmt),
				    OV_LS("error", msg));
			PQclear(r);
			break;
		}
		/* The connection broke under us: reconnect and try once
		 * more, unless a transaction was open (it is lost). */
		PQclear(r);
		db->prepared = false;
		db->last_attempt = 0;
		if (db->in_tx) {
			db->in_tx = false;
			e = OV_EUNAVAIL;
			break;
		}
	}
	pthread_mutex_unlock(&db->lock);
	return e;
}

const char *ov_db_constraint(const struct ov_db *db)
{
	return db->constraint;
}

enum ov_err ov_db_ping(struct ov_db *db)
{
	enum ov_err e;

	pthread_mutex_lock(&db->lock);
	e = ensure(db);
	if (e == OV_OK) {
		PGresult *r = PQexec(db->conn, "SELECT 1");
		if (!ok_status(r)) {
			db->prepared = false;
			e = OV_EUNAVAIL;
		}
		PQclear(r);
	}
	pthread_mutex_unlock(&db->lock);
	return e;
}

static enum ov_err simple(struct ov_db *db, const char *sql)
{
	enum ov_err e;

	pthread_mutex_lock(&db->lock);
	e = ensure(db);
	if (e == OV_OK) {
		PGresult *r = PQexec(db->conn, sql);
		if (!ok_status(r))
			e = PQstatus(db->conn) == CONNECTION_OK ? classify(r)
								: OV_EUNAVAIL;
		PQclear(r);
	}
	pthread_mutex_unlock(&db->lock);
	return e;
}

enum ov_err ov_db_begin(struct ov_db *db)
{
	enum ov_err e = simple(db, "BEGIN");
	db->in_tx = e == OV_OK;
	return e;
}

enum ov_err ov_db_commit(struct ov_db *db)
{
	enum ov_err e = simple(db, "COMMIT");
	db->in_tx = false;
	return e;
}

void ov_db_rollback(struct ov_db *db)
{
	if (db->in_tx)
		simple(db, "ROLLBACK");
	db->in_tx = false;
}

struct ov_db_pool {
	size_t size;
	struct ov_db **all;
	struct ov_db **free_;
	size_t n_free;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

struct ov_db_pool *ov_db_pool_open(const char *url, size_t size,
				   const struct ov_db_stmt *stmts, size_t n)
{
	struct ov_db_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->all = calloc(size, sizeof(*p->all));
	p->free_ = calloc(size, sizeof(*p->free_));
	if (!p->all || !p->free_)
		goto fail;
	for (size_t i = 0; i < size; i++) {
		if (!(p->all[i] = ov_db_open(url, stmts, n)))
			goto fail;
		p->free_[p->n_free++] = p->all[i];
		p->size++;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	return p;
fail:
	for (size_t i = 0; i < p->size; i++)
		ov_db_close(p->all[i]);
	free(p->all);
	free(p->free_);
	free(p);
	return NULL;
}

void ov_db_pool_close(struct ov_db_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->size; i++)
		ov_db_close(p->all[i]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->all);
	free(p->free_);
	free(p);
}

struct ov_db *ov_db_acquire(struct ov_db_pool *p, unsigned timeout_ms)
{
	struct timespec until = ov_abstime(timeout_ms);
	struct ov_db *db = NULL;
	pthread_mutex_lock(&p->lock);
	while (p->n_free == 0)
		if (pthread_cond_timedwait(&p->cond, &p->lock, &until) != 0)
			break;
	if (p->n_free)
		db = p->free_[--p->n_free];
	pthread_mutex_unlock(&p->lock);
	return db;
}

void ov_db_release(struct ov_db_pool *p, struct ov_db *db)
{
	if (!db)
		return;
	ov_db_rollback(db); /* a handler that forgot leaves nothing open */
	pthread_mutex_lock(&p->lock);
	p->free_[p->n_free++] = db;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Runs one statement of the runner; false (logged) on failure. */
static bool run(PGconn *c, const char *sql, const char *what, PGresult **keep)
{
	PGresult *r = PQexec(c, sql);
	if (!ok_status(r)) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
		ov_log_error("db.migrate_failed", OV_LS("step", what),
			     OV_LS("error", msg));
		PQclear(r);
		return false;
	}
	if (keep)
		*keep = r;
	else
		PQclear(r);
	return true;
}

enum ov_err ov_db_migrate(struct ov_db *db, const char *schema,
			  const struct ov_migration *m, size_t n, int *version)
{
	char sql[512];
	char *ident = NULL;
	char *lit = NULL;
	PGresult *r = NULL;
	enum ov_err e = OV_EINTERNAL;
	int have = 0;

	pthread_mutex_lock(&db->lock);
	if ((e = ensure(db)) != OV_OK)
		goto out;
	e = OV_EINTERNAL;
	ident = PQescapeIdentifier(db->conn, schema, strlen(schema));
	snprintf(sql, sizeof(sql), "ov.migrate.%s", schema);
	lit = PQescapeLiteral(db->conn, sql, strlen(sql));
	if (!ident || !lit)
		goto out;
	if (!run(db->conn, "BEGIN", "begin", NULL))
		goto out;
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(hashtext(%s))",
		 lit);
	if (!run(db->conn, sql, "lock", NULL))
		goto rollback;
	snprintf(sql, sizeof(sql),
		 "CREATE SCHEMA IF NOT EXISTS %s;"
		 "CREATE TABLE IF NOT EXISTS %s.schema_migrations ("
		 " version integer PRIMARY KEY,"
		 " name text NOT NULL,"
		 " applied_at timestamptz NOT NULL DEFAULT now())",
		 ident, ident);
	if (!run(db->conn, sql, "bootstrap", NULL))
		goto rollback;
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(max(version), 0) FROM %s.schema_migrations",
		 ident);
	if (!run(db->conn, sql, "version", &r))
		goto rollback;
	long v = 0;
	ov_parse_long(PQgetvalue(r, 0, 0), 0, 1000000, &v);
	have = (int)v;
	PQclear(r);
	r = NULL;
	/* Statements in a migration see the schema first on the path. */
	snprintf(sql, sizeof(sql), "SET LOCAL search_path TO %s, public",
		 ident);
	if (!run(db->conn, sql, "search_path", NULL))
		goto rollback;
	for (size_t i = 0; i < n; i++) {
		if (m[i].version <= have)
			continue;
		if (!run(db->conn, m[i].sql, m[i].name, NULL))
			goto rollback;
		char *name =
			PQescapeLiteral(db->conn, m[i].name, strlen(m[i].name));
		if (!name)
			goto rollback;
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s.schema_migrations (version, name) "
			 "VALUES (%d, %s)",
			 ident, m[i].version, name);
		PQfreemem(name);
		if (!run(db->conn, sql, "record", NULL))
			goto rollback;
		ov_log_info("db.migrated", OV_LS("schema", schema),
			    OV_LI("version", m[i].version),
			    OV_LS("name", m[i].name));
		have = m[i].version;
	}
	if (!run(db->conn, "COMMIT", "commit", NULL))
		goto out;
	*version = have;
	e = OV_OK;
	goto out;
rollback:
	run(db->conn, "ROLLBACK", "rollback", NULL);
out:
	if (ident)
		PQfreemem(ident);
	if (lit)
		PQfreemem(lit);
	pthread_mutex_unlock(&db->lock);
	return e;
}
