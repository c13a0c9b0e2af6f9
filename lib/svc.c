#include "svc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.pb-c.h"
#include "http.h"
#include "log.h"

#define PING_DELAY_MAX_MS 5000
#define EXIT_CONFIG 2

static const char *env_get(const char *name)
{
	return getenv(name);
}

static enum ov_err ping(const struct ov_bus_req *req, struct ov_bus_reply *rep,
			void *arg)
{
	struct ov_svc_rt *rt = arg;
	Ov__PingRequest *in = NULL;
	Ov__PingReply out = OV__PING_REPLY__INIT;
	uint8_t *health = NULL;
	size_t health_len = 0;
	enum ov_err e;

	if (req->body_len) {
		in = ov__ping_request__unpack(NULL, req->body_len, req->body);
		if (!in)
			return ov_bus_fail(rep, OV_EINVAL,
					   "body is not an ov.PingRequest");
	}
	if (in && in->delay_ms) {
		unsigned ms = in->delay_ms < PING_DELAY_MAX_MS
				      ? in->delay_ms
				      : PING_DELAY_MAX_MS;
		struct timespec ts = {(time_t)(ms / 1000),
				      (long)(ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (in)
		ov__ping_request__free_unpacked(in, NULL);
	if (rt->def->health &&
	    rt->def->health(rt, &health, &health_len) == OV_OK) {
		out.health.data = health;
		out.health.len = health_len;
	}
	out.service = (char *)rt->def->name;
	out.version = OV_VERSION;
	out.uptime_ms = ov_now_ms() - rt->started_ms;
	out.instance = rt->instance;
	out.ready = atomic_load(&rt->ready);
	e = ov_bus_reply_pack(rep, &out.base);
	free(health);
	return e;
}

static bool http_ready(void *arg)
{
	struct ov_svc_rt *rt = arg;
	if (!atomic_load(&rt->ready))
		return false;
	return !rt->def->ready || rt->def->ready(rt);
}

static bool http_service(const struct ov_http_request *req,
			 struct ov_http_response *res, void *arg)
{
	struct ov_svc_rt *rt = arg;

	if (!rt->def->http)
		return false;
	if (!atomic_load(&rt->started)) {
		ov_http_problem(res, 503, OV_EUNAVAIL, NULL,
				"starting or stopping; try again shortly");
		res->retry_after = 1;
		return true;
	}
	return rt->def->http(req, res, rt);
}

/* The common table, then the service's own, as --check-config shows. */
static size_t common_vars(struct ov_svc_rt *rt, struct ov_cfg_var *v)
{
	struct ov_svc_cfg *c = &rt->cfg;
	size_t n = 0;

	v[n++] = (struct ov_cfg_var)OV_CFG_URLS(
		"OV_BUS_LISTEN", NULL, "bus REP URLs this replica listens on",
		&c->bus_listen);
	v[n++] = (struct ov_cfg_var)OV_CFG_INT("OV_BUS_WORKERS", "8",
					       "bus requests handled at once",
					       &c->bus_workers, 1, 256);
	v[n++] = (struct ov_cfg_var)OV_CFG_INT(
		"OV_BUS_MAX_MSG", "1048576",
		"largest bus message answered (bytes)", &c->bus_max_msg, 1024,
		64 << 20);
	v[n++] = (struct ov_cfg_var)OV_CFG_STR(
		"OV_HTTP_ADDR", "127.0.0.1",
		"IPv4 address for health, readiness and metrics",
		&c->http_addr);
	v[n++] = (struct ov_cfg_var)OV_CFG_INT(
		"OV_HTTP_PORT", NULL, "port for health, readiness and metrics",
		&c->http_port, 1, 65535);
	v[n++] = (struct ov_cfg_var)OV_CFG_INT(
		"OV_HTTP_THREADS", "4",
		"HTTP threads (handlers that wait on the database hold one)",
		&c->http_threads, 1, 64);
	v[n++] = (struct ov_cfg_var)OV_CFG_INT(
		"OV_HTTP_PER_IP_LIMIT", "64",
		"HTTP connections at once from one address (behind a proxy: "
		"above its upstream connections); 0: no limit",
		&c->http_per_ip, 0, 100000);
	v[n++] = (struct ov_cfg_var)OV_CFG_INT(
		"OV_HTTP_HEAD_TIMEOUT_S", "10",
		"seconds a connection has for a complete request head, from "
		"its accept or its previous answer, else it is closed",
		&c->http_head_timeout_s, 1, 3600);
	v[n++] = (struct ov_cfg_var)OV_CFG_INT(
		"OV_DRAIN_MS", "10000",
		"on SIGTERM, how long in-flight requests may take",
		&c->drain_ms, 0, 600000);
	v[n++] = (struct ov_cfg_var)OV_CFG_STR("OV_LOG_LEVEL", "info",
					       "debug, info, warn or error",
					       &c->log_level);
	if (rt->def->schema)
		v[n++] = (struct ov_cfg_var)OV_CFG_STR(
			"OV_DB_URL", NULL, "PostgreSQL connection URI",
			&c->db_url);
	return n;
}

static void usage(const char *svc)
{
	fprintf(stderr,
		"usage: ov-%s [--check-config | --version]\n"
		"Configured through the environment; --check-config lists "
		"every variable.\n",
		svc);
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
	return sig;
}

/* Migrates the service's schema, waiting for the database as long as it
 * takes: PostgreSQL may come up after us, or its credentials after the
 * pod (an operator makes them), and a process that exited would only be
 * restarted into the same wait, with a growing back-off, by whatever
 * supervises it. Meanwhile /healthz answers and /readyz says 503. Tries
 * back off from 250 ms to 5 s (libpq logs each failure, db.connect_failed);
 * svc.db_waiting says every 30 s that this is a wait, not a failure.
 * SIGTERM or SIGINT ends the wait: *stopped is set. Any other error (a
 * migration that fails) is returned: that needs a person. */
static enum ov_err db_wait(struct ov_svc_rt *rt, bool *stopped)
{
	const struct ov_svc *svc = rt->def;
	uint64_t since = ov_now_ms(), told = 0;
	long delay_ms = 250;
	sigset_t set;
	enum ov_err e;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	while ((e = ov_db_migrate(rt->db, svc->schema, svc->migrations,
				  svc->n_migrations, &rt->schema_version)) ==
	       OV_EUNAVAIL) {
		uint64_t now = ov_now_ms();
		if (!told || now - told >= 30000) {
			ov_log_warn("svc.db_waiting",
				    OV_LS("schema", svc->schema),
				    OV_LI("waited_s",
					  (long long)((now - since) / 1000)));
			told = now;
		}
		struct timespec ts = {delay_ms / 1000,
				      (delay_ms % 1000) * 1000000L};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			ov_log_info("svc.db_wait_stopped",
				    OV_LS("signal", strsignal(sig)));
			*stopped = true;
			return e;
		}
		delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2;
	}
	return e;
}

int ov_svc_main(const struct ov_svc *svc, int argc, char **argv)
{
	static struct ov_svc_rt rt;
	struct ov_cfg_var vars[64];
	struct ov_bus_method methods[64];
	struct ov_bus_server *bus = NULL;
	struct ov_http *http = NULL;
	enum ov_log_level level;
	char err[512];
	int rc = 1;
	bool check = false;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--check-config") != 0 &&
			 strcmp(argv[1], "--version") != 0)) {
		usage(svc->name);
		return EXIT_CONFIG;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("ov-%s %s\n", svc->name, OV_VERSION);
		return 0;
	}
	check = argc == 2;

	rt.def = svc;
	rt.started_ms = ov_now_ms();
	char host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	snprintf(rt.instance, sizeof(rt.instance), "%s:%ld", host,
		 (long)getpid());

	size_t nv = common_vars(&rt, vars);
	if (nv + svc->n_vars > sizeof(vars) / sizeof(vars[0]) ||
	    svc->n_methods + 1 > sizeof(methods) / sizeof(methods[0]))
		return EXIT_CONFIG;
	memcpy(vars + nv, svc->vars, svc->n_vars * sizeof(*vars));
	nv += svc->n_vars;
	if (ov_cfg_load(vars, nv, env_get, err, sizeof(err)) != OV_OK ||
	    !ov_parse_level_or(rt.cfg.log_level, &level, err, sizeof(err))) {
		fprintf(stderr, "ov-%s: %s\n", svc->name, err);
		return EXIT_CONFIG;
	}
	if (check) {
		ov_cfg_print(stdout, vars, nv);
		return 0;
	}
	ov_log_init(svc->name, level);

	/* Signals go to the main thread only: block them before any other
	 * thread (nng, libpq, MHD) exists. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct ov_http_opts ho = {
		.addr = rt.cfg.http_addr,
		.port = rt.cfg.http_port,
		.threads = (unsigned)rt.cfg.http_threads,
		.per_ip_limit = (unsigned)rt.cfg.http_per_ip,
		.head_timeout_s = (unsigned)rt.cfg.http_head_timeout_s,
		.ready = http_ready,
		.ready_arg = &rt,
		.handler = http_service,
		.handler_arg = &rt,
	};
	if (ov_http_start(&ho, &http) != OV_OK)
		goto out;

	if (svc->schema) {
		rt.db = ov_db_open(rt.cfg.db_url, NULL, 0);
		if (!rt.db)
			goto out;
		bool stopped = false;
		enum ov_err e = db_wait(&rt, &stopped);
		if (stopped) {
			rc = 0;
			goto out;
		}
		if (e != OV_OK) {
			ov_log_error("svc.migrate_failed",
				     OV_LS("schema", svc->schema),
				     OV_LS("error", ov_err_name(e)));
			goto out;
		}
	}
	if (svc->start && svc->start(&rt) != OV_OK) {
		ov_log_error("svc.start_failed");
		goto out;
	}
	atomic_store(&rt.started, true);

	methods[0] = (struct ov_bus_method){"ping", ping};
	memcpy(methods + 1, svc->methods, svc->n_methods * sizeof(*methods));
	struct ov_bus_server_opts bo = {
		.urls = rt.cfg.bus_listen,
		.workers = (unsigned)rt.cfg.bus_workers,
		.max_msg = (size_t)rt.cfg.bus_max_msg,
		.methods = methods,
		.n_methods = svc->n_methods + 1,
		.arg = &rt,
	};
	if (ov_bus_server_start(&bo, &bus) != OV_OK)
		goto stop;
	atomic_store(&rt.ready, true);
	ov_log_info("svc.ready", OV_LS("version", OV_VERSION),
		    OV_LS("instance", rt.instance),
		    OV_LI("schema_version", rt.schema_version));

	int sig = wait_for_signal();
	ov_log_info("svc.draining", OV_LS("signal", strsignal(sig)),
		    OV_LI("drain_ms", rt.cfg.drain_ms));
	atomic_store(&rt.ready, false);
	ov_http_set_draining(http);
	unsigned left = ov_bus_server_drain(bus, (unsigned)rt.cfg.drain_ms);
	if (left) {
		/* A handler is stuck: nothing may be freed under it. */
		ov_log_warn("svc.drain_incomplete",
			    OV_LI("requests", (long long)left));
		ov_log_info("svc.exit", OV_LI("code", 1));
		_exit(1);
	}
	rc = 0;
stop:
	atomic_store(&rt.started, false);
	ov_http_stop(http); /* no request may reach a stopped service */
	http = NULL;
	if (svc->stop)
		svc->stop(&rt);
out:
	ov_bus_server_free(bus);
	ov_http_stop(http);
	ov_db_close(rt.db);
	ov_log_info("svc.exit", OV_LI("code", rc));
	return rc;
}
