//! A version's life: opened for signature, signed or declined by each party, in force at the
//! last signature; withdrawn; followed by a new draft.

use actix_web::{post, web, HttpResponse};
use domain::agreement::{
    required_parties, unsigned, Capacity, Decision, Signature, Version, VersionStatus,
};
use domain::authz::{Action, Principal, Resource};
use domain::user::OrgRole;
use domain::{AgreementId, OrganisationId};
use persistence::{StoreError, Tx};

use super::dto::{DeclineRequest, SignRequest, VersionDto};
use super::{current, has_signed, load, today, version_dto, LoadedAgreement};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, path_id, Body, OptionalBody};
use crate::idempotency::{Idempotency, Written};
use crate::routes::partnerships::dto::ReasonRequest;
use crate::routes::partnerships::{now, require_open};
use crate::state::AppState;

fn ids(path: &(String, i32)) -> ApiResult<(AgreementId, i32)> {
    Ok((path_id(&path.0, "agreement", AgreementId::parse)?, path.1))
}

fn written(dto: VersionDto) -> Written<VersionDto> {
    let tag = etag(dto.version);
    Written::ok(dto).with_etag(tag)
}

fn save(tx: &mut Tx<'_>, v: &mut Version) -> ApiResult<()> {
    let expected = v.version;
    if tx.update_version(v, expected)? {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

fn event(
    actor: &Actor,
    l: &LoadedAgreement,
    action: &'static str,
    details: serde_json::Value,
) -> persistence::NewAuditEvent {
    actor
        .event(action, "agreement", &l.a.id)
        .in_partnership(&l.a.partnership)
        .with(details)
}

/// Open a draft for signature: it is frozen and checked. Every missing field is listed with a
/// pointer (422). Drafters only.
#[utoipa::path(
    tag = "agreements",
    params(
        ("id" = String, Path, description = "Agreement id, `agr_…`"),
        ("n" = i32, Path, description = "Version number"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 400, description = "Malformed Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "Open for signature", body = VersionDto),
        (status = 403, description = "Not a drafter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (`not_a_draft`), or the partnership is not open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields missing: one pointer each", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/agreements/{id}/versions/{n}/open")]
pub async fn open_version(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, i32)>,
) -> ApiResult<HttpResponse> {
    let (id, n) = ids(&path)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0.clone(), &tenant, "", move |tx| {
        let l = load(tx, &id, true)?;
        l.authorize(&auth, Action::Update)?;
        require_open(&l.partnership.p)?;
        let mut v = l.version(n)?.clone();
        if v.status != VersionStatus::Draft {
            return Err(ApiError::Conflict {
                code: "not_a_draft",
                detail: format!("version {n} is {}", v.status),
            });
        }
        let missing = v.body.missing(&l.active_members());
        if !missing.is_empty() {
            return Err(missing.into());
        }
        v.status = VersionStatus::OpenForSignature;
        save(tx, &mut v)?;
        tx.record(event(
            &actor,
            &l,
            "agreement.opened",
            serde_json::json!({ "version": n }),
        ))?;
        Ok(written(version_dto(tx, &l, &v)?))
    })
    .await
}

/// Who signs for `org`, in what capacity: a head, or for an MOU a governor.
fn signatory(
    auth: &Auth,
    l: &LoadedAgreement,
    org: &OrganisationId,
    asked: Option<&str>,
) -> ApiResult<Capacity> {
    let mou = l.a.kind == domain::agreement::AgreementKind::Mou;
    auth.authorize(
        Action::Create,
        Resource::Signatory {
            organisation: org,
            mou,
        },
    )?;
    let role = match &auth.0 {
        Principal::User(u) => u.role_in(org),
        _ => None,
    };
    // The capacity defaults to `head`: a governor says they sign as a governor.
    let asked = match asked {
        None => Capacity::Head,
        Some(a) => {
            Capacity::parse(a).map_err(|e| ApiError::invalid("/capacity", "invalid_choice", e.0))?
        }
    };
    let holds = match role {
        Some(OrgRole::Head) => Capacity::Head,
        Some(OrgRole::Governor) => Capacity::Governor,
        _ => return Err(ApiError::Forbidden("signatory_required")),
    };
    if asked == holds {
        Ok(asked)
    } else {
        Err(ApiError::Forbidden("signatory_required"))
    }
}

fn parse_org(raw: &str) -> ApiResult<OrganisationId> {
    OrganisationId::parse(raw)
        .map_err(|e| ApiError::invalid("/organisation_id", "invalid_id", e.to_string()))
}

fn not_open(n: i32, status: VersionStatus) -> ApiError {
    ApiError::Conflict {
        code: "not_open_for_signature",
        detail: format!("version {n} is {status}: it cannot be signed"),
    }
}

/// Sign a version for your organisation (its head; for an MOU also a governor, for the
/// governing board). At the last required signature the version comes into force, today, and
/// earlier versions are superseded. A member that joined later signs the in-force version.
#[utoipa::path(
    tag = "agreements",
    request_body = SignRequest,
    params(
        ("id" = String, Path, description = "Agreement id, `agr_…`"),
        ("n" = i32, Path, description = "Version number"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Signed", body = VersionDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a signatory of the organisation, or it is not a party", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open for signature, or already signed", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/agreements/{id}/versions/{n}/sign")]
pub async fn sign_version(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, i32)>,
    body: Body<SignRequest>,
) -> ApiResult<HttpResponse> {
    let (id, n) = ids(&path)?;
    let org = parse_org(&body.value.organisation_id)?;
    let asked = body.value.capacity.clone();
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let Principal::User(user) = &auth.0 else {
        return Err(ApiError::Forbidden("signatory_required"));
    };
    let user = user.id.clone();
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let l = load(tx, &id, true)?;
        l.authorize(&auth, Action::Read)?;
        let mut v = l.version(n)?.clone();
        let capacity = signatory(&auth, &l, &org, asked.as_deref())?;
        let members = l.active_members();
        let required = required_parties(&v.body, &members);
        if !required.contains(&org) {
            return Err(ApiError::Forbidden("not_a_party"));
        }
        let status = v.status.as_of(v.body.end_date(), today());
        let signed = has_signed(tx, &l, &v, &org)?;
        match status {
            VersionStatus::OpenForSignature => {}
            VersionStatus::InForce if !signed => {}
            other => return Err(not_open(n, other)),
        }
        if signed {
            return Err(ApiError::Conflict {
                code: "already_signed",
                detail: "the organisation has already signed this version".into(),
            });
        }
        let s = Signature {
            organisation: org.clone(),
            decision: Decision::Signed,
            user,
            capacity,
            reason: None,
            at: now(),
        };
        tx.insert_signature(&l.a.id, n, &s).map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict {
                code: "already_signed",
                detail: "the organisation has already answered this version".into(),
            },
            other => other.into(),
        })?;
        tx.record(event(
            &actor,
            &l,
            "agreement.signed",
            serde_json::json!({ "version": n, "organisation_id": org, "capacity": capacity }),
        ))?;
        let sigs = current(tx, &l, &v)?;
        if v.status == VersionStatus::OpenForSignature && unsigned(&required, &sigs).is_empty() {
            v.status = VersionStatus::InForce;
            v.effective_from = Some(today());
            save(tx, &mut v)?;
            for old in l
                .versions
                .iter()
                .filter(|o| o.number < n && o.status.is_superseded_by_newer())
            {
                let mut old = old.clone();
                old.status = VersionStatus::Superseded;
                save(tx, &mut old)?;
            }
            tx.record(event(
                &actor,
                &l,
                "agreement.in_force",
                serde_json::json!({ "version": n, "effective_from": v.effective_from }),
            ))?;
        }
        Ok(written(version_dto(tx, &l, &v)?))
    })
    .await
}

