/*
 * ovbus: the Lua 5.1 module Kamailio's KEMI script loads with
 * require("ovbus") to ask the router for a call's plan and the registrar
 * for credentials and bindings.
 *
 *	ovbus.configure{router = "ipc:///run/router.ipc",
 *			registrar = "ipc:///run/registrar.ipc",
 *			deadline_ms = 200}
 *	local plan, raw = ovbus.route{call_id = ..., to_user = ...}
 *	local plan = ovbus.plan(raw)      -- again, in failure_route
 *	local cred = ovbus.ha1{auth_username = ..., realm = ...}
 *	local saved = ovbus.save{owner = ..., contact = ..., ...}
 *	local played = ovbus.play{tenant_id = ..., message = "welcome", ...}
 *	local a = ovbus.answer{call_id = ..., from_tag = ...} -- a.sdp: 183
 *	local t = ovbus.json(text)        -- rtpengine's query answer
 *
 * Every call fails as nil, error name, message. Requests and replies are
 * the protobuf messages of proto/router.proto and proto/registrar.proto,
 * mapped field by field to Lua tables through their descriptors: field
 * names as keys, enums as lower-case names, repeated fields as arrays.
 *
 * It speaks the bus through libov's client (lib/bus.h). Kamailio runs
 * the script in its main process before it forks the workers, and nng's
 * threads do not survive a fork: configure() only stores values, and
 * the client is opened on first use in each process, again whenever
 * getpid() says this is not the process that opened it.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "bus.h"
#include "cfg.h"
#include "admin.pb-c.h"
#include "ivr.pb-c.h"
#include "registrar.pb-c.h"
#include "router.pb-c.h"

#define OVBUS_URLS_MAX 1024
#define OVBUS_DEADLINE_DEFAULT 200
#define OVBUS_DEADLINE_MAX 60000
#define OVBUS_PLAY_DEADLINE_DEFAULT 1000
/* Longest string field of a RouteRequest we send: SIP URIs and
 * Call-IDs are far shorter in practice. */
#define OVBUS_FIELD_MAX 1024

/* One service's client, opened lazily per process. */
struct ovbus_peer {
	const char *name;	      /* "router" */
	char urls[OVBUS_URLS_MAX];    /* "" until configure() */
	struct ov_bus_client *client; /* opened by `owner` */
	pid_t owner;
};

enum {
	PEER_ROUTER,
	PEER_REGISTRAR,
	PEER_IVR,
	PEER_ADMIN,
	N_PEERS
};

struct ovbus_state {
	struct ovbus_peer peers[N_PEERS];
	uint32_t deadline_ms;
	/* The IVR's play goes on to rtpengine (with its own retries): it
	 * gets a deadline of its own. */
	uint32_t play_deadline_ms;
	unsigned long seq; /* request ids: "edge-<pid>-<seq>" */
};

static struct ovbus_state st = {
	.peers = {{.name = "router"},
		  {.name = "registrar"},
		  {.name = "ivr"},
		  {.name = "admin"}},
	.deadline_ms = OVBUS_DEADLINE_DEFAULT,
	.play_deadline_ms = OVBUS_PLAY_DEADLINE_DEFAULT,
};

/* ---- the client, per process ---- */

static void client_drop(struct ovbus_peer *p)
{
	/* A client inherited through fork() has no nng threads behind it
	 * in this process: closing it could block forever. Forget it; the
	 * memory is the parent's copy and costs nothing. */
	if (p->client && p->owner == getpid())
		ov_bus_client_free(p->client);
	p->client = NULL;
	p->owner = 0;
}

static enum ov_err client_get(struct ovbus_peer *p, struct ov_bus_client **out,
			      char *msg, size_t msg_size)
{
	struct ov_bus_client_opts opts = {0};
	pid_t pid = getpid();
	enum ov_err e;

	if (p->client && p->owner == pid) {
		*out = p->client;
		return OV_OK;
	}
	client_drop(p);
	if (!p->urls[0]) {
		snprintf(msg, msg_size,
			 "ovbus.configure{%s = ...} was not called", p->name);
		return OV_EUNAVAIL;
	}
	opts.urls = p->urls;
	e = ov_bus_client_new(&opts, &p->client);
	if (e != OV_OK) {
		p->client = NULL;
		snprintf(msg, msg_size, "cannot open a bus client for %.200s",
			 p->urls);
		return e;
	}
	p->owner = pid;
	*out = p->client;
	return OV_OK;
}

