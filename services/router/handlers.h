#ifndef ROUTER_HANDLERS_H
#define ROUTER_HANDLERS_H

#include "bus.h"
#include "registrar.pb-c.h"
#include "svc.h"

/* The router's settings and clients, filled by main.c. */
struct router {
	struct {
		const char *admin_url;
		const char *events_url;
		const char *registrar_url;
		int poll_ms;
		int reach_ms;
		const char *registrar_events_url;
		int reach_ttl_ms;
	} cfg;
	struct ov_bus_client *registrar;
};

extern struct router router;

extern const struct ov_bus_method router_methods[];
extern const size_t router_n_methods;

/* contacts.get to the registrar (a router_reach_fetch_fn). */
Ov__Registrar__ContactsReply *router_contacts_get(const char *tenant_id,
						  const char *request_id,
						  void *arg);

enum ov_err router_health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len);

#endif
