#include "cmd.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "env.h"

bool ovctl_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	long v;

	if (!ov_parse_long(s, (long)lo, (long)hi, &v)) {
		fprintf(stderr, "ovctl: \"%s\" is not a number from %u to %u\n",
			s, lo, hi);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

struct ov_bus_client *ovctl_client(const char *service)
{
	static const char *const known[] = {"router", "registrar", "ivr",
					    "admin", "notify"};
	char key[64];
	size_t i;
	bool ok = false;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok = ok || strcmp(service, known[i]) == 0;
	if (!ok) {
		fprintf(stderr, "ovctl: no service \"%s\"\n", service);
		return NULL;
	}
	snprintf(key, sizeof(key), "OV_%s_URL", service);
	for (i = 3; key[i]; i++)
		key[i] = (char)toupper((unsigned char)key[i]);
	const char *url = ovctl_env(key);
	if (!url) {
		fprintf(stderr,
			"ovctl: %s is not set and no stack.env names it\n",
			key);
		return NULL;
	}
	struct ov_bus_client_opts co = {.urls = url};
	struct ov_bus_client *c = NULL;
	if (ov_bus_client_new(&co, &c) != OV_OK) {
		fprintf(stderr, "ovctl: %s=%s is not a usable bus URL\n", key,
			url);
		return NULL;
	}
	return c;
}

void ovctl_client_done(struct ov_bus_client *c)
{
	(void)c;
}

bool ovctl_call_method(const struct ovctl_opts *o, const char *service,
		       const char *method, const char *tenant,
		       const uint8_t *body, size_t len,
		       struct ov_bus_result *res)
{
	char rid[64];

	memset(res, 0, sizeof(*res));
	struct ov_bus_client *c = ovctl_client(service);
	if (!c)
		return false;
	snprintf(rid, sizeof(rid), "ovctl-%s", method);
	struct ov_bus_call call = {.method = method,
				   .tenant_id = tenant,
				   .request_id = rid,
				   .deadline_ms = o->deadline_ms,
				   .body = body,
				   .body_len = len};
	bool ok = ov_bus_client_call(c, &call, res) == OV_OK;
	if (!ok)
		fprintf(stderr, "ovctl: %s: %s\n", ov_err_name(res->err),
			res->message);
	ovctl_client_done(c);
	return ok;
}