/// Decline a version for your organisation, saying why: the round closes (`declined`) and a new
/// draft with the same text follows for the drafters to revise.
#[utoipa::path(
    tag = "agreements",
    request_body = DeclineRequest,
    params(
        ("id" = String, Path, description = "Agreement id, `agr_…`"),
        ("n" = i32, Path, description = "Version number"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Declined; a new draft exists", body = VersionDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a signatory of the organisation, or it is not a party", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open for signature", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/agreements/{id}/versions/{n}/decline")]
pub async fn decline_version(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, i32)>,
    body: Body<DeclineRequest>,
) -> ApiResult<HttpResponse> {
    let (id, n) = ids(&path)?;
    let org = parse_org(&body.value.organisation_id)?;
    let reason = ReasonRequest {
        reason: body.value.reason.clone(),
    }
    .reason(true)
    .map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let Principal::User(user) = &auth.0 else {
        return Err(ApiError::Forbidden("signatory_required"));
    };
    let user = user.id.clone();
    let created_by = user.to_string();
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let l = load(tx, &id, true)?;
        l.authorize(&auth, Action::Read)?;
        let mut v = l.version(n)?.clone();
        let capacity = signatory(&auth, &l, &org, None)?;
        if !required_parties(&v.body, &l.active_members()).contains(&org) {
            return Err(ApiError::Forbidden("not_a_party"));
        }
        if v.status != VersionStatus::OpenForSignature {
            return Err(not_open(n, v.status));
        }
        if current(tx, &l, &v)?.iter().any(|s| s.organisation == org) {
            return Err(ApiError::Conflict {
                code: "already_signed",
                detail: "the organisation has already answered this version".into(),
            });
        }
        let s = Signature {
            organisation: org.clone(),
            decision: Decision::Declined,
            user,
            capacity,
            reason: reason.clone(),
            at: now(),
        };
        tx.insert_signature(&l.a.id, n, &s).map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict {
                code: "already_signed",
                detail: "the organisation has already answered this version".into(),
            },
            other => other.into(),
        })?;
        v.status = VersionStatus::Declined;
        save(tx, &mut v)?;
        let at = now();
        let next = Version {
            number: l.versions.iter().map(|v| v.number).max().unwrap_or(n) + 1,
            status: VersionStatus::Draft,
            effective_from: None,
            version: 1,
            created_by,
            created_at: at,
            updated_at: at,
            ..v.clone()
        };
        tx.insert_version(&next)?;
        tx.record(event(
            &actor,
            &l,
            "agreement.declined",
            serde_json::json!({ "version": n, "organisation_id": org, "reason": reason }),
        ))?;
        tx.record(event(
            &actor,
            &l,
            "agreement.version_created",
            serde_json::json!({ "version": next.number, "after_decline_of": n }),
        ))?;
        Ok(written(version_dto(tx, &l, &v)?))
    })
    .await
}

