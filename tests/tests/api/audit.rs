//! Audit: one entry per change naming who, what and the request that made it; refused
//! requests write nothing; who may read which entries; tenant isolation.

use chrono::{DateTime, FixedOffset};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// The entries written by the request with this id.
fn by_request<'a>(entries: &'a [Value], rid: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| e["request_id"].as_str() == Some(rid))
        .collect()
}

/// The one entry with this action written by this request (it may have written others).
#[track_caller]
fn one<'a>(entries: &'a [Value], rid: &str, action: &str) -> &'a Value {
    let found: Vec<_> = by_request(entries, rid)
        .into_iter()
        .filter(|e| e["action"] == action)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {action} entry for request {rid}; all entries: {entries:#?}"
    );
    found[0]
}

/// The only entry written by this request, which has this action.
#[track_caller]
fn only<'a>(entries: &'a [Value], rid: &str, action: &str) -> &'a Value {
    let found = by_request(entries, rid);
    assert_eq!(
        found.len(),
        1,
        "exactly one entry ({action}) for request {rid}: {found:#?}"
    );
    assert_eq!(found[0]["action"], action, "{rid}");
    found[0]
}

fn at(e: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(e["at"].as_str().expect("at")).expect("RFC 3339 `at`")
}

#[track_caller]
fn check_shape(e: &Value) {
    assert!(
        e["id"].as_str().is_some_and(|s| s.starts_with("aud_")),
        "{e}"
    );
    at(e);
    assert!(
        matches!(
            e["actor_kind"].as_str(),
            Some("user" | "api_client" | "platform_admin")
        ),
        "{e}"
    );
    for f in [
        "actor_id",
        "action",
        "resource_type",
        "resource_id",
        "request_id",
    ] {
        assert!(e[f].as_str().is_some_and(|s| !s.is_empty()), "{f} in {e}");
    }
    assert!(
        e["partnership_id"].is_null() || e["partnership_id"].is_string(),
        "{e}"
    );
    assert!(e["details"].is_object(), "{e}");
}

#[track_caller]
fn check_order(entries: &[Value]) {
    for w in entries.windows(2) {
        assert!(
            at(&w[0]) <= at(&w[1]),
            "oldest first: {} then {}",
            w[0],
            w[1]
        );
    }
}

/// Sends a request with a fresh `X-Request-Id`, checks the status and that the id is echoed;
/// returns the reply and the id.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    if_match: Option<&str>,
    status: u16,
) -> (Reply, String) {
    let rid = request_id();
    let r = app
        .traced(method.clone(), path, token, body, if_match, &rid)
        .await;
    assert_eq!(r.status.as_u16(), status, "{method} {path}: {}", r.text);
    assert_eq!(
        r.header("x-request-id").as_deref(),
        Some(rid.as_str()),
        "the request id is echoed"
    );
    (r.expect(status), rid)
}

fn id(r: &Reply) -> String {
    r.body["id"].as_str().expect("id").to_owned()
}

fn school_body(name: &str, urn: &str) -> Value {
    json!({ "name": name, "kind": "school", "urn": urn, "phase": "primary", "school_type": "academy", "la_code": "202" })
}

#[tokio::test]
async fn a_new_tenants_audit_starts_with_its_creation() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let entries = app.audit_all(&t.admin.token, "").await;
    for e in &entries {
        check_shape(e);
    }
    let actions: Vec<_> = entries.iter().map(|e| e["action"].clone()).collect();
    assert_eq!(
        actions,
        vec![json!("tenant.created"), json!("user.created")]
    );
    assert_eq!(entries[0]["actor_kind"], "platform_admin");
    assert_eq!(entries[0]["resource_type"], "tenant");
    assert_eq!(entries[0]["resource_id"], json!(t.id));
    assert_eq!(entries[0]["partnership_id"], Value::Null);
    assert_eq!(entries[1]["actor_kind"], "platform_admin");
    assert_eq!(entries[1]["actor_id"], entries[0]["actor_id"]);
    assert_eq!(entries[1]["resource_type"], "user");
    assert_eq!(entries[1]["resource_id"], json!(t.admin.id));
    assert_ne!(entries[0]["request_id"], entries[1]["request_id"]);
    check_order(&entries);
}

