/*
 * bench-router route: the round trip of the router's "route" over the
 * bus, as Kamailio makes it for every new call: a RouteRequest from the
 * carrier's trunk to a tenant's fixed number, the Plan back (the
 * router asks the registrar for the tenant's contacts on the way).
 * The baseline is "ping" on the same server, at the same rate: the bus
 * floor (envelope, nng, a worker, the reply).
 *
 *   1. one caller, one call after another (IDLE_CALLS): the round
 *      trip with no queue anywhere;
 *   2. the most each method sustains: --threads callers in a closed
 *      loop for --seconds;
 *   3. both methods paced at --load (0.8) times route's maximum, every
 *      round trip timed: p50 and p99 from the call to its reply, and
 *      p99 from when the call was due (a late caller waits: queueing
 *      in the client counts there).
 *
 * With --rate N only step 3 runs, at N calls/s, route then ping for
 * --seconds each: bench/sip runs it beside SIPp to sample the round
 * trip of a call while the whole stack carries a given call load.
 */
#include "bench.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "common.pb-c.h"
#include "plan.h"
#include "router.pb-c.h"

#define MAX_THREADS 64
#define DEADLINE_MS 200u /* Kamailio's default OV_BUS_DEADLINE_MS */
#define PEER_WAIT_MS 3000u
#define TARGET_P99_US 1000.0
#define IDLE_CALLS 2000u

enum method {
	ROUTE,
	PING
};

struct opts {
	const char *url, *to, *from;
	unsigned threads;
	double seconds, load, rate;
};

struct caller {
	pthread_t th;
	struct ov_bus_client *bus; /* shared by every caller */
	const struct opts *o;
	enum method m;
	unsigned index;
	/* closed loop */
	uint64_t end_ns;
	/* paced: call j of this caller is due at first_ns + j * step_ns */
	bool paced;
	uint64_t first_ns, step_ns;
	uint64_t *lat, *due; /* ns, per call */
	size_t n, cap;
	/* both */
	uint64_t ok, errors, last_ns;
};

static uint64_t seq;

/* One call of method m; true on a good reply (route: a plan whose first
 * step rings; ping: a PingReply). */
static bool call_once(struct caller *c)
{
	Ov__Router__RouteRequest in = OV__ROUTER__ROUTE_REQUEST__INIT;
	struct ov_bus_result res = {0};
	char call_id[64], req_id[48];
	uint8_t *body = NULL;
	size_t len = 0;
	bool ok = false;

	unsigned long long n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
	snprintf(req_id, sizeof(req_id), "bench-route-%u-%llu", c->index, n);
	struct ov_bus_call call = {.method = c->m == ROUTE ? "route" : "ping",
				   .request_id = req_id,
				   .deadline_ms = DEADLINE_MS};
	if (c->m == ROUTE) {
		snprintf(call_id, sizeof(call_id), "%llu-bench@127.0.0.1", n);
		in.call_id = call_id;
		in.from_user = (char *)c->o->from;
		in.from_domain = (char *)"trunk.example";
		in.to_user = (char *)c->o->to;
		in.to_domain = (char *)"127.0.0.1";
		in.source_ip = (char *)"127.0.0.1";
		in.source_port = 5060;
		in.origin = OV__ROUTER__ROUTE_REQUEST__ORIGIN__TRUNK;
		if (ov_pb_pack(&in.base, &body, &len) != OV_OK)
			return false;
		call.body = body;
		call.body_len = len;
	}
	if (ov_bus_client_call(c->bus, &call, &res) == OV_OK) {
		if (c->m == ROUTE) {
			Ov__Router__Plan *p = ov__router__plan__unpack(
				NULL, res.body_len, res.body);
			ok = p && p->n_steps &&
			     p->steps[0]->kind == OV__ROUTER__STEP__KIND__RING;
			if (p)
				ov__router__plan__free_unpacked(p, NULL);
		} else {
			Ov__PingReply *p = ov__ping_reply__unpack(
				NULL, res.body_len, res.body);
			ok = p != NULL;
			if (p)
				ov__ping_reply__free_unpacked(p, NULL);
		}
	}
	ov_bus_result_free(&res);
	free(body);
	return ok;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u),
			      (long)(ns % 1000000000u)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

