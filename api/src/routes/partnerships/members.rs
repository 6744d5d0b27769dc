use actix_web::{get, web, HttpResponse};
use domain::authz::Action;
use domain::PartnershipId;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{MemberDto, MemberList};
use super::load;
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// Which stints to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// `true`: every stint ever, including declined, left and removed ones.
    pub history: Option<bool>,
}

/// A partnership's members: current members and pending invitations, or with `history=true`
/// every stint (a school that left and rejoined appears twice).
#[utoipa::path(
    tag = "partnerships",
    params(("id" = String, Path, description = "Partnership id, `prt_…`"), MembersQuery),
    responses(
        (status = 200, description = "Members, oldest stint first", body = MemberList),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: web::Query<MembersQuery>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let history = query.history.unwrap_or(false);
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            let l = load(tx, &id)?;
            l.authorize(&auth, Action::Read)?;
            let shown: Vec<_> = l
                .stints
                .iter()
                .filter(|m| history || m.status.is_current())
                .collect();
            let orgs: Vec<_> = shown.iter().map(|m| &m.organisation).collect();
            let names = tx.organisation_names(&orgs)?;
            Ok(shown
                .into_iter()
                .map(|m| MemberDto::new(m, &names))
                .collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(MemberList { items }))
}
