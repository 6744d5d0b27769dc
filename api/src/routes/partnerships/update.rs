use actix_web::{patch, web, HttpResponse};
use domain::authz::Action;
use domain::partnership::PartnershipStatus;
use domain::PartnershipId;

use super::dto::{PartnershipDto, UpdatePartnershipRequest};
use super::{check_references, load_for_write, ok_with_etag};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body, IfMatch};
use crate::state::AppState;

/// Change a partnership's name, vision, aims, broker, coordinator or chair (tenant admin,
/// coordinator, or the lead school's head). Send the `ETag` in `If-Match`.
#[utoipa::path(
    tag = "partnerships",
    request_body = UpdatePartnershipRequest,
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("If-Match" = String, Header, description = "The ETag from your last read"),
    ),
    responses(
        (status = 200, description = "Changed", body = PartnershipDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Dissolved", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[patch("/partnerships/{id}")]
pub async fn update_partnership(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Body<UpdatePartnershipRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let changes = body.value.try_into_domain().map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let p = state
        .db
        .write(&tenant, move |tx| {
            let l = load_for_write(tx, &id)?;
            l.authorize(&auth, Action::Update)?;
            let mut p = l.p;
            if_match.check(p.version)?;
            if p.status == PartnershipStatus::Dissolved {
                return Err(ApiError::Conflict {
                    code: "dissolved",
                    detail: "a dissolved partnership cannot change".into(),
                });
            }
            check_references(
                tx,
                &[
                    (
                        "/coordinator_id",
                        changes.coordinator.as_ref().and_then(Option::as_ref),
                    ),
                    ("/chair_id", changes.chair.as_ref().and_then(Option::as_ref)),
                ],
                &[(
                    "/broker_organisation_id",
                    changes.broker.as_ref().and_then(Option::as_ref),
                )],
            )?;
            let mut fields = Vec::new();
            if let Some(n) = changes.name {
                p.name = n;
                fields.push("name");
            }
            if let Some(v) = changes.vision {
                p.vision = v;
                fields.push("vision");
            }
            if let Some(a) = changes.aims {
                p.aims = a;
                fields.push("aims");
            }
            if let Some(b) = changes.broker {
                p.broker = b;
                fields.push("broker_organisation_id");
            }
            if let Some(c) = changes.coordinator {
                p.coordinator = c;
                fields.push("coordinator_id");
            }
            if let Some(c) = changes.chair {
                p.chair = c;
                fields.push("chair_id");
            }
            let expected = p.version;
            if !tx.update_partnership(&mut p, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            tx.record(
                actor
                    .event("partnership.updated", "partnership", &p.id)
                    .in_partnership(&p.id)
                    .with(serde_json::json!({ "fields": fields })),
            )?;
            Ok(p)
        })
        .await?;
    Ok(ok_with_etag(&p))
}
