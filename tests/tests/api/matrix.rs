//! The authorization matrix, generated from the committed OpenAPI document (issue 7, item 2).
//!
//! Every operation of `openapi/openapi.json` must have a row in [`EXPECT`]: for each relation
//! of the caller to the object the path names (own school, another school of the tenant, a
//! partner that shares by consent, a partner that does not, a former member, another tenant),
//! the expected answer for each kind of principal. A new route without a row fails
//! [`matrix_every_operation_has_an_expectation`]; [`matrix_authorization_over_http`] then
//! performs every cell against a real server, with a valid body, and lists every mismatch.
//!
//! [`matrix_mass_assignment_is_refused`] sends, for every operation with a JSON body,
//! server-owned fields that are not in its request schema, and expects 422 `unknown_field`
//! pointing at each.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::{Days, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// Principals, relations, outcomes.

/// Who calls. Every school role is held in school OWN of tenant A.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// No credential.
    Anon,
    /// The platform operator.
    Platform,
    /// Tenant A's admin.
    Admin,
    /// OWN's head.
    Head,
    /// A leader of OWN.
    Leader,
    /// A staff member of OWN.
    Staff,
    /// A governor of OWN.
    Governor,
    /// An API client of tenant A with every scope.
    Client,
    /// An API client of tenant A with no scope.
    ClientNone,
    /// Tenant B's admin: another tenant.
    Foreigner,
}

/// The columns of a row, in order.
const WHO: [Who; 10] = [
    Who::Anon,
    Who::Platform,
    Who::Admin,
    Who::Head,
    Who::Leader,
    Who::Staff,
    Who::Governor,
    Who::Client,
    Who::ClientNone,
    Who::Foreigner,
];

/// Whose object the path names, seen from school OWN (and its partnership P).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rel {
    /// The operation names no tenant object (a collection, a create, the platform, the public).
    NoObject,
    /// OWN itself, its users, its consent, its submission; partnership P of which OWN is an
    /// active member; P's agreements and cycle.
    Own,
    /// School OTHER of the same tenant; partnership Q that OWN has no relation to.
    Other,
    /// School PC, an active partner in P that shares its scores with P by consent.
    PartnerC,
    /// School PN, an active partner in P with no consent reaching P (only one to the tenant).
    PartnerN,
    /// School FORMER, which left P; partnership R that OWN left.
    Former,
    /// Tenant B's object.
    Foreign,
}

use Rel::*;

/// `A` allowed (any status but 401/403/404), `F` 403, `H` 404, `U` 401: one letter per [`WHO`].
type Row = &'static str;

/// Public routes: anyone, credential or not.
const PUBLIC: Row = "A A A A A A A A A A";
/// The platform's routes.
const PLATFORM: Row = "U A F F F F F F F F";
/// Tenant-wide lists every user reads, and clients with the read scope.
const TENANT_READ: Row = "U F A A A A A A F A";
/// The tenant admin's alone (clients are refused whatever their scopes).
const ADMIN_ONLY: Row = "U F A F F F F F F A";
/// Another tenant's object: it does not exist for tenant A; tenant B's admin may act on it.
const FOREIGN_ADMIN: Row = "U F H H H H H H H A";
/// Another tenant's object; only one of its school heads may act, not its admin.
const FOREIGN_HEAD: Row = "U F H H H H H H H F";
/// Another tenant's object, where the refusal depends only on the caller's role or scope and
/// comes before any lookup: the same 403 for any id, so nothing of tenant B is learnt.
const FOREIGN_ROLE: Row = "U F H F F F F F F A";
/// Another tenant's object that only a school head may act on: clients are refused before
/// any lookup (the same 403 for any id).
const FOREIGN_SIGN: Row = "U F H H H H H F F F";
/// A partnership P (OWN active member) read: members, the admin and reading clients.
const P_READ: Row = "U F A A A A A A F H";
/// Partnership Q, no relation to OWN: hidden from OWN's users.
const Q_READ: Row = "U F A H H H H A F H";
/// Partnership R that OWN left: `not_a_member`.
const R_READ: Row = "U F A F F F F A F H";
/// Managing a partnership: the admin (coordinator, lead head); OWN is a plain member.
const P_MANAGE: Row = "U F A F F F F F F H";
const Q_MANAGE: Row = "U F A H H H H F F H";
const R_MANAGE: Row = "U F A F F F F F F H";
/// Drafting agreements: the admin and the heads of active members.
const P_DRAFT: Row = "U F A A F F F F F H";
/// Signing an MOU for OWN: its head, or a governor for the governing board.
const P_SIGN: Row = "U F F A F F A F F H";
const Q_SIGN: Row = "U F F H H H H F F H";
const R_SIGN: Row = "U F F F F F F F F H";
/// Acting for an organisation in a partnership: its head alone.
const OWN_HEAD: Row = "U F F A F F F F F H";
/// Nobody of the principals here may.
const NOBODY: Row = "U F F F F F F F F H";