#[tokio::test]
async fn every_partnership_change_is_audited_with_its_request_id() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let dale = app.school(&t, "Dale Primary", "137221").await;
    let vale = app.school(&t, "Vale Primary", "137222").await;
    let moor = app.school(&t, "Moor Primary", "137223").await;
    let hill_head = app
        .user(&t, "head@hill.example", &[(&hill, "head")], false)
        .await;
    let dale_head = app
        .user(&t, "head@dale.example", &[(&dale, "head")], false)
        .await;
    let vale_head = app
        .user(&t, "head@vale.example", &[(&vale, "head")], false)
        .await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let admin = &t.admin;

    let (created, rid_create) = send(
        &app,
        Method::POST,
        "/v1/partnerships",
        &hill_head.token,
        Some(json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill, "coordinator_id": coordinator.id })),
        None,
        201,
    )
    .await;
    let pid = id(&created);
    let p = format!("/v1/partnerships/{pid}");
    let m = |org: &str, action: &str| format!("{p}/members/{org}/{action}");
    let inv = format!("{p}/invitations");

    let (_, rid_patch) = send(
        &app,
        Method::PATCH,
        &p,
        &admin.token,
        Some(json!({ "name": "Hill Cluster North" })),
        Some("\"v1\""),
        200,
    )
    .await;
    // The first invitation also moves the partnership to forming.
    let (_, rid_inv_dale) = send(
        &app,
        Method::POST,
        &inv,
        &hill_head.token,
        Some(json!({ "organisation_id": dale, "role": "member" })),
        None,
        201,
    )
    .await;
    let (_, rid_inv_vale) = send(
        &app,
        Method::POST,
        &inv,
        &coordinator.token,
        Some(json!({ "organisation_id": vale, "role": "member" })),
        None,
        201,
    )
    .await;
    let (_, rid_inv_moor) = send(
        &app,
        Method::POST,
        &inv,
        &admin.token,
        Some(json!({ "organisation_id": moor, "role": "associate" })),
        None,
        201,
    )
    .await;
    let (_, rid_accept) = send(
        &app,
        Method::POST,
        &m(&dale, "accept"),
        &dale_head.token,
        Some(json!({})),
        None,
        200,
    )
    .await;
    let (_, rid_decline) = send(
        &app,
        Method::POST,
        &m(&vale, "decline"),
        &vale_head.token,
        Some(json!({ "reason": "Too busy" })),
        None,
        200,
    )
    .await;
    // Removing the last pending invitation also activates the partnership.
    let (_, rid_remove) = send(
        &app,
        Method::POST,
        &m(&moor, "remove"),
        &admin.token,
        Some(json!({ "reason": "Closing" })),
        None,
        200,
    )
    .await;
    assert_eq!(
        app.get(&p, &admin.token).await.expect(200).body["status"],
        "active"
    );
    let (_, rid_leave) = send(
        &app,
        Method::POST,
        &m(&dale, "leave"),
        &dale_head.token,
        Some(json!({ "reason": "Moving on" })),
        None,
        200,
    )
    .await;
    let (_, rid_status) = send(
        &app,
        Method::POST,
        &format!("{p}/status"),
        &coordinator.token,
        Some(json!({ "status": "suspended", "reason": "Review" })),
        None,
        200,
    )
    .await;

    let entries = app.audit_all(&admin.token, "").await;
    for e in &entries {
        check_shape(e);
    }
    check_order(&entries);
    // (request, action, actor, resource type, resource id, the request's only entry)
    let expected = [
        (
            &rid_create,
            "partnership.created",
            &hill_head.id,
            "partnership",
            &pid,
            false,
        ),
        (
            &rid_patch,
            "partnership.updated",
            &admin.id,
            "partnership",
            &pid,
            true,
        ),
        (
            &rid_inv_dale,
            "member.invited",
            &hill_head.id,
            "member",
            &dale,
            false,
        ),
        (
            &rid_inv_vale,
            "member.invited",
            &coordinator.id,
            "member",
            &vale,
            true,
        ),
        (
            &rid_inv_moor,
            "member.invited",
            &admin.id,
            "member",
            &moor,
            true,
        ),
        (
            &rid_accept,
            "member.accepted",
            &dale_head.id,
            "member",
            &dale,
            true,
        ),
        (
            &rid_decline,
            "member.declined",
            &vale_head.id,
            "member",
            &vale,
            true,
        ),
        (
            &rid_remove,
            "member.removed",
            &admin.id,
            "member",
            &moor,
            false,
        ),
        (
            &rid_leave,
            "member.left",
            &dale_head.id,
            "member",
            &dale,
            true,
        ),
        (
            &rid_status,
            "partnership.status_changed",
            &coordinator.id,
            "partnership",
            &pid,
            true,
        ),
    ];
    let mut last = 0;
    for (rid, action, actor, rtype, resource, alone) in expected {
        let e = if alone {
            only(&entries, rid, action)
        } else {
            one(&entries, rid, action)
        };
        assert_eq!(e["actor_id"], json!(actor), "{action}");
        assert_eq!(e["actor_kind"], "user", "{action}");
        assert_eq!(e["resource_type"], rtype, "{action}");
        assert_eq!(e["resource_id"], json!(resource), "{action}");
        assert_eq!(e["partnership_id"], json!(pid), "{action}");
        let pos = entries.iter().position(|x| x == e).expect("present");
        assert!(pos >= last, "{action} is listed in the order it happened");
        last = pos;
    }

    // Filtered by the partnership: just these requests' entries.
    let ours: Vec<&String> = expected.iter().map(|x| x.0).collect();
    let mine = app
        .audit_all(&admin.token, &format!("partnership_id={pid}"))
        .await;
    assert!(!mine.is_empty());
    for e in &mine {
        assert_eq!(e["partnership_id"], json!(pid), "{e}");
        assert!(
            ours.iter()
                .any(|r| e["request_id"].as_str() == Some(r.as_str())),
            "an entry from a request that changed nothing here: {e}"
        );
    }
    for rid in &ours {
        assert!(
            mine.iter()
                .any(|e| e["request_id"].as_str() == Some(rid.as_str())),
            "{rid} in the partnership's audit"
        );
    }
    // Reads write nothing.
    app.get(&p, &admin.token).await.expect(200);
    app.get(&format!("{p}/overview"), &admin.token)
        .await
        .expect(200);
    assert_eq!(app.audit_all(&admin.token, "").await.len(), entries.len());
}

