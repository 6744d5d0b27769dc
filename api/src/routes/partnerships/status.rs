use actix_web::{post, web, HttpResponse};
use domain::authz::Action;
use domain::PartnershipId;

use super::dto::{parse_status, PartnershipDto, ReasonRequest, StatusRequest};
use super::load_for_write;
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, path_id, Body};
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

/// Suspend, reactivate or dissolve a partnership (tenant admin, coordinator, or the lead
/// school's head). Only `active → suspended`, `suspended → active`, and any open status →
/// `dissolved` are allowed; anything else is 409 `illegal_transition` with `current_status`.
#[utoipa::path(
    tag = "partnerships",
    request_body = StatusRequest,
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Moved", body = PartnershipDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Illegal transition (`illegal_transition`, with `current_status`)", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/status")]
pub async fn change_partnership_status(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    id: web::Path<String>,
    body: Body<StatusRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let to = parse_status(&body.value.status).map_err(ApiError::from)?;
    let reason = ReasonRequest {
        reason: body.value.reason.clone(),
    }
    .reason(false)
    .map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let l = load_for_write(tx, &id)?;
        l.authorize(&auth, Action::Update)?;
        let mut p = l.p;
        let from = p.status;
        if !from.can_move_to(to) {
            return Err(ApiError::IllegalTransition {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        p.status = to;
        let expected = p.version;
        if !tx.update_partnership(&mut p, expected)? {
            return Err(ApiError::PreconditionFailed);
        }
        tx.record(
            actor
                .event("partnership.status_changed", "partnership", &p.id)
                .in_partnership(&p.id)
                .with(serde_json::json!({ "from": from, "to": to, "reason": reason })),
        )?;
        Ok(Written::ok(PartnershipDto::from(&p)).with_etag(etag(p.version)))
    })
    .await
}
