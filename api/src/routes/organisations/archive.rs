use actix_web::{post, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::organisation::OrganisationStatus;
use domain::OrganisationId;

use super::dto::OrganisationDto;
use super::ok_with_etag;
use crate::audit::Actor;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// Archive an organisation: kept for history, no longer active. Archiving twice is harmless.
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id, `org_…`")),
    responses(
        (status = 200, description = "Archived", body = OrganisationDto, headers(("ETag" = String))),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/organisations/{id}/archive")]
pub async fn archive_organisation(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "organisation", OrganisationId::parse)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let org = state
        .db
        .write(&tenant, move |tx| {
            let mut org = tx
                .organisation(&id)?
                .ok_or(ApiError::NotFound("organisation"))?;
            auth.authorize(Action::Retire, Resource::Organisation(Some(&id)))?;
            if org.status != OrganisationStatus::Archived {
                org.status = OrganisationStatus::Archived;
                let expected = org.version;
                if !tx.update_organisation(&mut org, expected)? {
                    return Err(ApiError::PreconditionFailed);
                }
                tx.record(actor.event("organisation.archived", "organisation", &org.id))?;
            }
            Ok(org)
        })
        .await?;
    Ok(ok_with_etag(&org))
}
