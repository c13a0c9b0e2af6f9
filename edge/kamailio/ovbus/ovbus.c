/*
 * ovbus: the Lua 5.1 module Kamailio's KEMI script loads with
 * require("ovbus") to ask the router for a call's plan.
 *
 *	ovbus.configure{router = "ipc:///run/router.ipc", deadline_ms = 200}
 *	local plan, err, msg = ovbus.route{call_id = ..., to_user = ...}
 *
 * It speaks the bus through libov's client (lib/bus.h). Kamailio runs
 * the script in its main process before it forks the workers, and nng's
 * threads do not survive a fork: configure() only stores values, and
 * the client is opened on first use in each process, again whenever
 * getpid() says this is not the process that opened it.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "bus.h"
#include "cfg.h"
#include "router.pb-c.h"

#define OVBUS_URLS_MAX 1024
#define OVBUS_DEADLINE_DEFAULT 200
#define OVBUS_DEADLINE_MAX 60000
/* Longest string field of a RouteRequest we send: SIP URIs and
 * Call-IDs are far shorter in practice. */
#define OVBUS_FIELD_MAX 1024

struct ovbus_state {
	char urls[OVBUS_URLS_MAX]; /* "" until configure() */
	uint32_t deadline_ms;
	struct ov_bus_client *client; /* opened by `owner` */
	pid_t owner;
	unsigned long seq; /* request ids: "edge-<pid>-<seq>" */
};

static struct ovbus_state st = {.deadline_ms = OVBUS_DEADLINE_DEFAULT};

/* ---- the client, per process ---- */

static void client_drop(void)
{
	/* A client inherited through fork() has no nng threads behind it
	 * in this process: closing it could block forever. Forget it; the
	 * memory is the parent's copy and costs nothing. */
	if (st.client && st.owner == getpid())
		ov_bus_client_free(st.client);
	st.client = NULL;
	st.owner = 0;
}

static enum ov_err client_get(struct ov_bus_client **out, char *msg,
			      size_t msg_size)
{
	struct ov_bus_client_opts opts = {0};
	pid_t pid = getpid();
	enum ov_err e;

	if (st.client && st.owner == pid) {
		*out = st.client;
		return OV_OK;
	}
	client_drop();
	if (!st.urls[0]) {
		snprintf(msg, msg_size,
			 "ovbus.configure{router = ...} was not called");
		return OV_EUNAVAIL;
	}
	opts.urls = st.urls;
	e = ov_bus_client_new(&opts, &st.client);
	if (e != OV_OK) {
		st.client = NULL;
		snprintf(msg, msg_size, "cannot open a bus client for %.200s",
			 st.urls);
		return e;
	}
	st.owner = pid;
	*out = st.client;
	return OV_OK;
}

/* ---- helpers ---- */

static enum ov_err url_check(const char *url, void *arg)
{
	(void)url;
	(void)arg;
	return OV_OK;
}

/* Pushes the failure triple: nil, error name, message. */
static int push_fail(lua_State *L, enum ov_err e, const char *msg)
{
	lua_pushnil(L);
	lua_pushstring(L, ov_err_name(e));
	lua_pushstring(L, msg);
	return 3;
}

/* True when s[0..len) is well-formed UTF-8 without NUL bytes: protobuf
 * strings are UTF-8 and C strings end at the first NUL. */
static bool text_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned min;
		unsigned cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c < 0xe0) {
			n = 2, min = 0x80, cp = c & 0x1fu;
		} else if (c >= 0xe0 && c < 0xf0) {
			n = 3, min = 0x800, cp = c & 0x0fu;
		} else if (c >= 0xf0 && c < 0xf5) {
			n = 4, min = 0x10000, cp = c & 0x07u;
		} else {
			return false;
		}
		if (n > len - i)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0u) != 0x80u)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return false;
		i += n;
	}
	return true;
}

/*
 * Reads t[name] (t at index `tab`) as a string and leaves the value on
 * the stack, so the pointer stays valid until the caller pops it. Absent
 * (nil) reads as "", which is what KSR.pv.get gives for a missing part.
 */
