CREATE INDEX cycles_partnership_idx ON cycles (tenant_id, partnership_id);
DROP INDEX cycles_partnership_id_idx;
CREATE INDEX partnership_members_partnership_idx ON partnership_members (tenant_id, partnership_id);
DROP INDEX partnership_members_partnership_id_idx;
CREATE INDEX consents_grantor_idx ON consents (tenant_id, grantor_id);
DROP INDEX consents_grantor_id_idx;
