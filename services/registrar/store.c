#include "store.h"

/* One binding, as registrar_binding_row() reads it (9 columns): the
 * seconds left are counted from the statement's now(). */
#define BINDING_COLS                                                           \
	"b.contact, ceil(extract(epoch FROM b.expires_at - now()))::bigint, "  \
	"b.received, b.path, b.user_agent, b.instance, b.device, b.owner, "    \
	"extract(epoch FROM b.updated_at)::bigint"

/* Live: every read skips what has expired, swept or not. */
#define LIVE "b.expires_at > now()"

const struct ov_db_stmt registrar_stmts[] = {
	/* Serialise the changes of one owner's devices across replicas
	 * (a transaction-scoped advisory lock; the two-key form keeps it
	 * apart from the migration lock and from binding_save's per-AOR
	 * lock, key 2). */
	{"owner_lock",
	 "SELECT pg_advisory_xact_lock(1, hashtext($1::text || ':' || $2))", 2},

	/* credentials */
	{"device_get",
	 "SELECT aor_user, domain, auth_username, generation, salt, display "
	 "FROM registrar.devices WHERE tenant_id = $1 AND owner = $2 "
	 "AND device = $3",
	 3},
	{"device_count",
	 "SELECT count(*) FROM registrar.devices WHERE tenant_id = $1 "
	 "AND owner = $2",
	 2},
	/* An AOR belongs to one owner: another owner's device with it? */
	{"aor_taken",
	 "SELECT 1 FROM registrar.devices WHERE domain = $1 AND aor_user = $2 "
	 "AND NOT (tenant_id = $3 AND owner = $4) LIMIT 1",
	 4},
	{"device_insert",
	 "INSERT INTO registrar.devices (tenant_id, owner, device, aor_user, "
	 "domain, auth_username, generation, salt, ha1_md5, ha1_sha256, "
	 "display) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10)",
	 10},
	/* The owner's username or the tenant's domain changed. */
	{"device_set_identity",
	 "UPDATE registrar.devices SET aor_user = $4, domain = $5, "
	 "auth_username = $6, ha1_md5 = $7, ha1_sha256 = $8, display = $9, "
	 "updated_at = now() WHERE tenant_id = $1 AND owner = $2 "
	 "AND device = $3",
	 9},
	{"device_bindings_delete",
	 "DELETE FROM registrar.bindings WHERE tenant_id = $1 AND owner = $2 "
	 "AND device = $3",
	 3},
	{"owner_devices",
	 "SELECT device, auth_username, domain, generation, salt "
	 "FROM registrar.devices WHERE tenant_id = $1 AND owner = $2 "
	 "ORDER BY device FOR UPDATE",
	 2},
	{"device_rotate",
	 "UPDATE registrar.devices SET generation = $4, ha1_md5 = $5, "
	 "ha1_sha256 = $6, updated_at = now() WHERE tenant_id = $1 "
	 "AND owner = $2 AND device = $3",
	 6},
	{"owner_bindings_delete",
	 "DELETE FROM registrar.bindings WHERE tenant_id = $1 AND owner = $2",
	 2},
	/* Kamailio's digest lookup: the realm is the tenant's domain. */
	{"ha1_find",
	 "SELECT tenant_id, owner, aor_user, device, ha1_md5, ha1_sha256 "
	 "FROM registrar.devices WHERE domain = $1 AND auth_username = $2",
	 2},

	/* presence */
	{"presence_set",
	 "INSERT INTO registrar.presence (tenant_id, owner, presence) "
	 "VALUES ($1, $2, $3) ON CONFLICT (tenant_id, owner) DO UPDATE "
	 "SET presence = $3, updated_at = now()",
	 3},
	/* A deleted tenant: its credentials, bindings and presence go;
	 * answers how many devices and bindings there were. */
	{"tenant_forget",
	 "WITH b AS (DELETE FROM registrar.bindings WHERE tenant_id = $1 "
	 "RETURNING 1), d AS (DELETE FROM registrar.devices WHERE "
	 "tenant_id = $1 RETURNING 1), p AS (DELETE FROM registrar.presence "
	 "WHERE tenant_id = $1) "
	 "SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM b)",
	 1},

	/* binding.save: one REGISTER in one statement, its own
	 * transaction (migration 003's binding_save: $1 tenant, owner,
	 * device, the AOR named as user@host, the HA1 the edge checked,
	 * "*", contacts, instances, seconds (text[] literals), received,
	 * path, user_agent, call_id, cseq, $15 the most bindings per AOR).
	 * Rows in the function's order: kind, note, seconds, a binding. */
	{"binding_save",
	 "SELECT b.kind, b.note, b.secs, " BINDING_COLS " FROM "
	 "registrar.binding_save($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	 "$11, $12, $13, $14, $15) WITH ORDINALITY b ORDER BY b.ordinality",
	 15},

	/* binding.drop: $1 the AOR's domain (how the tenant is found),
	 * $2 the AOR, $3 contact; only the registration the edge saw
	 * ($4 Call-ID, $5 CSeq) goes. */
	{"binding_drop",
	 "DELETE FROM registrar.bindings b WHERE b.tenant_id = (SELECT "
	 "d.tenant_id FROM registrar.devices d WHERE d.domain = $1 LIMIT 1) "
	 "AND b.aor = $2 AND b.contact = $3 AND b.call_id = $4 "
	 "AND b.cseq = $5 RETURNING b.tenant_id, b.owner, b.device",
	 5},

	/* the router's hot path: one statement. $2: owners (a text[]
	 * literal); empty means every owner the registrar knows. */
	{"contacts_get",
	 "WITH o AS (SELECT owner, min(ord) AS ord FROM ("
	 "SELECT x.owner, x.ord FROM unnest($2::text[]) WITH ORDINALITY "
	 "AS x(owner, ord) "
	 "UNION ALL SELECT d.owner, 0 FROM registrar.devices d "
	 "WHERE d.tenant_id = $1 AND cardinality($2::text[]) = 0 "
	 "UNION ALL SELECT p.owner, 0 FROM registrar.presence p "
	 "WHERE p.tenant_id = $1 AND cardinality($2::text[]) = 0"
	 ") s GROUP BY owner) "
	 "SELECT o.owner, coalesce(p.presence, 'available'), " BINDING_COLS
	 " FROM o LEFT JOIN registrar.presence p ON p.tenant_id = $1 "
	 "AND p.owner = o.owner LEFT JOIN registrar.bindings b "
	 "ON b.tenant_id = $1 AND b.owner = o.owner AND " LIVE " "
	 "ORDER BY o.ord, o.owner, b.updated_at DESC, b.contact",
	 2},
	{"devices_list",
	 "SELECT d.device, d.auth_username, "
	 "extract(epoch FROM d.created_at)::bigint, " BINDING_COLS
	 " FROM registrar.devices d LEFT JOIN registrar.bindings b "
	 "ON b.tenant_id = d.tenant_id AND b.owner = d.owner "
	 "AND b.device = d.device AND " LIVE " "
	 "WHERE d.tenant_id = $1 AND d.owner = $2 "
	 "ORDER BY d.created_at, d.device, b.updated_at DESC, b.contact",
	 2},

	/* the sweeper and health */
	{"bindings_sweep",
	 "DELETE FROM registrar.bindings WHERE ctid IN (SELECT ctid "
	 "FROM registrar.bindings WHERE expires_at <= now() "
	 "ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
	 "AND expires_at <= now() "
	 "RETURNING tenant_id, owner, device, aor, contact",
	 1},
	{"bindings_live",
	 "SELECT count(*) FROM registrar.bindings b WHERE " LIVE, 0},
};

const size_t registrar_n_stmts =
	sizeof(registrar_stmts) / sizeof(registrar_stmts[0]);
