/*
 * ov-migrate: applies every schema's migrations and exits; the
 * deployment's migration Job (docs/deploy.md, "Images").
 *
 * The services apply their own schema at start too, under the same
 * advisory lock (lib/db.c), so this is an order of events, not a second
 * way to migrate: the Job runs first, and a rollout whose migration
 * fails stops here, with one clear log line, instead of in a crash loop
 * of every replica.
 *
 *   OV_DB_URL          PostgreSQL connection URI (required)
 *   OV_MIGRATE_WAIT_S  how long to wait for the database to answer
 *                      (default 30)
 *   OV_LOG_LEVEL       debug, info, warn or error (default info)
 *
 * Exit 0: every schema is at its newest version. 1: the database did
 * not answer in time or a migration failed (logged as migrate.failed
 * with the schema and the error). 2: bad configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "db.h"
#include "log.h"

#define EXIT_CONFIG 2

extern const struct ov_migration registrar_migrations[];
extern const size_t registrar_n_migrations;
extern const struct ov_migration admin_migrations[];
extern const size_t admin_n_migrations;
extern const struct ov_migration notify_migrations[];
extern const size_t notify_n_migrations;

/* Every service that owns a schema, with the name its main.c gives it,
 * in the order the stack starts them (notify's schema names admin's
 * outbox rows, so admin comes first). */
static const struct {
	const char *schema;
	const struct ov_migration *m;
	const size_t *n;
} schemas[] = {
	{"registrar", registrar_migrations, &registrar_n_migrations},
	{"admin", admin_migrations, &admin_n_migrations},
	{"notify", notify_migrations, &notify_n_migrations},
};

static const char *db_url;
static int wait_s;
static const char *log_level;

static const struct ov_cfg_var vars[] = {
	OV_CFG_STR("OV_DB_URL", NULL, "PostgreSQL connection URI", &db_url),
	OV_CFG_INT("OV_MIGRATE_WAIT_S", "30",
		   "seconds to wait for the database to answer", &wait_s, 0,
		   3600),
	OV_CFG_STR("OV_LOG_LEVEL", "info", "debug, info, warn or error",
		   &log_level),
};
#define N_VARS (sizeof(vars) / sizeof(vars[0]))

static const char *env_get(const char *name)
{
	return getenv(name);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Migrates one schema, retrying while the database is unavailable
 * until `until` (monotonic ms). */
static enum ov_err migrate(struct ov_db *db, size_t i, long long until,
			   int *version)
{
	enum ov_err e;

	while ((e = ov_db_migrate(db, schemas[i].schema, schemas[i].m,
				  *schemas[i].n, version)) == OV_EUNAVAIL &&
	       now_ms() < until) {
		struct timespec ts = {0, 250000000L};
		nanosleep(&ts, NULL);
	}
	return e;
}

int main(int argc, char **argv)
{
	enum ov_log_level level;
	struct ov_db *db = NULL;
	char err[512];
	int rc = 1;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("ov-migrate %s\n", OV_VERSION);
		return 0;
	}
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--check-config") != 0)) {
		fprintf(stderr,
			"usage: ov-migrate [--check-config | --version]\n"
			"Configured through the environment; "
			"--check-config lists every variable.\n");
		return EXIT_CONFIG;
	}
	if (ov_cfg_load(vars, N_VARS, env_get, err, sizeof(err)) != OV_OK ||
	    !ov_parse_level_or(log_level, &level, err, sizeof(err))) {
		fprintf(stderr, "ov-migrate: %s\n", err);
		return EXIT_CONFIG;
	}
	if (argc == 2) {
		ov_cfg_print(stdout, vars, N_VARS);
		return 0;
	}
	ov_log_init("migrate", level);

	db = ov_db_open(db_url, NULL, 0);
	if (!db) {
		ov_log_error("migrate.failed", OV_LS("error", "cannot open"));
		goto out;
	}
	long long until = now_ms() + (long long)wait_s * 1000;
	for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		int version = 0;
		enum ov_err e = migrate(db, i, until, &version);
		if (e != OV_OK) {
			ov_log_error("migrate.failed",
				     OV_LS("schema", schemas[i].schema),
				     OV_LS("error", ov_err_name(e)));
			goto out;
		}
		ov_log_info("migrate.schema",
			    OV_LS("schema", schemas[i].schema),
			    OV_LI("version", version));
	}
	rc = 0;
out:
	ov_db_close(db);
	ov_log_info("migrate.exit", OV_LI("code", rc));
	return rc;
}
