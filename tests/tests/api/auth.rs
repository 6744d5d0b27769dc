//! Authentication: the token endpoint and every way a credential is refused (each 401 with a
//! problem body).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn kid(app: &TestApp) -> String {
    let r = app
        .send(app.http.get(format!("{}/.well-known/jwks.json", app.base)))
        .await
        .expect(200);
    r.body["keys"][0]["kid"].as_str().expect("kid").to_owned()
}

fn claims(sub: &str, tid: Option<&str>, exp_in: i64, iss: &str, aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({ "iss": iss, "aud": aud, "sub": sub, "iat": now, "exp": now + exp_in, "jti": "test" });
    if let Some(t) = tid {
        c["tid"] = json!(t);
    }
    c
}

fn sign(pem: &str, kid: &str, claims: &Value) -> String {
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &h,
        claims,
        &EncodingKey::from_ed_pem(pem.as_bytes()).expect("pem"),
    )
    .expect("sign")
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let r = app.get("/v1/me", token).await;
    assert_eq!(r.status.as_u16(), 401, "{why}: {}", r.text);
    let r = r.expect(401);
    assert_eq!(r.code(), "unauthenticated", "{why}");
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")),
        "{why}"
    );
}

#[tokio::test]
async fn missing_or_malformed_tokens_are_401() {
    let app = spawn_app().await;
    let r = app
        .send(app.request(Method::GET, "/v1/me", None))
        .await
        .expect(401);
    assert_eq!(r.code(), "unauthenticated");
    let r = app
        .send(
            app.request(Method::GET, "/v1/me", None)
                .header("authorization", "Basic abc"),
        )
        .await;
    r.expect(401);
    assert_refused(&app, "not-a-jwt", "garbage").await;
    assert_refused(&app, "a.b.c", "three garbage parts").await;
}

#[tokio::test]
async fn forged_tokens_are_401() {
    let app = spawn_app().await;
    let tenant = app.new_tenant("forge").await;
    let kid = kid(&app).await;
    let good = claims(
        &tenant.admin.id,
        Some(&tenant.id),
        300,
        "concord",
        "concord-api",
    );

    // Sanity: our own key with the right claims works, so each refusal below is for its reason.
    let token = sign(signing_pem(), &kid, &good);
    app.get("/v1/me", &token).await.expect(200);

    let other_key = api::auth::keys::generate_pem().expect("key");
    assert_refused(&app, &sign(&other_key, &kid, &good), "wrong signature").await;
    assert_refused(
        &app,
        &sign(signing_pem(), "some-other-kid", &good),
        "unknown kid",
    )
    .await;

    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    let hs_token =
        jsonwebtoken::encode(&hs, &good, &EncodingKey::from_secret(b"guess")).expect("sign");
    assert_refused(&app, &hs_token, "HS256").await;

    let none_header =
        URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT", "kid": kid }).to_string());
    let body = URL_SAFE_NO_PAD.encode(good.to_string());
    assert_refused(&app, &format!("{none_header}.{body}."), "alg none").await;

    let expired = claims(
        &tenant.admin.id,
        Some(&tenant.id),
        -120,
        "concord",
        "concord-api",
    );
    assert_refused(&app, &sign(signing_pem(), &kid, &expired), "expired").await;
    let wrong_aud = claims(
        &tenant.admin.id,
        Some(&tenant.id),
        300,
        "concord",
        "someone-else",
    );
    assert_refused(
        &app,
        &sign(signing_pem(), &kid, &wrong_aud),
        "wrong audience",
    )
    .await;
    let wrong_iss = claims(
        &tenant.admin.id,
        Some(&tenant.id),
        300,
        "evil",
        "concord-api",
    );
    assert_refused(&app, &sign(signing_pem(), &kid, &wrong_iss), "wrong issuer").await;
    let no_tenant = claims(&tenant.admin.id, None, 300, "concord", "concord-api");
    assert_refused(
        &app,
        &sign(signing_pem(), &kid, &no_tenant),
        "user without tenant",
    )
    .await;
    let other_tenant = claims(
        &tenant.admin.id,
        Some("ten_01hx0000000000000000000001"),
        300,
        "concord",
        "concord-api",
    );
    assert_refused(
        &app,
        &sign(signing_pem(), &kid, &other_tenant),
        "user in the wrong tenant",
    )
    .await;
}

#[tokio::test]
async fn password_grant_refuses_wrong_credentials_alike() {
    let app = spawn_app().await;
    let tenant = app.new_tenant("north").await;
    for (email, password, slug) in [
        (
            tenant.admin.email.as_str(),
            "wrong password!!",
            Some("north"),
        ),
        ("nobody@north.example", PASSWORD, Some("north")),
        (
            tenant.admin.email.as_str(),
            PASSWORD,
            Some("no-such-tenant"),
        ),
        (tenant.admin.email.as_str(), PASSWORD, None),
        (ADMIN_EMAIL, "wrong password!!", None),
    ] {
        let r = app.login(email, password, slug).await.expect(401);
        assert_eq!(r.body["error"], "invalid_grant", "{email} {slug:?}");
        assert!(r.body["detail"]
            .as_str()
            .is_some_and(|d| !d.contains("password hash")));
    }
    let r = app
        .token_request(&[("grant_type", "magic")])
        .await
        .expect(400);
    assert_eq!(r.body["error"], "unsupported_grant_type");
    let r = app
        .token_request(&[("grant_type", "password"), ("username", "x@y.example")])
        .await
        .expect(400);
    assert_eq!(r.body["error"], "invalid_request");
    let r = app
        .send(
            app.http
                .post(format!("{}/v1/auth/token", app.base))
                .body("grant_type=password")
                .header("content-type", "text/plain"),
        )
        .await;
    r.expect(415);
}

