/*
 * People's credentials: login, logout, password change, forgotten
 * password. Answers never say which of number, username or password was
 * wrong, and never whether an account exists.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "policy.h"

/* Failed logins before delays start: per (account, address) pair, per
 * address (an office behind one NAT shares one) and per account from
 * addresses that never logged into it (docs/admin.md). Then each attempt
 * waits 1, 2, 4 ... s after the last failure, up to MAX_DELAY_S; a count
 * is forgotten after 24 quiet hours (store.c, failures_bump). */
#define PAIR_FREE_FAILURES 5
#define ADDR_FREE_FAILURES 20
#define ACCT_FREE_FAILURES 10
/* Reset mails: per account and per address, counted apart from logins. */
#define RESET_ACCT_FREE 3
#define RESET_ADDR_FREE 20
#define MAX_DELAY_S 900
#define RESET_CODE_LEN 10

static const char generic[] = "wrong number, username or password";

/* Seconds still to wait after `failures` failures, the last `ago` s ago. */
unsigned admin_delay_left(long failures, long free_, double ago)
{
	if (failures < free_)
		return 0;
	long shift = failures - free_;
	double delay = shift >= 10 ? MAX_DELAY_S : (double)(1L << shift);
	if (delay > MAX_DELAY_S)
		delay = MAX_DELAY_S;
	return ago >= delay ? 0 : (unsigned)ceil(delay - ago);
}

static unsigned throttled(struct admin_req *r, const char *key, long free_)
{
	PGresult *res = NULL;
	const char *p[] = {key};
	unsigned left = 0;

	if (ov_db_exec(r->db, "failures_get", 1, p, &res) == OV_OK &&
	    PQntuples(res) == 1)
		left = admin_delay_left(strtol(PQgetvalue(res, 0, 0), NULL, 10),
					free_,
					strtod(PQgetvalue(res, 0, 1), NULL));
	PQclear(res);
	return left;
}

static void bump(struct admin_req *r, const char *key)
{
	PGresult *res = NULL;
	const char *p[] = {key};

	ov_db_exec(r->db, "failures_bump", 1, p, &res);
	PQclear(res);
}

static void clear(struct admin_req *r, const char *key)
{
	PGresult *res = NULL;
	const char *p[] = {key};

	ov_db_exec(r->db, "failures_clear", 1, p, &res);
	PQclear(res);
}

/* An operator sees an attack in the log, not only in /metrics: one
 * auth.throttled line per throttling key (an account from one address,
 * an account from new addresses, an address, or the same for reset
 * mails) per minute and admin replica, with the refusals it stands for.
 * The username is what was typed (no account is looked up for a
 * refusal); never the password. */
static void log_throttled(struct admin_req *r, const char *key,
			  const char *number, const char *username,
			  const char *limit, unsigned wait)
{
	unsigned long held = 0;

	if (!admin_once_take(&r->app->throttled_log, key,
			     (int64_t)(ov_now_ms() / 1000), &held))
		return;
	ov_log_warn("auth.throttled", OV_LS("limit", limit),
		    OV_LS("number", number), OV_LS("username", username),
		    OV_LS("client_ip", r->client_ip),
		    OV_LI("retry_after_s", (long long)wait),
		    OV_LI("refused_before", (long long)held));
}

struct account {
	char id[40];
	char tenant_id[40];
	char hash[crypto_pwhash_STRBYTES];
	bool admin;
	bool must_change;
	bool found;
	bool known_addr; /* this address logged into the account before */
	bool held_pair;	 /* attempt locks (attempt_lock) */
	bool held_acct;
	char number[32]; /* E.164, "" when malformed */
	char fold[64];
	char acct_key[128];
	char pair_key[200];
	char addr_key[96];
};

/* The throttle's keys for what the request names (number + username as
 * typed, folded) and where it comes from; false when the number or the
 * username is malformed (the keys then name no account). */
