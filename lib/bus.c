#include "bus.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "cfg.h"
#include "common.pb-c.h"
#include "metrics.h"

uint64_t ov_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct timespec ov_abstime(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

uint64_t ov_now_ms(void)
{
	return ov_now_us() / 1000u;
}

static enum ov_err from_nng(int rv)
{
	switch (rv) {
	case 0:
		return OV_OK;
	case NNG_ETIMEDOUT:
		return OV_ETIMEDOUT;
	case NNG_ENOMEM:
		return OV_EEXHAUSTED;
	case NNG_EINVAL:
	case NNG_EADDRINVAL:
		return OV_EINVAL;
	case NNG_EMSGSIZE:
		return OV_ETOOBIG;
	default:
		return OV_EUNAVAIL;
	}
}

/* ------------------------------------------------------------------ */
/* server                                                             */

/* Per-method series, looked up once at start. */
struct method_stats {
	struct ov_counter *received;
	struct ov_counter *by_code[OV_ERR_COUNT];
	struct ov_histogram *latency;
};

enum wstate {
	W_IDLE,
	W_RECV,
	W_BUSY,
	W_DONE
};

struct worker {
	struct ov_bus_server *srv;
	pthread_t thread;
	nng_ctx ctx;
	nng_aio *aio;
	enum wstate state; /* under srv->lock */
};

struct ov_bus_server {
	nng_socket sock;
	nng_listener listeners[8];
	size_t n_listeners;
	struct ov_bus_server_opts opts;
	struct worker *workers;
	unsigned n_workers;
	struct method_stats *stats; /* n_methods + 1: last is "unknown" */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool draining;
	unsigned busy;
	bool closed;
	bool stuck; /* drain timed out with a handler still running */
};

static void stats_init(struct method_stats *st, const char *method)
{
	char m[64];
	char labels[160];

	ov_metrics_label(m, sizeof(m), method);
	for (int e = 0; e < OV_ERR_COUNT; e++) {
		snprintf(labels, sizeof(labels), "method=\"%s\",code=\"%s\"", m,
			 ov_err_name((enum ov_err)e));
		st->by_code[e] = ov_counter_get(
			"ov_bus_requests_total",
			"Bus requests served, by method and status code.",
			labels);
	}
	snprintf(labels, sizeof(labels), "method=\"%s\"", m);
	st->received = ov_counter_get("ov_bus_requests_received_total",
				      "Bus requests received; minus those "
				      "served, the ones in flight.",
				      labels);
	st->latency = ov_histogram_get(
		"ov_bus_request_duration_seconds",
		"Time from receiving a bus request to sending its reply.",
		labels);
}

static const struct ov_bus_method *find_method(const struct ov_bus_server *s,
					       const char *name, size_t *idx)
{
	for (size_t i = 0; i < s->opts.n_methods; i++) {
		if (strcmp(s->opts.methods[i].name, name) == 0) {
			*idx = i;
			return &s->opts.methods[i];
		}
	}
	*idx = s->opts.n_methods;
	return NULL;
}

enum ov_err ov_bus_fail(struct ov_bus_reply *rep, enum ov_err e,
			const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->message, sizeof(rep->message), fmt, ap);
	va_end(ap);
	return e;
}

enum ov_err ov_pb_pack(const ProtobufCMessage *msg, uint8_t **buf, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *p = malloc(n ? n : 1);

	if (!p)
		return OV_EEXHAUSTED;
	protobuf_c_message_pack(msg, p);
	*buf = p;
	*len = n;
	return OV_OK;
}

enum ov_err ov_bus_reply_pack(struct ov_bus_reply *rep,
			      const ProtobufCMessage *msg)
{
	uint8_t *p;
	size_t len;

	if (ov_pb_pack(msg, &p, &len) != OV_OK)
		return ov_bus_fail(rep, OV_EEXHAUSTED, "out of memory");
	free(rep->body);
	rep->body = p;
	rep->body_len = len;
	return OV_OK;
}

/* Encodes an ov.Reply into a new nng message. */
static nng_msg *encode_reply(enum ov_err e, const char *message,
			     const char *request_id, const uint8_t *body,
			     size_t body_len)
{
	Ov__Status st = OV__STATUS__INIT;
	Ov__Reply r = OV__REPLY__INIT;
	nng_msg *m;

	st.code = (Ov__Status__Code)e;
	st.message = (char *)(message ? message : "");
	r.status = &st;
	r.request_id = (char *)(request_id ? request_id : "");
	if (e == OV_OK && body) {
		r.body.data = (uint8_t *)body;
		r.body.len = body_len;
	}
	size_t len = ov__reply__get_packed_size(&r);
	if (nng_msg_alloc(&m, len) != 0)
		return NULL;
	ov__reply__pack(&r, nng_msg_body(m));
	return m;
}

