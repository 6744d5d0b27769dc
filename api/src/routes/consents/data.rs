//! A school's published data per category: the small end-to-end exercise of the sharing rules
//! before evaluations exist. Reads of another school's data go through the visibility function
//! with the consent facts loaded in the same transaction, and leave an access-audit row in it.

use actix_web::{get, put, web, HttpResponse};
use domain::authz::{named_data, Action, NamedDataAccess, Resource};
use domain::consent::DataCategory;
use domain::OrganisationId;

use super::dto::{PublishDataRequest, SchoolDataDto};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body};
use crate::request_id;
use crate::routes::agreements::today;
use crate::sharing;
use crate::state::AppState;

fn category(raw: &str) -> ApiResult<DataCategory> {
    DataCategory::parse(raw).map_err(|_| ApiError::NotFound("data category"))
}

/// Publish your school's data in one category (its head or a leader). Replaces what was there.
#[utoipa::path(
    tag = "consents",
    request_body = PublishDataRequest,
    params(
        ("id" = String, Path, description = "Your school, `org_…`"),
        ("category" = String, Path, description = "`evaluation_scores`, `evaluation_narrative`, `attendance`, `attainment`"),
    ),
    responses(
        (status = 200, description = "Published", body = SchoolDataDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the school's head or a leader", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or category", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Not an object", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[put("/organisations/{id}/data/{category}")]
pub async fn publish_school_data(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: Body<PublishDataRequest>,
) -> ApiResult<HttpResponse> {
    let (id, cat) = path.into_inner();
    let org = path_id(&id, "organisation", OrganisationId::parse)?;
    let category = category(&cat)?;
    let content = serde_json::Value::Object(body.value.content);
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let by = auth.0.id_str().to_owned();
    let dto = state
        .db
        .write(&tenant, move |tx| {
            tx.organisation(&org)?
                .ok_or(ApiError::NotFound("organisation"))?;
            auth.authorize(Action::Update, Resource::SchoolProfile(&org))?;
            let at = tx.put_school_profile(&org, category, &content.to_string(), &by)?;
            tx.record(
                actor
                    .event("school_data.published", "organisation", &org)
                    .with(serde_json::json!({ "category": category })),
            )?;
            Ok(SchoolDataDto {
                organisation_id: org.to_string(),
                category: category.as_str().into(),
                content,
                updated_at: at,
                access: "own_school",
                consent_id: None,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// A school's published data in one category: its own users always; anyone else only while an
/// active consent of the school allows it (then the read is recorded in the school's access
/// log); otherwise 403 `no_consent`.
#[utoipa::path(
    tag = "consents",
    params(
        ("id" = String, Path, description = "School id, `org_…`"),
        ("category" = String, Path, description = "`evaluation_scores`, `evaluation_narrative`, `attendance`, `attainment`"),
    ),
    responses(
        (status = 200, description = "The data", body = SchoolDataDto),
        (status = 403, description = "No consent allows it (`no_consent`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, category or published data", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/organisations/{id}/data/{category}")]
pub async fn read_school_data(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cat) = path.into_inner();
    let org = path_id(&id, "organisation", OrganisationId::parse)?;
    let category = category(&cat)?;
    let tenant = auth.tenant()?.clone();
    let request = request_id::current().map(|r| r.to_string());
    let resource = format!("/v1/organisations/{org}/data/{category}");
    // A read that is allowed by consent writes its access row in the same transaction.
    let dto = state
        .db
        .write(&tenant, move |tx| {
            tx.organisation(&org)?
                .ok_or(ApiError::NotFound("organisation"))?;
            let consents = sharing::consents_of(tx, &org)?;
            let access = named_data(&auth.0, &org, category, &consents, today());
            let (label, consent) = match access {
                NamedDataAccess::OwnSchool => ("own_school", None),
                NamedDataAccess::Consent {
                    consent,
                    viewer_organisation,
                } => {
                    // Nothing published: nothing read, nothing to record.
                    tx.school_profile(&org, category)?
                        .ok_or(ApiError::NotFound("published data"))?;
                    sharing::record_read(
                        tx,
                        &auth.0,
                        request.as_deref(),
                        sharing::NamedRead {
                            owner: &org,
                            category,
                            resource: &resource,
                            consent: &consent,
                            viewer_organisation,
                        },
                    )?;
                    ("consent", Some(consent.to_string()))
                }
                NamedDataAccess::Denied(why) => return Err(ApiError::Forbidden(why)),
            };
            let (content, updated_at) = tx
                .school_profile(&org, category)?
                .ok_or(ApiError::NotFound("published data"))?;
            Ok(SchoolDataDto {
                organisation_id: org.to_string(),
                category: category.as_str().into(),
                content: serde_json::from_str(&content).unwrap_or(serde_json::Value::Null),
                updated_at,
                access: label,
                consent_id: consent,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto))
}
