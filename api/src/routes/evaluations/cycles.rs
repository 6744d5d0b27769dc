use actix_web::{get, post, web, HttpResponse};
use domain::authz::Action;
use domain::evaluation::{Cycle, CycleStatus, SubmissionStatus};
use domain::framework::FrameworkStatus;
use domain::partnership::MemberStatus;
use domain::values::Name;
use domain::{CycleId, OrganisationId, PartnershipId};

use super::dto::{
    CreateCycleRequest, CycleDto, CycleList, CycleStatusRequest, ExtensionRequest,
    ParticipationDto, ParticipationList,
};
use super::framework_version;
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, path_id, Body};
use crate::idempotency::{Idempotency, Written};
use crate::routes::partnerships::{load as load_partnership, load_for_write, now, Loaded};
use crate::state::AppState;

/// A cycle with its partnership, loaded together; 404 if none.
pub fn load_cycle(tx: &mut persistence::Tx<'_>, id: &CycleId) -> ApiResult<(Cycle, Loaded)> {
    let c = tx.cycle(id)?.ok_or(ApiError::NotFound("cycle"))?;
    let p = load_partnership(tx, &c.partnership)?;
    Ok((c, p))
}

/// Open an evaluation cycle (a term) for a partnership, pinned to a published framework version
/// (the partnership's managers). It starts as a draft.
#[utoipa::path(
    tag = "evaluations",
    request_body = CreateCycleRequest,
    params(("id" = String, Path, description = "Partnership id, `prt_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat")),
    responses(
        (status = 201, description = "Created", body = CycleDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/partnerships/{id}/cycles")]
pub async fn create_cycle(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    id: web::Path<String>,
    body: Body<CreateCycleRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let req = body.value;
    let mut v = domain::Validation::default();
    let title = v.check("/title", Name::parse(&req.title));
    if req.closes_at <= req.opens_at {
        v.push("/closes_at", "before_start", "must be after opens_at");
    }
    let title = v.finish(|| title).map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let l = load_for_write(tx, &id)?;
        l.authorize(&auth, Action::Update)?;
        let fv = framework_version(tx, &req.framework_id, req.framework_version).map_err(|_| {
            ApiError::invalid(
                "/framework_version",
                "unknown_framework",
                "no such framework version",
            )
        })?;
        if fv.status != FrameworkStatus::Published {
            return Err(ApiError::invalid(
                "/framework_version",
                "not_published",
                "cycles use published framework versions",
            ));
        }
        let c = Cycle {
            id: CycleId::new(),
            partnership: id.clone(),
            title: title.to_string(),
            framework_id: req.framework_id,
            framework_version: req.framework_version,
            opens_at: req.opens_at,
            closes_at: req.closes_at,
            status: CycleStatus::Draft,
            version: 1,
            created_at: now(),
        };
        tx.insert_cycle(&c)?;
        tx.record(
            actor
                .event("cycle.created", "cycle", &c.id)
                .in_partnership(&id),
        )?;
        Ok(
            Written::created(CycleDto::from(&c), format!("/v1/cycles/{}", c.id))
                .with_etag(etag(c.version)),
        )
    })
    .await
}

/// A partnership's cycles (its readers).
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Partnership id, `prt_…`")),
    responses(
        (status = 200, description = "Cycles", body = CycleList),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}/cycles")]
pub async fn list_cycles(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            load_partnership(tx, &id)?.authorize(&auth, Action::Read)?;
            Ok(tx.list_cycles(&id)?.iter().map(CycleDto::from).collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(CycleList { items }))
}

