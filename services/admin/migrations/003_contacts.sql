-- Personal contacts: each person's own address book, seen by nobody
-- else. Every query is scoped by tenant AND owner.
CREATE TABLE contacts (
	id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id  uuid NOT NULL REFERENCES tenants (id),
	owner_id   uuid NOT NULL REFERENCES users (id),
	name       text NOT NULL,
	numbers    jsonb NOT NULL,             -- [{label, number}], 1 to 5
	email      text,
	company    text,
	note       text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_owner ON contacts (tenant_id, owner_id, lower(name));
