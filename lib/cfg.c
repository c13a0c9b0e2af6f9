#include "cfg.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define OV_URL_MAX 512

bool ov_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool url_ok(const char *u)
{
	static const char *const schemes[] = {"tcp://", "ipc://", "inproc://"};

	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(schemes[i]);
		if (strncmp(u, schemes[i], l) == 0 && u[l] != '\0')
			return true;
	}
	return false;
}

enum ov_err ov_cfg_each_url(const char *list,
			    enum ov_err (*fn)(const char *url, void *arg),
			    void *arg)
{
	char url[OV_URL_MAX];
	const char *p = list;
	size_t count = 0;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(url))
			return OV_EINVAL;
		memcpy(url, p, len);
		url[len] = '\0';
		if (!url_ok(url))
			return OV_EINVAL;
		enum ov_err e = fn(url, arg);
		if (e != OV_OK)
			return e;
		count++;
		p += len;
		if (*p == ',') {
			p++;
			/* "a," ends in an empty URL. */
			if (*p == '\0')
				return OV_EINVAL;
		}
	}
	return count ? OV_OK : OV_EINVAL;
}

static enum ov_err url_accept(const char *url, void *arg)
{
	(void)url;
	(void)arg;
	return OV_OK;
}

static bool load_one(const struct ov_cfg_var *v, const char *raw)
{
	long l;

	switch (v->type) {
	case OV_CFG_STR:
		*(const char **)v->dst = raw;
		return true;
	case OV_CFG_INT:
		if (!ov_parse_long(raw, v->min, v->max, &l) || l < INT_MIN ||
		    l > INT_MAX)
			return false;
		*(int *)v->dst = (int)l;
		return true;
	case OV_CFG_BOOL:
		return parse_bool(raw, (bool *)v->dst);
	case OV_CFG_URLS:
		if (ov_cfg_each_url(raw, url_accept, NULL) != OV_OK)
			return false;
		*(const char **)v->dst = raw;
		return true;
	}
	return false;
}

static const char *expect(const struct ov_cfg_var *v, char *buf, size_t len)
{
	switch (v->type) {
	case OV_CFG_INT:
		snprintf(buf, len, "an integer from %ld to %ld", v->min,
			 v->max);
		return buf;
	case OV_CFG_BOOL:
		return "true or false";
	case OV_CFG_URLS:
		return "tcp://, ipc:// or inproc:// URLs separated by commas";
	case OV_CFG_STR:
		break;
	}
	return "a value";
}

enum ov_err ov_cfg_load(const struct ov_cfg_var *vars, size_t n,
			ov_cfg_getenv_fn get, char *err, size_t errlen)
{
	char want[80];

	for (size_t i = 0; i < n; i++) {
		const struct ov_cfg_var *v = &vars[i];
		const char *raw = get(v->name);

		if (!raw)
			raw = v->def;
		if (!raw) {
			snprintf(err, errlen, "%s is required: %s", v->name,
				 v->help);
			return OV_EINVAL;
		}
		if (!load_one(v, raw)) {
			snprintf(err, errlen, "%s=\"%.200s\" is not %s",
				 v->name, raw, expect(v, want, sizeof(want)));
			return OV_EINVAL;
		}
	}
	return OV_OK;
}

static void value_text(const struct ov_cfg_var *v, char *buf, size_t len)
{
	switch (v->type) {
	case OV_CFG_STR:
	case OV_CFG_URLS:
		snprintf(buf, len, "%s", *(const char **)v->dst);
		return;
	case OV_CFG_INT:
		snprintf(buf, len, "%d", *(int *)v->dst);
		return;
	case OV_CFG_BOOL:
		snprintf(buf, len, "%s", *(bool *)v->dst ? "true" : "false");
		return;
	}
}

void ov_cfg_print(FILE *f, const struct ov_cfg_var *vars, size_t n)
{
	char val[OV_URL_MAX];

	fprintf(f, "%-26s %-34s %s\n", "VARIABLE", "VALUE", "MEANING");
	for (size_t i = 0; i < n; i++) {
		const struct ov_cfg_var *v = &vars[i];
		/* Secrets never reach a terminal: mark them by name. */
		if (strstr(v->name, "PASSWORD") || strstr(v->name, "SECRET"))
			snprintf(val, sizeof(val), "(set, hidden)");
		else
			value_text(v, val, sizeof(val));
		fprintf(f, "%-26s %-34s %s (default: %s)\n", v->name, val,
			v->help, v->def ? v->def : "required");
	}
}
