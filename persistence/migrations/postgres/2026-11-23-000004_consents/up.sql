-- Data-sharing consents (history: revoked, never deleted or edited), each school's published
-- data per category, and the append-only access audit ("who viewed our data").

CREATE TABLE consents (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL,
    grantor_id      TEXT NOT NULL,
    grantee_kind    TEXT NOT NULL CHECK (grantee_kind IN ('partnership', 'organisation', 'tenant')),
    grantee_id      TEXT,
    categories      TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    dsa_id          TEXT,
    valid_from      DATE NOT NULL,
    valid_until     DATE,
    granted_by      TEXT NOT NULL,
    granted_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    revoked_by      TEXT,
    revoke_reason   TEXT,
    expiry_recorded BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, grantor_id) REFERENCES organisations (tenant_id, id),
    FOREIGN KEY (tenant_id, dsa_id) REFERENCES agreements (tenant_id, id),
    FOREIGN KEY (tenant_id, granted_by) REFERENCES users (tenant_id, id),
    CHECK ((grantee_kind = 'tenant') = (grantee_id IS NULL))
);
CREATE INDEX consents_grantor_idx ON consents (tenant_id, grantor_id);
CREATE INDEX consents_grantee_idx ON consents (tenant_id, grantee_kind, grantee_id);

CREATE TABLE school_profiles (
    tenant_id       TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    category        TEXT NOT NULL,
    content         TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, organisation_id, category),
    FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id)
);

CREATE TABLE access_events (
    tenant_id              TEXT NOT NULL REFERENCES tenants (id),
    id                     TEXT NOT NULL,
    at                     TIMESTAMP NOT NULL,
    viewer_kind            TEXT NOT NULL,
    viewer_id              TEXT NOT NULL,
    viewer_organisation_id TEXT,
    owner_organisation_id  TEXT NOT NULL,
    category               TEXT NOT NULL,
    resource               TEXT NOT NULL,
    consent_id             TEXT,
    request_id             TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX access_events_owner_idx ON access_events (tenant_id, owner_organisation_id, id);

CREATE FUNCTION access_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_events_no_update BEFORE UPDATE OR DELETE ON access_events
    FOR EACH ROW EXECUTE FUNCTION access_events_append_only();
CREATE TRIGGER access_events_no_truncate BEFORE TRUNCATE ON access_events
    FOR EACH STATEMENT EXECUTE FUNCTION access_events_append_only();
