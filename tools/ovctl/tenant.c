/*
 * ovctl tenant: the operator's tenant commands, over admin's REST API
 * with an operator key (OV_OPERATOR_KEY, else the stack's demo key).
 *
 *   tenant create --name N --number NUM --email E [--timezone TZ]
 *                 [--language it|en]
 *   tenant list | show ID | suspend ID | resume ID | delete ID
 *   tenant set ID [--name N] [--email E] [--max-calls N]
 *                 [--international on|off] [--premium on|off]
 *                 [--timezone TZ] [--language it|en]
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

/* The options into a JSON body: flag → field. NULL after a usage error
 * (printed; the exit code in g->rc). */
static json_t *options(struct ovctl_getopt *g)
{
	json_t *o = json_object();
	bool b;
	unsigned n;
	int c;

	while ((c = ovctl_getopt(g)) > 0) {
		switch (c) {
		case 'n':
			json_object_set_new(o, "company_name",
					    json_string(g->arg));
			break;
		case 'e':
			json_object_set_new(o, "admin_email",
					    json_string(g->arg));
			break;
		case 'z':
			json_object_set_new(o, "timezone", json_string(g->arg));
			break;
		case 'l':
			json_object_set_new(o, "language", json_string(g->arg));
			break;
		case 'N':
			json_object_set_new(o, "number", json_string(g->arg));
			break;
		case 'm':
			if (!ovctl_uint(g->arg, 1, 1000, &n))
				goto bad;
			json_object_set_new(o, "max_calls", json_integer(n));
			break;
		case 'i':
			if (!on_off(g->arg, &b))
				goto bad;
			json_object_set_new(o, "allow_international",
					    json_boolean(b));
			break;
		case 'p':
			if (!on_off(g->arg, &b))
				goto bad;
			json_object_set_new(o, "allow_premium",
					    json_boolean(b));
			break;
		}
	}
	if (c == 0)
		return o;
	json_decref(o);
	return NULL;
bad:
	g->rc = 2;
	json_decref(o);
	return NULL;
}

/* The tenant's path, from its ID (the one positional word). */
static bool tenant_path(const struct ovctl_cmd *cmd, const char *id,
			const char *tail, char *path, size_t size)
{
	if (strlen(id) > 64) {
		ovctl_usage_error(cmd, "\"%s\" is no tenant ID", id);
		return false;
	}
	snprintf(path, size, "/v1/tenants/%s%s%s", id, tail ? "/" : "",
		 tail ? tail : "");
	return true;
}

static int create(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		  int argc, char **argv)
{
	struct ovctl_getopt g;
	(void)o;

	ovctl_getopt_init(&g, cmd, argc, argv);
	json_t *body = options(&g);
	return body ? request("POST", "/v1/tenants", body) : g.rc;
}

static int set(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
	       int argc, char **argv)
{
	struct ovctl_getopt g;
	char path[256];
	(void)o;

	ovctl_getopt_init(&g, cmd, argc, argv);
	json_t *body = options(&g);
	if (!body)
		return g.rc;
	if (!tenant_path(cmd, g.args[0], NULL, path, sizeof(path))) {
		json_decref(body);
		return 2;
	}
	return request("PATCH", path, body);
}

/* list, and the commands on one tenant without options. */
static int simple(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		  int argc, char **argv)
{
	const char *verb = strrchr(cmd->name, ' ') + 1;
	struct ovctl_getopt g;
	char path[256];
	(void)o;

	ovctl_getopt_init(&g, cmd, argc, argv);
	if (ovctl_getopt(&g) < 0)
		return g.rc;
	if (strcmp(verb, "list") == 0)
		return request("GET", "/v1/tenants", NULL);
	bool action =
		strcmp(verb, "suspend") == 0 || strcmp(verb, "resume") == 0;
	if (!tenant_path(cmd, g.args[0], action ? verb : NULL, path,
			 sizeof(path)))
		return 2;
	if (action)
		return request("POST", path, NULL);
	return request(strcmp(verb, "delete") == 0 ? "DELETE" : "GET", path,
		       NULL);
}

