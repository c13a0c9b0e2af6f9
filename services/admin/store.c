#include "store.h"

/* A personal contact as its owner sees it. */
#define CONTACT_JSON                                                           \
	"json_build_object('id', c.id, 'name', c.name, 'numbers', c.numbers, " \
	"'email', c.email, 'company', c.company, 'note', c.note, "             \
	"'created_at', c.created_at, 'updated_at', c.updated_at)"

/* A call as the company's admin sees it (calls/today): c a row of
 * admin.calls, fu the caller's user, tu the dialled colleague, au who
 * answered. */
#define CALL_JSON                                                              \
	"json_build_object('id', c.call_id, 'direction', c.direction, "        \
	"'from', coalesce(fu.extension, c.from_number), 'from_name', "         \
	"fu.name, 'to', c.to_number, 'to_name', tu.name, 'answered_by', "      \
	"CASE WHEN c.answered_by = 'main' THEN 'Fibra Principale' ELSE "       \
	"au.name END, 'state', c.state, 'outcome', CASE WHEN c.answered_at "   \
	"IS NOT NULL THEN 'answered' WHEN c.state = 'failed' THEN 'missed' "   \
	"ELSE 'ringing' END, 'code', nullif(c.code, 0), 'started_at', "        \
	"c.started_at, 'answered_at', c.answered_at, 'ended_at', c.ended_at, " \
	"'duration_s', extract(epoch FROM c.ended_at - "                       \
	"c.answered_at)::integer)"
#define CALL_JOINS                                                             \
	" LEFT JOIN admin.users fu ON fu.id = c.from_user AND fu.tenant_id = " \
	"c.tenant_id LEFT JOIN admin.users tu ON c.direction = 'internal' "    \
	"AND tu.tenant_id = c.tenant_id AND tu.extension = c.to_number AND "   \
	"tu.state <> 'deleted' LEFT JOIN admin.users au ON au.id::text = "     \
	"c.answered_by AND au.tenant_id = c.tenant_id"

/* A tenant as the API shows it. */
#define TENANT_JSON                                                            \
	"json_build_object('id', t.id, 'company_name', t.name, 'number', "     \
	"t.number, 'admin_email', t.admin_email, 'timezone', t.timezone, "     \
	"'language', t.language, 'sip_domain', t.sip_domain, 'state', "        \
	"t.state, 'allow_international', t.allow_international, "              \
	"'allow_premium', t.allow_premium, 'max_calls', t.max_calls, "         \
	"'created_at', t.created_at, 'updated_at', t.updated_at)"

/* A person as the tenant's admin sees them. */
#define USER_JSON                                                              \
	"json_build_object('id', u.id, 'name', u.name, 'email', u.email, "     \
	"'username', u.username, 'extension', u.extension, 'role', u.role, "   \
	"'state', u.state, 'presence', u.presence, 'created_at', "             \
	"u.created_at, 'updated_at', u.updated_at)"

