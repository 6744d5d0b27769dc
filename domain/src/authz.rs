//! The visibility function: every (principal, action, resource) question, decided in one place.
//!
//! DESIGN.md §3: deny by default. [`decide`] is a pure function written as one `match`, so that
//! each rule can be read in one screen and tested as a table (see the tests below). Handlers
//! never look at roles themselves: typed extractors in the API call [`decide`] and turn a
//! [`Decision`] into 403 or 404. Facts about the resource that the rules need (the target's
//! organisation, later partnership membership and consents) are loaded by the caller, in the
//! same database transaction as the data, and passed in [`Resource`].

use crate::consent::{allowing_consent, ConsentFact, DataCategory, Viewer};
use crate::ids::{ApiClientId, ConsentId, OrganisationId, PlatformAdminId, TenantId, UserId};
use crate::partnership::{MemberRole, MemberStatus};
use crate::user::{Membership, OrgRole, Scope};

/// Who is asking: authenticated, with the facts the rules need, loaded fresh for each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An operator of the platform: tenant metadata only, no tenant data.
    PlatformAdmin {
        /// Its id.
        id: PlatformAdminId,
    },
    /// A person in one tenant.
    User(UserPrincipal),
    /// A third-party frontend's credential in one tenant.
    ApiClient(ClientPrincipal),
}

/// A signed-in user and their roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrincipal {
    /// The tenant the user belongs to.
    pub tenant: TenantId,
    /// The user.
    pub id: UserId,
    /// Holds `tenant_admin`.
    pub tenant_admin: bool,
    /// Roles in organisations.
    pub memberships: Vec<Membership>,
}

impl UserPrincipal {
    /// The user's role in `org`, if any.
    pub fn role_in(&self, org: &OrganisationId) -> Option<OrgRole> {
        self.memberships
            .iter()
            .find(|m| &m.organisation_id == org)
            .map(|m| m.role)
    }
}

/// An API client and its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPrincipal {
    /// The tenant the client belongs to.
    pub tenant: TenantId,
    /// The client.
    pub id: ApiClientId,
    /// What it was granted.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// The tenant whose data the principal may touch; `None` for a platform admin.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Principal::PlatformAdmin { .. } => None,
            Principal::User(u) => Some(&u.tenant),
            Principal::ApiClient(c) => Some(&c.tenant),
        }
    }

    /// The principal's id as text, for logs and audit.
    pub fn id_str(&self) -> &str {
        match self {
            Principal::PlatformAdmin { id } => id.as_str(),
            Principal::User(u) => u.id.as_str(),
            Principal::ApiClient(c) => c.id.as_str(),
        }
    }
}

/// What the principal wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one resource.
    Read,
    /// List resources of a kind.
    List,
    /// Create a resource.
    Create,
    /// Change a resource.
    Update,
    /// Archive, deactivate, suspend or revoke: end a resource's use without deleting it.
    Retire,
}