/// One cycle (the partnership's readers).
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`")),
    responses(
        (status = 200, description = "The cycle", body = CycleDto),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/cycles/{id}")]
pub async fn get_cycle(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "cycle", CycleId::parse)?;
    let tenant = auth.tenant()?.clone();
    let c = state
        .db
        .read(&tenant, move |tx| {
            let (c, l) = load_cycle(tx, &id)?;
            l.authorize(&auth, Action::Read)?;
            Ok(c)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(c.version)))
        .json(CycleDto::from(&c)))
}

/// Open, close, publish or reopen a cycle (the partnership's managers). Only
/// `draft → open → closed → published` and `closed → open` are allowed.
#[utoipa::path(
    tag = "evaluations",
    request_body = CycleStatusRequest,
    params(("id" = String, Path, description = "Cycle id, `cyc_…`")),
    responses(
        (status = 200, description = "Moved", body = CycleDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Illegal transition, with `current_status`", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/cycles/{id}/status")]
pub async fn change_cycle_status(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: Body<CycleStatusRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "cycle", CycleId::parse)?;
    let to = CycleStatus::parse(&body.value.status)
        .map_err(|e| ApiError::invalid("/status", "invalid_choice", e.0))?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let c = state
        .db
        .write(&tenant, move |tx| {
            let (mut c, l) = load_cycle(tx, &id)?;
            l.authorize(&auth, Action::Update)?;
            let from = c.status;
            if !from.can_move_to(to) {
                return Err(ApiError::IllegalTransition {
                    from: from.to_string(),
                    to: to.to_string(),
                });
            }
            tx.set_cycle_status(&mut c, to)?;
            tx.record(
                actor
                    .event("cycle.status_changed", "cycle", &c.id)
                    .in_partnership(&c.partnership)
                    .with(serde_json::json!({ "from": from, "to": to })),
            )?;
            Ok(c)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CycleDto::from(&c)))
}

/// Extend one school's deadline (the partnership's managers).
#[utoipa::path(
    tag = "evaluations",
    request_body = ExtensionRequest,
    params(("id" = String, Path, description = "Cycle id, `cyc_…`")),
    responses(
        (status = 200, description = "Extended", body = ExtensionRequest),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Not an active member", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/cycles/{id}/extensions")]
pub async fn extend_deadline(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: Body<ExtensionRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "cycle", CycleId::parse)?;
    let req = body.value;
    let org = OrganisationId::parse(&req.organisation_id)
        .map_err(|e| ApiError::invalid("/organisation_id", "invalid_id", e.to_string()))?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let closes_at = req.closes_at;
    state
        .db
        .write(&tenant, move |tx| {
            let (c, l) = load_cycle(tx, &id)?;
            l.authorize(&auth, Action::Update)?;
            if !l
                .stints
                .iter()
                .any(|m| m.organisation == org && m.status == MemberStatus::Active)
            {
                return Err(ApiError::invalid(
                    "/organisation_id",
                    "not_a_member",
                    "not an active member",
                ));
            }
            tx.set_extension(&c.id, &org, closes_at)?;
            tx.record(
                actor
                    .event("cycle.extended", "cycle", &c.id)
                    .in_partnership(&c.partnership)
                    .with(serde_json::json!({ "organisation_id": org, "closes_at": closes_at })),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(ExtensionRequest {
        organisation_id: req.organisation_id,
        closes_at,
    }))
}

/// Which member schools have submitted (never what): for the partnership's readers.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`")),
    responses(
        (status = 200, description = "Participation", body = ParticipationList),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/cycles/{id}/participation")]
pub async fn participation(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "cycle", CycleId::parse)?;
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            let (c, l) = load_cycle(tx, &id)?;
            l.authorize(&auth, Action::Read)?;
            let subs = tx.submissions(&c.id)?;
            let active: Vec<_> = l
                .stints
                .iter()
                .filter(|m| m.status == MemberStatus::Active)
                .map(|m| &m.organisation)
                .collect();
            let names = tx.organisation_names(&active)?;
            Ok(active
                .iter()
                .map(|o| {
                    let s = subs.iter().find(|s| &s.organisation == *o);
                    ParticipationDto {
                        organisation_id: o.to_string(),
                        organisation_name: crate::routes::name_in(&names, o.as_str()),
                        status: s
                            .map(|s| s.status)
                            .unwrap_or(SubmissionStatus::NotStarted)
                            .as_str()
                            .into(),
                        submitted_at: s.and_then(|s| s.submitted_at),
                    }
                })
                .collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(ParticipationList { items }))
}
