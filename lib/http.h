/*
 * The HTTP side of every service (libmicrohttpd): /healthz, /readyz and
 * /metrics, plus the service's own routes through one handler.
 *
 * Errors are RFC 9457 problem JSON. Bodies over max_body are refused
 * with 413 before the handler runs; a body framed by Transfer-Encoding
 * (chunked, or with a Content-Length too) is refused before it is read
 * (lib/http_check.h). Every answer carries the security headers of
 * docs/admin.md, "The HTTP edge".
 */
#ifndef OV_HTTP_H
#define OV_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct ov_http_request {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated copy, "" when none */
	size_t body_len;
	void *conn; /* struct MHD_Connection *, for headers and arguments */
};

struct ov_http_response {
	int status;
	const char *content_type; /* static string */
	char *body;		  /* malloc'd; the server frees it */
	size_t body_len;
	unsigned retry_after;	   /* seconds; sends Retry-After when not 0 */
	const char *cache_control; /* static string; NULL: "no-store" */
	const char *content_encoding; /* static string; NULL: none */
	const char *vary;	      /* static string; NULL: none */
	/* Content-Security-Policy; NULL: OV_HTTP_CSP_NONE. Must outlive
	 * the answer (a static string or one the service keeps). */
	const char *csp;
	bool close;	/* sends Connection: close and closes after it */
	char allow[64]; /* the Allow header (a 405's methods); "": none */
};

/* The policy of every answer that is not a page of the app: it may load
 * nothing and be framed by nobody. */
#define OV_HTTP_CSP_NONE "default-src 'none'; frame-ancestors 'none'"

/* Answers a request; returns false when no route matched (404). */
typedef bool (*ov_http_handler_fn)(const struct ov_http_request *req,
				   struct ov_http_response *res, void *arg);

struct ov_http_opts {
	const char *addr; /* listen address, e.g. 127.0.0.1 or 0.0.0.0 */
	int port;
	unsigned threads;
	size_t max_body;
	unsigned per_ip_limit;	  /* connections from one address; 0: none */
	unsigned head_timeout_s;  /* to a complete head; 0: 10 */
	bool (*ready)(void *arg); /* NULL: ready while not draining */
	void *ready_arg;
	ov_http_handler_fn handler; /* NULL: only the built-in routes */
	void *handler_arg;
};

struct ov_http;

enum ov_err ov_http_start(const struct ov_http_opts *opts,
			  struct ov_http **out);
/* /readyz answers 503 from now on; the server keeps running. */
void ov_http_set_draining(struct ov_http *h);
void ov_http_stop(struct ov_http *h);

/* Fills res with a problem JSON body: {"type","title","status","detail"}
 * plus "code" (a stable ov_err name) and, when field is given, "field". */
void ov_http_problem(struct ov_http_response *res, int status, enum ov_err code,
		     const char *field, const char *detail);
/* The same with a service-specific code instead of an ov_err name. */
void ov_http_problem_code(struct ov_http_response *res, int status,
			  const char *code, const char *field,
			  const char *detail);
/* Takes a malloc'd body. */
void ov_http_reply(struct ov_http_response *res, int status,
		   const char *content_type, char *body, size_t len);
/* The value of a request header, or NULL. */
const char *ov_http_header(const struct ov_http_request *req, const char *name);

/* The value of a query-string argument, or NULL. */
const char *ov_http_query(const struct ov_http_request *req, const char *name);
/* The peer's address as text ("127.0.0.1"), or "" when unknown. */
void ov_http_client_ip(const struct ov_http_request *req, char *out,
		       size_t size);

#endif