#define OPERATOR_KEY                                                           \
	"Over admin's REST API with OV_OPERATOR_KEY (else the stack's\n"       \
	"demo key); prints the answer's JSON, exits 1 unless it is a 2xx.\n"

static const struct option create_opts[] = {
	{"name", required_argument, NULL, 'n'},
	{"number", required_argument, NULL, 'N'},
	{"email", required_argument, NULL, 'e'},
	{"timezone", required_argument, NULL, 'z'},
	{"language", required_argument, NULL, 'l'},
	{0},
};

static const struct ovctl_cmd create_cmd = {
	.name = "tenant create",
	.synopsis = "tenant create --name N --number NUM --email E\n"
		    "                   [--timezone TZ] [--language it|en]",
	.help = "A new tenant (a company); its administrator gets the\n"
		"activation mail.\n" OPERATOR_KEY "\n"
		"  --name N        the company's name\n"
		"  --number NUM    its fixed number\n"
		"  --email E       its administrator's e-mail\n"
		"  --timezone TZ   e.g. Europe/Rome\n"
		"  --language L    it or en\n",
	.opts = create_opts,
	.run = create,
};

static const struct option set_opts[] = {
	{"name", required_argument, NULL, 'n'},
	{"email", required_argument, NULL, 'e'},
	{"timezone", required_argument, NULL, 'z'},
	{"language", required_argument, NULL, 'l'},
	{"max-calls", required_argument, NULL, 'm'},
	{"international", required_argument, NULL, 'i'},
	{"premium", required_argument, NULL, 'p'},
	{0},
};

static const struct ovctl_cmd set_cmd = {
	.name = "tenant set",
	.synopsis = "tenant set ID [--name N] [--email E] [--max-calls N]\n"
		    "                [--international on|off] [--premium "
		    "on|off]\n"
		    "                [--timezone TZ] [--language it|en]",
	.help = "Changes a tenant: only the fields given.\n" OPERATOR_KEY "\n"
		"  --name N                the company's name\n"
		"  --email E               its administrator's e-mail\n"
		"  --max-calls N           calls at once (1-1000)\n"
		"  --international on|off  calls abroad allowed\n"
		"  --premium on|off        premium numbers allowed\n"
		"  --timezone TZ           e.g. Europe/Rome\n"
		"  --language L            it or en\n",
	.opts = set_opts,
	.min_args = 1,
	.max_args = 1,
	.run = set,
};

static const struct ovctl_cmd list_cmd = {
	.name = "tenant list",
	.synopsis = "tenant list",
	.help = "Every tenant.\n" OPERATOR_KEY,
	.run = simple,
};

#define ONE_TENANT(verb, what)                                                 \
	static const struct ovctl_cmd verb##_cmd = {                           \
		.name = "tenant " #verb,                                       \
		.synopsis = "tenant " #verb " ID",                             \
		.help = what "\n" OPERATOR_KEY,                                \
		.min_args = 1,                                                 \
		.max_args = 1,                                                 \
		.run = simple,                                                 \
	}

ONE_TENANT(show, "A tenant, by ID.");
ONE_TENANT(suspend, "Suspends a tenant: no log-in, its number answers\n"
		    "480, its phones reach only emergency numbers.");
ONE_TENANT(resume, "Resumes a suspended tenant.");
ONE_TENANT(delete, "Deletes a tenant: its personal data is erased, its\n"
		   "number is nobody's.");

const struct ovctl_cmd ovctl_tenant_cmd = {
	.name = "tenant",
	.help = "The operator's tenant commands.\n" OPERATOR_KEY,
	.subs = (const struct ovctl_cmd *const[]){&create_cmd, &list_cmd,
						  &show_cmd, &set_cmd,
						  &suspend_cmd, &resume_cmd,
						  &delete_cmd, NULL},
};
