/* ov-notify: delivers the mails of the outbox over SMTP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "handlers.h"
#include "log.h"
#include "notify.h"
#include "notify.pb-c.h"
#include "seal.h"
#include "store.h"
#include "svc.h"

extern const struct ov_migration notify_migrations[];
extern const size_t notify_n_migrations;

static struct notify app;

static const struct ov_cfg_var vars[] = {
	OV_CFG_STR("OV_SMTP_URL", "smtp://127.0.0.1:25",
		   "SMTP relay: smtp://host:port (STARTTLS per OV_SMTP_TLS) or "
		   "smtps://host:port (TLS from the start)",
		   &app.cfg.smtp_url),
	OV_CFG_STR("OV_SMTP_USER", "", "SMTP user; \"\" for no AUTH",
		   &app.cfg.smtp_user),
	OV_CFG_STR("OV_SMTP_PASSWORD", "", "SMTP password (never logged)",
		   &app.cfg.smtp_password),
	OV_CFG_STR("OV_NOTIFY_SECRET_KEY", NULL,
		   "notify's secret key (base64 of 32 bytes, X25519) that "
		   "opens the passwords and codes admin seals to its public "
		   "key, OV_NOTIFY_PUBLIC_KEY (never logged)",
		   &app.cfg.secret_key),
	OV_CFG_STR("OV_SMTP_TLS", "try",
		   "STARTTLS: try (when offered), required, none",
		   &app.cfg.smtp_tls),
	OV_CFG_INT("OV_SMTP_CONNECT_TIMEOUT_MS", "5000",
		   "time to connect to the relay",
		   &app.cfg.smtp_connect_timeout_ms, 100, 60000),
	OV_CFG_INT("OV_SMTP_TIMEOUT_MS", "30000",
		   "time for one whole SMTP transaction",
		   &app.cfg.smtp_timeout_ms, 500, 600000),
	OV_CFG_STR("OV_MAIL_FROM", "noreply@ovunque.test",
		   "sender address (envelope and From:)", &app.cfg.mail_from),
	OV_CFG_STR("OV_MAIL_FROM_NAME", "Ovunque", "sender display name",
		   &app.cfg.mail_from_name),
	OV_CFG_STR("OV_MAIL_DOMAIN", "",
		   "domain of Message-IDs; \"\" for OV_MAIL_FROM's",
		   &app.cfg.mail_domain),
	OV_CFG_STR("OV_MAIL_SERVICE", "Ovunque",
		   "the service's name in the mails' texts", &app.cfg.service),
	OV_CFG_STR("OV_MAIL_SUPPORT_URL", "https://ovunque.test/assistenza",
		   "link to the support channels", &app.cfg.support_url),
	OV_CFG_STR("OV_MAIL_APP_URL", "https://ovunque.test/app",
		   "link to download the app", &app.cfg.app_url),
	OV_CFG_STR("OV_MAIL_ANDROID_URL",
		   "https://play.google.com/store/apps/details?id=test.ovunque",
		   "the app on Google Play", &app.cfg.android_url),
	OV_CFG_STR("OV_MAIL_IOS_URL", "https://apps.apple.com/app/ovunque",
		   "the app on the App Store", &app.cfg.ios_url),
	OV_CFG_STR("OV_MAIL_RESET_URL", "https://ovunque.test/password",
		   "web page for a password reset", &app.cfg.reset_url),
	OV_CFG_INT(
		"OV_NOTIFY_SENDERS", "4",
		"mails sent at once (threads, each with its SMTP connection)",
		&app.cfg.senders, 1, 64),
	OV_CFG_INT("OV_NOTIFY_BATCH", "16", "most rows claimed at once",
		   &app.cfg.batch, 1, 1000),
	OV_CFG_INT("OV_NOTIFY_LEASE_S", "60",
		   "a claim's lease: a dead replica's mails go out again after "
		   "it",
		   &app.cfg.lease_s, 1, 3600),
	OV_CFG_INT("OV_NOTIFY_SWEEP_MS", "2000",
		   "look for due mails at least this often (besides LISTEN)",
		   &app.cfg.sweep_ms, 50, 600000),
	OV_CFG_INT("OV_NOTIFY_BACKOFF_MS", "1000",
		   "first retry delay; doubles each attempt, with jitter",
		   &app.cfg.backoff_ms, 0, 3600000),
	OV_CFG_INT("OV_NOTIFY_BACKOFF_MAX_MS", "300000", "longest retry delay",
		   &app.cfg.backoff_max_ms, 0, 86400000),
	OV_CFG_INT("OV_NOTIFY_MAX_ATTEMPTS", "15",
		   "attempts before a mail is a dead letter (15: about half "
		   "an hour of trying with the default backoff)",
		   &app.cfg.max_attempts, 1, 100),
};

/* Settings that are fine alone but not together; logs which. */
static bool config_ok(void)
{
	const struct notify_cfg *c = &app.cfg;
	const char *bad = NULL, *why = "";

	if (strcmp(c->smtp_tls, "try") != 0 &&
	    strcmp(c->smtp_tls, "required") != 0 &&
	    strcmp(c->smtp_tls, "none") != 0)
		bad = "OV_SMTP_TLS", why = "is not try, required or none";
	else if (strncmp(c->smtp_url, "smtp://", 7) != 0 &&
		 strncmp(c->smtp_url, "smtps://", 8) != 0)
		bad = "OV_SMTP_URL", why = "is not smtp:// or smtps://";
	else if (!notify_addr_ok(c->mail_from))
		bad = "OV_MAIL_FROM", why = "is not a plain address";
	else if (!notify_domain_ok(app.domain))
		bad = "OV_MAIL_DOMAIN", why = "is not a domain name";
	else if ((long)c->lease_s * 1000 <=
		 (long)c->smtp_connect_timeout_ms + c->smtp_timeout_ms)
		bad = "OV_NOTIFY_LEASE_S",
		why = "must outlast OV_SMTP_CONNECT_TIMEOUT_MS + "
		      "OV_SMTP_TIMEOUT_MS";
	if (bad)
		ov_log_error("notify.config_invalid", OV_LS("variable", bad),
			     OV_LS("error", why));
	return !bad;
}

