/*
 * PostgreSQL through libpq: one connection with reconnect and prepared
 * statements, and the migration runner.
 *
 * Statements are registered once (name, SQL, parameter count) and
 * prepared on every (re)connection. A call that finds the connection
 * broken reconnects and retries once. Calls on one handle are
 * serialised; services that need more concurrency open several.
 */
#ifndef OV_DB_H
#define OV_DB_H

#include <stddef.h>

#include <libpq-fe.h>

#include "err.h"

struct ov_db_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

struct ov_migration {
	int version;
	const char *name;
	const char *sql;
};

struct ov_db;

/* Connects at once; a database that is down is not an error here (the
 * first call retries), so services start in any order. */
struct ov_db *ov_db_open(const char *url, const struct ov_db_stmt *stmts,
			 size_t n);
void ov_db_close(struct ov_db *db);

/* Runs a prepared statement. On OV_OK *res holds a result the caller
 * frees with PQclear; on failure *res is NULL. */
enum ov_err ov_db_exec(struct ov_db *db, const char *stmt, int nparams,
		       const char *const *params, PGresult **res);
/* The same with binary parameters: lengths[i] is -1 for a text
 * parameter (params[i] a C string) and otherwise the byte length of a
 * binary one, which libpq sends as it is (a bytea: no hex, no escaping).
 * At most OV_DB_MAX_PARAMS parameters. */
#define OV_DB_MAX_PARAMS 32
enum ov_err ov_db_exec_bin(struct ov_db *db, const char *stmt, int nparams,
			   const char *const *params, const int *lengths,
			   PGresult **res);
/* The constraint the last failed ov_db_exec violated on this handle
 * ("" when none): a unique index name tells which field conflicts. */
const char *ov_db_constraint(const struct ov_db *db);
/* SELECT 1 with a reconnect if needed. */
enum ov_err ov_db_ping(struct ov_db *db);

/* BEGIN, COMMIT, ROLLBACK on this handle's connection. A broken
 * connection inside a transaction is not retried: the caller sees
 * OV_EUNAVAIL and the transaction is gone. */
enum ov_err ov_db_begin(struct ov_db *db);
enum ov_err ov_db_commit(struct ov_db *db);
void ov_db_rollback(struct ov_db *db);

/* A fixed set of handles for concurrent callers (HTTP threads). */
struct ov_db_pool;

struct ov_db_pool *ov_db_pool_open(const char *url, size_t size,
				   const struct ov_db_stmt *stmts, size_t n);
void ov_db_pool_close(struct ov_db_pool *p);
/* Waits up to timeout_ms for a free handle; NULL when none came. */
struct ov_db *ov_db_acquire(struct ov_db_pool *p, unsigned timeout_ms);
void ov_db_release(struct ov_db_pool *p, struct ov_db *db);

/* Applies every migration newer than what schema `schema` has, in one
 * transaction under an advisory lock, so replicas starting together
 * apply each exactly once. *version gets the schema's version after. */
enum ov_err ov_db_migrate(struct ov_db *db, const char *schema,
			  const struct ov_migration *m, size_t n, int *version);

#endif
