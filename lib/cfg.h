/*
 * Configuration: environment variables only, one table per service.
 *
 *	static const struct ov_cfg_var vars[] = {
 *		OV_CFG_INT("OV_HTTP_PORT", "8080", "health and metrics port",
 *			   &c.http_port, 1, 65535),
 *	};
 *
 * ov_cfg_load() fills every destination from the environment or the
 * default and names the first bad variable in err.
 */
#ifndef OV_CFG_H
#define OV_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum ov_cfg_type {
	OV_CFG_STR,  /* any text; "" allowed when the default is "" */
	OV_CFG_INT,  /* decimal integer in [min, max] */
	OV_CFG_BOOL, /* true/false/1/0/yes/no */
	OV_CFG_URLS, /* comma-separated bus URLs: tcp://, ipc://, inproc:// */
};

struct ov_cfg_var {
	const char *name;
	const char *def; /* NULL: required */
	const char *help;
	enum ov_cfg_type type;
	void *dst; /* const char **, int *, bool *, const char ** */
	long min;
	long max;
};

#define OV_CFG_STR(n, d, h, p)                                                 \
	{                                                                      \
		n, d, h, OV_CFG_STR, (p), 0, 0                                 \
	}
#define OV_CFG_INT(n, d, h, p, lo, hi)                                         \
	{                                                                      \
		n, d, h, OV_CFG_INT, (p), lo, hi                               \
	}
#define OV_CFG_BOOL(n, d, h, p)                                                \
	{                                                                      \
		n, d, h, OV_CFG_BOOL, (p), 0, 0                                \
	}
#define OV_CFG_URLS(n, d, h, p)                                                \
	{                                                                      \
		n, d, h, OV_CFG_URLS, (p), 0, 0                                \
	}

typedef const char *(*ov_cfg_getenv_fn)(const char *name);

enum ov_err ov_cfg_load(const struct ov_cfg_var *vars, size_t n,
			ov_cfg_getenv_fn get, char *err, size_t errlen);

/* The table as --check-config prints it: name, value, default, meaning. */
void ov_cfg_print(FILE *f, const struct ov_cfg_var *vars, size_t n);

/* Checked integer parsing: the whole string, base 10, within [lo, hi]. */
bool ov_parse_long(const char *s, long lo, long hi, long *out);

/* Splits a URL list in place-free fashion: calls fn for each URL. */
enum ov_err ov_cfg_each_url(const char *list,
			    enum ov_err (*fn)(const char *url, void *arg),
			    void *arg);

#endif
