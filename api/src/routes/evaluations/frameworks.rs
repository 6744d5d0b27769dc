use actix_web::{get, patch, post, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::evaluation::FrameworkVersion;
use domain::framework::{FrameworkStatus, DEFAULT_FRAMEWORK_ID};
use domain::values::Name;
use domain::FrameworkId;

use super::dto::{
    CreateFrameworkRequest, FrameworkList, FrameworkSummary, FrameworkVersionDto,
    FrameworkVersionRef, NewFrameworkVersionRequest, UpdateFrameworkRequest,
};
use super::{builtin, framework_version};
use crate::audit::Actor;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, Body, IfMatch};
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

fn ok(v: &FrameworkVersion) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("etag", etag(v.version)))
        .json(FrameworkVersionDto::from(v))
}

fn tenant_framework(id: &str) -> ApiResult<()> {
    if id == DEFAULT_FRAMEWORK_ID {
        return Err(ApiError::Conflict {
            code: "builtin_framework",
            detail: "the built-in framework cannot change".into(),
        });
    }
    FrameworkId::parse(id)
        .map(|_| ())
        .map_err(|_| ApiError::NotFound("framework"))
}

/// Frameworks: Concord's built-in default and the tenant's own, with their versions.
#[utoipa::path(
    tag = "evaluations",
    responses(
        (status = 200, description = "Frameworks", body = FrameworkList),
        (status = 403, description = "Platform admin", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/frameworks")]
pub async fn list_frameworks(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    auth.authorize(Action::List, Resource::Frameworks)?;
    let tenant = auth.tenant()?.clone();
    let versions = state
        .db
        .read(&tenant, |tx| Ok(tx.framework_versions(None)?))
        .await?;
    let b = builtin();
    let mut items = vec![FrameworkSummary {
        id: b.framework_id.clone(),
        name: b.name.clone(),
        builtin: true,
        versions: vec![FrameworkVersionRef {
            number: 1,
            status: "published".into(),
        }],
    }];
    for v in versions {
        match items.iter_mut().find(|f| f.id == v.framework_id) {
            Some(f) => {
                f.name = v.name.clone();
                f.versions.push(FrameworkVersionRef {
                    number: v.number,
                    status: v.status.as_str().into(),
                });
            }
            None => items.push(FrameworkSummary {
                id: v.framework_id.clone(),
                name: v.name.clone(),
                builtin: false,
                versions: vec![FrameworkVersionRef {
                    number: v.number,
                    status: v.status.as_str().into(),
                }],
            }),
        }
    }
    Ok(HttpResponse::Ok().json(FrameworkList { items }))
}

/// One framework version: scale, areas, sub-themes and criteria.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Framework id, `fwk_…`"), ("n" = i32, Path, description = "Version number")),
    responses(
        (status = 200, description = "The version", body = FrameworkVersionDto, headers(("ETag" = String))),
        (status = 403, description = "Platform admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework version", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/frameworks/{id}/versions/{n}")]
pub async fn get_framework_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
) -> ApiResult<HttpResponse> {
    auth.authorize(Action::Read, Resource::Frameworks)?;
    let (id, n) = path.into_inner();
    let tenant = auth.tenant()?.clone();
    let v = state
        .db
        .read(&tenant, move |tx| framework_version(tx, &id, n))
        .await?;
    Ok(ok(&v))
}

/// Create a framework of the tenant's own (tenant admin); version 1 is a draft.
#[utoipa::path(
    tag = "evaluations",
    request_body = CreateFrameworkRequest,
    responses(
        (status = 201, description = "Created", body = FrameworkVersionDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid definition, with pointers", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/frameworks")]
pub async fn create_framework(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    body: Body<CreateFrameworkRequest>,
) -> ApiResult<HttpResponse> {
    auth.authorize(Action::Create, Resource::Frameworks)?;
    let req = body.value;
    let mut v = req.definition.validate();
    let name = v.check("/name", Name::parse(&req.name));
    let name = v.finish(|| name).map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let created_by = auth.0.id_str().to_owned();
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let id = FrameworkId::new();
        let first = FrameworkVersion {
            framework_id: id.to_string(),
            number: 1,
            status: FrameworkStatus::Draft,
            name: name.to_string(),
            definition: req.definition,
            carried_over: Vec::new(),
            version: 1,
        };
        tx.insert_framework(id.as_str(), &created_by, &first)?;
        tx.record(actor.event("framework.created", "framework", &id))?;
        Ok(Written::created(
            FrameworkVersionDto::from(&first),
            format!("/v1/frameworks/{id}/versions/1"),
        )
        .with_etag(etag(1)))
    })
    .await
}

/// Edit a draft framework version (tenant admin). Published versions never change.
#[utoipa::path(
    tag = "evaluations",
    request_body = UpdateFrameworkRequest,
    params(
        ("id" = String, Path, description = "Framework id, `fwk_…`"),
        ("n" = i32, Path, description = "Version number"),
        ("If-Match" = String, Header, description = "The ETag from your last read"),
    ),
    responses(
        (status = 200, description = "Changed", body = FrameworkVersionDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Published (`not_a_draft`) or built in", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid definition", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[patch("/frameworks/{id}/versions/{n}")]
pub async fn update_framework_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    if_match: IfMatch,
    body: Body<UpdateFrameworkRequest>,
) -> ApiResult<HttpResponse> {
    auth.authorize(Action::Update, Resource::Frameworks)?;
    let (id, n) = path.into_inner();
    tenant_framework(&id)?;
    let req = body.value;
    let mut v = req
        .definition
        .as_ref()
        .map(|d| d.validate())
        .unwrap_or_default();
    let name = req
        .name
        .as_deref()
        .map(|n| v.check("/name", Name::parse(n)));
    v.finish(|| Some(())).map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let fv = state
        .db
        .write(&tenant, move |tx| {
            let mut fv = framework_version(tx, &id, n)?;
            if fv.status != FrameworkStatus::Draft {
                return Err(ApiError::Conflict {
                    code: "not_a_draft",
                    detail: "a published framework never changes".into(),
                });
            }
            if_match.check(fv.version)?;
            if let Some(Some(name)) = name {
                fv.name = name.to_string();
            }
            if let Some(d) = req.definition {
                fv.definition = d;
            }
            let expected = fv.version;
            if !tx.update_framework_version(&mut fv, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            tx.record(actor.event("framework.updated", "framework", &id))?;
            Ok(fv)
        })
        .await?;
    Ok(ok(&fv))
}

/// Publish a draft framework version (tenant admin): it can then be used by cycles, and never
/// changes again.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Framework id, `fwk_…`"), ("n" = i32, Path, description = "Version number")),
    responses(
        (status = 200, description = "Published", body = FrameworkVersionDto),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already published, or built in", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/frameworks/{id}/versions/{n}/publish")]
pub async fn publish_framework_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
) -> ApiResult<HttpResponse> {
    auth.authorize(Action::Update, Resource::Frameworks)?;
    let (id, n) = path.into_inner();
    tenant_framework(&id)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let fv = state
        .db
        .write(&tenant, move |tx| {
            let mut fv = framework_version(tx, &id, n)?;
            if fv.status != FrameworkStatus::Draft {
                return Err(ApiError::Conflict {
                    code: "not_a_draft",
                    detail: "already published".into(),
                });
            }
            fv.status = FrameworkStatus::Published;
            let expected = fv.version;
            if !tx.update_framework_version(&mut fv, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            tx.record(actor.event("framework.published", "framework", &id))?;
            Ok(fv)
        })
        .await?;
    Ok(ok(&fv))
}

/// Start a new draft version of a tenant framework (tenant admin), declaring which criteria
/// codes carry over from the previous published version so that trends follow them.
#[utoipa::path(
    tag = "evaluations",
    request_body = NewFrameworkVersionRequest,
    params(("id" = String, Path, description = "Framework id, `fwk_…`")),
    responses(
        (status = 201, description = "A new draft", body = FrameworkVersionDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft exists (`draft_exists`), or built in", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid definition or carried-over code", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/frameworks/{id}/versions")]
pub async fn new_framework_version(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: Body<NewFrameworkVersionRequest>,
) -> ApiResult<HttpResponse> {
    auth.authorize(Action::Create, Resource::Frameworks)?;
    let id = id.into_inner();
    tenant_framework(&id)?;
    let req = body.value;
    let v = req.definition.validate();
    v.finish(|| Some(())).map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let fv = state
        .db
        .write(&tenant, move |tx| {
            let versions = tx.framework_versions(Some(&id))?;
            let latest = versions.last().ok_or(ApiError::NotFound("framework"))?;
            if versions.iter().any(|v| v.status == FrameworkStatus::Draft) {
                return Err(ApiError::Conflict {
                    code: "draft_exists",
                    detail: "publish the current draft first".into(),
                });
            }
            let mut bad = domain::Validation::default();
            for (i, code) in req.carried_over.iter().enumerate() {
                if latest.definition.criterion(code).is_none()
                    || req.definition.criterion(code).is_none()
                {
                    bad.push(
                        format!("/carried_over/{i}"),
                        "unknown_criterion",
                        "must be a criterion of both versions",
                    );
                }
            }
            bad.finish(|| Some(())).map_err(ApiError::from)?;
            let next = FrameworkVersion {
                framework_id: id.clone(),
                number: latest.number + 1,
                status: FrameworkStatus::Draft,
                name: latest.name.clone(),
                definition: req.definition,
                carried_over: req.carried_over,
                version: 1,
            };
            tx.insert_framework_version(&next)?;
            tx.record(actor.event("framework.version_created", "framework", &id))?;
            Ok(next)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "location",
            format!("/v1/frameworks/{}/versions/{}", fv.framework_id, fv.number),
        ))
        .insert_header(("etag", etag(fv.version)))
        .json(FrameworkVersionDto::from(&fv)))
}