static bool keys(struct admin_req *r, struct account *a)
{
	char why[96];
	const char *num = admin_str(r, "number");
	const char *user = admin_str(r, "username");

	memset(a, 0, sizeof(*a));
	bool well_formed = admin_number_e164(num, a->number, sizeof(a->number),
					     why, sizeof(why)) == OV_OK &&
			   strlen(user) < sizeof(a->fold);
	if (!well_formed)
		a->number[0] = '\0';
	admin_username_fold(well_formed ? user : "", a->fold, sizeof(a->fold));
	snprintf(a->acct_key, sizeof(a->acct_key), "acct:%s:%s",
		 well_formed ? a->number : "-", a->fold);
	snprintf(a->pair_key, sizeof(a->pair_key), "pair:%s:%s|%s",
		 well_formed ? a->number : "-", a->fold, r->client_ip);
	snprintf(a->addr_key, sizeof(a->addr_key), "addr:%s", r->client_ip);
	return well_formed;
}

static bool known_address(struct admin_req *r, const char *acct_key)
{
	PGresult *res = NULL;
	const char *p[] = {acct_key, r->client_ip};
	bool known =
		ov_db_exec(r->db, "known_address_get", 2, p, &res) == OV_OK &&
		PQntuples(res) == 1;

	PQclear(res);
	return known;
}

static void known_address_put(struct admin_req *r, const char *acct_key)
{
	PGresult *res = NULL;
	const char *p[] = {acct_key, r->client_ip};

	ov_db_exec(r->db, "known_address_put", 2, p, &res);
	PQclear(res);
}

/* Answers 429 with Retry-After and returns true when the longest of the
 * waits is not over. */
static bool refuse(struct admin_req *r, const struct account *a,
		   const char *const keys_[], const long free_[],
		   const char *const limits[], size_t n)
{
	unsigned wait = 0;
	size_t by = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned w = keys_[i] ? throttled(r, keys_[i], free_[i]) : 0;
		if (w > wait) {
			wait = w;
			by = i;
		}
	}
	if (!wait)
		return false;
	log_throttled(r, keys_[by], a->number, a->fold, limits[by], wait);
	r->res->retry_after = wait;
	admin_fail_code(r, 429, "too_many_attempts", NULL,
			"too many failed attempts; try again later");
	return true;
}

/* A failed login (or reset code): counts against the pair and the
 * address, and against the account when the address is not one of its
 * own, so that outsiders' guesses never slow the real user down where
 * they logged in before. */
static void failed(struct admin_req *r, const struct account *a)
{
	bump(r, a->pair_key);
	bump(r, a->addr_key);
	if (!a->known_addr)
		bump(r, a->acct_key);
}

/* Takes key's attempt lock without waiting: OV_EEXIST when another
 * attempt holds it. */
static enum ov_err attempt_lock(struct admin_req *r, const char *key)
{
	PGresult *res = NULL;
	const char *p[] = {key};
	enum ov_err e = ov_db_exec(r->db, "attempt_lock", 1, p, &res);

	if (e == OV_OK && PQgetvalue(res, 0, 0)[0] != 't')
		e = OV_EEXIST;
	PQclear(res);
	return e;
}

static void attempt_unlock(struct admin_req *r, const char *key)
{
	PGresult *res = NULL;
	const char *p[] = {key};

	ov_db_exec(r->db, "attempt_unlock", 1, p, &res);
	PQclear(res);
}

/* Lets go of the attempt locks lookup took; before the handler returns
 * its connection to the pool. */
static void release(struct admin_req *r, struct account *a)
{
	if (a->held_acct)
		attempt_unlock(r, a->acct_key);
	if (a->held_pair)
		attempt_unlock(r, a->pair_key);
	a->held_acct = a->held_pair = false;
}

/* Without the locks, attempts sent at the same instant would all pass
 * the check before the first failure is counted (a password check lies
 * between). The account-wide lock is taken only by new addresses, so
 * outsiders can never make the real user's known address wait. */
