//! The visibility function (DESIGN.md §3): `domain::authz::decide`, `domain::authz::named_data`
//! and `domain::consent::allowing_consent`, on principals, partnerships and consent facts built
//! from the fuzz input over a small pool of ids (so that relations actually coincide).
//!
//! Invariants (each from a rule of §3 or the doc comments in authz.rs / consent.rs):
//! - a platform admin is allowed `Me` (read) and `Tenants`, and nothing else: every other
//!   resource is 403 `platform_admin_has_no_tenant_data` (rule 9);
//! - nobody but a platform admin is allowed `Tenants`;
//! - named data (rules 3, 5, 9): a platform admin and an API client never read it; a user reads
//!   their own school's; otherwise only through a consent that covers the category, is not
//!   revoked, is within its dates, rests on a DSA in force, (for a partnership grantee) has a
//!   qualified grantor, and whose grantee reaches the viewer: a qualified member organisation
//!   of the partnership, the named organisation, or a tenant admin for a tenant grantee.
//!   `allowing_consent` is compared with an independent model of that rule, consent for
//!   consent;
//! - revoking every consent, or judging them after they all ended or before any began, leaves
//!   only the viewer's own school readable (rule 7);
//! - `decide(SchoolData)` allows exactly when `named_data` does;
//! - rule 1/2 shape: `Hidden` (404) is answered only to a user with no relation at all to the
//!   partnership; a tenant admin, a coordinator and a user of an active member always read the
//!   partnership and its agreements (rule 4); a pending or former member never does;
//! - aggregates (rule 6): a plain member reads them only once its school signed (or as chair);
//! - only a school's head grants or revokes its consents; only a head (or a governor, for an
//!   MOU) signs; only a head answers for an organisation; the access log is the head's, or a
//!   tenant admin's with the school's consent to the tenant; a submission is private to its
//!   school;
//! - an API client never writes partnerships, agreements, consents, submissions or clients,
//!   never signs, and reads nothing its scopes don't cover.
//!
//! Not covered here: "another tenant's resource is 404". `decide` never sees another tenant's
//! resource (tenant-scoped queries fail to find it first), so that rule lives in the
//! persistence layer and the end-to-end tests, not in this pure function.
#![no_main]

use arbitrary::{Result, Unstructured};
use chrono::{Days, NaiveDate};
use domain::authz::{
    decide, named_data, Action, ClientPrincipal, Decision, MemberFact, NamedDataAccess,
    PartnershipFacts, Principal, Resource, UserPrincipal,
};
use domain::consent::{allowing_consent, ConsentFact, DataCategory, Grantee, Viewer};
use domain::partnership::{MemberRole, MemberStatus};
use domain::user::{Membership, OrgRole, Scope};
use domain::{ApiClientId, ConsentId, OrganisationId, PartnershipId, PlatformAdminId};
use domain::{TenantId, UserId};
use libfuzzer_sys::fuzz_target;

const ACTIONS: [Action; 5] = [
    Action::Read,
    Action::List,
    Action::Create,
    Action::Update,
    Action::Retire,
];

fn ulid(n: usize) -> String {
    format!("01hx{n:022}")
}

/// A small pool of each kind of id, so that the input's relations coincide.
struct Pool {
    tenant: TenantId,
    orgs: Vec<OrganisationId>,
    users: Vec<UserId>,
    partnerships: Vec<PartnershipId>,
}

impl Pool {
    fn new() -> Self {
        let id = |prefix: &str, n: usize| format!("{prefix}_{}", ulid(n));
        Pool {
            tenant: TenantId::parse(&id(TenantId::PREFIX, 1)).expect("tenant id"),
            orgs: (0..5)
                .map(|n| OrganisationId::parse(&id(OrganisationId::PREFIX, n)).expect("org id"))
                .collect(),
            users: (0..3)
                .map(|n| UserId::parse(&id(UserId::PREFIX, n)).expect("user id"))
                .collect(),
            partnerships: (0..2)
                .map(|n| PartnershipId::parse(&id(PartnershipId::PREFIX, n)).expect("prt id"))
                .collect(),
        }
    }
}

fn pick<'a, T>(u: &mut Unstructured<'_>, xs: &'a [T]) -> Result<&'a T> {
    u.choose(xs)
}

fn subset<T: Clone>(u: &mut Unstructured<'_>, xs: &[T]) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for x in xs {
        if u.arbitrary::<bool>()? {
            out.push(x.clone());
        }
    }
    Ok(out)
}

