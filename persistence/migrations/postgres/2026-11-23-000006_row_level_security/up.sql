-- Row-level security: the second wall between tenants, behind the application's own filters.
--
-- Every tenant table is visible only in a transaction whose `concord.tenant_id` setting names
-- its tenant. The setting is made transaction-local by the application (set_config(…, true)
-- inside the transaction), so a pooled connection carries nothing from one request to the next.
-- FORCE makes the policies apply to the tables' owner too; only superusers and BYPASSRLS roles
-- escape them, and Concord refuses to start as either.
--
-- The application connects as a member of `concord_app`, which may read and write rows but owns
-- nothing; migrations run as the owner. The role is created here when missing (that needs
-- CREATEROLE; an operator may create it beforehand instead).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'concord_app') THEN
        CREATE ROLE concord_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO concord_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO concord_app;
-- The application only checks that no migration is pending.
REVOKE INSERT, UPDATE, DELETE ON __diesel_schema_migrations FROM concord_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO concord_app;

ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organisations
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE api_clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_clients FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_clients
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE agreements ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreements FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agreements
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE agreement_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreement_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agreement_versions
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE agreement_signatures ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreement_signatures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agreement_signatures
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON consents
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE school_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE school_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON school_profiles
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE access_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON access_events
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE frameworks ENABLE ROW LEVEL SECURITY;
ALTER TABLE frameworks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON frameworks
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE framework_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE framework_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON framework_versions
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE cycles ENABLE ROW LEVEL SECURITY;
ALTER TABLE cycles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cycles
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE cycle_extensions ENABLE ROW LEVEL SECURITY;
ALTER TABLE cycle_extensions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cycle_extensions
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE submissions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON submissions
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE submission_scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE submission_scores FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON submission_scores
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE partnerships ENABLE ROW LEVEL SECURITY;
ALTER TABLE partnerships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON partnerships
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE partnership_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE partnership_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON partnership_members
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
    USING (tenant_id = current_setting('concord.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('concord.tenant_id', true));

-- The token endpoint finds a client by its id before it knows the tenant: it names that one id
-- in `concord.client_lookup` and may read that row, and no other.
CREATE POLICY client_lookup ON api_clients FOR SELECT
    USING (id = current_setting('concord.client_lookup', true));

-- Stored idempotent responses carry tenant data: a tenant's keys are its own; platform keys
-- (scope 'platform') are seen outside any tenant.
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (scope = 'platform' OR scope = current_setting('concord.tenant_id', true))
    WITH CHECK (scope = 'platform' OR scope = current_setting('concord.tenant_id', true));
