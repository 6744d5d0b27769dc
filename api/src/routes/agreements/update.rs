use actix_web::{patch, web, HttpResponse};
use domain::agreement::VersionStatus;
use domain::authz::Action;
use domain::values::Name;
use domain::AgreementId;

use super::dto::{UpdateVersionRequest, VersionDto};
use super::{load, parse_body, version_dto};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, path_id, Body, IfMatch};
use crate::state::AppState;

/// Edit a draft version's title or body (drafters). Send the `ETag` in `If-Match`. A version
/// that is open for signature, signed or closed never changes: 409 `not_a_draft`.
#[utoipa::path(
    tag = "agreements",
    request_body = UpdateVersionRequest,
    params(
        ("id" = String, Path, description = "Agreement id, `agr_…`"),
        ("n" = i32, Path, description = "Version number"),
        ("If-Match" = String, Header, description = "The ETag from your last read"),
    ),
    responses(
        (status = 200, description = "Changed", body = VersionDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a drafter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (`not_a_draft`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[patch("/agreements/{id}/versions/{n}")]
pub async fn update_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    if_match: IfMatch,
    body: Body<UpdateVersionRequest>,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let id = path_id(&id, "agreement", AgreementId::parse)?;
    let req = body.value;
    let title = req
        .title
        .as_deref()
        .map(|t| Name::parse(t).map_err(|e| ApiError::invalid("/title", "invalid_name", e.0)))
        .transpose()?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let dto = state
        .db
        .write(&tenant, move |tx| {
            let l = load(tx, &id, true)?;
            l.authorize(&auth, Action::Update)?;
            let mut v = l.version(n)?.clone();
            if v.status != VersionStatus::Draft {
                return Err(ApiError::Conflict {
                    code: "not_a_draft",
                    detail: format!("version {n} is {}: only a draft changes", v.status),
                });
            }
            if_match.check(v.version)?;
            if let Some(t) = title {
                v.title = t.to_string();
            }
            if let Some(b) = req.body {
                v.body = parse_body(l.a.kind, b)?;
            }
            let expected = v.version;
            if !tx.update_version(&mut v, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            tx.record(
                actor
                    .event("agreement.version_updated", "agreement", &l.a.id)
                    .in_partnership(&l.a.partnership)
                    .with(serde_json::json!({ "version": n })),
            )?;
            version_dto(tx, &l, &v)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(dto.version)))
        .json(dto))
}
