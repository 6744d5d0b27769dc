//! Partnerships: brokering and proposing, invitations and membership stints, the lifecycle,
//! who may see and manage what (DESIGN §3), lists and tenant isolation.

use serde_json::{json, Value};

use crate::helpers::*;

const KINDS: [&str; 8] = [
    "cluster",
    "multi_academy_trust",
    "federation",
    "teaching_school_alliance",
    "learning_partnership",
    "university_partnership",
    "independent_state_partnership",
    "other",
];

/// An id that is well formed but names nothing.
const NO_USER: &str = "usr_01hx0000000000000000000001";
const NO_ORG: &str = "org_01hx0000000000000000000001";
const NO_PARTNERSHIP: &str = "prt_01hx0000000000000000000001";

/// A school and its head.
struct School {
    id: String,
    name: String,
    head: Actor,
}

async fn school_with_head(app: &TestApp, t: &Tenant, name: &str, urn: &str) -> School {
    let id = app.school(t, name, urn).await;
    let slug = name.split_whitespace().next().expect("name").to_lowercase();
    let head = app
        .user(t, &format!("head@{slug}.example"), &[(&id, "head")], false)
        .await;
    School {
        id,
        name: name.to_owned(),
        head,
    }
}

fn path(pid: &str) -> String {
    format!("/v1/partnerships/{pid}")
}