#[tokio::test]
async fn tokens_verify_with_the_published_jwks() {
    let app = spawn_app().await;
    let t = app
        .login(ADMIN_EMAIL, ADMIN_PASSWORD, None)
        .await
        .expect(200);
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["expires_in"], 900);
    assert_eq!(t.header("cache-control").as_deref(), Some("no-store"));
    let token = t.body["access_token"].as_str().expect("token");
    let jwks = app
        .send(app.http.get(format!("{}/.well-known/jwks.json", app.base)))
        .await
        .expect(200);
    let key = &jwks.body["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["alg"], "EdDSA");
    let decoding =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().expect("x")).expect("key");
    let mut v = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    v.set_audience(&["concord-api"]);
    v.set_issuer(&["concord"]);
    let data = jsonwebtoken::decode::<Value>(token, &decoding, &v).expect("verifies with the JWKS");
    assert_eq!(data.header.kid.as_deref(), key["kid"].as_str());
    assert!(data.claims["sub"]
        .as_str()
        .is_some_and(|s| s.starts_with("pad_")));
    assert!(
        data.claims.get("tid").is_none(),
        "a platform admin has no tenant"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let tenant = app.new_tenant("rotate").await;
    let first = app
        .login(&tenant.admin.email, PASSWORD, Some("rotate"))
        .await
        .expect(200);
    let r1 = first.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    let second = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r1)])
        .await
        .expect(200);
    let r2 = second.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert_ne!(r1, r2, "a new refresh token each time");
    app.get(
        "/v1/me",
        second.body["access_token"].as_str().expect("token"),
    )
    .await
    .expect(200);

    // Reusing the first token means it leaked: refused, and the whole family ends.
    let reuse = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r1)])
        .await
        .expect(401);
    assert_eq!(reuse.body["error"], "invalid_grant");
    app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r2)])
        .await
        .expect(401);

    // Tampered secret.
    let third = app
        .login(&tenant.admin.email, PASSWORD, Some("rotate"))
        .await
        .expect(200);
    let r3 = third.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let tampered = format!("{}x", r3);
    app.token_request(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &tampered),
    ])
    .await
    .expect(401);
    app.token_request(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", "garbage"),
    ])
    .await
    .expect(401);
}

#[tokio::test]
async fn revoked_refresh_token_is_401() {
    let app = spawn_app().await;
    let t = app
        .login(ADMIN_EMAIL, ADMIN_PASSWORD, None)
        .await
        .expect(200);
    let refresh = t.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let r = app
        .send(
            app.http
                .post(format!("{}/v1/auth/revoke", app.base))
                .form(&[("token", refresh.as_str())]),
        )
        .await;
    r.expect(200);
    let r = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await
        .expect(401);
    assert_eq!(r.body["error"], "invalid_grant");
}

#[tokio::test]
async fn deactivated_user_is_refused_at_once() {
    let app = spawn_app().await;
    let tenant = app.new_tenant("deact").await;
    let school = app.school(&tenant, "Hill Primary", "137220").await;
    let head = app
        .user(&tenant, "head@hill.example", &[(&school, "head")], false)
        .await;
    let refresh = app
        .login(&head.email, PASSWORD, Some("deact"))
        .await
        .expect(200)
        .body["refresh_token"]
        .clone();
    app.get("/v1/me", &head.token).await.expect(200);

    app.post_empty(
        &format!("/v1/users/{}/deactivate", head.id),
        &tenant.admin.token,
    )
    .await
    .expect(200);

    assert_refused(&app, &head.token, "deactivated user's live token").await;
    let r = app
        .login(&head.email, PASSWORD, Some("deact"))
        .await
        .expect(401);
    assert_eq!(r.body["error"], "invalid_grant");
    let r = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str().expect("refresh")),
        ])
        .await
        .expect(401);
    assert_eq!(r.body["error"], "invalid_grant");
}

#[tokio::test]
async fn suspended_tenant_credentials_stop_at_once_and_return_on_reactivation() {
    let app = spawn_app().await;
    let tenant = app.new_tenant("susp").await;
    let client = app
        .post(
            "/v1/api-clients",
            &tenant.admin.token,
            json!({ "name": "Dashboard", "scopes": ["organisations:read"] }),
        )
        .await
        .expect(201);
    let (cid, secret) = (
        client.body["id"].as_str().expect("id").to_owned(),
        client.body["client_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    );
    let client_token = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &cid),
            ("client_secret", &secret),
        ])
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let platform = app.platform_token().await;

    let r = app
        .post_empty(&format!("/v1/tenants/{}/suspend", tenant.id), &platform)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "suspended");

    assert_refused(&app, &tenant.admin.token, "suspended tenant's user").await;
    assert_refused(&app, &client_token, "suspended tenant's client").await;
    app.login(&tenant.admin.email, PASSWORD, Some("susp"))
        .await
        .expect(401);
    let r = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &cid),
            ("client_secret", &secret),
        ])
        .await
        .expect(401);
    assert_eq!(r.body["error"], "invalid_client");

    app.post_empty(&format!("/v1/tenants/{}/reactivate", tenant.id), &platform)
        .await
        .expect(200);
    app.get("/v1/me", &tenant.admin.token).await.expect(200);
    app.get("/v1/organisations", &client_token)
        .await
        .expect(200);
}