/* ---- helpers ---- */

static enum ov_err url_check(const char *url, void *arg)
{
	(void)url;
	(void)arg;
	return OV_OK;
}

/* ---- the IVR beside the call's rtpengine ----
 *
 * With "{rtpengine}" in the IVR's URLs (tcp://{rtpengine}:7103), a play
 * goes to the IVR at the host of the rtpengine that holds the call: the
 * one beside it, whose prompt files that rtpengine can read
 * (docs/deploy.md, "Media"). One client per host, opened lazily in each
 * process like the others. */
#define OVBUS_RTPE_MARK "{rtpengine}"
#define OVBUS_IVR_HOSTS 64
#define OVBUS_HOST_MAX 256

static struct ovbus_peer ivr_at[OVBUS_IVR_HOSTS];
static char ivr_host[OVBUS_IVR_HOSTS][OVBUS_HOST_MAX];

/* The host of an ng socket, "udp:HOST:PORT" or "udp6:[HOST]:PORT". */
static bool rtpe_host(const char *sock, char *out, size_t out_size)
{
	const char *p = strchr(sock, ':');
	const char *end = p ? strrchr(p + 1, ':') : NULL;

	if (!p || !end || end == p + 1)
		return false;
	p++;
	if (*p == '[' && end[-1] == ']') {
		p++;
		end--;
	}
	size_t len = (size_t)(end - p);
	if (len == 0 || len >= out_size)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)p[i]) && !strchr(".-:", p[i]))
			return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

/* tmpl with every OVBUS_RTPE_MARK replaced by host (an IPv6 address in
 * brackets). */
static bool expand_urls(const char *tmpl, const char *host, char *out,
			size_t out_size)
{
	size_t mark = strlen(OVBUS_RTPE_MARK), n = 0;
	bool v6 = strchr(host, ':') != NULL;

	while (*tmpl) {
		int k;
		if (strncmp(tmpl, OVBUS_RTPE_MARK, mark) == 0) {
			k = snprintf(out + n, out_size - n, v6 ? "[%s]" : "%s",
				     host);
			tmpl += mark;
		} else {
			k = snprintf(out + n, out_size - n, "%c", *tmpl++);
		}
		if (k < 0 || (size_t)k >= out_size - n)
			return false;
		n += (size_t)k;
	}
	return true;
}

static void ivr_at_reset(void)
{
	for (size_t i = 0; i < OVBUS_IVR_HOSTS; i++) {
		client_drop(&ivr_at[i]);
		ivr_at[i].name = NULL;
		ivr_host[i][0] = '\0';
	}
}

/* The IVR peer for a call on rtpengine `rtpe` ("" when the edge knows
 * none); NULL with msg set when there is none to ask. */
static struct ovbus_peer *ivr_peer(const char *rtpe, char *msg, size_t msg_size)
{
	struct ovbus_peer *ivr = &st.peers[PEER_IVR];
	char host[OVBUS_HOST_MAX];
	size_t i;

