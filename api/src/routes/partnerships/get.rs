use actix_web::{get, web, HttpResponse};
use domain::authz::Action;
use domain::PartnershipId;

use super::dto::PartnershipDto;
use super::{load, ok_with_etag};
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// One partnership, with its `ETag`: for its members' users, coordinator, chair and the tenant
/// admin. A pending or former member gets 403 `not_a_member`; anyone else 404.
#[utoipa::path(
    tag = "partnerships",
    params(("id" = String, Path, description = "Partnership id, `prt_…`")),
    responses(
        (status = 200, description = "The partnership", body = PartnershipDto, headers(("ETag" = String))),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}")]
pub async fn get_partnership(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let tenant = auth.tenant()?.clone();
    let loaded = state
        .db
        .read(&tenant, move |tx| {
            let loaded = load(tx, &id)?;
            loaded.authorize(&auth, Action::Read)?;
            Ok(loaded)
        })
        .await?;
    Ok(ok_with_etag(&loaded.p))
}
