-- Call history: one row per call the edge connected or tried to
-- (calls.record, from Kamailio's dialog events). Who sees a call is
-- derived, never copied: its caller (from_user) and every member rung.
-- Users are not foreign keys: a removed colleague's calls stay in the
-- others' history.
CREATE TABLE calls (
	tenant_id   uuid NOT NULL REFERENCES tenants (id),
	call_id     text NOT NULL,
	direction   text NOT NULL CHECK (direction IN ('in', 'out', 'internal')),
	from_number text NOT NULL,
	from_user   uuid,
	to_number   text NOT NULL,
	rung        text[] NOT NULL DEFAULT '{}',
	answered_by text NOT NULL DEFAULT '',
	state       text NOT NULL CHECK (state IN ('answered', 'ended', 'failed')),
	code        integer NOT NULL DEFAULT 0,
	started_at  timestamptz NOT NULL,
	answered_at timestamptz,
	ended_at    timestamptz,
	PRIMARY KEY (tenant_id, call_id)
);
-- The company's calls of a day, newest first.
CREATE INDEX calls_recent ON calls (tenant_id, started_at DESC);
-- A person's calls: made (from_user) or rung (rung).
CREATE INDEX calls_from_user ON calls (tenant_id, from_user, started_at DESC);
CREATE INDEX calls_rung ON calls USING gin (rung);
