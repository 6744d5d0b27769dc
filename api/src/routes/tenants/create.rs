use actix_web::{post, web, HttpResponse};
use persistence::StoreError;

use super::dto::{CreateTenantRequest, TenantDto};
use crate::audit::Actor;
use crate::auth::permissions::ManageTenants;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Body;
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

/// Create a tenant (platform admin).
#[utoipa::path(
    tag = "tenants",
    request_body = CreateTenantRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat")),
    responses(
        (status = 201, description = "Created", body = TenantDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a platform admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken (`slug_taken`)", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/tenants")]
pub async fn create_tenant(
    state: web::Data<AppState>,
    auth: Authorized<ManageTenants>,
    idem: Idempotency,
    body: Body<CreateTenantRequest>,
) -> ApiResult<HttpResponse> {
    let new = body.value.try_into_domain().map_err(ApiError::from)?;
    let actor = Actor::of(&auth.0);
    idem.platform(&state, &auth.0, &body.hash, move |tx| {
        let t = tx.insert_tenant(&new).map_err(|e| match e {
            StoreError::Conflict(c) if c.contains("slug") => ApiError::Conflict {
                code: "slug_taken",
                detail: "a tenant with this slug exists".into(),
            },
            other => other.into(),
        })?;
        tx.record_for(&t.id, actor.event("tenant.created", "tenant", &t.id))?;
        Ok(Written::created(
            TenantDto::from(&t),
            format!("/v1/tenants/{}", t.id),
        ))
    })
    .await
}