static bool field_str(lua_State *L, int tab, const char *name, const char **out,
		      char *msg, size_t msg_size)
{
	size_t len;

	lua_getfield(L, tab, name);
	if (lua_isnil(L, -1)) {
		*out = "";
		return true;
	}
	if (!lua_isstring(L, -1)) {
		snprintf(msg, msg_size, "%s is a %s, not a string", name,
			 luaL_typename(L, -1));
		return false;
	}
	*out = lua_tolstring(L, -1, &len);
	if (len > OVBUS_FIELD_MAX) {
		snprintf(msg, msg_size, "%s is %zu bytes, over %d", name, len,
			 OVBUS_FIELD_MAX);
		return false;
	}
	if (!text_ok((const unsigned char *)*out, len)) {
		snprintf(msg, msg_size, "%s is not UTF-8 text", name);
		return false;
	}
	return true;
}

/* Reads t[name] as an integer in [lo, hi]; nil gives `def`. */
static bool field_uint(lua_State *L, int tab, const char *name, uint32_t def,
		       uint32_t lo, uint32_t hi, uint32_t *out, char *msg,
		       size_t msg_size)
{
	lua_Number v;

	lua_getfield(L, tab, name);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		*out = def;
		return true;
	}
	if (!lua_isnumber(L, -1)) {
		snprintf(msg, msg_size, "%s is a %s, not a number", name,
			 luaL_typename(L, -1));
		lua_pop(L, 1);
		return false;
	}
	v = lua_tonumber(L, -1);
	lua_pop(L, 1);
	if (!(v >= (lua_Number)lo && v <= (lua_Number)hi) ||
	    v != (lua_Number)(uint32_t)v) {
		snprintf(msg, msg_size, "%s must be an integer from %u to %u",
			 name, (unsigned)lo, (unsigned)hi);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* "reject" for OV__ROUTER__STEP__KIND__REJECT; "unknown" for a kind
 * this edge is too old to know. */
static void push_kind(lua_State *L, int kind)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
		&ov__router__step__kind__descriptor, kind);
	char name[32];
	size_t i;

	if (!v) {
		lua_pushliteral(L, "unknown");
		return;
	}
	for (i = 0; v->name[i] && i < sizeof(name) - 1; i++) {
		char c = v->name[i];
		name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	name[i] = '\0';
	lua_pushstring(L, name);
}

/* Pushes {tenant_id = ..., request_id = ..., steps = {{kind, code,
 * reason}, ...}}. */
static void push_plan(lua_State *L, const Ov__Router__Plan *plan,
		      const char *request_id)
{
	lua_createtable(L, 0, 3);
	lua_pushstring(L, plan->tenant_id ? plan->tenant_id : "");
	lua_setfield(L, -2, "tenant_id");
	lua_pushstring(L, request_id);
	lua_setfield(L, -2, "request_id");
	lua_createtable(L, (int)plan->n_steps, 0);
	for (size_t i = 0; i < plan->n_steps; i++) {
		const Ov__Router__Step *s = plan->steps[i];

		lua_createtable(L, 0, 3);
		push_kind(L, (int)s->kind);
		lua_setfield(L, -2, "kind");
		lua_pushinteger(L, (lua_Integer)s->code);
		lua_setfield(L, -2, "code");
		lua_pushstring(L, s->reason ? s->reason : "");
		lua_setfield(L, -2, "reason");
		lua_rawseti(L, -2, (int)i + 1);
	}
	lua_setfield(L, -2, "steps");
}

/* ---- Lua API ---- */

/* ovbus.configure{router = "urls", deadline_ms = N}: stores a copy;
 * opens nothing. A bad value is a Lua error, so a broken configuration
 * stops Kamailio at start-up rather than at the first call. */
static int l_configure(lua_State *L)
{
	char msg[160];
	const char *urls;
	size_t len;
	uint32_t deadline;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "router");
	if (lua_type(L, -1) != LUA_TSTRING)
		return luaL_error(L, "ovbus.configure: router must be a string "
				     "of bus URLs");
	urls = lua_tolstring(L, -1, &len);
	if (len >= sizeof(st.urls) || strlen(urls) != len ||
	    ov_cfg_each_url(urls, url_check, NULL) != OV_OK)
		return luaL_error(L,
				  "ovbus.configure: router=\"%s\" is not "
				  "tcp://, ipc:// or inproc:// URLs separated "
				  "by commas",
				  urls);
	if (!field_uint(L, 1, "deadline_ms", OVBUS_DEADLINE_DEFAULT, 1,
			OVBUS_DEADLINE_MAX, &deadline, msg, sizeof(msg)))
		return luaL_error(L, "ovbus.configure: %s", msg);
	if (strcmp(urls, st.urls) != 0) {
		/* New addresses: a client this process opened dials the old
		 * ones, so the next call opens another. */
		client_drop();
		memcpy(st.urls, urls, len + 1);
	}
	st.deadline_ms = deadline;
	lua_pop(L, 1);
	return 0;
}