async fn status_of(app: &TestApp, pid: &str, token: &str) -> String {
    app.get(&path(pid), token).await.expect(200).body["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

async fn etag_of(app: &TestApp, pid: &str, token: &str) -> String {
    app.get(&path(pid), token)
        .await
        .expect(200)
        .header("etag")
        .expect("etag")
}

async fn set_status(app: &TestApp, pid: &str, token: &str, status: &str) -> Reply {
    app.post(
        &format!("{}/status", path(pid)),
        token,
        json!({ "status": status }),
    )
    .await
}

/// `(organisation_id, status)` of each item of a member list.
fn member_states(r: &Reply) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = items(r)
        .iter()
        .map(|m| {
            (
                m["organisation_id"].as_str().expect("org").to_owned(),
                m["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pair(org: &str, status: &str) -> (String, String) {
    (org.to_owned(), status.to_owned())
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

fn ids(r: &Reply) -> Vec<String> {
    items(r)
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_brokered_partnership_becomes_active_when_every_invited_school_accepts() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let la = app
        .post(
            "/v1/organisations",
            &t.admin.token,
            json!({ "name": "North Council", "kind": "partner", "partner_kind": "local_authority" }),
        )
        .await
        .expect(201);
    let la = la.body["id"].as_str().expect("id").to_owned();
    let coordinator = app
        .user(&t, "coord@north.example", &[(&la, "staff")], false)
        .await;
    let chair = app.user(&t, "chair@north.example", &[], false).await;
    let schools = [
        school_with_head(&app, &t, "Hill Primary", "137220").await,
        school_with_head(&app, &t, "Dale Primary", "137221").await,
        school_with_head(&app, &t, "Vale Primary", "137222").await,
        school_with_head(&app, &t, "Moor Primary", "137223").await,
    ];

    let created = app
        .post(
            "/v1/partnerships",
            &t.admin.token,
            json!({ "kind": "cluster", "name": "North Cluster", "vision": "Every child thrives",
                    "aims": ["Share CPD", "Moderate writing"], "broker_organisation_id": la,
                    "coordinator_id": coordinator.id, "chair_id": chair.id }),
        )
        .await
        .expect(201);
    let pid = created.body["id"].as_str().expect("id").to_owned();
    assert!(pid.starts_with("prt_"), "{pid}");
    assert_eq!(created.header("location"), Some(path(&pid)));
    assert_eq!(created.header("etag").as_deref(), Some("\"v1\""));
    let b = &created.body;
    assert_eq!(b["kind"], "cluster");
    assert_eq!(b["name"], "North Cluster");
    assert_eq!(b["vision"], "Every child thrives");
    assert_eq!(b["aims"], json!(["Share CPD", "Moderate writing"]));
    assert_eq!(b["status"], "proposed");
    assert_eq!(b["broker_organisation_id"], json!(la));
    assert_eq!(b["coordinator_id"], json!(coordinator.id));
    assert_eq!(b["chair_id"], json!(chair.id));
    assert_eq!(b["created_by"], json!(t.admin.id));
    assert_eq!(b["version"], 1);
    assert!(b["created_at"].is_string() && b["updated_at"].is_string());

    let got = app.get(&path(&pid), &t.admin.token).await.expect(200);
    assert_eq!(got.body, created.body);
    assert_eq!(got.header("etag").as_deref(), Some("\"v1\""));
    // Brokered without a lead: nobody is a member yet.
    let members = app
        .get(&format!("{}/members", path(&pid)), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(members.body["items"], json!([]));

    for (i, s) in schools.iter().enumerate() {
        let r = app
            .post(
                &format!("{}/invitations", path(&pid)),
                &t.admin.token,
                json!({ "organisation_id": s.id, "role": "member", "point_person_id": s.head.id }),
            )
            .await
            .expect(201);
        assert_eq!(r.body["organisation_id"], json!(s.id));
        assert_eq!(r.body["organisation_name"], json!(s.name));
        assert_eq!(r.body["role"], "member");
        assert_eq!(r.body["status"], "invited");
        assert_eq!(r.body["point_person_id"], json!(s.head.id));
        assert!(r.body["invited_at"].is_string());
        assert_eq!(r.body["joined_at"], Value::Null);
        assert_eq!(r.body["left_at"], Value::Null);
        assert_eq!(r.body["reason"], Value::Null);
        if i == 0 {
            assert_eq!(
                status_of(&app, &pid, &t.admin.token).await,
                "forming",
                "the first invitation moves a proposed partnership to forming"
            );
        }
    }
    let members = app
        .get(&format!("{}/members", path(&pid)), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(
        member_states(&members),
        sorted(schools.iter().map(|s| pair(&s.id, "invited")).collect())
    );

    // The invited head sees the invitation.
    let inv = app
        .get("/v1/invitations", &schools[3].head.token)
        .await
        .expect(200);
    let inv = items(&inv);
    assert_eq!(inv.len(), 1, "{inv:?}");
    assert_eq!(inv[0]["partnership_id"], json!(pid));
    assert_eq!(inv[0]["partnership_name"], "North Cluster");
    assert_eq!(inv[0]["partnership_kind"], "cluster");
    assert_eq!(inv[0]["organisation_id"], json!(schools[3].id));
    assert_eq!(inv[0]["organisation_name"], "Moor Primary");
    assert_eq!(inv[0]["role"], "member");
    assert!(inv[0]["invited_at"].is_string());

    // Three of four accept: still forming.
    for s in &schools[..3] {
        let r = app
            .member_action(&s.head.token, &pid, &s.id, "accept", json!({}))
            .await
            .expect(200);
        assert_eq!(r.body["organisation_id"], json!(s.id));
        assert_eq!(r.body["status"], "active");
        assert!(r.body["joined_at"].is_string(), "{}", r.text);
        assert_eq!(
            status_of(&app, &pid, &t.admin.token).await,
            "forming",
            "one invitation is still pending"
        );
        let inv = app.get("/v1/invitations", &s.head.token).await.expect(200);
        assert_eq!(inv.body["items"], json!([]));
    }
    // The fourth: active.
    let r = app
        .member_action(
            &schools[3].head.token,
            &pid,
            &schools[3].id,
            "accept",
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "active");
    assert_eq!(status_of(&app, &pid, &t.admin.token).await, "active");
    let members = app
        .get(&format!("{}/members", path(&pid)), &schools[0].head.token)
        .await
        .expect(200);
    assert_eq!(
        member_states(&members),
        sorted(schools.iter().map(|s| pair(&s.id, "active")).collect())
    );

    // Accepting twice is a conflict.
    let r = app
        .member_action(
            &schools[3].head.token,
            &pid,
            &schools[3].id,
            "accept",
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "no_pending_invitation");

    let overview = app
        .get(&format!("{}/overview", path(&pid)), &schools[1].head.token)
        .await
        .expect(200);
    assert_eq!(overview.body["partnership"]["id"], json!(pid));
    assert_eq!(overview.body["partnership"]["status"], "active");
    assert_eq!(overview.body["members"].as_array().map(Vec::len), Some(4));
    assert_eq!(overview.body["coordinator"]["id"], json!(coordinator.id));
    assert_eq!(overview.body["coordinator"]["name"], "Test User");
    assert_eq!(overview.body["chair"]["id"], json!(chair.id));
    assert_eq!(
        overview.body["counts"],
        json!({ "active_members": 4, "pending_invitations": 0, "former_members": 0, "agreements": 0, "cycles": 0 })
    );
}

#[tokio::test]
async fn only_the_invited_schools_head_may_accept_or_decline() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let vale = school_with_head(&app, &t, "Vale Primary", "137222").await;
    let leader = app
        .user(&t, "leader@hill.example", &[(&hill.id, "leader")], false)
        .await;
    let staff = app
        .user(&t, "staff@hill.example", &[(&hill.id, "staff")], false)
        .await;
    let governor = app
        .user(
            &t,
            "governor@hill.example",
            &[(&hill.id, "governor")],
            false,
        )
        .await;
    // Dale leads, so its head knows the partnership but is not Hill's head.
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "federation", "name": "Hill and Dale", "lead_organisation_id": dale.id }),
        )
        .await;
    app.invite(&t.admin.token, &pid, &hill.id, "member")
        .await
        .expect(201);

    let refused = [
        ("tenant admin", &t.admin),
        ("Hill leader", &leader),
        ("Hill staff", &staff),
        ("Hill governor", &governor),
        ("Dale head", &dale.head),
    ];
    for (who, actor) in refused {
        for action in ["accept", "decline"] {
            let r = app
                .member_action(&actor.token, &pid, &hill.id, action, json!({}))
                .await;
            assert_eq!(r.status.as_u16(), 403, "{who} {action}: {}", r.text);
            let r = r.expect(403);
            assert_eq!(r.code(), "head_required", "{who} {action}");
        }
    }
    // Nor a head of a school with no relation to the partnership.
    let r = app
        .member_action(&vale.head.token, &pid, &hill.id, "accept", json!({}))
        .await
        .expect(403);
    assert_eq!(r.code(), "head_required");

    let members = app
        .get(&format!("{}/members", path(&pid)), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(
        member_states(&members),
        sorted(vec![pair(&dale.id, "active"), pair(&hill.id, "invited")])
    );
    assert_eq!(status_of(&app, &pid, &t.admin.token).await, "forming");

    app.member_action(&hill.head.token, &pid, &hill.id, "accept", json!({}))
        .await
        .expect(200);
    assert_eq!(status_of(&app, &pid, &t.admin.token).await, "active");
}

#[tokio::test]
async fn a_declined_invitation_leaves_the_school_outside() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let vale = school_with_head(&app, &t, "Vale Primary", "137222").await;
    let hill_staff = app
        .user(&t, "staff@hill.example", &[(&hill.id, "staff")], false)
        .await;
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "learning_partnership", "name": "Valley Learning" }),
        )
        .await;
    for s in [&hill, &dale, &vale] {
        app.invite(&t.admin.token, &pid, &s.id, "member")
            .await
            .expect(201);
    }

    // While pending, the school's users see the invitation and nothing else.
    let inv = app
        .get("/v1/invitations", &hill_staff.token)
        .await
        .expect(200);
    assert_eq!(items(&inv).len(), 1);
    assert_eq!(items(&inv)[0]["partnership_id"], json!(pid));
    let r = app.get(&path(&pid), &hill.head.token).await.expect(403);
    assert_eq!(r.code(), "not_a_member");
    let r = app
        .get(&format!("{}/members", path(&pid)), &hill.head.token)
        .await
        .expect(403);
    assert_eq!(r.code(), "not_a_member");
    let list = app
        .get("/v1/partnerships", &hill.head.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]));

    for s in [&dale, &vale] {
        app.member_action(&s.head.token, &pid, &s.id, "accept", json!({}))
            .await
            .expect(200);
    }
    assert_eq!(status_of(&app, &pid, &t.admin.token).await, "forming");

    let r = app
        .member_action(
            &hill.head.token,
            &pid,
            &hill.id,
            "decline",
            json!({ "reason": "Not this year" }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["organisation_id"], json!(hill.id));
    assert_eq!(r.body["status"], "declined");
    assert_eq!(r.body["reason"], "Not this year");
    assert_eq!(
        status_of(&app, &pid, &t.admin.token).await,
        "active",
        "no invitation is pending and two schools are active"
    );

    let r = app.get(&path(&pid), &hill.head.token).await.expect(403);
    assert_eq!(r.code(), "not_a_member");
    let inv = app
        .get("/v1/invitations", &hill.head.token)
        .await
        .expect(200);
    assert_eq!(inv.body["items"], json!([]));
    let list = app
        .get("/v1/partnerships", &hill.head.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]));
    let r = app
        .member_action(&hill.head.token, &pid, &hill.id, "accept", json!({}))
        .await
        .expect(409);
    assert_eq!(r.code(), "no_pending_invitation");

    let current = app
        .get(&format!("{}/members", path(&pid)), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(
        member_states(&current),
        sorted(vec![pair(&dale.id, "active"), pair(&vale.id, "active")])
    );
    let history = app
        .get(
            &format!("{}/members?history=true", path(&pid)),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(
        member_states(&history),
        sorted(vec![
            pair(&dale.id, "active"),
            pair(&vale.id, "active"),
            pair(&hill.id, "declined")
        ])
    );
}

#[tokio::test]
async fn a_school_that_left_can_be_invited_again_and_rejoin() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "teaching_school_alliance", "name": "Hill Alliance", "lead_organisation_id": hill.id }),
        )
        .await;
    // The lead named by a brokering admin is active at once.
    let members = app
        .get(&format!("{}/members", path(&pid)), &t.admin.token)
        .await
        .expect(200);
    let m = items(&members);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["organisation_id"], json!(hill.id));
    assert_eq!(m[0]["role"], "lead");
    assert_eq!(m[0]["status"], "active");
    assert!(m[0]["joined_at"].is_string());

    app.invite(&t.admin.token, &pid, &dale.id, "member")
        .await
        .expect(201);
    app.member_action(&dale.head.token, &pid, &dale.id, "accept", json!({}))
        .await
        .expect(200);
    assert_eq!(status_of(&app, &pid, &t.admin.token).await, "active");

    let left = app
        .member_action(
            &dale.head.token,
            &pid,
            &dale.id,
            "leave",
            json!({ "reason": "Joining a trust" }),
        )
        .await
        .expect(200);
    assert_eq!(left.body["status"], "left");
    assert!(left.body["left_at"].is_string(), "{}", left.text);
    assert_eq!(left.body["reason"], "Joining a trust");
    let r = app.get(&path(&pid), &dale.head.token).await.expect(403);
    assert_eq!(r.code(), "not_a_member");
    let r = app
        .member_action(&dale.head.token, &pid, &dale.id, "leave", json!({}))
        .await
        .expect(409);
    assert_eq!(r.code(), "not_a_member");
    let current = app
        .get(&format!("{}/members", path(&pid)), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(member_states(&current), vec![pair(&hill.id, "active")]);

    // A new stint.
    app.invite(&t.admin.token, &pid, &dale.id, "member")
        .await
        .expect(201);
    let inv = app
        .get("/v1/invitations", &dale.head.token)
        .await
        .expect(200);
    assert_eq!(items(&inv).len(), 1);
    let again = app
        .member_action(&dale.head.token, &pid, &dale.id, "accept", json!({}))
        .await
        .expect(200);
    assert_eq!(again.body["status"], "active");
    assert_eq!(again.body["left_at"], Value::Null);
    app.get(&path(&pid), &dale.head.token).await.expect(200);

    let current = app
        .get(&format!("{}/members", path(&pid)), &dale.head.token)
        .await
        .expect(200);
    assert_eq!(
        member_states(&current),
        sorted(vec![pair(&hill.id, "active"), pair(&dale.id, "active")])
    );
    let history = app
        .get(
            &format!("{}/members?history=true", path(&pid)),
            &dale.head.token,
        )
        .await
        .expect(200);
    assert_eq!(
        member_states(&history),
        sorted(vec![
            pair(&hill.id, "active"),
            pair(&dale.id, "left"),
            pair(&dale.id, "active")
        ]),
        "two stints for Dale: {}",
        history.text
    );
}

