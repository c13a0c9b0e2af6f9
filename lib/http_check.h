/*
 * What the HTTP edge refuses before a request reaches a handler: how a
 * body is framed (request smuggling) and what media type it declares.
 * Pure; lib/http.c and the services' handlers call it.
 */
#ifndef OV_HTTP_CHECK_H
#define OV_HTTP_CHECK_H

#include <stdbool.h>

/* The headers that frame a request body, as received. */
struct ov_http_framing {
	const char *transfer_encoding; /* first Transfer-Encoding, or NULL */
	unsigned n_transfer_encoding;
	unsigned n_content_length; /* how many Content-Length headers */
};

/* 0 when the body's framing is one we accept: at most one
 * Content-Length and no Transfer-Encoding. Otherwise the status to
 * answer (and then close the connection): 400 for Content-Length with
 * Transfer-Encoding, for two Content-Lengths or two Transfer-Encodings
 * (a proxy in front may read them otherwise than we do); 411 for
 * Transfer-Encoding alone (bodies here are small JSON: they must say
 * their length). *why is set to a detail for the problem answer. */
int ov_http_framing_check(const struct ov_http_framing *f, const char **why);

/* True when a Content-Type value names the media type type
 * ("application/json"): compared without case, parameters after ';'
 * allowed ("application/json; charset=utf-8"), nothing else after it
 * ("application/jsonp", "application/json-seq" are not). NULL: false. */
bool ov_http_media_is(const char *content_type, const char *type);

#endif