/// Withdraw a version (drafters): a draft, one open for signature, or one in force. Say why.
#[utoipa::path(
    tag = "agreements",
    request_body = ReasonRequest,
    params(
        ("id" = String, Path, description = "Agreement id, `agr_…`"),
        ("n" = i32, Path, description = "Version number"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Withdrawn", body = VersionDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a drafter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed (`not_withdrawable`)", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/agreements/{id}/versions/{n}/withdraw")]
pub async fn withdraw_version(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    path: web::Path<(String, i32)>,
    body: OptionalBody<ReasonRequest>,
) -> ApiResult<HttpResponse> {
    let (id, n) = ids(&path)?;
    let (req, hash) = match body.0 {
        Some(b) => (b.value, b.hash),
        None => (ReasonRequest::default(), String::new()),
    };
    let reason = req.reason(true).map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0.clone(), &tenant, &hash, move |tx| {
        let l = load(tx, &id, true)?;
        l.authorize(&auth, Action::Retire)?;
        let mut v = l.version(n)?.clone();
        if !v.status.as_of(v.body.end_date(), today()).is_withdrawable() {
            return Err(ApiError::Conflict {
                code: "not_withdrawable",
                detail: format!("version {n} is {}", v.status),
            });
        }
        v.status = VersionStatus::Withdrawn;
        save(tx, &mut v)?;
        tx.record(event(
            &actor,
            &l,
            "agreement.withdrawn",
            serde_json::json!({ "version": n, "reason": reason }),
        ))?;
        Ok(written(version_dto(tx, &l, &v)?))
    })
    .await
}

/// Start a new draft version from the latest one, e.g. to amend an agreement in force
/// (drafters). 409 `draft_exists` while a draft or a version open for signature exists.
#[utoipa::path(
    tag = "agreements",
    params(
        ("id" = String, Path, description = "Agreement id, `agr_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 400, description = "Malformed Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 201, description = "A new draft", body = VersionDto, headers(("Location" = String))),
        (status = 403, description = "Not a drafter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft or open version exists, or the partnership is not open", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/agreements/{id}/versions")]
pub async fn new_version(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "agreement", AgreementId::parse)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let created_by = auth.0.id_str().to_owned();
    idem.tenant(&state, &auth.0.clone(), &tenant, "", move |tx| {
        let l = load(tx, &id, true)?;
        l.authorize(&auth, Action::Update)?;
        require_open(&l.partnership.p)?;
        if l.versions.iter().any(|v| {
            matches!(
                v.status,
                VersionStatus::Draft | VersionStatus::OpenForSignature
            )
        }) {
            return Err(ApiError::Conflict {
                code: "draft_exists",
                detail: "finish or withdraw the current draft first".into(),
            });
        }
        let latest = l
            .versions
            .last()
            .ok_or(ApiError::NotFound("agreement version"))?;
        let at = now();
        let next = Version {
            number: latest.number + 1,
            status: VersionStatus::Draft,
            effective_from: None,
            version: 1,
            created_by,
            created_at: at,
            updated_at: at,
            ..latest.clone()
        };
        tx.insert_version(&next)?;
        tx.record(event(
            &actor,
            &l,
            "agreement.version_created",
            serde_json::json!({ "version": next.number }),
        ))?;
        let location = format!("/v1/agreements/{}/versions/{}", l.a.id, next.number);
        let dto = version_dto(tx, &l, &next)?;
        let tag = etag(dto.version);
        Ok(Written::created(dto, location).with_etag(tag))
    })
    .await
}