#[tokio::test]
async fn managers_remove_members_and_pending_invitations() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let vale = school_with_head(&app, &t, "Vale Primary", "137222").await;
    let moor = school_with_head(&app, &t, "Moor Primary", "137223").await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Moor Cluster", "lead_organisation_id": hill.id, "coordinator_id": coordinator.id }),
        )
        .await;
    for s in [&dale, &vale, &moor] {
        app.invite(&t.admin.token, &pid, &s.id, "member")
            .await
            .expect(201);
    }
    for s in [&dale, &moor] {
        app.member_action(&s.head.token, &pid, &s.id, "accept", json!({}))
            .await
            .expect(200);
    }
    assert_eq!(status_of(&app, &pid, &t.admin.token).await, "forming");

    let r = app
        .member_action(
            &dale.head.token,
            &pid,
            &vale.id,
            "remove",
            json!({ "reason": "x" }),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "partnership_manager_required");
    let r = app
        .member_action(&t.admin.token, &pid, &vale.id, "remove", json!({}))
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/reason"]);

    let r = app
        .member_action(
            &t.admin.token,
            &pid,
            &vale.id,
            "remove",
            json!({ "reason": "Withdrawn by the LA" }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "removed");
    assert_eq!(r.body["reason"], "Withdrawn by the LA");
    assert_eq!(
        status_of(&app, &pid, &t.admin.token).await,
        "active",
        "removing the last pending invitation activates the partnership"
    );
    let inv = app
        .get("/v1/invitations", &vale.head.token)
        .await
        .expect(200);
    assert_eq!(inv.body["items"], json!([]));
    let r = app.get(&path(&pid), &vale.head.token).await.expect(403);
    assert_eq!(r.code(), "not_a_member");

    // The coordinator and the lead's head may remove too.
    app.member_action(
        &coordinator.token,
        &pid,
        &moor.id,
        "remove",
        json!({ "reason": "Closed" }),
    )
    .await
    .expect(200);
    app.member_action(
        &hill.head.token,
        &pid,
        &dale.id,
        "remove",
        json!({ "reason": "Moved away" }),
    )
    .await
    .expect(200);
    let current = app
        .get(&format!("{}/members", path(&pid)), &hill.head.token)
        .await
        .expect(200);
    assert_eq!(member_states(&current), vec![pair(&hill.id, "active")]);
    app.get(&path(&pid), &dale.head.token).await.expect(403);

    // A removed school can be invited again (by the lead's head) and accept.
    app.invite(&hill.head.token, &pid, &moor.id, "associate")
        .await
        .expect(201);
    let r = app
        .member_action(&moor.head.token, &pid, &moor.id, "accept", json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["role"], "associate");
    let history = app
        .get(
            &format!("{}/members?history=true", path(&pid)),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(
        member_states(&history),
        sorted(vec![
            pair(&hill.id, "active"),
            pair(&dale.id, "removed"),
            pair(&vale.id, "removed"),
            pair(&moor.id, "removed"),
            pair(&moor.id, "active"),
        ])
    );
}

#[tokio::test]
async fn manual_status_changes_follow_the_lifecycle() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let vale = school_with_head(&app, &t, "Vale Primary", "137222").await;

    // proposed: only dissolution by hand.
    let proposed = app
        .partnership(&t.admin.token, json!({ "kind": "other", "name": "Idea" }))
        .await;
    for to in ["active", "forming", "suspended"] {
        let r = set_status(&app, &proposed, &t.admin.token, to)
            .await
            .expect(409);
        assert_eq!(r.code(), "illegal_transition", "proposed→{to}");
        assert_eq!(r.body["current_status"], "proposed", "proposed→{to}");
    }
    let r = set_status(&app, &proposed, &t.admin.token, "paused")
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/status"]);
    let r = set_status(&app, &proposed, &t.admin.token, "dissolved")
        .await
        .expect(200);
    assert_eq!(r.body["id"], json!(proposed));
    assert_eq!(r.body["status"], "dissolved");

    // forming: only dissolution by hand.
    let forming = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "other", "name": "Forming" }),
        )
        .await;
    app.invite(&t.admin.token, &forming, &hill.id, "member")
        .await
        .expect(201);
    for to in ["active", "suspended", "proposed"] {
        let r = set_status(&app, &forming, &t.admin.token, to)
            .await
            .expect(409);
        assert_eq!(r.code(), "illegal_transition", "forming→{to}");
        assert_eq!(r.body["current_status"], "forming", "forming→{to}");
    }
    set_status(&app, &forming, &t.admin.token, "dissolved")
        .await
        .expect(200);

    // active → suspended → active → dissolved.
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill.id }),
        )
        .await;
    app.invite(&t.admin.token, &pid, &dale.id, "member")
        .await
        .expect(201);
    app.member_action(&dale.head.token, &pid, &dale.id, "accept", json!({}))
        .await
        .expect(200);
    assert_eq!(status_of(&app, &pid, &t.admin.token).await, "active");
    for to in ["forming", "proposed", "active"] {
        let r = set_status(&app, &pid, &t.admin.token, to).await.expect(409);
        assert_eq!(r.code(), "illegal_transition", "active→{to}");
        assert_eq!(r.body["current_status"], "active", "active→{to}");
    }
    let r = app
        .post(
            &format!("{}/status", path(&pid)),
            &t.admin.token,
            json!({ "status": "suspended", "reason": "Head teacher vacancy" }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "suspended");
    let r = app
        .invite(&t.admin.token, &pid, &vale.id, "member")
        .await
        .expect(409);
    assert_eq!(r.code(), "partnership_not_open");
    let r = set_status(&app, &pid, &t.admin.token, "forming")
        .await
        .expect(409);
    assert_eq!(r.body["current_status"], "suspended");
    set_status(&app, &pid, &t.admin.token, "active")
        .await
        .expect(200);
    let r = set_status(&app, &pid, &t.admin.token, "dissolved")
        .await
        .expect(200);
    assert_eq!(r.body["status"], "dissolved");

    // Dissolved is final.
    for to in ["active", "suspended", "forming", "proposed"] {
        let r = set_status(&app, &pid, &t.admin.token, to).await.expect(409);
        assert_eq!(r.code(), "illegal_transition", "dissolved→{to}");
        assert_eq!(r.body["current_status"], "dissolved", "dissolved→{to}");
    }
    let etag = etag_of(&app, &pid, &t.admin.token).await;
    app.patch(
        &path(&pid),
        &t.admin.token,
        Some(&etag),
        json!({ "name": "Revived" }),
    )
    .await
    .expect(409);
    let r = app
        .invite(&t.admin.token, &pid, &vale.id, "member")
        .await
        .expect(409);
    assert_eq!(r.code(), "partnership_not_open");
    // Still readable by its members.
    let got = app.get(&path(&pid), &hill.head.token).await.expect(200);
    assert_eq!(got.body["status"], "dissolved");
    assert_eq!(got.body["name"], "Hill Cluster");
}

