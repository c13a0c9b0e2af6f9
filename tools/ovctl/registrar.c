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
 * Each command takes only its own options (a table each, one parse).
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

/* The options of any registrar command: each one's table says which it
 * takes. Positional words in a->rest. False when the command ends with
 * *rc: after --help (0) or a usage error (2); *rc is left alone
 * otherwise. */
static bool parse(const struct ovctl_cmd *cmd, int argc, char **argv,
		  struct args *a, int *rc)
{
	struct ovctl_getopt g;
	unsigned u;
	int c;

	memset(a, 0, sizeof(*a));
	a->expires = -1;
	a->cseq = 1;
	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0) {
		switch (c) {
		case 't':
			a->tenant = g.arg;
			break;
		case 'o':
			if (a->n_owners == MAX_OWNERS) {
				*rc = ovctl_usage_error(cmd,
							"more than %d --owner",
							MAX_OWNERS);
				return false;
			}
			a->owners[a->n_owners++] = g.arg;
			break;
		case 'd':
			a->device = g.arg;
			break;
		case 'c':
			a->contact = g.arg;
			break;
		case 'a':
			a->aor = g.arg;
			break;
		case 'i':
			a->call_id = g.arg;
			break;
		case 'r':
			a->received = g.arg;
			break;
		case 'p':
			a->path = g.arg;
			break;
		case 'u':
			a->ua = g.arg;
			break;
		case 'e':
			if (!ovctl_uint(g.arg, 0, 0x7fffffff, &u)) {
				*rc = 2;
				return false;
			}
			a->expires = (int)u;
			break;
		case 's':
			if (!ovctl_uint(g.arg, 0, 0xffffffffu, &a->cseq)) {
				*rc = 2;
				return false;
			}
			break;
		}
	}
	if (c < 0) {
		*rc = g.rc;
		return false;
	}
	a->n_rest = g.n_args;
	for (size_t i = 0; i < g.n_args && i < 2; i++)
		a->rest[i] = g.args[i];
	/* Every command with a --tenant option needs it. */
	for (const struct option *op = cmd->opts; op && op->name; op++)
		if (op->val == 't' && !a->tenant) {
			*rc = ovctl_usage_error(cmd, "--tenant is required");
			return false;
		}
	return true;
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

static int bindings(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		    int argc, char **argv)
{
	struct args args, *a = &args;
	Ov__Registrar__ContactsRequest req =
		OV__REGISTRAR__CONTACTS_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (!parse(cmd, argc, argv, a, &rc))
		return rc;
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

static int devices(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		   int argc, char **argv)
{
	struct args args, *a = &args;
	Ov__Registrar__DevicesRequest req =
		OV__REGISTRAR__DEVICES_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (!parse(cmd, argc, argv, a, &rc))
		return rc;
	if (a->n_owners != 1)
		return ovctl_usage_error(cmd, "one --owner, please");
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

static int ha1(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
	       int argc, char **argv)
{
	struct args args, *a = &args;
	Ov__Registrar__Ha1Request req = OV__REGISTRAR__HA1_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (!parse(cmd, argc, argv, a, &rc))
		return rc;
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

static int save(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		int argc, char **argv)
{
	struct args args, *a = &args;
	Ov__Registrar__SaveRequest req = OV__REGISTRAR__SAVE_REQUEST__INIT;
	struct ov_bus_result res;
	char call_id[64];
	int rc = 1;

	if (!parse(cmd, argc, argv, a, &rc))
		return rc;
	if (a->n_owners != 1 || !a->device || !a->contact)
		return ovctl_usage_error(cmd, "one --owner, --device and "
					      "--contact, please");
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

static int rotate(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		  int argc, char **argv)
{
	struct args args, *a = &args;
	Ov__Registrar__RotateRequest req = OV__REGISTRAR__ROTATE_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (!parse(cmd, argc, argv, a, &rc))
		return rc;
	if (a->n_owners != 1)
		return ovctl_usage_error(cmd, "one --owner, please");
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
static int forget(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		  int argc, char **argv)
{
	struct args args, *a = &args;
	Ov__Registrar__ForgetRequest req = OV__REGISTRAR__FORGET_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (!parse(cmd, argc, argv, a, &rc))
		return rc;
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

static int presence(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		    int argc, char **argv)
{
	struct args args, *a = &args;
	Ov__Registrar__PresenceRequest req =
		OV__REGISTRAR__PRESENCE_REQUEST__INIT;
	struct ov_bus_result res;
	int rc = 1;

	if (!parse(cmd, argc, argv, a, &rc))
		return rc;
	if (a->n_owners != 1)
		return ovctl_usage_error(cmd, "one --owner, please");
	req.owner = (char *)a->owners[0];
	req.presence = (char *)a->rest[0];
	bool ok = call(o, "presence.set", a->tenant, &req.base, &res);
	ov_bus_result_free(&res);
	return ok ? 0 : 1;
}

static const struct option bindings_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"owner", required_argument, NULL, 'o'},
	{0},
};

static const struct ovctl_cmd bindings_cmd = {
	.name = "registrar bindings",
	.synopsis = "registrar bindings --tenant T [--owner O]...",
	.help = "Presence and live bindings (JSON) of the tenant's owners\n"
		"(users, and \"main\"), or of the --owner ones only.\n",
	.opts = bindings_opts,
	.run = bindings,
};

/* devices and rotate: one owner. */
static const struct option owner_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"owner", required_argument, NULL, 'o'},
	{0},
};

static const struct ovctl_cmd devices_cmd = {
	.name = "registrar devices",
	.synopsis = "registrar devices --tenant T --owner O",
	.help = "An owner's devices (JSON): SIP user name, when made, live\n"
		"bindings.\n",
	.opts = owner_opts,
	.run = devices,
};

static const struct ovctl_cmd ha1_cmd = {
	.name = "registrar ha1",
	.synopsis = "registrar ha1 AUTH_USERNAME REALM",
	.help = "Whether a SIP credential exists, and whose it is (tenant,\n"
		"owner, device): Kamailio's lookup, never the HA1 itself.\n"
		"Exits 1 when not found.\n",
	.min_args = 2,
	.max_args = 2,
	.run = ha1,
};

static const struct option save_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"owner", required_argument, NULL, 'o'},
	{"device", required_argument, NULL, 'd'},
	{"contact", required_argument, NULL, 'c'},
	{"aor", required_argument, NULL, 'a'},
	{"expires", required_argument, NULL, 'e'},
	{"call-id", required_argument, NULL, 'i'},
	{"cseq", required_argument, NULL, 's'},
	{"received", required_argument, NULL, 'r'},
	{"path", required_argument, NULL, 'p'},
	{"user-agent", required_argument, NULL, 'u'},
	{0},
};

