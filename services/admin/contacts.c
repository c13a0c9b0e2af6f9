/*
 * A person's own address book: GET/POST /v1/me/contacts,
 * PATCH/DELETE /v1/me/contacts/{id}. Every statement is scoped by the
 * caller's tenant and the caller as owner: another person's contact is
 * "no such contact". The rules are contact_rules.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "contact_rules.h"

static void reply_contact(struct admin_req *r, int status, const char *id)
{
	const char *p[] = {r->tenant_id, r->user_id, id};
	admin_reply_json(r, status, "contact_get", 3, p, NULL, "contact");
}

/* The checked body, or NULL after answering 400 naming the field. */
static json_t *checked(struct admin_req *r, bool partial)
{
	char field[64], why[160];
	json_t *c = NULL;

	if (contact_check(r->body, partial, &c, field, sizeof(field), why,
			  sizeof(why)) != OV_OK) {
		admin_fail(r, 400, OV_EINVAL, field[0] ? field : NULL, "%s%s%s",
			   field, field[0] ? " " : "", why);
		return NULL;
	}
	return c;
}

void contacts_list(struct admin_req *r)
{
	const char *q = ov_http_query(r->http, "q");
	char digits[CONTACT_QUERY_MAX + 1];
	size_t n = 0;

	if (q && strlen(q) > CONTACT_QUERY_MAX) {
		admin_fail(r, 400, OV_EINVAL, "q", "q must be at most %d bytes",
			   CONTACT_QUERY_MAX);
		return;
	}
	if (q && !q[0])
		q = NULL;
	for (const char *s = q; s && *s; s++)
		if (*s >= '0' && *s <= '9')
			digits[n++] = *s;
	digits[n] = '\0';
	const char *p[] = {r->tenant_id, r->user_id, q, digits};
	admin_reply_json(r, 200, "contact_list", 4, p, "contacts", "contacts");
}

static const char *text_or_null(const json_t *c, const char *k)
{
	return json_string_value(json_object_get(c, k));
}

/* Writes c (a whole contact) with stmt in one transaction with its
 * audit record; *id gets the row's id. */
static enum ov_err write_contact(struct admin_req *r, const char *stmt,
				 const char *id, const json_t *c,
				 const char *action, char *id_out,
				 size_t id_len)
{
	PGresult *res = NULL;
	size_t len;
	char *numbers = ov_json_dump(json_object_get(c, "numbers"), &len);
	char limit[16];
	enum ov_err e = numbers ? ov_db_begin(r->db) : OV_EEXHAUSTED;

	snprintf(limit, sizeof(limit), "%d", CONTACTS_PER_USER_MAX);
	if (e == OV_OK && !id) {
		const char *pl[] = {r->tenant_id, r->user_id};
		e = ov_db_exec(r->db, "contact_owner_lock", 2, pl, &res);
		if (e == OV_OK && PQntuples(res) != 1)
			e = OV_ENOTFOUND;
		PQclear(res);
		res = NULL;
	}
	if (e == OV_OK) {
		const char *pi[] = {r->tenant_id,
				    r->user_id,
				    text_or_null(c, "name"),
				    numbers,
				    text_or_null(c, "email"),
				    text_or_null(c, "company"),
				    text_or_null(c, "note"),
				    limit};
		const char *pu[] = {r->tenant_id,
				    r->user_id,
				    id,
				    text_or_null(c, "name"),
				    numbers,
				    text_or_null(c, "email"),
				    text_or_null(c, "company"),
				    text_or_null(c, "note")};
		e = ov_db_exec(r->db, stmt, 8, id ? pu : pi, &res);
		/* No row inserted: the owner has as many as allowed. */
		if (e == OV_OK && PQntuples(res) != 1)
			e = id ? OV_ENOTFOUND : OV_EPRECOND;
		if (e == OV_OK)
			snprintf(id_out, id_len, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	free(numbers);
	/* Contacts are personal: the audit says which, never what. */
	return admin_end_tx(r, e, r->tenant_id, action, id_out, NULL);
}

static void fail_write(struct admin_req *r, enum ov_err e)
{
	if (e == OV_EPRECOND)
		admin_fail_code(r, 409, "contact_limit", NULL,
				"an address book holds at most 2000 contacts; "
				"delete some to add more");
	else
		admin_fail_store(r, e, "contact");
}

void contacts_create(struct admin_req *r)
{
	char id[40] = "";
	json_t *c = checked(r, false);

	if (!c)
		return;
	enum ov_err e = write_contact(r, "contact_insert", NULL, c,
				      "contact.create", id, sizeof(id));
	json_decref(c);
	if (e != OV_OK) {
		fail_write(r, e);
		return;
	}
	reply_contact(r, 201, id);
}

void contacts_patch(struct admin_req *r)
{
	const char *id = admin_path_id(r, "contact");
	PGresult *res = NULL;
	char out_id[40] = "";

	if (!id)
		return;
	json_t *change = checked(r, true);
	if (!change)
		return;
	/* The stored contact, changed where the body says. */
	const char *p[] = {r->tenant_id, r->user_id, id};
	enum ov_err e = ov_db_exec(r->db, "contact_get", 3, p, &res);
	if (e == OV_OK && PQntuples(res) != 1)
		e = OV_ENOTFOUND;
	json_t *c =
		e == OV_OK ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
	PQclear(res);
	if (e == OV_OK && !c)
		e = OV_EINTERNAL;
	if (e == OV_OK) {
		json_object_update(c, change);
		e = write_contact(r, "contact_update", id, c, "contact.update",
				  out_id, sizeof(out_id));
	}
	json_decref(c);
	json_decref(change);
	if (e != OV_OK) {
		fail_write(r, e);
		return;
	}
	reply_contact(r, 200, id);
}

void contacts_delete(struct admin_req *r)
{
	const char *id = admin_path_id(r, "contact");
	PGresult *res = NULL;

	if (!id)
		return;
	const char *p[] = {r->tenant_id, r->user_id, id};
	enum ov_err e = ov_db_begin(r->db);
	if (e == OV_OK)
		e = ov_db_exec(r->db, "contact_delete", 3, p, &res);
	if (e == OV_OK && PQntuples(res) != 1)
		e = OV_ENOTFOUND;
	PQclear(res);
	e = admin_end_tx(r, e, r->tenant_id, "contact.delete", id, NULL);
	if (e != OV_OK) {
		admin_fail_store(r, e, "contact");
		return;
	}
	ov_http_reply(r->res, 204, "application/json", NULL, 0);
}
