//! API client request and response bodies.

use chrono::{DateTime, Utc};
use domain::user::Scope;
use domain::values::Name;
use domain::Validation;
use persistence::ApiClient;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Create a client credential for a third-party frontend.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "name": "LA dashboard", "scopes": ["organisations:read", "users:read"] }))]
pub struct CreateApiClientRequest {
    /// What the client is for.
    pub name: String,
    /// `organisations:read`, `organisations:write`, `users:read`, `users:write`.
    pub scopes: Vec<String>,
}

impl CreateApiClientRequest {
    /// Validates every field.
    pub fn try_into_domain(self) -> Result<(Name, Vec<Scope>), Validation> {
        let mut v = Validation::default();
        let name = v.check("/name", Name::parse(&self.name));
        if self.scopes.len() > Scope::ALL.len() {
            v.push("/scopes", "too_many", "each scope at most once");
        }
        let mut scopes = Vec::new();
        for (i, s) in self.scopes.iter().enumerate().take(Scope::ALL.len() + 1) {
            if let Some(s) = v.check(&format!("/scopes/{i}"), Scope::parse(s)) {
                if scopes.contains(&s) {
                    v.push(
                        format!("/scopes/{i}"),
                        "duplicate",
                        "each scope at most once",
                    );
                }
                scopes.push(s);
            }
        }
        v.finish(|| Some((name?, scopes)))
    }
}

/// An API client (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientDto {
    /// The `client_id`, `cli_…`.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// `active` or `revoked`.
    pub status: &'static str,
    /// The tenant admin who created it.
    pub created_by: String,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiClient> for ApiClientDto {
    fn from(c: &ApiClient) -> Self {
        ApiClientDto {
            id: c.id.to_string(),
            name: c.name.to_string(),
            scopes: c.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            status: if c.revoked_at.is_some() {
                "revoked"
            } else {
                "active"
            },
            created_by: c.created_by.to_string(),
            created_at: c.created_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// A client just created, with its secret: shown this once, stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiClientDto {
    /// The client.
    #[serde(flatten)]
    pub client: ApiClientDto,
    /// Use with `client_id` at `POST /v1/auth/token` (`grant_type=client_credentials`).
    pub client_secret: String,
}
