/* ov-ivr: speaks the closed, welcome and no-answer messages into calls
 * through rtpengine. */
#include <stdlib.h>

#include "ivr.pb-c.h"
#include "rtpengine.h"
#include "svc.h"

struct ivr_cfg {
	const char *rtpengine;
	int rtpengine_timeout_ms;
	int rtpengine_tries;
};

static struct ivr_cfg cfg;

static const struct ov_cfg_var vars[] = {
	OV_CFG_STR("OV_RTPENGINE_NG", NULL,
		   "rtpengine ng control address, udp:HOST:PORT",
		   &cfg.rtpengine),
	OV_CFG_INT("OV_RTPENGINE_TIMEOUT_MS", "200",
		   "how long one ng request waits for its answer",
		   &cfg.rtpengine_timeout_ms, 10, 10000),
	OV_CFG_INT("OV_RTPENGINE_TRIES", "3", "ng sends before giving up",
		   &cfg.rtpengine_tries, 1, 10),
};

static enum ov_err start(struct ov_svc_rt *rt)
{
	struct ivr_rtpe *r;
	enum ov_err e =
		ivr_rtpe_open(cfg.rtpengine, (unsigned)cfg.rtpengine_timeout_ms,
			      (unsigned)cfg.rtpengine_tries, &r);
	if (e != OV_OK) {
		ov_log_error("ivr.rtpengine_open_failed",
			     OV_LS("addr", cfg.rtpengine),
			     OV_LS("error", ov_err_name(e)));
		return e;
	}
	rt->state = r;
	return OV_OK;
}

static void stop(struct ov_svc_rt *rt)
{
	ivr_rtpe_close(rt->state);
}

static enum ov_err health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Ivr__Health h = OV__IVR__HEALTH__INIT;

	h.rtpengine = ivr_rtpe_ping(rt->state) == OV_OK;
	h.rtpengine_addr = (char *)cfg.rtpengine;
	return ov_pb_pack(&h.base, buf, len);
}

int main(int argc, char **argv)
{
	const struct ov_svc svc = {
		.name = "ivr",
		.vars = vars,
		.n_vars = sizeof(vars) / sizeof(vars[0]),
		.start = start,
		.stop = stop,
		.health = health,
	};
	return ov_svc_main(&svc, argc, argv);
}
