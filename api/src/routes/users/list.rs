use actix_web::{get, web, HttpResponse};
use domain::user::UserStatus;
use domain::OrganisationId;
use persistence::UserFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::UserDto;
use crate::auth::permissions::ListUsers;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{PageQuery, Paginated};
use crate::state::AppState;

/// Filters for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users with a role in this organisation.
    pub organisation_id: Option<String>,
    /// `invited`, `active` or `deactivated`.
    pub status: Option<String>,
}

/// List the tenant's users, oldest first (tenant admin, or a client with `users:read`).
#[utoipa::path(
    tag = "users",
    params(UserQuery, PageQuery),
    responses(
        (status = 200, description = "A page of users", body = Paginated<UserDto>),
        (status = 400, description = "Invalid cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: Authorized<ListUsers>,
    query: web::Query<UserQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let filter = UserFilter {
        organisation: query
            .organisation_id
            .as_deref()
            .map(|o| {
                OrganisationId::parse(o).map_err(|e| {
                    ApiError::invalid("/query/organisation_id", "invalid_id", e.to_string())
                })
            })
            .transpose()?,
        status: query
            .status
            .as_deref()
            .map(|s| {
                UserStatus::parse(s)
                    .map_err(|e| ApiError::invalid("/query/status", "invalid_choice", e.0))
            })
            .transpose()?,
    };
    let p = page.clone();
    let rows = state
        .db
        .read(auth.tenant()?, move |tx| Ok(tx.list_users(&filter, &p)?))
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |u| u.id.to_string(),
        |u| UserDto::from(&u),
    )))
}