/* Handles one request message; returns the reply message to send. */
static nng_msg *serve_one(struct ov_bus_server *s, nng_msg *in)
{
	uint64_t t0 = ov_now_us();
	size_t len = nng_msg_len(in);
	struct ov_bus_reply rep = {{0}, NULL, 0};
	Ov__Envelope *env = NULL;
	enum ov_err e;
	size_t idx = s->opts.n_methods;
	const char *rid = "";

	if (len > s->opts.max_msg) {
		ov_log_warn("bus.oversized", OV_LI("bytes", (long long)len),
			    OV_LI("limit", (long long)s->opts.max_msg));
		e = ov_bus_fail(&rep, OV_ETOOBIG,
				"message of %zu bytes is over the limit of "
				"%zu",
				len, s->opts.max_msg);
		goto out;
	}
	env = ov__envelope__unpack(NULL, len, nng_msg_body(in));
	if (!env) {
		ov_log_warn("bus.undecodable", OV_LI("bytes", (long long)len));
		e = ov_bus_fail(&rep, OV_EINVAL,
				"message is not an ov.Envelope");
		goto out;
	}
	rid = env->request_id;
	struct ov_bus_req req = {
		.method = env->method,
		.tenant_id = env->tenant_id,
		.request_id = env->request_id,
		.deadline_ms = env->deadline_ms,
		.body = env->body.data,
		.body_len = env->body.len,
		.log = {env->tenant_id, env->request_id},
	};
	const struct ov_bus_method *m = find_method(s, env->method, &idx);
	if (!m) {
		ov_logc_warn(&req.log, "bus.unknown_method",
			     OV_LS("method", env->method));
		e = ov_bus_fail(&rep, OV_EINVAL, "unknown method \"%.64s\"",
				env->method);
		goto out;
	}
	ov_counter_add(s->stats[idx].received, 1);
	e = m->fn(&req, &rep, s->opts.arg);
	if (e != OV_OK && e != OV_ENOTFOUND)
		ov_logc_info(&req.log, "bus.request_failed",
			     OV_LS("method", env->method),
			     OV_LS("code", ov_err_name(e)),
			     OV_LS("message", rep.message));
out:;
	nng_msg *reply =
		encode_reply(e, rep.message, rid, rep.body, rep.body_len);
	free(rep.body);
	if (env)
		ov__envelope__free_unpacked(env, NULL);
	struct method_stats *st = &s->stats[idx];
	ov_counter_add(st->by_code[e < OV_ERR_COUNT ? e : OV_EINTERNAL], 1);
	ov_histogram_observe(st->latency, (double)(ov_now_us() - t0) / 1e6);
	return reply;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ov_bus_server *s = w->srv;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		if (s->draining) {
			w->state = W_DONE;
			pthread_cond_broadcast(&s->cond);
			pthread_mutex_unlock(&s->lock);
			break;
		}
		w->state = W_RECV;
		/* Posted under the lock, so drain's cancel cannot miss it. */
		nng_ctx_recv(w->ctx, w->aio);
		pthread_mutex_unlock(&s->lock);

		nng_aio_wait(w->aio);
		int rv = nng_aio_result(w->aio);

		pthread_mutex_lock(&s->lock);
		w->state = W_BUSY;
		if (rv == 0)
			s->busy++;
		pthread_mutex_unlock(&s->lock);
		if (rv != 0) {
			if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
				continue; /* draining: loop and see */
			ov_log_warn("bus.recv_failed",
				    OV_LS("error", nng_strerror(rv)));
			continue;
		}

		nng_msg *in = nng_aio_get_msg(w->aio);
		nng_msg *out = serve_one(s, in);
		nng_msg_free(in);
		if (out) {
			nng_aio_set_msg(w->aio, out);
			nng_ctx_send(w->ctx, w->aio);
			nng_aio_wait(w->aio);
			if (nng_aio_result(w->aio) != 0) {
				nng_msg_free(out);
				ov_log_warn("bus.reply_lost",
					    OV_LS("error",
						  nng_strerror(nng_aio_result(
							  w->aio))));
			}
		}
		pthread_mutex_lock(&s->lock);
		s->busy--;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

struct listen_arg {
	struct ov_bus_server *s;
};

static enum ov_err listen_one(const char *url, void *arg)
{
	struct ov_bus_server *s = arg;
	nng_listener l;
	int rv;

	if (s->n_listeners == sizeof(s->listeners) / sizeof(s->listeners[0]))
		return OV_EINVAL;
	rv = nng_listener_create(&l, s->sock, url);
	if (rv == 0)
		rv = nng_listener_set_size(l, NNG_OPT_RECVMAXSZ,
					   s->opts.max_msg *
						   OV_BUS_HARD_FACTOR);
	if (rv == 0)
		rv = nng_listener_start(l, 0);
	if (rv != 0) {
		ov_log_error("bus.listen_failed", OV_LS("url", url),
			     OV_LS("error", nng_strerror(rv)));
		return from_nng(rv);
	}
	s->listeners[s->n_listeners++] = l;
	ov_log_info("bus.listen", OV_LS("url", url));
	return OV_OK;
}

enum ov_err ov_bus_server_start(const struct ov_bus_server_opts *opts,
				struct ov_bus_server **out)
{
	struct ov_bus_server *s = calloc(1, sizeof(*s));
	enum ov_err e = OV_EEXHAUSTED;
	int rv;

	if (!s)
		return OV_EEXHAUSTED;
	s->opts = *opts;
	if (!s->opts.max_msg)
		s->opts.max_msg = OV_BUS_MAX_MSG_DEFAULT;
	if (!s->opts.workers)
		s->opts.workers = 8;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);

	s->stats = calloc(s->opts.n_methods + 1, sizeof(*s->stats));
	if (!s->stats)
		goto fail;
	for (size_t i = 0; i < s->opts.n_methods; i++)
		stats_init(&s->stats[i], s->opts.methods[i].name);
	stats_init(&s->stats[s->opts.n_methods], "unknown");

	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		e = from_nng(rv);
		goto fail;
	}
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ,
			    s->opts.max_msg * OV_BUS_HARD_FACTOR);

	s->workers = calloc(s->opts.workers, sizeof(*s->workers));
	if (!s->workers)
		goto fail_sock;
	for (unsigned i = 0; i < s->opts.workers; i++) {
		struct worker *w = &s->workers[i];
		w->srv = s;
		if (nng_ctx_open(&w->ctx, s->sock) != 0 ||
		    nng_aio_alloc(&w->aio, NULL, NULL) != 0)
			goto fail_sock;
	}
	/* Workers are ready to receive before anyone can connect. */
	for (unsigned i = 0; i < s->opts.workers; i++) {
		if (pthread_create(&s->workers[i].thread, NULL, worker_main,
				   &s->workers[i]) != 0)
			goto fail_threads;
		s->n_workers++;
	}
	e = ov_cfg_each_url(s->opts.urls, listen_one, s);
	if (e != OV_OK)
		goto fail_threads;
	*out = s;
	return OV_OK;

