use actix_web::{get, web, HttpResponse};
use domain::authz::Action;
use domain::partnership::MemberStatus;
use domain::PartnershipId;

use super::dto::{MemberDto, OverviewCounts, OverviewDto, PartnershipDto, PersonDto};
use super::load;
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// Everything a partnership dashboard needs in one call: the partnership, its current members
/// and pending invitations with names, the coordinator and chair, and counts.
#[utoipa::path(
    tag = "partnerships",
    params(("id" = String, Path, description = "Partnership id, `prt_…`")),
    responses(
        (status = 200, description = "The overview", body = OverviewDto),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}/overview")]
pub async fn partnership_overview(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let tenant = auth.tenant()?.clone();
    let overview = state
        .db
        .read(&tenant, move |tx| {
            let l = load(tx, &id)?;
            l.authorize(&auth, Action::Read)?;
            let current: Vec<_> = l.stints.iter().filter(|m| m.status.is_current()).collect();
            let orgs: Vec<_> = current.iter().map(|m| &m.organisation).collect();
            let names = tx.organisation_names(&orgs)?;
            let people: Vec<_> = l.p.coordinator.iter().chain(l.p.chair.iter()).collect();
            let people = tx.user_names(&people)?;
            let person = |id: Option<&domain::UserId>| {
                id.map(|id| PersonDto {
                    id: id.to_string(),
                    name: crate::routes::name_in(&people, id.as_str()),
                })
            };
            let agreements = tx.count_agreements(&l.p.id)?;
            let cycles = tx.count_cycles(&l.p.id)?;
            let count = |s: MemberStatus| l.stints.iter().filter(|m| m.status == s).count();
            Ok(OverviewDto {
                partnership: PartnershipDto::from(&l.p),
                members: current.iter().map(|m| MemberDto::new(m, &names)).collect(),
                coordinator: person(l.p.coordinator.as_ref()),
                chair: person(l.p.chair.as_ref()),
                counts: OverviewCounts {
                    active_members: count(MemberStatus::Active),
                    pending_invitations: count(MemberStatus::Invited),
                    former_members: count(MemberStatus::Declined)
                        + count(MemberStatus::Left)
                        + count(MemberStatus::Removed),
                    agreements: usize::try_from(agreements).unwrap_or(0),
                    cycles: usize::try_from(cycles).unwrap_or(0),
                },
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(overview))
}
