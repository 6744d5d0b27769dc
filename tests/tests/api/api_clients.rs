//! API clients: client credentials, scopes, revocation.

use serde_json::json;

use crate::helpers::*;

async fn client_token(app: &TestApp, id: &str, secret: &str) -> Reply {
    app.token_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ])
    .await
}

#[tokio::test]
async fn a_client_acts_within_its_scopes_until_revoked() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let created = app
        .post(
            "/v1/api-clients",
            &t.admin.token,
            json!({ "name": "LA dashboard", "scopes": ["organisations:read"] }),
        )
        .await
        .expect(201);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let secret = created.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert!(id.starts_with("cli_"));
    let got = app
        .get(&format!("/v1/api-clients/{id}"), &t.admin.token)
        .await
        .expect(200);
    assert!(
        got.body.get("client_secret").is_none() && !got.text.contains(&secret),
        "the secret is shown once"
    );
    let list = app.get("/v1/api-clients", &t.admin.token).await.expect(200);
    assert!(!list.text.contains(&secret));

    let tok = client_token(&app, &id, &secret).await.expect(200);
    assert!(tok.body.get("refresh_token").is_none());
    assert_eq!(tok.body["scope"], "organisations:read");
    let token = tok.body["access_token"].as_str().expect("token").to_owned();
    let me = app.get("/v1/me", &token).await.expect(200);
    assert_eq!(me.body["kind"], "api_client");
    assert_eq!(me.body["scopes"], json!(["organisations:read"]));

    app.get(&format!("/v1/organisations/{hill}"), &token)
        .await
        .expect(200);
    let r = app
        .post(
            "/v1/organisations",
            &token,
            json!({ "name": "X", "kind": "partner", "partner_kind": "charity" }),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "insufficient_scope");
    app.get("/v1/users", &token).await.expect(403);
    let r = app.get("/v1/api-clients", &token).await.expect(403);
    assert_eq!(r.code(), "api_clients_cannot_manage_clients");

    // HTTP Basic works too; a wrong secret does not.
    let basic = app
        .send(
            app.http
                .post(format!("{}/v1/auth/token", app.base))
                .basic_auth(&id, Some(&secret))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    basic.expect(200);
    let r = client_token(&app, &id, "wrong-secret").await.expect(401);
    assert_eq!(r.body["error"], "invalid_client");

    let revoked = app
        .post_empty(&format!("/v1/api-clients/{id}/revoke"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(revoked.body["status"], "revoked");
    app.get("/v1/organisations", &token).await.expect(401);
    client_token(&app, &id, &secret).await.expect(401);
}

#[tokio::test]
async fn client_scopes_are_validated_and_clients_are_tenant_admin_business() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let hill = app.school(&t, "Hill Primary", "137220").await;
    let r = app
        .post(
            "/v1/api-clients",
            &t.admin.token,
            json!({ "name": "", "scopes": ["everything", "users:read", "users:read"] }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/name", "/scopes/0", "/scopes/2"]);
    let head = app
        .user(&t, "head@hill.example", &[(&hill, "head")], false)
        .await;
    app.post(
        "/v1/api-clients",
        &head.token,
        json!({ "name": "Mine", "scopes": [] }),
    )
    .await
    .expect(403);
    app.get("/v1/api-clients", &head.token).await.expect(403);
}

#[tokio::test]
async fn another_tenants_client_is_404() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let c = app
        .post(
            "/v1/api-clients",
            &north.admin.token,
            json!({ "name": "N", "scopes": [] }),
        )
        .await
        .expect(201);
    let id = c.body["id"].as_str().expect("id");
    app.get(&format!("/v1/api-clients/{id}"), &south.admin.token)
        .await
        .expect(404);
    app.post_empty(&format!("/v1/api-clients/{id}/revoke"), &south.admin.token)
        .await
        .expect(404);
    assert_eq!(
        app.get(&format!("/v1/api-clients/{id}"), &north.admin.token)
            .await
            .expect(200)
            .body["status"],
        "active"
    );
}
