/*
 * The outbox consumer: one listener thread that finds work and claims
 * it, a fixed pool of sender threads that deliver it.
 *
 * Listener: LISTEN ov_outbox on its own connection, poll() on it with a
 * time-out: the sweep period, or less when a retry is due sooner. On
 * each wake it adopts new outbox rows and claims due deliveries into a
 * bounded queue, as many as there is room for, so a claimed row waits
 * little before its sender takes it (its lease runs meanwhile).
 *
 * Sender: takes a job, renders the mail, sends it over its own SMTP
 * connection, records the result on its own database connection, logs
 * the attempt (never the body or a secret).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bus.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "retry.h"
#include "smtp.h"
#include "store.h"

/* Orphan clean-up and a full adoption scan, this often. */
#define GC_EVERY_MS 60000
/* After a database error, try again this soon. */
#define DB_RETRY_MS 500
/* Never wait less than this for rows another replica holds. */
#define MIN_WAIT_MS 20

struct sender {
	struct notify_engine *en;
	pthread_t thread;
	bool started;
	struct ov_db *db;
	struct notify_smtp *smtp;
	struct notify_mail *mail;
};

struct notify_engine {
	struct notify *app;
	struct notify_smtp_cfg smtp_cfg;
	atomic_bool stop;
	int wake[2]; /* written on stop: the listener's poll returns */

	pthread_mutex_t lock;
	pthread_cond_t has_job;
	pthread_cond_t has_room;
	struct notify_job **ring;
	size_t cap, head, count;

	pthread_t listener;
	bool listener_started;
	struct sender *senders;
	size_t n_senders;

	struct ov_counter *sent, *retried, *failed, *lost;
	struct ov_histogram *latency;
};

/* ---- the queue ---- */

static size_t room(struct notify_engine *en)
{
	pthread_mutex_lock(&en->lock);
	size_t r = en->cap - en->count;
	pthread_mutex_unlock(&en->lock);
	return r;
}

static void push(struct notify_engine *en, struct notify_job *j)
{
	pthread_mutex_lock(&en->lock);
	en->ring[(en->head + en->count) % en->cap] = j;
	en->count++;
	pthread_cond_signal(&en->has_job);
	pthread_mutex_unlock(&en->lock);
}

/* The next job, or NULL once stopping. */
static struct notify_job *pop(struct notify_engine *en)
{
	struct notify_job *j = NULL;

	pthread_mutex_lock(&en->lock);
	while (en->count == 0 && !atomic_load(&en->stop))
		pthread_cond_wait(&en->has_job, &en->lock);
	if (!atomic_load(&en->stop)) {
		j = en->ring[en->head];
		en->head = (en->head + 1) % en->cap;
		en->count--;
		if (en->count <= en->cap / 2)
			pthread_cond_signal(&en->has_room);
	}
	pthread_mutex_unlock(&en->lock);
	return j;
}

/* Waits until the queue is at most half full (or stopping). */
static void wait_for_room(struct notify_engine *en)
{
	pthread_mutex_lock(&en->lock);
	while (en->count > en->cap / 2 && !atomic_load(&en->stop)) {
		struct timespec until = ov_abstime(1000);
		pthread_cond_timedwait(&en->has_room, &en->lock, &until);
	}
	pthread_mutex_unlock(&en->lock);
}

/* ---- sending ---- */

static void wake_listener(struct notify_engine *en)
{
	if (write(en->wake[1], "x", 1) < 0 && errno != EAGAIN)
		ov_log_warn("notify.wake_failed");
}

static double jitter(void)
{
	return (double)randombytes_random() / 4294967296.0;
}

/* Writes the result, trying again while the database is away: a result
 * that is never written means the mail goes out again after its lease. */
