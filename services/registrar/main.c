/* ov-registrar: holds SIP credentials and registrations. */
#include <stdlib.h>

#include "registrar.pb-c.h"
#include "svc.h"

extern const struct ov_migration registrar_migrations[];
extern const size_t registrar_n_migrations;

static enum ov_err health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len)
{
	Ov__Registrar__Health h = OV__REGISTRAR__HEALTH__INIT;

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
		.name = "registrar",
		.schema = "registrar",
		.migrations = registrar_migrations,
		.n_migrations = registrar_n_migrations,
		.health = health,
		.ready = ready,
	};
	return ov_svc_main(&svc, argc, argv);
}
