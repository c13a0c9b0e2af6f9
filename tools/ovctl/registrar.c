/*
 * ovctl registrar: the registrar's bus methods, for operators and tests.
 *
 *   ovctl registrar bindings --tenant T [--owner O]...
 *   ovctl registrar devices --tenant T --owner O
 *   ovctl registrar ha1 AUTH_USERNAME REALM
 *   ovctl registrar save --tenant T --owner O --device D --contact C
 *         [--aor A] [--expires N] [--call-id X] [--cseq N]
 *         [--received R] [--path P] [--user-agent UA]
 *   ovctl registrar rotate --tenant T --owner O
 *   ovctl registrar presence --tenant T --owner O available|dnd|away
 *   ovctl registrar forget --tenant T
 *
 * Lists print JSON on stdout. ha1 prints whether the credential exists
 * and whose it is, never the HA1. Failures print "code: message" on
 * stderr and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "registrar.pb-c.h"

#define MAX_OWNERS 64

struct args {
	const char *tenant;
	const char *owners[MAX_OWNERS];
	size_t n_owners;
	const char *device, *contact, *aor, *call_id, *received, *path, *ua;
	int expires;
	unsigned cseq;
	const char *rest[2]; /* positional words */
	size_t n_rest;
};

static bool parse(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->expires = -1;
	a->cseq = 1;
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned u;
		if (k[0] != '-' || k[1] != '-') {
			if (a->n_rest == 2)
				return false;
			a->rest[a->n_rest++] = k;
			continue;
		}
		if (!v)
			return false;
		i++;
		if (strcmp(k, "--tenant") == 0) {
			a->tenant = v;
		} else if (strcmp(k, "--owner") == 0) {
			if (a->n_owners == MAX_OWNERS)
				return false;
			a->owners[a->n_owners++] = v;
		} else if (strcmp(k, "--device") == 0) {
			a->device = v;
		} else if (strcmp(k, "--contact") == 0) {
			a->contact = v;
		} else if (strcmp(k, "--aor") == 0) {
			a->aor = v;
		} else if (strcmp(k, "--call-id") == 0) {
			a->call_id = v;
		} else if (strcmp(k, "--received") == 0) {
			a->received = v;
		} else if (strcmp(k, "--path") == 0) {
			a->path = v;
		} else if (strcmp(k, "--user-agent") == 0) {
			a->ua = v;
		} else if (strcmp(k, "--expires") == 0) {
			if (!ovctl_uint(v, 0, 0x7fffffff, &u))
				return false;
			a->expires = (int)u;
		} else if (strcmp(k, "--cseq") == 0) {
			if (!ovctl_uint(v, 0, 0xffffffffu, &a->cseq))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ovctl registrar bindings --tenant T [--owner O]...\n"
		"       ovctl registrar devices --tenant T --owner O\n"
		"       ovctl registrar ha1 AUTH_USERNAME REALM\n"
		"       ovctl registrar save --tenant T --owner O --device D "
		"--contact C\n"
		"             [--aor A] [--expires N] [--call-id X] [--cseq "
		"N]\n"
		"             [--received R] [--path P] [--user-agent UA]\n"
		"       ovctl registrar rotate --tenant T --owner O\n"
		"       ovctl registrar presence --tenant T --owner O "
		"available|dnd|away\n"
		"       ovctl registrar forget --tenant T\n");
}

static json_t *binding_json(const Ov__Registrar__Binding *b)
{
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
			 "contact", b->contact, "expires",
			 (json_int_t)b->expires, "received", b->received,
			 "path", b->path, "user_agent", b->user_agent,
			 "instance", b->instance, "device", b->device, "owner",
			 b->owner, "updated_at", (json_int_t)b->updated_at);
}

static json_t *bindings_json(Ov__Registrar__Binding **bs, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, binding_json(bs[i]));
	return a;
}

static void print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(v);
}