#[tokio::test]
async fn tenant_organisation_user_and_client_changes_are_audited() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let admin = &t.admin;
    let platform = app.platform_token().await;

    let (r, rid_org) = send(
        &app,
        Method::POST,
        "/v1/organisations",
        &admin.token,
        Some(school_body("Hill Primary", "137220")),
        None,
        201,
    )
    .await;
    let org = id(&r);
    let (_, rid_org_upd) = send(
        &app,
        Method::PATCH,
        &format!("/v1/organisations/{org}"),
        &admin.token,
        Some(json!({ "name": "Hill Academy" })),
        Some("\"v1\""),
        200,
    )
    .await;
    let (_, rid_org_arch) = send(
        &app,
        Method::POST,
        &format!("/v1/organisations/{org}/archive"),
        &admin.token,
        None,
        None,
        200,
    )
    .await;
    let (r, rid_user) = send(
        &app,
        Method::POST,
        "/v1/users",
        &admin.token,
        Some(json!({ "email": "staff@north.example", "name": "Sam Staff", "password": PASSWORD })),
        None,
        201,
    )
    .await;
    let user = id(&r);
    let (_, rid_user_upd) = send(
        &app,
        Method::PATCH,
        &format!("/v1/users/{user}"),
        &admin.token,
        Some(json!({ "name": "Sam Staffer" })),
        Some("\"v1\""),
        200,
    )
    .await;
    let (_, rid_user_deact) = send(
        &app,
        Method::POST,
        &format!("/v1/users/{user}/deactivate"),
        &admin.token,
        None,
        None,
        200,
    )
    .await;
    let (r, rid_invited) = send(
        &app,
        Method::POST,
        "/v1/users",
        &admin.token,
        Some(json!({ "email": "new@north.example", "name": "New" })),
        None,
        201,
    )
    .await;
    let invited = id(&r);
    let invitation = r.body["invitation_token"]
        .as_str()
        .expect("invitation_token")
        .to_owned();
    let rid_accept = request_id();
    let r = app
        .send(
            app.http
                .post(format!("{}/v1/auth/invitations/accept", app.base))
                .header("x-request-id", &rid_accept)
                .json(&json!({ "invitation_token": invitation, "password": PASSWORD })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text);
    let (r, rid_client) = send(
        &app,
        Method::POST,
        "/v1/api-clients",
        &admin.token,
        Some(json!({ "name": "MIS sync", "scopes": ["organisations:write"] })),
        None,
        201,
    )
    .await;
    let client = id(&r);
    let secret = r.body["client_secret"].as_str().expect("secret").to_owned();
    let tok = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client),
            ("client_secret", &secret),
        ])
        .await
        .expect(200);
    let client_token = tok.body["access_token"].as_str().expect("token").to_owned();
    let (r, rid_by_client) = send(
        &app,
        Method::POST,
        "/v1/organisations",
        &client_token,
        Some(school_body("Dale Primary", "137221")),
        None,
        201,
    )
    .await;
    let client_org = id(&r);
    let (_, rid_revoke) = send(
        &app,
        Method::POST,
        &format!("/v1/api-clients/{client}/revoke"),
        &admin.token,
        None,
        None,
        200,
    )
    .await;
    let (_, rid_suspend) = send(
        &app,
        Method::POST,
        &format!("/v1/tenants/{}/suspend", t.id),
        &platform,
        None,
        None,
        200,
    )
    .await;
    let (_, rid_reactivate) = send(
        &app,
        Method::POST,
        &format!("/v1/tenants/{}/reactivate", t.id),
        &platform,
        None,
        None,
        200,
    )
    .await;

    let token = app
        .login(&admin.email, PASSWORD, Some(&t.slug))
        .await
        .expect(200);
    let token = token.body["access_token"].as_str().expect("token");
    let entries = app.audit_all(token, "").await;
    for e in &entries {
        check_shape(e);
        assert_eq!(e["partnership_id"], Value::Null, "{e}");
    }
    check_order(&entries);
    let platform_actor = entries[0]["actor_id"].clone(); // tenant.created
    let cases = [
        (
            &rid_org,
            "organisation.created",
            "organisation",
            &org,
            "user",
        ),
        (
            &rid_org_upd,
            "organisation.updated",
            "organisation",
            &org,
            "user",
        ),
        (
            &rid_org_arch,
            "organisation.archived",
            "organisation",
            &org,
            "user",
        ),
        (&rid_user, "user.created", "user", &user, "user"),
        (&rid_user_upd, "user.updated", "user", &user, "user"),
        (&rid_user_deact, "user.deactivated", "user", &user, "user"),
        (&rid_invited, "user.created", "user", &invited, "user"),
        (
            &rid_accept,
            "user.invitation_accepted",
            "user",
            &invited,
            "user",
        ),
        (
            &rid_client,
            "api_client.created",
            "api_client",
            &client,
            "user",
        ),
        (
            &rid_by_client,
            "organisation.created",
            "organisation",
            &client_org,
            "api_client",
        ),
        (
            &rid_revoke,
            "api_client.revoked",
            "api_client",
            &client,
            "user",
        ),
        (
            &rid_suspend,
            "tenant.suspended",
            "tenant",
            &t.id,
            "platform_admin",
        ),
        (
            &rid_reactivate,
            "tenant.reactivated",
            "tenant",
            &t.id,
            "platform_admin",
        ),
    ];
    for (rid, action, rtype, resource, actor_kind) in cases {
        let e = only(&entries, rid, action);
        assert_eq!(e["resource_type"], rtype, "{action}");
        assert_eq!(e["resource_id"], json!(resource), "{action}");
        assert_eq!(e["actor_kind"], actor_kind, "{action}");
        match (action, actor_kind) {
            (_, "platform_admin") => assert_eq!(e["actor_id"], platform_actor, "{action}"),
            (_, "api_client") => assert_eq!(e["actor_id"], json!(client), "{action}"),
            ("user.invitation_accepted", _) => {}
            _ => assert_eq!(e["actor_id"], json!(admin.id), "{action}"),
        }
    }
    // tenant.created, user.created (the admin) and the thirteen above.
    assert_eq!(entries.len(), 15, "{entries:#?}");
}

