use actix_web::{get, post, put, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::evaluation::{
    unanswered, Cycle, CycleStatus, Narrative, Score, Submission, SubmissionStatus,
};
use domain::{CycleId, FieldError, OrganisationId};

use super::cycles::load_cycle;
use super::dto::{SaveSubmissionRequest, SubmissionDto};
use super::framework_version;
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, path_id, Body, IfMatch};
use crate::routes::partnerships::{now, Loaded};
use crate::state::AppState;

fn ids(path: &(String, String)) -> ApiResult<(CycleId, OrganisationId)> {
    Ok((
        path_id(&path.0, "cycle", CycleId::parse)?,
        path_id(&path.1, "organisation", OrganisationId::parse)?,
    ))
}

fn current(
    tx: &mut persistence::Tx<'_>,
    cycle: &CycleId,
    org: &OrganisationId,
) -> ApiResult<Submission> {
    Ok(tx.submission(cycle, org)?.unwrap_or(Submission {
        cycle: cycle.clone(),
        organisation: org.clone(),
        status: SubmissionStatus::NotStarted,
        scores: Vec::new(),
        narratives: Vec::new(),
        submitted_at: None,
        version: 0,
    }))
}

/// The cycle, once the caller may know its partnership and may `action` this school's
/// submission (a cycle of a partnership the caller has no relation to is not found).
fn school_cycle(
    tx: &mut persistence::Tx<'_>,
    auth: &Auth,
    cycle: &CycleId,
    org: &OrganisationId,
    action: Action,
) -> ApiResult<(Cycle, Loaded)> {
    let (c, l) = load_cycle(tx, cycle)?;
    l.authorize(auth, Action::Read)?;
    auth.authorize(action, Resource::Submission(org))?;
    Ok((c, l))
}

/// 409 unless the cycle is open.
fn ensure_open(c: &Cycle) -> ApiResult<()> {
    if c.status != CycleStatus::Open {
        return Err(ApiError::Conflict {
            code: "cycle_not_open",
            detail: format!("the cycle is {}", c.status),
        });
    }
    Ok(())
}

/// Stores a changed submission if it is still at `expected` (else 412) and records `action`.
fn store(
    tx: &mut persistence::Tx<'_>,
    actor: &Actor,
    s: &mut Submission,
    expected: i32,
    c: &Cycle,
    action: &'static str,
) -> ApiResult<()> {
    if !tx.save_submission(s, expected)? {
        return Err(ApiError::PreconditionFailed);
    }
    tx.record(
        actor
            .event(action, "submission", &s.organisation)
            .in_partnership(&c.partnership)
            .with(serde_json::json!({ "cycle_id": c.id })),
    )?;
    Ok(())
}

fn ok(s: &Submission) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("etag", etag(s.version)))
        .json(SubmissionDto::from(s))
}

/// A school's submission to a cycle: private to the school (any of its users). `"v0"` before the
/// first save.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`"), ("organisation_id" = String, Path, description = "Your school, `org_…`")),
    responses(
        (status = 200, description = "The submission", body = SubmissionDto, headers(("ETag" = String))),
        (status = 403, description = "Not your school (`own_school_only`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/cycles/{id}/submissions/{organisation_id}")]
pub async fn get_submission(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, org) = ids(&path)?;
    let tenant = auth.tenant()?.clone();
    let s = state
        .db
        .read(&tenant, move |tx| {
            let (c, _) = school_cycle(tx, &auth, &id, &org, Action::Read)?;
            current(tx, &c.id, &org)
        })
        .await?;
    Ok(ok(&s))
}