static void *run(void *arg)
{
	struct caller *c = arg;

	if (!c->paced) {
		for (;;) {
			uint64_t now = bench_ns();
			if (now >= c->end_ns)
				break;
			if (call_once(c))
				c->ok++;
			else
				c->errors++;
			c->last_ns = bench_ns();
		}
		return NULL;
	}
	for (size_t j = 0; j < c->cap; j++) {
		uint64_t due = c->first_ns + j * c->step_ns;
		sleep_until(due);
		uint64_t t0 = bench_ns();
		bool ok = call_once(c);
		uint64_t t1 = bench_ns();
		c->last_ns = t1;
		if (!ok) {
			c->errors++;
			continue;
		}
		c->ok++;
		c->lat[c->n] = t1 - t0;
		c->due[c->n] = t1 - due;
		c->n++;
	}
	return NULL;
}

struct result {
	double idle_p50, idle_p99; /* us */
	double max_rps, paced_rps;
	uint64_t max_errors, paced_errors;
	size_t samples;
	double p50, p99, p99_due; /* us */
};

/* One caller, IDLE_CALLS calls back to back, each timed. */
static bool one_caller(struct ov_bus_client *bus, const struct opts *o,
		       enum method m, struct result *r)
{
	uint64_t *lat = calloc(IDLE_CALLS, sizeof(*lat));
	uint64_t *due = calloc(IDLE_CALLS, sizeof(*due));
	bool ok = false;

	if (!lat || !due)
		goto out;
	/* Paced with no gap: every call is due at once. */
	struct caller c = {.bus = bus,
			   .o = o,
			   .m = m,
			   .paced = true,
			   .first_ns = bench_ns(),
			   .lat = lat,
			   .due = due,
			   .cap = IDLE_CALLS};
	run(&c);
	r->max_errors += c.errors;
	if (!c.n)
		goto out;
	bench_sort(lat, c.n);
	r->idle_p50 = bench_pct_sorted(lat, c.n, 50) / 1000.0;
	r->idle_p99 = bench_pct_sorted(lat, c.n, 99) / 1000.0;
	ok = true;
out:
	free(lat);
	free(due);
	return ok;
}

/* Closed loop: the most m sustains with o->threads callers. */
static bool max_rate(struct ov_bus_client *bus, const struct opts *o,
		     enum method m, struct result *r)
{
	struct caller cs[MAX_THREADS];
	uint64_t start = bench_ns(), ok = 0, last = start;
	unsigned made = 0;

	memset(cs, 0, sizeof(cs));
	for (unsigned i = 0; i < o->threads; i++, made++) {
		cs[i] = (struct caller){.bus = bus,
					.o = o,
					.m = m,
					.index = i,
					.end_ns = start +
						  (uint64_t)(o->seconds * 1e9)};
		if (pthread_create(&cs[i].th, NULL, run, &cs[i]) != 0)
			break;
	}
	for (unsigned i = 0; i < made; i++) {
		pthread_join(cs[i].th, NULL);
		ok += cs[i].ok;
		r->max_errors += cs[i].errors;
		if (cs[i].last_ns > last)
			last = cs[i].last_ns;
	}
	r->max_rps =
		last > start ? (double)ok * 1e9 / (double)(last - start) : 0;
	return made == o->threads && ok > 0;
}

/* Paced: rate calls/s spread over the callers, every one timed. */
static bool paced(struct ov_bus_client *bus, const struct opts *o,
		  enum method m, double rate, struct result *r)
{
	struct caller cs[MAX_THREADS];
	unsigned t = o->threads;
	uint64_t total = (uint64_t)(rate * o->seconds);
	uint64_t interval = (uint64_t)(1e9 / rate); /* between any two */
	uint64_t start = bench_ns() + 20000000u;    /* all threads up */
	uint64_t *lat = NULL, *due = NULL;
	uint64_t last = start;
	bool ok = false;

