//! Consents: the viewer table of DESIGN §3 rules 5–8, access-audit completeness, and
//! revocation that takes effect at once, across two instances.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;

/// A partnership of schools whose terms of reference and data-sharing agreement are in force
/// and signed by every member.
struct World {
    t: Tenant,
    partnership: String,
    dsa: String,
    tor: String,
    schools: Vec<String>,
    heads: Vec<Actor>,
}

fn id(r: &Reply) -> String {
    r.body["id"].as_str().expect("id").to_owned()
}

async fn join(app: &TestApp, w: &World, school: &str, head: &Actor) {
    app.post(
        &format!("/v1/partnerships/{}/invitations", w.partnership),
        &w.t.admin.token,
        json!({ "organisation_id": school, "role": "member" }),
    )
    .await
    .expect(201);
    app.post_empty(
        &format!("/v1/partnerships/{}/members/{school}/accept", w.partnership),
        &head.token,
    )
    .await
    .expect(200);
}

async fn sign(app: &TestApp, agreement: &str, version: i64, school: &str, head: &Actor) {
    app.post(
        &format!("/v1/agreements/{agreement}/versions/{version}/sign"),
        &head.token,
        json!({ "organisation_id": school }),
    )
    .await
    .expect(200);
}

async fn agreement(
    app: &TestApp,
    w_admin: &str,
    partnership: &str,
    kind: &str,
    body: Value,
) -> String {
    let r = app
        .post(
            &format!("/v1/partnerships/{partnership}/agreements"),
            w_admin,
            json!({ "kind": kind, "title": kind, "body": body }),
        )
        .await
        .expect(201);
    let a = id(&r);
    app.post_empty(&format!("/v1/agreements/{a}/versions/1/open"), w_admin)
        .await
        .expect(200);
    a
}

/// `n` schools with heads, all in one partnership with ToR and DSA in force and signed.
async fn world(app: &TestApp, slug: &str, n: usize) -> World {
    let t = app.new_tenant(slug).await;
    let mut schools = Vec::new();
    let mut heads = Vec::new();
    for i in 0..n {
        let s = app
            .school(&t, &format!("School {i}"), &format!("1300{i:02}"))
            .await;
        heads.push(
            app.user(
                &t,
                &format!("head{i}@{slug}.example"),
                &[(&s, "head")],
                false,
            )
            .await,
        );
        schools.push(s);
    }
    let p = app
        .post(
            "/v1/partnerships",
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Cluster" }),
        )
        .await
        .expect(201);
    let partnership = id(&p);
    let mut w = World {
        t,
        partnership,
        dsa: String::new(),
        tor: String::new(),
        schools,
        heads,
    };
    for i in 0..n {
        join(app, &w, &w.schools[i].clone(), &w.heads[i].clone()).await;
    }
    let parties: Vec<Value> = w
        .schools
        .iter()
        .map(|s| json!({ "organisation_id": s, "role": "joint_controller" }))
        .collect();
    w.tor = agreement(app, &w.t.admin.token, &w.partnership, "terms_of_reference", json!({
        "purpose": "Improve together", "membership": "Member schools", "quorum_rule": "Half the heads",
        "meeting_frequency": "Termly", "review_date": "2027-09-01"
    }))
    .await;
    w.dsa = agreement(app, &w.t.admin.token, &w.partnership, "data_sharing_agreement", json!({
        "purpose": "Share evaluation results", "parties": parties, "data_items": ["evaluation scores"],
        "lawful_basis": "public_task", "retention_period": "Three years", "review_date": "2027-09-01"
    }))
    .await;
    for i in 0..n {
        sign(app, &w.tor, 1, &w.schools[i], &w.heads[i]).await;
        sign(app, &w.dsa, 1, &w.schools[i], &w.heads[i]).await;
    }
    w
}

async fn publish(app: &TestApp, school: &str, head: &Actor, category: &str) {
    app.send(
        app.request(
            reqwest::Method::PUT,
            &format!("/v1/organisations/{school}/data/{category}"),
            Some(&head.token),
        )
        .json(&json!({ "content": { "summary": format!("{category} of {school}") } })),
    )
    .await
    .expect(200);
}