fail_threads:
	ov_bus_server_drain(s, 0);
	ov_bus_server_free(s);
	return e;
fail_sock:
	nng_close(s->sock);
	s->closed = true;
fail:
	ov_bus_server_free(s);
	return e;
}

unsigned ov_bus_server_drain(struct ov_bus_server *s, unsigned timeout_ms)
{
	unsigned left;

	/* Take no new request: idle workers stop receiving. Connections
	 * stay open until every reply is out (closing a listener closes
	 * its pipes too); what a peer sends meanwhile waits in its pipe,
	 * and when the socket closes below, the client sends it again to
	 * another replica (roundtrip()). */
	pthread_mutex_lock(&s->lock);
	s->draining = true;
	for (unsigned i = 0; i < s->n_workers; i++)
		if (s->workers[i].state == W_RECV)
			nng_aio_cancel(s->workers[i].aio);

	struct timespec until = ov_abstime(timeout_ms);
	for (;;) {
		unsigned done = 0;
		for (unsigned i = 0; i < s->n_workers; i++)
			done += s->workers[i].state == W_DONE;
		if (done == s->n_workers)
			break;
		/* A worker may be between its check and its recv. */
		for (unsigned i = 0; i < s->n_workers; i++)
			if (s->workers[i].state == W_RECV)
				nng_aio_cancel(s->workers[i].aio);
		struct timespec tick = ov_abstime(20);
		if (tick.tv_sec > until.tv_sec ||
		    (tick.tv_sec == until.tv_sec &&
		     tick.tv_nsec > until.tv_nsec))
			tick = until;
		if (pthread_cond_timedwait(&s->cond, &s->lock, &tick) ==
			    ETIMEDOUT &&
		    (tick.tv_sec == until.tv_sec &&
		     tick.tv_nsec == until.tv_nsec))
			break;
	}
	/* Not finished: a handler still running, or a worker whose receive
	 * completed just now and has yet to say so. */
	left = 0;
	for (unsigned i = 0; i < s->n_workers; i++)
		left += s->workers[i].state != W_DONE;
	pthread_mutex_unlock(&s->lock);

	if (left) {
		/* Their contexts are still in use: the socket stays open
		 * (closing it under a context that is sending crashes nng).
		 * ov_bus_server_free waits for them; a process that is
		 * exiting does not. */
		ov_log_warn("bus.drain_timeout",
			    OV_LI("busy", (long long)left));
		s->stuck = true;
		return left;
	}
	/* Closing the socket closes listeners and pipes. */
	s->n_listeners = 0;
	if (!s->closed) {
		nng_close(s->sock);
		s->closed = true;
	}
	for (unsigned i = 0; i < s->n_workers; i++)
		pthread_join(s->workers[i].thread, NULL);
	s->n_workers = 0;
	return 0;
}

