use actix_web::{post, web, HttpResponse};
use domain::authz::{decide, Action, Resource};
use domain::partnership::{Member, MemberRole, MemberStatus, Partnership, PartnershipStatus};
use domain::{MemberId, PartnershipId};

use super::dto::{CreatePartnershipRequest, PartnershipDto};
use super::{check_references, now};
use crate::audit::{Actor, EventExt};
use crate::auth::permissions::CreatePartnership;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, Body};
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

/// Broker a partnership (tenant admin), or propose one with your school as its lead member
/// (a head). It starts `proposed`; inviting members moves it on.
#[utoipa::path(
    tag = "partnerships",
    request_body = CreatePartnershipRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat")),
    responses(
        (status = 201, description = "Created", body = PartnershipDto, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither tenant admin nor the lead school's head", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields, or unknown users or organisations", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships")]
pub async fn create_partnership(
    state: web::Data<AppState>,
    auth: Authorized<CreatePartnership>,
    idem: Idempotency,
    body: Body<CreatePartnershipRequest>,
) -> ApiResult<HttpResponse> {
    let new = body.value.try_into_domain().map_err(ApiError::from)?;
    match &new.lead {
        Some(lead) => auth.authorize(Action::Create, Resource::LeadOrganisation(lead))?,
        None if decide(&auth.0, Action::Create, Resource::Brokering).is_allowed() => {}
        None => {
            return Err(ApiError::invalid(
                "/lead_organisation_id",
                "required",
                "a head proposing a partnership names their school as its lead",
            ))
        }
    }
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let created_by = auth.0.id_str().to_owned();
    idem.tenant(&state, &auth.0, &tenant, &body.hash, move |tx| {
        check_references(
            tx,
            &[
                ("/coordinator_id", new.coordinator.as_ref()),
                ("/chair_id", new.chair.as_ref()),
            ],
            &[
                ("/broker_organisation_id", new.broker.as_ref()),
                ("/lead_organisation_id", new.lead.as_ref()),
            ],
        )?;
        let at = now();
        let p = Partnership {
            id: PartnershipId::new(),
            kind: new.kind,
            name: new.name,
            vision: new.vision,
            aims: new.aims,
            status: PartnershipStatus::Proposed,
            broker: new.broker,
            coordinator: new.coordinator,
            chair: new.chair,
            created_by: created_by.clone(),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        tx.insert_partnership(&p)?;
        if let Some(lead) = &new.lead {
            let member = Member {
                id: MemberId::new(),
                partnership: p.id.clone(),
                organisation: lead.clone(),
                role: MemberRole::Lead,
                status: MemberStatus::Active,
                point_person: None,
                invited_at: at,
                joined_at: Some(at),
                left_at: None,
                reason: None,
            };
            tx.insert_member(&member, &created_by)?;
        }
        tx.record(
            actor
                .event("partnership.created", "partnership", &p.id)
                .in_partnership(&p.id)
                .with(serde_json::json!({ "kind": p.kind, "lead_organisation_id": new.lead })),
        )?;
        Ok(Written::created(
            PartnershipDto::from(&p),
            format!("/v1/partnerships/{}", p.id),
        )
        .with_etag(etag(p.version)))
    })
    .await
}
