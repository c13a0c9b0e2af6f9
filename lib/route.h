/*
 * REST routes: a table of {method, pattern, handler}; patterns have
 * literal segments and {name} segments, e.g. "/v1/users/{id}".
 *
 * Matching is pure and allocation-free: parameters are copied into the
 * caller's struct ov_route_match.
 */
#ifndef OV_ROUTE_H
#define OV_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define OV_ROUTE_MAX_PARAMS 4
#define OV_ROUTE_PARAM_MAX 128

struct ov_route_match {
	size_t n;
	struct {
		char name[32];
		char value[OV_ROUTE_PARAM_MAX];
	} params[OV_ROUTE_MAX_PARAMS];
};

enum ov_route_result {
	OV_ROUTE_NONE,	     /* no pattern matches the path */
	OV_ROUTE_BAD_METHOD, /* a pattern matches, not with this method */
	OV_ROUTE_FOUND,
};

struct ov_route {
	const char *method;
	const char *pattern;
	const void *data; /* the caller's: handler, required role, ... */
};

/* Finds the route for method and path (query string excluded). A path
 * parameter is one non-empty segment of at most OV_ROUTE_PARAM_MAX - 1
 * bytes; longer ones do not match. */
enum ov_route_result ov_route_find(const struct ov_route *routes, size_t n,
				   const char *method, const char *path,
				   const struct ov_route **found,
				   struct ov_route_match *m);

/* The methods of the routes whose pattern matches path, each once, in
 * table order and joined by ", ": the Allow header of a 405 (RFC 9110
 * 15.5.6). "" when none; false when out is too small for them all. */
bool ov_route_allow(const struct ov_route *routes, size_t n, const char *path,
		    char *out, size_t size);

/* The value of parameter `name`, or NULL. */
const char *ov_route_param(const struct ov_route_match *m, const char *name);

#endif
