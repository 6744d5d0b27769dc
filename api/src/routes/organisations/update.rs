use actix_web::{patch, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::organisation::OrganisationStatus;
use domain::OrganisationId;

use super::dto::{OrganisationDto, UpdateOrganisationRequest};
use super::ok_with_etag;
use crate::audit::Actor;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body, IfMatch};
use crate::state::AppState;

/// Change an organisation's details (tenant admin, the school's head, or a client with
/// `organisations:write`). Send the `ETag` you read in `If-Match`.
#[utoipa::path(
    tag = "organisations",
    request_body = UpdateOrganisationRequest,
    params(
        ("id" = String, Path, description = "Organisation id, `org_…`"),
        ("If-Match" = String, Header, description = "The ETag from your last read"),
    ),
    responses(
        (status = 200, description = "Changed", body = OrganisationDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation in your tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Archived", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[patch("/organisations/{id}")]
pub async fn update_organisation(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Body<UpdateOrganisationRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "organisation", OrganisationId::parse)?;
    let changes = body.value.try_into_domain().map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let org = state
        .db
        .write(&tenant, move |tx| {
            let mut org = tx
                .organisation(&id)?
                .ok_or(ApiError::NotFound("organisation"))?;
            auth.authorize(Action::Update, Resource::Organisation(Some(&id)))?;
            if_match.check(org.version)?;
            if org.status == OrganisationStatus::Archived {
                return Err(ApiError::Conflict {
                    code: "archived",
                    detail: "an archived organisation cannot change".into(),
                });
            }
            org.apply(changes)?;
            let expected = org.version;
            if !tx.update_organisation(&mut org, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            tx.record(actor.event("organisation.updated", "organisation", &org.id))?;
            Ok(org)
        })
        .await?;
    Ok(ok_with_etag(&org))
}
