-- The registrar schema: SIP credentials (HA1 per device), registrations and presence.
-- The runner has created the schema and its schema_migrations table.
COMMENT ON SCHEMA registrar IS 'Ovunque registrar service: SIP credentials (HA1 per device), registrations and presence';
