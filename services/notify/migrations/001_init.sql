-- The notify schema: the mail outbox and its delivery log.
-- The runner has created the schema and its schema_migrations table.
COMMENT ON SCHEMA notify IS 'Ovunque notify service: the mail outbox and its delivery log';
