//! `GET /v1/audit`: the change audit, for the tenant admin, or for a coordinator filtered to
//! their partnership.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::authz::{Action, Resource};
use domain::PartnershipId;
use persistence::{AuditEvent, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::partnerships::load;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{PageQuery, Paginated};
use crate::state::AppState;

/// Filters for the audit.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this partnership's changes (required for a coordinator).
    pub partnership_id: Option<String>,
    /// Only this kind of resource, e.g. `partnership`, `member`, `user`.
    pub resource_type: Option<String>,
    /// Only this action, e.g. `member.accepted`.
    pub action: Option<String>,
    /// Only this actor's changes.
    pub actor_id: Option<String>,
}

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "aud_01jd3k6q9y2m8x4n7v5b0c1t2a", "at": "2026-11-23T10:00:00Z",
    "actor_id": "usr_01jd3k6q9y2m8x4n7v5b0c1t2r", "actor_kind": "user", "action": "member.accepted",
    "resource_type": "member", "resource_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t",
    "partnership_id": "prt_01jd3k6q9y2m8x4n7v5b0c1t2p", "request_id": "req_01jd3k6q9y2m8x4n7v5b0c1t2b",
    "details": { "reason": null }
}))]
pub struct AuditEntryDto {
    /// Opaque id, `aud_…`.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor_id: String,
    /// `user`, `api_client` or `platform_admin`.
    pub actor_kind: String,
    /// What they did.
    pub action: String,
    /// The kind of resource.
    pub resource_type: String,
    /// Its id.
    pub resource_id: String,
    /// The partnership the change belongs to.
    pub partnership_id: Option<String>,
    /// The request that made the change (its `X-Request-Id`).
    pub request_id: Option<String>,
    /// More about the change.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<AuditEvent> for AuditEntryDto {
    fn from(e: AuditEvent) -> Self {
        AuditEntryDto {
            id: e.id.to_string(),
            at: e.at,
            actor_id: e.actor_id,
            actor_kind: e.actor_kind,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            partnership_id: e.partnership_id,
            request_id: e.request_id,
            details: e.details,
        }
    }
}

/// The change audit, oldest first: every change in the tenant for a tenant admin; a
/// coordinator sees their partnership's (pass `partnership_id`). Append-only: nobody can change
/// or delete an entry.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery, PageQuery),
    responses(
        (status = 200, description = "A page of changes", body = Paginated<AuditEntryDto>),
        (status = 400, description = "Invalid cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither tenant admin nor the partnership's coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    auth: Auth,
    query: web::Query<AuditQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let partnership = query
        .partnership_id
        .as_deref()
        .map(|p| {
            PartnershipId::parse(p).map_err(|e| {
                ApiError::invalid("/query/partnership_id", "invalid_id", e.to_string())
            })
        })
        .transpose()?;
    let filter = AuditFilter {
        partnership_id: partnership.as_ref().map(|p| p.to_string()),
        resource_type: query.resource_type.clone(),
        action: query.action.clone(),
        actor_id: query.actor_id.clone(),
    };
    let tenant = auth.tenant()?.clone();
    let p = page.clone();
    let rows = state
        .db
        .read(&tenant, move |tx| {
            match &partnership {
                Some(id) => match load(tx, id) {
                    Ok(l) => l.authorize_audit(&auth)?,
                    // A coordinator may not learn whether another partnership exists.
                    Err(ApiError::NotFound(_)) => {
                        auth.authorize(Action::List, Resource::Audit(None))?
                    }
                    Err(e) => return Err(e),
                },
                None => auth.authorize(Action::List, Resource::Audit(None))?,
            }
            Ok(tx.list_audit(&filter, &p)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |e| e.id.to_string(),
        AuditEntryDto::from,
    )))
}