fn principal(u: &mut Unstructured<'_>, pool: &Pool) -> Result<Principal> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => Principal::PlatformAdmin {
            id: PlatformAdminId::parse(&format!("{}_{}", PlatformAdminId::PREFIX, ulid(9)))
                .expect("pad id"),
        },
        1 => Principal::ApiClient(ClientPrincipal {
            tenant: pool.tenant.clone(),
            id: ApiClientId::parse(&format!("{}_{}", ApiClientId::PREFIX, ulid(9)))
                .expect("cli id"),
            scopes: subset(u, Scope::ALL)?,
        }),
        _ => {
            let mut memberships = Vec::new();
            for _ in 0..u.int_in_range(0..=3u8)? {
                memberships.push(Membership {
                    organisation_id: pick(u, &pool.orgs)?.clone(),
                    role: *pick(u, OrgRole::ALL)?,
                });
            }
            Principal::User(UserPrincipal {
                tenant: pool.tenant.clone(),
                id: pick(u, &pool.users)?.clone(),
                tenant_admin: u.ratio(1u8, 4)?,
                memberships,
            })
        }
    })
}

fn date(u: &mut Unstructured<'_>, base: NaiveDate) -> Result<NaiveDate> {
    let off: i8 = u.int_in_range(-6..=6)?;
    Ok(if off < 0 {
        base - Days::new(u64::from(off.unsigned_abs()))
    } else {
        base + Days::new(u64::from(off.unsigned_abs()))
    })
}

fn consents(u: &mut Unstructured<'_>, pool: &Pool, base: NaiveDate) -> Result<Vec<ConsentFact>> {
    let mut out = Vec::new();
    for i in 0..u.int_in_range(0..=4usize)? {
        let grantee = match u.int_in_range(0..=2u8)? {
            0 => Grantee::Partnership(pick(u, &pool.partnerships)?.clone()),
            1 => Grantee::Organisation(pick(u, &pool.orgs)?.clone()),
            _ => Grantee::TenantAdmins,
        };
        let valid_from = date(u, base)?;
        let valid_until = if u.arbitrary()? {
            Some(date(u, base)?)
        } else {
            None
        };
        out.push(ConsentFact {
            id: ConsentId::parse(&format!("{}_{}", ConsentId::PREFIX, ulid(i)))
                .expect("consent id"),
            grantee,
            categories: subset(u, DataCategory::ALL)?,
            valid_from,
            valid_until,
            revoked: u.ratio(1u8, 4)?,
            dsa_ok: !u.ratio(1u8, 5)?,
            grantor_qualified: !u.ratio(1u8, 5)?,
            qualified_members: subset(u, &pool.orgs)?,
        });
    }
    Ok(out)
}

fn members(u: &mut Unstructured<'_>, pool: &Pool) -> Result<Vec<MemberFact>> {
    let mut out = Vec::new();
    for _ in 0..u.int_in_range(0..=5u8)? {
        out.push(MemberFact {
            organisation: pick(u, &pool.orgs)?.clone(),
            role: *pick(u, MemberRole::ALL)?,
            status: *pick(u, MemberStatus::ALL)?,
        });
    }
    Ok(out)
}

/// The model of rule 5 and consent.rs, written from the design rather than the code: does
/// consent `c` let a user with roles in `orgs` (and `tenant_admin`) read `category` on `today`,
/// and which of the viewer's organisations does it reach?
fn model_allows(
    c: &ConsentFact,
    orgs: &[OrganisationId],
    tenant_admin: bool,
    category: DataCategory,
    today: NaiveDate,
) -> Option<Option<OrganisationId>> {
    let current = !c.revoked
        && c.valid_from <= today
        && c.valid_until.map_or(true, |until| today <= until)
        && c.dsa_ok;
    if !current || !c.categories.contains(&category) {
        return None;
    }
    match &c.grantee {
        Grantee::Partnership(_) if !c.grantor_qualified => None,
        Grantee::Partnership(_) => orgs
            .iter()
            .find(|o| c.qualified_members.contains(o))
            .map(|o| Some(o.clone())),
        Grantee::Organisation(g) => orgs.contains(g).then(|| Some(g.clone())),
        Grantee::TenantAdmins => tenant_admin.then_some(None),
    }
}

fn user_orgs(p: &Principal) -> (Vec<OrganisationId>, bool) {
    match p {
        Principal::User(u) => (
            u.memberships
                .iter()
                .map(|m| m.organisation_id.clone())
                .collect(),
            u.tenant_admin,
        ),
        _ => (Vec::new(), false),
    }
}

