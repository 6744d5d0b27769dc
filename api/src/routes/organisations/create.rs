use actix_web::{post, web, HttpResponse};

use super::dto::{CreateOrganisationRequest, OrganisationDto};
use super::urn_taken;
use crate::audit::Actor;
use crate::auth::permissions::CreateOrganisation;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, Body};
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

/// Register a school or partner organisation (tenant admin, or an API client with
/// `organisations:write`).
#[utoipa::path(
    tag = "organisations",
    request_body = CreateOrganisationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat")),
    responses(
        (status = 201, description = "Registered", body = OrganisationDto,
            headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "URN already registered (`urn_taken`)", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields, each with a pointer", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    auth: Authorized<CreateOrganisation>,
    idem: Idempotency,
    body: Body<CreateOrganisationRequest>,
) -> ApiResult<HttpResponse> {
    let new = body.value.try_into_domain().map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0, &tenant, &body.hash, move |tx| {
        let org = tx.insert_organisation(new).map_err(urn_taken)?;
        tx.record(actor.event("organisation.created", "organisation", &org.id))?;
        Ok(Written::created(
            OrganisationDto::from(&org),
            format!("/v1/organisations/{}", org.id),
        )
        .with_etag(etag(org.version)))
    })
    .await
}
