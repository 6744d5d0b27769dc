use actix_web::{get, web, HttpResponse};
use domain::authz::Principal;

use super::dto::{InvitationDto, InvitationList};
use crate::auth::permissions::ListPartnerships;
use crate::auth::Authorized;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Pending invitations to your organisations: what a school sees of a partnership before its
/// head accepts.
#[utoipa::path(
    tag = "partnerships",
    responses(
        (status = 200, description = "Pending invitations, oldest first", body = InvitationList),
        (status = 403, description = "Platform admin", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/invitations")]
pub async fn my_invitations(
    state: web::Data<AppState>,
    auth: Authorized<ListPartnerships>,
) -> ApiResult<HttpResponse> {
    let orgs = match &auth.0 {
        Principal::User(u) => u
            .memberships
            .iter()
            .map(|m| m.organisation_id.clone())
            .collect(),
        _ => Vec::new(),
    };
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            let invitations = tx.invitations_for(&orgs)?;
            let ids: Vec<_> = invitations.iter().map(|i| &i.member.organisation).collect();
            let names = tx.organisation_names(&ids)?;
            Ok(invitations
                .into_iter()
                .map(|i| InvitationDto {
                    partnership_id: i.member.partnership.to_string(),
                    partnership_name: i.partnership_name,
                    partnership_kind: i.partnership_kind,
                    organisation_id: i.member.organisation.to_string(),
                    organisation_name: crate::routes::name_in(
                        &names,
                        i.member.organisation.as_str(),
                    ),
                    role: i.member.role.as_str().into(),
                    invited_at: i.member.invited_at,
                })
                .collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(InvitationList { items }))
}
