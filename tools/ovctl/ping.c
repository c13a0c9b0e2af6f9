/* ovctl ping: is each service up, which version, how fast, how healthy. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "cmd.h"
#include "common.pb-c.h"
#include "ivr.pb-c.h"
#include "notify.pb-c.h"
#include "registrar.pb-c.h"
#include "router.pb-c.h"

static const char *const all[] = {"router", "registrar", "ivr", "admin",
				  "notify"};
#define N_ALL (sizeof(all) / sizeof(all[0]))

/* The schema owners' Health messages share one shape. */
static bool db_health(const ProtobufCMessageDescriptor *d,
		      const ProtobufCBinaryData *b, char *out, size_t size)
{
	ProtobufCMessage *m =
		protobuf_c_message_unpack(d, NULL, b->len, b->data);
	if (!m) {
		snprintf(out, size, "health undecodable");
		return false;
	}
	/* Fields 1 (db) and 2 (schema_version) in every one of them. */
	const Ov__Admin__Health *h = (const Ov__Admin__Health *)m;
	snprintf(out, size, "db=%s schema=%u", h->db ? "ok" : "DOWN",
		 h->schema_version);
	bool ok = h->db;
	protobuf_c_message_free_unpacked(m, NULL);
	return ok;
}

/* Writes the service's health in words; false when it is unhealthy. */
static bool health_text(const char *svc, const ProtobufCBinaryData *b,
			char *out, size_t size)
{
	if (strcmp(svc, "router") == 0) {
		Ov__Router__Health *h =
			ov__router__health__unpack(NULL, b->len, b->data);
		if (!h) {
			snprintf(out, size, "health undecodable");
			return false;
		}
		snprintf(out, size, "tenants=%u plans=%llu", h->tenants,
			 (unsigned long long)h->plans);
		ov__router__health__free_unpacked(h, NULL);
		return true;
	}
	if (strcmp(svc, "ivr") == 0) {
		Ov__Ivr__Health *h =
			ov__ivr__health__unpack(NULL, b->len, b->data);
		if (!h) {
			snprintf(out, size, "health undecodable");
			return false;
		}
		snprintf(out, size, "rtpengine=%s (%s)",
			 h->rtpengine ? "ok" : "DOWN", h->rtpengine_addr);
		bool ok = h->rtpengine;
		ov__ivr__health__free_unpacked(h, NULL);
		return ok;
	}
	if (strcmp(svc, "registrar") == 0) {
		bool ok = db_health(&ov__registrar__health__descriptor, b, out,
				    size);
		Ov__Registrar__Health *h =
			ov__registrar__health__unpack(NULL, b->len, b->data);
		if (h) {
			size_t n = strlen(out);
			snprintf(out + n, size - n, " bindings=%llu",
				 (unsigned long long)h->bindings);
			ov__registrar__health__free_unpacked(h, NULL);
		}
		return ok;
	}
	if (strcmp(svc, "notify") == 0)
		return db_health(&ov__notify__health__descriptor, b, out, size);
	return db_health(&ov__admin__health__descriptor, b, out, size);
}

static enum ov_err ping_once(struct ov_bus_client *c, unsigned deadline_ms,
			     unsigned delay_ms, struct ov_bus_result *res)
{
	Ov__PingRequest req = OV__PING_REQUEST__INIT;
	uint8_t body[16];

	req.delay_ms = delay_ms;
	size_t len = ov__ping_request__pack(&req, body);
	struct ov_bus_call call = {.method = "ping",
				   .request_id = "ovctl-ping",
				   .deadline_ms = deadline_ms + delay_ms,
				   .body = body,
				   .body_len = len};
	return ov_bus_client_call(c, &call, res);
}

/* One line per service; returns true when it is up and healthy. */
static bool ping_show(const struct ovctl_opts *o, const char *svc,
		      unsigned delay_ms)
{
	struct ov_bus_result res = {0};
	char health[160] = "";
	bool up = false;

	struct ov_bus_client *c = ovctl_client(svc);
	if (!c) {
		printf("%-10s %-14s %10s  %-5s %s\n", svc, "-", "-", "no",
		       "not configured");
		return false;
	}
	uint64_t t0 = ov_now_us();
	enum ov_err e = ping_once(c, o->deadline_ms, delay_ms, &res);
	double rtt_ms = (double)(ov_now_us() - t0) / 1000.0;
	Ov__PingReply *r = NULL;
	if (e == OV_OK)
		r = ov__ping_reply__unpack(NULL, res.body_len, res.body);
	if (!r) {
		printf("%-10s %-14s %10s  %-5s DOWN: %s: %s\n", svc, "-", "-",
		       "no", ov_err_name(e == OV_OK ? OV_EINTERNAL : e),
		       res.message);
		goto out;
	}
	bool healthy = health_text(svc, &r->health, health, sizeof(health));
	printf("%-10s %-14s %7.2f ms  %-5s %s, up %llus, %s\n", svc, r->version,
	       rtt_ms, r->ready ? "yes" : "no", health,
	       (unsigned long long)(r->uptime_ms / 1000), r->instance);
	up = r->ready && healthy;
	ov__ping_reply__free_unpacked(r, NULL);
out:
	ov_bus_result_free(&res);
	ovctl_client_done(c);
	return up;
}

