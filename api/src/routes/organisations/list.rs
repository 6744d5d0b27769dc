use actix_web::{get, web, HttpResponse};
use domain::organisation::OrganisationStatus;
use persistence::OrganisationFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{KindDto, OrganisationDto};
use crate::auth::permissions::ListOrganisations;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{PageQuery, Paginated};
use crate::state::AppState;

/// Filters for the organisation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Only schools or only partners.
    pub kind: Option<KindDto>,
    /// `active` or `archived`.
    pub status: Option<String>,
    /// Only the school with this URN.
    pub urn: Option<String>,
}

/// List the tenant's organisations, oldest first.
#[utoipa::path(
    tag = "organisations",
    params(OrganisationQuery, PageQuery),
    responses(
        (status = 200, description = "A page of organisations", body = Paginated<OrganisationDto>),
        (status = 400, description = "Invalid cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Platform admin, or client without `organisations:read`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    auth: Authorized<ListOrganisations>,
    filter: web::Query<OrganisationQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let status = filter
        .status
        .as_deref()
        .map(|s| {
            OrganisationStatus::parse(s)
                .map_err(|e| ApiError::invalid("/query/status", "invalid_choice", e.0))
        })
        .transpose()?;
    let filter = OrganisationFilter {
        schools: filter.kind.map(|k| k == KindDto::School),
        status,
        urn: filter.urn.clone(),
    };
    let p = page.clone();
    let rows = state
        .db
        .read(auth.tenant()?, move |tx| {
            Ok(tx.list_organisations(&filter, &p)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |o| o.id.to_string(),
        |o| OrganisationDto::from(&o),
    )))
}