/// Every operation of the API and its expected answers.
const EXPECT: &[(&str, &[(Rel, Row)])] = &[
    // Operations and authentication: public.
    ("jwks", &[(NoObject, PUBLIC)]),
    ("healthz", &[(NoObject, PUBLIC)]),
    ("metrics", &[(NoObject, PUBLIC)]),
    ("readyz", &[(NoObject, PUBLIC)]),
    ("issue_token", &[(NoObject, PUBLIC)]),
    ("revoke_token", &[(NoObject, PUBLIC)]),
    ("accept_user_invitation", &[(NoObject, PUBLIC)]),
    ("get_me", &[(NoObject, "U A A A A A A A A A")]),
    // The platform.
    ("list_tenants", &[(NoObject, PLATFORM)]),
    ("create_tenant", &[(NoObject, PLATFORM)]),
    ("get_tenant", &[(NoObject, PLATFORM)]),
    ("create_tenant_admin", &[(NoObject, PLATFORM)]),
    ("suspend_tenant", &[(NoObject, PLATFORM)]),
    ("reactivate_tenant", &[(NoObject, PLATFORM)]),
    // Organisations.
    ("list_organisations", &[(NoObject, TENANT_READ)]),
    ("create_organisation", &[(NoObject, "U F A F F F F A F A")]),
    (
        "get_organisation",
        &[
            (Own, P_READ),
            (Other, P_READ),
            (PartnerC, P_READ),
            (Former, P_READ),
            (Foreign, "U F H H H H H H F A"),
        ],
    ),
    (
        "update_organisation",
        &[
            (Own, "U F A A F F F A F H"),
            (Other, "U F A F F F F A F H"),
            (PartnerC, "U F A F F F F A F H"),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    (
        "archive_organisation",
        &[(Own, "U F A F F F F A F H"), (Foreign, FOREIGN_ADMIN)],
    ),
    (
        "access_log",
        &[
            (Own, OWN_HEAD),
            (Other, NOBODY),
            // PN has a consent to the tenant: its access log is the admin's to read.
            (PartnerN, "U F A F F F F F F H"),
            (Foreign, FOREIGN_HEAD),
        ],
    ),
    // Consents and named data.
    (
        "school_consents",
        &[
            (Own, "U F A A A A A F F H"),
            (PartnerC, "U F A F F F F F F H"),
            (Other, "U F A F F F F F F H"),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    (
        "grant_consent",
        &[(Own, OWN_HEAD), (PartnerC, NOBODY), (Foreign, FOREIGN_SIGN)],
    ),
    (
        "get_consent",
        &[
            (Own, "U F A A A A A F F H"),
            (PartnerC, "U F A F F F F F F H"),
            (PartnerN, "U F A F F F F F F H"),
            (Other, "U F A F F F F F F H"),
            (Former, "U F A F F F F F F H"),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    (
        "revoke_consent",
        &[(Own, OWN_HEAD), (PartnerC, NOBODY), (Foreign, FOREIGN_SIGN)],
    ),
    (
        "read_school_data",
        &[
            (Own, "U F F A A A A F F H"),
            // PC consents to P: every user of a member school reads; the admin needs a
            // consent to the tenant; clients never read named data.
            (PartnerC, "U F F A A A A F F H"),
            // PN consents to the tenant only.
            (PartnerN, "U F A F F F F F F H"),
            (Other, NOBODY),
            // FORMER's consent to P ended when it left.
            (Former, NOBODY),
            (Foreign, FOREIGN_HEAD),
        ],
    ),
    (
        "publish_school_data",
        &[
            (Own, "U F F A A F F F F H"),
            (Other, NOBODY),
            (Foreign, FOREIGN_HEAD),
        ],
    ),
    // Users.
    ("list_users", &[(NoObject, "U F A F F F F A F A")]),
    ("create_user", &[(NoObject, "U F A F F F F A F A")]),
    (
        "get_user",
        // Own: OWN's head, who reads their own record.
        &[
            (Own, "U F A A F F F A F H"),
            (Other, "U F A F F F F A F H"),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    (
        "update_user",
        &[
            (Own, "U F A F F F F A F H"),
            (Other, "U F A F F F F A F H"),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    (
        "deactivate_user",
        &[
            (Own, "U F A F F F F A F H"),
            (Other, "U F A F F F F A F H"),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    // API clients: people issue them, never another client.
    ("list_api_clients", &[(NoObject, ADMIN_ONLY)]),
    ("create_api_client", &[(NoObject, ADMIN_ONLY)]),
    (
        "get_api_client",
        &[(Own, ADMIN_ONLY_H), (Foreign, FOREIGN_ROLE)],
    ),
    (
        "revoke_api_client",
        &[(Own, ADMIN_ONLY_H), (Foreign, FOREIGN_ROLE)],
    ),
    ("list_audit", &[(NoObject, ADMIN_ONLY)]),
    // Partnerships.
    ("list_partnerships", &[(NoObject, TENANT_READ)]),
    ("my_invitations", &[(NoObject, TENANT_READ)]),
    // With OWN as the lead: the admin or OWN's head proposes it.
    ("create_partnership", &[(NoObject, "U F A A F F F F F A")]),
    ("get_partnership", PARTNERSHIP_READ),
    ("list_members", PARTNERSHIP_READ),
    ("partnership_overview", PARTNERSHIP_READ),
    ("list_partnership_agreements", PARTNERSHIP_READ),
    ("partnership_signatures", PARTNERSHIP_READ),
    ("partnership_consents", PARTNERSHIP_READ),
    ("sharing_matrix", PARTNERSHIP_READ),
    ("list_cycles", PARTNERSHIP_READ),
    ("update_partnership", PARTNERSHIP_MANAGE),
    ("change_partnership_status", PARTNERSHIP_MANAGE),
    ("invite_member", PARTNERSHIP_MANAGE),
    ("create_cycle", PARTNERSHIP_MANAGE),
    (
        "create_agreement",
        &[
            (Own, P_DRAFT),
            (Other, Q_MANAGE),
            (Former, R_MANAGE),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    // An organisation's own place in a partnership: its head answers.
    ("accept_invitation", MEMBER_SELF),
    ("decline_invitation", MEMBER_SELF),
    ("leave_partnership", MEMBER_SELF),
    (
        "remove_member",
        &[
            (Own, P_MANAGE),
            (PartnerC, P_MANAGE),
            (Foreign, FOREIGN_ADMIN),
        ],
    ),
    // Agreements.
    ("agreement_register", &[(NoObject, TENANT_READ)]),
    ("get_agreement", PARTNERSHIP_READ),
    ("get_version", PARTNERSHIP_READ),
    ("version_document", PARTNERSHIP_READ),
    ("update_version", AGREEMENT_DRAFT),
    ("open_version", AGREEMENT_DRAFT),
    ("new_version", AGREEMENT_DRAFT),
    ("withdraw_version", AGREEMENT_DRAFT),
    ("sign_version", AGREEMENT_SIGN),
    ("decline_version", AGREEMENT_DECLINE),
    // Evaluations.
    ("list_frameworks", &[(NoObject, "U F A A A A A A A A")]),
    ("create_framework", &[(NoObject, ADMIN_ONLY)]),
    (
        "get_framework_version",
        &[(Own, "U F A A A A A A A H"), (Foreign, FOREIGN_ADMIN)],
    ),
    ("update_framework_version", FRAMEWORK_WRITE),
    ("publish_framework_version", FRAMEWORK_WRITE),
    ("new_framework_version", FRAMEWORK_WRITE),
    ("get_cycle", PARTNERSHIP_READ),
    ("participation", PARTNERSHIP_READ),
    ("cycle_analysis", PARTNERSHIP_READ),
    ("cycle_analysis_csv", PARTNERSHIP_READ),
    ("cycle_analysis_svg", PARTNERSHIP_READ),
    ("change_cycle_status", PARTNERSHIP_MANAGE),
    ("extend_deadline", PARTNERSHIP_MANAGE),
    ("reopen_submission", PARTNERSHIP_MANAGE),
    (
        "get_submission",
        &[
            (Own, "U F F A A A A F F H"),
            (PartnerC, NOBODY),
            (PartnerN, NOBODY),
            (Former, NOBODY),
            // OWN named in a cycle of Q, which OWN has no relation to: the cycle is hidden.
            (Other, "U F F H H H H F F H"),
            (Foreign, FOREIGN_HEAD),
        ],
    ),
    ("save_submission", SUBMISSION_WRITE),
    ("submit", SUBMISSION_WRITE),
];

const PARTNERSHIP_READ: &[(Rel, Row)] = &[
    (Own, P_READ),
    (Other, Q_READ),
    (Former, R_READ),
    (Foreign, FOREIGN_ADMIN),
];
const PARTNERSHIP_MANAGE: &[(Rel, Row)] = &[
    (Own, P_MANAGE),
    (Other, Q_MANAGE),
    (Former, R_MANAGE),
    (Foreign, FOREIGN_ADMIN),
];
const AGREEMENT_DRAFT: &[(Rel, Row)] = &[
    (Own, P_DRAFT),
    (Other, Q_MANAGE),
    (Former, R_MANAGE),
    (Foreign, FOREIGN_ADMIN),
];
const AGREEMENT_SIGN: &[(Rel, Row)] = &[
    (Own, P_SIGN),
    (Other, Q_SIGN),
    (Former, R_SIGN),
    (Foreign, FOREIGN_SIGN),
];
/// Declining has no `capacity`: a governor, who signs an MOU only as a governor, cannot decline.
const AGREEMENT_DECLINE: &[(Rel, Row)] = &[
    (Own, OWN_HEAD),
    (Other, Q_SIGN),
    (Former, R_SIGN),
    (Foreign, FOREIGN_SIGN),
];
const MEMBER_SELF: &[(Rel, Row)] = &[(Own, OWN_HEAD), (PartnerC, NOBODY), (Foreign, FOREIGN_HEAD)];
const FRAMEWORK_WRITE: &[(Rel, Row)] = &[(Own, ADMIN_ONLY_H), (Foreign, FOREIGN_ROLE)];
/// The admin's alone, on an object of tenant A.
const ADMIN_ONLY_H: Row = "U F A F F F F F F H";
const SUBMISSION_WRITE: &[(Rel, Row)] = &[
    (Own, "U F F A A F F F F H"),
    (PartnerC, NOBODY),
    (Other, "U F F H H H H F F H"),
    (Foreign, FOREIGN_HEAD),
];

/// Operations run last, in this order, because they end the use of objects others need.
const LAST: &[&str] = &["archive_organisation", "deactivate_user"];

// ---------------------------------------------------------------------------------------------
// The OpenAPI document.

#[derive(Clone, Debug)]
struct Operation {
    id: String,
    method: Method,
    path: String,
    /// The request body's media type, if any.
    body: Option<String>,
    /// The JSON request schema's property names (resolved `$ref`, `oneOf` of null and a ref).
    fields: BTreeSet<String>,
    if_match: bool,
}

fn document() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("openapi.json")).expect("json")
}

fn operations() -> Vec<Operation> {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let resolve = |s: &Value| -> Value {
        let mut s = s.clone();
        if let Some(alts) = s["oneOf"].as_array() {
            if let Some(r) = alts.iter().find(|a| a.get("$ref").is_some()) {
                s = r.clone();
            }
        }
        if let Some(r) = s["$ref"].as_str() {
            s = schemas[r.rsplit('/').next().expect("name")].clone();
        }
        s
    };
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let method = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            let content = op["requestBody"]["content"].as_object();
            let body = content.and_then(|c| c.keys().next().cloned());
            let fields = content
                .and_then(|c| c.get("application/json"))
                .map(|c| resolve(&c["schema"]))
                .and_then(|s| s["properties"].as_object().cloned())
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            let if_match = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"));
            out.push(Operation {
                id: op["operationId"].as_str().expect("operationId").to_owned(),
                method,
                path: path.clone(),
                body,
                fields,
                if_match,
            });
        }
    }
    out
}

fn parse_row(row: &str) -> Vec<char> {
    row.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn matrix_every_operation_has_an_expectation() {
    let ops: BTreeSet<String> = operations().into_iter().map(|o| o.id).collect();
    let listed: BTreeSet<String> = EXPECT.iter().map(|(id, _)| (*id).to_owned()).collect();
    assert_eq!(listed.len(), EXPECT.len(), "an operation is listed twice");
    let missing: Vec<_> = ops.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&ops).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "operations with no expectation in matrix::EXPECT: {missing:?}; \
         expectations for no operation: {stale:?}"
    );
    for (id, cells) in EXPECT {
        assert!(!cells.is_empty(), "{id}: no relation listed");
        let rels: BTreeSet<Rel> = cells.iter().map(|c| c.0).collect();
        assert_eq!(rels.len(), cells.len(), "{id}: a relation is listed twice");
        assert!(
            !rels.contains(&NoObject) || rels.len() == 1,
            "{id}: an operation names an object or not"
        );
        for (rel, row) in *cells {
            let row = parse_row(row);
            assert_eq!(
                row.len(),
                WHO.len(),
                "{id} {rel:?}: one letter per principal"
            );
            assert!(
                row.iter().all(|c| "AFHU".contains(*c)),
                "{id} {rel:?}: letters are A, F, H, U"
            );
        }
    }
    for last in LAST {
        assert!(listed.contains(*last), "LAST names {last}");
    }
}

// ---------------------------------------------------------------------------------------------
// The world the cells run in.

const DEFAULT_FRAMEWORK: &str = "fwk_00000000000000000000000001";

/// Objects by name (see [`world`]) and the principals' tokens.
struct World {
    ids: BTreeMap<String, String>,
    tokens: BTreeMap<Who, String>,
    /// Tokens of heads who are not principals, by school name (for reading ETags).
    heads: BTreeMap<String, String>,
    /// Invitation tokens of invited users, one per `accept_user_invitation` cell.
    invitations: std::cell::RefCell<Vec<String>>,
    a: Tenant,
    b: Tenant,
    head_email: String,
}

impl World {
    fn id(&self, name: &str) -> String {
        self.ids
            .get(name)
            .unwrap_or_else(|| panic!("no object {name} in the world"))
            .clone()
    }
}

fn id_of(r: &Reply) -> String {
    r.body["id"].as_str().expect("id").to_owned()
}

/// An RFC 3339 timestamp `secs` seconds from now.
fn at(secs: i64) -> String {
    (Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn day(offset: u64) -> String {
    (Utc::now().date_naive() + Days::new(offset))
        .format("%Y-%m-%d")
        .to_string()
}

fn mou(parties: &[&str]) -> Value {
    let contributions: Vec<Value> = parties
        .iter()
        .map(|p| {
            json!({ "party": p, "gives": "Two days of a specialist", "receives": "Shared CPD",
                    "category": "staff_time", "quantity": "2 days a term", "from": day(0), "until": day(300) })
        })
        .collect();
    json!({
        "aims": ["Every child reads fluently by eleven"], "parties": parties,
        "contributions": contributions, "start_date": day(0), "end_date": day(365),
        "governance": "A board of the heads", "meeting_cycle": "Half-termly",
        "success_measures": ["Reading scores rise by five points"], "review_date": day(200),
        "not_legally_binding": true
    })
}

fn small_definition() -> Value {
    json!({
        "scale": { "min": 0, "max": 2, "labels": ["No", "Partly", "Yes"], "not_yet_evidenced": false },
        "areas": [ { "code": "X", "title": "Shared purpose", "sub_themes": [
            { "code": "X.1", "title": "Vision", "criteria": [
                { "code": "X.1.1", "question": "To what extent is the vision shared?", "dimension": "trust" }
            ] } ] } ]
    })
}

impl TestApp {
    /// A partnership brokered by `t`'s admin with these members (`(org, head token)`), each
    /// invitation accepted unless `pending`.
    async fn mx_partnership(
        &self,
        t: &Tenant,
        name: &str,
        members: &[(&str, &str)],
        pending: bool,
    ) -> String {
        let p = self
            .partnership(&t.admin.token, json!({ "kind": "cluster", "name": name }))
            .await;
        for (org, _) in members {
            self.invite(&t.admin.token, &p, org, "member")
                .await
                .expect(201);
        }
        if !pending {
            for (org, head) in members {
                self.post_empty(&format!("/v1/partnerships/{p}/members/{org}/accept"), head)
                    .await
                    .expect(200);
            }
        }
        p
    }

    /// An agreement of `kind` with `body`, opened for signature if `open`.
    async fn mx_agreement(
        &self,
        token: &str,
        p: &str,
        kind: &str,
        body: Value,
        open: bool,
    ) -> String {
        let r = self
            .post(
                &format!("/v1/partnerships/{p}/agreements"),
                token,
                json!({ "kind": kind, "title": format!("{kind} of {p}"), "body": body }),
            )
            .await
            .expect(201);
        let a = id_of(&r);
        if open {
            self.post_empty(&format!("/v1/agreements/{a}/versions/1/open"), token)
                .await
                .expect(200);
        }
        a
    }

    async fn mx_publish(&self, org: &str, head: &str, category: &str) {
        self.send(
            self.request(
                Method::PUT,
                &format!("/v1/organisations/{org}/data/{category}"),
                Some(head),
            )
            .json(&json!({ "content": { "summary": format!("{category} of {org}") } })),
        )
        .await
        .expect(200);
    }

    async fn mx_grant(&self, org: &str, head: &str, body: Value) -> String {
        id_of(
            &self
                .post(&format!("/v1/organisations/{org}/consents"), head, body)
                .await
                .expect(201),
        )
    }

    async fn mx_cycle(&self, token: &str, p: &str) -> String {
        let c = id_of(
            &self
                .post(
                    &format!("/v1/partnerships/{p}/cycles"),
                    token,
                    json!({ "title": "Autumn", "framework_id": DEFAULT_FRAMEWORK, "framework_version": 1,
                            "opens_at": at(-86_400), "closes_at": at(30 * 86_400) }),
                )
                .await
                .expect(201),
        );
        self.post(
            &format!("/v1/cycles/{c}/status"),
            token,
            json!({ "status": "open" }),
        )
        .await
        .expect(200);
        c
    }
}

/// Tenant A: schools OWN (head, leader, staff, governor), OTHER, PC, PN, FORMER; partnership P
/// (OWN, PC, PN; FORMER left) with terms of reference and a data-sharing agreement in force and
/// signed; Q (OTHER, PN); R (OTHER, PC; OWN left). Tenant B: schools BS, BS2 in partnership PB.
/// Each partnership has its own MOU per agreement operation and an open cycle; every school
/// published its scores.
async fn world(app: &TestApp) -> World {
    let a = app.new_tenant("mx-a").await;
    let b = app.new_tenant("mx-b").await;
    let ids: std::cell::RefCell<BTreeMap<String, String>> = Default::default();
    let put = |k: String, v: String| {
        ids.borrow_mut().insert(k, v);
    };
    let mut heads: BTreeMap<String, String> = BTreeMap::new();
    let mut n = 0;
    for (t, name) in [
        (&a, "own"),
        (&a, "other"),
        (&a, "pc"),
        (&a, "pn"),
        (&a, "former"),
        (&b, "bs"),
        (&b, "bs2"),
    ] {
        n += 1;
        let org = app
            .school(t, &format!("School {name}"), &format!("{}", 150_000 + n))
            .await;
        let head = app
            .user(
                t,
                &format!("head-{name}@{}.example", t.slug),
                &[(&org, "head")],
                false,
            )
            .await;
        put(name.into(), org);
        put(format!("user.head.{name}"), head.id.clone());
        heads.insert(name.into(), head.token);
    }
    let own = ids.borrow()["own"].clone();
    let mut tokens = BTreeMap::new();
    tokens.insert(Who::Platform, app.platform_token().await);
    tokens.insert(Who::Admin, a.admin.token.clone());
    tokens.insert(Who::Head, heads["own"].clone());
    for (who, role) in [
        (Who::Leader, "leader"),
        (Who::Staff, "staff"),
        (Who::Governor, "governor"),
    ] {
        let u = app
            .user(
                &a,
                &format!("{role}-own@mx-a.example"),
                &[(&own, role)],
                false,
            )
            .await;
        tokens.insert(who, u.token);
    }
    let all = [
        "organisations:read",
        "organisations:write",
        "users:read",
        "users:write",
        "partnerships:read",
    ];
    tokens.insert(Who::Client, app.client_with_scopes(&a, &all).await.1);
    tokens.insert(Who::ClientNone, app.client_with_scopes(&a, &[]).await.1);
    tokens.insert(Who::Foreigner, b.admin.token.clone());
    let h = |k: &str| heads[k].clone();
    let o = |k: &str| ids.borrow()[k].clone();

    // Partnerships.
    let members =
        |ks: &[&str]| -> Vec<(String, String)> { ks.iter().map(|k| (o(k), h(k))).collect() };
    let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    for (key, t, name, ms, pending) in [
        ("P", &a, "P", members(&["own", "pc", "pn", "former"]), false),
        ("Q", &a, "Q", members(&["other", "pn"]), false),
        ("R", &a, "R", members(&["own", "other", "pc"]), false),
        ("PB", &b, "PB", members(&["bs", "bs2"]), false),
        (
            "X.accept_invitation",
            &a,
            "X accept",
            members(&["own", "pc"]),
            true,
        ),
        (
            "X.decline_invitation",
            &a,
            "X decline",
            members(&["own", "pc"]),
            true,
        ),
        (
            "X.leave_partnership",
            &a,
            "X leave",
            members(&["own", "pc"]),
            false,
        ),
        (
            "X.remove_member",
            &a,
            "X remove",
            members(&["own", "pc"]),
            false,
        ),
    ] {
        let ms = as_refs(&ms);
        let refs: Vec<(&str, &str)> = ms.iter().map(|(x, y)| (x.as_str(), y.as_str())).collect();
        let p = app.mx_partnership(t, name, &refs, pending).await;
        put(key.into(), p);
    }
    let p = o("P");
    // P's terms of reference and data-sharing agreement, in force and signed by all four.
    let schools = ["own", "pc", "pn", "former"];
    let parties: Vec<Value> = schools
        .iter()
        .map(|s| json!({ "organisation_id": o(s), "role": "joint_controller" }))
        .collect();
    let tor = app
        .mx_agreement(&a.admin.token, &p, "terms_of_reference", json!({
            "purpose": "Improve together", "membership": "Member schools", "quorum_rule": "Half the heads",
            "meeting_frequency": "Termly", "review_date": day(300) }), true)
        .await;
    let dsa = app
        .mx_agreement(&a.admin.token, &p, "data_sharing_agreement", json!({
            "purpose": "Share evaluation results", "parties": parties, "data_items": ["evaluation scores"],
            "lawful_basis": "public_task", "retention_period": "Three years", "review_date": day(300) }), true)
        .await;
    for s in schools {
        for agr in [&tor, &dsa] {
            app.post(
                &format!("/v1/agreements/{agr}/versions/1/sign"),
                &h(s),
                json!({ "organisation_id": o(s) }),
            )
            .await
            .expect(200);
        }
    }
    // Named data and consents.
    for s in ["own", "other", "pc", "pn", "former", "bs"] {
        app.mx_publish(&o(s), &h(s), "evaluation_scores").await;
    }
    let to_p = |p: &str| json!({ "grantee": { "kind": "partnership", "id": p }, "categories": ["evaluation_scores"], "purpose": "Support and challenge", "dsa_id": dsa });
    put(
        "consent.own".into(),
        app.mx_grant(&own, &h("own"), to_p(&p)).await,
    );
    put(
        "consent.pc".into(),
        app.mx_grant(&o("pc"), &h("pc"), to_p(&p)).await,
    );
    put(
        "consent.former".into(),
        app.mx_grant(&o("former"), &h("former"), to_p(&p)).await,
    );
    let to_tenant = json!({ "grantee": { "kind": "tenant" }, "categories": ["evaluation_scores"], "purpose": "LA oversight" });
    put(
        "consent.pn".into(),
        app.mx_grant(&o("pn"), &h("pn"), to_tenant).await,
    );
    let to_q = json!({ "grantee": { "kind": "partnership", "id": o("Q") }, "categories": ["evaluation_scores"], "purpose": "Q" });
    put(
        "consent.other".into(),
        app.mx_grant(&o("other"), &h("other"), to_q).await,
    );
    let to_pb = json!({ "grantee": { "kind": "partnership", "id": o("PB") }, "categories": ["evaluation_scores"], "purpose": "PB" });
    put(
        "consent.bs".into(),
        app.mx_grant(&o("bs"), &h("bs"), to_pb).await,
    );
    // FORMER leaves P; OWN leaves R.
    app.member_action(
        &h("former"),
        &p,
        &o("former"),
        "leave",
        json!({ "reason": "Moving on" }),
    )
    .await
    .expect(200);
    app.member_action(
        &h("own"),
        &o("R"),
        &own,
        "leave",
        json!({ "reason": "Moving on" }),
    )
    .await
    .expect(200);

    // An MOU per agreement operation in each partnership, and an open cycle.
    for (key, t, ps) in [
        ("P", &a, ["own", "pc"]),
        ("Q", &a, ["other", "pn"]),
        ("R", &a, ["other", "pc"]),
        ("PB", &b, ["bs", "bs2"]),
    ] {
        let pid = o(key);
        let parties: Vec<String> = ps.iter().map(|s| o(s)).collect();
        let refs: Vec<&str> = parties.iter().map(String::as_str).collect();
        for (op, open) in [
            ("read", true),
            ("update_version", false),
            ("open_version", false),
            ("new_version", true),
            ("withdraw_version", true),
            ("sign_version", true),
            ("decline_version", true),
        ] {
            let m = app
                .mx_agreement(&t.admin.token, &pid, "mou", mou(&refs), open)
                .await;
            put(format!("mou.{op}.{key}"), m);
        }
        put(
            format!("cycle.{key}"),
            app.mx_cycle(&t.admin.token, &pid).await,
        );
    }

    // Frameworks, API clients and users to act on; a spare tenant for the platform.
    for (t, key) in [(&a, "A"), (&b, "B")] {
        for op in [
            "read",
            "update_framework_version",
            "publish_framework_version",
            "new_framework_version",
        ] {
            let f = app
                .post(
                    "/v1/frameworks",
                    &t.admin.token,
                    json!({ "name": format!("Fw {op}"), "definition": small_definition() }),
                )
                .await
                .expect(201);
            let fid = f.body["framework_id"]
                .as_str()
                .expect("framework_id")
                .to_owned();
            if matches!(op, "read" | "new_framework_version") {
                app.post_empty(
                    &format!("/v1/frameworks/{fid}/versions/1/publish"),
                    &t.admin.token,
                )
                .await
                .expect(200);
            }
            put(format!("fw.{op}.{key}"), fid);
        }
        for op in ["get_api_client", "revoke_api_client"] {
            let c = app
                .post(
                    "/v1/api-clients",
                    &t.admin.token,
                    json!({ "name": format!("{op} {key}"), "scopes": [] }),
                )
                .await
                .expect(201);
            put(format!("client.{op}.{key}"), id_of(&c));
        }
        put(format!("tenant.{key}"), t.id.clone());
    }
    let spare = app
        .post(
            "/v1/tenants",
            &tokens[&Who::Platform],
            json!({ "slug": "mx-spare", "name": "Spare" }),
        )
        .await
        .expect(201);
    put("tenant.spare".into(), id_of(&spare));
    let mut invitations = Vec::new();
    for i in 0..WHO.len() + 16 {
        let r = app
            .post(
                "/v1/users",
                &a.admin.token,
                json!({ "email": format!("invited{i}@mx-a.example"), "name": "Invited" }),
            )
            .await
            .expect(201);
        invitations.push(
            r.body["invitation_token"]
                .as_str()
                .expect("invitation token")
                .to_owned(),
        );
    }
    World {
        ids: ids.into_inner(),
        tokens,
        heads,
        invitations: std::cell::RefCell::new(invitations),
        a,
        b,
        head_email: "head-own@mx-a.example".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Cells: the path, body and ETag each needs.

/// The partnership a relation names.
fn partnership_key(rel: Rel) -> &'static str {
    match rel {
        Own => "P",
        Other => "Q",
        Former => "R",
        Foreign => "PB",
        _ => panic!("no partnership for {rel:?}"),
    }
}

/// The school a relation names.
fn school_key(rel: Rel) -> &'static str {
    match rel {
        Own => "own",
        Other => "other",
        PartnerC => "pc",
        PartnerN => "pn",
        Former => "former",
        Foreign => "bs",
        NoObject => panic!("no school for NoObject"),
    }
}

fn tenant_key(rel: Rel) -> &'static str {
    if rel == Foreign {
        "B"
    } else {
        "A"
    }
}

/// A member of each partnership other than OWN.
fn member_of(rel: Rel) -> &'static str {
    match rel {
        Own => "pc",
        Other | Former => "other",
        _ => "bs",
    }
}

/// The path of `op` naming the object of `rel`.
fn path_of(w: &World, op: &Operation, rel: Rel) -> String {
    let id = op.id.as_str();
    let p = op.path.as_str();
    let (main, org): (String, Option<String>) = if p.starts_with("/v1/agreements/{id}") {
        let key = match id {
            "get_agreement" | "get_version" | "version_document" => "read",
            other => other,
        };
        (w.id(&format!("mou.{key}.{}", partnership_key(rel))), None)
    } else if p.starts_with("/v1/api-clients/{id}") {
        (w.id(&format!("client.{id}.{}", tenant_key(rel))), None)
    } else if p.starts_with("/v1/consents/{id}") {
        (w.id(&format!("consent.{}", school_key(rel))), None)
    } else if id == "reopen_submission" {
        let org = if rel == Foreign { "bs" } else { "own" };
        (
            w.id(&format!("cycle.{}", partnership_key(rel))),
            Some(w.id(org)),
        )
    } else if p.starts_with("/v1/cycles/{id}/submissions/") {
        let (cycle, org) = match rel {
            Other => ("Q", "own"),
            Foreign => ("PB", "bs"),
            r => ("P", school_key(r)),
        };
        (w.id(&format!("cycle.{cycle}")), Some(w.id(org)))
    } else if p.starts_with("/v1/cycles/{id}") {
        (w.id(&format!("cycle.{}", partnership_key(rel))), None)
    } else if p.starts_with("/v1/frameworks/{id}") {
        let key = if id == "get_framework_version" {
            "read"
        } else {
            id
        };
        (w.id(&format!("fw.{key}.{}", tenant_key(rel))), None)
    } else if p.starts_with("/v1/organisations/{id}") {
        (w.id(school_key(rel)), None)
    } else if p.starts_with("/v1/partnerships/{id}/members/") {
        match rel {
            Foreign => (w.id("PB"), Some(w.id("bs"))),
            r => (w.id(&format!("X.{id}")), Some(w.id(school_key(r)))),
        }
    } else if p.starts_with("/v1/partnerships/{id}") {
        (w.id(partnership_key(rel)), None)
    } else if p.starts_with("/v1/tenants/{id}") {
        let key = if id == "get_tenant" { "A" } else { "spare" };
        (w.id(&format!("tenant.{key}")), None)
    } else if p.starts_with("/v1/users/{id}") {
        let key = match rel {
            Own => "own",
            Other => "other",
            _ => "bs",
        };
        (w.id(&format!("user.head.{key}")), None)
    } else {
        assert!(!p.contains('{'), "{id}: no object for {p}");
        (String::new(), None)
    };
    let category = if op.method == Method::PUT {
        "attendance"
    } else {
        "evaluation_scores"
    };
    p.replace("{id}", &main)
        .replace("{organisation_id}", org.as_deref().unwrap_or(""))
        .replace("{n}", "1")
        .replace("{category}", category)
}

enum Payload {
    Nothing,
    Json(Value),
    Form(Vec<(String, String)>),
}

/// A valid body for `op` on `rel`'s object, sent by `who`; `i` makes names unique.
fn payload(w: &World, op: &Operation, rel: Rel, who: Who, i: usize) -> Payload {
    let o = |k: &str| w.id(k);
    let own = o("own");
    let body = match op.id.as_str() {
        "issue_token" => {
            return Payload::Form(vec![
                ("grant_type".into(), "password".into()),
                ("username".into(), w.head_email.clone()),
                ("password".into(), PASSWORD.into()),
                ("tenant".into(), w.a.slug.clone()),
            ])
        }
        "revoke_token" => return Payload::Form(vec![("token".into(), "not-a-token".into())]),
        "accept_user_invitation" => {
            let token = w
                .invitations
                .borrow_mut()
                .pop()
                .expect("an invitation left");
            json!({ "invitation_token": token, "password": PASSWORD })
        }
        "create_tenant" => json!({ "slug": format!("mx-new-{i}"), "name": "New tenant" }),
        "create_tenant_admin" => {
            json!({ "email": format!("admin{i}@mx-spare.example"), "name": "Spare Admin", "password": PASSWORD })
        }
        "create_organisation" => json!({ "name": format!("New school {i}"), "kind": "school",
            "urn": format!("{}", 160_000 + i), "phase": "primary", "school_type": "academy", "la_code": "202" }),
        "update_organisation" => json!({ "name": format!("Renamed school {i}") }),
        "grant_consent" => json!({ "grantee": { "kind": "partnership", "id": o("P") },
            "categories": ["attendance"], "purpose": "Matrix" }),
        "revoke_consent" => json!({ "reason": "Changed our mind" }),
        "publish_school_data" => json!({ "content": { "summary": "Attendance is up" } }),
        "create_user" => json!({ "email": format!("new{i}@mx.example"), "name": "New User" }),
        "update_user" => json!({ "name": format!("Renamed {i}") }),
        "create_api_client" => json!({ "name": format!("Client {i}"), "scopes": [] }),
        "create_partnership" => {
            json!({ "kind": "cluster", "name": format!("New partnership {i}"), "lead_organisation_id": own })
        }
        "update_partnership" => json!({ "name": format!("Renamed partnership {i}") }),
        // Already the state, or already a member: authorised callers get 409, nothing changes.
        "change_partnership_status" => json!({ "status": "active" }),
        "invite_member" => json!({ "organisation_id": o(member_of(rel)), "role": "member" }),
        "decline_invitation" | "leave_partnership" | "remove_member" => {
            json!({ "reason": "Matrix" })
        }
        "create_agreement" => {
            let parties = [
                o(if rel == Foreign {
                    "bs2"
                } else if rel == Own {
                    "own"
                } else {
                    "pn"
                }),
                o(member_of(rel)),
            ];
            let refs: Vec<&str> = parties.iter().map(String::as_str).collect();
            json!({ "kind": "mou", "title": format!("MOU {i}"), "body": mou(&refs) })
        }
        "update_version" => json!({ "title": format!("Renamed {i}") }),
        "withdraw_version" => json!({ "reason": "Superseded" }),
        "sign_version" | "decline_version" => {
            let mut b = json!({ "organisation_id": own });
            if who == Who::Governor && op.id == "sign_version" {
                b["capacity"] = json!("governor");
            }
            if op.id == "decline_version" {
                b["reason"] = json!("Not yet");
            }
            b
        }
        "create_framework" => {
            json!({ "name": format!("Framework {i}"), "definition": small_definition() })
        }
        "new_framework_version" => json!({ "definition": small_definition() }),
        "update_framework_version" => json!({ "name": format!("Renamed {i}") }),
        "create_cycle" => {
            json!({ "title": format!("Term {i}"), "framework_id": DEFAULT_FRAMEWORK, "framework_version": 1,
            "opens_at": at(-86_400), "closes_at": at(30 * 86_400) })
        }
        "change_cycle_status" => json!({ "status": "open" }),
        "extend_deadline" => {
            json!({ "organisation_id": o(if rel == Own { "own" } else { member_of(rel) }), "closes_at": at(40 * 86_400) })
        }
        "save_submission" => json!({ "scores": [], "narratives": [] }),
        other => {
            assert!(
                op.body.is_none(),
                "{other}: no body written for an operation that takes one"
            );
            return Payload::Nothing;
        }
    };
    Payload::Json(body)
}

/// The current ETag of the object `path` names, read by someone who may, for `If-Match`.
async fn current_etag(app: &TestApp, w: &World, op: &Operation, rel: Rel, path: &str) -> String {
    let reader = if op.id == "save_submission" {
        let school = match rel {
            Other => "own",
            r => school_key(r),
        };
        w.heads[school].clone()
    } else if rel == Foreign {
        w.b.admin.token.clone()
    } else {
        w.a.admin.token.clone()
    };
    app.get(path, &reader)
        .await
        .header("etag")
        .unwrap_or_else(|| "\"v0\"".into())
}

/// Sends one cell.
async fn perform(
    app: &TestApp,
    w: &World,
    op: &Operation,
    rel: Rel,
    who: Who,
    body: Payload,
) -> Reply {
    let path = path_of(w, op, rel);
    let token = w.tokens.get(&who).map(String::as_str);
    let mut rb = app.request(op.method.clone(), &path, token);
    if op.if_match {
        rb = rb.header("if-match", current_etag(app, w, op, rel, &path).await);
    }
    rb = match body {
        Payload::Nothing => rb,
        Payload::Json(v) => rb.json(&v),
        Payload::Form(f) => rb.form(&f),
    };
    app.send(rb).await
}

/// The operations in the order they run: [`LAST`] at the end.
fn in_running_order(ops: Vec<Operation>) -> Vec<Operation> {
    let (mut first, last): (Vec<_>, Vec<_>) = ops
        .into_iter()
        .partition(|o| !LAST.contains(&o.id.as_str()));
    for name in LAST {
        first.extend(last.iter().filter(|o| o.id == *name).cloned());
    }
    first
}

fn letter(status: u16) -> char {
    match status {
        401 => 'U',
        403 => 'F',
        404 => 'H',
        _ => 'A',
    }
}

#[tokio::test]
async fn matrix_authorization_over_http() {
    let started = Instant::now();
    let app = spawn_app().await;
    let w = world(&app).await;
    let built = started.elapsed();
    let expect: BTreeMap<&str, &[(Rel, Row)]> = EXPECT.iter().copied().collect();
    let ops = in_running_order(operations());
    let mut mismatches = Vec::new();
    let (mut cells, mut leaks, mut i) = (0, 0, 0);
    for op in &ops {
        let Some(rows) = expect.get(op.id.as_str()) else {
            mismatches.push(format!("{}: no expectation", op.id));
            continue;
        };
        // Refusals first, so that an allowed write cannot change what a refusal is tested on.
        let mut plan: Vec<(Rel, Who, char)> = Vec::new();
        for (rel, row) in rows.iter() {
            for (who, want) in WHO.iter().zip(parse_row(row)) {
                plan.push((*rel, *who, want));
            }
        }
        plan.sort_by_key(|(_, _, want)| *want == 'A');
        for (rel, who, want) in plan {
            i += 1;
            cells += 1;
            let body = payload(&w, op, rel, who, i);
            let r = perform(&app, &w, op, rel, who, body).await;
            let status = r.status.as_u16();
            let got = letter(status);
            let problem = r.header("content-type").as_deref() == Some("application/problem+json");
            if got != want || status >= 500 || (got != 'A' && !problem) {
                if want != 'A' && got == 'A' {
                    leaks += 1;
                }
                mismatches.push(format!(
                    "{} {} ({rel:?}) as {who:?}: want {want}, got {status} {}",
                    op.id,
                    path_of(&w, op, rel),
                    r.text.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    #[allow(clippy::print_stdout)] // the matrix size is part of the test's report
    {
        println!(
            "authorization matrix: {} operations, {cells} cells, {} mismatches, {leaks} leaks \
         (world built in {built:?}, all in {:?})",
            ops.len(),
            mismatches.len(),
            started.elapsed()
        );
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ from matrix::EXPECT ({leaks} leaks):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Mass assignment.

/// Server-owned fields a caller might try to set, with a plausible value each.
fn server_owned(w: &World) -> Vec<(&'static str, Value)> {
    vec![
        ("id", json!("org_01hx0000000000000000000009")),
        ("tenant_id", json!(w.b.id)),
        ("status", json!("active")),
        ("created_at", json!("2020-01-01T00:00:00Z")),
        ("updated_at", json!("2020-01-01T00:00:00Z")),
        ("version", json!(99)),
        ("role", json!("head")),
        ("roles", json!(["tenant_admin"])),
        ("tenant_admin", json!(true)),
        ("organisation_id", json!(w.id("other"))),
        ("grantor_id", json!(w.id("other"))),
        ("created_by", json!(w.id("user.head.other"))),
    ]
}

#[tokio::test]
async fn matrix_mass_assignment_is_refused() {
    let started = Instant::now();
    let app = spawn_app().await;
    let w = world(&app).await;
    let expect: BTreeMap<&str, &[(Rel, Row)]> = EXPECT.iter().copied().collect();
    let mut failures = Vec::new();
    let (mut covered, mut requests, mut i) = (0, 0, 10_000);
    for op in in_running_order(operations()) {
        if op.body.as_deref() != Some("application/json") {
            continue;
        }
        // The first allowed cell: an authorised caller, so that the body is what is judged.
        let cell = expect[op.id.as_str()].iter().find_map(|(rel, row)| {
            WHO.iter()
                .zip(parse_row(row))
                .find(|(_, want)| *want == 'A')
                .map(|(who, _)| (*rel, *who))
        });
        let Some((rel, who)) = cell else {
            failures.push(format!("{}: no principal may call it", op.id));
            continue;
        };
        covered += 1;
        let injected: Vec<_> = server_owned(&w)
            .into_iter()
            .filter(|(f, _)| !op.fields.contains(*f))
            .collect();
        assert!(!injected.is_empty(), "{}: nothing to inject", op.id);
        for (field, value) in injected {
            i += 1;
            requests += 1;
            let Payload::Json(mut body) = payload(&w, &op, rel, who, i) else {
                panic!("{}: a JSON body", op.id)
            };
            body[field] = value;
            let r = perform(&app, &w, &op, rel, who, Payload::Json(body)).await;
            let pointer = format!("/{field}");
            let named = r.body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["pointer"] == json!(pointer) && e["code"] == "unknown_field");
            if r.status.as_u16() != 422
                || r.header("content-type").as_deref() != Some("application/problem+json")
                || !named
            {
                failures.push(format!(
                    "{} as {who:?} ({rel:?}) with `{field}`: got {} {}",
                    op.id,
                    r.status.as_u16(),
                    r.text.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    #[allow(clippy::print_stdout)] // the coverage is part of the test's report
    {
        println!(
        "mass assignment: {covered} operations with a JSON body, {requests} requests, {} failures ({:?})",
        failures.len(),
        started.elapsed()
    );
    }
    assert!(
        failures.is_empty(),
        "server-owned fields accepted:\n{}",
        failures.join("\n")
    );
}
