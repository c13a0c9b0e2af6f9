/* ov-notify: delivers the mails of the outbox. */
#include <stdlib.h>

#include "notify.pb-c.h"
#include "svc.h"

extern const struct ov_migration notify_migrations[];
extern const size_t notify_n_migrations;

static enum ov_err health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Notify__Health h = OV__NOTIFY__HEALTH__INIT;

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
		.name = "notify",
		.schema = "notify",
		.migrations = notify_migrations,
		.n_migrations = notify_n_migrations,
		.health = health,
		.ready = ready,
	};
	return ov_svc_main(&svc, argc, argv);
}
