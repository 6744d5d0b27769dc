-- Evaluation frameworks (tenant-owned; the built-in default lives in code), cycles, per-school
-- extensions, submissions and their scores.

CREATE TABLE frameworks (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    id         TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE framework_versions (
    tenant_id    TEXT NOT NULL,
    framework_id TEXT NOT NULL,
    number       INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    name         TEXT NOT NULL,
    definition   TEXT NOT NULL,
    carried_over TEXT NOT NULL,
    version      INTEGER NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, framework_id, number),
    FOREIGN KEY (tenant_id, framework_id) REFERENCES frameworks (tenant_id, id)
);

CREATE TABLE cycles (
    tenant_id         TEXT NOT NULL,
    id                TEXT NOT NULL,
    partnership_id    TEXT NOT NULL,
    title             TEXT NOT NULL,
    framework_id      TEXT NOT NULL,
    framework_version INTEGER NOT NULL,
    opens_at          TIMESTAMP NOT NULL,
    closes_at         TIMESTAMP NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'published')),
    version           INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, partnership_id) REFERENCES partnerships (tenant_id, id)
);
CREATE INDEX cycles_partnership_idx ON cycles (tenant_id, partnership_id);

CREATE TABLE cycle_extensions (
    tenant_id       TEXT NOT NULL,
    cycle_id        TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    closes_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, cycle_id, organisation_id),
    FOREIGN KEY (tenant_id, cycle_id) REFERENCES cycles (tenant_id, id),
    FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id)
);

CREATE TABLE submissions (
    tenant_id       TEXT NOT NULL,
    cycle_id        TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    narratives      TEXT NOT NULL,
    version         INTEGER NOT NULL,
    submitted_at    TIMESTAMP,
    submitted_by    TEXT,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, cycle_id, organisation_id),
    FOREIGN KEY (tenant_id, cycle_id) REFERENCES cycles (tenant_id, id),
    FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id)
);

CREATE TABLE submission_scores (
    tenant_id         TEXT NOT NULL,
    cycle_id          TEXT NOT NULL,
    organisation_id   TEXT NOT NULL,
    criterion         TEXT NOT NULL,
    school_score      INTEGER,
    partnership_score INTEGER,
    not_yet_evidenced BOOLEAN NOT NULL,
    evidence          TEXT,
    PRIMARY KEY (tenant_id, cycle_id, organisation_id, criterion),
    FOREIGN KEY (tenant_id, cycle_id, organisation_id) REFERENCES submissions (tenant_id, cycle_id, organisation_id)
);
