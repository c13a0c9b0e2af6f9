#include "http.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <microhttpd.h>

#include "bus.h"
#include "http_check.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "utf8.h"

/* A connection, while it is open: the head clock of its next request.
 * The list is the watchdog's; MHD's CLOSED notification takes a
 * connection out of it (under mu) before the socket is closed. */
struct conn {
	struct conn *prev, *next;
	int fd;
	uint64_t head_from_us; /* 0: a request is being answered */
};

struct ov_http {
	struct MHD_Daemon *d;
	struct ov_http_opts opts;
	atomic_bool draining;
	pthread_mutex_t mu;
	struct conn conns; /* list head */
	pthread_t watchdog;
	bool watching;
	atomic_bool stopping;
};

/* Per-request state while the body arrives. */
struct pending {
	char *body;
	size_t len;
	bool too_big;
	uint64_t t0;
};

/* libmicrohttpd's reason phrase (RFC 9110's names); "Unknown" for a
 * code it has none for, which gets its class's. */
static const char *status_title(int status)
{
	const char *t = MHD_get_reason_phrase_for((unsigned)status);

	if (strcmp(t, "Unknown") != 0)
		return t;
	return status >= 500 ? "Internal Server Error" : "Error";
}

/* s as a JSON string: its longest valid UTF-8 prefix (a detail cut
 * short by a format buffer may end inside a character). */
static json_t *text_json(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, len = strlen(s), k;

	while (n < len && (k = ov_utf8_seq(p + n, len - n)) > 0)
		n += k;
	return json_stringn(s, n);
}

void ov_http_reply(struct ov_http_response *res, int status,
		   const char *content_type, char *body, size_t len)
{
	free(res->body);
	res->status = status;
	res->content_type = content_type;
	res->body = body;
	res->body_len = len;
}

void ov_http_problem(struct ov_http_response *res, int status, enum ov_err code,
		     const char *field, const char *detail)
{
	ov_http_problem_code(res, status, ov_err_name(code), field, detail);
}

void ov_http_problem_code(struct ov_http_response *res, int status,
			  const char *code, const char *field,
			  const char *detail)
{
	const char *title = status_title(status);
	json_t *o = json_object();
	char *body = NULL;
	size_t len = 0;

	if (o) {
		json_object_set_new(o, "type", json_string("about:blank"));
		json_object_set_new(o, "title", json_string(title));
		json_object_set_new(o, "status", json_integer(status));
		json_object_set_new(o, "code", text_json(code));
		json_object_set_new(o, "detail",
				    text_json(detail ? detail : title));
		if (field)
			json_object_set_new(o, "field", text_json(field));
		body = ov_json_dump(o, &len);
		json_decref(o);
	}
	ov_http_reply(res, status, "application/problem+json", body,
		      body ? len : 0);
}

const char *ov_http_header(const struct ov_http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *ov_http_query(const struct ov_http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

void ov_http_client_ip(const struct ov_http_request *req, char *out,
		       size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET,
			  &((const struct sockaddr_in *)ci->client_addr)
				   ->sin_addr,
			  out, (socklen_t)size);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ci->client_addr)
				   ->sin6_addr,
			  out, (socklen_t)size);
}

static void text(struct ov_http_response *res, int status, const char *s)
{
	char *b = strdup(s);
	ov_http_reply(res, status, "text/plain; charset=utf-8", b,
		      b ? strlen(b) : 0);
}

