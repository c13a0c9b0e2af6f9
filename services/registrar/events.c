/*
 * reach.changed: the registrar's events (DESIGN.md §2, "Bus"). The
 * router caches each tenant's reachability (contacts and presence) and
 * drops a tenant's entry when one of these arrives, so that a call
 * needs no contacts.get while nothing changed. Sent after the change is
 * committed and before the request is answered: a phone that got its
 * 200 to a REGISTER can be called at once. PUB/SUB can drop, so the
 * router also bounds every entry's age; a refresh that only extends an
 * expiry sends nothing (the router bounds an entry by the earliest
 * expiry it holds).
 */
#include <stdlib.h>

#include "log.h"
#include "registrar.h"

enum ov_err registrar_events_open(struct registrar *app)
{
	if (!app->cfg.events_url || !app->cfg.events_url[0])
		return OV_OK;
	return ov_bus_pub_open(app->cfg.events_url, &app->pub);
}

void registrar_events_close(struct registrar *app)
{
	ov_bus_pub_close(app->pub);
	app->pub = NULL;
}

void registrar_reach_publish(struct registrar *app, const char *tenant_id,
			     const char *owner)
{
	Ov__Registrar__ReachChanged ev = OV__REGISTRAR__REACH_CHANGED__INIT;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (!app->pub)
		return;
	ev.tenant_id = (char *)tenant_id;
	ev.owner = (char *)(owner ? owner : "");
	if (ov_pb_pack(&ev.base, &buf, &len) != OV_OK ||
	    ov_bus_publish(app->pub, "reach.changed", buf, len) != OV_OK)
		ov_log_warn("registrar.publish_failed",
			    OV_LS("tenant", tenant_id), OV_LS("owner", owner));
	free(buf);
}
