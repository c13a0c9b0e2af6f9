/* The audit log: newest first, by pages of `limit`, older than
 * `before`. A tenant admin sees their tenant; an operator any tenant
 * (?tenant=) or all. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cfg.h"

void audit_list(struct admin_req *r)
{
	const char *before = ov_http_query(r->http, "before");
	const char *limit = ov_http_query(r->http, "limit");
	const char *tenant = r->role == ROLE_OPERATOR
				     ? ov_http_query(r->http, "tenant")
				     : r->tenant_id;
	long b = 0, l = 50;
	char bt[24], lt[8];
	PGresult *res = NULL;

	if (before && !ov_parse_long(before, 1, 9223372036854775807L, &b)) {
		admin_fail(r, 400, OV_EINVAL, "before",
			   "before must be an audit record id");
		return;
	}
	if (limit && !ov_parse_long(limit, 1, 500, &l)) {
		admin_fail(r, 400, OV_EINVAL, "limit",
			   "limit must be from 1 to 500");
		return;
	}
	if (tenant && !admin_uuid_ok(tenant)) {
		admin_fail(r, 400, OV_EINVAL, "tenant",
			   "tenant must be a tenant id");
		return;
	}
	snprintf(bt, sizeof(bt), "%ld", b);
	snprintf(lt, sizeof(lt), "%ld", l);
	const char *p[] = {tenant, before ? bt : NULL, lt};
	enum ov_err e = ov_db_exec(r->db, "audit_list", 3, p, &res);
	if (e != OV_OK) {
		admin_fail_store(r, e, "audit");
		return;
	}
	json_t *items = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	size_t n = json_array_size(items);
	json_t *v = json_pack("{s:o}", "records", items);
	/* The next page starts below the last id of this one. */
	if (n == (size_t)l)
		json_object_set(
			v, "next_before",
			json_object_get(json_array_get(items, n - 1), "id"));
	admin_json(r, 200, v);
}