static bool builtin(struct ov_http *h, const struct ov_http_request *req,
		    struct ov_http_response *res)
{
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return false;
	if (strcmp(req->path, "/healthz") == 0) {
		text(res, 200, "ok\n");
		return true;
	}
	if (strcmp(req->path, "/readyz") == 0) {
		bool ready =
			!atomic_load(&h->draining) &&
			(!h->opts.ready || h->opts.ready(h->opts.ready_arg));
		text(res, ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
		return true;
	}
	if (strcmp(req->path, "/metrics") == 0) {
		size_t len = 0;
		char *m = ov_metrics_render(&len);
		if (!m) {
			ov_http_problem(res, 500, OV_EEXHAUSTED, NULL,
					"out of memory");
			return true;
		}
		ov_http_reply(res, 200, "text/plain; version=0.0.4", m, len);
		return true;
	}
	return false;
}

/* Metrics keep a bounded label set: known paths by name, the rest as
 * "other" (ids in paths would make a series per id). */
static void observe(const char *path, int status, uint64_t t0)
{
	static const char *const known[] = {"/healthz", "/readyz", "/metrics"};
	const char *route = "other";
	char labels[96];

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(path, known[i]) == 0)
			route = known[i];
	snprintf(labels, sizeof(labels), "route=\"%s\",status=\"%d\"", route,
		 status);
	ov_counter_add(ov_counter_get("ov_http_requests_total",
				      "HTTP requests, by route and status.",
				      labels),
		       1);
	snprintf(labels, sizeof(labels), "route=\"%s\"", route);
	ov_histogram_observe(
		ov_histogram_get("ov_http_request_duration_seconds",
				 "Time to answer an HTTP request.", labels),
		(double)(ov_now_us() - t0) / 1e6);
}

/* On every answer (docs/admin.md, "The HTTP edge"): no type sniffing,
 * no framing by other sites, no Referer to other origins, no use of our
 * answers by other origins' pages, and a Content-Security-Policy: the
 * app's pages bring their own, everything else may load nothing. */
static void add_security_headers(struct MHD_Response *r, const char *csp)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
				csp ? csp : OV_HTTP_CSP_NONE);
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy",
				"same-origin");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
}

static enum MHD_Result send_res(struct MHD_Connection *c,
				struct ov_http_response *res)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(res->body);
		return MHD_NO;
	}
	res->body = NULL; /* MHD owns it now */
	MHD_add_response_header(r, "Content-Type", res->content_type);
	add_security_headers(r, res->csp);
	if (res->close)
		MHD_add_response_header(r, "Connection", "close");
	MHD_add_response_header(r, "Cache-Control",
				res->cache_control ? res->cache_control
						   : "no-store");
	if (res->content_encoding)
		MHD_add_response_header(r, "Content-Encoding",
					res->content_encoding);
	if (res->vary)
		MHD_add_response_header(r, "Vary", res->vary);
	if (res->allow[0])
		MHD_add_response_header(r, "Allow", res->allow);
	if (res->retry_after) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", res->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)res->status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * libmicrohttpd answers some malformed requests itself, before any of
 * our code runs (a head over the connection's memory: 431; a request
 * line or chunk it cannot parse: 400), with an HTML body and no
 * Content-Type. It queues those answers through its exported
 * MHD_queue_response, called through its PLT; this definition takes
 * the library's place and turns such an answer (an error without a
 * Content-Type, which no answer of ours is) into problem JSON with our
 * headers. Everything else goes to the library's own function
 * unchanged. tests/integration/test_http_edge.py fails if a build of
 * the library stops routing its answers through here.
 */
typedef enum MHD_Result (*queue_fn)(struct MHD_Connection *, unsigned int,
				    struct MHD_Response *);
static queue_fn real_queue;
static pthread_once_t real_queue_once = PTHREAD_ONCE_INIT;

static void find_real_queue(void)
{
	void *f = dlsym(RTLD_NEXT, "MHD_queue_response");
	memcpy(&real_queue, &f, sizeof(real_queue));
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c,
				   unsigned int status, struct MHD_Response *r)
{
	pthread_once(&real_queue_once, find_real_queue);
	if (!real_queue)
		return MHD_NO;
	if (status < 400 || MHD_get_response_header(r, "Content-Type"))
		return real_queue(c, status, r);

	struct ov_http_response res = {0};
	const char *detail = status == 431
				     ? "the request head is over the server's "
				       "limit"
				     : "the request is malformed";
	ov_http_problem(&res, (int)status,
			status >= 500 ? OV_EINTERNAL : OV_EINVAL, NULL, detail);
	struct MHD_Response *p = MHD_create_response_from_buffer(
		res.body_len, res.body, MHD_RESPMEM_MUST_FREE);
	if (!p) {
		free(res.body);
		return real_queue(c, status, r);
	}
	MHD_add_response_header(p, "Content-Type", res.content_type);
	MHD_add_response_header(p, "Cache-Control", "no-store");
	add_security_headers(p, NULL);
	MHD_add_response_header(p, "Connection", "close");
	ov_counter_add(ov_counter_get("ov_http_refused_total",
				      "Requests refused at the HTTP edge, by "
				      "reason.",
				      "reason=\"malformed\""),
		       1);
	enum MHD_Result ret = real_queue(c, status, p);
	MHD_destroy_response(p);
	return ret;
}

