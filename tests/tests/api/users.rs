//! Users: creation, memberships, roles, deactivation and tenant isolation.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn users_are_created_with_memberships_and_see_themselves() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let dale = app.school(&t, "Dale Primary", "137221").await;
    let r = app
        .post(
            "/v1/users",
            &t.admin.token,
            json!({ "email": "Head@Hill.example", "name": "Harriet Head", "password": PASSWORD,
                    "memberships": [{ "organisation_id": hill, "role": "head" }, { "organisation_id": dale, "role": "governor" }] }),
        )
        .await
        .expect(201);
    assert_eq!(r.body["email"], "head@hill.example");
    assert_eq!(r.body["status"], "active");
    assert!(r.body.get("invitation_token").is_none());
    assert!(r.body.get("password").is_none() && !r.text.contains("argon2"));
    let id = r.body["id"].as_str().expect("id").to_owned();

    let login = app
        .login("head@hill.example", PASSWORD, Some("north"))
        .await
        .expect(200);
    let token = login.body["access_token"].as_str().expect("token");
    let me = app.get("/v1/me", token).await.expect(200);
    assert_eq!(me.body["kind"], "user");
    assert_eq!(me.body["id"], json!(id));
    assert_eq!(me.body["tenant_admin"], false);
    assert_eq!(me.body["tenant"]["id"], json!(t.id));
    let mut ms: Vec<_> = me.body["memberships"]
        .as_array()
        .expect("ms")
        .iter()
        .map(|m| (m["organisation_name"].clone(), m["role"].clone()))
        .collect();
    ms.sort_by_key(|(n, _)| n.to_string());
    assert_eq!(
        ms,
        vec![
            (json!("Dale Primary"), json!("governor")),
            (json!("Hill Primary"), json!("head"))
        ]
    );

    // A user reads their own record, not other people's.
    app.get(&format!("/v1/users/{id}"), token).await.expect(200);
    app.get(&format!("/v1/users/{}", t.admin.id), token)
        .await
        .expect(403);
    app.get("/v1/users", token).await.expect(403);
    let by_org = app
        .get(&format!("/v1/users?organisation_id={dale}"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(by_org.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bad_users_are_refused_with_pointers() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let hill = app.school(&north, "Hill Primary", "137220").await;
    let foreign = app.school(&south, "South School", "137299").await;

    let r = app
        .post("/v1/users", &north.admin.token, json!({ "email": "nope", "name": "", "password": "short",
            "memberships": [{ "organisation_id": hill, "role": "janitor" }, { "organisation_id": "org_x", "role": "head" }] }))
        .await
        .expect(422);
    assert_eq!(
        r.pointers(),
        vec![
            "/email",
            "/name",
            "/memberships/0/role",
            "/memberships/1/organisation_id",
            "/password"
        ]
    );

    let r = app
        .post(
            "/v1/users",
            &north.admin.token,
            json!({ "email": "a@north.example", "name": "A",
            "memberships": [{ "organisation_id": foreign, "role": "head" }] }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/memberships/0/organisation_id"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_organisation");

    let r = app
        .post("/v1/users", &north.admin.token, json!({ "email": "a@north.example", "name": "A",
            "memberships": [{ "organisation_id": hill, "role": "head" }, { "organisation_id": hill, "role": "staff" }] }))
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/memberships/1/organisation_id"]);

    let r = app
        .post(
            "/v1/users",
            &north.admin.token,
            json!({ "email": north.admin.email, "name": "Dup" }),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "email_taken");
    // The same email is free in another tenant.
    app.post(
        "/v1/users",
        &south.admin.token,
        json!({ "email": north.admin.email, "name": "Same person elsewhere" }),
    )
    .await
    .expect(201);
    let r = app
        .post(
            "/v1/users",
            &north.admin.token,
            json!({ "email": "b@north.example", "name": "B", "status": "active" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/status"]);
}

#[tokio::test]
async fn roles_change_with_the_etag_and_take_effect_at_once() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let user = app
        .user(&t, "leader@hill.example", &[(&hill, "leader")], false)
        .await;
    let path = format!("/v1/users/{}", user.id);

    app.patch(&path, &t.admin.token, None, json!({ "tenant_admin": true }))
        .await
        .expect(428);
    let r = app
        .patch(
            &path,
            &t.admin.token,
            Some("\"v1\""),
            json!({ "memberships": [{ "organisation_id": hill, "role": "head" }] }),
        )
        .await
        .expect(200);
    assert_eq!(
        r.body["memberships"],
        json!([{ "organisation_id": hill, "role": "head" }])
    );
    // The user's existing token carries no roles: the new one applies at once.
    app.patch(
        &format!("/v1/organisations/{hill}"),
        &user.token,
        Some("\"v1\""),
        json!({ "name": "Hill Primary School" }),
    )
    .await
    .expect(200);
    app.patch(
        &path,
        &t.admin.token,
        Some("\"v1\""),
        json!({ "name": "Stale" }),
    )
    .await
    .expect(412);
    app.patch(
        &path,
        &t.admin.token,
        Some("\"v2\""),
        json!({ "tenant_admin": true }),
    )
    .await
    .expect(200);
    app.get("/v1/users", &user.token).await.expect(200);

    let r = app
        .patch(
            &format!("/v1/users/{}", t.admin.id),
            &t.admin.token,
            Some("*"),
            json!({ "tenant_admin": false }),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "cannot_demote_self");
    let r = app
        .post_empty(
            &format!("/v1/users/{}/deactivate", t.admin.id),
            &t.admin.token,
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "cannot_deactivate_self");
}

#[tokio::test]
async fn invited_users_accept_then_sign_in() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let r = app
        .post(
            "/v1/users",
            &t.admin.token,
            json!({ "email": "new@north.example", "name": "New" }),
        )
        .await
        .expect(201);
    assert_eq!(r.body["status"], "invited");
    let token = r.body["invitation_token"].as_str().expect("token");
    let again = app
        .get(
            &format!("/v1/users/{}", r.body["id"].as_str().expect("id")),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert!(
        again.body.get("invitation_token").is_none(),
        "shown once only"
    );
    let accepted = app
        .send(
            app.http
                .post(format!("{}/v1/auth/invitations/accept", app.base))
                .json(&json!({ "invitation_token": token, "password": PASSWORD })),
        )
        .await;
    assert_eq!(accepted.status.as_u16(), 204);
    app.login("new@north.example", PASSWORD, Some("north"))
        .await
        .expect(200);
}

#[tokio::test]
async fn another_tenants_user_is_404_everywhere() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let path = format!("/v1/users/{}", north.admin.id);
    app.get(&path, &south.admin.token).await.expect(404);
    app.patch(
        &path,
        &south.admin.token,
        Some("*"),
        json!({ "name": "Stolen" }),
    )
    .await
    .expect(404);
    app.post_empty(&format!("{path}/deactivate"), &south.admin.token)
        .await
        .expect(404);
    let list = app.get("/v1/users", &south.admin.token).await.expect(200);
    let emails: Vec<_> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].clone())
        .collect();
    assert_eq!(emails, vec![json!(south.admin.email)]);
    app.get("/v1/me", &north.admin.token).await.expect(200);
}
