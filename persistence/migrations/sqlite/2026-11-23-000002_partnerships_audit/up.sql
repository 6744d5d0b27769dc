-- Partnerships, their members (one row per stint, so history is kept), and the change audit.

CREATE TABLE partnerships (
    tenant_id              TEXT NOT NULL REFERENCES tenants (id),
    id                     TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    name                   TEXT NOT NULL,
    vision                 TEXT,
    aims                   TEXT NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('proposed', 'forming', 'active', 'suspended', 'dissolved')),
    broker_organisation_id TEXT,
    coordinator_id         TEXT,
    chair_id               TEXT,
    created_by             TEXT NOT NULL,
    version                INTEGER NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, broker_organisation_id) REFERENCES organisations (tenant_id, id),
    FOREIGN KEY (tenant_id, coordinator_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, chair_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX partnerships_coordinator_idx ON partnerships (tenant_id, coordinator_id);
CREATE INDEX partnerships_chair_idx ON partnerships (tenant_id, chair_id);

CREATE TABLE partnership_members (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    partnership_id  TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('lead', 'member', 'sponsor', 'associate')),
    status          TEXT NOT NULL CHECK (status IN ('invited', 'active', 'declined', 'left', 'removed')),
    point_person_id TEXT,
    invited_by      TEXT NOT NULL,
    invited_at      TIMESTAMP NOT NULL,
    joined_at       TIMESTAMP,
    left_at         TIMESTAMP,
    reason          TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, partnership_id) REFERENCES partnerships (tenant_id, id),
    FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id),
    FOREIGN KEY (tenant_id, point_person_id) REFERENCES users (tenant_id, id)
);
-- At most one current (invited or active) stint per organisation and partnership.
CREATE UNIQUE INDEX partnership_members_current_key
    ON partnership_members (tenant_id, partnership_id, organisation_id)
    WHERE status IN ('invited', 'active');
CREATE INDEX partnership_members_partnership_idx ON partnership_members (tenant_id, partnership_id);
CREATE INDEX partnership_members_organisation_idx ON partnership_members (tenant_id, organisation_id, status);

-- The change audit: append-only. Triggers refuse UPDATE and DELETE from anyone.
CREATE TABLE audit_events (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    id             TEXT NOT NULL,
    at             TIMESTAMP NOT NULL,
    actor_kind     TEXT NOT NULL,
    actor_id       TEXT NOT NULL,
    action         TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    partnership_id TEXT,
    request_id     TEXT,
    details        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_partnership_idx ON audit_events (tenant_id, partnership_id, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
