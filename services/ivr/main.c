/* ov-ivr: speaks the closed, welcome and no-answer messages into calls
 * through rtpengine. Wiring only: docs/ivr.md says how it works. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivr.h"
#include "log.h"
#include "synth.h"
#include "versions.h"

static const struct ov_cfg_var vars[] = {
	OV_CFG_STR("OV_RTPENGINE_NG", NULL,
		   "default rtpengine ng control address, udp:HOST:PORT",
		   &ivr.cfg.rtpengine),
	OV_CFG_STR("OV_RTPENGINE_INSTANCES", "",
		   "other rtpengine ng addresses a play request may name "
		   "(comma-separated udp:HOST:PORT)",
		   &ivr.cfg.rtpengines),
	OV_CFG_INT("OV_RTPENGINE_TIMEOUT_MS", "200",
		   "how long one ng request waits for its answer before "
		   "resending",
		   &ivr.cfg.rtpengine_timeout_ms, 10, 10000),
	OV_CFG_INT("OV_RTPENGINE_TRIES", "3",
		   "ng sends before giving up (within the caller's deadline)",
		   &ivr.cfg.rtpengine_tries, 1, 10),
	OV_CFG_INT("OV_RTPENGINE_SOCKETS", "4",
		   "ng sockets per rtpengine (requests in flight at once)",
		   &ivr.cfg.rtpengine_sockets, 1, 16),
	OV_CFG_STR("OV_ADMIN_URL", "",
		   "admin's bus: applied snapshots (snapshot.get, .changes); "
		   "\"\": none, prompt.play then finds no message",
		   &ivr.cfg.admin_url),
	OV_CFG_STR("OV_ADMIN_EVENTS_URL", "",
		   "admin's PUB socket: config.applied events",
		   &ivr.cfg.events_url),
	OV_CFG_INT("OV_IVR_POLL_MS", "2000",
		   "how often to poll for applied versions besides events (ms)",
		   &ivr.cfg.poll_ms, 100, 600000),
	OV_CFG_INT("OV_IVR_ADMIN_DEADLINE_MS", "2000",
		   "deadline of one call to admin (ms)",
		   &ivr.cfg.admin_deadline_ms, 10, 60000),
	OV_CFG_STR("OV_IVR_CACHE_DIR", "/var/cache/ovunque/prompts",
		   "prompt cache directory (rtpengine must read it)",
		   &ivr.cfg.cache_dir),
	OV_CFG_INT("OV_IVR_CACHE_MB", "256",
		   "prompt cache size bound (MiB); least recently used out",
		   &ivr.cfg.cache_mb, 1, 1048576),
};

static void stop(struct ov_svc_rt *rt);

static enum ov_err add_rtpengine(const char *addr)
{
	if (ivr.n_rtpe && ivr_rtpengine(addr))
		return OV_OK; /* named twice */
	if (ivr.n_rtpe == IVR_MAX_RTPENGINES)
		return OV_ETOOBIG;
	enum ov_err e = ivr_rtpe_open(
		addr, (unsigned)ivr.cfg.rtpengine_timeout_ms,
		(unsigned)ivr.cfg.rtpengine_tries,
		(unsigned)ivr.cfg.rtpengine_sockets, &ivr.rtpe[ivr.n_rtpe]);
	if (e != OV_OK) {
		ov_log_error("ivr.rtpengine_open_failed", OV_LS("addr", addr),
			     OV_LS("error", ov_err_name(e)));
		return e;
	}
	ivr.n_rtpe++;
	return OV_OK;
}

/* OV_RTPENGINE_INSTANCES: "udp:10.0.0.5:2223,udp:10.0.0.6:2223". */
static enum ov_err add_rtpengines(const char *list)
{
	char one[64];

	while (*list) {
		const char *comma = strchr(list, ',');
		size_t n = comma ? (size_t)(comma - list) : strlen(list);
		if (n == 0 || n >= sizeof(one))
			return OV_EINVAL;
		memcpy(one, list, n);
		one[n] = '\0';
		enum ov_err e = add_rtpengine(one);
		if (e != OV_OK)
			return e;
		list += n + (comma ? 1 : 0);
	}
	return OV_OK;
}

static enum ov_err start(struct ov_svc_rt *rt)
{
	struct ov_bus_client_opts co = {.urls = ivr.cfg.admin_url};
	enum ov_err e;

	ivr.bus_max_msg = (size_t)rt->cfg.bus_max_msg;
	if ((e = add_rtpengine(ivr.cfg.rtpengine)) != OV_OK ||
	    (e = add_rtpengines(ivr.cfg.rtpengines)) != OV_OK) {
		ov_log_error("ivr.config_invalid",
			     OV_LS("why", "OV_RTPENGINE_NG and "
					  "OV_RTPENGINE_INSTANCES are "
					  "udp:IPV4:PORT, comma-separated"));
		goto fail;
	}
	if ((e = ivr_synth_init()) != OV_OK) {
		ov_log_error("ivr.synth_init_failed",
			     OV_LS("why", "espeak-ng could not start"));
		goto fail;
	}
	e = ivr_cache_open(ivr.cfg.cache_dir, (uint64_t)ivr.cfg.cache_mb << 20,
			   &ivr.cache);
	if (e != OV_OK) {
		ov_log_error("ivr.cache_open_failed",
			     OV_LS("dir", ivr.cfg.cache_dir),
			     OV_LS("error", ov_err_name(e)));
		goto fail;
	}
	if (!*ivr.cfg.admin_url || !*ivr.cfg.events_url) {
		ov_log_warn("ivr.no_admin",
			    OV_LS("why", "OV_ADMIN_URL or OV_ADMIN_EVENTS_URL "
					 "is empty: no message will be found"));
	} else if ((e = ov_bus_client_new(&co, &ivr.admin)) != OV_OK ||
		   (e = ivr_follow_start()) != OV_OK) {
		ov_log_error("ivr.config_invalid",
			     OV_LS("why",
				   "OV_ADMIN_URL and OV_ADMIN_EVENTS_URL "
				   "are bus URLs"));
		goto fail;
	}
	ov_log_info("ivr.started", OV_LS("engine", ivr_synth_engine()),
		    OV_LS("cache", ivr_cache_dir(ivr.cache)),
		    OV_LS("rtpengine", ivr_rtpe_addr(ivr.rtpe[0])),
		    OV_LI("rtpengines", (long long)ivr.n_rtpe));
	return OV_OK;
fail:
	stop(rt);
	return e;
}

static void stop(struct ov_svc_rt *rt)
{
	(void)rt;
	ivr_follow_stop();
	ov_bus_client_free(ivr.admin);
	ivr.admin = NULL;
	ivr_versions_clear();
	ivr_cache_close(ivr.cache);
	ivr.cache = NULL;
	ivr_synth_term();
	for (size_t i = 0; i < ivr.n_rtpe; i++)
		ivr_rtpe_close(ivr.rtpe[i]);
	ivr.n_rtpe = 0;
}

/* Ready once caught up with admin and every applied message is made:
 * before that a call could wait for synthesis. */
static bool ready(struct ov_svc_rt *rt)
{
	(void)rt;
	return !ivr.admin || ivr_follow_ready();
}

int main(int argc, char **argv)
{
	const struct ov_svc svc = {
		.name = "ivr",
		.vars = vars,
		.n_vars = sizeof(vars) / sizeof(vars[0]),
		.methods = ivr_methods,
		.n_methods = ivr_n_methods,
		.start = start,
		.stop = stop,
		.health = ivr_health,
		.ready = ready,
	};
	return ov_svc_main(&svc, argc, argv);
}