	memset(cs, 0, sizeof(cs));
	if (total < t)
		total = t;
	size_t per = (size_t)(total / t);
	lat = calloc(per * t, sizeof(*lat));
	due = calloc(per * t, sizeof(*due));
	if (!lat || !due)
		goto out;
	unsigned made = 0;
	for (unsigned i = 0; i < t; i++, made++) {
		cs[i] = (struct caller){.bus = bus,
					.o = o,
					.m = m,
					.index = i,
					.paced = true,
					.first_ns = start + i * interval,
					.step_ns = interval * t,
					.lat = lat + i * per,
					.due = due + i * per,
					.cap = per};
		if (pthread_create(&cs[i].th, NULL, run, &cs[i]) != 0)
			break;
	}
	size_t n = 0;
	for (unsigned i = 0; i < made; i++) {
		pthread_join(cs[i].th, NULL);
		/* Gather the samples at the front. */
		memmove(lat + n, cs[i].lat, cs[i].n * sizeof(*lat));
		memmove(due + n, cs[i].due, cs[i].n * sizeof(*due));
		n += cs[i].n;
		r->paced_errors += cs[i].errors;
		if (cs[i].last_ns > last)
			last = cs[i].last_ns;
	}
	if (made < t || !n)
		goto out;
	r->paced_rps = (double)n * 1e9 / (double)(last - start);
	r->samples = n;
	bench_sort(lat, n);
	bench_sort(due, n);
	r->p50 = bench_pct_sorted(lat, n, 50) / 1000.0;
	r->p99 = bench_pct_sorted(lat, n, 99) / 1000.0;
	r->p99_due = bench_pct_sorted(due, n, 99) / 1000.0;
	ok = true;
out:
	free(lat);
	free(due);
	return ok;
}

/* The plan of one call, in words, for the table's heading; false when
 * it is not a RING (then the numbers would not be a call's). */
static bool first_plan(struct ov_bus_client *bus, const struct opts *o,
		       char *words, size_t len)
{
	Ov__Router__RouteRequest in = OV__ROUTER__ROUTE_REQUEST__INIT;
	struct ov_bus_result res = {0};
	uint8_t *body = NULL;
	size_t blen = 0;
	bool ok = false;

	in.call_id = (char *)"first-bench@127.0.0.1";
	in.from_user = (char *)o->from;
	in.to_user = (char *)o->to;
	in.source_ip = (char *)"127.0.0.1";
	in.origin = OV__ROUTER__ROUTE_REQUEST__ORIGIN__TRUNK;
	if (ov_pb_pack(&in.base, &body, &blen) != OV_OK)
		return false;
	struct ov_bus_call call = {.method = "route",
				   .request_id = "bench-route-first",
				   .deadline_ms = 2000,
				   .body = body,
				   .body_len = blen};
	snprintf(words, len, "(no plan)");
	if (ov_bus_client_call(bus, &call, &res) == OV_OK) {
		Ov__Router__Plan *p =
			ov__router__plan__unpack(NULL, res.body_len, res.body);
		if (p) {
			router_plan_words(p, words, len);
			ok = p->n_steps &&
			     p->steps[0]->kind == OV__ROUTER__STEP__KIND__RING;
			ov__router__plan__free_unpacked(p, NULL);
		}
	} else {
		snprintf(words, len, "%s: %s", ov_err_name(res.err),
			 res.message);
	}
	ov_bus_result_free(&res);
	free(body);
	return ok;
}

static void row(const char *name, const struct result *r)
{
	printf("%-19s%8.0f%8.0f%9.0f%9.0f%8.0f%8.0f%10.0f%7llu\n", name,
	       r->idle_p50, r->idle_p99, r->max_rps, r->paced_rps, r->p50,
	       r->p99, r->p99_due,
	       (unsigned long long)(r->max_errors + r->paced_errors));
}

/* --rate: both methods paced at o->rate, nothing else; frees bus. */
static int sampled(struct ov_bus_client *bus, const struct opts *o,
		   const char *words)
{
	struct result route = {0}, ping = {0};
	int rc = 1;

	if (paced(bus, o, ROUTE, o->rate, &route) &&
	    paced(bus, o, PING, o->rate, &ping)) {
		printf("bench-router route: %s, \"%s\", %u callers paced at "
		       "%.0f calls/s for %.0f s each\n",
		       o->to, words, o->threads, o->rate, o->seconds);
		printf("%-19s%9s%8s%8s%10s%7s\n", "", "calls/s", "p50 us",
		       "p99 us", "p99 due", "errors");
		const struct result *rs[] = {&ping, &route};
		const char *names[] = {"ping (bus floor)", "route"};
		for (size_t i = 0; i < 2; i++)
			printf("%-19s%9.0f%8.0f%8.0f%10.0f%7llu\n", names[i],
			       rs[i]->paced_rps, rs[i]->p50, rs[i]->p99,
			       rs[i]->p99_due,
			       (unsigned long long)rs[i]->paced_errors);
		printf("sampled: route p99 %.0f us, ping p99 %.0f us\n",
		       route.p99, ping.p99);
		rc = 0;
	} else {
		fprintf(stderr, "bench-router: paced run failed\n");
	}
	ov_bus_client_free(bus);
	return rc;
}

