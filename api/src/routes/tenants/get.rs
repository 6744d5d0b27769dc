use actix_web::{get, web, HttpResponse};
use domain::TenantId;

use super::dto::TenantDto;
use crate::auth::permissions::ManageTenants;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// One tenant (platform admin).
#[utoipa::path(
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id, `ten_…`")),
    responses(
        (status = 200, description = "The tenant", body = TenantDto),
        (status = 403, description = "Not a platform admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/tenants/{id}")]
pub async fn get_tenant(
    state: web::Data<AppState>,
    _auth: Authorized<ManageTenants>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "tenant", TenantId::parse)?;
    let t = state
        .db
        .platform(move |tx| tx.tenant(&id)?.ok_or(ApiError::NotFound("tenant")))
        .await?;
    Ok(HttpResponse::Ok().json(TenantDto::from(&t)))
}
