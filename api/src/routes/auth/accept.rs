use actix_web::{post, web, HttpResponse};
use chrono::Utc;
use domain::values::Password;
use domain::{TenantId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::audit::Actor;
use crate::auth::secrets::{constant_time_eq, hash_password, sha256_hex};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Body;
use crate::state::AppState;

/// Accept an invitation by choosing a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "invitation_token": "ten_….usr_….secret", "password": "correct horse battery" }))]
pub struct AcceptInvitationRequest {
    /// The `invitation_token` returned when the user was invited.
    pub invitation_token: String,
    /// The new password, at least 12 characters.
    pub password: String,
}

/// Splits `ten_….usr_….secret`.
fn parse_invitation(raw: &str) -> Option<(TenantId, UserId, &str)> {
    let mut parts = raw.splitn(3, '.');
    let tenant = TenantId::parse(parts.next()?).ok()?;
    let user = UserId::parse(parts.next()?).ok()?;
    Some((tenant, user, parts.next()?))
}

/// An invited user sets their password; they can then sign in.
#[utoipa::path(
    tag = "auth",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 204, description = "Accepted: sign in with the new password"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The invitation is not valid, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Password too weak", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/invitations/accept")]
pub async fn accept_user_invitation(
    state: web::Data<AppState>,
    body: Body<AcceptInvitationRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.value;
    let password = Password::parse(&body.password)
        .map_err(|e| ApiError::invalid("/password", "weak_password", e.0))?;
    let refused =
        || ApiError::Unauthenticated("the invitation is not valid, already used or expired".into());
    let (tenant, user, secret) = parse_invitation(&body.invitation_token).ok_or_else(refused)?;
    let secret_hash = sha256_hex(secret.as_bytes());
    let password_hash = web::block(move || hash_password(password.expose()))
        .await?
        .map_err(ApiError::internal)?;
    let actor = Actor::user(&user);
    let accepted = state
        .db
        .write(&tenant, move |tx| {
            let Some((stored, expires)) = tx.invitation(&user)? else {
                return Ok(false);
            };
            if !constant_time_eq(&stored, &secret_hash) || expires <= Utc::now() {
                return Ok(false);
            }
            let accepted = tx.accept_invitation(&user, &password_hash)?;
            if accepted {
                tx.record(actor.event("user.invitation_accepted", "user", &user))?;
            }
            Ok(accepted)
        })
        .await;
    match accepted {
        Ok(true) => Ok(HttpResponse::NoContent().finish()),
        // A well-formed token naming a tenant that does not exist fails like any other.
        Ok(false) | Err(ApiError::Conflict { .. }) => Err(refused()),
        Err(e) => Err(e),
    }
}
