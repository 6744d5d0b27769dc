//! `/v1/partnerships` and `/v1/invitations`: partnerships, membership by invitation, and the
//! dashboard overview.

mod create;
pub mod dto;
mod get;
mod invitations;
mod invite;
mod list;
mod members;
mod overview;
mod respond;
mod status;
mod update;

pub use list::PartnershipQuery;
pub use members::MembersQuery;

use actix_web::HttpResponse;
use chrono::Utc;
use domain::authz::{Action, MemberFact, PartnershipFacts, Resource};
use domain::partnership::{after_invitations, Member, MemberStatus, Partnership};
use domain::{FieldError, OrganisationId, PartnershipId, UserId};
use persistence::Tx;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::etag;
use dto::{MemberDto, PartnershipDto};

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_partnership)
        .service(list::list_partnerships)
        .service(get::get_partnership)
        .service(update::update_partnership)
        .service(status::change_partnership_status)
        .service(invite::invite_member)
        .service(members::list_members)
        .service(respond::accept_invitation)
        .service(respond::decline_invitation)
        .service(respond::leave_partnership)
        .service(respond::remove_member)
        .service(overview::partnership_overview)
        .service(invitations::my_invitations);
}

/// A partnership with every stint of every member, loaded in one transaction.
pub struct Loaded {
    /// The partnership.
    pub p: Partnership,
    /// Every stint, oldest first.
    pub stints: Vec<Member>,
}

impl Loaded {
    /// Asks the visibility function about this partnership.
    pub fn authorize(&self, auth: &Auth, action: Action) -> ApiResult<()> {
        let facts: Vec<MemberFact> = self
            .stints
            .iter()
            .map(|m| MemberFact {
                organisation: m.organisation.clone(),
                role: m.role,
                status: m.status,
            })
            .collect();
        let f = PartnershipFacts {
            coordinator: self.p.coordinator.as_ref(),
            chair: self.p.chair.as_ref(),
            members: &facts,
        };
        auth.authorize(action, Resource::Partnership(Some(&f)))
    }

    /// The audit facts for a coordinator's view of the audit.
    pub fn authorize_audit(&self, auth: &Auth) -> ApiResult<()> {
        let facts: Vec<MemberFact> = Vec::new();
        let f = PartnershipFacts {
            coordinator: self.p.coordinator.as_ref(),
            chair: self.p.chair.as_ref(),
            members: &facts,
        };
        auth.authorize(Action::List, Resource::Audit(Some(&f)))
    }
}

/// Loads a partnership of the transaction's tenant; 404 if there is none.
pub fn load(tx: &mut Tx<'_>, id: &PartnershipId) -> ApiResult<Loaded> {
    let p = tx
        .partnership(id)?
        .ok_or(ApiError::NotFound("partnership"))?;
    let stints = tx.members(id, true)?;
    Ok(Loaded { p, stints })
}

/// Locks, then loads, a partnership about to change.
pub fn load_for_write(tx: &mut Tx<'_>, id: &PartnershipId) -> ApiResult<Loaded> {
    if !tx.lock_partnership(id)? {
        return Err(ApiError::NotFound("partnership"));
    }
    load(tx, id)
}

/// 200 with the partnership and its ETag.
pub fn ok_with_etag(p: &Partnership) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("etag", etag(p.version)))
        .json(PartnershipDto::from(p))
}

/// A member's DTO with its organisation's name.
pub fn member_dto(tx: &mut Tx<'_>, m: &Member) -> ApiResult<MemberDto> {
    let names = tx.organisation_names(&[&m.organisation])?;
    Ok(MemberDto::new(m, &names))
}

/// 422 for each named user or organisation that is not an active one of the tenant.
pub fn check_references(
    tx: &mut Tx<'_>,
    users: &[(&str, Option<&UserId>)],
    orgs: &[(&str, Option<&OrganisationId>)],
) -> ApiResult<()> {
    let mut errors = Vec::new();
    let wanted: Vec<&UserId> = users.iter().filter_map(|(_, u)| *u).collect();
    let found = tx.existing_users(&wanted)?;
    for (pointer, u) in users {
        if u.is_some_and(|u| !found.contains(u)) {
            errors.push(FieldError {
                pointer: (*pointer).into(),
                code: "unknown_user",
                detail: "no active user with this id in the tenant".into(),
            });
        }
    }
    let wanted: Vec<&OrganisationId> = orgs.iter().filter_map(|(_, o)| *o).collect();
    let found = tx.existing_organisations(&wanted)?;
    for (pointer, o) in orgs {
        if o.is_some_and(|o| !found.contains(o)) {
            errors.push(FieldError {
                pointer: (*pointer).into(),
                code: "unknown_organisation",
                detail: "no active organisation with this id in the tenant".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// 409 unless members may still come and go.
pub fn require_open(p: &Partnership) -> ApiResult<()> {
    if p.status.is_open() {
        Ok(())
    } else {
        Err(ApiError::Conflict {
            code: "partnership_not_open",
            detail: format!(
                "the partnership is {}: its membership cannot change",
                p.status
            ),
        })
    }
}

/// After an invitation was sent or answered: moves the partnership to `forming` or `active`
/// as the lifecycle says, recording the change.
pub fn settle_status(tx: &mut Tx<'_>, actor: &Actor, p: &mut Partnership) -> ApiResult<()> {
    let current = tx.members(&p.id, false)?;
    let pending = current
        .iter()
        .filter(|m| m.status == MemberStatus::Invited)
        .count();
    let active = current
        .iter()
        .filter(|m| m.status == MemberStatus::Active)
        .count();
    let next = after_invitations(p.status, pending, active);
    if next != p.status {
        let from = p.status;
        p.status = next;
        let expected = p.version;
        if !tx.update_partnership(p, expected)? {
            return Err(ApiError::PreconditionFailed);
        }
        tx.record(
            actor
                .event("partnership.status_changed", "partnership", &p.id)
                .in_partnership(&p.id)
                .with(serde_json::json!({ "from": from, "to": next, "automatic": true })),
        )?;
    }
    Ok(())
}

/// The time now, for stints.
pub fn now() -> chrono::DateTime<Utc> {
    persistence::now().and_utc()
}
