use actix_web::{post, web, HttpResponse};
use domain::tenant::TenantStatus;
use domain::TenantId;

use super::dto::TenantDto;
use crate::audit::Actor;
use crate::auth::permissions::ManageTenants;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

async fn set_status(
    state: &AppState,
    auth: &Authorized<ManageTenants>,
    raw: &str,
    status: TenantStatus,
) -> ApiResult<HttpResponse> {
    let id = path_id(raw, "tenant", TenantId::parse)?;
    let actor = Actor::of(&auth.0);
    let action = match status {
        TenantStatus::Suspended => "tenant.suspended",
        TenantStatus::Active => "tenant.reactivated",
    };
    let t = state
        .db
        .platform(move |tx| {
            let before = tx.tenant(&id)?.ok_or(ApiError::NotFound("tenant"))?;
            let after = tx
                .set_tenant_status(&id, status)?
                .ok_or(ApiError::NotFound("tenant"))?;
            if before.status != status {
                tx.record_for(&id, actor.event(action, "tenant", &id))?;
            }
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(TenantDto::from(&t)))
}

/// Suspend a tenant: every credential of the tenant stops working at once (platform admin).
/// Suspending twice is harmless.
#[utoipa::path(
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id, `ten_…`")),
    responses(
        (status = 200, description = "Suspended", body = TenantDto),
        (status = 403, description = "Not a platform admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{id}/suspend")]
pub async fn suspend_tenant(
    state: web::Data<AppState>,
    auth: Authorized<ManageTenants>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(&state, &auth, &id, TenantStatus::Suspended).await
}

/// Reactivate a suspended tenant (platform admin).
#[utoipa::path(
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id, `ten_…`")),
    responses(
        (status = 200, description = "Active", body = TenantDto),
        (status = 403, description = "Not a platform admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{id}/reactivate")]
pub async fn reactivate_tenant(
    state: web::Data<AppState>,
    auth: Authorized<ManageTenants>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(&state, &auth, &id, TenantStatus::Active).await
}
