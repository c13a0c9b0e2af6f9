-- Tenants, people, credentials, configuration drafts and versions,
-- the mail outbox and the audit log. Every row that belongs to a tenant
-- carries tenant_id, and every lookup by id is scoped by it.

CREATE TABLE tenants (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name        text NOT NULL,
	number      text NOT NULL,             -- E.164, the fixed number
	admin_email text NOT NULL,
	timezone    text NOT NULL DEFAULT 'Europe/Rome',
	language    text NOT NULL DEFAULT 'it' CHECK (language IN ('it', 'en')),
	sip_domain  text NOT NULL,
	state       text NOT NULL DEFAULT 'active'
	            CHECK (state IN ('active', 'suspended', 'deleted')),
	allow_international boolean NOT NULL DEFAULT false,
	allow_premium       boolean NOT NULL DEFAULT false,
	max_calls   integer NOT NULL DEFAULT 10 CHECK (max_calls BETWEEN 1 AND 1000),
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	deleted_at  timestamptz
);
-- A number or a domain belongs to one live tenant at a time.
CREATE UNIQUE INDEX tenants_number ON tenants (number) WHERE state <> 'deleted';
CREATE UNIQUE INDEX tenants_domain ON tenants (sip_domain) WHERE state <> 'deleted';

CREATE TABLE users (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id     uuid NOT NULL REFERENCES tenants (id),
	role          text NOT NULL CHECK (role IN ('admin', 'user')),
	state         text NOT NULL DEFAULT 'draft'
	              CHECK (state IN ('draft', 'active', 'deleted')),
	name          text NOT NULL,
	email         text NOT NULL,
	username      text NOT NULL,
	username_fold text NOT NULL,           -- lower case, for uniqueness
	extension     text CHECK (extension ~ '^(0[1-9]|[1-9][0-9])$'),
	password_hash text,                    -- NULL for a draft user until apply
	must_change_password boolean NOT NULL DEFAULT true,
	presence      text NOT NULL DEFAULT 'available'
	              CHECK (presence IN ('available', 'dnd', 'away')),
	tutorial_seen boolean NOT NULL DEFAULT false,
	photo         bytea,
	photo_type    text,
	password_changed_at timestamptz,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	deleted_at    timestamptz
);
CREATE UNIQUE INDEX users_username ON users (tenant_id, username_fold)
	WHERE state <> 'deleted';
CREATE UNIQUE INDEX users_extension ON users (tenant_id, extension)
	WHERE state <> 'deleted' AND extension IS NOT NULL;
CREATE INDEX users_tenant ON users (tenant_id, state);

-- The office phone on the fibre line ("Fibra Principale").
CREATE TABLE lines (
	id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id  uuid NOT NULL REFERENCES tenants (id),
	name       text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lines_tenant ON lines (tenant_id);

CREATE TABLE consents (
	user_id    uuid NOT NULL REFERENCES users (id),
	tenant_id  uuid NOT NULL REFERENCES tenants (id),
	consent    text NOT NULL,
	version    text NOT NULL,
	granted    boolean NOT NULL,
	at         timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, consent)
);

-- Bearer tokens and reset codes: only their SHA-256 is stored.
CREATE TABLE tokens (
	hash       bytea PRIMARY KEY,
	user_id    uuid NOT NULL REFERENCES users (id),
	tenant_id  uuid NOT NULL REFERENCES tenants (id),
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE reset_codes (
	hash       bytea PRIMARY KEY,
	user_id    uuid NOT NULL REFERENCES users (id),
	tenant_id  uuid NOT NULL REFERENCES tenants (id),
	expires_at timestamptz NOT NULL,
	used_at    timestamptz
);

CREATE TABLE api_keys (
	id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name       text NOT NULL,
	hash       bytea NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz
);

-- Failed logins, per account and per client address.
CREATE TABLE login_failures (
	key        text PRIMARY KEY,           -- 'acct:<tenant>:<user>' or 'addr:<ip>'
	failures   integer NOT NULL,
	last_at    timestamptz NOT NULL
);

-- What the admin edits until apply: one document per tenant.
CREATE TABLE drafts (
	tenant_id  uuid PRIMARY KEY REFERENCES tenants (id),
	ringing    jsonb NOT NULL,
	forwarding jsonb NOT NULL,
	messages   jsonb NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- Applied configuration: immutable, one row a version.
CREATE TABLE versions (
	tenant_id  uuid NOT NULL REFERENCES tenants (id),
	version    integer NOT NULL,
	seq        bigserial UNIQUE,           -- global order, for snapshot.changes
	snapshot   bytea NOT NULL,             -- ov.admin.Snapshot
	document   jsonb NOT NULL,             -- the same, readable: diffs
	digest     bytea NOT NULL,             -- SHA-256 of the document
	applied_by uuid,
	applied_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, version)
);

-- Mails to send: written in the same transaction as the change; the
-- notify service claims and delivers them.
CREATE TABLE outbox (
	id         bigserial PRIMARY KEY,
	tenant_id  uuid REFERENCES tenants (id),
	kind       text NOT NULL,              -- admin_activation, user_activation, ...
	recipient  text NOT NULL,
	language   text NOT NULL,
	params     jsonb NOT NULL,             -- secrets erased once sent
	created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit (
	id         bigserial PRIMARY KEY,
	tenant_id  uuid,
	actor      text NOT NULL,              -- 'operator:<key id>', 'user:<id>'
	action     text NOT NULL,              -- 'tenant.create', 'user.update', ...
	target     text,
	detail     jsonb NOT NULL DEFAULT '{}',
	at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_tenant ON audit (tenant_id, id);
