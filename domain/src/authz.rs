//! The visibility function: every (principal, action, resource) question, decided in one place.
//!
//! DESIGN.md §3: deny by default. [`decide`] is a pure function written as one `match`, so that
//! each rule can be read in one screen and tested as a table (see the tests below). Handlers
//! never look at roles themselves: typed extractors in the API call [`decide`] and turn a
//! [`Decision`] into 403 or 404. Facts about the resource that the rules need (the target's
//! organisation, later partnership membership and consents) are loaded by the caller, in the
//! same database transaction as the data, and passed in [`Resource`].

use crate::ids::{ApiClientId, OrganisationId, PlatformAdminId, TenantId, UserId};
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
}
