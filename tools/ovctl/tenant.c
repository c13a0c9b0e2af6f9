/*
 * ovctl tenant: the operator's tenant commands, over admin's REST API
 * with an operator key (OV_OPERATOR_KEY, else the stack's demo key).
 *
 *   tenant create --name N --number NUM --email E [--timezone TZ]
 *                 [--language it|en]
 *   tenant list | show ID | suspend ID | resume ID | delete ID
 *   tenant set ID [--name N] [--email E] [--max-calls N]
 *                 [--international on|off] [--premium on|off]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cmd.h"
#include "env.h"

struct body {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *p = realloc(b->p, b->len + add + 1);

	if (!p)
		return 0;
	memcpy(p + b->len, data, add);
	b->p = p;
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

/* One request; prints the answer (pretty JSON) and returns 0 on 2xx. */
static int request(const char *method, const char *path, json_t *json)
{
	const char *base = ovctl_env("OV_ADMIN_HTTP");
	const char *key = ovctl_env("OV_OPERATOR_KEY");
	struct body b = {NULL, 0};
	struct curl_slist *h = NULL;
	char url[512], auth[256];
	char *payload = NULL;
	long status = 0;
	int rc = 1;

	if (!key)
		key = ovctl_env("OV_DEMO_OPERATOR_KEY");
	if (!base || !key) {
		fprintf(stderr, "ovctl: set OV_ADMIN_HTTP and OV_OPERATOR_KEY "
				"(or use a stack.env that has them)\n");
		json_decref(json);
		return 2;
	}
	snprintf(url, sizeof(url), "%s%s", base, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	CURL *c = curl_easy_init();
	if (!c) {
		json_decref(json);
		return 1;
	}
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Accept: application/json");
	if (json) {
		payload = json_dumps(json, JSON_COMPACT);
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload ? payload : "");
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		fprintf(stderr, "ovctl: %s: %s\n", url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	json_t *doc = b.p ? json_loads(b.p, 0, NULL) : NULL;
	if (doc) {
		char *pretty = json_dumps(doc, JSON_INDENT(2));
		printf("%s\n", pretty ? pretty : b.p);
		free(pretty);
		json_decref(doc);
	} else if (b.p) {
		printf("%s\n", b.p);
	}
	rc = status >= 200 && status < 300 ? 0 : 1;
	if (rc)
		fprintf(stderr, "ovctl: %s %s: HTTP %ld\n", method, path,
			status);
out:
	free(payload);
	free(b.p);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	json_decref(json);
	return rc;
}

static bool on_off(const char *v, bool *out)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
		*out = strcmp(v, "on") == 0;
		return true;
	}
	fprintf(stderr, "ovctl: \"%s\" is not on or off\n", v);
	return false;
}

/* --flag value pairs into a JSON body, by a table of flag → field. */
static json_t *options(int argc, char **argv, bool create)
{
	json_t *o = json_object();

	for (int i = 0; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool b;
		unsigned n;
		if (!v)
			goto bad;
		i++;
		if (strcmp(f, "--name") == 0)
			json_object_set_new(o, "company_name", json_string(v));
		else if (strcmp(f, "--email") == 0)
			json_object_set_new(o, "admin_email", json_string(v));
		else if (strcmp(f, "--timezone") == 0)
			json_object_set_new(o, "timezone", json_string(v));
		else if (strcmp(f, "--language") == 0)
			json_object_set_new(o, "language", json_string(v));
		else if (create && strcmp(f, "--number") == 0)
			json_object_set_new(o, "number", json_string(v));
		else if (!create && strcmp(f, "--max-calls") == 0 &&
			 ovctl_uint(v, 1, 1000, &n))
			json_object_set_new(o, "max_calls", json_integer(n));
		else if (!create && strcmp(f, "--international") == 0 &&
			 on_off(v, &b))
			json_object_set_new(o, "allow_international",
					    json_boolean(b));
		else if (!create && strcmp(f, "--premium") == 0 &&
			 on_off(v, &b))
			json_object_set_new(o, "allow_premium",
					    json_boolean(b));
		else
			goto bad;
	}
	return o;
bad:
	fprintf(stderr, "ovctl tenant: unexpected option \"%s\"\n",
		argc ? argv[argc - 1] : "");
	json_decref(o);
	return NULL;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: ovctl tenant create --name N --number NUM --email E "
		"[--timezone TZ] [--language it|en]\n"
		"       ovctl tenant list | show ID | suspend ID | resume ID | "
		"delete ID\n"
		"       ovctl tenant set ID [--name N] [--email E] "
		"[--max-calls N] [--international on|off] [--premium "
		"on|off]\n");
	return 2;
}

int ovctl_tenant(const struct ovctl_opts *o, int argc, char **argv)
{
	char path[256];
	(void)o;

	if (argc < 1)
		return usage();
	const char *cmd = argv[0];
	if (strcmp(cmd, "list") == 0 && argc == 1)
		return request("GET", "/v1/tenants", NULL);
	if (strcmp(cmd, "create") == 0) {
		json_t *body = options(argc - 1, argv + 1, true);
		return body ? request("POST", "/v1/tenants", body) : 2;
	}
	if (argc < 2 || strlen(argv[1]) > 64)
		return usage();
	snprintf(path, sizeof(path), "/v1/tenants/%s", argv[1]);
	if (strcmp(cmd, "show") == 0 && argc == 2)
		return request("GET", path, NULL);
	if (strcmp(cmd, "delete") == 0 && argc == 2)
		return request("DELETE", path, NULL);
	if ((strcmp(cmd, "suspend") == 0 || strcmp(cmd, "resume") == 0) &&
	    argc == 2) {
		snprintf(path, sizeof(path), "/v1/tenants/%s/%s", argv[1], cmd);
		return request("POST", path, NULL);
	}
	if (strcmp(cmd, "set") == 0) {
		json_t *body = options(argc - 2, argv + 2, false);
		return body ? request("PATCH", path, body) : 2;
	}
	return usage();
}