void ov_bus_server_free(struct ov_bus_server *s)
{
	if (!s)
		return;
	if (s->n_workers && !s->stuck)
		ov_bus_server_drain(s, 0);
	/* Freeing must not pull anything from under a running handler:
	 * wait for every worker (they all finish once their handler
	 * returns, as draining is set), then close. A process that exits
	 * after a timed-out drain skips this call instead. */
	for (unsigned i = 0; i < s->n_workers; i++)
		pthread_join(s->workers[i].thread, NULL);
	s->n_workers = 0;
	if (!s->closed)
		nng_close(s->sock);
	if (s->workers) {
		for (unsigned i = 0; i < s->opts.workers; i++) {
			if (s->workers[i].aio)
				nng_aio_free(s->workers[i].aio);
		}
	}
	free(s->workers);
	free(s->stats);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

/* ------------------------------------------------------------------ */
/* client                                                             */

/* A new client has had no time to connect: its calls wait for a first
 * peer (within their deadline) for this long, then fail fast. */
#define CONNECT_GRACE_MS 1000

/* A REQ pipe sends one request at a time and a REP pipe one reply:
 * threads that share a client queue behind one another on a single
 * connection, and each of their calls sleeps and wakes once more on
 * each side. So while more of its calls are in flight than it has
 * connections per URL, a client adds one to every URL, up to this many
 * (bench/bus, 8 threads sharing a client: 1.3 to 1.7 times the requests
 * per second at 0.7 to 0.9 times the CPU per call). A client used by one
 * thread at a time keeps opts.dialers connections. */
#define MAX_DIALERS_PER_URL 8

struct ov_bus_client {
	nng_socket sock;
	struct ov_bus_client_opts opts;
	uint64_t created_ms;
	pthread_mutex_t peer_lock;
	pthread_cond_t peer_cond;
	atomic_uint peers;
	/* Pipes counted in peers: nng 1.5 may report the removal of a pipe
	 * whose addition it never reported (a handshake that failed). */
	uint32_t pipe_ids[64];
	atomic_uint timeouts;		 /* in a row */
	atomic_uint_fast64_t open_until; /* breaker, ov_now_ms() */
	atomic_bool probing;	   /* one call lets the breaker half-open */
	atomic_uint inflight;	   /* calls sent and not yet answered */
	atomic_uint dialers;	   /* per URL so far */
	pthread_mutex_t dial_lock; /* one caller adds connections */
};

static void pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ov_bus_client *c = arg;
	uint32_t id = (uint32_t)nng_pipe_id(p);
	size_t n = sizeof(c->pipe_ids) / sizeof(c->pipe_ids[0]);

	pthread_mutex_lock(&c->peer_lock);
	for (size_t i = 0; i < n; i++) {
		if (ev == NNG_PIPE_EV_ADD_POST && c->pipe_ids[i] == 0) {
			c->pipe_ids[i] = id;
			atomic_fetch_add(&c->peers, 1);
			break;
		}
		if (ev == NNG_PIPE_EV_REM_POST && c->pipe_ids[i] == id) {
			c->pipe_ids[i] = 0;
			atomic_fetch_sub(&c->peers, 1);
			break;
		}
	}
	pthread_cond_broadcast(&c->peer_cond);
	pthread_mutex_unlock(&c->peer_lock);
}

/* True when a peer is connected, waiting for one only while the client
 * is new (the dialers' first connection may still be under way). */
