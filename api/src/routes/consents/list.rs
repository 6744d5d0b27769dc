use actix_web::{get, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::consent::{allowing_consent, DataCategory, Viewer};
use domain::partnership::MemberStatus;
use domain::{ConsentId, OrganisationId, PartnershipId};
use persistence::ConsentFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{status, ConsentDto, ConsentList, SharingCell, SharingMatrix};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::routes::agreements::today;
use crate::routes::partnerships::load as load_partnership;
use crate::sharing;
use crate::state::AppState;

fn dtos(
    tx: &mut persistence::Tx<'_>,
    cs: Vec<domain::consent::Consent>,
) -> ApiResult<Vec<ConsentDto>> {
    let facts = sharing::facts(tx, cs.clone())?;
    let today = today();
    Ok(cs
        .iter()
        .zip(facts.iter())
        .map(|(c, f)| ConsentDto::new(c, status(c, Some(f), today)))
        .collect())
}

/// One consent (the grantor school's users, or the tenant admin).
#[utoipa::path(
    tag = "consents",
    params(("id" = String, Path, description = "Consent id, `cns_…`")),
    responses(
        (status = 200, description = "The consent", body = ConsentDto),
        (status = 403, description = "Not the grantor's user or the tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consent in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/consents/{id}")]
pub async fn get_consent(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "consent", ConsentId::parse)?;
    let tenant = auth.tenant()?.clone();
    let dto = state
        .db
        .read(&tenant, move |tx| {
            let c = tx.consent(&id)?.ok_or(ApiError::NotFound("consent"))?;
            auth.authorize(Action::Read, Resource::Consents(&c.grantor))?;
            dtos(tx, vec![c])?
                .pop()
                .ok_or(ApiError::NotFound("consent"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// Which consents of a school.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectionQuery {
    /// `given` (the default): the school's own consents; `received`: consents to the school or
    /// to a partnership it is an active member of.
    pub direction: Option<String>,
}

/// A school's consents, given or received, with each one's status today (its users and the
/// tenant admin).
#[utoipa::path(
    tag = "consents",
    params(("id" = String, Path, description = "School id, `org_…`"), DirectionQuery),
    responses(
        (status = 200, description = "Consents, oldest first", body = ConsentList),
        (status = 403, description = "Not the school's user or the tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation in your tenant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown direction", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/organisations/{id}/consents")]
pub async fn school_consents(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: web::Query<DirectionQuery>,
) -> ApiResult<HttpResponse> {
    let org = path_id(&id, "organisation", OrganisationId::parse)?;
    let received = match query.direction.as_deref() {
        None | Some("given") => false,
        Some("received") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "/query/direction",
                "invalid_choice",
                "must be given or received",
            ))
        }
    };
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            tx.organisation(&org)?
                .ok_or(ApiError::NotFound("organisation"))?;
            auth.authorize(Action::List, Resource::Consents(&org))?;
            let filter = if received {
                let mine = tx.partnerships_of(&org)?;
                ConsentFilter {
                    grantee_organisation: Some(org.clone()),
                    grantee_partnerships: Some(mine),
                    ..ConsentFilter::default()
                }
            } else {
                ConsentFilter {
                    grantor: Some(org.clone()),
                    ..ConsentFilter::default()
                }
            };
            let cs = tx.list_consents(&filter)?;
            dtos(tx, cs)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConsentList { items }))
}

/// The consents given to a partnership (its readers).
#[utoipa::path(
    tag = "consents",
    params(("id" = String, Path, description = "Partnership id, `prt_…`")),
    responses(
        (status = 200, description = "Consents, oldest first", body = ConsentList),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}/consents")]
pub async fn partnership_consents(
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
            let cs = tx.list_consents(&ConsentFilter {
                grantee_partnership: Some(id.clone()),
                ..ConsentFilter::default()
            })?;
            dtos(tx, cs)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConsentList { items }))
}

/// The partnership's effective sharing: for each pair of active members and each category,
/// whether the owner's data is shared with the viewer now, and by which consent.
#[utoipa::path(
    tag = "consents",
    params(("id" = String, Path, description = "Partnership id, `prt_…`")),
    responses(
        (status = 200, description = "The matrix", body = SharingMatrix),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}/sharing")]
pub async fn sharing_matrix(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let tenant = auth.tenant()?.clone();
    let matrix = state
        .db
        .read(&tenant, move |tx| {
            let l = load_partnership(tx, &id)?;
            l.authorize(&auth, Action::Read)?;
            let active: Vec<OrganisationId> = l
                .stints
                .iter()
                .filter(|m| m.status == MemberStatus::Active)
                .map(|m| m.organisation.clone())
                .collect();
            let qualified = sharing::qualified_members(tx, &id)?;
            let today = today();
            let mut cells = Vec::new();
            for owner in &active {
                let facts: Vec<_> = sharing::consents_of(tx, owner)?
                    .into_iter()
                    .filter(|f| f.grantee == domain::consent::Grantee::Partnership(id.clone()))
                    .collect();
                for viewer in active.iter().filter(|v| *v != owner) {
                    for category in DataCategory::ALL {
                        let v = Viewer {
                            organisations: std::slice::from_ref(viewer),
                            tenant_admin: false,
                        };
                        let allowed = allowing_consent(&facts, &v, *category, today);
                        cells.push(SharingCell {
                            owner_id: owner.to_string(),
                            viewer_id: viewer.to_string(),
                            category: category.as_str().into(),
                            shared: allowed.is_some(),
                            consent_id: allowed.map(|(c, _)| c.to_string()),
                        });
                    }
                }
            }
            Ok(SharingMatrix {
                qualified_members: qualified.iter().map(|o| o.to_string()).collect(),
                cells,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(matrix))
}