async fn grant(app: &TestApp, school: &str, head: &Actor, body: Value) -> String {
    id(&app
        .post(
            &format!("/v1/organisations/{school}/consents"),
            &head.token,
            body,
        )
        .await
        .expect(201))
}

/// Reads `school`'s `category` and checks the status; returns the consent that allowed it.
#[track_caller]
fn check(r: Reply, want: u16, why: &str) -> Option<String> {
    assert_eq!(r.status.as_u16(), want, "{why}: {}", r.text);
    r.body["consent_id"].as_str().map(str::to_owned)
}

async fn read(app: &TestApp, who: &str, school: &str, category: &str) -> Reply {
    app.get(&format!("/v1/organisations/{school}/data/{category}"), who)
        .await
}

#[tokio::test]
async fn who_sees_a_schools_named_data() {
    let app = spawn_app().await;
    let w = world(&app, "share", 3).await;
    let (a, b) = (&w.schools[0], &w.schools[1]);
    let (head_a, head_b, head_c) = (&w.heads[0], &w.heads[1], &w.heads[2]);
    let staff_b = app
        .user(&w.t, "staff@b.example", &[(b, "staff")], false)
        .await;
    let outside = app.school(&w.t, "Outside School", "139999").await;
    let head_out = app
        .user(&w.t, "head@outside.example", &[(&outside, "head")], false)
        .await;
    for cat in ["evaluation_scores", "evaluation_narrative", "attendance"] {
        publish(&app, a, head_a, cat).await;
    }
    publish(&app, b, head_b, "evaluation_scores").await;
    let scores = grant(&app, a, head_a, json!({
        "grantee": { "kind": "partnership", "id": w.partnership }, "categories": ["evaluation_scores"],
        "purpose": "Plan support and challenge", "dsa_id": w.dsa
    }))
    .await;
    // Expected access-log rows of school A, in order: (viewer, consent).
    let mut log: Vec<(String, String)> = Vec::new();

    let r = read(&app, &head_a.token, a, "evaluation_scores").await;
    assert_eq!(r.body["access"], "own_school");
    check(r, 200, "own school");
    let allowed = check(
        read(&app, &head_b.token, a, "evaluation_scores").await,
        200,
        "partner with consent",
    );
    assert_eq!(allowed.as_deref(), Some(scores.as_str()));
    log.push((head_b.id.clone(), scores.clone()));
    check(
        read(&app, &staff_b.token, a, "evaluation_scores").await,
        200,
        "a partner's staff, with consent",
    );
    log.push((staff_b.id.clone(), scores.clone()));
    let r = read(&app, &head_b.token, a, "evaluation_narrative").await;
    assert_eq!(r.code(), "no_consent");
    check(r, 403, "partner with consent for another category");
    check(
        read(&app, &head_c.token, b, "evaluation_scores").await,
        403,
        "partner without consent",
    );
    check(
        read(&app, &head_out.token, a, "evaluation_scores").await,
        403,
        "a school outside the partnership",
    );

    // Tenant admins need a consent to the tenant.
    check(
        read(&app, &w.t.admin.token, a, "evaluation_scores").await,
        403,
        "tenant admin without tenant consent",
    );
    let to_tenant = grant(&app, a, head_a, json!({ "grantee": { "kind": "tenant" }, "categories": ["evaluation_scores"], "purpose": "LA oversight" })).await;
    check(
        read(&app, &w.t.admin.token, a, "evaluation_scores").await,
        200,
        "tenant admin with tenant consent",
    );
    log.push((w.t.admin.id.clone(), to_tenant.clone()));

    // An expired consent allows nothing.
    grant(&app, a, head_a, json!({
        "grantee": { "kind": "partnership", "id": w.partnership }, "categories": ["attendance"], "purpose": "Last spring",
        "valid_from": "2026-01-01", "valid_until": "2026-01-31"
    }))
    .await;
    check(
        read(&app, &head_b.token, a, "attendance").await,
        403,
        "expired consent",
    );

    // A newcomer sees nothing until it has signed the current ToR and DSA.
    let d = app.school(&w.t, "Newcomer", "138888").await;
    let head_d = app
        .user(&w.t, "head@newcomer.example", &[(&d, "head")], false)
        .await;
    join(&app, &w, &d, &head_d).await;
    check(
        read(&app, &head_d.token, a, "evaluation_scores").await,
        403,
        "newcomer that has not signed",
    );
    let tor = app
        .get(
            &format!("/v1/agreements/{}/versions/1", w.tor),
            &w.t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(tor.body["needs_resignature"], true);
    sign(&app, &w.tor, 1, &d, &head_d).await;
    check(
        read(&app, &head_d.token, a, "evaluation_scores").await,
        403,
        "newcomer that signed the ToR only",
    );
    sign(&app, &w.dsa, 1, &d, &head_d).await;
    check(
        read(&app, &head_d.token, a, "evaluation_scores").await,
        200,
        "newcomer that signed both",
    );
    log.push((head_d.id.clone(), scores.clone()));

    // A former member sees nothing.
    app.post_empty(
        &format!("/v1/partnerships/{}/members/{d}/leave", w.partnership),
        &head_d.token,
    )
    .await
    .expect(200);
    check(
        read(&app, &head_d.token, a, "evaluation_scores").await,
        403,
        "former member",
    );

    // Revocation ends it at once.
    app.post(
        &format!("/v1/consents/{scores}/revoke"),
        &head_a.token,
        json!({ "reason": "Governors asked" }),
    )
    .await
    .expect(200);
    check(
        read(&app, &head_b.token, a, "evaluation_scores").await,
        403,
        "partner after revocation",
    );
    check(
        read(&app, &w.t.admin.token, a, "evaluation_scores").await,
        200,
        "the tenant consent is separate",
    );
    log.push((w.t.admin.id.clone(), to_tenant.clone()));

    // A consent resting on a DSA ends when the DSA is withdrawn.
    let again = grant(&app, a, head_a, json!({
        "grantee": { "kind": "partnership", "id": w.partnership }, "categories": ["evaluation_scores"],
        "purpose": "New term", "dsa_id": w.dsa
    }))
    .await;
    check(
        read(&app, &head_b.token, a, "evaluation_scores").await,
        200,
        "partner with a new consent",
    );
    log.push((head_b.id.clone(), again.clone()));
    app.post(
        &format!("/v1/agreements/{}/versions/1/withdraw", w.dsa),
        &w.t.admin.token,
        json!({ "reason": "Rewriting it" }),
    )
    .await
    .expect(200);
    check(
        read(&app, &head_b.token, a, "evaluation_scores").await,
        403,
        "consent whose DSA is withdrawn",
    );

    // Another tenant: the school does not exist.
    let other = app.new_tenant("elsewhere").await;
    check(
        read(&app, &other.admin.token, a, "evaluation_scores").await,
        404,
        "other tenant",
    );
    let platform = app.platform_token().await;
    check(
        read(&app, &platform, a, "evaluation_scores").await,
        403,
        "platform admin",
    );

    // Access-audit completeness: one row per allowed read of another school's data, none for
    // the refused ones or for the school's own reads.
    let r = app
        .get(
            &format!("/v1/organisations/{a}/access-log?limit=100"),
            &head_a.token,
        )
        .await
        .expect(200);
    let rows: Vec<(String, String)> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["viewer_id"].as_str().unwrap_or("").to_owned(),
                e["consent_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(rows, log);
    let other_log = app
        .get(&format!("/v1/organisations/{b}/access-log"), &head_b.token)
        .await
        .expect(200);
    assert_eq!(
        other_log.body["items"],
        json!([]),
        "refused reads of B's data left no row"
    );
    // Only the head reads the log; the tenant admin only with the school's tenant consent.
    app.get(&format!("/v1/organisations/{a}/access-log"), &head_b.token)
        .await
        .expect(403);
    app.get(
        &format!("/v1/organisations/{a}/access-log"),
        &w.t.admin.token,
    )
    .await
    .expect(200);
    app.get(
        &format!("/v1/organisations/{b}/access-log"),
        &w.t.admin.token,
    )
    .await
    .expect(403);
    app.get(
        &format!("/v1/organisations/{a}/access-log"),
        &other.admin.token,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn consents_are_validated_and_kept_as_history() {
    let app = spawn_app().await;
    let w = world(&app, "hist", 2).await;
    let (a, b) = (&w.schools[0], &w.schools[1]);
    let r = app
        .post(&format!("/v1/organisations/{a}/consents"), &w.heads[0].token, json!({
            "grantee": { "kind": "partnership" }, "categories": ["evaluation_scores", "gossip", "evaluation_scores"], "purpose": " ",
            "valid_from": "2026-12-01", "valid_until": "2026-11-01"
        }))
        .await
        .expect(422);
    assert_eq!(
        r.pointers(),
        vec![
            "/grantee/id",
            "/categories/1",
            "/categories/2",
            "/purpose",
            "/valid_until"
        ]
    );
    // Only the school's head grants, for their own school.
    let body = json!({ "grantee": { "kind": "organisation", "id": b }, "categories": ["evaluation_scores"], "purpose": "Peer review" });
    app.post(
        &format!("/v1/organisations/{a}/consents"),
        &w.heads[1].token,
        body.clone(),
    )
    .await
    .expect(403);
    app.post(
        &format!("/v1/organisations/{a}/consents"),
        &w.t.admin.token,
        body.clone(),
    )
    .await
    .expect(403);
    let c = grant(&app, a, &w.heads[0], body).await;
    let r = app
        .get(
            &format!("/v1/organisations/{a}/consents"),
            &w.heads[0].token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["items"][0]["status"], "active");
    let r = app
        .get(
            &format!("/v1/organisations/{b}/consents?direction=received"),
            &w.heads[1].token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["items"][0]["id"], json!(c));
    app.post(
        &format!("/v1/consents/{c}/revoke"),
        &w.heads[1].token,
        json!({ "reason": "not mine" }),
    )
    .await
    .expect(403);
    app.post(
        &format!("/v1/consents/{c}/revoke"),
        &w.heads[0].token,
        json!({}),
    )
    .await
    .expect(422);
    app.post(
        &format!("/v1/consents/{c}/revoke"),
        &w.heads[0].token,
        json!({ "reason": "Done" }),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/consents/{c}/revoke"),
        &w.heads[0].token,
        json!({ "reason": "Again" }),
    )
    .await
    .expect(409);
    let r = app
        .get(&format!("/v1/consents/{c}"), &w.heads[0].token)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "revoked");
    assert_eq!(r.body["revoke_reason"], "Done");
    // The change audit has both events.
    let audit = app
        .get("/v1/audit?resource_type=consent", &w.t.admin.token)
        .await
        .expect(200);
    let actions: Vec<_> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        actions,
        vec![json!("consent.granted"), json!("consent.revoked")]
    );
    let other = app.new_tenant("hist-other").await;
    app.get(&format!("/v1/consents/{c}"), &other.admin.token)
        .await
        .expect(404);
    app.post(
        &format!("/v1/consents/{c}/revoke"),
        &other.admin.token,
        json!({ "reason": "x" }),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn the_sharing_matrix_shows_who_shares_what_with_whom() {
    let app = spawn_app().await;
    let w = world(&app, "matrix", 3).await;
    let c = grant(&app, &w.schools[0], &w.heads[0], json!({
        "grantee": { "kind": "partnership", "id": w.partnership }, "categories": ["evaluation_narrative"], "purpose": "Share strengths"
    }))
    .await;
    let m = app
        .get(
            &format!("/v1/partnerships/{}/sharing", w.partnership),
            &w.heads[1].token,
        )
        .await
        .expect(200);
    let shared: Vec<_> = m.body["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter(|c| c["shared"] == true)
        .map(|c| {
            (
                c["owner_id"].clone(),
                c["viewer_id"].clone(),
                c["category"].clone(),
                c["consent_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shared,
        vec![
            (
                json!(w.schools[0]),
                json!(w.schools[1]),
                json!("evaluation_narrative"),
                json!(c)
            ),
            (
                json!(w.schools[0]),
                json!(w.schools[2]),
                json!("evaluation_narrative"),
                json!(c)
            ),
        ]
    );
    assert_eq!(
        m.body["qualified_members"].as_array().map(Vec::len),
        Some(3)
    );
    let consents = app
        .get(
            &format!("/v1/partnerships/{}/consents", w.partnership),
            &w.heads[2].token,
        )
        .await
        .expect(200);
    assert_eq!(consents.body["items"][0]["id"], json!(c));
}

#[tokio::test]
async fn an_expired_consent_is_recorded_in_the_audit() {
    let mut settings = test_settings();
    settings.consent_sweep_secs = 1;
    let app = spawn_with(settings).await;
    let w = world(&app, "expiry", 2).await;
    let c = grant(&app, &w.schools[0], &w.heads[0], json!({
        "grantee": { "kind": "organisation", "id": w.schools[1] }, "categories": ["attendance"], "purpose": "Last year",
        "valid_from": "2025-09-01", "valid_until": "2026-07-31"
    }))
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let audit = app
            .get("/v1/audit?action=consent.expired", &w.t.admin.token)
            .await
            .expect(200);
        if let Some(e) = audit.body["items"].as_array().and_then(|a| a.first()) {
            assert_eq!(e["resource_id"], json!(c));
            assert_eq!(e["actor_kind"], "system");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the expiry was not recorded within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = app
        .get(&format!("/v1/consents/{c}"), &w.heads[0].token)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "expired");
}

#[tokio::test]
async fn revocation_on_one_instance_holds_at_once_on_another() {
    let settings = test_settings();
    let one = spawn_with(settings.clone()).await;
    let mut second = settings.clone();
    second.bootstrap_admin_password = None;
    let two = spawn_with(second).await;
    let w = world(&one, "twins", 2).await;
    let (a, head_a, head_b) = (w.schools[0].clone(), w.heads[0].clone(), w.heads[1].clone());
    publish(&one, &a, &head_a, "evaluation_scores").await;
    let c = grant(&one, &a, &head_a, json!({
        "grantee": { "kind": "partnership", "id": w.partnership }, "categories": ["evaluation_scores"], "purpose": "Termly review"
    }))
    .await;
    // Warm both instances (and any cache): the data is visible on both.
    check(
        read(&one, &head_b.token, &a, "evaluation_scores").await,
        200,
        "instance one before",
    );
    check(
        read(&two, &head_b.token, &a, "evaluation_scores").await,
        200,
        "instance two before",
    );

    // Read continuously on instance two while instance one revokes.
    let http = two.http.clone();
    let url = format!("{}/v1/organisations/{a}/data/evaluation_scores", two.base);
    let token = head_b.token.clone();
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        let until = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < until {
            let started = Instant::now();
            let status = http
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("read")
                .status()
                .as_u16();
            seen.push((started, status));
        }
        seen
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    one.post(
        &format!("/v1/consents/{c}/revoke"),
        &head_a.token,
        json!({ "reason": "Stop" }),
    )
    .await
    .expect(200);
    let revoked = Instant::now();
    let seen = reader.await.expect("reader");
    assert!(
        seen.iter().any(|(_, s)| *s == 200),
        "reads before the revocation saw the data"
    );
    let after: Vec<_> = seen.iter().filter(|(t, _)| *t > revoked).collect();
    assert!(!after.is_empty(), "some reads started after the revocation");
    assert!(
        after.iter().all(|(_, s)| *s == 403),
        "no read that started after the revocation saw the data"
    );
    check(
        read(&two, &head_b.token, &a, "evaluation_scores").await,
        403,
        "instance two after",
    );
}