static bool have_peer(struct ov_bus_client *c, uint32_t deadline_ms)
{
	if (atomic_load(&c->peers) > 0)
		return true;
	uint64_t now = ov_now_ms();
	uint64_t grace_end = c->created_ms + CONNECT_GRACE_MS;
	if (now >= grace_end)
		return false;
	uint64_t until =
		now + deadline_ms < grace_end ? now + deadline_ms : grace_end;
	pthread_mutex_lock(&c->peer_lock);
	while (atomic_load(&c->peers) == 0 && ov_now_ms() < until) {
		struct timespec ts = ov_abstime(5);
		pthread_cond_timedwait(&c->peer_cond, &c->peer_lock, &ts);
	}
	pthread_mutex_unlock(&c->peer_lock);
	return atomic_load(&c->peers) > 0;
}

struct dial_arg {
	struct ov_bus_client *c;
	unsigned n; /* dialers to add to each URL */
};

static enum ov_err dial_one(const char *url, void *arg)
{
	struct dial_arg *da = arg;
	struct ov_bus_client *c = da->c;

	for (unsigned i = 0; i < da->n; i++) {
		nng_dialer d;
		int rv = nng_dialer_create(&d, c->sock, url);
		if (rv == 0) {
			nng_dialer_set_ms(d, NNG_OPT_RECONNMINT, 10);
			nng_dialer_set_ms(d, NNG_OPT_RECONNMAXT, 250);
			nng_dialer_set_size(d, NNG_OPT_RECVMAXSZ,
					    c->opts.max_msg *
						    OV_BUS_HARD_FACTOR);
			/* Non-blocking: the peer may come up later. */
			rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
		}
		if (rv != 0) {
			ov_log_error("bus.dial_failed", OV_LS("url", url),
				     OV_LS("error", nng_strerror(rv)));
			return from_nng(rv);
		}
	}
	return OV_OK;
}

enum ov_err ov_bus_client_new(const struct ov_bus_client_opts *opts,
			      struct ov_bus_client **out)
{
	struct ov_bus_client *c = calloc(1, sizeof(*c));
	enum ov_err e;
	int rv;

	if (!c)
		return OV_EEXHAUSTED;
	c->opts = *opts;
	c->created_ms = ov_now_ms();
	pthread_mutex_init(&c->peer_lock, NULL);
	pthread_cond_init(&c->peer_cond, NULL);
	if (!c->opts.dialers)
		c->opts.dialers = 1;
	atomic_store(&c->dialers, c->opts.dialers);
	if (!c->opts.max_msg)
		c->opts.max_msg = OV_BUS_MAX_MSG_DEFAULT;
	if (!c->opts.breaker_after)
		c->opts.breaker_after = 3;
	if (!c->opts.breaker_open_ms)
		c->opts.breaker_open_ms = 1000;
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		free(c);
		return from_nng(rv);
	}
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
			    c->opts.max_msg * OV_BUS_HARD_FACTOR);
	/* Calls end at their deadline; resending within it is pointless
	 * except when a pipe closes, which roundtrip() handles. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
			  NNG_DURATION_INFINITE);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, pipe_cb, c);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, pipe_cb, c);
	pthread_mutex_init(&c->dial_lock, NULL);
	struct dial_arg da = {c, c->opts.dialers};
	e = ov_cfg_each_url(c->opts.urls, dial_one, &da);
	if (e != OV_OK) {
		nng_close(c->sock);
		pthread_mutex_destroy(&c->dial_lock);
		free(c);
		return e;
	}
	*out = c;
	return OV_OK;
}

void ov_bus_client_free(struct ov_bus_client *c)
{
	if (!c)
		return;
	nng_close(c->sock);
	pthread_mutex_destroy(&c->dial_lock);
	pthread_mutex_destroy(&c->peer_lock);
	pthread_cond_destroy(&c->peer_cond);
	free(c);
}

unsigned ov_bus_client_peers(struct ov_bus_client *c)
{
	return atomic_load(&c->peers);
}

void ov_bus_result_free(struct ov_bus_result *res)
{
	free(res->body);
	res->body = NULL;
	res->body_len = 0;
}

static enum ov_err result(struct ov_bus_result *res, enum ov_err e,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum ov_err result(struct ov_bus_result *res, enum ov_err e,
			  const char *fmt, ...)
{
	va_list ap;

	if (e != OV_OK && res->body) {
		free(res->body);
		res->body = NULL;
		res->body_len = 0;
	}
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	res->err = e;
	return e;
}

/* Whether the breaker lets this call through; claims the probe slot
 * when the breaker is half-open. */
static bool breaker_admit(struct ov_bus_client *c, bool *probe)
{
	uint64_t until = atomic_load(&c->open_until);
	*probe = false;
	if (until == 0)
		return true;
	if (ov_now_ms() < until)
		return false;
	bool expected = false;
	if (atomic_compare_exchange_strong(&c->probing, &expected, true)) {
		*probe = true;
		return true;
	}
	return false;
}

