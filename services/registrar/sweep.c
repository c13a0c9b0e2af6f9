/*
 * The sweeper: a thread that deletes expired bindings every
 * OV_REGISTRAR_SWEEP_S seconds. Reads never wait for it (they skip
 * expired rows); it keeps the table small. Replicas sweep side by side:
 * rows another one holds are skipped (SKIP LOCKED).
 */
#include <errno.h>
#include <stdlib.h>

#include "registrar.h"

#define SWEEP_BATCH "500"
#define SWEEP_BATCH_N 500
#define SWEEP_ROUND_MAX 100000 /* then the next round goes on */

long registrar_sweep_once(struct registrar *app)
{
	struct ov_db *db = ov_db_acquire(app->pool, 1000);
	long total = 0;

	if (!db)
		return 0;
	for (;;) {
		PGresult *res = NULL;
		const char *p[] = {SWEEP_BATCH};
		if (ov_db_exec(db, "bindings_sweep", 1, p, &res) != OV_OK)
			break;
		int n = PQntuples(res);
		for (int i = 0; i < n; i++) {
			struct ov_log_ctx ctx = {PQgetvalue(res, i, 0), NULL};
			ov_logc_info(&ctx, "binding.swept",
				     OV_LS("owner", PQgetvalue(res, i, 1)),
				     OV_LS("device", PQgetvalue(res, i, 2)),
				     OV_LS("aor", PQgetvalue(res, i, 3)),
				     OV_LS("contact", PQgetvalue(res, i, 4)));
		}
		PQclear(res);
		total += n;
		if (n < SWEEP_BATCH_N || total >= SWEEP_ROUND_MAX)
			break;
	}
	ov_db_release(app->pool, db);
	ov_counter_add(app->m.swept, (uint64_t)total);
	return total;
}

static void *sweeper(void *arg)
{
	struct registrar *app = arg;

	pthread_mutex_lock(&app->lock);
	while (!app->stopping) {
		struct timespec until =
			ov_abstime((unsigned)app->cfg.sweep_s * 1000u);
		int rv = 0;
		while (!app->stopping && rv != ETIMEDOUT)
			rv = pthread_cond_timedwait(&app->wake, &app->lock,
						    &until);
		if (app->stopping)
			break;
		pthread_mutex_unlock(&app->lock);
		registrar_sweep_once(app);
		pthread_mutex_lock(&app->lock);
	}
	pthread_mutex_unlock(&app->lock);
	return NULL;
}

enum ov_err registrar_sweep_start(struct registrar *app)
{
	app->stopping = false;
	if (pthread_create(&app->sweeper, NULL, sweeper, app) != 0)
		return OV_EEXHAUSTED;
	app->sweeper_running = true;
	return OV_OK;
}

void registrar_sweep_stop(struct registrar *app)
{
	if (!app->sweeper_running)
		return;
	pthread_mutex_lock(&app->lock);
	app->stopping = true;
	pthread_cond_broadcast(&app->wake);
	pthread_mutex_unlock(&app->lock);
	pthread_join(app->sweeper, NULL);
	app->sweeper_running = false;
}

long long registrar_live_bindings(struct registrar *app)
{
	struct ov_db *db = ov_db_acquire(app->pool, 200);
	PGresult *res = NULL;
	long n = -1;

	if (!db)
		return -1;
	if (ov_db_exec(db, "bindings_live", 0, NULL, &res) == OV_OK &&
	    !ov_parse_long(PQgetvalue(res, 0, 0), 0, 1L << 40, &n))
		n = -1;
	PQclear(res);
	ov_db_release(app->pool, db);
	return n;
}