static enum ov_err start(struct ov_svc_rt *rt)
{
	unsigned char nonce[4];
	char why[256];
	enum ov_err e;

	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return OV_EINTERNAL;
	if (ov_seal_key_parse(app.cfg.secret_key, app.seal_sk) != OV_OK) {
		ov_log_error("notify.config_invalid",
			     OV_LS("why", "OV_NOTIFY_SECRET_KEY must be the "
					  "base64 of 32 bytes"));
		return OV_EINVAL;
	}
	ov_seal_public_key(app.seal_sk, app.seal_pk);
	const char *at = strchr(app.cfg.mail_from, '@');
	snprintf(app.domain, sizeof(app.domain), "%s",
		 app.cfg.mail_domain[0] ? app.cfg.mail_domain
		 : at			? at + 1
					: "");
	if (!config_ok())
		return OV_EINVAL;
	app.brand = (struct notify_brand){
		.service = app.cfg.service,
		.from_name = app.cfg.mail_from_name,
		.from_addr = app.cfg.mail_from,
		.support_url = app.cfg.support_url,
		.app_url = app.cfg.app_url,
		.android_url = app.cfg.android_url,
		.ios_url = app.cfg.ios_url,
		.reset_url = app.cfg.reset_url,
	};
	if ((e = notify_templates_check(&app.brand, why, sizeof(why))) !=
	    OV_OK) {
		ov_log_error("notify.template_invalid", OV_LS("error", why));
		return e;
	}
	/* host:pid plus a nonce: a restarted container keeps its host name
	 * and often its pid, never its claims. */
	randombytes_buf(nonce, sizeof(nonce));
	snprintf(app.me, sizeof(app.me), "%s/%02x%02x%02x%02x", rt->instance,
		 nonce[0], nonce[1], nonce[2], nonce[3]);
	app.db_url = rt->cfg.db_url;
	app.pool = ov_db_pool_open(rt->cfg.db_url, 2, notify_stmts,
				   notify_n_stmts);
	if (!app.pool)
		return OV_EEXHAUSTED;
	rt->state = &app;
	return notify_engine_start(&app);
}

static void stop(struct ov_svc_rt *rt)
{
	(void)rt;
	notify_engine_stop(&app);
	ov_db_pool_close(app.pool);
	app.pool = NULL;
	curl_global_cleanup();
}

static enum ov_err health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Notify__Health h = OV__NOTIFY__HEALTH__INIT;

	h.db = ov_db_ping(rt->db) == OV_OK;
	h.schema_version = (uint32_t)rt->schema_version;
	h.smtp = atomic_load(&app.smtp_ok);
	h.sent = atomic_load(&app.sent);
	if (h.db && app.pool) {
		struct ov_db *db = ov_db_acquire(app.pool, 200);
		if (db)
			notify_store_counts(db, &h.queued, &h.failed);
		ov_db_release(app.pool, db);
	}
	return ov_pb_pack(&h.base, buf, len);
}

static bool ready(struct ov_svc_rt *rt)
{
	return ov_db_ping(rt->db) == OV_OK;
}

int main(int argc, char **argv)
{
	const struct ov_svc svc = {
		.name = "notify",
		.vars = vars,
		.n_vars = sizeof(vars) / sizeof(vars[0]),
		.methods = notify_methods,
		.n_methods = notify_n_methods,
		.schema = "notify",
		.migrations = notify_migrations,
		.n_migrations = notify_n_migrations,
		.start = start,
		.stop = stop,
		.health = health,
		.ready = ready,
	};
	return ov_svc_main(&svc, argc, argv);
}