static void breaker_record(struct ov_bus_client *c, bool timed_out, bool probe)
{
	if (!timed_out) {
		atomic_store(&c->timeouts, 0);
		atomic_store(&c->open_until, 0);
	} else if (probe || atomic_fetch_add(&c->timeouts, 1) + 1 >=
				    c->opts.breaker_after) {
		atomic_store(&c->open_until,
			     ov_now_ms() + c->opts.breaker_open_ms);
		ov_log_warn(
			"bus.breaker_open", OV_LS("urls", c->opts.urls),
			OV_LI("open_ms", (long long)c->opts.breaker_open_ms));
	}
	if (probe)
		atomic_store(&c->probing, false);
}

/* Adds a connection to every URL when more calls are in flight (this
 * one included) than the client has connections per URL. Takes
 * microseconds (the dialer connects in the background) and never
 * waits: a caller that finds another one adding goes on. */
static void grow_dialers(struct ov_bus_client *c, unsigned inflight)
{
	unsigned n = atomic_load(&c->dialers);

	if (inflight <= n || n >= MAX_DIALERS_PER_URL)
		return;
	if (pthread_mutex_trylock(&c->dial_lock) != 0)
		return;
	n = atomic_load(&c->dialers);
	if (inflight > n && n < MAX_DIALERS_PER_URL) {
		struct dial_arg da = {c, 1};
		if (ov_cfg_each_url(c->opts.urls, dial_one, &da) == OV_OK) {
			atomic_store(&c->dialers, n + 1);
			ov_log_debug("bus.dialer_added",
				     OV_LS("urls", c->opts.urls),
				     OV_LI("per_url", (long long)n + 1));
		} else {
			/* dial_one logged why; the first ones work. */
			atomic_store(&c->dialers, MAX_DIALERS_PER_URL);
		}
	}
	pthread_mutex_unlock(&c->dial_lock);
}

static enum ov_err roundtrip(struct ov_bus_client *c, nng_msg *m,
			     uint32_t deadline_ms, struct ov_bus_result *res)
{
	nng_ctx ctx;
	nng_aio *aio = NULL;
	nng_msg *again = NULL; /* a copy, sent if the pipe closes */
	bool probe;
	unsigned inflight = 0; /* calls in flight with this one, once counted */
	int rv;
	enum ov_err e;

	uint64_t t_call = ov_now_ms();
	if (!have_peer(c, deadline_ms)) {
		nng_msg_free(m);
		return result(res, OV_EUNAVAIL, "no connection to %s",
			      c->opts.urls);
	}
	if (!breaker_admit(c, &probe)) {
		nng_msg_free(m);
		return result(res, OV_EUNAVAIL,
			      "%s timed out repeatedly; not asking for now",
			      c->opts.urls);
	}
	if ((rv = nng_ctx_open(&ctx, c->sock)) != 0) {
		nng_msg_free(m);
		if (probe)
			atomic_store(&c->probing, false);
		return result(res, from_nng(rv), "%s", nng_strerror(rv));
	}
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
		nng_msg_free(m);
		e = result(res, from_nng(rv), "%s", nng_strerror(rv));
		goto out;
	}
	inflight = atomic_fetch_add(&c->inflight, 1) + 1;
	grow_dialers(c, inflight);
	/* The wait for a first peer came out of this call's deadline. */
	uint64_t waited = ov_now_ms() - t_call;
	if (waited >= deadline_ms) {
		nng_msg_free(m);
		e = result(res, OV_ETIMEDOUT,
			   "%s: no connection within deadline", c->opts.urls);
		goto out;
	}
	deadline_ms -= (uint32_t)waited;
	uint64_t t0 = ov_now_ms();
	/* With the resend timer off, nng 1.5 fails a request whose pipe
	 * closes before the reply (NNG_ECONNRESET) instead of sending it
	 * again: a replica killed, or closing at the end of its drain,
	 * would fail the calls it held. Send it once more, to whichever
	 * replica is connected, within the same deadline. A method may
	 * therefore run twice (as with nng's own resend): the call path's
	 * allow it (route writes nothing, binding.save orders by Call-ID
	 * and CSeq, calls.record upserts). */
	if (nng_msg_dup(&again, m) != 0)
		again = NULL; /* then the first try is the only one */
