use actix_web::{get, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::OrganisationId;

use super::dto::OrganisationDto;
use super::ok_with_etag;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// One organisation, with its `ETag`.
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id, `org_…`")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationDto, headers(("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "organisation", OrganisationId::parse)?;
    auth.authorize(Action::Read, Resource::Organisation(Some(&id)))?;
    let org = state
        .db
        .read(auth.tenant()?, move |tx| {
            tx.organisation(&id)?
                .ok_or(ApiError::NotFound("organisation"))
        })
        .await?;
    Ok(ok_with_etag(&org))
}