fn check_named_data(
    p: &Principal,
    owner: &OrganisationId,
    category: DataCategory,
    consents: &[ConsentFact],
    today: NaiveDate,
) {
    let got = named_data(p, owner, category, consents, today);
    let (orgs, tenant_admin) = user_orgs(p);
    let model = consents
        .iter()
        .find_map(|c| model_allows(c, &orgs, tenant_admin, category, today).map(|o| (c, o)));
    match p {
        Principal::PlatformAdmin { .. } => assert_eq!(
            got,
            NamedDataAccess::Denied("platform_admin_has_no_tenant_data"),
            "rule 9"
        ),
        Principal::ApiClient(_) => {
            assert!(
                matches!(got, NamedDataAccess::Denied(_)),
                "client read named data: {got:?}"
            )
        }
        Principal::User(_) if orgs.contains(owner) => {
            assert_eq!(got, NamedDataAccess::OwnSchool, "rule 3")
        }
        Principal::User(_) => match (&got, model) {
            (
                NamedDataAccess::Consent {
                    consent,
                    viewer_organisation,
                },
                Some((c, reached)),
            ) => {
                assert_eq!(consent, &c.id, "a different consent than the model's first");
                assert_eq!(viewer_organisation, &reached);
            }
            (NamedDataAccess::Denied(why), None) => assert_eq!(*why, "no_consent"),
            (got, model) => panic!("named_data {got:?} but the model says {model:?}"),
        },
    }
    // The same question through `allowing_consent` directly.
    let direct = allowing_consent(
        consents,
        &Viewer {
            organisations: &orgs,
            tenant_admin,
        },
        category,
        today,
    );
    let model = consents.iter().find_map(|c| {
        model_allows(c, &orgs, tenant_admin, category, today).map(|o| (c.id.clone(), o))
    });
    assert_eq!(direct, model, "allowing_consent disagrees with the model");
    if let Some((id, _)) = &direct {
        let c = consents
            .iter()
            .find(|c| &c.id == id)
            .expect("returned id is one of the facts");
        assert!(c.is_active(today), "an inactive consent allowed a read");
        assert!(!c.revoked && c.dsa_ok && c.valid_from <= today);
    }
    // decide agrees with named_data, whatever the action.
    for action in ACTIONS {
        let d = decide(
            p,
            action,
            Resource::SchoolData {
                owner,
                category,
                consents,
                today,
            },
        );
        let allowed = matches!(
            got,
            NamedDataAccess::OwnSchool | NamedDataAccess::Consent { .. }
        );
        assert_eq!(d.is_allowed(), allowed, "decide(SchoolData) vs named_data");
        assert_ne!(d, Decision::Hidden);
    }
}

/// Rule 7: once every consent is revoked, or ended, or not yet begun, only the own school is
/// readable.
fn check_revocation(
    p: &Principal,
    owner: &OrganisationId,
    category: DataCategory,
    consents: &[ConsentFact],
    today: NaiveDate,
) {
    let revoked: Vec<ConsentFact> = consents
        .iter()
        .cloned()
        .map(|mut c| {
            c.revoked = true;
            c
        })
        .collect();
    let ended: Vec<ConsentFact> = consents
        .iter()
        .cloned()
        .map(|mut c| {
            c.valid_until = Some(today - Days::new(1));
            c
        })
        .collect();
    let not_yet: Vec<ConsentFact> = consents
        .iter()
        .cloned()
        .map(|mut c| {
            c.valid_from = today + Days::new(1);
            c
        })
        .collect();
    for cs in [&revoked, &ended, &not_yet] {
        let got = named_data(p, owner, category, cs, today);
        assert!(
            !matches!(got, NamedDataAccess::Consent { .. }),
            "a revoked/ended/future consent allowed a read: {got:?}"
        );
    }
}

fn relation(u: &UserPrincipal, f: &PartnershipFacts<'_>) -> (bool, bool, bool) {
    let mine = |m: &MemberFact| u.role_in(&m.organisation).is_some();
    let active_member = f
        .members
        .iter()
        .any(|m| mine(m) && m.status == MemberStatus::Active);
    let any_member = f.members.iter().any(mine);
    let named = f.coordinator == Some(&u.id) || f.chair == Some(&u.id);
    (active_member, any_member, named)
}