static bool record(struct sender *s, const struct notify_job *j,
		   const struct notify_result *r, bool *ours)
{
	struct notify *app = s->en->app;
	uint64_t until = ov_now_ms() + (uint64_t)app->cfg.lease_s * 500;

	for (;;) {
		enum ov_err e = notify_store_finish(s->db, j, app->me, r, ours);
		if (e == OV_OK)
			return true;
		if (ov_now_ms() >= until || atomic_load(&s->en->stop)) {
			struct ov_log_ctx ctx = {j->tenant, NULL};
			ov_logc_error(&ctx, "mail.record_failed",
				      OV_LI("outbox_id", j->id),
				      OV_LS("state", r->state),
				      OV_LS("error", ov_err_name(e)));
			return false;
		}
		struct timespec ts = {0, 250000000L};
		nanosleep(&ts, NULL);
	}
}

static void log_attempt(struct notify_engine *en, const struct notify_job *j,
			const struct notify_result *r, const char *curl_error,
			uint64_t us)
{
	struct ov_log_ctx ctx = {j->tenant, NULL};
	double ms = (double)us / 1000.0;

	if (strcmp(r->state, "sent") == 0) {
		ov_counter_add(en->sent, 1);
		ov_logc_info(
			&ctx, "mail.sent", OV_LI("outbox_id", j->id),
			OV_LS("kind", j->kind), OV_LI("attempt", j->attempt),
			OV_LI("smtp_code", r->smtp_code),
			OV_LS("message_id", j->message_id), OV_LD("ms", ms));
	} else if (strcmp(r->state, "queued") == 0) {
		ov_counter_add(en->retried, 1);
		ov_logc_warn(
			&ctx, "mail.retry", OV_LI("outbox_id", j->id),
			OV_LS("kind", j->kind), OV_LI("attempt", j->attempt),
			OV_LI("smtp_code", r->smtp_code),
			OV_LS("error", curl_error),
			OV_LI("retry_in_ms", r->delay_ms), OV_LD("ms", ms));
	} else {
		ov_counter_add(en->failed, 1);
		ov_logc_error(&ctx, "mail.failed", OV_LI("outbox_id", j->id),
			      OV_LS("kind", j->kind),
			      OV_LI("attempt", j->attempt),
			      OV_LI("smtp_code", r->smtp_code),
			      OV_LS("error", curl_error), OV_LD("ms", ms));
	}
}