/*
 * Slow clients (issue 21): libmicrohttpd's timeout restarts with every
 * byte, so a client sending one header byte every few seconds held a
 * connection for ever. Each connection gets head_timeout_s from its
 * accept, or from the end of its previous answer, to deliver a complete
 * request head; a watchdog thread shuts the socket of any that has not
 * (libmicrohttpd then closes it as a client gone). A request being
 * answered, and its body, are the connection timeout's.
 */
static void head_clock(struct ov_http *h, struct MHD_Connection *c,
		       uint64_t from_us)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;

	if (!k)
		return;
	pthread_mutex_lock(&h->mu);
	k->head_from_us = from_us;
	pthread_mutex_unlock(&h->mu);
}

static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct ov_http *h = cls;
	struct conn *k = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k = calloc(1, sizeof(*k));
		if (!k || !ci)
			return; /* unwatched: the connection timeout holds */
		k->fd = ci->connect_fd;
		k->head_from_us = ov_now_us();
		pthread_mutex_lock(&h->mu);
		k->next = h->conns.next;
		k->prev = &h->conns;
		h->conns.next->prev = k;
		h->conns.next = k;
		pthread_mutex_unlock(&h->mu);
		*socket_context = k;
	} else if (k) {
		pthread_mutex_lock(&h->mu);
		k->prev->next = k->next;
		k->next->prev = k->prev;
		pthread_mutex_unlock(&h->mu);
		free(k);
		*socket_context = NULL;
	}
}

static void *watchdog(void *arg)
{
	struct ov_http *h = arg;
	const uint64_t limit = (uint64_t)h->opts.head_timeout_s * 1000000u;
	struct ov_counter *cut =
		ov_counter_get("ov_http_refused_total",
			       "Requests refused at the HTTP edge, by reason.",
			       "reason=\"head_timeout\"");

	while (!atomic_load(&h->stopping)) {
		struct timespec ts = {0, 200L * 1000 * 1000};
		nanosleep(&ts, NULL);
		uint64_t now = ov_now_us();
		pthread_mutex_lock(&h->mu);
		for (struct conn *k = h->conns.next; k != &h->conns;
		     k = k->next) {
			if (k->head_from_us && now - k->head_from_us > limit) {
				shutdown(k->fd, SHUT_RDWR);
				k->head_from_us = 0;
				ov_counter_add(cut, 1);
			}
		}
		pthread_mutex_unlock(&h->mu);
	}
	return NULL;
}

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind,
				     const char *key, const char *value)
{
	struct ov_http_framing *f = cls;
	(void)kind;

	if (strcasecmp(key, "Content-Length") == 0) {
		f->n_content_length++;
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		if (!f->transfer_encoding)
			f->transfer_encoding = value;
		f->n_transfer_encoding++;
	}
	return MHD_YES;
}

/* Runs when the head is complete, before any of the body is read: a
 * body framed two ways (request smuggling) or chunked is refused at
 * once and the connection closed, the body unread (docs/admin.md, "The
 * HTTP edge"). */