/* --count: a load of pings from several threads, for drain tests. */
struct load {
	struct ov_bus_client *c;
	const struct ovctl_opts *o;
	unsigned delay_ms;
	atomic_uint next, total;
	atomic_uint by_err[OV_ERR_COUNT];
};

static void *load_thread(void *arg)
{
	struct load *l = arg;

	while (atomic_fetch_add(&l->next, 1) < l->total) {
		struct ov_bus_result res = {0};
		enum ov_err e =
			ping_once(l->c, l->o->deadline_ms, l->delay_ms, &res);
		atomic_fetch_add(
			&l->by_err[e < OV_ERR_COUNT ? e : OV_EINTERNAL], 1);
		ov_bus_result_free(&res);
	}
	return NULL;
}

static int ping_load(const struct ovctl_opts *o, const char *svc,
		     unsigned count, unsigned threads, unsigned delay_ms)
{
	struct load l = {.o = o, .delay_ms = delay_ms};
	pthread_t t[64];
	unsigned started = 0;

	if (!(l.c = ovctl_client(svc)))
		return 2;
	atomic_store(&l.total, count);
	for (; started < threads; started++)
		if (pthread_create(&t[started], NULL, load_thread, &l) != 0)
			break;
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	ovctl_client_done(l.c);
	printf("sent=%u", count);
	for (int e = 0; e < OV_ERR_COUNT; e++)
		printf(" %s=%u", ov_err_name((enum ov_err)e),
		       atomic_load(&l.by_err[e]));
	printf("\n");
	return atomic_load(&l.by_err[OV_OK]) == count ? 0 : 1;
}

static int ping(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		int argc, char **argv)
{
	unsigned delay = 0, count = 0, threads = 1;
	struct ovctl_getopt g;
	int c;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0) {
		switch (c) {
		case 'd':
			if (!ovctl_uint(g.arg, 0, 5000, &delay))
				return 2;
			break;
		case 'n':
			if (!ovctl_uint(g.arg, 1, 10000000, &count))
				return 2;
			break;
		case 'c':
			if (!ovctl_uint(g.arg, 1, 64, &threads))
				return 2;
			break;
		}
	}
	if (c < 0)
		return g.rc;
	const char *target = g.args[0];
	if (count)
		return ping_load(o, target, count, threads, delay);

	printf("%-10s %-14s %10s  %-5s %s\n", "SERVICE", "VERSION", "RTT",
	       "READY", "HEALTH");
	if (strcmp(target, "all") != 0)
		return ping_show(o, target, delay) ? 0 : 1;
	unsigned down = 0;
	for (size_t i = 0; i < N_ALL; i++)
		down += !ping_show(o, all[i], delay);
	return down ? 1 : 0;
}

static const struct option ping_opts[] = {
	{"delay-ms", required_argument, NULL, 'd'},
	{"count", required_argument, NULL, 'n'},
	{"concurrency", required_argument, NULL, 'c'},
	{0},
};

const struct ovctl_cmd ovctl_ping_cmd = {
	.name = "ping",
	.synopsis = "ping SERVICE|all [--delay-ms N] [--count N "
		    "[--concurrency N]]",
	.help = "Version, round trip and health of a service (router,\n"
		"registrar, ivr, admin, notify) or of all; exits 1 if any is\n"
		"down or unhealthy.\n"
		"\n"
		"  --delay-ms N     the service waits N ms (0-5000) before it\n"
		"                   answers, as a slow request would\n"
		"  --count N        N pings instead (load, drain tests), then\n"
		"                   a count of outcomes; exits 1 unless all\n"
		"                   are ok\n"
		"  --concurrency N  from N threads (1-64, default 1)\n",
	.opts = ping_opts,
	.min_args = 1,
	.max_args = 1,
	.run = ping,
};
