#ifndef ROUTER_HANDLERS_H
#define ROUTER_HANDLERS_H

#include "bus.h"
#include "svc.h"

/* The router's settings and clients, filled by main.c. */
struct router {
	struct {
		const char *admin_url;
		const char *events_url;
		const char *registrar_url;
		int poll_ms;
		int reach_ms;
	} cfg;
	struct ov_bus_client *registrar;
};

extern struct router router;

extern const struct ov_bus_method router_methods[];
extern const size_t router_n_methods;

enum ov_err router_health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len);

#endif