/// (method, path, token, body, `If-Match`, expected status)
type Refused<'a> = (Method, String, &'a str, Option<Value>, Option<&'a str>, u16);

#[tokio::test]
async fn refused_requests_write_no_audit_entry() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let dale = app.school(&t, "Dale Primary", "137221").await;
    let hill_staff = app
        .user(&t, "staff@hill.example", &[(&hill, "staff")], false)
        .await;
    let dale_leader = app
        .user(&t, "leader@dale.example", &[(&dale, "leader")], false)
        .await;
    let dale_head = app
        .user(&t, "head@dale.example", &[(&dale, "head")], false)
        .await;
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill }),
        )
        .await;
    app.invite(&t.admin.token, &pid, &dale, "member")
        .await
        .expect(201);
    let p = format!("/v1/partnerships/{pid}");
    let etag = app
        .get(&p, &t.admin.token)
        .await
        .expect(200)
        .header("etag")
        .expect("etag");
    let before = app.audit_all(&t.admin.token, "").await;

    let admin = t.admin.token.as_str();
    let cases: Vec<Refused<'_>> = vec![
        (
            Method::POST,
            "/v1/partnerships".into(),
            hill_staff.token.as_str(),
            Some(json!({ "kind": "cluster", "name": "Mine", "lead_organisation_id": hill })),
            None,
            403,
        ),
        (
            Method::POST,
            "/v1/partnerships".into(),
            admin,
            Some(json!({ "kind": "castle", "name": "X" })),
            None,
            422,
        ),
        (
            Method::POST,
            format!("{p}/status"),
            admin,
            Some(json!({ "status": "active" })),
            None,
            409,
        ),
        (
            Method::POST,
            format!("{p}/status"),
            hill_staff.token.as_str(),
            Some(json!({ "status": "dissolved" })),
            None,
            403,
        ),
        (
            Method::POST,
            format!("{p}/members/{dale}/accept"),
            dale_leader.token.as_str(),
            Some(json!({})),
            None,
            403,
        ),
        (
            Method::POST,
            format!("{p}/members/{dale}/accept"),
            admin,
            Some(json!({})),
            None,
            403,
        ),
        (
            Method::POST,
            format!("{p}/members/{dale}/decline"),
            dale_leader.token.as_str(),
            Some(json!({})),
            None,
            403,
        ),
        (
            Method::POST,
            format!("{p}/members/{hill}/accept"),
            dale_head.token.as_str(),
            Some(json!({})),
            None,
            403,
        ),
        (
            Method::POST,
            format!("{p}/invitations"),
            admin,
            Some(json!({ "organisation_id": dale, "role": "member" })),
            None,
            409,
        ),
        (
            Method::POST,
            format!("{p}/invitations"),
            admin,
            Some(json!({ "organisation_id": hill, "role": "member" })),
            None,
            409,
        ),
        (
            Method::POST,
            format!("{p}/invitations"),
            admin,
            Some(json!({ "organisation_id": "org_01hx0000000000000000000001", "role": "member" })),
            None,
            422,
        ),
        (
            Method::POST,
            format!("{p}/invitations"),
            hill_staff.token.as_str(),
            Some(json!({ "organisation_id": dale, "role": "member" })),
            None,
            403,
        ),
        (
            Method::POST,
            format!("{p}/members/{dale}/remove"),
            admin,
            Some(json!({})),
            None,
            422,
        ),
        (
            Method::PATCH,
            p.clone(),
            admin,
            Some(json!({ "name": "Stale" })),
            Some("\"v999\""),
            412,
        ),
        (
            Method::PATCH,
            p.clone(),
            admin,
            Some(json!({ "name": "No tag" })),
            None,
            428,
        ),
        (
            Method::PATCH,
            p.clone(),
            admin,
            Some(json!({ "status": "active" })),
            Some(etag.as_str()),
            422,
        ),
        (
            Method::PATCH,
            p.clone(),
            hill_staff.token.as_str(),
            Some(json!({ "name": "Mine" })),
            Some(etag.as_str()),
            403,
        ),
        (
            Method::POST,
            "/v1/organisations".into(),
            hill_staff.token.as_str(),
            Some(school_body("Vale Primary", "137222")),
            None,
            403,
        ),
        (
            Method::POST,
            "/v1/organisations".into(),
            admin,
            Some(school_body("Dup", "137220")),
            None,
            409,
        ),
    ];
    let mut rids = Vec::new();
    for (method, path, token, body, if_match, status) in cases {
        let (_, rid) = send(&app, method, &path, token, body, if_match, status).await;
        rids.push(rid);
    }

    let after = app.audit_all(&t.admin.token, "").await;
    assert_eq!(
        after.len(),
        before.len(),
        "refused requests wrote: {:#?}",
        &after[before.len().min(after.len())..]
    );
    for rid in &rids {
        assert!(by_request(&after, rid).is_empty(), "{rid} wrote an entry");
    }
    // Nothing changed either.
    let got = app.get(&p, &t.admin.token).await.expect(200);
    assert_eq!(got.header("etag"), Some(etag));
    assert_eq!(got.body["status"], "forming");
}

