/*
 * Every SQL statement of the notify service: notify.deliveries, and the
 * parts of admin.outbox notify reads (the mail) and writes (erasing its
 * secret). Statements are prepared on every connection.
 */
#ifndef NOTIFY_STORE_H
#define NOTIFY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "notify.h"

extern const struct ov_db_stmt notify_stmts[];
extern const size_t notify_n_stmts;

/* Adoption looks this far back from the newest adopted outbox id (ids
 * of transactions that commit late); NOTIFY_ADOPT_ALL looks at all. */
#define NOTIFY_ADOPT_WINDOW 1000LL
#define NOTIFY_ADOPT_ALL 0LL

/* Creates a queued delivery for each outbox row that has none. */
enum ov_err notify_store_adopt(struct ov_db *db, long long window,
			       const char *domain, long *adopted);
/* Claims up to n due deliveries for `me` for lease_s seconds: each
 * attempt counter goes up by one. *jobs is a malloc'd array of *got
 * jobs (free each with notify_job_free, then the array). */
enum ov_err notify_store_claim(struct ov_db *db, const char *me, unsigned n,
			       unsigned lease_s, struct notify_job ***jobs,
			       size_t *got);

struct notify_result {
	const char *state; /* sent, queued, failed */
	long smtp_code;
	const char *error; /* "" when none */
	unsigned delay_ms; /* until the next attempt, when queued */
};

/* Records an attempt, if `me` still holds the job's claim (*ours false
 * otherwise: the lease ran out and another replica took it). Sent and
 * failed erase the row's password and code in the same statement. */
enum ov_err notify_store_finish(struct ov_db *db, const struct notify_job *j,
				const char *me, const struct notify_result *r,
				bool *ours);
/* Gives claimed but unattempted jobs back (on shutdown). */
enum ov_err notify_store_release(struct ov_db *db, const char *me,
				 struct notify_job *const *jobs, size_t n);
/* Milliseconds until the next delivery is due (0 when overdue), or -1
 * when there is none. */
enum ov_err notify_store_next_due(struct ov_db *db, long *ms);
/* Deletes deliveries whose outbox row admin erased with its tenant. */
enum ov_err notify_store_gc(struct ov_db *db, long *deleted);
enum ov_err notify_store_counts(struct ov_db *db, uint64_t *queued,
				uint64_t *failed);

/* The columns of a mail.list or mail.get row. */
enum notify_col {
	NOTIFY_COL_ID,
	NOTIFY_COL_KIND,
	NOTIFY_COL_RECIPIENT,
	NOTIFY_COL_LANGUAGE,
	NOTIFY_COL_STATE,
	NOTIFY_COL_ATTEMPTS,
	NOTIFY_COL_LAST_ERROR,
	NOTIFY_COL_SMTP_CODE,
	NOTIFY_COL_CREATED_AT,
	NOTIFY_COL_SENT_AT,
	NOTIFY_COL_NEXT_AT,
	NOTIFY_COL_MESSAGE_ID,
};

/* A tenant's mails, newest first (state "" for all; before_id 0 from the
 * newest), and one of them; the caller PQclears. */
enum ov_err notify_store_list(struct ov_db *db, const char *tenant,
			      unsigned limit, const char *state,
			      uint64_t before_id, PGresult **res);
enum ov_err notify_store_get(struct ov_db *db, const char *tenant, uint64_t id,
			     PGresult **res);

enum notify_resend {
	NOTIFY_RESEND_OK,
	NOTIFY_RESEND_NOT_FOUND,  /* no such mail for this tenant */
	NOTIFY_RESEND_NOT_FAILED, /* queued, sending or sent */
	NOTIFY_RESEND_SECRET_GONE /* its password or code was erased */
};
enum ov_err notify_store_resend(struct ov_db *db, const char *tenant,
				uint64_t id, enum notify_resend *outcome,
				char *state, size_t state_size);

/* A dedicated connection listening on channel ov_outbox; NULL when the
 * database cannot be reached (logged). */
PGconn *notify_store_listen(const char *url);
/* Reads what arrived on it: the number of notifications (0 or more), or
 * -1 when the connection broke. */
int notify_store_notified(PGconn *c);

#endif