static bool hold(struct admin_req *r, struct account *a)
{
	enum ov_err e = attempt_lock(r, a->pair_key);

	a->held_pair = e == OV_OK;
	if (e == OV_OK && !a->known_addr) {
		e = attempt_lock(r, a->acct_key);
		a->held_acct = e == OV_OK;
	}
	if (e == OV_OK)
		return true;
	release(r, a);
	if (e != OV_EEXIST) {
		admin_fail_store(r, e, "account");
		return false;
	}
	r->res->retry_after = 1;
	admin_fail_code(r, 429, "too_many_attempts", NULL,
			"another attempt is under way; try again later");
	return false;
}

/* Looks the account up by number and username; found=false when there
 * is none (or the number is malformed). Answers and returns false only
 * on database failure or throttling; on true the caller owns the
 * attempt locks (release). A throttled request is refused before any
 * password is verified: an answer that said "right" during a lock would
 * be an oracle for the attacker. */
static bool lookup(struct admin_req *r, struct account *a)
{
	PGresult *res = NULL;
	bool well_formed = keys(r, a);

	a->known_addr = well_formed && known_address(r, a->acct_key);
	if (!hold(r, a))
		return false;
	const char *k[] = {a->pair_key, a->addr_key,
			   a->known_addr ? NULL : a->acct_key};
	const long f[] = {PAIR_FREE_FAILURES, ADDR_FREE_FAILURES,
			  ACCT_FREE_FAILURES};
	const char *l[] = {"account", "address", "account_new_addresses"};
	if (refuse(r, a, k, f, l, 3)) {
		release(r, a);
		return false;
	}
	if (!well_formed)
		return true;
	const char *p[] = {a->number, a->fold};
	enum ov_err e = ov_db_exec(r->db, "login_find", 2, p, &res);
	if (e != OV_OK) {
		release(r, a);
		admin_fail_store(r, e, "account");
		return false;
	}
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 2)) {
		a->found = true;
		snprintf(a->id, sizeof(a->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(a->tenant_id, sizeof(a->tenant_id), "%s",
			 PQgetvalue(res, 0, 1));
		snprintf(a->hash, sizeof(a->hash), "%s", PQgetvalue(res, 0, 2));
		a->admin = strcmp(PQgetvalue(res, 0, 3), "admin") == 0;
		a->must_change = PQgetvalue(res, 0, 4)[0] == 't';
	}
	PQclear(res);
	return true;
}

/* Secrets are stored as their hash, a bytea sent as a binary parameter:
 * the 32 bytes themselves, not hex text for the server to decode. */
#define HASH_LEN 32

static void login(struct admin_req *r, const struct account *a)
{
	char token[64], ttl[16];
	unsigned char hash[HASH_LEN];
	PGresult *res = NULL;

	const char *pw = admin_str(r, "password");
	bool ok = admin_password_verify(a->found ? a->hash : r->app->dummy_hash,
					pw) &&
		  a->found;
	if (!ok) {
		failed(r, a);
		ov_log_info("auth.login_failed", OV_LS("ip", r->client_ip));
		admin_fail(r, 401, OV_EUNAUTH, NULL, "%s", generic);
		return;
	}
	clear(r, a->pair_key);
	known_address_put(r, a->acct_key);
	admin_token_new("ovt_", token, sizeof(token));
	admin_token_hash(token, hash);
	snprintf(ttl, sizeof(ttl), "%d", r->app->cfg.token_ttl_s);
	const char *p[] = {(const char *)hash, a->id, a->tenant_id, ttl};
	const int len[] = {HASH_LEN, -1, -1, -1};
	enum ov_err e = ov_db_exec_bin(r->db, "token_insert", 4, p, len, &res);
	if (e != OV_OK) {
		admin_fail_store(r, e, "session");
		return;
	}
	json_t *v = json_pack(
		"{s:s, s:s, s:s, s:b, s:{s:s, s:s, s:s}}", "token", token,
		"token_type", "Bearer", "expires_at", PQgetvalue(res, 0, 0),
		"must_change_password", a->must_change, "user", "id", a->id,
		"tenant_id", a->tenant_id, "role", a->admin ? "admin" : "user");
	PQclear(res);
	sodium_memzero(token, sizeof(token));
	admin_json(r, 200, v);
}

void auth_login(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"number", OV_J_STR, true},
		{"username", OV_J_STR, true},
		{"password", OV_J_STR, true},
	};
	struct account a;

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])) || !lookup(r, &a))
		return;
	login(r, &a);
	release(r, &a);
}