static const struct ovctl_cmd save_cmd = {
	.name = "registrar save",
	.synopsis = "registrar save --tenant T --owner O --device D "
		    "--contact C\n"
		    "             [--aor A] [--expires N] [--call-id X] "
		    "[--cseq N]\n"
		    "             [--received R] [--path P] [--user-agent UA]",
	.help = "binding.save, as Kamailio calls it on a REGISTER; prints the\n"
		"owner's bindings after it (JSON), with how many were stale\n"
		"or dropped.\n"
		"\n"
		"  --aor A         the To URI (default: the device's AOR)\n"
		"  --expires N     the Expires header (default none: the\n"
		"                  contact's expires, else the registrar's)\n"
		"  --call-id X     default: one of ovctl's, new each time\n"
		"  --cseq N        default 1\n"
		"  --received R    the source address, for NAT\n"
		"  --path P        a Path header\n"
		"  --user-agent UA default \"ovctl\"\n",
	.opts = save_opts,
	.run = save,
};

static const struct ovctl_cmd rotate_cmd = {
	.name = "registrar rotate",
	.synopsis = "registrar rotate --tenant T --owner O",
	.help = "New SIP secrets for every device of the owner; their\n"
		"bindings are removed, so the phones must be given the new\n"
		"ones.\n",
	.opts = owner_opts,
	.run = rotate,
};

static const struct ovctl_cmd presence_cmd = {
	.name = "registrar presence",
	.synopsis = "registrar presence --tenant T --owner O "
		    "available|dnd|away",
	.help = "Sets an owner's presence, as the app does.\n",
	.opts = owner_opts,
	.min_args = 1,
	.max_args = 1,
	.run = presence,
};

static const struct option forget_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{0},
};

static const struct ovctl_cmd forget_cmd = {
	.name = "registrar forget",
	.synopsis = "registrar forget --tenant T",
	.help = "What admin asks when it deletes a tenant, by hand: the\n"
		"tenant's credentials, bindings and presence are forgotten.\n",
	.opts = forget_opts,
	.run = forget,
};

const struct ovctl_cmd ovctl_registrar_cmd = {
	.name = "registrar",
	.help = "The registrar's bus methods, for operators and tests. Lists\n"
		"print JSON; a failure prints \"code: message\" on stderr and\n"
		"exits 1.\n",
	.subs = (const struct ovctl_cmd *const[]){&bindings_cmd, &devices_cmd,
						  &ha1_cmd, &save_cmd,
						  &rotate_cmd, &presence_cmd,
						  &forget_cmd, NULL},
};