#[tokio::test]
async fn changes_need_the_current_etag_and_a_manager() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let vale = school_with_head(&app, &t, "Vale Primary", "137222").await;
    let hill_staff = app
        .user(&t, "staff@hill.example", &[(&hill.id, "staff")], false)
        .await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let chair = app.user(&t, "chair@north.example", &[], false).await;
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "university_partnership", "name": "Campus Link", "lead_organisation_id": hill.id,
                    "coordinator_id": coordinator.id, "chair_id": chair.id }),
        )
        .await;
    app.invite(&t.admin.token, &pid, &dale.id, "member")
        .await
        .expect(201);
    app.member_action(&dale.head.token, &pid, &dale.id, "accept", json!({}))
        .await
        .expect(200);
    let p = path(&pid);

    let r = app
        .patch(&p, &t.admin.token, None, json!({ "name": "X" }))
        .await
        .expect(428);
    assert_eq!(r.code(), "if_match_required");
    let etag = etag_of(&app, &pid, &t.admin.token).await;
    let before = app.get(&p, &t.admin.token).await.expect(200);
    let version = before.body["version"].as_i64().expect("version");
    assert_eq!(etag, format!("\"v{version}\""));

    let ok = app
        .patch(
            &p,
            &t.admin.token,
            Some(&etag),
            json!({ "name": "Campus Link North", "vision": "Research-informed teaching", "aims": ["Joint CPD", "Trainee placements"] }),
        )
        .await
        .expect(200);
    assert_eq!(ok.body["name"], "Campus Link North");
    assert_eq!(ok.body["vision"], "Research-informed teaching");
    assert_eq!(ok.body["aims"], json!(["Joint CPD", "Trainee placements"]));
    assert_eq!(ok.body["kind"], "university_partnership");
    assert_eq!(ok.body["version"], version + 1);
    assert_eq!(ok.header("etag"), Some(format!("\"v{}\"", version + 1)));
    let r = app
        .patch(&p, &t.admin.token, Some(&etag), json!({ "name": "Lost" }))
        .await
        .expect(412);
    assert_eq!(r.code(), "etag_mismatch");
    let etag = ok.header("etag").expect("etag");

    // Server-owned and unknown fields are refused; references are checked.
    for (body, pointer) in [
        (json!({ "status": "active" }), "/status"),
        (json!({ "id": "prt_x" }), "/id"),
        (json!({ "kind": "federation" }), "/kind"),
        (json!({ "name": "" }), "/name"),
        (json!({ "coordinator_id": NO_USER }), "/coordinator_id"),
        (json!({ "chair_id": NO_USER }), "/chair_id"),
        (
            json!({ "broker_organisation_id": NO_ORG }),
            "/broker_organisation_id",
        ),
    ] {
        let r = app
            .patch(&p, &t.admin.token, Some(&etag), body.clone())
            .await;
        assert_eq!(r.status.as_u16(), 422, "{body}: {}", r.text);
        let r = r.expect(422);
        assert_eq!(r.pointers(), vec![pointer], "{body}");
        match pointer {
            "/coordinator_id" | "/chair_id" => {
                assert_eq!(r.body["errors"][0]["code"], "unknown_user", "{body}");
            }
            "/broker_organisation_id" => {
                assert_eq!(r.body["errors"][0]["code"], "unknown_organisation");
            }
            _ => {}
        }
    }
    assert_eq!(
        app.get(&p, &t.admin.token).await.expect(200).body["name"],
        "Campus Link North",
        "refused changes change nothing"
    );

    // The coordinator and the lead's head manage; other members' users and the chair do not.
    let r = app
        .patch(
            &p,
            &coordinator.token,
            Some(&etag),
            json!({ "aims": ["Joint CPD"] }),
        )
        .await
        .expect(200);
    let etag = r.header("etag").expect("etag");
    let r = app
        .patch(
            &p,
            &hill.head.token,
            Some(&etag),
            json!({ "vision": "Better together" }),
        )
        .await
        .expect(200);
    let etag = r.header("etag").expect("etag");
    for (who, actor) in [
        ("Dale head", &dale.head),
        ("Hill staff", &hill_staff),
        ("chair", &chair),
    ] {
        let r = app
            .patch(&p, &actor.token, Some(&etag), json!({ "name": "Mine" }))
            .await;
        assert_eq!(r.status.as_u16(), 403, "{who} PATCH: {}", r.text);
        assert_eq!(r.expect(403).code(), "partnership_manager_required");
        let r = set_status(&app, &pid, &actor.token, "suspended").await;
        assert_eq!(r.status.as_u16(), 403, "{who} status: {}", r.text);
        assert_eq!(r.expect(403).code(), "partnership_manager_required");
        let r = app.invite(&actor.token, &pid, &vale.id, "member").await;
        assert_eq!(r.status.as_u16(), 403, "{who} invite: {}", r.text);
        assert_eq!(r.expect(403).code(), "partnership_manager_required");
    }
    assert_eq!(
        app.get(&p, &t.admin.token).await.expect(200).body["vision"],
        "Better together"
    );

    app.invite(&coordinator.token, &pid, &vale.id, "member")
        .await
        .expect(201);
    let r = set_status(&app, &pid, &coordinator.token, "suspended")
        .await
        .expect(200);
    assert_eq!(r.body["status"], "suspended");
    let r = set_status(&app, &pid, &hill.head.token, "dissolved")
        .await
        .expect(200);
    assert_eq!(r.body["status"], "dissolved");
}

