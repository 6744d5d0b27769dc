-- Indexes for the hot paths measured by `concord bench load` (docs/performance.md). Each one
-- serves a filter and its ORDER BY together, so the rows come out of the index in order: a
-- school's consents by id (the consent checks of the named-scores view), a partnership's
-- members by id (every partnership read), and a partnership's cycles by id (the analysis
-- trend). They replace the shorter indexes on the same leading columns.
CREATE INDEX consents_grantor_id_idx ON consents (tenant_id, grantor_id, id);
DROP INDEX consents_grantor_idx;
CREATE INDEX partnership_members_partnership_id_idx ON partnership_members (tenant_id, partnership_id, id);
DROP INDEX partnership_members_partnership_idx;
CREATE INDEX cycles_partnership_id_idx ON cycles (tenant_id, partnership_id, id);
DROP INDEX cycles_partnership_idx;
