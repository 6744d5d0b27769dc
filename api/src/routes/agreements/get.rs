use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use domain::agreement::render;
use domain::authz::Action;
use domain::AgreementId;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{AgreementDto, VersionDto};
use super::{load, summaries, version_dto};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, path_id};
use crate::state::AppState;

/// An agreement and the status of each of its versions.
#[utoipa::path(
    tag = "agreements",
    params(("id" = String, Path, description = "Agreement id, `agr_…`")),
    responses(
        (status = 200, description = "The agreement", body = AgreementDto),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/agreements/{id}")]
pub async fn get_agreement(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "agreement", AgreementId::parse)?;
    let tenant = auth.tenant()?.clone();
    let dto = state
        .db
        .read(&tenant, move |tx| {
            let l = load(tx, &id, false)?;
            l.authorize(&auth, Action::Read)?;
            let title = l
                .versions
                .last()
                .map(|v| v.title.clone())
                .unwrap_or_default();
            let versions = summaries(tx, &l)?;
            Ok(AgreementDto::new(&l.a, title, versions))
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// One version with its body, required parties and signatures, and its `ETag`.
#[utoipa::path(
    tag = "agreements",
    params(("id" = String, Path, description = "Agreement id, `agr_…`"), ("n" = i32, Path, description = "Version number")),
    responses(
        (status = 200, description = "The version", body = VersionDto, headers(("ETag" = String))),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement or version", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/agreements/{id}/versions/{n}")]
pub async fn get_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let id = path_id(&id, "agreement", AgreementId::parse)?;
    let tenant = auth.tenant()?.clone();
    let dto = state
        .db
        .read(&tenant, move |tx| {
            let l = load(tx, &id, false)?;
            l.authorize(&auth, Action::Read)?;
            let v = l.version(n)?.clone();
            version_dto(tx, &l, &v)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(dto.version)))
        .json(dto))
}

/// Which rendering of a version.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `markdown` (the default) or `html`.
    pub format: Option<String>,
}

/// A version as a human-readable document to show or print: Markdown, or a standalone HTML page.
#[utoipa::path(
    tag = "agreements",
    params(("id" = String, Path, description = "Agreement id, `agr_…`"), ("n" = i32, Path, description = "Version number"), DocumentQuery),
    responses(
        (status = 200, description = "The document", content_type = "text/markdown", body = String),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement or version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/agreements/{id}/versions/{n}/document")]
pub async fn version_document(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    query: web::Query<DocumentQuery>,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let id = path_id(&id, "agreement", AgreementId::parse)?;
    let html = match query.format.as_deref() {
        None | Some("markdown") => false,
        Some("html") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "/query/format",
                "invalid_choice",
                "must be markdown or html",
            ))
        }
    };
    let tenant = auth.tenant()?.clone();
    let text = state
        .db
        .read(&tenant, move |tx| {
            let l = load(tx, &id, false)?;
            l.authorize(&auth, Action::Read)?;
            let v = l.version(n)?.clone();
            let sigs = tx.signatures(&v.agreement, v.number)?;
            let mut orgs: Vec<_> = v.body.named_parties();
            orgs.extend(l.active_members());
            if let domain::agreement::Body::Dsa(b) = &v.body {
                orgs.extend(b.parties.iter().map(|p| p.organisation_id.clone()));
            }
            orgs.extend(sigs.iter().map(|s| s.organisation.clone()));
            let refs: Vec<_> = orgs.iter().collect();
            let names = tx.organisation_names(&refs)?;
            let signers: Vec<_> = sigs.iter().map(|s| &s.user).collect();
            let people = tx.user_names(&signers)?;
            let signatures: Vec<(String, String, String, String)> = sigs
                .iter()
                .filter(|s| s.decision == domain::agreement::Decision::Signed)
                .map(|s| {
                    let who = crate::routes::name_in(&people, s.user.as_str());
                    (
                        s.organisation.to_string(),
                        who,
                        s.capacity.to_string(),
                        s.at.format("%-d %B %Y").to_string(),
                    )
                })
                .collect();
            let h = render::Header {
                title: &v.title,
                partnership: l.partnership.p.name.as_str(),
                number: v.number,
                status: v.status.as_of(v.body.end_date(), super::today()),
                effective_from: v.effective_from,
                names: &names,
                signatures: &signatures,
            };
            Ok(if html {
                render::html(&h, &v.body)
            } else {
                render::markdown(&h, &v.body)
            })
        })
        .await?;
    let ctype = if html {
        "text/html; charset=utf-8"
    } else {
        "text/markdown; charset=utf-8"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, ctype))
        .body(text))
}
