//! API clients: client credentials for third-party frontends.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::tenant::TenantStatus;
use domain::user::Scope;
use domain::values::Name;
use domain::{ApiClientId, TenantId, UserId};

use crate::error::{parse, StoreResult};
use crate::schema::{api_clients, tenants};
use crate::store::{now, set_local, Page, PlatformTx, Tx};

#[derive(Queryable, Insertable)]
#[diesel(table_name = api_clients)]
struct ApiClientRow {
    tenant_id: String,
    id: String,
    name: String,
    secret_hash: String,
    scopes: String,
    status: String,
    created_by: String,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

/// An API client as its tenant admin sees it (never its secret).
#[derive(Debug, Clone)]
pub struct ApiClient {
    /// The client id, used as `client_id` at the token endpoint.
    pub id: ApiClientId,
    /// What it is for.
    pub name: Name,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Whether it still works.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A new API client.
#[derive(Debug, Clone)]
pub struct NewApiClient {
    /// What it is for.
    pub name: Name,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Who creates it.
    pub created_by: UserId,
}

/// What the token endpoint needs to check a client credential.
#[derive(Debug, Clone)]
pub struct ClientCredential {
    /// The client's tenant.
    pub tenant: TenantId,
    /// The argon2 hash of the secret.
    pub secret_hash: String,
    /// Whether the client can still act: not revoked and its tenant active.
    pub usable: bool,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

fn scopes(raw: &str) -> StoreResult<Vec<Scope>> {
    raw.split_whitespace()
        .map(|s| parse("api_clients.scopes", Scope::parse(s)))
        .collect()
}

impl ApiClientRow {
    fn into_domain(self) -> StoreResult<ApiClient> {
        Ok(ApiClient {
            id: parse("api_clients.id", ApiClientId::parse(&self.id))?,
            name: parse("api_clients.name", Name::parse(&self.name))?,
            scopes: scopes(&self.scopes)?,
            revoked_at: self.revoked_at.map(|t| t.and_utc()),
            created_by: parse("api_clients.created_by", UserId::parse(&self.created_by))?,
            created_at: self.created_at.and_utc(),
        })
    }
}

impl Tx<'_> {
    /// Creates an API client with the hash of its secret.
    pub fn insert_api_client(
        &mut self,
        id: &ApiClientId,
        new: NewApiClient,
        secret_hash: String,
    ) -> StoreResult<ApiClient> {
        let row = ApiClientRow {
            tenant_id: self.tenant.to_string(),
            id: id.to_string(),
            name: new.name.to_string(),
            secret_hash,
            scopes: new
                .scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            status: "active".into(),
            created_by: new.created_by.to_string(),
            created_at: now(),
            revoked_at: None,
        };
        diesel::insert_into(api_clients::table)
            .values(&row)
            .execute(self.conn)?;
        row.into_domain()
    }

    /// One API client of this tenant.
    pub fn api_client(&mut self, id: &ApiClientId) -> StoreResult<Option<ApiClient>> {
        let row: Option<ApiClientRow> = api_clients::table
            .find((self.tenant.as_str(), id.as_str()))
            .first(self.conn)
            .optional()?;
        row.map(ApiClientRow::into_domain).transpose()
    }

    /// API clients in id order.
    pub fn list_api_clients(&mut self, page: &Page) -> StoreResult<Vec<ApiClient>> {
        let mut q = api_clients::table
            .filter(api_clients::tenant_id.eq(self.tenant.as_str()))
            .order(api_clients::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        if let Some(after) = &page.after {
            q = q.filter(api_clients::id.gt(after.clone()));
        }
        q.load::<ApiClientRow>(self.conn)?
            .into_iter()
            .map(ApiClientRow::into_domain)
            .collect()
    }

    /// Revokes an API client; its tokens stop working at once. Idempotent.
    pub fn revoke_api_client(&mut self, id: &ApiClientId) -> StoreResult<Option<ApiClient>> {
        diesel::update(
            api_clients::table
                .find((self.tenant.as_str(), id.as_str()))
                .filter(api_clients::status.eq("active")),
        )
        .set((
            api_clients::status.eq("revoked"),
            api_clients::revoked_at.eq(now()),
        ))
        .execute(self.conn)?;
        self.api_client(id)
    }

    /// The scopes of a usable client of this tenant, read fresh for each request.
    pub fn client_principal(&mut self, id: &ApiClientId) -> StoreResult<Option<Vec<Scope>>> {
        let row: Option<(String, String, String)> = api_clients::table
            .inner_join(tenants::table.on(tenants::id.eq(api_clients::tenant_id)))
            .filter(api_clients::tenant_id.eq(self.tenant.as_str()))
            .filter(api_clients::id.eq(id.as_str()))
            .select((api_clients::scopes, api_clients::status, tenants::status))
            .first(self.conn)
            .optional()?;
        match row {
            Some((s, status, tenant)) if status == "active" && tenant == "active" => {
                scopes(&s).map(Some)
            }
            _ => Ok(None),
        }
    }
}

impl PlatformTx<'_> {
    /// The credential of a client, found by its id alone (the token endpoint does not know the
    /// tenant yet).
    pub fn client_credential(&mut self, id: &ApiClientId) -> StoreResult<Option<ClientCredential>> {
        // Row-level security lets this transaction read the one client it names, and no other.
        set_local(self.conn, "concord.client_lookup", id.as_str())?;
        let row: Option<(String, String, String, String, String)> = api_clients::table
            .inner_join(tenants::table.on(tenants::id.eq(api_clients::tenant_id)))
            .filter(api_clients::id.eq(id.as_str()))
            .select((
                api_clients::tenant_id,
                api_clients::secret_hash,
                api_clients::status,
                tenants::status,
                api_clients::scopes,
            ))
            .first(self.conn)
            .optional()?;
        row.map(|(tenant, secret_hash, status, tenant_status, s)| {
            Ok(ClientCredential {
                tenant: parse("api_clients.tenant_id", TenantId::parse(&tenant))?,
                secret_hash,
                usable: status == "active" && tenant_status == TenantStatus::Active.as_str(),
                scopes: scopes(&s)?,
            })
        })
        .transpose()
    }
}
