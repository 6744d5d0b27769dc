-- Reverses row-level security. The role `concord_app` is kept: other databases on the same
-- server may use it.

DROP POLICY tenant_isolation ON organisations;
ALTER TABLE organisations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE organisations DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON users;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON memberships;
ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY;
ALTER TABLE memberships DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON api_clients;
ALTER TABLE api_clients NO FORCE ROW LEVEL SECURITY;
ALTER TABLE api_clients DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON agreements;
ALTER TABLE agreements NO FORCE ROW LEVEL SECURITY;
ALTER TABLE agreements DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON agreement_versions;
ALTER TABLE agreement_versions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE agreement_versions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON agreement_signatures;
ALTER TABLE agreement_signatures NO FORCE ROW LEVEL SECURITY;
ALTER TABLE agreement_signatures DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON consents;
ALTER TABLE consents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE consents DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON school_profiles;
ALTER TABLE school_profiles NO FORCE ROW LEVEL SECURITY;
ALTER TABLE school_profiles DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON access_events;
ALTER TABLE access_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE access_events DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON frameworks;
ALTER TABLE frameworks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE frameworks DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON framework_versions;
ALTER TABLE framework_versions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE framework_versions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON cycles;
ALTER TABLE cycles NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cycles DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON cycle_extensions;
ALTER TABLE cycle_extensions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cycle_extensions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON submissions;
ALTER TABLE submissions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE submissions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON submission_scores;
ALTER TABLE submission_scores NO FORCE ROW LEVEL SECURITY;
ALTER TABLE submission_scores DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON partnerships;
ALTER TABLE partnerships NO FORCE ROW LEVEL SECURITY;
ALTER TABLE partnerships DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON partnership_members;
ALTER TABLE partnership_members NO FORCE ROW LEVEL SECURITY;
ALTER TABLE partnership_members DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON audit_events;
ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY;

DROP POLICY client_lookup ON api_clients;
DROP POLICY tenant_isolation ON idempotency_keys;
ALTER TABLE idempotency_keys NO FORCE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys DISABLE ROW LEVEL SECURITY;

ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM concord_app;
REVOKE SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM concord_app;
REVOKE USAGE ON SCHEMA public FROM concord_app;
