#include "route.h"

#include <stdio.h>
#include <string.h>

/* Matches one pattern against a path, filling m; false on mismatch. */
static bool match(const char *pat, const char *path, struct ov_route_match *m)
{
	m->n = 0;
	for (;;) {
		if (*pat != '/' || *path != '/')
			return *pat == '\0' && *path == '\0';
		pat++;
		path++;
		size_t pl = strcspn(pat, "/");
		size_t sl = strcspn(path, "/");
		if (pl >= 2 && pat[0] == '{' && pat[pl - 1] == '}') {
			if (sl == 0 || sl >= OV_ROUTE_PARAM_MAX ||
			    m->n == OV_ROUTE_MAX_PARAMS)
				return false;
			snprintf(m->params[m->n].name,
				 sizeof(m->params[m->n].name), "%.*s",
				 (int)(pl - 2), pat + 1);
			memcpy(m->params[m->n].value, path, sl);
			m->params[m->n].value[sl] = '\0';
			m->n++;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			return false;
		}
		pat += pl;
		path += sl;
	}
}

enum ov_route_result ov_route_find(const struct ov_route *routes, size_t n,
				   const char *method, const char *path,
				   const struct ov_route **found,
				   struct ov_route_match *m)
{
	enum ov_route_result r = OV_ROUTE_NONE;
	struct ov_route_match tmp;

	for (size_t i = 0; i < n; i++) {
		if (!match(routes[i].pattern, path, &tmp))
			continue;
		if (strcmp(routes[i].method, method) != 0) {
			r = OV_ROUTE_BAD_METHOD;
			continue;
		}
		*found = &routes[i];
		*m = tmp;
		return OV_ROUTE_FOUND;
	}
	return r;
}

bool ov_route_allow(const struct ov_route *routes, size_t n, const char *path,
		    char *out, size_t size)
{
	struct ov_route_match tmp;
	size_t o = 0;

	if (!size)
		return false;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!match(routes[i].pattern, path, &tmp))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(routes[k].method, routes[i].method) ==
				       0 &&
			       match(routes[k].pattern, path, &tmp);
		if (seen)
			continue;
		int w = snprintf(out + o, size - o, "%s%s", o ? ", " : "",
				 routes[i].method);
		if (w < 0 || (size_t)w >= size - o) {
			out[o] = '\0';
			return false;
		}
		o += (size_t)w;
	}
	return true;
}

const char *ov_route_param(const struct ov_route_match *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->params[i].name, name) == 0)
			return m->params[i].value;
	return NULL;
}
