-- The delivery state of each mail in admin.outbox (the transactional
-- outbox stays in its producer's schema; notify owns what happens to a
-- row after it is written). One row per outbox row, created when notify
-- first sees it. No foreign key: the outbox belongs to admin, which
-- deletes a tenant's rows when it erases the tenant; notify's sweep then
-- deletes the matching deliveries.
CREATE TABLE deliveries (
	outbox_id       bigint PRIMARY KEY,     -- admin.outbox.id
	tenant_id       uuid,                   -- copied, for scoped lists
	state           text NOT NULL DEFAULT 'queued'
	                CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
	attempts        integer NOT NULL DEFAULT 0,
	-- When a queued row is due, and for a row being sent the end of its
	-- lease: a row whose time has come is claimable in either state.
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	lease_until     timestamptz,
	claimed_by      text,                   -- replica instance that holds it
	smtp_code       integer,                -- last SMTP reply code, 0 none
	last_error      text,                   -- why the last attempt failed
	message_id      text NOT NULL,          -- stable across attempts
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	sent_at         timestamptz
);
-- What the claim scans: only rows still to deliver.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
	WHERE state IN ('queued', 'sending');
CREATE INDEX deliveries_tenant ON deliveries (tenant_id, outbox_id);
CREATE INDEX deliveries_failed ON deliveries (outbox_id) WHERE state = 'failed';
