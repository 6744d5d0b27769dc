//! Issuing access and refresh tokens.

use chrono::{Duration, Utc};
use domain::{RefreshTokenId, TenantId};
use persistence::{PlatformTx, RefreshToken};
use serde::Serialize;
use utoipa::ToSchema;

use super::keys::Keys;
use super::secrets::{random_secret, sha256_hex};
use super::Claims;
use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The token endpoint's answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9...", "token_type": "Bearer",
    "expires_in": 900, "refresh_token": "rtk_01jd3k6q9y2m8x4n7v5b0c1t2r.Zb9…"
}))]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Exchange at the token endpoint for a new pair; single use. Absent for client credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// For API clients: the granted scopes, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Signs an access token for `subject`.
pub fn access_token(
    state: &AppState,
    subject: &str,
    tenant: Option<&TenantId>,
) -> ApiResult<(String, u64)> {
    let ttl = state.settings.access_token_ttl_secs;
    let token = sign_access_token(&state.keys, &state.settings, subject, tenant, ttl)
        .map_err(ApiError::internal)?;
    Ok((token, ttl))
}

/// Signs an access token for `subject` that lives `ttl_secs`.
pub fn sign_access_token(
    keys: &Keys,
    settings: &Settings,
    subject: &str,
    tenant: Option<&TenantId>,
    ttl_secs: u64,
) -> anyhow::Result<String> {
    let now = Utc::now().timestamp();
    keys.sign(&Claims {
        iss: settings.issuer.clone(),
        aud: settings.audience.clone(),
        sub: subject.to_owned(),
        tid: tenant.map(|t| t.to_string()),
        iat: now,
        exp: now + i64::try_from(ttl_secs).unwrap_or(900),
        jti: ulid::Ulid::new().to_string().to_lowercase(),
    })
}

/// Stores a new refresh token in `family` (a new family when `None`) and returns its text.
pub fn store_refresh_token(
    tx: &mut PlatformTx<'_>,
    ttl_secs: u64,
    subject: &str,
    tenant: Option<&TenantId>,
    family: Option<String>,
) -> ApiResult<String> {
    let id = RefreshTokenId::new();
    let secret = random_secret();
    let token = RefreshToken {
        family_id: family.unwrap_or_else(|| id.to_string()),
        id: id.clone(),
        tenant: tenant.cloned(),
        subject_id: subject.to_owned(),
        token_hash: sha256_hex(secret.as_bytes()),
        expires_at: Utc::now() + Duration::seconds(i64::try_from(ttl_secs).unwrap_or(0)),
        used: false,
        revoked: false,
    };
    tx.insert_refresh_token(&token)?;
    Ok(format!("{id}.{secret}"))
}

/// Splits `rtk_….secret` into its id and secret.
pub fn parse_refresh_token(raw: &str) -> Option<(RefreshTokenId, &str)> {
    let (id, secret) = raw.split_once('.')?;
    Some((RefreshTokenId::parse(id).ok()?, secret))
}
