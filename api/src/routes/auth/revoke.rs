use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::secrets::{constant_time_eq, sha256_hex};
use crate::auth::tokens::parse_refresh_token;
use crate::error::{ApiResult, Problem};
use crate::extract::form_or_json;
use crate::state::AppState;

/// A refresh token to revoke (RFC 7009).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// The refresh token.
    pub token: String,
}

/// Revoke a refresh token (signing out): it and every token rotated from the same sign-in stop
/// working. Answers 200 whether or not the token was valid (RFC 7009 §2.2).
#[utoipa::path(
    tag = "auth",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked (or was not valid)"),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither form nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/revoke")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let body: RevokeRequest = form_or_json(&req, &mut payload, 16 * 1024).await?;
    if let Some((id, secret)) = parse_refresh_token(&body.token) {
        let hash = sha256_hex(secret.as_bytes());
        state
            .db
            .platform(move |tx| {
                if let Some(t) = tx.refresh_token(&id)? {
                    if constant_time_eq(&t.token_hash, &hash) {
                        tx.revoke_refresh_family(&t.family_id)?;
                    }
                }
                Ok(())
            })
            .await?;
    }
    Ok(HttpResponse::Ok().finish())
}
