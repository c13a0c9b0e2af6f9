/* ov-admin: tenants, people, login and configuration behind a REST API. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "admin.pb-c.h"
#include "handlers.h"
#include "store.h"
#include "seal.h"
#include "svc.h"
#include "web.h"

extern const struct ov_migration admin_migrations[];
extern const size_t admin_n_migrations;

static struct admin app;

static const struct ov_cfg_var vars[] = {
	OV_CFG_URLS("OV_ADMIN_EVENTS_URL", NULL,
		    "PUB URLs where config.applied events go out",
		    &app.cfg.events_url),
	OV_CFG_STR("OV_SIP_DOMAIN_SUFFIX", "sip.ovunque.test",
		   "tenants' SIP domains are <id>.<this>", &app.cfg.sip_suffix),
	OV_CFG_INT("OV_ADMIN_DB_POOL", "8", "database connections",
		   &app.cfg.db_pool, 1, 64),
	OV_CFG_INT("OV_TOKEN_TTL_S", "43200", "how long a login lasts (s)",
		   &app.cfg.token_ttl_s, 60, 30L * 86400),
	OV_CFG_INT("OV_RESET_TTL_S", "1800",
		   "how long a password reset code is valid (s)",
		   &app.cfg.reset_ttl_s, 60, 86400),
	OV_CFG_INT("OV_PWHASH_OPS", "2", "Argon2id passes", &app.cfg.pwhash_ops,
		   1, 10),
	OV_CFG_INT("OV_PWHASH_MEM_KB", "19456",
		   "Argon2id memory per hash (KiB)", &app.cfg.pwhash_mem_kb,
		   8192, 1048576),
	OV_CFG_INT("OV_ADMIN_MAX_JSON", "65536",
		   "largest JSON request body (bytes)", &app.cfg.max_json, 1024,
		   1048576),
	OV_CFG_INT("OV_ADMIN_MAX_PHOTO", "262144",
		   "largest profile photo (bytes)", &app.cfg.max_photo, 1024,
		   1048576),
	OV_CFG_URLS("OV_REGISTRAR_URL", NULL,
		    "the registrar's bus URLs (SIP credentials, presence)",
		    &app.cfg.registrar_url),
	OV_CFG_INT("OV_REGISTRAR_DEADLINE_MS", "500",
		   "how long a call to the registrar may take (ms)",
		   &app.cfg.registrar_deadline_ms, 10, 10000),
	OV_CFG_STR("OV_SIP_PROXY", "127.0.0.1:5060",
		   "host:port phones register with (GET /v1/me/sip)",
		   &app.cfg.sip_proxy),
	OV_CFG_STR("OV_SIP_TRANSPORT", "udp",
		   "transport phones use: udp, tcp or tls",
		   &app.cfg.sip_transport),
	OV_CFG_STR("OV_SIP_WS_URL", "",
		   "ws:// or wss:// URL the app's phone registers with "
		   "(ws_url in GET /v1/me/sip); \"\": none",
		   &app.cfg.sip_ws_url),
	OV_CFG_STR("OV_IVR_URL", "",
		   "the IVR's bus URLs (message previews); \"\": previews "
		   "answer 503",
		   &app.cfg.ivr_url),
	OV_CFG_INT("OV_IVR_DEADLINE_MS", "5000",
		   "how long a preview may wait for the IVR (ms)",
		   &app.cfg.ivr_deadline_ms, 100, 60000),
	OV_CFG_STR("OV_ROUTER_URL", "",
		   "the router's bus URLs (POST /v1/simulate); \"\": "
		   "simulate answers 503",
		   &app.cfg.router_url),
	OV_CFG_INT("OV_ROUTER_DEADLINE_MS", "2000",
		   "how long a simulation may wait for the router (ms)",
		   &app.cfg.router_deadline_ms, 50, 30000),
	OV_CFG_STR("OV_WEB_DIR", "",
		   "directory of the built web app \"Telefono Virtuale\", "
		   "served at /; \"\": no app (404)",
		   &app.cfg.web_dir),
	OV_CFG_STR("OV_NOTIFY_PUBLIC_KEY", NULL,
		   "notify's public key (base64 of 32 bytes, X25519): "
		   "temporary passwords and reset codes are sealed to it "
		   "before they reach the outbox",
		   &app.cfg.notify_public_key),
};

static enum ov_err start(struct ov_svc_rt *rt)
{
	if (sodium_init() < 0 || admin_openapi_check() != OV_OK)
		return OV_EINTERNAL;
	if (strcmp(app.cfg.sip_transport, "udp") != 0 &&
	    strcmp(app.cfg.sip_transport, "tcp") != 0 &&
	    strcmp(app.cfg.sip_transport, "tls") != 0) {
		ov_log_error("admin.config_invalid",
			     OV_LS("why", "OV_SIP_TRANSPORT must be udp, tcp "
					  "or tls"));
		return OV_EINVAL;
	}
	if (app.cfg.sip_ws_url[0] &&
	    strncmp(app.cfg.sip_ws_url, "ws://", 5) != 0 &&
	    strncmp(app.cfg.sip_ws_url, "wss://", 6) != 0) {
		ov_log_error("admin.config_invalid",
			     OV_LS("why", "OV_SIP_WS_URL must start with ws:// "
					  "or wss://"));
		return OV_EINVAL;
	}
	if (ov_seal_key_parse(app.cfg.notify_public_key, app.notify_pk) !=
	    OV_OK) {
		ov_log_error("admin.config_invalid",
			     OV_LS("why", "OV_NOTIFY_PUBLIC_KEY must be the "
					  "base64 of 32 bytes"));
		return OV_EINVAL;
	}
	admin_once_init(&app.throttled_log, 60);
	if (!web_csp(app.cfg.sip_ws_url, app.csp, sizeof(app.csp))) {
		ov_log_error("admin.config_invalid",
			     OV_LS("why", "OV_SIP_WS_URL must be ws:// or "
					  "wss:// and a host[:port]"));
		return OV_EINVAL;
	}
	app.pool = ov_db_pool_open(rt->cfg.db_url, (size_t)app.cfg.db_pool,
				   admin_stmts, admin_n_stmts);
	if (!app.pool)
		return OV_EEXHAUSTED;
	if (ov_bus_pub_open(app.cfg.events_url, &app.pub) != OV_OK)
		return OV_EUNAVAIL;
	/* Dials in the background: the registrar may come up later. */
	struct ov_bus_client_opts ro = {.urls = app.cfg.registrar_url};
	if (ov_bus_client_new(&ro, &app.registrar) != OV_OK)
		return OV_EUNAVAIL;
	/* Previews carry audio: room for a long prompt in the reply. */
	struct ov_bus_client_opts io = {.urls = app.cfg.ivr_url,
					.max_msg = 4u << 20};
	if (*app.cfg.ivr_url && ov_bus_client_new(&io, &app.ivr) != OV_OK)
		return OV_EINVAL;
	struct ov_bus_client_opts tr = {.urls = app.cfg.router_url};
	if (*app.cfg.router_url && ov_bus_client_new(&tr, &app.router) != OV_OK)
		return OV_EINVAL;
	if (!admin_password_hash(&app, "no account has this password",
				 app.dummy_hash, sizeof(app.dummy_hash)))
		return OV_EEXHAUSTED;
	if (admin_reset_worker_start(&app) != OV_OK)
		return OV_EEXHAUSTED;
	rt->state = &app;
	return OV_OK;
}

