use actix_web::{post, web, HttpResponse};
use domain::authz::Action;
use domain::partnership::{Member, MemberStatus};
use domain::{MemberId, PartnershipId};

use super::dto::{InviteRequest, MemberDto};
use super::{check_references, load_for_write, member_dto, now, require_open, settle_status};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body};
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

/// Invite an organisation into the partnership with a role (tenant admin, coordinator, or the
/// lead school's head). Only a head of the invited organisation can accept. The first
/// invitation moves a `proposed` partnership to `forming`.
#[utoipa::path(
    tag = "partnerships",
    request_body = InviteRequest,
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 201, description = "Invited", body = MemberDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member or invited; or the partnership is suspended or dissolved", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields, or an unknown organisation or user", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/invitations")]
pub async fn invite_member(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    id: web::Path<String>,
    body: Body<InviteRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let new = body.value.try_into_domain().map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let invited_by = auth.0.id_str().to_owned();
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let l = load_for_write(tx, &id)?;
        l.authorize(&auth, Action::Update)?;
        let mut p = l.p;
        require_open(&p)?;
        check_references(
            tx,
            &[("/point_person_id", new.point_person.as_ref())],
            &[("/organisation_id", Some(&new.organisation))],
        )?;
        match tx
            .current_member(&p.id, &new.organisation)?
            .map(|m| m.status)
        {
            Some(MemberStatus::Active) => {
                return Err(ApiError::Conflict {
                    code: "already_member",
                    detail: "the organisation is already a member".into(),
                })
            }
            Some(_) => {
                return Err(ApiError::Conflict {
                    code: "already_invited",
                    detail: "the organisation has already been invited".into(),
                })
            }
            None => {}
        }
        let m = Member {
            id: MemberId::new(),
            partnership: p.id.clone(),
            organisation: new.organisation.clone(),
            role: new.role,
            status: MemberStatus::Invited,
            point_person: new.point_person,
            invited_at: now(),
            joined_at: None,
            left_at: None,
            reason: None,
        };
        tx.insert_member(&m, &invited_by)?;
        tx.record(
            actor
                .event("member.invited", "member", &m.organisation)
                .in_partnership(&p.id)
                .with(serde_json::json!({ "role": m.role })),
        )?;
        settle_status(tx, &actor, &mut p)?;
        let dto = member_dto(tx, &m)?;
        Ok(Written::created(
            dto,
            format!("/v1/partnerships/{}/members/{}", p.id, m.organisation),
        ))
    })
    .await
}