#[tokio::test]
async fn a_coordinator_reads_their_partnerships_audit_and_nobody_else_but_admins_reads_any() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let dale = app.school(&t, "Dale Primary", "137221").await;
    let hill_head = app
        .user(&t, "head@hill.example", &[(&hill, "head")], false)
        .await;
    let hill_staff = app
        .user(&t, "staff@hill.example", &[(&hill, "staff")], false)
        .await;
    let dale_head = app
        .user(&t, "head@dale.example", &[(&dale, "head")], false)
        .await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let chair = app.user(&t, "chair@north.example", &[], false).await;
    let second_admin = app.user(&t, "admin2@north.example", &[], true).await;
    let platform = app.platform_token().await;
    let (_, client) = app
        .client_with_scopes(
            &t,
            &[
                "organisations:read",
                "organisations:write",
                "users:read",
                "users:write",
                "partnerships:read",
            ],
        )
        .await;

    let p1 = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Coordinated", "lead_organisation_id": hill,
                    "coordinator_id": coordinator.id, "chair_id": chair.id }),
        )
        .await;
    let p2 = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "federation", "name": "Other", "lead_organisation_id": dale }),
        )
        .await;
    app.invite(&t.admin.token, &p1, &dale, "member")
        .await
        .expect(201);
    app.member_action(&dale_head.token, &p1, &dale, "accept", json!({}))
        .await
        .expect(200);
    app.invite(&t.admin.token, &p2, &hill, "member")
        .await
        .expect(201);

    let r = app.get("/v1/audit", &coordinator.token).await.expect(403);
    assert!(!r.text.contains("aud_"));
    app.get(
        &format!("/v1/audit?partnership_id={p2}"),
        &coordinator.token,
    )
    .await
    .expect(403);
    let seen = app
        .audit_all(&coordinator.token, &format!("partnership_id={p1}"))
        .await;
    let by_admin = app
        .audit_all(&t.admin.token, &format!("partnership_id={p1}"))
        .await;
    assert_eq!(seen, by_admin);
    assert!(seen.iter().all(|e| e["partnership_id"] == json!(p1)));
    let actions: Vec<_> = seen.iter().map(|e| e["action"].clone()).collect();
    assert!(
        actions.contains(&json!("partnership.created")),
        "{actions:?}"
    );
    assert!(actions.contains(&json!("member.invited")), "{actions:?}");
    assert!(actions.contains(&json!("member.accepted")), "{actions:?}");
    // A second tenant admin sees everything too.
    assert_eq!(
        app.audit_all(&second_admin.token, "").await,
        app.audit_all(&t.admin.token, "").await
    );

    for (who, token) in [
        ("lead's head", hill_head.token.as_str()),
        ("lead's staff", hill_staff.token.as_str()),
        ("member's head", dale_head.token.as_str()),
        ("chair", chair.token.as_str()),
        ("platform admin", platform.as_str()),
        ("API client", client.as_str()),
    ] {
        for q in [String::new(), format!("?partnership_id={p1}")] {
            let r = app.get(&format!("/v1/audit{q}"), token).await;
            assert_eq!(r.status.as_u16(), 403, "{who} /v1/audit{q}: {}", r.text);
            r.expect(403);
        }
    }
}