send:
	nng_aio_set_timeout(aio, (nng_duration)deadline_ms);
	nng_aio_set_msg(aio, m);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		nng_msg_free(m);
		e = result(res, from_nng(rv), "send to %s: %s", c->opts.urls,
			   nng_strerror(rv));
		goto out;
	}
	uint64_t spent = ov_now_ms() - t0;
	nng_duration left =
		spent >= deadline_ms ? 1 : (nng_duration)(deadline_ms - spent);
	nng_aio_set_timeout(aio, left);
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	if (rv == NNG_ECONNRESET && again && ov_now_ms() - t0 < deadline_ms) {
		spent = ov_now_ms() - t0;
		deadline_ms -= (uint32_t)spent;
		t0 = ov_now_ms();
		m = again;
		again = NULL;
		ov_log_debug("bus.resent", OV_LS("urls", c->opts.urls));
		goto send;
	}
	if (rv != 0) {
		e = result(res, from_nng(rv), "%s: %s", c->opts.urls,
			   rv == NNG_ETIMEDOUT ? "no reply within deadline"
					       : nng_strerror(rv));
		goto out;
	}
	nng_msg *r = nng_aio_get_msg(aio);
	Ov__Reply *rep =
		ov__reply__unpack(NULL, nng_msg_len(r), nng_msg_body(r));
	nng_msg_free(r);
	if (!rep) {
		e = result(res, OV_EINTERNAL, "reply is not an ov.Reply");
		goto out;
	}
	e = rep->status ? ov_err_from_code((int)rep->status->code)
			: OV_EINTERNAL;
	result(res, e, "%s",
	       rep->status && rep->status->message ? rep->status->message : "");
	if (rep->body.len) {
		res->body = malloc(rep->body.len);
		if (res->body) {
			memcpy(res->body, rep->body.data, rep->body.len);
			res->body_len = rep->body.len;
		} else {
			e = result(res, OV_EEXHAUSTED, "out of memory");
		}
	}
	ov__reply__free_unpacked(rep, NULL);
out:
	breaker_record(c, res->err == OV_ETIMEDOUT, probe);
	if (again)
		nng_msg_free(again);
	if (aio)
		nng_aio_free(aio);
	nng_ctx_close(ctx);
	if (inflight)
		atomic_fetch_sub(&c->inflight, 1);
	return e;
}

enum ov_err ov_bus_client_send_raw(struct ov_bus_client *c, const uint8_t *raw,
				   size_t len, uint32_t deadline_ms,
				   struct ov_bus_result *res)
{
	nng_msg *m;

	memset(res, 0, sizeof(*res));
	if (nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, raw, len) != 0)
		return result(res, OV_EEXHAUSTED, "out of memory");
	return roundtrip(c, m, deadline_ms, res);
}

enum ov_err ov_bus_client_call(struct ov_bus_client *c,
			       const struct ov_bus_call *call,
			       struct ov_bus_result *res)
{
	Ov__Envelope env = OV__ENVELOPE__INIT;
	nng_msg *m;

	memset(res, 0, sizeof(*res));
	env.method = (char *)call->method;
	env.tenant_id = (char *)(call->tenant_id ? call->tenant_id : "");
	env.request_id = (char *)(call->request_id ? call->request_id : "");
	env.deadline_ms = call->deadline_ms;
	env.body.data = (uint8_t *)call->body;
	env.body.len = call->body_len;
	size_t len = ov__envelope__get_packed_size(&env);
	if (len > c->opts.max_msg)
		return result(res, OV_ETOOBIG,
			      "request of %zu bytes is over the limit of %zu",
			      len, c->opts.max_msg);
	if (nng_msg_alloc(&m, len) != 0)
		return result(res, OV_EEXHAUSTED, "out of memory");
	ov__envelope__pack(&env, nng_msg_body(m));
	return roundtrip(c, m, call->deadline_ms, res);
}

/* ------------------------------------------------------------------ */
/* events                                                             */

struct ov_bus_pub {
	nng_socket sock;
};

struct ov_bus_sub {
	nng_socket sock;
	size_t max_msg;
	atomic_uint connects; /* publishers connected so far, reconnects too */
};

static void sub_pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ov_bus_sub *s = arg;
	(void)p;
	(void)ev;
	atomic_fetch_add(&s->connects, 1);
}

static enum ov_err pub_listen(const char *url, void *arg)
{
	nng_socket *sock = arg;
	int rv = nng_listen(*sock, url, NULL, 0);
	if (rv != 0)
		ov_log_error("bus.listen_failed", OV_LS("url", url),
			     OV_LS("error", nng_strerror(rv)));
	return from_nng(rv);
}

