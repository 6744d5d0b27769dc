use actix_web::{get, web, HttpResponse};
use domain::authz::{decide, Action, Principal, Resource};
use domain::partnership::{PartnershipKind, PartnershipStatus};
use persistence::PartnershipFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::PartnershipDto;
use crate::auth::permissions::ListPartnerships;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{PageQuery, Paginated};
use crate::state::AppState;

/// Filters for the partnership list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnershipQuery {
    /// Only this status.
    pub status: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
}

/// List partnerships, oldest first: every partnership of the tenant for a tenant admin (or a
/// client with `partnerships:read`); for anyone else, those their organisations are active
/// members of, or that they coordinate or chair.
#[utoipa::path(
    tag = "partnerships",
    params(PartnershipQuery, PageQuery),
    responses(
        (status = 200, description = "A page of partnerships", body = Paginated<PartnershipDto>),
        (status = 400, description = "Invalid cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Platform admin, or client without `partnerships:read`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships")]
pub async fn list_partnerships(
    state: web::Data<AppState>,
    auth: Authorized<ListPartnerships>,
    query: web::Query<PartnershipQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            PartnershipStatus::parse(s)
                .map_err(|e| ApiError::invalid("/query/status", "invalid_choice", e.0))
        })
        .transpose()?;
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            PartnershipKind::parse(k)
                .map_err(|e| ApiError::invalid("/query/kind", "invalid_choice", e.0))
        })
        .transpose()?;
    let visible_to = if decide(&auth.0, Action::Read, Resource::AllPartnerships).is_allowed() {
        None
    } else {
        match &auth.0 {
            Principal::User(u) => Some((
                u.id.clone(),
                u.memberships
                    .iter()
                    .map(|m| m.organisation_id.clone())
                    .collect(),
            )),
            _ => return Err(ApiError::Forbidden("insufficient_scope")),
        }
    };
    let filter = PartnershipFilter {
        status,
        kind,
        visible_to,
    };
    let p = page.clone();
    let rows = state
        .db
        .read(auth.tenant()?, move |tx| {
            Ok(tx.list_partnerships(&filter, &p)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |p| p.id.to_string(),
        |p| PartnershipDto::from(&p),
    )))
}
