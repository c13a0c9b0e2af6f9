/*
 * The admin service: tenants, people, login, configuration drafts and
 * apply, behind a REST API. This header is what the handler files share.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bus.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "once.h"
#include "registrar.pb-c.h"
#include "route.h"

struct admin_cfg {
	const char *events_url; /* PUB: config.applied */
	const char *sip_suffix; /* tenant SIP domains: <id8>.<suffix> */
	int db_pool;
	int token_ttl_s;
	int reset_ttl_s;
	int pwhash_ops;
	int pwhash_mem_kb;
	int max_json; /* request bodies, photo aside */
	int max_photo;
	const char *registrar_url; /* bus: SIP credentials, presence */
	int registrar_deadline_ms;
	const char *sip_proxy;	   /* what phones register with */
	const char *sip_transport; /* udp, tcp, tls */
	const char *sip_ws_url;	   /* the app's phone: ws(s)://, or "" */
	const char *ivr_url;	   /* bus: message previews; "" none */
	int ivr_deadline_ms;
	const char *router_url; /* bus: "try it" (simulate); "" none */
	int router_deadline_ms;
	const char *web_dir; /* the built web app served at /; "" none */
	const char *notify_public_key; /* base64: outbox secrets sealed to */
};

struct admin {
	struct admin_cfg cfg;
	/* Verified against when an account does not exist, so that both
	 * answers take the same time (crypto_pwhash_STRBYTES). */
	char dummy_hash[128];
	char csp[512]; /* the app's pages' Content-Security-Policy */
	unsigned char notify_pk[32];	 /* OV_NOTIFY_PUBLIC_KEY */
	struct admin_once throttled_log; /* auth.throttled, once a minute */
	struct ov_db_pool *pool;
	struct ov_bus_pub *pub;
	struct ov_bus_client *registrar;
	struct ov_bus_client *ivr;    /* NULL without OV_IVR_URL */
	struct ov_bus_client *router; /* NULL without OV_ROUTER_URL */
};

enum admin_role {
	ROLE_OPERATOR = 1,
	ROLE_ADMIN = 2, /* a tenant's administrator */
	ROLE_USER = 4,
	ROLE_PUBLIC = 8, /* no credentials needed */
};

/* One REST request while a handler runs. */
struct admin_req {
	struct admin *app;
	const struct ov_http_request *http;
	struct ov_http_response *res;
	struct ov_route_match m;
	struct ov_db *db; /* acquired for the request */
	json_t *body;	  /* parsed JSON object, when the route takes one */
	/* Who is asking: from the credentials, never from the body. */
	enum admin_role role;
	char actor[64];	    /* "operator:<key>" or "user:<id>" */
	char tenant_id[40]; /* "" for an operator */
	char user_id[40];
	char client_ip[64];
};

typedef void (*admin_handler_fn)(struct admin_req *r);

struct admin_route {
	admin_handler_fn fn;
	unsigned roles;		/* who may call it */
	bool json_body;		/* parse the body as a JSON object */
	bool while_must_change; /* allowed before the first password change */
};