/// What the principal wants to act on, with the facts the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The principal's own identity (`/v1/me`).
    Me,
    /// Tenants as the platform manages them (metadata only).
    Tenants,
    /// Organisations of the principal's tenant; `Some` names the one acted on.
    Organisation(Option<&'a OrganisationId>),
    /// Users of the principal's tenant; `Some` names the one acted on.
    User(Option<&'a UserId>),
    /// The tenant's API clients.
    ApiClients,
    /// Partnerships; `Some` carries the facts about the one acted on.
    Partnership(Option<&'a PartnershipFacts<'a>>),
    /// The organisation a new partnership is proposed with as its lead member.
    LeadOrganisation(&'a OrganisationId),
    /// An organisation's own place in a partnership: answering its invitation (`Update`) or
    /// leaving (`Retire`). Only the organisation's head decides.
    MemberOrganisation(&'a OrganisationId),
    /// The change audit; `Some` narrows it to one partnership.
    Audit(Option<&'a PartnershipFacts<'a>>),
    /// Creating a partnership with no lead school: brokering, the tenant admin's job.
    Brokering,
    /// Evaluation frameworks: everyone in the tenant reads them; the tenant admin writes.
    Frameworks,
    /// A partnership's aggregates (the analysis of a cycle): as reading the partnership, except
    /// that a member school's users see them only once their school has signed the terms of
    /// reference and data-sharing agreement in force (`member_signed`).
    PartnershipAggregates {
        /// The partnership.
        facts: &'a PartnershipFacts<'a>,
        /// The viewer's member school has signed every in-force ToR and DSA.
        member_signed: bool,
    },
    /// A school's own evaluation submission: private to the school; its head or a leader saves
    /// and submits (`Update`), any of its users reads.
    Submission(&'a OrganisationId),
    /// A school's consents: its users and the tenant admin read them; only its head grants
    /// (`Create`) and revokes (`Retire`).
    Consents(&'a OrganisationId),
    /// A school's own published data: its head and leaders publish (`Update`).
    SchoolProfile(&'a OrganisationId),
    /// Who viewed a school's data: its head; the tenant admin only with the school's consent
    /// to the tenant (`tenant_consent`).
    AccessLog {
        /// The school.
        owner: &'a OrganisationId,
        /// The school has an active consent whose grantee is the tenant.
        tenant_consent: bool,
    },
    /// A school's named data in one category (rules 3, 5, 9): see [`named_data`].
    SchoolData {
        /// The school whose data it is.
        owner: &'a OrganisationId,
        /// The category read.
        category: DataCategory,
        /// The owner's consents, with their facts, loaded with the data.
        consents: &'a [ConsentFact],
        /// The date the consents are judged on.
        today: chrono::NaiveDate,
    },
    /// A partnership's agreements (MOU, ToR, DSA): members read, drafters write.
    Agreement(&'a PartnershipFacts<'a>),
    /// Signing or declining a version for an organisation; `mou` when the agreement is an MOU
    /// (a governor may sign those for the governing board).
    Signatory {
        /// The organisation signed for.
        organisation: &'a OrganisationId,
        /// Whether the agreement is an MOU.
        mou: bool,
    },
    /// Every partnership of the tenant at once, rather than the caller's own.
    AllPartnerships,
}

/// One stint of an organisation in a partnership, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFact {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Its role.
    pub role: MemberRole,
    /// Where the stint stands.
    pub status: MemberStatus,
}

/// What the rules need to know about a partnership, loaded in the same transaction as it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnershipFacts<'a> {
    /// The coordinator.
    pub coordinator: Option<&'a UserId>,
    /// The chair.
    pub chair: Option<&'a UserId>,
    /// Every stint of every organisation, current and past.
    pub members: &'a [MemberFact],
}

/// Where a user stands towards one partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Tenant admin, coordinator, or head of an active lead member: may manage it.
    Manager,
    /// Chair, or a user of an active member organisation: may read it.
    Member,
    /// Only a pending, declined or former member: sees nothing beyond its own invitation.
    Outsider,
    /// No relation: may not know it exists.
    Stranger,
}

fn standing(u: &UserPrincipal, f: &PartnershipFacts<'_>) -> Standing {
    let mine = |m: &&MemberFact| u.role_in(&m.organisation).is_some();
    let active = |m: &&MemberFact| m.status == MemberStatus::Active;
    let leads =
        f.members.iter().filter(mine).filter(active).any(|m| {
            m.role == MemberRole::Lead && u.role_in(&m.organisation) == Some(OrgRole::Head)
        });
    if u.tenant_admin || f.coordinator == Some(&u.id) || leads {
        Standing::Manager
    } else if f.chair == Some(&u.id) || f.members.iter().filter(mine).any(|m| active(&m)) {
        Standing::Member
    } else if f.members.iter().any(|m| mine(&m)) {
        Standing::Outsider
    } else {
        Standing::Stranger
    }
}

const NOT_A_MEMBER: Decision = Forbidden("not_a_member");

/// How a read of a school's named data is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedDataAccess {
    /// The reader's own school (rule 3): no consent needed, nothing to audit.
    OwnSchool,
    /// Another school's data, allowed by this consent (rule 5); the read must be access-audited.
    Consent {
        /// The consent that allowed it.
        consent: ConsentId,
        /// The reader's organisation it reached (none for a tenant admin).
        viewer_organisation: Option<OrganisationId>,
    },
    /// Not allowed, with the reason.
    Denied(&'static str),
}

/// Every read of a school's named data asks this (through [`decide`] or directly when the
/// consent that allowed the read is needed for the access audit).
pub fn named_data(
    principal: &Principal,
    owner: &OrganisationId,
    category: DataCategory,
    consents: &[ConsentFact],
    today: chrono::NaiveDate,
) -> NamedDataAccess {
    let (orgs, tenant_admin): (Vec<OrganisationId>, bool) = match principal {
        // Rule 9: the platform sees no tenant data; clients see no named data.
        Principal::PlatformAdmin { .. } => {
            return NamedDataAccess::Denied("platform_admin_has_no_tenant_data")
        }
        Principal::ApiClient(_) => return NamedDataAccess::Denied("no_consent"),
        Principal::User(u) => (
            u.memberships
                .iter()
                .map(|m| m.organisation_id.clone())
                .collect(),
            u.tenant_admin,
        ),
    };
    if orgs.contains(owner) {
        return NamedDataAccess::OwnSchool;
    }
    match allowing_consent(
        consents,
        &Viewer {
            organisations: &orgs,
            tenant_admin,
        },
        category,
        today,
    ) {
        Some((consent, viewer_organisation)) => NamedDataAccess::Consent {
            consent,
            viewer_organisation,
        },
        None => NamedDataAccess::Denied("no_consent"),
    }
}

/// Agreements are drafted by the tenant admin, the coordinator or a member school's head, and
/// read by everyone who may read the partnership.
fn agreement(u: &UserPrincipal, action: Action, f: &PartnershipFacts<'_>) -> Decision {
    let heads_member = f.members.iter().any(|m| {
        m.status == MemberStatus::Active && u.role_in(&m.organisation) == Some(OrgRole::Head)
    });
    match (action, standing(u, f)) {
        (Read | List, Standing::Manager | Standing::Member) => Allow,
        (_, Standing::Manager) => Allow,
        (_, Standing::Member) if heads_member => Allow,
        (_, Standing::Member) => Forbidden("drafter_required"),
        (_, Standing::Outsider) => NOT_A_MEMBER,
        (_, Standing::Stranger) => Hidden,
    }
}

fn partnership(
    u: &UserPrincipal,
    action: Action,
    facts: Option<&PartnershipFacts<'_>>,
) -> Decision {
    let holds_head = u.memberships.iter().any(|m| m.role == OrgRole::Head);
    match (action, facts) {
        (List, _) => Allow,
        (Create, _) if u.tenant_admin || holds_head => Allow,
        (Create, _) => Forbidden("tenant_admin_or_head_required"),
        (_, None) => Forbidden("partnership_required"),
        (Read, Some(f)) => match standing(u, f) {
            Standing::Manager | Standing::Member => Allow,
            Standing::Outsider => NOT_A_MEMBER,
            Standing::Stranger => Hidden,
        },
        (Update | Retire, Some(f)) => match standing(u, f) {
            Standing::Manager => Allow,
            Standing::Member => Forbidden("partnership_manager_required"),
            Standing::Outsider => NOT_A_MEMBER,
            Standing::Stranger => Hidden,
        },
    }
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The caller may know the resource exists but may not do this: 403 with this code.
    Forbidden(&'static str),
    /// The caller may not know the resource exists: 404.
    Hidden,
}

impl Decision {
    /// True for [`Decision::Allow`].
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

use Action::*;
use Decision::*;

const NOT_TENANT_ADMIN: Decision = Forbidden("tenant_admin_required");
const NO_TENANT_DATA: Decision = Forbidden("platform_admin_has_no_tenant_data");
const PLATFORM_ONLY: Decision = Forbidden("platform_admin_required");
const MISSING_SCOPE: Decision = Forbidden("insufficient_scope");

fn scoped(c: &ClientPrincipal, scope: Scope) -> Decision {
    if c.scopes.contains(&scope) {
        Allow
    } else {
        MISSING_SCOPE
    }
}

fn admin(u: &UserPrincipal) -> Decision {
    if u.tenant_admin {
        Allow
    } else {
        NOT_TENANT_ADMIN
    }
}

/// Decides whether `principal` may do `action` to `resource`. The caller has already resolved
/// the resource within the principal's tenant: another tenant's resource never reaches here
/// (it is not found by the tenant-scoped query, hence 404).
pub fn decide(principal: &Principal, action: Action, resource: Resource<'_>) -> Decision {
    match (principal, resource) {
        // Everyone may ask who they are.
        (_, Resource::Me) if action == Read => Allow,
        (_, Resource::Me) => Forbidden("read_only"),

        // Tenant metadata is the platform's alone (rule 9).
        (Principal::PlatformAdmin { .. }, Resource::Tenants) => Allow,
        (_, Resource::Tenants) => PLATFORM_ONLY,
        // ...and a platform admin sees no tenant data at all.
        (Principal::PlatformAdmin { .. }, _) => NO_TENANT_DATA,

        // The organisation directory is known to everyone in the tenant; a school's head may
        // correct its own details; the tenant admin registers and archives.
        (Principal::User(_), Resource::Organisation(_)) if matches!(action, Read | List) => Allow,
        (Principal::User(u), Resource::Organisation(Some(org))) if action == Update => {
            if u.role_in(org) == Some(OrgRole::Head) {
                Allow
            } else {
                admin(u)
            }
        }
        (Principal::User(u), Resource::Organisation(_)) => admin(u),
        (Principal::ApiClient(c), Resource::Organisation(_)) => match action {
            Read | List => scoped(c, Scope::OrganisationsRead),
            Create | Update | Retire => scoped(c, Scope::OrganisationsWrite),
        },

        // Users: a user may read their own record; the tenant admin manages everyone.
        (Principal::User(u), Resource::User(Some(id))) if action == Read && &u.id == id => Allow,
        (Principal::User(u), Resource::User(Some(id))) if action == Retire && &u.id == id => {
            if u.tenant_admin {
                Forbidden("cannot_deactivate_self")
            } else {
                NOT_TENANT_ADMIN
            }
        }
        (Principal::User(u), Resource::User(_)) => admin(u),
        (Principal::ApiClient(c), Resource::User(_)) => match action {
            Read | List => scoped(c, Scope::UsersRead),
            Create | Update | Retire => scoped(c, Scope::UsersWrite),
        },

        // Partnerships: the tenant admin brokers, a head proposes; members read; the tenant
        // admin, the coordinator and the lead school's head manage (rule 4).
        (Principal::User(u), Resource::Partnership(facts)) => partnership(u, action, facts),
        (Principal::ApiClient(c), Resource::Partnership(_)) => match action {
            Read | List => scoped(c, Scope::PartnershipsRead),
            Create | Update | Retire => MISSING_SCOPE,
        },
        (Principal::User(u), Resource::LeadOrganisation(org)) => {
            if u.tenant_admin || u.role_in(org) == Some(OrgRole::Head) {
                Allow
            } else {
                Forbidden("not_head_of_organisation")
            }
        }
        (Principal::User(u), Resource::Agreement(f)) => agreement(u, action, f),
        (Principal::ApiClient(c), Resource::Agreement(_)) => match action {
            Read | List => scoped(c, Scope::PartnershipsRead),
            Create | Update | Retire => MISSING_SCOPE,
        },
        // A head signs for their school; a governor may sign an MOU for the governing board.
        (Principal::User(u), Resource::Signatory { organisation, mou }) => {
            match u.role_in(organisation) {
                Some(OrgRole::Head) => Allow,
                Some(OrgRole::Governor) if mou => Allow,
                _ => Forbidden("signatory_required"),
            }
        }
        (Principal::ApiClient(_), Resource::Signatory { .. }) => Forbidden("signatory_required"),
        (
            p,
            Resource::SchoolData {
                owner,
                category,
                consents,
                today,
            },
        ) => match named_data(p, owner, category, consents, today) {
            NamedDataAccess::OwnSchool | NamedDataAccess::Consent { .. } => Allow,
            NamedDataAccess::Denied(why) => Forbidden(why),
        },
        (Principal::User(u), Resource::Consents(org)) => match (action, u.role_in(org)) {
            (Read | List, Some(_)) => Allow,
            (Read | List, None) => admin(u),
            (_, Some(OrgRole::Head)) => Allow,
            _ => Forbidden("head_required"),
        },
        (Principal::User(u), Resource::SchoolProfile(org)) => match (action, u.role_in(org)) {
            (Update | Create, Some(OrgRole::Head | OrgRole::Leader)) => Allow,
            _ => Forbidden("head_or_leader_required"),
        },
        (
            Principal::User(u),
            Resource::AccessLog {
                owner,
                tenant_consent,
            },
        ) => {
            if u.role_in(owner) == Some(OrgRole::Head) || (u.tenant_admin && tenant_consent) {
                Allow
            } else {
                Forbidden("head_required")
            }
        }
        (
            Principal::ApiClient(_),
            Resource::Consents(_) | Resource::SchoolProfile(_) | Resource::AccessLog { .. },
        ) => Forbidden("insufficient_scope"),
        (
            Principal::User(u),
            Resource::PartnershipAggregates {
                facts,
                member_signed,
            },
        ) => match standing(u, facts) {
            Standing::Manager => Allow,
            Standing::Member if facts.chair == Some(&u.id) || member_signed => Allow,
            Standing::Member => Forbidden("agreements_unsigned"),
            Standing::Outsider => NOT_A_MEMBER,
            Standing::Stranger => Hidden,
        },
        (Principal::ApiClient(c), Resource::PartnershipAggregates { .. }) => match action {
            Read | List => scoped(c, Scope::PartnershipsRead),
            _ => MISSING_SCOPE,
        },
        (Principal::User(u), Resource::Frameworks) => match action {
            Read | List => Allow,
            _ => admin(u),
        },
        (Principal::ApiClient(_), Resource::Frameworks) if matches!(action, Read | List) => Allow,
        (Principal::User(u), Resource::Submission(org)) => match (action, u.role_in(org)) {
            (Read | List, Some(_)) => Allow,
            (_, Some(OrgRole::Head | OrgRole::Leader)) => Allow,
            (Read | List, None) => Forbidden("own_school_only"),
            (_, Some(_)) => Forbidden("head_or_leader_required"),
            (_, None) => Forbidden("own_school_only"),
        },
        (Principal::ApiClient(_), Resource::Frameworks | Resource::Submission(_)) => MISSING_SCOPE,
        (Principal::User(u), Resource::Brokering) => admin(u),
        (Principal::User(u), Resource::AllPartnerships) if action == Read => admin(u),
        (Principal::ApiClient(c), Resource::AllPartnerships) if action == Read => {
            scoped(c, Scope::PartnershipsRead)
        }
        (_, Resource::Brokering | Resource::AllPartnerships) => NOT_TENANT_ADMIN,
        // Only a head answers for their organisation: not the tenant admin, not a leader.
        (Principal::User(u), Resource::MemberOrganisation(org)) => {
            if u.role_in(org) == Some(OrgRole::Head) {
                Allow
            } else {
                Forbidden("head_required")
            }
        }
        (
            Principal::ApiClient(_),
            Resource::LeadOrganisation(_) | Resource::MemberOrganisation(_),
        ) => Forbidden("head_required"),

        // The change audit: the tenant admin sees it all, a coordinator their partnership's.
        (Principal::User(u), Resource::Audit(_)) if u.tenant_admin && action == List => Allow,
        (Principal::User(u), Resource::Audit(Some(f)))
            if action == List && f.coordinator == Some(&u.id) =>
        {
            Allow
        }
        (_, Resource::Audit(_)) => NOT_TENANT_ADMIN,

        // Credentials for frontends are issued by people, never by another client.
        (Principal::User(u), Resource::ApiClients) => admin(u),
        (Principal::ApiClient(_), Resource::ApiClients) => {
            Forbidden("api_clients_cannot_manage_clients")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kinds of caller the table covers.
    #[derive(Debug, Clone, Copy)]
    enum Who {
        Platform,
        TenantAdmin,
        Head,
        Leader,
        Staff,
        Governor,
        NoRole,
        ClientRead,
        ClientWrite,
        ClientNone,
    }

    const OWN: &str = "org_01hx0000000000000000000001";
    const OTHER: &str = "org_01hx0000000000000000000002";
    const ME: &str = "usr_01hx0000000000000000000001";
    const SOMEONE: &str = "usr_01hx0000000000000000000002";

    fn principal(who: Who) -> Principal {
        let tenant = TenantId::parse("ten_01hx0000000000000000000001").expect("id");
        let own = OrganisationId::parse(OWN).expect("id");
        let user = |admin: bool, role: Option<OrgRole>| {
            Principal::User(UserPrincipal {
                tenant: tenant.clone(),
                id: UserId::parse(ME).expect("id"),
                tenant_admin: admin,
                memberships: role
                    .map(|role| Membership {
                        organisation_id: own.clone(),
                        role,
                    })
                    .into_iter()
                    .collect(),
            })
        };
        let client = |scopes: Vec<Scope>| {
            Principal::ApiClient(ClientPrincipal {
                tenant: tenant.clone(),
                id: ApiClientId::parse("cli_01hx0000000000000000000001").expect("id"),
                scopes,
            })
        };
        match who {
            Who::Platform => Principal::PlatformAdmin {
                id: PlatformAdminId::parse("pad_01hx0000000000000000000001").expect("id"),
            },
            Who::TenantAdmin => user(true, None),
            Who::Head => user(false, Some(OrgRole::Head)),
            Who::Leader => user(false, Some(OrgRole::Leader)),
            Who::Staff => user(false, Some(OrgRole::Staff)),
            Who::Governor => user(false, Some(OrgRole::Governor)),
            Who::NoRole => user(false, None),
            Who::ClientRead => client(vec![Scope::OrganisationsRead, Scope::UsersRead]),
            Who::ClientWrite => client(vec![Scope::OrganisationsWrite, Scope::UsersWrite]),
            Who::ClientNone => client(vec![]),
        }
    }

    /// `A` allow, `F` forbidden, `H` hidden: one letter per [`Who`] in declaration order.
    fn expect(row: &str) -> Vec<char> {
        row.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn letter(d: Decision) -> char {
        match d {
            Allow => 'A',
            Forbidden(_) => 'F',
            Hidden => 'H',
        }
    }

    #[test]
    fn visibility_table() {
        let who = [
            Who::Platform,
            Who::TenantAdmin,
            Who::Head,
            Who::Leader,
            Who::Staff,
            Who::Governor,
            Who::NoRole,
            Who::ClientRead,
            Who::ClientWrite,
            Who::ClientNone,
        ];
        let own = OrganisationId::parse(OWN).expect("id");
        let other = OrganisationId::parse(OTHER).expect("id");
        let me = UserId::parse(ME).expect("id");
        let someone = UserId::parse(SOMEONE).expect("id");
        // resource, action, expected per caller:
        //            Plat TAdm Head Lead Staf Gov  None CRd  CWr  CNone
        let table: Vec<(Resource<'_>, Action, &str)> = vec![
            (Resource::Me, Read, "A A A A A A A A A A"),
            (Resource::Me, Update, "F F F F F F F F F F"),
            (Resource::Tenants, List, "A F F F F F F F F F"),
            (Resource::Tenants, Create, "A F F F F F F F F F"),
            (Resource::Tenants, Retire, "A F F F F F F F F F"),
            (Resource::Organisation(None), List, "F A A A A A A A F F"),
            (
                Resource::Organisation(Some(&own)),
                Read,
                "F A A A A A A A F F",
            ),
            (
                Resource::Organisation(Some(&other)),
                Read,
                "F A A A A A A A F F",
            ),
            (Resource::Organisation(None), Create, "F A F F F F F F A F"),
            (
                Resource::Organisation(Some(&own)),
                Update,
                "F A A F F F F F A F",
            ),
            (
                Resource::Organisation(Some(&other)),
                Update,
                "F A F F F F F F A F",
            ),
            (
                Resource::Organisation(Some(&own)),
                Retire,
                "F A F F F F F F A F",
            ),
            (Resource::User(None), List, "F A F F F F F A F F"),
            (Resource::User(Some(&me)), Read, "F A A A A A A A F F"),
            (Resource::User(Some(&someone)), Read, "F A F F F F F A F F"),
            (Resource::User(None), Create, "F A F F F F F F A F"),
            (
                Resource::User(Some(&someone)),
                Update,
                "F A F F F F F F A F",
            ),
            (Resource::User(Some(&me)), Update, "F A F F F F F F A F"),
            (
                Resource::User(Some(&someone)),
                Retire,
                "F A F F F F F F A F",
            ),
            (Resource::User(Some(&me)), Retire, "F F F F F F F F A F"),
            (Resource::ApiClients, List, "F A F F F F F F F F"),
            (Resource::ApiClients, Create, "F A F F F F F F F F"),
            (Resource::ApiClients, Retire, "F A F F F F F F F F"),
        ];
        let mut failures = Vec::new();
        for (resource, action, row) in &table {
            let want = expect(row);
            assert_eq!(
                want.len(),
                who.len(),
                "row {resource:?} {action:?} is the wrong width"
            );
            for (w, expected) in who.iter().zip(want) {
                let got = letter(decide(&principal(*w), *action, *resource));
                if got != expected {
                    failures.push(format!(
                        "{w:?} {action:?} {resource:?}: got {got}, want {expected}"
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "visibility table mismatches:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn forbidden_decisions_carry_a_reason() {
        let d = decide(
            &principal(Who::Platform),
            Read,
            Resource::Organisation(None),
        );
        assert_eq!(d, Forbidden("platform_admin_has_no_tenant_data"));
        let d = decide(
            &principal(Who::ClientNone),
            List,
            Resource::Organisation(None),
        );
        assert_eq!(d, Forbidden("insufficient_scope"));
    }

    /// The callers of the partnership table, each with one relation to the partnership.
    #[derive(Debug, Clone, Copy)]
    enum Rel {
        Platform,
        TenantAdmin,
        Coordinator,
        Chair,
        LeadHead,
        MemberHead,
        MemberLeader,
        MemberStaff,
        MemberGovernor,
        PendingHead,
        DeclinedHead,
        FormerHead,
        NonMemberHead,
        ClientWithScope,
        ClientWithout,
    }

    fn org(n: u8) -> OrganisationId {
        OrganisationId::parse(&format!("org_01hx00000000000000000000{n:02}")).expect("id")
    }

    fn rel_principal(rel: Rel) -> Principal {
        let tenant = TenantId::parse("ten_01hx0000000000000000000001").expect("id");
        let id = match rel {
            Rel::Coordinator => UserId::parse("usr_01hx0000000000000000000c00").expect("id"),
            Rel::Chair => UserId::parse("usr_01hx0000000000000000000c01").expect("id"),
            _ => UserId::parse(ME).expect("id"),
        };
        let user = |admin: bool, ms: Vec<(u8, OrgRole)>| {
            Principal::User(UserPrincipal {
                tenant: tenant.clone(),
                id: id.clone(),
                tenant_admin: admin,
                memberships: ms
                    .into_iter()
                    .map(|(n, role)| Membership {
                        organisation_id: org(n),
                        role,
                    })
                    .collect(),
            })
        };
        let client = |scopes| {
            Principal::ApiClient(ClientPrincipal {
                tenant: tenant.clone(),
                id: ApiClientId::parse("cli_01hx0000000000000000000001").expect("id"),
                scopes,
            })
        };
        match rel {
            Rel::Platform => Principal::PlatformAdmin {
                id: PlatformAdminId::parse("pad_01hx0000000000000000000001").expect("id"),
            },
            Rel::TenantAdmin => user(true, vec![]),
            Rel::Coordinator | Rel::Chair => user(false, vec![]),
            Rel::LeadHead => user(false, vec![(1, OrgRole::Head)]),
            Rel::MemberHead => user(false, vec![(2, OrgRole::Head)]),
            Rel::MemberLeader => user(false, vec![(2, OrgRole::Leader)]),
            Rel::MemberStaff => user(false, vec![(2, OrgRole::Staff)]),
            Rel::MemberGovernor => user(false, vec![(2, OrgRole::Governor)]),
            Rel::PendingHead => user(false, vec![(3, OrgRole::Head)]),
            Rel::DeclinedHead => user(false, vec![(4, OrgRole::Head)]),
            Rel::FormerHead => user(false, vec![(5, OrgRole::Head)]),
            Rel::NonMemberHead => user(false, vec![(6, OrgRole::Head)]),
            Rel::ClientWithScope => client(vec![Scope::PartnershipsRead]),
            Rel::ClientWithout => client(vec![]),
        }
    }

    #[test]
    fn partnership_visibility_table() {
        use crate::partnership::{MemberRole as R, MemberStatus as S};
        let coordinator = UserId::parse("usr_01hx0000000000000000000c00").expect("id");
        let chair = UserId::parse("usr_01hx0000000000000000000c01").expect("id");
        let fact = |n, role, status| MemberFact {
            organisation: org(n),
            role,
            status,
        };
        let members = vec![
            fact(1, R::Lead, S::Active),
            fact(2, R::Member, S::Active),
            fact(3, R::Member, S::Invited),
            fact(4, R::Member, S::Declined),
            fact(5, R::Member, S::Left),
        ];
        let facts = PartnershipFacts {
            coordinator: Some(&coordinator),
            chair: Some(&chair),
            members: &members,
        };
        let rels = [
            Rel::Platform,
            Rel::TenantAdmin,
            Rel::Coordinator,
            Rel::Chair,
            Rel::LeadHead,
            Rel::MemberHead,
            Rel::MemberLeader,
            Rel::MemberStaff,
            Rel::MemberGovernor,
            Rel::PendingHead,
            Rel::DeclinedHead,
            Rel::FormerHead,
            Rel::NonMemberHead,
            Rel::ClientWithScope,
            Rel::ClientWithout,
        ];
        let (own, pending) = (org(2), org(3));
        //                                            Plat TAdm Coor Chai Lead MHd  MLdr MStf MGov Pend Decl Form NonM CScp CNo
        let table: Vec<(Resource<'_>, Action, &str)> = vec![
            (
                Resource::Partnership(None),
                List,
                "F    A    A    A    A    A    A    A    A    A    A    A    A    A    F",
            ),
            (
                Resource::Partnership(None),
                Create,
                "F    A    F    F    A    A    F    F    F    A    A    A    A    F    F",
            ),
            (
                Resource::Partnership(Some(&facts)),
                Read,
                "F A A A A A A A A F F F H A F",
            ),
            (
                Resource::Partnership(Some(&facts)),
                Update,
                "F A A F A F F F F F F F H F F",
            ),
            (
                Resource::Partnership(Some(&facts)),
                Retire,
                "F A A F A F F F F F F F H F F",
            ),
            (
                Resource::LeadOrganisation(&own),
                Create,
                "F A F F F A F F F F F F F F F",
            ),
            (
                Resource::MemberOrganisation(&own),
                Update,
                "F F F F F A F F F F F F F F F",
            ),
            (
                Resource::MemberOrganisation(&pending),
                Update,
                "F F F F F F F F F A F F F F F",
            ),
            (
                Resource::MemberOrganisation(&own),
                Retire,
                "F F F F F A F F F F F F F F F",
            ),
            (Resource::Audit(None), List, "F A F F F F F F F F F F F F F"),
            (
                Resource::Audit(Some(&facts)),
                List,
                "F A A F F F F F F F F F F F F",
            ),
        ];
        let mut failures = Vec::new();
        for (resource, action, row) in &table {
            let want = expect(row);
            assert_eq!(
                want.len(),
                rels.len(),
                "row {resource:?} {action:?} is the wrong width"
            );
            for (r, expected) in rels.iter().zip(want) {
                let got = letter(decide(&rel_principal(*r), *action, *resource));
                if got != expected {
                    failures.push(format!(
                        "{r:?} {action:?} {resource:?}: got {got}, want {expected}"
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "partnership table mismatches:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn pending_and_former_members_learn_only_that_they_are_not_members() {
        use crate::partnership::{MemberRole as R, MemberStatus as S};
        let members = vec![MemberFact {
            organisation: org(3),
            role: R::Member,
            status: S::Invited,
        }];
        let facts = PartnershipFacts {
            coordinator: None,
            chair: None,
            members: &members,
        };
        let d = decide(
            &rel_principal(Rel::PendingHead),
            Read,
            Resource::Partnership(Some(&facts)),
        );
        assert_eq!(d, Forbidden("not_a_member"));
        let d = decide(
            &rel_principal(Rel::NonMemberHead),
            Read,
            Resource::Partnership(Some(&facts)),
        );
        assert_eq!(d, Hidden, "a stranger may not learn the partnership exists");
    }
}