fn check_partnership(p: &Principal, f: &PartnershipFacts<'_>, member_signed: bool, mou: bool) {
    for action in ACTIONS {
        let part = decide(p, action, Resource::Partnership(Some(f)));
        let agr = decide(p, action, Resource::Agreement(f));
        let aggr = decide(
            p,
            action,
            Resource::PartnershipAggregates {
                facts: f,
                member_signed,
            },
        );
        let audit = decide(p, action, Resource::Audit(Some(f)));
        match p {
            Principal::PlatformAdmin { .. } => {}
            Principal::ApiClient(c) => {
                let reads = c.scopes.contains(&Scope::PartnershipsRead);
                for d in [part, agr, aggr] {
                    assert_ne!(d, Decision::Hidden);
                    if d.is_allowed() {
                        assert!(reads, "client without partnerships:read allowed {action:?}");
                        assert!(
                            matches!(action, Action::Read | Action::List),
                            "client allowed {action:?} on a partnership"
                        );
                    }
                }
                assert!(!audit.is_allowed());
            }
            Principal::User(u) => {
                let (active_member, any_member, named) = relation(u, f);
                let lead_head = f.members.iter().any(|m| {
                    m.status == MemberStatus::Active
                        && m.role == MemberRole::Lead
                        && u.role_in(&m.organisation) == Some(OrgRole::Head)
                });
                for d in [part, agr, aggr] {
                    if d == Decision::Hidden {
                        assert!(
                            !u.tenant_admin && !any_member && !named,
                            "404 for a user who is related to the partnership"
                        );
                    }
                }
                if action == Action::Read {
                    if u.tenant_admin || f.coordinator == Some(&u.id) || active_member {
                        assert!(part.is_allowed(), "rule 4: partnership hidden from {u:?}");
                        assert!(agr.is_allowed(), "rule 4: agreements hidden from {u:?}");
                    }
                    if !u.tenant_admin && !named && !active_member {
                        assert!(!part.is_allowed(), "non-member read the partnership");
                        assert!(!agr.is_allowed(), "non-member read its agreements");
                    }
                }
                // Rule 6: a plain member (not manager, not chair) only once its school signed.
                let manager = u.tenant_admin || f.coordinator == Some(&u.id) || lead_head;
                if aggr.is_allowed() && !manager {
                    assert!(
                        active_member || f.chair == Some(&u.id),
                        "aggregates to a non-member"
                    );
                    assert!(
                        member_signed || f.chair == Some(&u.id),
                        "aggregates before the member signed"
                    );
                }
                if part.is_allowed() && matches!(action, Action::Update | Action::Retire) {
                    assert!(manager, "a non-manager changed the partnership");
                }
                if audit.is_allowed() {
                    assert!(u.tenant_admin || f.coordinator == Some(&u.id));
                    assert_eq!(action, Action::List);
                }
            }
        }
    }
    let _ = mou;
}

fn check_org_scoped(p: &Principal, org: &OrganisationId, tenant_consent: bool, mou: bool) {
    for action in ACTIONS {
        let consents = decide(p, action, Resource::Consents(org));
        let signatory = decide(
            p,
            action,
            Resource::Signatory {
                organisation: org,
                mou,
            },
        );
        let member_org = decide(p, action, Resource::MemberOrganisation(org));
        let access_log = decide(
            p,
            action,
            Resource::AccessLog {
                owner: org,
                tenant_consent,
            },
        );
        let submission = decide(p, action, Resource::Submission(org));
        let profile = decide(p, action, Resource::SchoolProfile(org));
        let all = [
            consents, signatory, member_org, access_log, submission, profile,
        ];
        for d in all {
            assert_ne!(d, Decision::Hidden, "404 on an organisation's own resource");
        }
        match p {
            Principal::PlatformAdmin { .. } => {}
            Principal::ApiClient(_) => {
                for d in all {
                    assert!(!d.is_allowed(), "a client allowed {action:?}: {d:?}");
                }
            }
            Principal::User(u) => {
                let role = u.role_in(org);
                let write = !matches!(action, Action::Read | Action::List);
                if consents.is_allowed() && write {
                    assert_eq!(role, Some(OrgRole::Head), "a non-head changed consents");
                }
                if consents.is_allowed() && !write {
                    assert!(role.is_some() || u.tenant_admin);
                }
                if signatory.is_allowed() {
                    assert!(
                        role == Some(OrgRole::Head) || (mou && role == Some(OrgRole::Governor)),
                        "signed by {role:?} (mou: {mou})"
                    );
                }
                if member_org.is_allowed() {
                    assert_eq!(role, Some(OrgRole::Head));
                }
                if access_log.is_allowed() {
                    assert!(role == Some(OrgRole::Head) || (u.tenant_admin && tenant_consent));
                }
                if submission.is_allowed() {
                    assert!(
                        role.is_some(),
                        "rule: a submission is private to its school"
                    );
                    if write {
                        assert!(matches!(role, Some(OrgRole::Head | OrgRole::Leader)));
                    }
                }
                if profile.is_allowed() {
                    assert!(matches!(role, Some(OrgRole::Head | OrgRole::Leader)));
                }
            }
        }
    }
}