#[tokio::test]
async fn partnership_bodies_are_validated() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let south_org = app.school(&south, "South Primary", "137299").await;
    let archived = app
        .post(
            "/v1/organisations",
            &north.admin.token,
            json!({ "name": "Old Charity", "kind": "partner", "partner_kind": "charity" }),
        )
        .await
        .expect(201);
    let archived = archived.body["id"].as_str().expect("id").to_owned();
    app.post_empty(
        &format!("/v1/organisations/{archived}/archive"),
        &north.admin.token,
    )
    .await
    .expect(200);

    let cases = [
        (json!({ "kind": "castle", "name": "X" }), "/kind", None),
        (json!({ "name": "X" }), "/kind", None),
        (json!({ "kind": "cluster", "name": "" }), "/name", None),
        (
            json!({ "kind": "cluster", "name": "X", "coordinator_id": NO_USER }),
            "/coordinator_id",
            Some("unknown_user"),
        ),
        (
            json!({ "kind": "cluster", "name": "X", "coordinator_id": south.admin.id }),
            "/coordinator_id",
            Some("unknown_user"),
        ),
        (
            json!({ "kind": "cluster", "name": "X", "chair_id": south.admin.id }),
            "/chair_id",
            Some("unknown_user"),
        ),
        (
            json!({ "kind": "cluster", "name": "X", "broker_organisation_id": south_org }),
            "/broker_organisation_id",
            Some("unknown_organisation"),
        ),
        (
            json!({ "kind": "cluster", "name": "X", "broker_organisation_id": archived }),
            "/broker_organisation_id",
            Some("unknown_organisation"),
        ),
        (
            json!({ "kind": "cluster", "name": "X", "broker_organisation_id": NO_ORG }),
            "/broker_organisation_id",
            Some("unknown_organisation"),
        ),
        (
            json!({ "kind": "cluster", "name": "X", "status": "active" }),
            "/status",
            None,
        ),
    ];
    for (body, pointer, code) in cases {
        let r = app
            .post("/v1/partnerships", &north.admin.token, body.clone())
            .await;
        assert_eq!(r.status.as_u16(), 422, "{body}: {}", r.text);
        let r = r.expect(422);
        assert_eq!(r.pointers(), vec![pointer], "{body}");
        if let Some(code) = code {
            assert_eq!(r.body["errors"][0]["code"], code, "{body}");
        }
    }
    let list = app
        .get("/v1/partnerships", &north.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]), "nothing was written");

    for kind in KINDS {
        let r = app
            .post(
                "/v1/partnerships",
                &north.admin.token,
                json!({ "kind": kind, "name": format!("A {kind}") }),
            )
            .await
            .expect(201);
        assert_eq!(r.body["kind"], kind);
        assert_eq!(r.body["status"], "proposed");
        assert_eq!(r.body["vision"], Value::Null);
        assert_eq!(r.body["aims"], json!([]));
        assert_eq!(r.body["coordinator_id"], Value::Null);
    }
}