/* Every session of the caller ("all": true, the app's logout), audited;
 * in a transaction of its own. */
static enum ov_err logout_all(struct admin_req *r)
{
	PGresult *res = NULL;
	const char *p[] = {r->user_id, r->tenant_id};
	enum ov_err e = ov_db_begin(r->db);

	if (e == OV_OK)
		e = ov_db_exec(r->db, "tokens_logout_all", 2, p, &res);
	PQclear(res);
	return admin_end_tx(r, e, r->tenant_id, "user.logout_all", r->user_id,
			    NULL);
}

/* This token, or with {"all": true} every token of the caller. The body
 * is optional: an empty one is this token only. */
void auth_logout(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"all", OV_J_BOOL, false},
	};
	const char *h = ov_http_header(r->http, "Authorization");
	unsigned char hash[HASH_LEN];
	PGresult *res = NULL;
	enum ov_err e;

	if (r->http->body_len > 0) {
		struct ov_json_error je;
		e = ov_json_parse(r->http->body, r->http->body_len,
				  (size_t)r->app->cfg.max_json, &r->body, &je);
		if (e != OV_OK) {
			admin_fail(r, e == OV_ETOOBIG ? 413 : 400, e, NULL,
				   "%s", je.why);
			return;
		}
		if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
			return;
	}
	if (json_is_true(json_object_get(r->body, "all"))) {
		e = logout_all(r);
	} else {
		/* identify() checked the header's shape */
		admin_token_hash(h + 7, hash);
		const char *p[] = {(const char *)hash};
		const int len[] = {HASH_LEN};
		e = ov_db_exec_bin(r->db, "token_delete", 1, p, len, &res);
		PQclear(res);
	}
	if (e != OV_OK) {
		admin_fail_store(r, e, "session");
		return;
	}
	ov_http_reply(r->res, 204, "application/json", NULL, 0);
}

/* Queues a mail to the user (in the open transaction). */
static enum ov_err mail_user(struct admin_req *r, const char *user_id,
			     const char *tenant_id, const char *kind,
			     json_t *extra)
{
	PGresult *res = NULL;
	const char *p[] = {user_id, tenant_id};
	enum ov_err e = ov_db_exec(r->db, "user_mail_info", 2, p, &res);

	if (e == OV_OK && PQntuples(res) != 1)
		e = OV_ENOTFOUND;
	if (e != OV_OK) {
		PQclear(res);
		json_decref(extra);
		return e;
	}
	json_t *params = extra ? extra : json_object();
	json_object_set_new(params, "username",
			    json_string(PQgetvalue(res, 0, 2)));
	json_object_set_new(params, "number",
			    json_string(PQgetvalue(res, 0, 3)));
	json_object_set_new(params, "name", json_string(PQgetvalue(res, 0, 4)));
	size_t len;
	char *ps = ov_json_dump(params, &len);
	json_decref(params);
	const char *po[] = {tenant_id, kind, PQgetvalue(res, 0, 0),
			    PQgetvalue(res, 0, 1), ps};
	PGresult *o = NULL;
	e = ps ? ov_db_exec(r->db, "outbox_insert", 5, po, &o) : OV_EEXHAUSTED;
	PQclear(o);
	PQclear(res);
	if (ps)
		sodium_memzero(ps, len);
	free(ps);
	return e;
}

