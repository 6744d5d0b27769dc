-- Agreements (MOU, terms of reference, data-sharing agreement), their numbered versions with a
-- typed JSON body, and each party's signature or refusal of a version.

CREATE TABLE agreements (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    id             TEXT NOT NULL,
    partnership_id TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('mou', 'terms_of_reference', 'data_sharing_agreement')),
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, partnership_id) REFERENCES partnerships (tenant_id, id)
);
CREATE INDEX agreements_partnership_idx ON agreements (tenant_id, partnership_id, kind);

CREATE TABLE agreement_versions (
    tenant_id      TEXT NOT NULL,
    agreement_id   TEXT NOT NULL,
    number         INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'open_for_signature', 'declined', 'in_force',
                                                   'superseded', 'expired', 'withdrawn')),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    review_date    DATE,
    end_date       DATE,
    effective_from DATE,
    version        INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, agreement_id, number),
    FOREIGN KEY (tenant_id, agreement_id) REFERENCES agreements (tenant_id, id)
);
CREATE INDEX agreement_versions_due_idx ON agreement_versions (tenant_id, status, review_date);

CREATE TABLE agreement_signatures (
    tenant_id       TEXT NOT NULL,
    agreement_id    TEXT NOT NULL,
    number          INTEGER NOT NULL,
    organisation_id TEXT NOT NULL,
    decision        TEXT NOT NULL CHECK (decision IN ('signed', 'declined')),
    user_id         TEXT NOT NULL,
    capacity        TEXT NOT NULL CHECK (capacity IN ('head', 'governor')),
    reason          TEXT,
    at              TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, agreement_id, number, organisation_id, at),
    FOREIGN KEY (tenant_id, agreement_id, number) REFERENCES agreement_versions (tenant_id, agreement_id, number),
    FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