/* The string fields of a RouteRequest, in the order l_route uses. */
static const char *const route_fields[] = {
	"call_id", "from_user", "from_domain",
	"to_user", "to_domain", "source_ip",
};
#define N_FIELDS (sizeof(route_fields) / sizeof(route_fields[0]))

/* ovbus.route{call_id, from_user, from_domain, to_user, to_domain,
 * source_ip, source_port}: the router's plan as a table, or nil, error
 * name, message. */
static int l_route(lua_State *L)
{
	Ov__Router__RouteRequest req = OV__ROUTER__ROUTE_REQUEST__INIT;
	Ov__Router__Plan *plan = NULL;
	struct ov_bus_result res = {0};
	struct ov_bus_client *c;
	struct ov_bus_call call = {0};
	char rid[64];
	char msg[320];
	uint8_t *body = NULL;
	size_t body_len;
	uint32_t port;
	const char *v[N_FIELDS];
	enum ov_err e;
	int top;

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkstack(L, N_FIELDS + 1, "ovbus.route");
	top = lua_gettop(L);
	/* Each string stays on the stack until the settop below. */
	for (size_t i = 0; i < N_FIELDS; i++) {
		if (!field_str(L, 1, route_fields[i], &v[i], msg, sizeof(msg)))
			goto bad_arg;
	}
	if (!field_uint(L, 1, "source_port", 0, 0, 65535, &port, msg,
			sizeof(msg)))
		goto bad_arg;
	req.call_id = (char *)v[0];
	req.from_user = (char *)v[1];
	req.from_domain = (char *)v[2];
	req.to_user = (char *)v[3];
	req.to_domain = (char *)v[4];
	req.source_ip = (char *)v[5];
	req.source_port = port;

	e = ov_pb_pack(&req.base, &body, &body_len);
	lua_settop(L, top);
	if (e != OV_OK) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto out;
	}
	e = client_get(&c, msg, sizeof(msg));
	if (e != OV_OK)
		goto out;

	snprintf(rid, sizeof(rid), "edge-%ld-%lu", (long)getpid(), ++st.seq);
	call.method = "route";
	call.request_id = rid;
	call.deadline_ms = st.deadline_ms;
	call.body = body;
	call.body_len = body_len;
	e = ov_bus_client_call(c, &call, &res);
	if (e != OV_OK) {
		snprintf(msg, sizeof(msg), "%.200s (request %.40s)",
			 res.message, rid);
		goto out;
	}
	plan = ov__router__plan__unpack(NULL, res.body_len, res.body);
	if (!plan) {
		e = OV_EINTERNAL;
		snprintf(msg, sizeof(msg),
			 "reply is not an ov.router.Plan (request %.40s)", rid);
		goto out;
	}
out:
	free(body);
	ov_bus_result_free(&res);
	if (e != OV_OK)
		return push_fail(L, e, msg);
	/* Lua raises out-of-memory with longjmp: the plan would leak then,
	 * with the worker in trouble anyway. */
	push_plan(L, plan, rid);
	ov__router__plan__free_unpacked(plan, NULL);
	return 1;

bad_arg:
	lua_settop(L, top);
	return push_fail(L, OV_EINVAL, msg);
}

static const luaL_Reg ovbus_fns[] = {
	{"configure", l_configure},
	{"route", l_route},
	{NULL, NULL},
};

int luaopen_ovbus(lua_State *L);

/*
 * Keeps this library loaded until the process exits. Closing a Lua state
 * dlclose()s the modules it loaded, but a client's nng threads outlive
 * the state and call back into code here (pipe events): unloading it
 * under them crashes the process.
 */
static void pin_library(void)
{
	Dl_info info;

	if (dladdr(&st, &info) && info.dli_fname)
		dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

int luaopen_ovbus(lua_State *L)
{
	pin_library();
	/* libov's own lines (bus.breaker_open, ...) say where they come
	 * from; nothing else here is set up before the first call. */
	ov_log_init("edge", OV_LOG_INFO);
	luaL_register(L, "ovbus", ovbus_fns);
	return 1;
}
