use actix_web::{get, web, HttpResponse};

use super::dto::TenantDto;
use crate::auth::permissions::ManageTenants;
use crate::auth::Authorized;
use crate::error::{ApiResult, Problem};
use crate::extract::{PageQuery, Paginated};
use crate::state::AppState;

/// List tenants, oldest first (platform admin).
#[utoipa::path(
    tag = "tenants",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of tenants", body = Paginated<TenantDto>),
        (status = 400, description = "Invalid cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a platform admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/tenants")]
pub async fn list_tenants(
    state: web::Data<AppState>,
    _auth: Authorized<ManageTenants>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let p = page.clone();
    let rows = state
        .db
        .platform(move |tx| Ok(tx.list_tenants(&p)?))
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |t| t.id.to_string(),
        |t| TenantDto::from(&t),
    )))
}
