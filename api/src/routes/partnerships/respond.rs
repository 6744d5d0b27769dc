//! An organisation's answers and departures: accept, decline, leave; and removal by the
//! partnership's managers.

use actix_web::{post, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::partnership::MemberStatus;
use domain::{OrganisationId, PartnershipId};

use super::dto::{MemberDto, ReasonRequest};
use super::{load_for_write, member_dto, now, require_open, settle_status};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, OptionalBody};
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

#[derive(Clone, Copy)]
enum Change {
    Accept,
    Decline,
    Leave,
    Remove,
}

fn ids(path: &(String, String)) -> ApiResult<(PartnershipId, OrganisationId)> {
    Ok((
        path_id(&path.0, "partnership", PartnershipId::parse)?,
        path_id(&path.1, "member", OrganisationId::parse)?,
    ))
}

async fn change(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: (String, String),
    body_hash: String,
    reason: Option<String>,
    change: Change,
) -> ApiResult<HttpResponse> {
    let (id, org) = ids(&path)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0.clone(), &tenant, &body_hash, move |tx| {
        let l = load_for_write(tx, &id)?;
        match change {
            Change::Accept | Change::Decline => {
                auth.authorize(Action::Update, Resource::MemberOrganisation(&org))?
            }
            Change::Leave => auth.authorize(Action::Retire, Resource::MemberOrganisation(&org))?,
            Change::Remove => l.authorize(&auth, Action::Update)?,
        }
        let mut p = l.p;
        require_open(&p)?;
        let current = tx.current_member(&p.id, &org)?;
        let mut m = match (change, current) {
            (Change::Accept | Change::Decline, Some(m)) if m.status == MemberStatus::Invited => m,
            (Change::Accept | Change::Decline, _) => {
                return Err(ApiError::Conflict {
                    code: "no_pending_invitation",
                    detail: "the organisation has no invitation to answer".into(),
                })
            }
            (Change::Leave, Some(m)) if m.status == MemberStatus::Active => m,
            (Change::Remove, Some(m)) => m,
            (Change::Leave | Change::Remove, _) => {
                return Err(ApiError::Conflict {
                    code: "not_a_member",
                    detail: "the organisation is not a member".into(),
                })
            }
        };
        let at = now();
        let action = match change {
            Change::Accept => {
                m.status = MemberStatus::Active;
                m.joined_at = Some(at);
                "member.accepted"
            }
            Change::Decline => {
                m.status = MemberStatus::Declined;
                m.left_at = Some(at);
                "member.declined"
            }
            Change::Leave => {
                m.status = MemberStatus::Left;
                m.left_at = Some(at);
                "member.left"
            }
            Change::Remove => {
                m.status = MemberStatus::Removed;
                m.left_at = Some(at);
                "member.removed"
            }
        };
        m.reason = reason;
        tx.update_member(&m)?;
        tx.record(
            actor
                .event(action, "member", &m.organisation)
                .in_partnership(&p.id)
                .with(serde_json::json!({ "reason": m.reason })),
        )?;
        settle_status(tx, &actor, &mut p)?;
        Ok(Written::ok(member_dto(tx, &m)?))
    })
    .await
}

/// Accept your organisation's invitation (a head of the invited organisation only). When the
/// last invitation is answered, a forming partnership becomes `active`.
#[utoipa::path(
    tag = "partnerships",
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("organisation_id" = String, Path, description = "Your organisation, `org_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 400, description = "Malformed Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "Accepted: the organisation is a member", body = MemberDto),
        (status = 403, description = "Not a head of the organisation (`head_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No pending invitation, or the partnership is not open", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/members/{organisation_id}/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    change(
        state,
        auth,
        idem,
        path.into_inner(),
        String::new(),
        None,
        Change::Accept,
    )
    .await
}

/// Decline your organisation's invitation, optionally saying why (a head only).
#[utoipa::path(
    tag = "partnerships",
    request_body(content = Option<ReasonRequest>),
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("organisation_id" = String, Path, description = "Your organisation, `org_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Declined", body = MemberDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a head of the organisation (`head_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No pending invitation, or the partnership is not open", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Reason too long", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/members/{organisation_id}/decline")]
pub async fn decline_invitation(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, String)>,
    body: OptionalBody<ReasonRequest>,
) -> ApiResult<HttpResponse> {
    let (reason, hash) = reason_of(body, false)?;
    change(
        state,
        auth,
        idem,
        path.into_inner(),
        hash,
        reason,
        Change::Decline,
    )
    .await
}

/// Leave the partnership, optionally saying why (a head of the member organisation). The
/// organisation can be invited again later; its history is kept.
#[utoipa::path(
    tag = "partnerships",
    request_body(content = Option<ReasonRequest>),
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("organisation_id" = String, Path, description = "Your organisation, `org_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Left", body = MemberDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a head of the organisation (`head_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a member (`not_a_member`), or the partnership is not open", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Reason too long", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/members/{organisation_id}/leave")]
pub async fn leave_partnership(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, String)>,
    body: OptionalBody<ReasonRequest>,
) -> ApiResult<HttpResponse> {
    let (reason, hash) = reason_of(body, false)?;
    change(
        state,
        auth,
        idem,
        path.into_inner(),
        hash,
        reason,
        Change::Leave,
    )
    .await
}

/// Remove a member, or withdraw a pending invitation, with a reason (tenant admin,
/// coordinator, or the lead school's head).
#[utoipa::path(
    tag = "partnerships",
    request_body = ReasonRequest,
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("organisation_id" = String, Path, description = "The member organisation, `org_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Removed", body = MemberDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a member (`not_a_member`), or the partnership is not open", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Reason missing or too long", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/members/{organisation_id}/remove")]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, String)>,
    body: OptionalBody<ReasonRequest>,
) -> ApiResult<HttpResponse> {
    let (reason, hash) = reason_of(body, true)?;
    change(
        state,
        auth,
        idem,
        path.into_inner(),
        hash,
        reason,
        Change::Remove,
    )
    .await
}

fn reason_of(
    body: OptionalBody<ReasonRequest>,
    required: bool,
) -> ApiResult<(Option<String>, String)> {
    let (req, hash) = match body.0 {
        Some(b) => (b.value, b.hash),
        None => (ReasonRequest::default(), String::new()),
    };
    Ok((req.reason(required).map_err(ApiError::from)?, hash))
}