/* Responses. admin_json takes the reference to v. */
void admin_json(struct admin_req *r, int status, json_t *v);
void admin_fail(struct admin_req *r, int status, enum ov_err e,
		const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void admin_fail_code(struct admin_req *r, int status, const char *code,
		     const char *field, const char *detail);
/* A store error: 404 for not found, 409 for conflicts, 503, 500. */
void admin_fail_store(struct admin_req *r, enum ov_err e, const char *what);
/* Checks the body against fields; answers 400 naming the field. */
bool admin_body_ok(struct admin_req *r, const struct ov_json_field *f,
		   size_t n);
const char *admin_str(const struct admin_req *r, const char *field);

/* Runs stmt, whose one row holds one JSON value, and answers it with
 * status, under the key `wrap` when given; 404 naming `what` when
 * there is no row. */
void admin_reply_json(struct admin_req *r, int status, const char *stmt, int n,
		      const char *const *p, const char *wrap, const char *what);
/* The {id} of the path, or NULL after answering 404 naming `what`. */
const char *admin_path_id(struct admin_req *r, const char *what);

/* A well-formed UUID (ids in paths are checked before any query). */
bool admin_uuid_ok(const char *s);

/* Ends the request's transaction after a change that went e: when e is
 * OV_OK, writes the audit record (taking detail) and commits; otherwise,
 * or when that fails, rolls back. Returns the outcome; the caller
 * answers a failure. */
enum ov_err admin_end_tx(struct admin_req *r, enum ov_err e,
			 const char *tenant_id, const char *action,
			 const char *target, json_t *detail);

/* Appends an audit record in the request's transaction or alone. */
enum ov_err admin_audit(struct admin_req *r, const char *tenant_id,
			const char *action, const char *target, json_t *detail);

/* Handlers, by file. */
void tenants_create(struct admin_req *r);
void tenants_list(struct admin_req *r);
void tenants_get(struct admin_req *r);
void tenants_patch(struct admin_req *r);
void tenants_delete(struct admin_req *r);
void tenants_suspend(struct admin_req *r);
void tenants_resume(struct admin_req *r);

void users_list(struct admin_req *r);
void users_create(struct admin_req *r);
void users_get(struct admin_req *r);
void users_patch(struct admin_req *r);
void users_delete(struct admin_req *r);

void me_get(struct admin_req *r);
void me_patch(struct admin_req *r);
void me_photo_put(struct admin_req *r);
void me_photo_get(struct admin_req *r);
void me_photo_delete(struct admin_req *r);
void me_consent_put(struct admin_req *r);

/* A person's own address book (contacts.c). */
void contacts_list(struct admin_req *r);
void contacts_create(struct admin_req *r);
void contacts_patch(struct admin_req *r);
void contacts_delete(struct admin_req *r);

/* The company directory: people, the main line, live presence
 * (directory.c). */
void directory_get(struct admin_req *r);

void config_draft_get(struct admin_req *r);
void config_templates(struct admin_req *r);
void config_ringing_put(struct admin_req *r);
void config_forwarding_put(struct admin_req *r);
void config_message_put(struct admin_req *r);
void config_apply(struct admin_req *r);
/* GET /v1/config/diff: the draft against the live version, in words
 * (apply.c builds the draft's document as apply would; diff.c words
 * the difference). */
void config_diff_get(struct admin_req *r);
/* In r's transaction: a new version of the tenant's latest applied
 * configuration in `state` ("suspended", "active", "deleted": then
 * without people, messages or settings), so the router and the IVR
 * learn it as they learn an apply. Nothing when the tenant never
 * applied or is in that state already (out->seq stays 0). After the
 * commit, config_restated() publishes it. */
struct config_version {
	uint32_t version;
	uint64_t seq; /* 0: none was written */
};
enum ov_err config_restate(struct admin_req *r, const char *tenant_id,
			   const char *state, struct config_version *out);
void config_restated(struct admin_req *r, const char *tenant_id,
		     const struct config_version *v);
/* Call history (calls.c): GET /v1/me/calls, GET /v1/calls/today. */
void calls_mine(struct admin_req *r);
void calls_today(struct admin_req *r);

/* POST /v1/simulate through the router (simulate.c). */
void simulate_post(struct admin_req *r);
/* GET /v1/messages/{kind}/preview through the IVR (preview.c). */
void config_message_preview(struct admin_req *r);

void audit_list(struct admin_req *r);

/* SIP credentials and devices, from the registrar (sip.c). */
void sip_me_get(struct admin_req *r);
void sip_me_devices(struct admin_req *r);
void sip_main_line_get(struct admin_req *r);
/* Tells the registrar a presence before it is stored; answers 503 (or
 * the registrar's refusal) and returns false when it could not. */
bool admin_sip_presence(struct admin_req *r, const char *presence);
/* New SIP secrets for a user whose password changed or who left: the
 * old ones stop working. After the commit; a registrar that cannot be
 * asked is logged (sip.rotate_failed), not the caller's problem. */
/* After a tenant's deletion: the registrar drops its credentials,
 * bindings and presence (a failure is logged). */
void admin_sip_forget_tenant(struct admin_req *r, const char *tenant_id);
void admin_sip_rotate(struct admin_req *r, const char *tenant_id,
		      const char *user_id);
/* Presence and live bindings of every owner of the caller's tenant
 * (registrar contacts.get, as the router asks it); NULL when the
 * registrar could not be asked (logged). Free with
 * ov__registrar__contacts_reply__free_unpacked. */
Ov__Registrar__ContactsReply *admin_sip_reach(struct admin_req *r);
/* One owner's entry of c (user id or "main"), or NULL. */
const Ov__Registrar__Reach *
admin_sip_reach_of(const Ov__Registrar__ContactsReply *c, const char *owner);
/* Whether r has a live binding. */
bool admin_sip_registered(const Ov__Registrar__Reach *r);

void auth_login(struct admin_req *r);
void auth_logout(struct admin_req *r);
void auth_password(struct admin_req *r);
void auth_forgot(struct admin_req *r);
/* The thread that makes reset codes and mails for queued forgot
 * requests (auth.c). */
enum ov_err admin_reset_worker_start(struct admin *app);
void admin_reset_worker_stop(void);
/* Seconds still to wait after `failures` failures (the first `free_`
 * cost nothing), the last `ago` s ago: 1, 2, 4 ... s up to 15 minutes. */
unsigned admin_delay_left(long failures, long free_, double ago);
void auth_reset(struct admin_req *r);

/* Credentials: random tokens and their stored hashes. */
#define ADMIN_TOKEN_BYTES 32
void admin_token_new(const char *prefix, char *out, size_t out_len);
void admin_token_hash(const char *token, unsigned char hash[32]);
/* Argon2id with the configured cost; false when out of memory. */
bool admin_password_hash(const struct admin *app, const char *pw, char *out,
			 size_t out_len);
/* A password or code as it goes into an outbox row: sealed to notify's
 * public key (lib/seal.h), so PostgreSQL never holds it in the clear.
 * out: at least ADMIN_SEALED_MAX bytes. */
#define ADMIN_SEALED_MAX 160
bool admin_seal(const struct admin *app, const char *secret, char *out,
		size_t out_size);
bool admin_password_verify(const char *hash, const char *pw);

/* The web app at / (web.c): false when OV_WEB_DIR is unset or nothing
 * there answers path (404). */
bool admin_web(const struct admin *app, const struct ov_http_request *req,
	       struct ov_http_response *res);

/* The HTTP entry point (lib/http.c calls it for every non-built-in
 * route) and the route table (for the OpenAPI check). */
bool admin_http(const struct ov_http_request *req, struct ov_http_response *res,
		void *arg);
extern const struct ov_route admin_routes[];
/* Every route is in the embedded OpenAPI document; logs what is not. */
enum ov_err admin_openapi_check(void);
extern const size_t admin_n_routes;

#endif
