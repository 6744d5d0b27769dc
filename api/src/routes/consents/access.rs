use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::authz::{Action, Resource};
use domain::consent::Grantee;
use domain::OrganisationId;
use persistence::AccessFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::AccessDto;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, PageQuery, Paginated};
use crate::routes::agreements::today;
use crate::sharing;
use crate::state::AppState;

/// Filters for the access log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// Reads at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Reads before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Only this viewer's reads.
    pub viewer_id: Option<String>,
}

/// Who viewed our data: every read of the school's named data by someone outside it, with the
/// consent that allowed it. For the school's head; a tenant admin only while the school has an
/// active consent to the tenant.
#[utoipa::path(
    tag = "consents",
    params(("id" = String, Path, description = "School id, `org_…`"), AccessQuery, PageQuery),
    responses(
        (status = 200, description = "Reads, oldest first", body = Paginated<AccessDto>),
        (status = 400, description = "Invalid cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the school's head", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation in your tenant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/organisations/{id}/access-log")]
pub async fn access_log(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: web::Query<AccessQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org = path_id(&id, "organisation", OrganisationId::parse)?;
    let page = page.page()?;
    let filter = AccessFilter {
        since: query.since.map(|t| t.naive_utc()),
        until: query.until.map(|t| t.naive_utc()),
        viewer_id: query.viewer_id.clone(),
    };
    let tenant = auth.tenant()?.clone();
    let p = page.clone();
    let rows = state
        .db
        .read(&tenant, move |tx| {
            tx.organisation(&org)?
                .ok_or(ApiError::NotFound("organisation"))?;
            let tenant_consent = sharing::consents_of(tx, &org)?
                .iter()
                .any(|f| f.grantee == Grantee::TenantAdmins && f.is_active(today()));
            auth.authorize(
                Action::List,
                Resource::AccessLog {
                    owner: &org,
                    tenant_consent,
                },
            )?;
            Ok(tx.list_access(&org, &filter, &p)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |e| e.id.to_string(),
        |e| AccessDto {
            id: e.id.to_string(),
            at: e.at,
            viewer_id: e.viewer_id,
            viewer_kind: e.viewer_kind,
            viewer_organisation_id: e.viewer_organisation,
            category: e.category,
            resource: e.resource,
            consent_id: e.consent,
            request_id: e.request_id,
        },
    )))
}