const struct ov_db_stmt admin_stmts[] = {
	/* credentials */
	{"apikey_find",
	 "SELECT id FROM admin.api_keys WHERE hash = $1 AND revoked_at IS NULL",
	 1},
	{"apikey_insert",
	 "INSERT INTO admin.api_keys (name, hash) VALUES ($1, $2) RETURNING id",
	 2},
	{"token_find",
	 "SELECT u.id, u.tenant_id, u.role, u.must_change_password "
	 "FROM admin.tokens k JOIN admin.users u ON u.id = k.user_id "
	 "JOIN admin.tenants t ON t.id = k.tenant_id "
	 "WHERE k.hash = $1 AND k.expires_at > now() AND u.state = 'active' "
	 "AND t.state = 'active'",
	 1},
	{"token_insert",
	 "INSERT INTO admin.tokens (hash, user_id, tenant_id, expires_at) "
	 "VALUES ($1, $2, $3, now() + make_interval(secs => $4)) "
	 "RETURNING to_json(expires_at) #>> '{}'",
	 4},
	{"token_delete", "DELETE FROM admin.tokens WHERE hash = $1", 1},
	{"tokens_revoke_user", "DELETE FROM admin.tokens WHERE user_id = $1",
	 1},
	{"tokens_logout_all",
	 "DELETE FROM admin.tokens WHERE user_id = $1 AND tenant_id = $2", 2},

	/* tenants */
	{"tenant_insert",
	 "INSERT INTO admin.tenants (id, name, number, admin_email, timezone, "
	 "language, sip_domain) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	 7},
	{"tenant_get",
	 "SELECT " TENANT_JSON " FROM admin.tenants t "
	 "WHERE t.id = $1 AND t.state <> 'deleted'",
	 1},
	{"tenant_list",
	 "SELECT coalesce(json_agg(" TENANT_JSON " ORDER BY t.created_at, "
	 "t.id), '[]') FROM (SELECT * FROM admin.tenants "
	 "WHERE state <> 'deleted' ORDER BY created_at, id "
	 "LIMIT $1 OFFSET $2) t",
	 2},
	/* The administrator's own address follows the tenant's: it is
	 * where their mails go. */
	{"tenant_update",
	 "WITH a AS (UPDATE admin.users SET email = $3, updated_at = now() "
	 "WHERE tenant_id = $1 AND role = 'admin' AND $3::text IS NOT NULL "
	 "AND state <> 'deleted') "
	 "UPDATE admin.tenants SET name = coalesce($2, name), "
	 "admin_email = coalesce($3, admin_email), "
	 "timezone = coalesce($4, timezone), "
	 "language = coalesce($5, language), "
	 "allow_international = coalesce($6::boolean, allow_international), "
	 "allow_premium = coalesce($7::boolean, allow_premium), "
	 "max_calls = coalesce($8::integer, max_calls), updated_at = now() "
	 "WHERE id = $1 AND state <> 'deleted' RETURNING id",
	 8},
	{"tenant_set_state",
	 "UPDATE admin.tenants SET state = $2, updated_at = now() "
	 "WHERE id = $1 AND state = $3 RETURNING id",
	 3},
	{"tenant_state",
	 "SELECT state FROM admin.tenants WHERE id = $1 AND state <> 'deleted'",
	 1},
	/* Deleting a tenant erases its people's personal data; the audit
	 * log keeps ids and actions. */
	{"tenant_erase_users",
	 "UPDATE admin.users SET name = '', email = '', username = id::text, "
	 "username_fold = id::text, photo = NULL, photo_type = NULL, "
	 "password_hash = NULL, state = 'deleted', deleted_at = now() "
	 "WHERE tenant_id = $1",
	 1},
	{"tenant_erase_rest",
	 "WITH a AS (DELETE FROM admin.tokens WHERE tenant_id = $1), "
	 "e AS (DELETE FROM admin.contacts WHERE tenant_id = $1), "
	 "b AS (DELETE FROM admin.reset_codes WHERE tenant_id = $1), "
	 "c AS (DELETE FROM admin.consents WHERE tenant_id = $1), "
	 "d AS (DELETE FROM admin.outbox WHERE tenant_id = $1) "
	 "UPDATE admin.tenants SET name = '', admin_email = '', "
	 "state = 'deleted', deleted_at = now(), updated_at = now() "
	 "WHERE id = $1 AND state <> 'deleted' RETURNING id",
	 1},
	{"line_insert",
	 "INSERT INTO admin.lines (tenant_id, name) VALUES ($1, $2) "
	 "RETURNING id",
	 2},
	{"draft_insert",
	 "INSERT INTO admin.drafts (tenant_id, ringing, forwarding, messages) "
	 "VALUES ($1, $2, $3, $4)",
	 4},

	/* people */
	{"user_insert",
	 "INSERT INTO admin.users (tenant_id, role, state, name, email, "
	 "username, username_fold, extension, password_hash, "
	 "must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
	 "true) RETURNING id",
	 9},
	{"user_list",
	 "SELECT coalesce(json_agg(" USER_JSON " ORDER BY u.extension NULLS "
	 "FIRST, u.username_fold), '[]') FROM admin.users u "
	 "WHERE u.tenant_id = $1 AND u.state <> 'deleted'",
	 1},
	{"user_get",
	 "SELECT " USER_JSON " FROM admin.users u WHERE u.id = $1 "
	 "AND u.tenant_id = $2 AND u.state <> 'deleted'",
	 2},
	{"user_update",
	 "UPDATE admin.users SET name = coalesce($3, name), "
	 "email = coalesce($4, email), username = coalesce($5, username), "
	 "username_fold = coalesce($6, username_fold), "
	 "extension = coalesce($7, extension), updated_at = now() "
	 "WHERE id = $1 AND tenant_id = $2 AND state <> 'deleted' RETURNING id",
	 7},
	/* A person leaves: personal data erased, sessions ended. The
	 * tenant's administrator account stays. */
	{"user_delete",
	 "WITH k AS (DELETE FROM admin.tokens WHERE user_id = $1 "
	 "AND tenant_id = $2), c AS (DELETE FROM admin.consents "
	 "WHERE user_id = $1 AND tenant_id = $2), d AS (DELETE FROM "
	 "admin.contacts WHERE owner_id = $1 AND tenant_id = $2) "
	 "UPDATE admin.users SET state = 'deleted', name = '', email = '', "
	 "username = id::text, username_fold = id::text, extension = NULL, "
	 "photo = NULL, photo_type = NULL, password_hash = NULL, "
	 "deleted_at = now() WHERE id = $1 AND tenant_id = $2 "
	 "AND state <> 'deleted' AND role <> 'admin' RETURNING id",
	 2},
	{"user_role",
	 "SELECT role FROM admin.users WHERE id = $1 AND tenant_id = $2 "
	 "AND state <> 'deleted'",
	 2},

	/* the person's own profile */
	{"me_get",
	 "SELECT json_build_object('id', u.id, 'name', u.name, 'email', "
	 "u.email, 'username', u.username, 'extension', u.extension, 'role', "
	 "u.role, 'presence', u.presence, 'tutorial_seen', u.tutorial_seen, "
	 "'must_change_password', u.must_change_password, 'has_photo', "
	 "u.photo IS NOT NULL, 'tenant', json_build_object('id', t.id, "
	 "'company_name', t.name, 'number', t.number, 'language', "
	 "t.language), 'consents', coalesce((SELECT json_agg("
	 "json_build_object('id', c.consent, 'version', c.version, "
	 "'granted', c.granted, 'at', c.at) ORDER BY c.consent) "
	 "FROM admin.consents c WHERE c.user_id = u.id), '[]')) "
	 "FROM admin.users u JOIN admin.tenants t ON t.id = u.tenant_id "
	 "WHERE u.id = $1 AND u.tenant_id = $2",
	 2},
	{"me_update",
	 "UPDATE admin.users SET presence = coalesce($3, presence), "
	 "tutorial_seen = coalesce($4::boolean, tutorial_seen), "
	 "updated_at = now() WHERE id = $1 AND tenant_id = $2 RETURNING id",
	 4},
	{"photo_set",
	 "UPDATE admin.users SET photo = $3, photo_type = $4, "
	 "updated_at = now() WHERE id = $1 AND tenant_id = $2 RETURNING id",
	 4},
	{"photo_get",
	 "SELECT photo, photo_type FROM admin.users WHERE id = $1 "
	 "AND tenant_id = $2 AND photo IS NOT NULL",
	 2},
	{"consent_set",
	 "INSERT INTO admin.consents (user_id, tenant_id, consent, version, "
	 "granted) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, consent) "
	 "DO UPDATE SET version = $4, granted = $5, at = now()",
	 5},

	/* personal contacts: always by tenant ($1) and owner ($2). $3 a
	 * search in names, companies and addresses, $4 its digits in
	 * numbers ("" for none). */
	{"contact_list",
	 "SELECT coalesce(json_agg(" CONTACT_JSON " ORDER BY lower(c.name), "
	 "c.id), '[]') FROM admin.contacts c WHERE c.tenant_id = $1 "
	 "AND c.owner_id = $2 AND ($3::text IS NULL "
	 "OR position(lower($3) IN lower(c.name)) > 0 "
	 "OR position(lower($3) IN lower(coalesce(c.company, ''))) > 0 "
	 "OR position(lower($3) IN lower(coalesce(c.email, ''))) > 0 "
	 "OR ($4::text <> '' AND EXISTS (SELECT 1 FROM "
	 "jsonb_array_elements(c.numbers) n "
	 "WHERE position($4 IN n->>'number') > 0)))",
	 4},
	{"contact_get",
	 "SELECT " CONTACT_JSON " FROM admin.contacts c WHERE c.id = $3 "
	 "AND c.tenant_id = $1 AND c.owner_id = $2",
	 3},
	/* calls.record: one event of a call ($9 kind: answered, ended,
	 * failed). A later event moves the call on, never back: an
	 * answered call may end, an ended or failed one stays. The
	 * tenant must exist (events name it; the edge is trusted, a typo
	 * is not). $7 rung: a text[] literal. */
	{"call_record",
	 "INSERT INTO admin.calls AS c (tenant_id, call_id, direction, "
	 "from_number, from_user, to_number, rung, answered_by, state, code, "
	 "started_at, answered_at, ended_at) SELECT t.id, $2, $3, $4, "
	 "nullif($5, '')::uuid, $6, $7::text[], $8, $9, $10::integer, "
	 "to_timestamp($11::bigint / 1000.0), CASE WHEN $12::bigint > 0 THEN "
	 "to_timestamp($12::bigint / 1000.0) END, CASE WHEN $9 <> 'answered' "
	 "THEN to_timestamp($13::bigint / 1000.0) END FROM admin.tenants t "
	 "WHERE t.id = $1 ON CONFLICT (tenant_id, call_id) DO UPDATE SET "
	 "state = CASE WHEN c.state = 'answered' THEN EXCLUDED.state "
	 "ELSE c.state END, rung = ARRAY(SELECT DISTINCT unnest(c.rung || "
	 "EXCLUDED.rung)), answered_by = CASE WHEN c.answered_by = '' THEN "
	 "EXCLUDED.answered_by ELSE c.answered_by END, answered_at = "
	 "coalesce(c.answered_at, EXCLUDED.answered_at), ended_at = "
	 "coalesce(c.ended_at, EXCLUDED.ended_at), code = CASE WHEN "
	 "EXCLUDED.code <> 0 THEN EXCLUDED.code ELSE c.code END "
	 "RETURNING c.call_id",
	 13},
	/* A person's recent calls: those they made ($2 = from_user) and
	 * those that rang them; $3 at most, started before $4 (ISO,
	 * NULL = now). */
	{"call_mine",
	 "SELECT coalesce(json_agg(x.j ORDER BY x.started_at DESC), '[]') "
	 "FROM (SELECT c.started_at, json_build_object('id', c.call_id, "
	 "'direction', CASE WHEN c.from_user = $2::uuid THEN 'out' ELSE 'in' "
	 "END, 'internal', c.direction = 'internal', 'number', CASE WHEN "
	 "c.from_user = $2::uuid THEN c.to_number ELSE coalesce(fu.extension, "
	 "c.from_number) END, 'name', CASE WHEN c.from_user = $2::uuid THEN "
	 "tu.name ELSE fu.name END, 'outcome', CASE WHEN c.from_user = "
	 "$2::uuid THEN CASE WHEN c.answered_at IS NOT NULL THEN 'answered' "
	 "WHEN c.state = 'failed' THEN 'unanswered' ELSE 'ringing' END WHEN "
	 "c.answered_by = $2::text THEN 'answered' WHEN c.answered_at IS NOT "
	 "NULL THEN 'answered_elsewhere' WHEN c.state = 'failed' THEN "
	 "'missed' ELSE 'ringing' END, 'started_at', c.started_at, "
	 "'answered_at', c.answered_at, 'ended_at', c.ended_at, 'duration_s', "
	 "extract(epoch FROM c.ended_at - c.answered_at)::integer) AS j "
	 "FROM admin.calls c" CALL_JOINS " WHERE c.tenant_id = $1 AND "
	 "(c.from_user = $2::uuid OR c.rung @> ARRAY[$2::text]) AND "
	 "c.started_at < coalesce($4::timestamptz, 'infinity') "
	 "ORDER BY c.started_at DESC LIMIT $3::integer) x",
	 4},
	/* The company's day (calls/today), in its time zone: calls in
	 * progress (answered, not ended, within the dialog's 12 h limit),
	 * the day's answered and missed calls to the fixed number, and the
	 * day's calls, newest first ($2 at most). */
	{"call_today",
	 "WITH d AS (SELECT date_trunc('day', now() AT TIME ZONE t.timezone) "
	 "AT TIME ZONE t.timezone AS day0 FROM admin.tenants t WHERE t.id = "
	 "$1), day AS (SELECT c.* FROM admin.calls c, d WHERE c.tenant_id = "
	 "$1 AND c.started_at >= d.day0) SELECT json_build_object('since', "
	 "(SELECT day0 FROM d), 'in_progress', (SELECT "
	 "coalesce(json_agg(" CALL_JSON
	 " ORDER BY c.answered_at), '[]') FROM admin.calls c" CALL_JOINS
	 " WHERE c.tenant_id = $1 AND c.state = 'answered' AND "
	 "c.started_at > now() - interval '12 hours'), 'answered', (SELECT "
	 "count(*) FROM day WHERE direction = 'in' AND answered_at IS NOT "
	 "NULL), 'missed', (SELECT count(*) FROM day WHERE direction = 'in' "
	 "AND answered_at IS NULL AND state = 'failed'), 'calls', (SELECT "
	 "coalesce(json_agg(x.j ORDER BY x.started_at DESC), '[]') FROM "
	 "(SELECT c.started_at, " CALL_JSON " AS j FROM day c" CALL_JOINS
	 " ORDER BY c.started_at DESC LIMIT $2::integer) x)) FROM d",
	 2},
	/* Serialises one person's inserts, so the count below holds. */
	{"contact_owner_lock",
	 "SELECT id FROM admin.users WHERE tenant_id = $1 AND id = $2 "
	 "AND state = 'active' FOR UPDATE",
	 2},
	{"contact_insert",
	 "INSERT INTO admin.contacts (tenant_id, owner_id, name, numbers, "
	 "email, company, note) SELECT $1, $2, $3, $4, $5, $6, $7 "
	 "WHERE (SELECT count(*) FROM admin.contacts WHERE tenant_id = $1 "
	 "AND owner_id = $2) < $8::integer RETURNING id",
	 8},
	{"contact_update",
	 "UPDATE admin.contacts SET name = $4, numbers = $5, email = $6, "
	 "company = $7, note = $8, updated_at = now() WHERE id = $3 "
	 "AND tenant_id = $1 AND owner_id = $2 RETURNING id",
	 8},
	{"contact_delete",
	 "DELETE FROM admin.contacts WHERE id = $3 AND tenant_id = $1 "
	 "AND owner_id = $2 RETURNING id",
	 3},

	/* The company directory: the main line, then active people; $2 a
	 * search in names, usernames and extensions. Columns: type, id,
	 * name, username, extension, stored presence. */
	{"directory_list",
	 "SELECT * FROM (SELECT 'main_line' AS type, 'main' AS id, l.name, "
	 "NULL::text AS username, NULL::text AS extension, "
	 "'available' AS presence, 0 AS o FROM (SELECT name FROM admin.lines "
	 "WHERE tenant_id = $1 ORDER BY created_at LIMIT 1) l "
	 "WHERE $2::text IS NULL OR position(lower($2) IN lower(l.name)) > 0 "
	 "UNION ALL SELECT 'user', u.id::text, u.name, u.username, "
	 "u.extension, u.presence, 1 FROM admin.users u "
	 "WHERE u.tenant_id = $1 AND u.state = 'active' AND ($2::text IS NULL "
	 "OR position(lower($2) IN lower(u.name)) > 0 "
	 "OR position(lower($2) IN u.username_fold) > 0 "
	 "OR position($2 IN coalesce(u.extension, '')) > 0)) d "
	 "ORDER BY o, extension NULLS FIRST, lower(name), id",
	 2},

	/* SIP: who asks the registrar for credentials (sip.c) */
	{"sip_user",
	 "SELECT u.username_fold, u.name, t.sip_domain FROM admin.users u "
	 "JOIN admin.tenants t ON t.id = u.tenant_id WHERE u.id = $1 "
	 "AND u.tenant_id = $2 AND u.state = 'active' AND t.state = 'active'",
	 2},
	{"sip_main_line",
	 "SELECT t.sip_domain, coalesce((SELECT l.name FROM admin.lines l "
	 "WHERE l.tenant_id = t.id ORDER BY l.created_at LIMIT 1), '') "
	 "FROM admin.tenants t WHERE t.id = $1 AND t.state = 'active'",
	 1},

	/* configuration drafts */
	{"draft_get",
	 "SELECT json_build_object('ringing', d.ringing, 'forwarding', "
	 "d.forwarding, 'messages', d.messages, 'updated_at', d.updated_at) "
	 "FROM admin.drafts d WHERE d.tenant_id = $1",
	 1},
	{"draft_set_ringing",
	 "UPDATE admin.drafts SET ringing = $2, updated_at = now() "
	 "WHERE tenant_id = $1 RETURNING tenant_id",
	 2},
	{"draft_set_forwarding",
	 "UPDATE admin.drafts SET forwarding = $2, updated_at = now() "
	 "WHERE tenant_id = $1 RETURNING tenant_id",
	 2},
	{"draft_set_message",
	 "UPDATE admin.drafts SET messages = jsonb_set(messages, "
	 "ARRAY[$2::text], $3::jsonb), updated_at = now() "
	 "WHERE tenant_id = $1 RETURNING tenant_id",
	 3},
	/* Who can be a ringing member: the tenant's people, drafts too
	 * (they are activated by the same apply). */
	{"members_known",
	 "SELECT id FROM admin.users WHERE tenant_id = $1 "
	 "AND state <> 'deleted' AND id = ANY($2::uuid[])",
	 2},

	/* apply */
	{"apply_lock",
	 "SELECT number, timezone, sip_domain, language, allow_international, "
	 "allow_premium, max_calls FROM admin.tenants WHERE id = $1 "
	 "AND state = 'active' FOR UPDATE",
	 1},
	/* "try it": the fixed number the trunk would dial, the zone. */
	{"simulate_tenant",
	 "SELECT number, timezone FROM admin.tenants WHERE id = $1 "
	 "AND state = 'active'",
	 1},
	/* apply_lock's columns, unlocked: for the diff. */
	{"diff_tenant",
	 "SELECT number, timezone, sip_domain, language, allow_international, "
	 "allow_premium, max_calls FROM admin.tenants WHERE id = $1 "
	 "AND state = 'active'",
	 1},
	{"apply_draft",
	 "SELECT ringing, forwarding, messages FROM admin.drafts "
	 "WHERE tenant_id = $1",
	 1},
	{"apply_users",
	 "SELECT id, name, username, coalesce(extension, ''), email, state "
	 "FROM admin.users WHERE tenant_id = $1 AND state <> 'deleted' "
	 "ORDER BY extension NULLS FIRST, username_fold",
	 1},
	{"apply_main_line",
	 "SELECT name FROM admin.lines WHERE tenant_id = $1 "
	 "ORDER BY created_at LIMIT 1",
	 1},
	{"version_latest",
	 "SELECT version, encode(digest, 'hex'), document FROM admin.versions "
	 "WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1",
	 1},
	{"version_insert",
	 "INSERT INTO admin.versions (tenant_id, version, snapshot, document, "
	 "digest, applied_by) VALUES ($1, $2, $3, $4, decode($5, 'hex'), $6) "
	 "RETURNING seq",
	 6},
	{"user_activate",
	 "UPDATE admin.users SET state = 'active', password_hash = $3, "
	 "must_change_password = true, updated_at = now() WHERE id = $1 "
	 "AND tenant_id = $2 AND state = 'draft' RETURNING id",
	 3},
	{"version_get",
	 "SELECT snapshot FROM admin.versions WHERE tenant_id = $1 "
	 "AND ($2::integer = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
	 2},
	{"version_changes",
	 "SELECT tenant_id, version, seq FROM admin.versions WHERE seq > $1 "
	 "ORDER BY seq LIMIT $2",
	 2},

	{"login_find",
	 "SELECT u.id, u.tenant_id, u.password_hash, u.role, "
	 "u.must_change_password FROM admin.users u "
	 "JOIN admin.tenants t ON t.id = u.tenant_id "
	 "WHERE t.number = $1 AND t.state = 'active' "
	 "AND u.username_fold = $2 AND u.state = 'active'",
	 2},
	{"user_password_get",
	 "SELECT password_hash FROM admin.users "
	 "WHERE id = $1 AND tenant_id = $2 AND state = 'active'",
	 2},
	{"user_password_set",
	 "UPDATE admin.users SET password_hash = $3, "
	 "must_change_password = false, password_changed_at = now(), "
	 "updated_at = now() WHERE id = $1 AND tenant_id = $2 "
	 "AND state = 'active' RETURNING id",
	 3},
	{"user_mail_info",
	 "SELECT u.email, t.language, u.username, t.number, u.name "
	 "FROM admin.users u JOIN admin.tenants t ON t.id = u.tenant_id "
	 "WHERE u.id = $1 AND u.tenant_id = $2",
	 2},

	/* login throttling */
	{"failures_get",
	 "SELECT failures, extract(epoch FROM now() - last_at)::float8 "
	 "FROM admin.login_failures WHERE key = $1",
	 1},
	{"failures_bump",
	 "INSERT INTO admin.login_failures AS f (key, failures, last_at) "
	 "VALUES ($1, 1, now()) ON CONFLICT (key) DO UPDATE SET "
	 "failures = CASE WHEN f.last_at < now() - interval '24 hours' "
	 "THEN 1 ELSE f.failures + 1 END, last_at = now()",
	 1},
	{"failures_clear", "DELETE FROM admin.login_failures WHERE key = $1",
	 1},
	/* One attempt at a time per (account, address), and per account
	 * from new addresses, across replicas: session advisory locks,
	 * taken without waiting. */
	{"attempt_lock", "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
	 1},
	{"attempt_unlock", "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
	 1},
	{"known_address_get",
	 "SELECT 1 FROM admin.known_addresses WHERE acct_key = $1 "
	 "AND addr = $2 AND last_at > now() - interval '90 days'",
	 2},
	{"known_address_put",
	 "INSERT INTO admin.known_addresses (acct_key, addr, last_at) "
	 "VALUES ($1, $2, now()) ON CONFLICT (acct_key, addr) DO UPDATE "
	 "SET last_at = now()",
	 2},
	{"throttle_prune",
	 "WITH k AS (DELETE FROM admin.known_addresses "
	 "WHERE last_at < now() - interval '90 days') "
	 "DELETE FROM admin.login_failures "
	 "WHERE last_at < now() - interval '24 hours'",
	 0},

	/* password reset */
	{"reset_queue_put",
	 "WITH q AS (INSERT INTO admin.reset_queue (number, username, "
	 "client_ip) VALUES ($1, $2, $3) RETURNING id) "
	 "SELECT id FROM q",
	 3},
	{"reset_queue_take",
	 "DELETE FROM admin.reset_queue WHERE id = (SELECT id FROM "
	 "admin.reset_queue ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) "
	 "RETURNING number, username, client_ip",
	 0},
	{"reset_insert",
	 "INSERT INTO admin.reset_codes (hash, user_id, tenant_id, "
	 "expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
	 4},
	{"reset_use",
	 "UPDATE admin.reset_codes SET used_at = now() WHERE hash = $1 "
	 "AND user_id = $2 AND used_at IS NULL AND expires_at > now() "
	 "RETURNING user_id",
	 2},

	/* mails and the audit log */
	{"outbox_insert",
	 "WITH o AS (INSERT INTO admin.outbox (tenant_id, kind, recipient, "
	 "language, params) VALUES ($1, $2, $3, $4, $5) RETURNING id) "
	 "SELECT id, pg_notify('ov_outbox', id::text) FROM o",
	 5},
	{"audit_insert",
	 "INSERT INTO admin.audit (tenant_id, actor, action, target, detail) "
	 "VALUES ($1, $2, $3, $4, $5)",
	 5},
	{"audit_list",
	 "SELECT coalesce(json_agg(json_build_object('id', a.id, "
	 "'tenant_id', a.tenant_id, 'actor', a.actor, 'action', a.action, "
	 "'target', a.target, 'detail', a.detail, 'at', a.at) ORDER BY a.id "
	 "DESC), '[]') FROM (SELECT * FROM admin.audit "
	 "WHERE ($1::uuid IS NULL OR tenant_id = $1) "
	 "AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3) a",
	 3},
};

const size_t admin_n_stmts = sizeof(admin_stmts) / sizeof(admin_stmts[0]);
