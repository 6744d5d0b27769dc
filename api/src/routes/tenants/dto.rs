//! Tenant request and response bodies.

use chrono::{DateTime, Utc};
use domain::tenant::{NewTenant, Tenant};
use domain::values::{Name, Slug};
use domain::Validation;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Create a tenant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "slug": "north-shire", "name": "North Shire Council" }))]
pub struct CreateTenantRequest {
    /// Sign-in short name: 3–63 of `a-z`, `0-9`, `-`; unique on the platform.
    pub slug: String,
    /// Display name.
    pub name: String,
}

impl CreateTenantRequest {
    /// Validates every field.
    pub fn try_into_domain(self) -> Result<NewTenant, Validation> {
        let mut v = Validation::default();
        let slug = v.check("/slug", Slug::parse(&self.slug));
        let name = v.check("/name", Name::parse(&self.name));
        v.finish(|| {
            Some(NewTenant {
                slug: slug?,
                name: name?,
            })
        })
    }
}

/// A tenant's metadata (all a platform admin sees).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "ten_01jd3k6q9y2m8x4n7v5b0c1t2s", "slug": "north-shire", "name": "North Shire Council",
    "status": "active", "suppression_k": 3,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"
}))]
pub struct TenantDto {
    /// Opaque id, `ten_…`.
    pub id: String,
    /// Sign-in short name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Aggregates over fewer schools than this are suppressed (never below 3).
    pub suppression_k: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Tenant> for TenantDto {
    fn from(t: &Tenant) -> Self {
        TenantDto {
            id: t.id.to_string(),
            slug: t.slug.to_string(),
            name: t.name.to_string(),
            status: t.status.as_str().into(),
            suppression_k: t.suppression_k,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Create a tenant's first admin: with a password, or invited (the response then carries an
/// `invitation_token`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "email": "officer@northshire.example", "name": "Olive Officer", "password": "correct horse battery" }))]
pub struct CreateTenantAdminRequest {
    /// Sign-in email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// At least 12 characters; omit to invite instead.
    pub password: Option<String>,
}
