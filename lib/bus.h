/*
 * The message bus: nng REQ/REP carrying ov.Envelope and ov.Reply, and
 * PUB/SUB for events.
 *
 * Server: a REP socket served by a fixed pool of workers, each owning an
 * nng context, so up to `workers` requests are handled at once. Methods
 * come from a table; an unknown method, an undecodable or oversized
 * message gets an error reply and a log event.
 *
 * nng does not survive fork(): open servers and clients in the process
 * that uses them, after any fork, never in a parent that forks.
 *
 * Client: a REQ socket with one or more dialers; every call has a
 * deadline. With no connected peer, or while the circuit breaker is
 * open after repeated time-outs, a call fails at once with OV_EUNAVAIL.
 */
#ifndef OV_BUS_H
#define OV_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "log.h"

#define OV_BUS_MAX_MSG_DEFAULT (1u << 20)
/* What a message over the limit still gets an error reply up to; nng
 * drops anything larger (and with it the connection). */
#define OV_BUS_HARD_FACTOR 4u

/* ---- server ---- */

struct ov_bus_req {
	const char *method;
	const char *tenant_id;	/* "" when none */
	const char *request_id; /* "" when none */
	uint32_t deadline_ms;
	const uint8_t *body;
	size_t body_len;
	struct ov_log_ctx log; /* tenant and request_id, for ov_logc_* */
};

struct ov_bus_reply {
	char message[256]; /* why, when the handler fails */
	uint8_t *body;	   /* malloc'd; the server frees it */
	size_t body_len;
};

/* Returns OV_OK with rep->body set, or an error with rep->message. */
typedef enum ov_err (*ov_bus_handler_fn)(const struct ov_bus_req *req,
					 struct ov_bus_reply *rep, void *arg);

struct ov_bus_method {
	const char *name;
	ov_bus_handler_fn fn;
};

struct ov_bus_server_opts {
	const char *urls; /* listen: comma-separated */
	unsigned workers;
	size_t max_msg;
	const struct ov_bus_method *methods;
	size_t n_methods;
	void *arg; /* passed to every handler */
};

struct ov_bus_server;

enum ov_err ov_bus_server_start(const struct ov_bus_server_opts *opts,
				struct ov_bus_server **out);
/* Stops accepting connections and new requests, lets every request a
 * worker holds finish (up to timeout_ms), then closes. Returns how many
 * requests were still running at the time-out (0 on a clean drain). */
unsigned ov_bus_server_drain(struct ov_bus_server *s, unsigned timeout_ms);
/* Waits for every handler still running, then frees. After a drain that
 * timed out, an exiting process should not call it. */
void ov_bus_server_free(struct ov_bus_server *s);

/* Packs msg into rep->body; OV_ENOMEM-safe: returns OV_EINTERNAL. */
enum ov_err ov_bus_reply_pack(struct ov_bus_reply *rep,
			      const ProtobufCMessage *msg);
/* Formats rep->message and returns e, for `return ov_bus_fail(...)`. */
enum ov_err ov_bus_fail(struct ov_bus_reply *rep, enum ov_err e,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- client ---- */

struct ov_bus_client_opts {
	const char *urls;	  /* dial: comma-separated */
	unsigned dialers;	  /* per URL (several reach several replicas
				     behind one Service address); default 1 */
	size_t max_msg;		  /* default OV_BUS_MAX_MSG_DEFAULT */
	unsigned breaker_after;	  /* time-outs in a row that open it; 3 */
	unsigned breaker_open_ms; /* how long it stays open; 1000 */
};

struct ov_bus_call {
	const char *method;
	const char *tenant_id;
	const char *request_id;
	uint32_t deadline_ms;
	const uint8_t *body;
	size_t body_len;
};

struct ov_bus_result {
	enum ov_err err; /* transport failure or the server's status */
	char message[256];
	uint8_t *body; /* malloc'd copy of Reply.body; ov_bus_result_free */
	size_t body_len;
};

struct ov_bus_client;

enum ov_err ov_bus_client_new(const struct ov_bus_client_opts *opts,
			      struct ov_bus_client **out);
void ov_bus_client_free(struct ov_bus_client *c);
/* Connected peers right now. */
unsigned ov_bus_client_peers(struct ov_bus_client *c);
/* Returns res->err, and sets all of *res (body NULL unless OK).
 * Thread-safe: calls may run concurrently. */
enum ov_err ov_bus_client_call(struct ov_bus_client *c,
			       const struct ov_bus_call *call,
			       struct ov_bus_result *res);
/* Sends raw bytes instead of an envelope, with the same deadline and
 * reply handling as ov_bus_client_call: for tests of bad input. */
enum ov_err ov_bus_client_send_raw(struct ov_bus_client *c, const uint8_t *raw,
				   size_t len, uint32_t deadline_ms,
				   struct ov_bus_result *res);
void ov_bus_result_free(struct ov_bus_result *res);

/* ---- events ---- */

struct ov_bus_pub;
struct ov_bus_sub;

enum ov_err ov_bus_pub_open(const char *urls, struct ov_bus_pub **out);
/* Sends "topic\0" followed by data; never blocks. */
enum ov_err ov_bus_publish(struct ov_bus_pub *p, const char *topic,
			   const uint8_t *data, size_t len);
void ov_bus_pub_close(struct ov_bus_pub *p);

enum ov_err ov_bus_sub_open(const char *urls, const char *const *topics,
			    size_t n_topics, size_t max_msg,
			    struct ov_bus_sub **out);
/* Waits up to timeout_ms for one event; OV_ETIMEDOUT when none came.
 * topic gets the topic; *data (malloc'd) the payload. */
enum ov_err ov_bus_sub_recv(struct ov_bus_sub *s, unsigned timeout_ms,
			    char *topic, size_t topic_size, uint8_t **data,
			    size_t *len);
/* How many times a publisher connected (first connections and
 * reconnections): events sent while a publisher was away are lost, so
 * a subscriber that caches what events invalidate drops its cache when
 * this changes. */
unsigned ov_bus_sub_connects(struct ov_bus_sub *s);
void ov_bus_sub_close(struct ov_bus_sub *s);

/* Packs msg into a malloc'd buffer. */
enum ov_err ov_pb_pack(const ProtobufCMessage *msg, uint8_t **buf, size_t *len);

/* CLOCK_REALTIME plus ms, for pthread_cond_timedwait. */
struct timespec ov_abstime(unsigned ms);

/* Milliseconds on the monotonic clock. */
uint64_t ov_now_ms(void);
uint64_t ov_now_us(void);

#endif
