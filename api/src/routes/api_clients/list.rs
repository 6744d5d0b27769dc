use actix_web::{get, web, HttpResponse};

use super::dto::ApiClientDto;
use crate::auth::permissions::ListApiClients;
use crate::auth::Authorized;
use crate::error::{ApiResult, Problem};
use crate::extract::{PageQuery, Paginated};
use crate::state::AppState;

/// List the tenant's API clients, oldest first (tenant admin).
#[utoipa::path(
    tag = "api-clients",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of clients", body = Paginated<ApiClientDto>),
        (status = 400, description = "Invalid cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/api-clients")]
pub async fn list_api_clients(
    state: web::Data<AppState>,
    auth: Authorized<ListApiClients>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let p = page.clone();
    let rows = state
        .db
        .read(auth.tenant()?, move |tx| Ok(tx.list_api_clients(&p)?))
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |c| c.id.to_string(),
        |c| ApiClientDto::from(&c),
    )))
}