	if (!strstr(ivr->urls, OVBUS_RTPE_MARK))
		return ivr;
	if (!rtpe_host(rtpe, host, sizeof(host))) {
		snprintf(msg, msg_size,
			 "rtpengine \"%.64s\" is not udp:HOST:PORT: no IVR "
			 "beside it to ask",
			 rtpe);
		return NULL;
	}
	for (i = 0; i < OVBUS_IVR_HOSTS && ivr_at[i].name; i++)
		if (strcmp(ivr_host[i], host) == 0)
			return &ivr_at[i];
	if (i == OVBUS_IVR_HOSTS ||
	    !expand_urls(ivr->urls, host, ivr_at[i].urls,
			 sizeof(ivr_at[i].urls))) {
		snprintf(msg, msg_size,
			 "no IVR client for rtpengine host %.64s (at most %d "
			 "hosts)",
			 host, OVBUS_IVR_HOSTS);
		return NULL;
	}
	memcpy(ivr_host[i], host, strlen(host) + 1);
	ivr_at[i].name = "ivr";
	return &ivr_at[i];
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
 * strings are UTF-8 and C strings end at the first NUL. GLib's check
 * refuses a NUL within len, overlong forms, surrogates and anything past
 * U+10FFFF, as lib/utf8.c does. */
static bool text_ok(const char *s, size_t len)
{
	return g_utf8_validate_len(s, len, NULL);
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

/* ---- protobuf messages as Lua tables ---- */

/* The enum value's name in lower case ("ring" for RING). */
static void push_enum(lua_State *L, const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *ev =
		protobuf_c_enum_descriptor_get_value(d, v);
	char name[48];
	size_t i;

	if (!ev) {
		lua_pushliteral(L, "unknown");
		return;
	}
	for (i = 0; i < sizeof(name) - 1 && ev->name[i]; i++) {
		char c = ev->name[i];
		name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	name[i] = '\0';
	lua_pushstring(L, name);
}

static void push_message(lua_State *L, const ProtobufCMessage *m);

/* Pushes one value of field f found at p. */
static void push_value(lua_State *L, const ProtobufCFieldDescriptor *f,
		       const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		lua_pushstring(L, s ? s : "");
		break;
	}
	case PROTOBUF_C_TYPE_BOOL:
		lua_pushboolean(L, *(const protobuf_c_boolean *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
		lua_pushnumber(L, (lua_Number) * (const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT32:
		lua_pushnumber(L, (lua_Number) * (const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
		lua_pushnumber(L, (lua_Number) * (const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
		lua_pushnumber(L, (lua_Number) * (const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		push_enum(L, f->descriptor, *(const int *)p);
		break;
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		if (sub)
			push_message(L, sub);
		else
			lua_newtable(L);
		break;
	}
	default:
		lua_pushnil(L);
		break;
	}
}

/* Size of one element of a repeated field of this type. */
static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

/* Pushes m as a table: every field, repeated ones as arrays. */
static void push_message(lua_State *L, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	luaL_checkstack(L, 4, "ovbus: message too deep");
	lua_createtable(L, 0, (int)d->n_fields);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n =
				*(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(char *const *)(base + f->offset);
			lua_createtable(L, (int)n, 0);
			for (size_t k = 0; k < n; k++) {
				push_value(L, f, arr + k * elem_size(f->type));
				lua_rawseti(L, -2, (int)k + 1);
			}
		} else {
			push_value(L, f, base + f->offset);
		}
		lua_setfield(L, -2, f->name);
	}
}

/* Fills m (initialised, of descriptor d) from the table at index tab.
 * Absent keys keep their defaults; a value of the wrong type is an
 * error naming the field. Strings are copied: free the message with
 * protobuf_c_message_free_unpacked(m, NULL). */
/* The Lua value on the top of the stack (of type t) into the field f's
 * storage at p: strings as UTF-8 text, booleans, integers in range. */
static bool fill_scalar(lua_State *L, int t, const ProtobufCFieldDescriptor *f,
			void *p, char *msg, size_t msg_size)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		size_t len;
		const char *s;
		if (t != LUA_TSTRING && t != LUA_TNUMBER)
			break;
		s = lua_tolstring(L, -1, &len);
		if (len > OVBUS_FIELD_MAX || !text_ok(s, len)) {
			snprintf(msg, msg_size,
				 "%s is not UTF-8 text of at most %d bytes",
				 f->name, OVBUS_FIELD_MAX);
			return false;
		}
		char *copy = malloc(len + 1);
		if (!copy) {
			snprintf(msg, msg_size, "out of memory");
			return false;
		}
		memcpy(copy, s, len + 1);
		*(char **)p = copy;
		return true;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (t != LUA_TBOOLEAN)
			break;
		*(protobuf_c_boolean *)p = lua_toboolean(L, -1);
		return true;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_ENUM: {
		lua_Number v;
		if (!lua_isnumber(L, -1))
			break;
		v = lua_tonumber(L, -1);
		if (f->type == PROTOBUF_C_TYPE_UINT32 && v >= 0 &&
		    v <= 4294967295.0 && v == (lua_Number)(uint32_t)v)
			*(uint32_t *)p = (uint32_t)v;
		else if ((f->type == PROTOBUF_C_TYPE_INT32 ||
			  f->type == PROTOBUF_C_TYPE_ENUM) &&
			 v >= -2147483648.0 && v <= 2147483647.0 &&
			 v == (lua_Number)(int32_t)v)
			*(int32_t *)p = (int32_t)v;
		else if (f->type == PROTOBUF_C_TYPE_INT64 && v >= -9.0e15 &&
			 v <= 9.0e15 && v == (lua_Number)(int64_t)v)
			*(int64_t *)p = (int64_t)v;
		else
			break;
		return true;
	}
	default:
		break;
	}
	snprintf(msg, msg_size, "%s: a %s is not a valid %s", f->name,
		 lua_typename(L, t),
		 f->type == PROTOBUF_C_TYPE_STRING ? "string" : "value");
	return false;
}

/* How deep a request's messages may nest, and how many elements a
 * repeated field may have. */
#define FILL_DEPTH_MAX 4
#define FILL_REPEATED_MAX 1000

static bool fill_message(lua_State *L, int tab, ProtobufCMessage *m, char *msg,
			 size_t msg_size, int depth);

/* A message field's value: a new message filled from the table on the
 * top of the stack, stored at p. */
static bool fill_sub(lua_State *L, const ProtobufCFieldDescriptor *f, void *p,
		     char *msg, size_t msg_size, int depth)
{
	const ProtobufCMessageDescriptor *d = f->descriptor;
	ProtobufCMessage *sub;

	if (lua_type(L, -1) != LUA_TTABLE || depth >= FILL_DEPTH_MAX) {
		snprintf(msg, msg_size, "%s must be a table (at most %d deep)",
			 f->name, FILL_DEPTH_MAX);
		return false;
	}
	if (!(sub = calloc(1, d->sizeof_message))) {
		snprintf(msg, msg_size, "out of memory");
		return false;
	}
	protobuf_c_message_init(d, sub);
	*(ProtobufCMessage **)p = sub; /* freed with its parent */
	return fill_message(L, lua_gettop(L), sub, msg, msg_size, depth + 1);
}

/* A repeated field from the Lua array on the top of the stack. */
static bool fill_repeated(lua_State *L, const ProtobufCFieldDescriptor *f,
			  char *base, char *msg, size_t msg_size, int depth)
{
	size_t n, elem;
	char *arr;

	if (lua_type(L, -1) != LUA_TTABLE ||
	    (n = lua_objlen(L, -1)) > FILL_REPEATED_MAX) {
		snprintf(msg, msg_size, "%s must be an array of at most %d",
			 f->name, FILL_REPEATED_MAX);
		return false;
	}
	if (n == 0)
		return true;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		elem = sizeof(void *);
		break;
	case PROTOBUF_C_TYPE_INT64:
		elem = sizeof(int64_t);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		elem = sizeof(protobuf_c_boolean);
		break;
	default:
		elem = sizeof(uint32_t);
		break;
	}
	if (!(arr = calloc(n, elem))) {
		snprintf(msg, msg_size, "out of memory");
		return false;
	}
	/* Set first, so that freeing the parent frees what is filled. */
	*(size_t *)(base + f->quantifier_offset) = n;
	*(char **)(base + f->offset) = arr;
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, -1, (int)i + 1);
		bool ok = f->type == PROTOBUF_C_TYPE_MESSAGE
				  ? fill_sub(L, f, arr + i * elem, msg,
					     msg_size, depth)
				  : fill_scalar(L, lua_type(L, -1), f,
						arr + i * elem, msg, msg_size);
		lua_pop(L, 1);
		if (!ok)
			return false;
	}
	return true;
}

/* The message m from the Lua table at index tab: every field the
 * table has, by its protobuf name; nested messages and repeated fields
 * as tables and arrays. */
static bool fill_message(lua_State *L, int tab, ProtobufCMessage *m, char *msg,
			 size_t msg_size, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char *base = (char *)m;

	luaL_checkstack(L, 4, "ovbus: request too deep");
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		bool ok;

		lua_getfield(L, tab, f->name);
		int t = lua_type(L, -1);
		if (t == LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			ok = fill_repeated(L, f, base, msg, msg_size, depth);
		else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
			ok = fill_sub(L, f, base + f->offset, msg, msg_size,
				      depth);
		else
			ok = fill_scalar(L, t, f, base + f->offset, msg,
					 msg_size);
		lua_pop(L, 1);
		if (!ok)
			return false;
	}
	return true;
}

static const char hexdigits[] = "0123456789abcdef";

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* ---- calls ---- */

/* One bus method as ovbus exposes it. */
struct ovbus_method {
	const char *lua_name; /* ovbus.<lua_name> */
	const char *method;   /* on the bus */
	int peer;
	const ProtobufCMessageDescriptor *in, *out;
	bool raw; /* also return the reply's bytes, hex-encoded */
};

/* Sends the request built from the table at index 1 and pushes the
 * reply as a table (and its bytes in hex when m->raw), or the failure
 * triple. */
static int call_method(lua_State *L, const struct ovbus_method *m)
{
	struct ov_bus_result res = {0};
	struct ov_bus_client *c;
	struct ov_bus_call call = {0};
	ProtobufCMessage *in = NULL, *out = NULL;
	char rid[64];
	char msg[320] = "";
	uint8_t *body = NULL;
	size_t body_len;
	enum ov_err e = OV_EINVAL;
	const char *tenant = NULL;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (!(in = calloc(1, m->in->sizeof_message))) {
		e = OV_EEXHAUSTED;
		snprintf(msg, sizeof(msg), "out of memory");
		goto out;
	}
	protobuf_c_message_init(m->in, in);
	if (!fill_message(L, 1, in, msg, sizeof(msg), 0))
		goto out;
	/* The envelope's tenant, when the caller knows it. */
	lua_getfield(L, 1, "tenant_id");
	if (lua_type(L, -1) == LUA_TSTRING)
		tenant = lua_tostring(L, -1);
	e = ov_pb_pack(in, &body, &body_len);
	if (e != OV_OK) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto out;
	}
	struct ovbus_peer *peer = &st.peers[m->peer];
	if (m->peer == PEER_IVR) {
		lua_getfield(L, 1, "rtpengine");
		peer = ivr_peer(lua_type(L, -1) == LUA_TSTRING
					? lua_tostring(L, -1)
					: "",
				msg, sizeof(msg));
		lua_pop(L, 1);
		if (!peer) {
			e = OV_EUNAVAIL;
			goto out;
		}
	}
	e = client_get(peer, &c, msg, sizeof(msg));
	if (e != OV_OK)
		goto out;
	snprintf(rid, sizeof(rid), "edge-%ld-%lu", (long)getpid(), ++st.seq);
	call.method = m->method;
	call.tenant_id = tenant;
	call.request_id = rid;
	call.deadline_ms = m->peer == PEER_IVR || m->peer == PEER_ADMIN
				   ? st.play_deadline_ms
				   : st.deadline_ms;
	call.body = body;
	call.body_len = body_len;
	e = ov_bus_client_call(c, &call, &res);
	if (e != OV_OK) {
		snprintf(msg, sizeof(msg), "%.200s (request %.40s)",
			 res.message, rid);
		goto out;
	}
	out = protobuf_c_message_unpack(m->out, NULL, res.body_len, res.body);
	if (!out) {
		e = OV_EINTERNAL;
		snprintf(msg, sizeof(msg), "reply is not an %s (request %.40s)",
			 m->out->name, rid);
	}
out:
	if (in)
		protobuf_c_message_free_unpacked(in, NULL);
	free(body);
	if (e != OV_OK) {
		ov_bus_result_free(&res);
		return push_fail(L, e, msg);
	}
	/* Lua raises out-of-memory with longjmp: the reply would leak
	 * then, with the worker in trouble anyway. */
	push_message(L, out);
	lua_pushstring(L, rid);
	lua_setfield(L, -2, "request_id");
	protobuf_c_message_free_unpacked(out, NULL);
	if (!m->raw) {
		ov_bus_result_free(&res);
		return 1;
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (size_t i = 0; i < res.body_len; i++) {
		luaL_addchar(&b, hexdigits[res.body[i] >> 4]);
		luaL_addchar(&b, hexdigits[res.body[i] & 15]);
	}
	ov_bus_result_free(&res);
	luaL_pushresult(&b);
	return 2;
}

static const struct ovbus_method methods[] = {
	{"route", "route", PEER_ROUTER, &ov__router__route_request__descriptor,
	 &ov__router__plan__descriptor, true},
	{"ha1", "auth.ha1", PEER_REGISTRAR,
	 &ov__registrar__ha1_request__descriptor,
	 &ov__registrar__ha1_reply__descriptor, false},
	{"save", "binding.save", PEER_REGISTRAR,
	 &ov__registrar__save_request__descriptor,
	 &ov__registrar__save_reply__descriptor, false},
	{"play", "prompt.play", PEER_IVR, &ov__ivr__play_request__descriptor,
	 &ov__ivr__play_reply__descriptor, false},
	{"drop", "binding.drop", PEER_REGISTRAR,
	 &ov__registrar__drop_request__descriptor,
	 &ov__registrar__drop_reply__descriptor, false},
	{"calls", "calls.record", PEER_ADMIN,
	 &ov__admin__call_batch__descriptor,
	 &ov__admin__call_batch_reply__descriptor, false},
	{"answer", "prompt.answer", PEER_IVR,
	 &ov__ivr__answer_request__descriptor,
	 &ov__ivr__answer_reply__descriptor, false},
};

static int l_route(lua_State *L)
{
	return call_method(L, &methods[0]);
}

static int l_ha1(lua_State *L)
{
	return call_method(L, &methods[1]);
}

static int l_save(lua_State *L)
{
	return call_method(L, &methods[2]);
}

static int l_play(lua_State *L)
{
	return call_method(L, &methods[3]);
}

static int l_drop(lua_State *L)
{
	return call_method(L, &methods[4]);
}

static int l_calls(lua_State *L)
{
	return call_method(L, &methods[5]);
}

static int l_answer(lua_State *L)
{
	return call_method(L, &methods[6]);
}

/* ovbus.plan(hex): the plan route returned, decoded again (failure_route
 * keeps it in an AVP as hex). */
static int l_plan(lua_State *L)
{
	size_t len;
	const char *hex = luaL_checklstring(L, 1, &len);
	Ov__Router__Plan *plan;
	uint8_t *raw;

	if (len % 2 || !(raw = malloc(len / 2 + 1)))
		return push_fail(L, OV_EINVAL, "not a hex-encoded plan");
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(raw);
			return push_fail(L, OV_EINVAL,
					 "not a hex-encoded plan");
		}
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	plan = ov__router__plan__unpack(NULL, len / 2, raw);
	free(raw);
	if (!plan)
		return push_fail(L, OV_EINVAL, "not an ov.router.Plan");
	push_message(L, &plan->base);
	ov__router__plan__free_unpacked(plan, NULL);
	return 1;
}

/* Pushes a JSON value as Lua: objects and arrays as tables (arrays
 * from 1), numbers, strings, booleans; null as nil. Depth is bounded by
 * jansson's parser (2048) and Lua's stack check. */
static void push_json(lua_State *L, const json_t *j)
{
	luaL_checkstack(L, 3, "ovbus.json: too deep");
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;
		lua_createtable(L, 0, (int)json_object_size(j));
		json_object_foreach((json_t *)j, k, v)
		{
			push_json(L, v);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(j), 0);
		for (size_t i = 0; i < json_array_size(j); i++) {
			push_json(L, json_array_get(j, i));
			lua_rawseti(L, -2, (int)i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		lua_pushnumber(L, (lua_Number)json_integer_value(j));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(j));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		lua_pushboolean(L, json_is_true(j));
		break;
	default:
		lua_pushnil(L);
	}
}

/* ovbus.json(text): a JSON document (rtpengine's query answer) as a Lua
 * table, or nil, "invalid_argument", message. */
static int l_json(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	json_error_t err;
	json_t *j = json_loadb(text, len, 0, &err);

	if (!j)
		return push_fail(L, OV_EINVAL, err.text);
	push_json(L, j);
	json_decref(j);
	return 1;
}

/* configure's URL field `name` into peer p; absent leaves it. */
static void configure_peer(lua_State *L, struct ovbus_peer *p, bool required)
{
	const char *urls;
	size_t len;

	lua_getfield(L, 1, p->name);
	if (lua_isnil(L, -1) && !required) {
		lua_pop(L, 1);
		return;
	}
	if (lua_type(L, -1) != LUA_TSTRING)
		luaL_error(L,
			   "ovbus.configure: %s must be a string of bus URLs",
			   p->name);
	urls = lua_tolstring(L, -1, &len);
	/* A template is checked as it will be used. */
	char sample[OVBUS_URLS_MAX];
	const char *checked = urls;
	if (strstr(urls, OVBUS_RTPE_MARK)) {
		checked = expand_urls(urls, "192.0.2.1", sample, sizeof(sample))
				  ? sample
				  : "";
	}
	if (len >= sizeof(p->urls) || strlen(urls) != len || !*checked ||
	    ov_cfg_each_url(checked, url_check, NULL) != OV_OK)
		luaL_error(L,
			   "ovbus.configure: %s=\"%s\" is not tcp://, ipc:// "
			   "or inproc:// URLs separated by commas",
			   p->name, urls);
	if (strcmp(urls, p->urls) != 0) {
		/* New addresses: a client this process opened dials the old
		 * ones, so the next call opens another. */
		client_drop(p);
		memcpy(p->urls, urls, len + 1);
		if (p == &st.peers[PEER_IVR])
			ivr_at_reset();
	}
	lua_pop(L, 1);
}

/* ovbus.configure{router = "urls", registrar = "urls", ivr = "urls",
 * deadline_ms = N, play_deadline_ms = N}:
 * stores a copy; opens nothing. A bad value is a Lua error, so a broken
 * configuration stops Kamailio at start-up rather than at the first
 * call. */
static int l_configure(lua_State *L)
{
	char msg[160];
	uint32_t deadline;

	luaL_checktype(L, 1, LUA_TTABLE);
	configure_peer(L, &st.peers[PEER_ROUTER], true);
	configure_peer(L, &st.peers[PEER_REGISTRAR], false);
	configure_peer(L, &st.peers[PEER_IVR], false);
	configure_peer(L, &st.peers[PEER_ADMIN], false);
	if (!field_uint(L, 1, "deadline_ms", OVBUS_DEADLINE_DEFAULT, 1,
			OVBUS_DEADLINE_MAX, &deadline, msg, sizeof(msg)))
		return luaL_error(L, "ovbus.configure: %s", msg);
	st.deadline_ms = deadline;
	if (!field_uint(L, 1, "play_deadline_ms", OVBUS_PLAY_DEADLINE_DEFAULT,
			1, OVBUS_DEADLINE_MAX, &deadline, msg, sizeof(msg)))
		return luaL_error(L, "ovbus.configure: %s", msg);
	st.play_deadline_ms = deadline;
	return 0;
}

static const luaL_Reg ovbus_fns[] = {
	{"configure", l_configure},
	{"route", l_route},
	{"plan", l_plan},
	{"ha1", l_ha1},
	{"save", l_save},
	{"play", l_play},
	{"json", l_json},
	{"drop", l_drop},
	{"calls", l_calls},
	{"answer", l_answer},
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