static enum MHD_Result framing(struct MHD_Connection *c, const char *url,
			       struct pending *p)
{
	struct ov_http_framing f = {0};
	const char *why = NULL;

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	int status = ov_http_framing_check(&f, &why);
	if (!status)
		return MHD_YES;
	struct ov_http_response res = {.close = true};
	ov_http_problem(&res, status, OV_EINVAL, NULL, why);
	ov_counter_add(ov_counter_get("ov_http_refused_total",
				      "Requests refused at the HTTP edge, by "
				      "reason.",
				      "reason=\"framing\""),
		       1);
	observe(url, res.status, p->t0);
	return send_res(c, &res);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct ov_http *h = cls;
	struct pending *p = *con_cls;
	(void)version;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		p->t0 = ov_now_us();
		*con_cls = p;
		head_clock(h, c, 0);
		return framing(c, url, p);
	}
	if (*upload_size) {
		if (!p->too_big && p->len + *upload_size <= h->opts.max_body) {
			char *b = realloc(p->body, p->len + *upload_size + 1);
			if (b) {
				memcpy(b + p->len, upload, *upload_size);
				p->body = b;
				p->len += *upload_size;
				p->body[p->len] = '\0';
			} else {
				p->too_big = true;
			}
		} else {
			p->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}

	struct ov_http_request req = {method, url, p->body ? p->body : "",
				      p->len, c};
	struct ov_http_response res = {.status = 404,
				       .content_type = "text/plain"};
	if (p->too_big) {
		char d[96];
		snprintf(d, sizeof(d), "request body over %zu bytes",
			 h->opts.max_body);
		ov_http_problem(&res, 413, OV_ETOOBIG, NULL, d);
	} else if (!builtin(h, &req, &res) &&
		   !(h->opts.handler &&
		     h->opts.handler(&req, &res, h->opts.handler_arg))) {
		ov_http_problem(&res, 404, OV_ENOTFOUND, NULL,
				"no such resource");
	}
	observe(url, res.status, p->t0);
	return send_res(c, &res);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;
	(void)toe;
	head_clock(cls, c, ov_now_us()); /* the next head's clock starts */
	if (p) {
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

/* libmicrohttpd's own messages (a malformed request, a client gone)
 * become JSON log lines with an event name, at most MHD_LOG_PER_S a
 * second: a flood of bad requests shows in the counter, not as a flood
 * of lines. The message names no header value nor body. */
#define MHD_LOG_PER_S 10

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	static atomic_uint_fast64_t window, in_window;
	char msg[256];
	(void)cls;

	ov_counter_add(ov_counter_get("ov_http_server_messages_total",
				      "Messages of the HTTP server library "
				      "(libmicrohttpd), logged or not.",
				      ""),
		       1);
	uint64_t now = ov_now_us() / 1000000;
	if (atomic_exchange(&window, now) != now)
		atomic_store(&in_window, 0);
	if (atomic_fetch_add(&in_window, 1) >= MHD_LOG_PER_S)
		return;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	size_t len = strnlen(msg, sizeof(msg));
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	ov_log_warn("http.server_message", OV_LS("message", msg));
}

enum ov_err ov_http_start(const struct ov_http_opts *opts, struct ov_http **out)
{
	struct ov_http *h = calloc(1, sizeof(*h));
	struct sockaddr_in sa = {0};

	if (!h)
		return OV_EEXHAUSTED;
	h->opts = *opts;
	if (!h->opts.threads)
		h->opts.threads = 2;
	if (!h->opts.max_body)
		h->opts.max_body = 1u << 20;
	if (!h->opts.head_timeout_s)
		h->opts.head_timeout_s = 10;
	pthread_mutex_init(&h->mu, NULL);
	h->conns.next = h->conns.prev = &h->conns;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)opts->port);
	if (inet_pton(AF_INET, opts->addr, &sa.sin_addr) != 1) {
		ov_log_error("http.bad_address", OV_LS("addr", opts->addr));
		free(h);
		return OV_EINVAL;
	}
	h->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			MHD_USE_ERROR_LOG,
		(uint16_t)opts->port, NULL, NULL, on_request, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, h,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)h->opts.threads,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)h->opts.per_ip_limit, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
		MHD_OPTION_END);
	if (!h->d) {
		ov_log_error("http.listen_failed", OV_LS("addr", opts->addr),
			     OV_LI("port", opts->port));
		free(h);
		return OV_EUNAVAIL;
	}
	h->watching = pthread_create(&h->watchdog, NULL, watchdog, h) == 0;
	ov_log_info("http.listen", OV_LS("addr", opts->addr),
		    OV_LI("port", opts->port),
		    OV_LI("per_ip_limit", (long long)h->opts.per_ip_limit),
		    OV_LI("head_timeout_s", (long long)h->opts.head_timeout_s));
	*out = h;
	return OV_OK;
}

void ov_http_set_draining(struct ov_http *h)
{
	atomic_store(&h->draining, true);
}

void ov_http_stop(struct ov_http *h)
{
	if (!h)
		return;
	atomic_store(&h->stopping, true);
	if (h->watching)
		pthread_join(h->watchdog, NULL);
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