static void deliver(struct sender *s, struct notify_job *j)
{
	struct notify_engine *en = s->en;
	struct notify *app = en->app;
	struct notify_smtp_result sr = {.rc = CURLE_OK};
	struct notify_result r = {.state = "failed", .error = ""};
	char why[2 * CURL_ERROR_SIZE + 64];
	const char *log_error = "";
	unsigned max = (unsigned)app->cfg.max_attempts;
	uint64_t t0 = ov_now_us();

	if (j->attempt > max) {
		/* Leases ran out again and again: a replica died holding it. */
		snprintf(why, sizeof(why),
			 "gave up after %u attempts (leases expired)", max);
		r.error = log_error = why;
		goto done;
	}
	struct notify_mail_in in = {
		.kind = j->kind,
		.language = j->language,
		.recipient = j->recipient,
		.params = j->params,
		.message_id = j->message_id,
		.date = time(NULL),
		.open_pk = app->seal_pk,
		.open_sk = app->seal_sk,
	};
	enum ov_err e = notify_mail_compose(&app->brand, &in, s->mail, why,
					    sizeof(why));
	if (e != OV_OK) {
		/* A mail that cannot be written never will be; out of
		 * memory may pass. */
		r.state = e == OV_EEXHAUSTED ? "queued" : "failed";
		r.error = log_error = why;
		r.delay_ms = notify_backoff_ms(
			j->attempt, (unsigned)app->cfg.backoff_ms,
			(unsigned)app->cfg.backoff_max_ms, jitter());
		goto done;
	}
	notify_smtp_send(s->smtp, j->recipient, s->mail, &sr);
	notify_mail_wipe(s->mail);
	ov_histogram_observe(en->latency, (double)(ov_now_us() - t0) / 1e6);
	enum notify_outcome o = notify_classify(sr.rc, sr.code);
	atomic_store(&app->smtp_ok, sr.code != 0);
	r.state = notify_next_state(o, j->attempt, max);
	r.smtp_code = sr.code;
	log_error = sr.error;
	if (o == NOTIFY_RETRY && strcmp(r.state, "failed") == 0) {
		snprintf(why, sizeof(why), "after %u attempts: %s", j->attempt,
			 sr.detail);
		r.error = why;
	} else {
		r.error = sr.detail;
	}
	if (strcmp(r.state, "queued") == 0)
		r.delay_ms = notify_backoff_ms(
			j->attempt, (unsigned)app->cfg.backoff_ms,
			(unsigned)app->cfg.backoff_max_ms, jitter());
done:;
	bool ours = true;
	if (!record(s, j, &r, &ours))
		return;
	if (!ours) {
		/* Our lease ran out and another replica has the row: it may
		 * send it too, with the same Message-ID. */
		struct ov_log_ctx ctx = {j->tenant, NULL};
		ov_counter_add(en->lost, 1);
		ov_logc_warn(&ctx, "mail.lease_lost", OV_LI("outbox_id", j->id),
			     OV_LI("attempt", j->attempt),
			     OV_LS("state", r.state));
		return;
	}
	if (strcmp(r.state, "sent") == 0)
		atomic_fetch_add(&app->sent, 1);
	else if (strcmp(r.state, "queued") == 0)
		wake_listener(en); /* to wait for this retry, not a sweep */
	log_attempt(en, j, &r, log_error, ov_now_us() - t0);
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct notify_job *j;

	while ((j = pop(s->en))) {
		deliver(s, j);
		notify_job_free(j);
	}
	return NULL;
}

/* ---- listening and claiming ---- */

/* Claims as many due rows as the queue has room for. Returns true when
 * it got all it asked for (there may be more). */
static bool claim(struct notify_engine *en, struct ov_db *db, bool *db_ok)
{
	struct notify *app = en->app;
	struct notify_job **jobs = NULL;
	size_t got = 0, want = room(en);

	if (want > (size_t)app->cfg.batch)
		want = (size_t)app->cfg.batch;
	if (want == 0)
		return true;
	if (notify_store_claim(db, app->me, (unsigned)want,
			       (unsigned)app->cfg.lease_s, &jobs,
			       &got) != OV_OK) {
		*db_ok = false;
		return false;
	}
	for (size_t i = 0; i < got; i++)
		push(en, jobs[i]);
	free(jobs);
	return got == want;
}