#[tokio::test]
async fn audit_filters_and_pages() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let dale = app.school(&t, "Dale Primary", "137221").await;
    let vale = app.school(&t, "Vale Primary", "137222").await;
    let moor = app.school(&t, "Moor Primary", "137223").await;
    let hill_head = app
        .user(&t, "head@hill.example", &[(&hill, "head")], false)
        .await;
    let pid = app
        .partnership(
            &hill_head.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill }),
        )
        .await;
    let other = app
        .partnership(&t.admin.token, json!({ "kind": "other", "name": "Other" }))
        .await;
    for org in [&dale, &vale, &moor] {
        app.invite(&hill_head.token, &pid, org, "member")
            .await
            .expect(201);
    }
    app.invite(&t.admin.token, &other, &dale, "member")
        .await
        .expect(201);

    let invited = app
        .audit_all(
            &t.admin.token,
            &format!("partnership_id={pid}&action=member.invited"),
        )
        .await;
    let orgs: Vec<_> = invited.iter().map(|e| e["resource_id"].clone()).collect();
    assert_eq!(
        orgs,
        vec![json!(dale), json!(vale), json!(moor)],
        "oldest first"
    );
    let all_invites = app.audit_all(&t.admin.token, "action=member.invited").await;
    assert_eq!(all_invites.len(), 4);

    let partnerships = app
        .audit_all(&t.admin.token, "resource_type=partnership")
        .await;
    assert!(partnerships
        .iter()
        .all(|e| e["resource_type"] == "partnership"));
    let created: Vec<_> = partnerships
        .iter()
        .filter(|e| e["action"] == "partnership.created")
        .map(|e| e["resource_id"].clone())
        .collect();
    assert_eq!(created, vec![json!(pid), json!(other)]);
    let orgs_only = app
        .audit_all(&t.admin.token, "resource_type=organisation")
        .await;
    assert_eq!(orgs_only.len(), 4, "four schools");

    let by_head = app
        .audit_all(&t.admin.token, &format!("actor_id={}", hill_head.id))
        .await;
    assert!(!by_head.is_empty());
    assert!(by_head.iter().all(|e| e["actor_id"] == json!(hill_head.id)));
    assert!(by_head.iter().all(|e| e["partnership_id"] == json!(pid)));

    // Pages of two.
    let first = app
        .get(
            &format!("/v1/audit?partnership_id={pid}&action=member.invited&limit=2"),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(items(&first), invited[..2].to_vec());
    let cursor = first.body["next_cursor"].as_str().expect("next_cursor");
    let second = app
        .get(
            &format!(
                "/v1/audit?partnership_id={pid}&action=member.invited&limit=2&cursor={cursor}"
            ),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(items(&second), invited[2..].to_vec());
    assert_eq!(second.body["next_cursor"], Value::Null);

    // Filters that match nothing.
    let none = app
        .get("/v1/audit?action=member.left", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(none.body["items"], json!([]));
}

#[tokio::test]
async fn another_tenants_audit_never_shows() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let hill = app.school(&north, "Hill Primary", "137220").await;
    let dale = app.school(&north, "Dale Primary", "137221").await;
    let coordinator = app.user(&north, "coord@north.example", &[], false).await;
    let pid = app
        .partnership(
            &north.admin.token,
            json!({ "kind": "cluster", "name": "Hill Cluster", "lead_organisation_id": hill, "coordinator_id": coordinator.id }),
        )
        .await;
    app.invite(&north.admin.token, &pid, &dale, "member")
        .await
        .expect(201);
    let south_school = app.school(&south, "South Primary", "137299").await;

    let north_entries = app.audit_all(&north.admin.token, "").await;
    let south_entries = app.audit_all(&south.admin.token, "").await;
    let north_ids: Vec<&Value> = north_entries.iter().map(|e| &e["id"]).collect();
    for e in &south_entries {
        assert!(
            !north_ids.contains(&&e["id"]),
            "north's entry in south: {e}"
        );
        let text = e.to_string();
        for north_thing in [
            &north.id,
            &north.admin.id,
            &pid,
            &hill,
            &dale,
            &coordinator.id,
        ] {
            assert!(!text.contains(north_thing.as_str()), "{north_thing} in {e}");
        }
    }
    let south_actions: Vec<_> = south_entries.iter().map(|e| e["action"].clone()).collect();
    assert_eq!(
        south_actions,
        vec![
            json!("tenant.created"),
            json!("user.created"),
            json!("organisation.created")
        ]
    );
    assert_eq!(south_entries[2]["resource_id"], json!(south_school));
    assert!(!north_entries
        .iter()
        .any(|e| e["resource_id"] == json!(south_school)));

    for q in [
        format!("partnership_id={pid}"),
        format!("actor_id={}", north.admin.id),
        "action=member.invited".to_owned(),
        "resource_type=partnership".to_owned(),
    ] {
        let r = app
            .get(&format!("/v1/audit?{q}"), &south.admin.token)
            .await
            .expect(200);
        assert_eq!(r.body["items"], json!([]), "south ?{q}");
    }
}
