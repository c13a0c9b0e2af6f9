/*
 * GET /v1/directory: the caller's company as its people see it, each
 * active person and the main line with their live presence and whether
 * a device of theirs is registered now. The people come from the
 * database; presence and registrations from the registrar (the same
 * contacts.get the router asks before ringing). When the registrar
 * cannot be asked the directory still answers, with the stored
 * presence, registered null and live false.
 */
#include <string.h>

#include "admin.h"

#define QUERY_MAX 100

static json_t *text_or_null(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col)
		       ? json_null()
		       : json_string(PQgetvalue(res, row, col));
}

void directory_get(struct admin_req *r)
{
	const char *q = ov_http_query(r->http, "q");
	PGresult *res = NULL;

	if (q && strlen(q) > QUERY_MAX) {
		admin_fail(r, 400, OV_EINVAL, "q", "q must be at most %d bytes",
			   QUERY_MAX);
		return;
	}
	const char *p[] = {r->tenant_id, q && q[0] ? q : NULL};
	enum ov_err e = ov_db_exec(r->db, "directory_list", 2, p, &res);
	if (e != OV_OK) {
		PQclear(res);
		admin_fail_store(r, e, "directory");
		return;
	}
	Ov__Registrar__ContactsReply *reach = admin_sip_reach(r);
	json_t *entries = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, 1);
		const Ov__Registrar__Reach *x = admin_sip_reach_of(reach, id);
		bool main_line = strcmp(id, "main") == 0;
		const char *presence = PQgetvalue(res, i, 5);
		if (x && !main_line && x->presence[0])
			presence = x->presence;
		json_array_append_new(
			entries,
			json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "type",
				  PQgetvalue(res, i, 0), "id", id, "name",
				  PQgetvalue(res, i, 2), "username",
				  text_or_null(res, i, 3), "extension",
				  text_or_null(res, i, 4), "presence", presence,
				  "registered",
				  reach ? json_boolean(admin_sip_registered(x))
					: json_null()));
	}
	PQclear(res);
	json_t *out = json_pack("{s:o, s:b}", "entries", entries, "live",
				reach != NULL);
	if (reach)
		ov__registrar__contacts_reply__free_unpacked(reach, NULL);
	admin_json(r, 200, out);
}