static void stop(struct ov_svc_rt *rt)
{
	(void)rt;
	admin_reset_worker_stop();
	ov_bus_client_free(app.registrar);
	ov_bus_client_free(app.ivr);
	ov_bus_client_free(app.router);
	ov_bus_pub_close(app.pub);
	ov_db_pool_close(app.pool);
}

static bool http(const struct ov_http_request *req,
		 struct ov_http_response *res, struct ov_svc_rt *rt)
{
	return admin_http(req, res, rt->state);
}

static enum ov_err health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Admin__Health h = OV__ADMIN__HEALTH__INIT;

	h.db = ov_db_ping(rt->db) == OV_OK;
	h.schema_version = (uint32_t)rt->schema_version;
	return ov_pb_pack(&h.base, buf, len);
}

static bool ready(struct ov_svc_rt *rt)
{
	return ov_db_ping(rt->db) == OV_OK;
}

int main(int argc, char **argv)
{
	const struct ov_svc svc = {
		.name = "admin",
		.vars = vars,
		.n_vars = sizeof(vars) / sizeof(vars[0]),
		.methods = admin_methods,
		.n_methods = admin_n_methods,
		.schema = "admin",
		.migrations = admin_migrations,
		.n_migrations = admin_n_migrations,
		.start = start,
		.stop = stop,
		.http = http,
		.health = health,
		.ready = ready,
	};
	return ov_svc_main(&svc, argc, argv);
}
