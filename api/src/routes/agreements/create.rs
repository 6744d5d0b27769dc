use actix_web::{post, web, HttpResponse};
use domain::agreement::{Agreement, AgreementKind, Body, Version, VersionStatus};
use domain::authz::{Action, MemberFact, PartnershipFacts, Resource};
use domain::values::Name;
use domain::{AgreementId, PartnershipId, Validation};

use super::dto::{AgreementDto, CreateAgreementRequest, VersionSummary};
use super::parse_body;
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body as JsonBody};
use crate::idempotency::{Idempotency, Written};
use crate::routes::partnerships::{load_for_write, now, require_open};
use crate::state::AppState;

/// Start an agreement of a partnership (tenant admin, coordinator, or a member school's head):
/// its version 1 is a draft, which may be incomplete until it is opened for signature.
#[utoipa::path(
    tag = "agreements",
    request_body = CreateAgreementRequest,
    params(
        ("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 201, description = "Created with a draft version 1", body = AgreementDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a drafter (`drafter_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is suspended or dissolved", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/agreements")]
pub async fn create_agreement(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    id: web::Path<String>,
    body: JsonBody<CreateAgreementRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let req = body.value;
    let mut v = Validation::default();
    let kind = v.check("/kind", AgreementKind::parse(&req.kind));
    let title = v.check("/title", Name::parse(&req.title));
    let (kind, title) = v.finish(|| Some((kind?, title?))).map_err(ApiError::from)?;
    let parsed = match req.body {
        Some(b) => parse_body(kind, b)?,
        None => Body::empty(kind),
    };
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let created_by = auth.0.id_str().to_owned();
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let l = load_for_write(tx, &id)?;
        let facts: Vec<MemberFact> = l
            .stints
            .iter()
            .map(|m| MemberFact {
                organisation: m.organisation.clone(),
                role: m.role,
                status: m.status,
            })
            .collect();
        let f = PartnershipFacts {
            coordinator: l.p.coordinator.as_ref(),
            chair: l.p.chair.as_ref(),
            members: &facts,
        };
        auth.authorize(Action::Create, Resource::Agreement(&f))?;
        require_open(&l.p)?;
        let at = now();
        let a = Agreement {
            id: AgreementId::new(),
            partnership: id.clone(),
            kind,
            created_by: created_by.clone(),
            created_at: at,
        };
        let first = Version {
            agreement: a.id.clone(),
            number: 1,
            status: VersionStatus::Draft,
            title: title.to_string(),
            body: parsed,
            effective_from: None,
            version: 1,
            created_by,
            created_at: at,
            updated_at: at,
        };
        tx.insert_agreement(&a, &first)?;
        tx.record(
            actor
                .event("agreement.created", "agreement", &a.id)
                .in_partnership(&id)
                .with(serde_json::json!({ "kind": kind })),
        )?;
        let summary = VersionSummary {
            number: 1,
            status: "draft".into(),
            effective_from: None,
            needs_resignature: false,
        };
        Ok(Written::created(
            AgreementDto::new(&a, first.title.clone(), vec![summary]),
            format!("/v1/agreements/{}", a.id),
        ))
    })
    .await
}