/// Save your school's whole draft in one request (its head or a leader), with `If-Match`
/// (`"v0"` for the first save). Only while the cycle is open and the submission not submitted.
#[utoipa::path(
    tag = "evaluations",
    request_body = SaveSubmissionRequest,
    params(("id" = String, Path, description = "Cycle id, `cyc_…`"), ("organisation_id" = String, Path, description = "Your school, `org_…`"),
        ("If-Match" = String, Header, description = "The ETag from your last read")),
    responses(
        (status = 200, description = "Saved", body = SubmissionDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your school's head or a leader", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cycle not open, or already submitted", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Unknown criteria or scores off the scale", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[put("/cycles/{id}/submissions/{organisation_id}")]
pub async fn save_submission(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: Body<SaveSubmissionRequest>,
) -> ApiResult<HttpResponse> {
    let (id, org) = ids(&path)?;
    let req = body.value;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let s = state
        .db
        .write(&tenant, move |tx| {
            let (c, l) = school_cycle(tx, &auth, &id, &org, Action::Update)?;
            if !l.stints.iter().any(|m| {
                m.organisation == org && m.status == domain::partnership::MemberStatus::Active
            }) {
                return Err(ApiError::Forbidden("not_a_member"));
            }
            ensure_open(&c)?;
            let mut s = current(tx, &c.id, &org)?;
            if s.status == SubmissionStatus::Submitted {
                return Err(ApiError::Conflict {
                    code: "already_submitted",
                    detail: "ask the coordinator to reopen it".into(),
                });
            }
            if_match.check(s.version)?;
            let def = framework_version(tx, &c.framework_id, c.framework_version)?.definition;
            let mut errors = Vec::new();
            let mut bad = |i: usize, field: &str, code: &'static str, detail: &str| {
                errors.push(FieldError {
                    pointer: format!("/scores/{i}/{field}"),
                    code,
                    detail: detail.into(),
                });
            };
            for (i, sc) in req.scores.iter().enumerate() {
                if def.criterion(&sc.criterion).is_none() {
                    bad(
                        i,
                        "criterion",
                        "unknown_criterion",
                        "not a criterion of this cycle's framework",
                    );
                }
                if req.scores[..i].iter().any(|o| o.criterion == sc.criterion) {
                    bad(i, "criterion", "duplicate", "each criterion once");
                }
                for (field, v) in [
                    ("school_score", sc.school_score),
                    ("partnership_score", sc.partnership_score),
                ] {
                    if v.is_some_and(|v| !def.in_scale(v)) {
                        bad(i, field, "off_scale", "outside the framework's scale");
                    }
                }
                if sc.not_yet_evidenced && !def.scale.not_yet_evidenced {
                    bad(
                        i,
                        "not_yet_evidenced",
                        "not_allowed",
                        "this framework has no 'not yet evidenced'",
                    );
                }
            }
            for (i, n) in req.narratives.iter().enumerate() {
                if !def.areas.iter().any(|a| a.code == n.area) {
                    errors.push(FieldError {
                        pointer: format!("/narratives/{i}/area"),
                        code: "unknown_area",
                        detail: "not an area of this framework".into(),
                    });
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let expected = s.version;
            s.status = SubmissionStatus::Draft;
            s.scores = req
                .scores
                .into_iter()
                .map(|x| Score {
                    criterion: x.criterion,
                    school: x.school_score,
                    partnership: x.partnership_score,
                    not_yet_evidenced: x.not_yet_evidenced,
                    evidence: x.evidence,
                })
                .collect();
            s.narratives = req
                .narratives
                .into_iter()
                .map(|n| Narrative {
                    area: n.area,
                    strengths: n.strengths,
                    areas_for_development: n.areas_for_development,
                })
                .collect();
            store(tx, &actor, &mut s, expected, &c, "submission.saved")?;
            Ok(s)
        })
        .await?;
    Ok(ok(&s))
}

/// Submit your school's evaluation (its head or a leader): every criterion answered, before the
/// deadline or the school's extension.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`"), ("organisation_id" = String, Path, description = "Your school, `org_…`")),
    responses(
        (status = 200, description = "Submitted", body = SubmissionDto),
        (status = 403, description = "Not your school's head or a leader", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cycle not open, already submitted, or deadline passed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Criteria unanswered, one pointer each", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/cycles/{id}/submissions/{organisation_id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, org) = ids(&path)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let s = state
        .db
        .write(&tenant, move |tx| {
            let (c, _) = school_cycle(tx, &auth, &id, &org, Action::Update)?;
            ensure_open(&c)?;
            let deadline = tx
                .extension(&c.id, &org)?
                .map_or(c.closes_at, |e| e.max(c.closes_at));
            if chrono::Utc::now() > deadline {
                return Err(ApiError::Conflict {
                    code: "deadline_passed",
                    detail: format!("the deadline was {deadline}"),
                });
            }
            let mut s = current(tx, &c.id, &org)?;
            if s.status == SubmissionStatus::Submitted {
                return Err(ApiError::Conflict {
                    code: "already_submitted",
                    detail: "already submitted".into(),
                });
            }
            let def = framework_version(tx, &c.framework_id, c.framework_version)?.definition;
            let missing: Vec<FieldError> = unanswered(&def, &s.scores)
                .into_iter()
                .map(|code| FieldError {
                    pointer: format!("/scores/{code}"),
                    code: "required",
                    detail: "score both, or mark not yet evidenced".into(),
                })
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::Validation(missing));
            }
            let expected = s.version;
            s.status = SubmissionStatus::Submitted;
            s.submitted_at = Some(now());
            store(tx, &actor, &mut s, expected, &c, "submission.submitted")?;
            Ok(s)
        })
        .await?;
    Ok(ok(&s))
}

/// Reopen a submitted evaluation so the school can change it (the partnership's managers,
/// while the cycle is open).
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`"), ("organisation_id" = String, Path, description = "The school, `org_…`")),
    responses(
        (status = 200, description = "Back to draft", body = SubmissionDto),
        (status = 403, description = "Not a manager of the partnership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cycle not open, or not submitted", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/cycles/{id}/submissions/{organisation_id}/reopen")]
pub async fn reopen_submission(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, org) = ids(&path)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let s = state
        .db
        .write(&tenant, move |tx| {
            let (c, l) = load_cycle(tx, &id)?;
            l.authorize(&auth, Action::Update)?;
            ensure_open(&c)?;
            let mut s = current(tx, &c.id, &org)?;
            if s.status != SubmissionStatus::Submitted {
                return Err(ApiError::Conflict {
                    code: "not_submitted",
                    detail: "only a submitted evaluation is reopened".into(),
                });
            }
            let expected = s.version;
            s.status = SubmissionStatus::Draft;
            s.submitted_at = None;
            store(tx, &actor, &mut s, expected, &c, "submission.reopened")?;
            Ok(s)
        })
        .await?;
    Ok(ok(&s))
}
