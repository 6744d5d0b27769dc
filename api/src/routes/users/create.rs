use actix_web::{post, web, HttpResponse};

use super::dto::{CreateUserRequest, CreatedUserDto};
use super::service::{create_user as create, Credential};
use crate::audit::Actor;
use crate::auth::permissions::CreateUser;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, Body};
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

/// Create a user with a password, or invite one (tenant admin, or a client with `users:write`).
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat")),
    responses(
        (status = 201, description = "Created", body = CreatedUserDto, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email taken (`email_taken`)", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: Authorized<CreateUser>,
    idem: Idempotency,
    body: Body<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let (new, password) = body.value.try_into_domain().map_err(ApiError::from)?;
    let ttl = state.settings.invitation_ttl_secs;
    let credential = web::block(move || Credential::prepare(password, ttl)).await??;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0, &tenant, &body.hash, move |tx| {
        let created = create(tx, &actor, new, credential)?;
        let location = format!("/v1/users/{}", created.user.id);
        let tag = etag(created.user.version);
        Ok(Written::created(created, location).with_etag(tag))
    })
    .await
}
