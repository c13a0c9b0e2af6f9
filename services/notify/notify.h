/*
 * The notify service's state, shared by its files.
 *
 * A listener thread wakes on LISTEN ov_outbox (and a periodic sweep),
 * adopts new admin.outbox rows into notify.deliveries and claims due
 * ones under a lease; a pool of sender threads renders and sends them
 * over SMTP and records each result (outbox.c). handlers.c answers
 * mail.list and mail.resend; store.c holds every SQL statement.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "mail.h"

struct notify_cfg {
	const char *smtp_url;
	const char *smtp_user;
	const char *smtp_password;
	const char *smtp_tls; /* try, required, none */
	int smtp_connect_timeout_ms;
	int smtp_timeout_ms;
	const char *mail_from;
	const char *mail_from_name;
	const char *mail_domain; /* for Message-IDs; "" = mail_from's */
	const char *service;
	const char *support_url;
	const char *app_url;
	const char *android_url;
	const char *ios_url;
	const char *reset_url;
	int senders;
	int batch;
	int lease_s;
	int sweep_ms;
	int backoff_ms;
	int backoff_max_ms;
	int max_attempts;
	const char *secret_key; /* OV_NOTIFY_SECRET_KEY, base64 */
};

struct notify_engine;

struct notify {
	struct notify_cfg cfg;
	struct notify_brand brand;
	const char *db_url;
	char domain[256]; /* of Message-IDs */
	char me[160];	  /* claimed_by: this replica, unique per start */
	/* Opens the secrets admin sealed to us (lib/seal.h). */
	unsigned char seal_pk[32], seal_sk[32];
	struct ov_db_pool *pool; /* bus handlers and health */
	struct notify_engine *engine;
	atomic_ullong sent;
	atomic_bool smtp_ok;
};

/* A claimed delivery, from the claim to its recorded result. */
struct notify_job {
	long long id; /* admin.outbox id */
	unsigned attempt;
	char tenant[40];
	char kind[40];
	char language[8];
	char recipient[256];
	char message_id[300];
	char *params; /* malloc'd JSON; may hold a secret: wiped on free */
};

void notify_job_free(struct notify_job *j);

/* outbox.c: the listener and the senders. */
enum ov_err notify_engine_start(struct notify *app);
/* Stops claiming, lets each sender finish (or abort) its mail, gives
 * the claimed but unsent rows back to the queue. */
void notify_engine_stop(struct notify *app);

#endif
