-- The admin schema: tenants, users, drafts, applied configuration versions and the audit log.
-- The runner has created the schema and its schema_migrations table.
COMMENT ON SCHEMA admin IS 'Ovunque admin service: tenants, users, drafts, applied configuration versions and the audit log';
