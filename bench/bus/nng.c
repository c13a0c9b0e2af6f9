/*
 * The product's path: an ov_bus server answering "ping" with an
 * ov.PingReply as lib/svc.c does, and ov_bus_client_call from the
 * client, one ov_bus_client shared by every client thread.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "common.pb-c.h"

#define PEER_WAIT_MS 3000

static uint64_t started_ms;
static char instance[128];

static void set_instance(void)
{
	char host[64];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(instance, sizeof(instance), "%s:%ld", host, (long)getpid());
}

/* The reply svc.c's ping gives, without a service health message. */
static void fill_reply(Ov__PingReply *out)
{
	out->service = (char *)"bench";
	out->version = (char *)OV_VERSION;
	out->uptime_ms = ov_now_ms() - started_ms;
	out->instance = instance;
	out->ready = true;
}

static enum ov_err ping(const struct ov_bus_req *req, struct ov_bus_reply *rep,
			void *arg)
{
	Ov__PingReply out = OV__PING_REPLY__INIT;
	(void)arg;

	if (req->body_len) {
		Ov__PingRequest *in = ov__ping_request__unpack(
			NULL, req->body_len, req->body);
		if (!in)
			return ov_bus_fail(rep, OV_EINVAL,
					   "body is not an ov.PingRequest");
		ov__ping_request__free_unpacked(in, NULL);
	}
	fill_reply(&out);
	return ov_bus_reply_pack(rep, &out.base);
}

static const struct ov_bus_method methods[] = {{"ping", ping}};

int bench_nng_serve(const char *url, unsigned workers)
{
	struct ov_bus_server_opts o = {.urls = url,
				       .workers = workers,
				       .methods = methods,
				       .n_methods = 1};
	struct ov_bus_server *s;

	started_ms = ov_now_ms();
	set_instance();
	/* nng's threads and the workers inherit the blocked signals. */
	bench_block_signals();
	if (ov_bus_server_start(&o, &s) != OV_OK)
		return 1;
	bench_child_ready();
	bench_wait_signal();
	ov_bus_server_drain(s, 1000);
	ov_bus_server_free(s);
	return 0;
}

struct ov_bus_client *bench_nng_client_new(const char *url)
{
	struct ov_bus_client_opts o = {.urls = url};
	struct ov_bus_client *c;

	if (ov_bus_client_new(&o, &c) != OV_OK)
		return NULL;
	uint64_t until = ov_now_ms() + PEER_WAIT_MS;
	while (ov_bus_client_peers(c) == 0 && ov_now_ms() < until) {
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	if (ov_bus_client_peers(c) == 0) {
		fprintf(stderr, "bench-bus: no connection to %s\n", url);
		ov_bus_client_free(c);
		return NULL;
	}
	return c;
}

static void *conn_open(void *arg)
{
	return arg; /* every thread shares the one client */
}

static void conn_close(void *conn)
{
	(void)conn;
}

static bool roundtrip(void *conn)
{
	struct ov_bus_call call = {.method = "ping",
				   .request_id = BENCH_REQUEST_ID,
				   .deadline_ms = BENCH_DEADLINE_MS};
	struct ov_bus_result res = {0};
	bool ok = false;

	if (ov_bus_client_call(conn, &call, &res) == OV_OK) {
		Ov__PingReply *r =
			ov__ping_reply__unpack(NULL, res.body_len, res.body);
		ok = r && r->ready;
		if (r)
			ov__ping_reply__free_unpacked(r, NULL);
	}
	ov_bus_result_free(&res);
	return ok;
}

void bench_nng_peer(struct ov_bus_client *c, struct bench_peer *p)
{
	p->conn_open = conn_open;
	p->roundtrip = roundtrip;
	p->conn_close = conn_close;
	p->arg = c;
}

void bench_nng_sizes(size_t *req, size_t *rep)
{
	Ov__Envelope env = OV__ENVELOPE__INIT;
	Ov__PingReply pr = OV__PING_REPLY__INIT;
	Ov__Status st = OV__STATUS__INIT;
	Ov__Reply r = OV__REPLY__INIT;
	uint8_t *body = NULL;
	size_t len = 0;

	env.method = (char *)"ping";
	env.request_id = (char *)BENCH_REQUEST_ID;
	env.deadline_ms = BENCH_DEADLINE_MS;
	*req = ov__envelope__get_packed_size(&env);

	started_ms = ov_now_ms() - 1000; /* a few varint bytes of uptime */
	set_instance();
	fill_reply(&pr);
	if (ov_pb_pack(&pr.base, &body, &len) != OV_OK)
		len = 0;
	r.status = &st;
	r.request_id = (char *)BENCH_REQUEST_ID;
	r.body.data = body;
	r.body.len = len;
	*rep = ov__reply__get_packed_size(&r);
	free(body);
}