enum ov_err ov_bus_pub_open(const char *urls, struct ov_bus_pub **out)
{
	struct ov_bus_pub *p = calloc(1, sizeof(*p));
	enum ov_err e;

	if (!p)
		return OV_EEXHAUSTED;
	if (nng_pub0_open(&p->sock) != 0) {
		free(p);
		return OV_EUNAVAIL;
	}
	/* PUB never receives; refuse anything a peer sends. */
	nng_socket_set_size(p->sock, NNG_OPT_RECVMAXSZ, 1);
	if ((e = ov_cfg_each_url(urls, pub_listen, &p->sock)) != OV_OK) {
		nng_close(p->sock);
		free(p);
		return e;
	}
	*out = p;
	return OV_OK;
}

enum ov_err ov_bus_publish(struct ov_bus_pub *p, const char *topic,
			   const uint8_t *data, size_t len)
{
	nng_msg *m;
	int rv;

	if ((rv = nng_msg_alloc(&m, 0)) != 0)
		return from_nng(rv);
	if (nng_msg_append(m, topic, strlen(topic) + 1) != 0 ||
	    (len && nng_msg_append(m, data, len) != 0)) {
		nng_msg_free(m);
		return OV_EEXHAUSTED;
	}
	if ((rv = nng_sendmsg(p->sock, m, NNG_FLAG_NONBLOCK)) != 0) {
		nng_msg_free(m);
		return from_nng(rv);
	}
	return OV_OK;
}

void ov_bus_pub_close(struct ov_bus_pub *p)
{
	if (!p)
		return;
	nng_close(p->sock);
	free(p);
}

static enum ov_err sub_dial(const char *url, void *arg)
{
	nng_socket *sock = arg;
	nng_dialer d;
	int rv = nng_dialer_create(&d, *sock, url);
	if (rv == 0) {
		nng_dialer_set_ms(d, NNG_OPT_RECONNMINT, 10);
		nng_dialer_set_ms(d, NNG_OPT_RECONNMAXT, 1000);
		rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
	}
	return from_nng(rv);
}

enum ov_err ov_bus_sub_open(const char *urls, const char *const *topics,
			    size_t n_topics, size_t max_msg,
			    struct ov_bus_sub **out)
{
	struct ov_bus_sub *s = calloc(1, sizeof(*s));
	enum ov_err e = OV_EUNAVAIL;

	if (!s)
		return OV_EEXHAUSTED;
	s->max_msg = max_msg ? max_msg : OV_BUS_MAX_MSG_DEFAULT;
	if (nng_sub0_open(&s->sock) != 0)
		goto fail_free;
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, s->max_msg);
	for (size_t i = 0; i < n_topics; i++) {
		/* Match the topic and its terminating NUL exactly. */
		if (nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, topics[i],
				   strlen(topics[i]) + 1) != 0)
			goto fail;
	}
	nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_POST, sub_pipe_added, s);
	if ((e = ov_cfg_each_url(urls, sub_dial, &s->sock)) != OV_OK)
		goto fail;
	*out = s;
	return OV_OK;
fail:
	nng_close(s->sock);
fail_free:
	free(s);
	return e;
}

enum ov_err ov_bus_sub_recv(struct ov_bus_sub *s, unsigned timeout_ms,
			    char *topic, size_t topic_size, uint8_t **data,
			    size_t *len)
{
	nng_msg *m;
	int rv;

	nng_socket_set_ms(s->sock, NNG_OPT_RECVTIMEO, (nng_duration)timeout_ms);
	if ((rv = nng_recvmsg(s->sock, &m, 0)) != 0)
		return from_nng(rv);
	const char *body = nng_msg_body(m);
	size_t n = nng_msg_len(m);
	const char *nul = memchr(body, '\0', n);
	if (!nul || (size_t)(nul - body) >= topic_size) {
		nng_msg_free(m);
		ov_log_warn("bus.event_malformed",
			    OV_LI("bytes", (long long)n));
		return OV_EINVAL;
	}
	size_t tl = (size_t)(nul - body);
	memcpy(topic, body, tl + 1);
	*len = n - tl - 1;
	*data = malloc(*len ? *len : 1);
	if (!*data) {
		nng_msg_free(m);
		return OV_EEXHAUSTED;
	}
	memcpy(*data, nul + 1, *len);
	nng_msg_free(m);
	return OV_OK;
}

unsigned ov_bus_sub_connects(struct ov_bus_sub *s)
{
	return atomic_load(&s->connects);
}

void ov_bus_sub_close(struct ov_bus_sub *s)
{
	if (!s)
		return;
	nng_close(s->sock);
	free(s);
}