/* Packs msg, calls method for the tenant; false (printed) on failure. */
static bool call(const struct ovctl_opts *o, const char *method,
		 const char *tenant, const ProtobufCMessage *msg,
		 struct ov_bus_result *res)
{
	uint8_t *body = NULL;
	size_t len = 0;

	memset(res, 0, sizeof(*res));
	if (ov_pb_pack(msg, &body, &len) != OV_OK)
		return false;
	bool ok = ovctl_call_method(o, "registrar", method, tenant, body, len,
				    res);
	free(body);
	return ok;
}

static int bindings(const struct ovctl_opts *o, const struct args *a)
{
	Ov__Registrar__ContactsRequest req =
		OV__REGISTRAR__CONTACTS_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	req.owners = (char **)a->owners;
	req.n_owners = a->n_owners;
	if (!call(o, "contacts.get", a->tenant, &req.base, &res))
		goto out;
	Ov__Registrar__ContactsReply *r = ov__registrar__contacts_reply__unpack(
		NULL, res.body_len, res.body);
	if (!r)
		goto out;
	json_t *owners = json_array();
	for (size_t i = 0; i < r->n_reach; i++)
		json_array_append_new(
			owners,
			json_pack("{s:s, s:s, s:o}", "owner",
				  r->reach[i]->owner, "presence",
				  r->reach[i]->presence, "bindings",
				  bindings_json(r->reach[i]->bindings,
						r->reach[i]->n_bindings)));
	print_json(json_pack("{s:o}", "owners", owners));
	ov__registrar__contacts_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

static int devices(const struct ovctl_opts *o, const struct args *a)
{
	Ov__Registrar__DevicesRequest req =
		OV__REGISTRAR__DEVICES_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (a->n_owners != 1) {
		usage();
		return 2;
	}
	req.owner = (char *)a->owners[0];
	if (!call(o, "devices.list", a->tenant, &req.base, &res))
		goto out;
	Ov__Registrar__DevicesReply *r = ov__registrar__devices_reply__unpack(
		NULL, res.body_len, res.body);
	if (!r)
		goto out;
	json_t *devs = json_array();
	for (size_t i = 0; i < r->n_devices; i++) {
		const Ov__Registrar__Device *d = r->devices[i];
		json_array_append_new(
			devs,
			json_pack("{s:s, s:s, s:I, s:o}", "device", d->device,
				  "auth_username", d->auth_username,
				  "created_at", (json_int_t)d->created_at,
				  "bindings",
				  bindings_json(d->bindings, d->n_bindings)));
	}
	print_json(json_pack("{s:o}", "devices", devs));
	ov__registrar__devices_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

static int ha1(const struct ovctl_opts *o, const struct args *a)
{
	Ov__Registrar__Ha1Request req = OV__REGISTRAR__HA1_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (a->n_rest != 2) {
		usage();
		return 2;
	}
	req.auth_username = (char *)a->rest[0];
	req.realm = (char *)a->rest[1];
	if (!call(o, "auth.ha1", NULL, &req.base, &res))
		goto out;
	Ov__Registrar__Ha1Reply *r =
		ov__registrar__ha1_reply__unpack(NULL, res.body_len, res.body);
	if (!r)
		goto out;
	/* Whose it is; the HA1 itself is Kamailio's business only. */
	if (r->found)
		printf("found tenant=%s owner=%s device=%s aor_user=%s\n",
		       r->tenant_id, r->owner, r->device, r->aor_user);
	else
		printf("not found\n");
	rc = r->found ? 0 : 1;
	ov__registrar__ha1_reply__free_unpacked(r, NULL);
out:
	ov_bus_result_free(&res);
	return rc;
}

static int save(const struct ovctl_opts *o, const struct args *a)
{
	Ov__Registrar__SaveRequest req = OV__REGISTRAR__SAVE_REQUEST__INIT;
	struct ov_bus_result res;
	char call_id[64];
	int rc = 1;

	if (a->n_owners != 1 || !a->device || !a->contact) {
		usage();
		return 2;
	}
	snprintf(call_id, sizeof(call_id), "ovctl-%ld-%ld", (long)getpid(),
		 (long)time(NULL));
	req.owner = (char *)a->owners[0];
	req.device = (char *)a->device;
	req.contact = (char *)a->contact;
	req.aor = (char *)(a->aor ? a->aor : "");
	req.expires = a->expires;
	req.call_id = a->call_id ? (char *)a->call_id : call_id;
	req.cseq = a->cseq;
	req.received = (char *)(a->received ? a->received : "");
	req.path = (char *)(a->path ? a->path : "");
	req.user_agent = (char *)(a->ua ? a->ua : "ovctl");
	if (!call(o, "binding.save", a->tenant, &req.base, &res))
		goto out;
	Ov__Registrar__SaveReply *r =
		ov__registrar__save_reply__unpack(NULL, res.body_len, res.body);
	if (!r)
		goto out;
	print_json(json_pack("{s:o, s:i, s:i}", "bindings",
			     bindings_json(r->bindings, r->n_bindings), "stale",
			     (int)r->stale, "dropped", (int)r->dropped));
	ov__registrar__save_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

static int rotate(const struct ovctl_opts *o, const struct args *a)
{
	Ov__Registrar__RotateRequest req = OV__REGISTRAR__ROTATE_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (a->n_owners != 1) {
		usage();
		return 2;
	}
	req.owner = (char *)a->owners[0];
	if (!call(o, "sip.rotate", a->tenant, &req.base, &res))
		goto out;
	Ov__Registrar__RotateReply *r = ov__registrar__rotate_reply__unpack(
		NULL, res.body_len, res.body);
	if (!r)
		goto out;
	printf("devices=%u bindings_removed=%u\n", r->devices,
	       r->bindings_removed);
	ov__registrar__rotate_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

/* What admin does when it deletes a tenant, by hand (when the
 * registrar could not be reached then). */
static int forget(const struct ovctl_opts *o, const struct args *a)
{
	Ov__Registrar__ForgetRequest req = OV__REGISTRAR__FORGET_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (a->n_owners || a->n_rest) {
		usage();
		return 2;
	}
	if (!call(o, "tenant.forget", a->tenant, &req.base, &res))
		goto out;
	Ov__Registrar__ForgetReply *r = ov__registrar__forget_reply__unpack(
		NULL, res.body_len, res.body);
	if (!r)
		goto out;
	printf("devices=%u bindings_removed=%u\n", r->devices,
	       r->bindings_removed);
	ov__registrar__forget_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

static int presence(const struct ovctl_opts *o, const struct args *a)
{
	Ov__Registrar__PresenceRequest req =
		OV__REGISTRAR__PRESENCE_REQUEST__INIT;
	struct ov_bus_result res;

	if (a->n_owners != 1 || a->n_rest != 1) {
		usage();
		return 2;
	}
	req.owner = (char *)a->owners[0];
	req.presence = (char *)a->rest[0];
	bool ok = call(o, "presence.set", a->tenant, &req.base, &res);
	ov_bus_result_free(&res);
	return ok ? 0 : 1;
}

int ovctl_registrar(const struct ovctl_opts *o, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct ovctl_opts *, const struct args *);
		bool tenant;
	} cmds[] = {
		{"bindings", bindings, true}, {"devices", devices, true},
		{"ha1", ha1, false},	      {"save", save, true},
		{"rotate", rotate, true},     {"presence", presence, true},
		{"forget", forget, true},
	};
	struct args a;

	if (argc < 1 || !parse(argc - 1, argv + 1, &a)) {
		usage();
		return 2;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (cmds[i].tenant && !a.tenant) {
			usage();
			return 2;
		}
		return cmds[i].fn(o, &a);
	}
	usage();
	return 2;
}