/* Checks new and confirm against the policy; answers 400 when not. */
static bool new_password_ok(struct admin_req *r, const char *old)
{
	const char *pw = admin_str(r, "new_password");
	const char *confirm = admin_str(r, "confirm_password");
	char why[160];

	if (admin_password_check(pw, old, why, sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, "new_password", "new_password %s",
			   why);
		return false;
	}
	if (strcmp(pw, confirm) != 0) {
		admin_fail(r, 400, OV_EINVAL, "confirm_password",
			   "confirm_password differs from new_password");
		return false;
	}
	return true;
}

/* Sets the password, logs out every session, tells the user by mail;
 * in the open transaction. */
static enum ov_err set_password(struct admin_req *r, const char *user_id,
				const char *tenant_id)
{
	char hash[crypto_pwhash_STRBYTES];
	PGresult *res = NULL;

	if (!admin_password_hash(r->app, admin_str(r, "new_password"), hash,
				 sizeof(hash)))
		return OV_EEXHAUSTED;
	const char *p[] = {user_id, tenant_id, hash};
	enum ov_err e = ov_db_exec(r->db, "user_password_set", 3, p, &res);
	if (e == OV_OK && PQntuples(res) != 1)
		e = OV_ENOTFOUND;
	PQclear(res);
	res = NULL;
	const char *q[] = {user_id};
	if (e == OV_OK)
		e = ov_db_exec(r->db, "tokens_revoke_user", 1, q, &res);
	PQclear(res);
	if (e == OV_OK)
		e = mail_user(r, user_id, tenant_id, "password_changed", NULL);
	if (e == OV_OK)
		e = admin_audit(r, tenant_id, "user.password_change", user_id,
				NULL);
	return e;
}

void auth_password(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"old_password", OV_J_STR, true},
		{"new_password", OV_J_STR, true},
		{"confirm_password", OV_J_STR, true},
	};
	PGresult *res = NULL;

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	const char *p[] = {r->user_id, r->tenant_id};
	enum ov_err e = ov_db_exec(r->db, "user_password_get", 2, p, &res);
	if (e == OV_OK && PQntuples(res) != 1)
		e = OV_ENOTFOUND;
	if (e != OV_OK) {
		PQclear(res);
		admin_fail_store(r, e, "user");
		return;
	}
	const char *old = admin_str(r, "old_password");
	bool right = admin_password_verify(PQgetvalue(res, 0, 0), old);
	PQclear(res);
	if (!right) {
		admin_fail(r, 400, OV_EINVAL, "old_password",
			   "old_password is not the current password");
		return;
	}
	if (!new_password_ok(r, old))
		return;
	e = ov_db_begin(r->db);
	if (e == OV_OK)
		e = set_password(r, r->user_id, r->tenant_id);
	if (e == OV_OK)
		e = ov_db_commit(r->db);
	if (e != OV_OK) {
		ov_db_rollback(r->db);
		admin_fail_store(r, e, "user");
		return;
	}
	admin_sip_rotate(r, r->tenant_id, r->user_id);
	/* The seed: "PASSWORD CHANGED! Logout in corso..." */
	admin_json(r, 200,
		   json_pack("{s:b, s:b}", "password_changed", 1, "logged_out",
			     1));
}

/*
 * Forgotten passwords. The request only throttles and queues: the same
 * statements whether or not the account exists, so its timing does not
 * tell. The reset worker, a thread of each admin replica, takes queued
 * requests (SKIP LOCKED: replicas share the queue), looks the account
 * up and, when there is one, stores a code and queues the mail, in one
 * transaction. It looks every half second and is never woken by a
 * request: work started at the moment of an answer would slow that
 * answer (the CPU and the database are shared), which is the very
 * difference it is there to hide (docs/admin.md).
 */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	struct admin *app;
	bool running, stopping;
} worker = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

#define WORKER_POLL_MS 500u
#define PRUNE_EVERY_MS 3600000u

/* Makes and stores a code for the account and queues its mail, in the
 * open transaction; the audit names the address that asked. */
