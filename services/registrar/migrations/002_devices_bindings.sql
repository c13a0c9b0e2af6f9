-- SIP credentials per device, bindings (registrations) and presence.
-- Every row belongs to a tenant, and every statement but the digest
-- lookup (by realm, which is how a tenant is found) is scoped by it.
-- docs/registrar.md explains the secrets.

-- One device of an owner (a user's id, or 'main' for the main line).
-- The secret is derived from OV_SIP_SECRET_KEY, the ids, the generation
-- and the salt: no column holds it, only its HA1s.
CREATE TABLE devices (
	tenant_id     uuid NOT NULL,
	owner         text NOT NULL,
	device        text NOT NULL CHECK (device ~ '^[a-z0-9-]{1,16}$'),
	aor_user      text NOT NULL,             -- sip:<aor_user>@<domain>
	domain        text NOT NULL,             -- the tenant's SIP domain = realm
	auth_username text NOT NULL,             -- <aor_user>.<device>
	generation    integer NOT NULL DEFAULT 1 CHECK (generation > 0),
	salt          text NOT NULL,             -- random, hex
	ha1_md5       text NOT NULL,             -- MD5(auth_username:domain:secret)
	ha1_sha256    text NOT NULL,             -- SHA-256 of the same
	display       text NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, owner, device)
);
-- auth.ha1: one credential per digest username in a realm.
CREATE UNIQUE INDEX devices_auth ON devices (domain, auth_username);
-- An AOR belongs to one owner (checked on every credential issued).
CREATE INDEX devices_aor ON devices (domain, aor_user);

-- A registered contact of an AOR. Rows past expires_at are ignored by
-- every read and deleted by the sweeper.
CREATE TABLE bindings (
	tenant_id  uuid NOT NULL,
	owner      text NOT NULL,
	device     text NOT NULL,
	aor        text NOT NULL,                -- sip:<aor_user>@<domain>
	contact    text NOT NULL,                -- the contact URI
	instance   text NOT NULL DEFAULT '',     -- +sip.instance
	received   text NOT NULL DEFAULT '',     -- where the REGISTER came from
	path       text NOT NULL DEFAULT '',
	user_agent text NOT NULL DEFAULT '',
	call_id    text NOT NULL,
	cseq       bigint NOT NULL,
	expires_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, aor, contact),
	FOREIGN KEY (tenant_id, owner, device)
		REFERENCES devices (tenant_id, owner, device) ON DELETE CASCADE
);
-- contacts.get and devices.list: an owner's live bindings.
CREATE INDEX bindings_owner ON bindings (tenant_id, owner, expires_at);
-- The sweeper and the live count.
CREATE INDEX bindings_expires ON bindings (expires_at);

-- Presence as admin last set it; no row means 'available'.
CREATE TABLE presence (
	tenant_id  uuid NOT NULL,
	owner      text NOT NULL,
	presence   text NOT NULL CHECK (presence IN ('available', 'dnd', 'away')),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, owner)
);