/// Rule 9 and the `Tenants` rule, over every resource.
fn check_platform(p: &Principal, resources: &[Resource<'_>]) {
    for r in resources {
        for action in ACTIONS {
            let d = decide(p, action, *r);
            match (p, r) {
                (_, Resource::Me) => {
                    assert_eq!(d.is_allowed(), action == Action::Read, "Me {action:?}")
                }
                (Principal::PlatformAdmin { .. }, Resource::Tenants) => assert!(d.is_allowed()),
                (_, Resource::Tenants) => assert!(!d.is_allowed(), "tenants to a non-platform"),
                (Principal::PlatformAdmin { .. }, _) => assert_eq!(
                    d,
                    Decision::Forbidden("platform_admin_has_no_tenant_data"),
                    "rule 9 on {r:?}"
                ),
                (Principal::ApiClient(c), _) if d.is_allowed() => {
                    let need = match r {
                        Resource::Organisation(_)
                            if matches!(action, Action::Read | Action::List) =>
                        {
                            Some(Scope::OrganisationsRead)
                        }
                        Resource::Organisation(_) => Some(Scope::OrganisationsWrite),
                        Resource::User(_) if matches!(action, Action::Read | Action::List) => {
                            Some(Scope::UsersRead)
                        }
                        Resource::User(_) => Some(Scope::UsersWrite),
                        Resource::Frameworks => None,
                        _ => Some(Scope::PartnershipsRead),
                    };
                    if let Some(s) = need {
                        assert!(c.scopes.contains(&s), "client without {s:?} allowed {r:?}");
                    }
                    assert!(
                        !matches!(r, Resource::ApiClients | Resource::Brokering),
                        "client allowed {r:?}"
                    );
                }
                _ => {}
            }
        }
    }
}

fn run(u: &mut Unstructured<'_>, pool: &Pool) -> Result<()> {
    let base = NaiveDate::from_ymd_opt(2026, 11, 15).expect("date");
    let p = principal(u, pool)?;
    let owner = pick(u, &pool.orgs)?.clone();
    let category = *pick(u, DataCategory::ALL)?;
    let today = date(u, base)?;
    let cs = consents(u, pool, base)?;
    check_named_data(&p, &owner, category, &cs, today);
    check_revocation(&p, &owner, category, &cs, today);

    let ms = members(u, pool)?;
    let coordinator = if u.arbitrary()? {
        Some(pick(u, &pool.users)?)
    } else {
        None
    };
    let chair = if u.arbitrary()? {
        Some(pick(u, &pool.users)?)
    } else {
        None
    };
    let facts = PartnershipFacts {
        coordinator,
        chair,
        members: &ms,
    };
    let member_signed: bool = u.arbitrary()?;
    let mou: bool = u.arbitrary()?;
    let tenant_consent: bool = u.arbitrary()?;
    check_partnership(&p, &facts, member_signed, mou);
    check_org_scoped(&p, &owner, tenant_consent, mou);

    let user = pick(u, &pool.users)?;
    let resources = [
        Resource::Me,
        Resource::Tenants,
        Resource::Organisation(None),
        Resource::Organisation(Some(&owner)),
        Resource::User(None),
        Resource::User(Some(user)),
        Resource::ApiClients,
        Resource::Partnership(None),
        Resource::Partnership(Some(&facts)),
        Resource::LeadOrganisation(&owner),
        Resource::MemberOrganisation(&owner),
        Resource::Audit(None),
        Resource::Audit(Some(&facts)),
        Resource::Brokering,
        Resource::Frameworks,
        Resource::PartnershipAggregates {
            facts: &facts,
            member_signed,
        },
        Resource::Submission(&owner),
        Resource::Consents(&owner),
        Resource::SchoolProfile(&owner),
        Resource::AccessLog {
            owner: &owner,
            tenant_consent,
        },
        Resource::SchoolData {
            owner: &owner,
            category,
            consents: &cs,
            today,
        },
        Resource::Agreement(&facts),
        Resource::Signatory {
            organisation: &owner,
            mou,
        },
        Resource::AllPartnerships,
    ];
    check_platform(&p, &resources);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static POOL: Pool = Pool::new();
    }
    POOL.with(|pool| {
        let _ = run(&mut Unstructured::new(data), pool);
    });
});