static void drain_pipe(int fd)
{
	char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void *listener_main(void *arg)
{
	struct notify_engine *en = arg;
	struct notify *app = en->app;
	struct ov_db *db =
		ov_db_open(app->db_url, notify_stmts, notify_n_stmts);
	PGconn *ln = NULL;
	uint64_t last_sweep = 0, last_gc = 0, last_listen = 0;
	long long window = NOTIFY_ADOPT_ALL;
	bool work = true, adopt = true;

	while (db && !atomic_load(&en->stop)) {
		uint64_t now = ov_now_ms();
		long timeout = app->cfg.sweep_ms;
		bool db_ok = true;

		if (!ln && now - last_listen >= DB_RETRY_MS) {
			last_listen = now;
			/* Reconnected: anything may have come meanwhile. */
			if ((ln = notify_store_listen(app->db_url)))
				work = adopt = true;
		}
		if (ln) {
			int n = notify_store_notified(ln);
			if (n < 0) {
				ov_log_warn("notify.listen_lost");
				PQfinish(ln);
				ln = NULL;
			}
			if (n > 0)
				work = adopt = true;
		}
		if (now - last_sweep >= (uint64_t)app->cfg.sweep_ms) {
			last_sweep = now;
			work = adopt = true;
		}
		if (now - last_gc >= GC_EVERY_MS) {
			long gone = 0;
			if (notify_store_gc(db, &gone) == OV_OK) {
				last_gc = now;
				window = NOTIFY_ADOPT_ALL;
				work = adopt = true;
				if (gone)
					ov_log_info("notify.gc",
						    OV_LI("deleted", gone));
			}
		}
		if (work) {
			long adopted = 0, due = -1;
			work = false;
			/* New rows exist only after a notification, a
			 * (re)connection or for the sweep to find. */
			if (adopt) {
				if (notify_store_adopt(db, window, app->domain,
						       &adopted) == OV_OK) {
					window = NOTIFY_ADOPT_WINDOW;
					adopt = false;
				} else {
					db_ok = false;
				}
			}
			if (db_ok && claim(en, db, &db_ok)) {
				/* More may be due: claim again once the
				 * senders have made room. */
				wait_for_room(en);
				work = true;
				continue;
			}
			if (db_ok && notify_store_next_due(db, &due) == OV_OK &&
			    due >= 0 && due < timeout)
				timeout = due < MIN_WAIT_MS ? MIN_WAIT_MS : due;
			if (!db_ok) {
				work = true;
				timeout = DB_RETRY_MS;
			}
		}
		long since = (long)(ov_now_ms() - last_sweep);
		if (app->cfg.sweep_ms - since < timeout)
			timeout = app->cfg.sweep_ms - since;
		if (!ln && timeout > DB_RETRY_MS)
			timeout = DB_RETRY_MS;
		if (timeout < 0)
			timeout = 0;
		struct pollfd fds[2] = {{en->wake[0], POLLIN, 0},
					{ln ? PQsocket(ln) : -1, POLLIN, 0}};
		int ready = poll(fds, 2, (int)timeout);
		if (ready == 0) {
			work = true; /* the sweep, or a retry, is due */
		} else if (ready > 0 && (fds[0].revents & POLLIN)) {
			/* A sender scheduled a retry: find when it is due. */
			drain_pipe(en->wake[0]);
			work = true;
		}
	}
	if (ln)
		PQfinish(ln);
	ov_db_close(db);
	return NULL;
}

/* ---- start and stop ---- */

static void stop_threads(struct notify_engine *en)
{
	atomic_store(&en->stop, true);
	wake_listener(en);
	pthread_mutex_lock(&en->lock);
	pthread_cond_broadcast(&en->has_job);
	pthread_cond_broadcast(&en->has_room);
	pthread_mutex_unlock(&en->lock);
	if (en->listener_started)
		pthread_join(en->listener, NULL);
	for (size_t i = 0; i < en->n_senders; i++)
		if (en->senders[i].started)
			pthread_join(en->senders[i].thread, NULL);
}

static void engine_free(struct notify_engine *en)
{
	for (size_t i = 0; i < en->n_senders; i++) {
		struct sender *s = &en->senders[i];
		notify_smtp_free(s->smtp);
		ov_db_close(s->db);
		if (s->mail) {
			notify_mail_wipe(s->mail);
			free(s->mail);
		}
	}
	free(en->senders);
	free(en->ring);
	close(en->wake[0]);
	close(en->wake[1]);
	pthread_mutex_destroy(&en->lock);
	pthread_cond_destroy(&en->has_job);
	pthread_cond_destroy(&en->has_room);
	free(en);
}

static long use_ssl(const char *tls)
{
	if (strcmp(tls, "required") == 0)
		return (long)CURLUSESSL_ALL;
	if (strcmp(tls, "none") == 0)
		return (long)CURLUSESSL_NONE;
	return (long)CURLUSESSL_TRY;
}

enum ov_err notify_engine_start(struct notify *app)
{
	struct notify_engine *en = calloc(1, sizeof(*en));
	const struct notify_cfg *c = &app->cfg;

	if (!en)
		return OV_EEXHAUSTED;
	en->app = app;
	en->wake[0] = en->wake[1] = -1;
	pthread_mutex_init(&en->lock, NULL);
	pthread_cond_init(&en->has_job, NULL);
	pthread_cond_init(&en->has_room, NULL);
	en->smtp_cfg = (struct notify_smtp_cfg){
		.url = c->smtp_url,
		.user = c->smtp_user,
		.password = c->smtp_password,
		.use_ssl = use_ssl(c->smtp_tls),
		.connect_timeout_ms = c->smtp_connect_timeout_ms,
		.timeout_ms = c->smtp_timeout_ms,
		.from_addr = c->mail_from,
	};
	en->sent = ov_counter_get("ov_notify_mails_total",
				  "Mail delivery attempts, by outcome.",
				  "outcome=\"sent\"");
	en->retried = ov_counter_get("ov_notify_mails_total",
				     "Mail delivery attempts, by outcome.",
				     "outcome=\"retry\"");
	en->failed = ov_counter_get("ov_notify_mails_total",
				    "Mail delivery attempts, by outcome.",
				    "outcome=\"failed\"");
	en->lost = ov_counter_get("ov_notify_leases_lost_total",
				  "Results not recorded because the lease had "
				  "passed to another replica.",
				  "");
	en->latency = ov_histogram_get("ov_notify_send_duration_seconds",
				       "Time of one SMTP transaction.", "");
	en->n_senders = (size_t)c->senders;
	/* Room for a few mails per sender: enough to keep them busy
	 * between claims, little enough that a claim waits only a few
	 * mails' time before it is sent (its lease runs meanwhile). */
	en->cap = en->n_senders * 4;
	en->ring = calloc(en->cap, sizeof(*en->ring));
	en->senders = calloc(en->n_senders, sizeof(*en->senders));
	if (!en->ring || !en->senders || pipe2(en->wake, O_NONBLOCK) != 0)
		goto fail;
	for (size_t i = 0; i < en->n_senders; i++) {
		struct sender *s = &en->senders[i];
		s->en = en;
		s->db = ov_db_open(app->db_url, notify_stmts, notify_n_stmts);
		s->smtp = notify_smtp_new(&en->smtp_cfg, &en->stop);
		s->mail = malloc(sizeof(*s->mail));
		if (!s->db || !s->smtp || !s->mail)
			goto fail;
	}
	for (size_t i = 0; i < en->n_senders; i++) {
		if (pthread_create(&en->senders[i].thread, NULL, sender_main,
				   &en->senders[i]) != 0)
			goto fail;
		en->senders[i].started = true;
	}
	if (pthread_create(&en->listener, NULL, listener_main, en) != 0)
		goto fail;
	en->listener_started = true;
	app->engine = en;
	ov_log_info("notify.started", OV_LI("senders", c->senders),
		    OV_LI("batch", c->batch), OV_LI("lease_s", c->lease_s),
		    OV_LI("sweep_ms", c->sweep_ms),
		    OV_LS("claimed_by", app->me));
	return OV_OK;
fail:
	stop_threads(en);
	engine_free(en);
	return OV_EEXHAUSTED;
}

void notify_engine_stop(struct notify *app)
{
	struct notify_engine *en = app->engine;

	if (!en)
		return;
	stop_threads(en);
	/* Claimed, never attempted: back to the queue at once rather than
	 * when their leases end. */
	if (en->count) {
		struct notify_job **left = calloc(en->count, sizeof(*left));
		size_t n = 0;
		while (left && en->count) {
			left[n++] = en->ring[en->head];
			en->head = (en->head + 1) % en->cap;
			en->count--;
		}
		struct ov_db *db = ov_db_acquire(app->pool, 2000);
		if (db && n &&
		    notify_store_release(db, app->me, left, n) == OV_OK)
			ov_log_info("notify.released", OV_LI("mails", (long)n));
		ov_db_release(app->pool, db);
		for (size_t i = 0; i < n; i++)
			notify_job_free(left[i]);
		free(left);
	}
	engine_free(en);
	app->engine = NULL;
}