#[tokio::test]
async fn invitations_are_validated() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let south_org = app.school(&south, "South Primary", "137299").await;
    let hill = school_with_head(&app, &north, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &north, "Dale Primary", "137221").await;
    let vale = school_with_head(&app, &north, "Vale Primary", "137222").await;
    let closed = app.school(&north, "Closed Primary", "137229").await;
    app.post_empty(
        &format!("/v1/organisations/{closed}/archive"),
        &north.admin.token,
    )
    .await
    .expect(200);
    let pid = app
        .partnership(
            &north.admin.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill.id }),
        )
        .await;
    let inv = format!("{}/invitations", path(&pid));

    for org in [NO_ORG, south_org.as_str(), closed.as_str()] {
        let r = app
            .post(
                &inv,
                &north.admin.token,
                json!({ "organisation_id": org, "role": "member" }),
            )
            .await
            .expect(422);
        assert_eq!(r.pointers(), vec!["/organisation_id"], "{org}");
        assert_eq!(r.body["errors"][0]["code"], "unknown_organisation", "{org}");
    }
    let r = app
        .post(
            &inv,
            &north.admin.token,
            json!({ "organisation_id": dale.id, "role": "boss" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/role"]);
    let r = app
        .post(
            &inv,
            &north.admin.token,
            json!({ "organisation_id": dale.id }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/role"]);
    let r = app
        .post(
            &inv,
            &north.admin.token,
            json!({ "organisation_id": dale.id, "role": "member", "status": "active" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/status"]);
    assert_eq!(
        status_of(&app, &pid, &north.admin.token).await,
        "proposed",
        "refused invitations change nothing"
    );

    let r = app
        .invite(&north.admin.token, &pid, &hill.id, "member")
        .await
        .expect(409);
    assert_eq!(r.code(), "already_member");
    let r = app
        .post(
            &inv,
            &north.admin.token,
            json!({ "organisation_id": dale.id, "role": "sponsor", "point_person_id": dale.head.id }),
        )
        .await
        .expect(201);
    assert_eq!(r.body["role"], "sponsor");
    assert_eq!(r.body["point_person_id"], json!(dale.head.id));
    let r = app
        .invite(&north.admin.token, &pid, &dale.id, "member")
        .await
        .expect(409);
    assert_eq!(r.code(), "already_invited");
    app.invite(&north.admin.token, &pid, &vale.id, "associate")
        .await
        .expect(201);

    let members = app
        .get(&format!("{}/members", path(&pid)), &north.admin.token)
        .await
        .expect(200);
    let mut roles: Vec<(String, String, String)> = items(&members)
        .iter()
        .map(|m| {
            (
                m["organisation_name"].as_str().expect("name").to_owned(),
                m["role"].as_str().expect("role").to_owned(),
                m["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        vec![
            ("Dale Primary".into(), "sponsor".into(), "invited".into()),
            ("Hill Primary".into(), "lead".into(), "active".into()),
            ("Vale Primary".into(), "associate".into(), "invited".into()),
        ]
    );
}

#[tokio::test]
async fn a_head_proposes_with_their_own_school_as_lead() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let leader = app
        .user(&t, "leader@hill.example", &[(&hill.id, "leader")], false)
        .await;
    let staff = app
        .user(&t, "staff@hill.example", &[(&hill.id, "staff")], false)
        .await;
    let governor = app
        .user(
            &t,
            "governor@hill.example",
            &[(&hill.id, "governor")],
            false,
        )
        .await;
    let nobody = app.user(&t, "nobody@north.example", &[], false).await;
    // Head of Dale but only a leader at Hill.
    let mixed = app
        .user(
            &t,
            "mixed@north.example",
            &[(&dale.id, "head"), (&hill.id, "leader")],
            false,
        )
        .await;

    let r = app
        .post(
            "/v1/partnerships",
            &hill.head.token,
            json!({ "kind": "cluster", "name": "Hill Cluster" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/lead_organisation_id"]);
    for (who, actor) in [("Hill head", &hill.head), ("Dale head at Hill", &mixed)] {
        let lead = if who == "Hill head" {
            &dale.id
        } else {
            &hill.id
        };
        let r = app
            .post(
                "/v1/partnerships",
                &actor.token,
                json!({ "kind": "cluster", "name": "Not Mine", "lead_organisation_id": lead }),
            )
            .await;
        assert_eq!(r.status.as_u16(), 403, "{who}: {}", r.text);
        assert_eq!(r.expect(403).code(), "not_head_of_organisation", "{who}");
    }
    for (who, actor) in [
        ("leader", &leader),
        ("staff", &staff),
        ("governor", &governor),
        ("no role", &nobody),
    ] {
        let r = app
            .post(
                "/v1/partnerships",
                &actor.token,
                json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill.id }),
            )
            .await;
        assert_eq!(r.status.as_u16(), 403, "{who}: {}", r.text);
        r.expect(403);
    }
    let list = app
        .get("/v1/partnerships", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]), "nothing was written");

    let created = app
        .post(
            "/v1/partnerships",
            &hill.head.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill.id }),
        )
        .await
        .expect(201);
    assert_eq!(created.body["status"], "proposed");
    assert_eq!(created.body["created_by"], json!(hill.head.id));
    let pid = created.body["id"].as_str().expect("id").to_owned();
    let members = app
        .get(&format!("{}/members", path(&pid)), &staff.token)
        .await
        .expect(200);
    let m = items(&members);
    assert_eq!(m.len(), 1, "{}", members.text);
    assert_eq!(m[0]["organisation_id"], json!(hill.id));
    assert_eq!(m[0]["role"], "lead");
    assert_eq!(m[0]["status"], "active");
    assert!(m[0]["joined_at"].is_string());

    // The proposing head manages it: invites Dale, which accepts.
    app.invite(&hill.head.token, &pid, &dale.id, "member")
        .await
        .expect(201);
    assert_eq!(status_of(&app, &pid, &hill.head.token).await, "forming");
    app.member_action(&dale.head.token, &pid, &dale.id, "accept", json!({}))
        .await
        .expect(200);
    assert_eq!(status_of(&app, &pid, &hill.head.token).await, "active");
    let list = app
        .get("/v1/partnerships", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(ids(&list), vec![pid]);
}

#[tokio::test]
async fn each_role_sees_the_partnership_as_design_section_3_says() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await; // lead
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await; // active
    let vale = school_with_head(&app, &t, "Vale Primary", "137222").await; // pending
    let moor = school_with_head(&app, &t, "Moor Primary", "137223").await; // left
    let fen = school_with_head(&app, &t, "Fen Primary", "137224").await; // declined
    let stone = school_with_head(&app, &t, "Stone Primary", "137225").await; // removed
    let heath = school_with_head(&app, &t, "Heath Primary", "137226").await; // unrelated
    let leader = app
        .user(&t, "leader@hill.example", &[(&hill.id, "leader")], false)
        .await;
    let staff = app
        .user(&t, "staff@hill.example", &[(&hill.id, "staff")], false)
        .await;
    let governor = app
        .user(
            &t,
            "governor@hill.example",
            &[(&hill.id, "governor")],
            false,
        )
        .await;
    let vale_staff = app
        .user(&t, "staff@vale.example", &[(&vale.id, "staff")], false)
        .await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let chair = app.user(&t, "chair@north.example", &[], false).await;
    let platform = app.platform_token().await;
    let (_, no_scope) = app.client_with_scopes(&t, &[]).await;
    let (_, reader) = app.client_with_scopes(&t, &["partnerships:read"]).await;

    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Moorland Cluster", "lead_organisation_id": hill.id,
                    "coordinator_id": coordinator.id, "chair_id": chair.id }),
        )
        .await;
    for s in [&dale, &vale, &moor, &fen, &stone] {
        app.invite(&t.admin.token, &pid, &s.id, "member")
            .await
            .expect(201);
    }
    for s in [&dale, &moor, &stone] {
        app.member_action(&s.head.token, &pid, &s.id, "accept", json!({}))
            .await
            .expect(200);
    }
    app.member_action(&fen.head.token, &pid, &fen.id, "decline", json!({}))
        .await
        .expect(200);
    app.member_action(&moor.head.token, &pid, &moor.id, "leave", json!({}))
        .await
        .expect(200);
    app.member_action(
        &t.admin.token,
        &pid,
        &stone.id,
        "remove",
        json!({ "reason": "Closed" }),
    )
    .await
    .expect(200);

    // (who, token, status for the partnership and its sub-resources, code, listed)
    let cases: Vec<(&str, &str, u16, Option<&str>, bool)> = vec![
        ("tenant admin", &t.admin.token, 200, None, true),
        ("coordinator", &coordinator.token, 200, None, true),
        ("chair", &chair.token, 200, None, true),
        ("lead's head", &hill.head.token, 200, None, true),
        ("lead's leader", &leader.token, 200, None, true),
        ("lead's staff", &staff.token, 200, None, true),
        ("lead's governor", &governor.token, 200, None, true),
        ("member's head", &dale.head.token, 200, None, true),
        ("client with partnerships:read", &reader, 200, None, true),
        (
            "pending member's head",
            &vale.head.token,
            403,
            Some("not_a_member"),
            false,
        ),
        (
            "pending member's staff",
            &vale_staff.token,
            403,
            Some("not_a_member"),
            false,
        ),
        (
            "left member's head",
            &moor.head.token,
            403,
            Some("not_a_member"),
            false,
        ),
        (
            "declined member's head",
            &fen.head.token,
            403,
            Some("not_a_member"),
            false,
        ),
        (
            "removed member's head",
            &stone.head.token,
            403,
            Some("not_a_member"),
            false,
        ),
        (
            "unrelated school's head",
            &heath.head.token,
            404,
            None,
            false,
        ),
        ("platform admin", &platform, 403, None, false),
        ("client without scope", &no_scope, 403, None, false),
    ];
    let paths = [
        path(&pid),
        format!("{}/members", path(&pid)),
        format!("{}/members?history=true", path(&pid)),
        format!("{}/overview", path(&pid)),
    ];
    for (who, token, status, code, _) in &cases {
        for p in &paths {
            let r = app.get(p, token).await;
            assert_eq!(r.status.as_u16(), *status, "{who} GET {p}: {}", r.text);
            let r = r.expect(*status);
            if let Some(code) = code {
                assert_eq!(r.code(), *code, "{who} GET {p}");
            }
        }
    }
    // Lists: a user's partnerships are those where they are involved as an active member,
    // coordinator or chair; the platform admin and a client without the scope get none.
    for (who, token, status, _, listed) in &cases {
        let r = app.get("/v1/partnerships", token).await;
        match (*status, *who) {
            (403, "platform admin" | "client without scope") => {
                assert_eq!(r.status.as_u16(), 403, "{who} lists: {}", r.text);
                r.expect(403);
            }
            _ => {
                let r = r.expect(200);
                let expected: Vec<String> = if *listed { vec![pid.clone()] } else { vec![] };
                assert_eq!(ids(&r), expected, "{who} lists");
            }
        }
    }
    // The pending school's users see the invitation; former members do not.
    for (who, actor, n) in [
        ("pending head", &vale.head, 1),
        ("pending staff", &vale_staff, 1),
        ("left head", &moor.head, 0),
        ("declined head", &fen.head, 0),
        ("removed head", &stone.head, 0),
        ("unrelated head", &heath.head, 0),
    ] {
        let r = app.get("/v1/invitations", &actor.token).await.expect(200);
        assert_eq!(items(&r).len(), n, "{who}: {}", r.text);
    }

    let overview = app
        .get(&format!("{}/overview", path(&pid)), &t.admin.token)
        .await
        .expect(200);
    let members: Vec<(String, String)> = {
        let mut v: Vec<_> = overview.body["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| {
                (
                    m["organisation_id"].as_str().expect("org").to_owned(),
                    m["status"].as_str().expect("status").to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        members,
        sorted(vec![
            pair(&hill.id, "active"),
            pair(&dale.id, "active"),
            pair(&vale.id, "invited")
        ])
    );
    assert_eq!(overview.body["coordinator"]["id"], json!(coordinator.id));
    assert!(overview.body["coordinator"]["name"].is_string());
    assert_eq!(overview.body["chair"]["id"], json!(chair.id));
    assert_eq!(overview.body["partnership"]["id"], json!(pid));
    assert_eq!(
        overview.body["counts"],
        json!({ "active_members": 2, "pending_invitations": 1, "former_members": 3, "agreements": 0, "cycles": 0 })
    );
    let history = app
        .get(
            &format!("{}/members?history=true", path(&pid)),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(items(&history).len(), 6);

    // Missing and malformed ids are 404.
    app.get(&path(NO_PARTNERSHIP), &t.admin.token)
        .await
        .expect(404);
    app.get("/v1/partnerships/nonsense", &t.admin.token)
        .await
        .expect(404);
    app.get(
        &format!("{}/overview", path(NO_PARTNERSHIP)),
        &t.admin.token,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn another_tenant_gets_404_on_every_partnership_route() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let hill = school_with_head(&app, &north, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &north, "Dale Primary", "137221").await;
    let south_school = school_with_head(&app, &south, "South Primary", "137299").await;
    let pid = app
        .partnership(
            &north.admin.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill.id }),
        )
        .await;
    app.invite(&north.admin.token, &pid, &dale.id, "member")
        .await
        .expect(201);
    let p = path(&pid);

    for (who, token) in [
        ("south admin", &south.admin.token),
        ("south head", &south_school.head.token),
    ] {
        for get in [
            p.clone(),
            format!("{p}/members"),
            format!("{p}/members?history=true"),
            format!("{p}/overview"),
        ] {
            let r = app.get(&get, token).await;
            assert_eq!(r.status.as_u16(), 404, "{who} GET {get}: {}", r.text);
            r.expect(404);
        }
        let r = app
            .patch(&p, token, Some("\"v1\""), json!({ "name": "Stolen" }))
            .await;
        assert_eq!(r.status.as_u16(), 404, "{who} PATCH: {}", r.text);
        let r = app
            .patch(&p, token, Some("*"), json!({ "name": "Stolen" }))
            .await;
        assert_eq!(r.status.as_u16(), 404, "{who} PATCH *: {}", r.text);
        let r = set_status(&app, &pid, token, "dissolved").await;
        assert_eq!(r.status.as_u16(), 404, "{who} status: {}", r.text);
        for org in [&south_school.id, &dale.id] {
            let r = app.invite(token, &pid, org, "member").await;
            assert_eq!(r.status.as_u16(), 404, "{who} invite {org}: {}", r.text);
        }
        for org in [&hill.id, &dale.id, &south_school.id] {
            for action in ["accept", "decline", "leave", "remove"] {
                let body = if action == "accept" {
                    json!({})
                } else {
                    json!({ "reason": "because" })
                };
                let r = app.member_action(token, &pid, org, action, body).await;
                assert_eq!(r.status.as_u16(), 404, "{who} {action} {org}: {}", r.text);
                r.expect(404);
            }
        }
        let list = app.get("/v1/partnerships", token).await.expect(200);
        assert_eq!(list.body["items"], json!([]), "{who} lists");
        let inv = app.get("/v1/invitations", token).await.expect(200);
        assert_eq!(inv.body["items"], json!([]), "{who} invitations");
    }
    // North's partnership is unchanged, and north cannot invite south's school.
    let got = app.get(&p, &north.admin.token).await.expect(200);
    assert_eq!(got.body["name"], "Hill Cluster");
    assert_eq!(got.body["status"], "forming");
    let members = app
        .get(&format!("{p}/members"), &north.admin.token)
        .await
        .expect(200);
    assert_eq!(
        member_states(&members),
        sorted(vec![pair(&hill.id, "active"), pair(&dale.id, "invited")])
    );
    let r = app
        .invite(&north.admin.token, &pid, &south_school.id, "member")
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/organisation_id"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_organisation");
}

#[tokio::test]
async fn lists_show_a_users_partnerships_or_the_whole_tenants() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = school_with_head(&app, &t, "Hill Primary", "137220").await;
    let dale = school_with_head(&app, &t, "Dale Primary", "137221").await;
    let hill_staff = app
        .user(&t, "staff@hill.example", &[(&hill.id, "staff")], false)
        .await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let chair = app.user(&t, "chair@north.example", &[], false).await;
    let p1 = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill.id }),
        )
        .await;
    let p2 = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "federation", "name": "Dale Federation", "lead_organisation_id": dale.id }),
        )
        .await;
    let p3 = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "multi_academy_trust", "name": "Trust", "coordinator_id": coordinator.id }),
        )
        .await;
    let p4 = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Chaired", "chair_id": chair.id }),
        )
        .await;
    // Hill is only invited to p2.
    app.invite(&t.admin.token, &p2, &hill.id, "member")
        .await
        .expect(201);

    let all = app
        .get("/v1/partnerships", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(
        ids(&all),
        vec![p1.clone(), p2.clone(), p3.clone(), p4.clone()]
    );
    assert_eq!(all.body["next_cursor"], Value::Null);
    for (query, expected) in [
        ("status=proposed", vec![&p1, &p3, &p4]),
        ("status=forming", vec![&p2]),
        ("kind=federation", vec![&p2]),
        ("kind=cluster", vec![&p1, &p4]),
        ("status=proposed&kind=cluster", vec![&p1, &p4]),
        ("status=forming&kind=cluster", vec![]),
        ("status=active", vec![]),
    ] {
        let r = app
            .get(&format!("/v1/partnerships?{query}"), &t.admin.token)
            .await
            .expect(200);
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&r), expected, "{query}");
    }
    let r = app
        .get("/v1/partnerships?status=bogus", &t.admin.token)
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/query/status"]);
    let r = app
        .get("/v1/partnerships?kind=castle", &t.admin.token)
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/query/kind"]);

    // Pages.
    let first = app
        .get("/v1/partnerships?limit=3", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(ids(&first), vec![p1.clone(), p2.clone(), p3.clone()]);
    let cursor = first.body["next_cursor"].as_str().expect("next_cursor");
    let second = app
        .get(
            &format!("/v1/partnerships?limit=3&cursor={cursor}"),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(ids(&second), vec![p4.clone()]);
    assert_eq!(second.body["next_cursor"], Value::Null);

    // "My partnerships".
    for (who, token, expected) in [
        ("Hill head", &hill.head.token, vec![&p1]),
        ("Hill staff", &hill_staff.token, vec![&p1]),
        ("Dale head", &dale.head.token, vec![&p2]),
        ("coordinator", &coordinator.token, vec![&p3]),
        ("chair", &chair.token, vec![&p4]),
    ] {
        let r = app.get("/v1/partnerships", token).await.expect(200);
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&r), expected, "{who}");
    }
    let r = app
        .get("/v1/partnerships?kind=federation", &hill_staff.token)
        .await
        .expect(200);
    assert_eq!(ids(&r), Vec::<String>::new());

    app.member_action(&hill.head.token, &p2, &hill.id, "accept", json!({}))
        .await
        .expect(200);
    let r = app
        .get("/v1/partnerships", &hill_staff.token)
        .await
        .expect(200);
    assert_eq!(ids(&r), vec![p1.clone(), p2.clone()]);
    let r = app
        .get("/v1/partnerships?status=active", &hill_staff.token)
        .await
        .expect(200);
    assert_eq!(ids(&r), vec![p2.clone()]);
    let r = app
        .get("/v1/partnerships?status=active", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(ids(&r), vec![p2.clone()]);
}