int bench_route(int argc, char **argv)
{
	struct opts o = {
		.from = "3331234567", .threads = 8, .seconds = 3, .load = 0.8};
	struct ov_bus_client *bus = NULL;
	struct result route = {0}, ping = {0};
	char words[512];
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--url") == 0 && v)
			o.url = v;
		else if (strcmp(a, "--to") == 0 && v)
			o.to = v;
		else if (strcmp(a, "--from") == 0 && v)
			o.from = v;
		else if (strcmp(a, "--threads") == 0)
			o.threads =
				(unsigned)bench_arg_ulong(a, v, 1, MAX_THREADS);
		else if (strcmp(a, "--seconds") == 0)
			o.seconds = bench_arg_double(a, v, 0.2, 600);
		else if (strcmp(a, "--load") == 0)
			o.load = bench_arg_double(a, v, 0.01, 1);
		else if (strcmp(a, "--rate") == 0)
			o.rate = bench_arg_double(a, v, 1, 100000);
		else {
			fprintf(stderr, "bench-router route: unknown %s\n", a);
			return 2;
		}
		i++;
	}
	if (!o.url || !o.to) {
		fprintf(stderr, "bench-router route: --url and --to are "
				"required\n");
		return 2;
	}
	struct ov_bus_client_opts co = {.urls = o.url};
	if (ov_bus_client_new(&co, &bus) != OV_OK) {
		fprintf(stderr, "bench-router: bad bus URL %s\n", o.url);
		return 1;
	}
	uint64_t until = ov_now_ms() + PEER_WAIT_MS;
	while (!ov_bus_client_peers(bus) && ov_now_ms() < until)
		sleep_until(bench_ns() + 1000000u);
	if (!ov_bus_client_peers(bus)) {
		fprintf(stderr, "bench-router: no router at %s\n", o.url);
		goto out;
	}
	if (!first_plan(bus, &o, words, sizeof(words))) {
		fprintf(stderr,
			"bench-router: the plan for %s is no ring: %s\n", o.to,
			words);
		goto out;
	}
	if (o.rate > 0)
		return sampled(bus, &o, words);
	/* Warm up the connections, the router's and the registrar's. */
	struct opts warm = o;
	struct result scratch = {0};
	warm.seconds = 0.3;
	max_rate(bus, &warm, ROUTE, &scratch);

	if (!one_caller(bus, &o, ROUTE, &route) ||
	    !one_caller(bus, &o, PING, &ping) ||
	    !max_rate(bus, &o, ROUTE, &route) ||
	    !max_rate(bus, &o, PING, &ping)) {
		fprintf(stderr, "bench-router: no call succeeded\n");
		goto out;
	}
	double rate = route.max_rps * o.load;
	if (!paced(bus, &o, ROUTE, rate, &route) ||
	    !paced(bus, &o, PING, rate, &ping)) {
		fprintf(stderr, "bench-router: paced run failed\n");
		goto out;
	}

	printf("bench-router route: ov-router over the bus (%s); a trunk call "
	       "to %s:\n\"%s\"\n1 caller: %u calls back to back; max: %u "
	       "callers (one client), closed loop,\n%.0f s; paced: %.0f%% of "
	       "route's max for %.0f s, both methods at the same rate\n\n",
	       strncmp(o.url, "ipc://", 6) == 0 ? "ipc" : "tcp", o.to, words,
	       IDLE_CALLS, o.threads, o.seconds, o.load * 100, o.seconds);
	printf("%-19s%16s%9s%41s\n", "", "1 caller", "max",
	       "paced at the same rate");
	printf("%-19s%8s%8s%9s%9s%8s%8s%10s%7s\n", "", "p50 us", "p99 us",
	       "calls/s", "calls/s", "p50 us", "p99 us", "p99 due", "errors");
	row("ping (bus floor)", &ping);
	row("route", &route);
	printf("%-19s%7.2fx%7.2fx%8.2fx%9s%7.2fx%7.2fx%9.2fx\n",
	       "ratio route / ping", route.idle_p50 / ping.idle_p50,
	       route.idle_p99 / ping.idle_p99, route.max_rps / ping.max_rps, "",
	       route.p50 / ping.p50, route.p99 / ping.p99,
	       route.p99_due / ping.p99_due);
	printf("target: bus route p99 at %.0f%% of max load <= 1 ms"
	       "      %6.2f ms  %s\n",
	       o.load * 100, route.p99 / 1000.0,
	       route.p99 <= TARGET_P99_US ? "met" : "NOT met");
	rc = 0;
out:
	ov_bus_client_free(bus);
	return rc;
}