static enum ov_err reset_code_mail(struct admin_req *w, const char *user_id,
				   const char *tenant_id)
{
	static const char alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
	char code[RESET_CODE_LEN + 1], ttl[16];
	unsigned char hash[HASH_LEN];
	char sealed[ADMIN_SEALED_MAX];
	PGresult *res = NULL;
	enum ov_err e = OV_OK;

	for (size_t i = 0; i < RESET_CODE_LEN; i++)
		code[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	code[RESET_CODE_LEN] = '\0';
	admin_token_hash(code, hash);
	if (!admin_seal(w->app, code, sealed, sizeof(sealed)))
		e = OV_EEXHAUSTED;
	sodium_memzero(code, sizeof(code));
	snprintf(ttl, sizeof(ttl), "%d", w->app->cfg.reset_ttl_s);
	const char *p[] = {(const char *)hash, user_id, tenant_id, ttl};
	const int len[] = {HASH_LEN, -1, -1, -1};
	if (e == OV_OK)
		e = ov_db_exec_bin(w->db, "reset_insert", 4, p, len, &res);
	PQclear(res);
	if (e == OV_OK)
		e = mail_user(w, user_id, tenant_id, "password_reset",
			      json_pack("{s:s, s:i}", "code", sealed,
					"valid_minutes",
					w->app->cfg.reset_ttl_s / 60));
	if (e == OV_OK)
		e = admin_audit(w, tenant_id, "user.password_forgot", user_id,
				json_pack("{s:s}", "client_ip", w->client_ip));
	return e;
}

/* One queued request, in a transaction: true when there was one and it
 * is done (mailed, or there is no such account). */
static bool reset_one(struct admin *app, struct ov_db *db)
{
	struct admin_req w = {.app = app, .db = db};
	PGresult *q = NULL, *res = NULL;
	enum ov_err e = ov_db_begin(db);

	if (e == OV_OK)
		e = ov_db_exec(db, "reset_queue_take", 0, NULL, &q);
	if (e != OV_OK || PQntuples(q) != 1) {
		PQclear(q);
		ov_db_rollback(db);
		return false;
	}
	snprintf(w.client_ip, sizeof(w.client_ip), "%s", PQgetvalue(q, 0, 2));
	const char *p[] = {PQgetvalue(q, 0, 0), PQgetvalue(q, 0, 1)};
	e = ov_db_exec(db, "login_find", 2, p, &res);
	if (e == OV_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 2))
		e = reset_code_mail(&w, PQgetvalue(res, 0, 0),
				    PQgetvalue(res, 0, 1));
	PQclear(res);
	PQclear(q);
	if (e == OV_OK)
		e = ov_db_commit(db);
	if (e != OV_OK) {
		ov_db_rollback(db);
		ov_log_error("auth.reset_failed",
			     OV_LS("error", ov_err_name(e)));
		return false;
	}
	return true;
}

static void *worker_main(void *arg)
{
	(void)arg;
	uint64_t pruned = ov_now_ms();

	pthread_mutex_lock(&worker.mu);
	while (!worker.stopping) {
		struct timespec until = ov_abstime(WORKER_POLL_MS);
		int rv = 0;
		while (!worker.stopping && rv != ETIMEDOUT)
			rv = pthread_cond_timedwait(&worker.wake, &worker.mu,
						    &until);
		if (worker.stopping)
			break;
		pthread_mutex_unlock(&worker.mu);
		struct ov_db *db = ov_db_acquire(worker.app->pool, 1000);
		if (db) {
			while (reset_one(worker.app, db))
				;
			if (ov_now_ms() - pruned >= PRUNE_EVERY_MS) {
				PGresult *res = NULL;
				ov_db_exec(db, "throttle_prune", 0, NULL, &res);
				PQclear(res);
				pruned = ov_now_ms();
			}
			ov_db_release(worker.app->pool, db);
		}
		pthread_mutex_lock(&worker.mu);
	}
	pthread_mutex_unlock(&worker.mu);
	return NULL;
}

