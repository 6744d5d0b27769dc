-- Foundation: tenants, platform admins, organisations, users, memberships, API clients,
-- refresh tokens and idempotency records. Every tenant table has tenant_id first in its primary
-- key and in every foreign key, so that no row can point into another tenant.

CREATE TABLE tenants (
    id            TEXT PRIMARY KEY,
    slug          TEXT NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    suppression_k INTEGER NOT NULL DEFAULT 3 CHECK (suppression_k >= 3),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CONSTRAINT tenants_slug_key UNIQUE (slug)
);

CREATE TABLE platform_admins (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    CONSTRAINT platform_admins_email_key UNIQUE (email)
);

CREATE TABLE organisations (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('school', 'partner')),
    urn          TEXT,
    phase        TEXT,
    school_type  TEXT,
    la_code      TEXT,
    partner_kind TEXT,
    status       TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    version      INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT organisations_urn_key UNIQUE (tenant_id, urn),
    CHECK ((kind = 'school' AND urn IS NOT NULL AND phase IS NOT NULL AND school_type IS NOT NULL
            AND la_code IS NOT NULL AND partner_kind IS NULL)
        OR (kind = 'partner' AND urn IS NULL AND phase IS NULL AND school_type IS NULL
            AND la_code IS NULL AND partner_kind IS NOT NULL))
);

CREATE TABLE users (
    tenant_id             TEXT NOT NULL REFERENCES tenants (id),
    id                    TEXT NOT NULL,
    email                 TEXT NOT NULL,
    name                  TEXT NOT NULL,
    tenant_admin          BOOLEAN NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('invited', 'active', 'deactivated')),
    password_hash         TEXT,
    invitation_hash       TEXT,
    invitation_expires_at TIMESTAMP,
    version               INTEGER NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_email_key UNIQUE (tenant_id, email)
);

CREATE TABLE memberships (
    tenant_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('head', 'leader', 'staff', 'governor')),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id, organisation_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id)
);
CREATE INDEX memberships_organisation_idx ON memberships (tenant_id, organisation_id);

CREATE TABLE api_clients (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
-- A client credential names its client, not its tenant: the token endpoint finds it by id.
CREATE UNIQUE INDEX api_clients_id_idx ON api_clients (id);

-- Refresh tokens belong to a tenant's user, or to a platform admin (tenant_id NULL). They are
-- found by id before the tenant is known, so they are not a tenant table.
CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    tenant_id  TEXT REFERENCES tenants (id),
    subject_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_subject_idx ON refresh_tokens (subject_id);

-- Idempotency keys, scoped to the tenant (or 'platform'), the principal and the route, stored
-- in the same transaction as the write they protect.
CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    principal_id  TEXT NOT NULL,
    route         TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    location      TEXT,
    etag          TEXT,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, principal_id, route, idem_key)
);