enum ov_err admin_reset_worker_start(struct admin *app)
{
	worker.app = app;
	worker.stopping = false;
	if (pthread_create(&worker.thread, NULL, worker_main, NULL) != 0)
		return OV_EEXHAUSTED;
	worker.running = true;
	return OV_OK;
}

void admin_reset_worker_stop(void)
{
	if (!worker.running)
		return;
	pthread_mutex_lock(&worker.mu);
	worker.stopping = true;
	pthread_cond_broadcast(&worker.wake);
	pthread_mutex_unlock(&worker.mu);
	pthread_join(worker.thread, NULL);
	worker.running = false;
}

/* Counted apart from logins (keys reset:acct:... and reset:addr:...):
 * they limit reset mails, so that nobody floods a mailbox, and never
 * slow anybody's login. */
void auth_forgot(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"number", OV_J_STR, true},
		{"username", OV_J_STR, true},
	};
	struct account a;
	char acct[160], addr[128];
	PGresult *res = NULL;

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])))
		return;
	bool well_formed = keys(r, &a);
	snprintf(acct, sizeof(acct), "reset:%s", a.acct_key);
	snprintf(addr, sizeof(addr), "reset:%s", a.addr_key);
	const char *k[] = {acct, addr};
	const long fr[] = {RESET_ACCT_FREE, RESET_ADDR_FREE};
	const char *l[] = {"reset_account", "reset_address"};
	if (refuse(r, &a, k, fr, l, 2))
		return;
	bump(r, acct);
	bump(r, addr);
	if (well_formed) {
		const char *p[] = {a.number, a.fold, r->client_ip};
		enum ov_err e =
			ov_db_exec(r->db, "reset_queue_put", 3, p, &res);
		PQclear(res);
		if (e != OV_OK) {
			admin_fail_store(r, e, "reset");
			return;
		}
	}
	/* The same answer whether or not the account exists. */
	admin_json(r, 202, json_pack("{s:b}", "accepted", 1));
}

static void reset(struct admin_req *r, const struct account *a)
{
	unsigned char hash[HASH_LEN];
	PGresult *res = NULL;

	enum ov_err e = OV_ENOTFOUND;
	if (a->found) {
		admin_token_hash(admin_str(r, "code"), hash);
		const char *p[] = {(const char *)hash, a->id};
		const int len[] = {HASH_LEN, -1};
		e = ov_db_begin(r->db);
		if (e == OV_OK)
			e = ov_db_exec_bin(r->db, "reset_use", 2, p, len, &res);
		if (e == OV_OK && PQntuples(res) != 1)
			e = OV_ENOTFOUND;
		PQclear(res);
		if (e == OV_OK)
			e = set_password(r, a->id, a->tenant_id);
		if (e == OV_OK)
			e = ov_db_commit(r->db);
		if (e != OV_OK)
			ov_db_rollback(r->db);
	}
	if (e == OV_ENOTFOUND) {
		failed(r, a);
		admin_fail(r, 400, OV_EINVAL, "code",
			   "the code is wrong, used or expired");
		return;
	}
	if (e != OV_OK) {
		admin_fail_store(r, e, "reset");
		return;
	}
	/* The code came by mail: this address is the account's own now. */
	clear(r, a->pair_key);
	known_address_put(r, a->acct_key);
	admin_sip_rotate(r, a->tenant_id, a->id);
	admin_json(r, 200,
		   json_pack("{s:b, s:b}", "password_changed", 1, "logged_out",
			     1));
}

void auth_reset(struct admin_req *r)
{
	static const struct ov_json_field f[] = {
		{"number", OV_J_STR, true},
		{"username", OV_J_STR, true},
		{"code", OV_J_STR, true},
		{"new_password", OV_J_STR, true},
		{"confirm_password", OV_J_STR, true},
	};
	struct account a;

	if (!admin_body_ok(r, f, sizeof(f) / sizeof(f[0])) || !lookup(r, &a))
		return;
	if (new_password_ok(r, NULL))
		reset(r, &a);
	release(r, &a);
}
