//! The API's conventions: idempotency, request ids, body limits, media types, methods, rate
//! limits.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

fn school(urn: &str) -> serde_json::Value {
    json!({ "name": "Hill Primary", "kind": "school", "urn": urn, "phase": "primary", "school_type": "academy", "la_code": "202" })
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let post = |key: &'static str, body: serde_json::Value| {
        let app = &app;
        let token = t.admin.token.clone();
        async move {
            app.send(
                app.request(Method::POST, "/v1/organisations", Some(&token))
                    .header("idempotency-key", key)
                    .json(&body),
            )
            .await
        }
    };
    let first = post("k-1", school("137220")).await.expect(201);
    let again = post("k-1", school("137220")).await.expect(201);
    assert_eq!(again.text, first.text);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert!(first.header("idempotent-replayed").is_none());

    let r = post("k-1", school("137221")).await.expect(422);
    assert_eq!(r.code(), "idempotency_key_reused");
    // Without the key the repeat is a real second attempt, which the URN refuses.
    app.post("/v1/organisations", &t.admin.token, school("137220"))
        .await
        .expect(409);
    let list = app
        .get("/v1/organisations", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));

    // A failed write stores nothing under its key: fixing the request with the same key works.
    post(
        "k-2",
        json!({ "name": "", "kind": "partner", "partner_kind": "charity" }),
    )
    .await
    .expect(422);
    post(
        "k-2",
        json!({ "name": "Charity", "kind": "partner", "partner_kind": "charity" }),
    )
    .await
    .expect(201);

    let r = app
        .send(
            app.request(Method::POST, "/v1/organisations", Some(&t.admin.token))
                .header("idempotency-key", "bad key")
                .json(&school("137229")),
        )
        .await
        .expect(400);
    assert_eq!(r.code(), "invalid_idempotency_key");
}

#[tokio::test]
async fn concurrent_posts_with_one_key_create_one_resource() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let rb = app
            .request(Method::POST, "/v1/organisations", Some(&t.admin.token))
            .header("idempotency-key", "same")
            .json(&school("137220"));
        tasks.push(tokio::spawn(async move {
            Reply::from(rb.send().await.expect("sent")).await
        }));
    }
    let mut bodies = Vec::new();
    for task in tasks {
        let r = task.await.expect("task").expect(201);
        bodies.push(r.text);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every caller sees the same response"
    );
    let list = app
        .get("/v1/organisations", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.request(Method::GET, "/healthz", None)
                .header("x-request-id", "trace-abc-123"),
        )
        .await
        .expect(200);
    assert_eq!(r.header("x-request-id").as_deref(), Some("trace-abc-123"));
    let r = app
        .send(app.request(Method::GET, "/v1/me", None))
        .await
        .expect(401);
    let id = r.header("x-request-id").expect("generated");
    assert!(id.starts_with("req_"));
    assert_eq!(
        r.body["request_id"],
        json!(id),
        "the problem names the request"
    );
    let long = "x".repeat(200);
    let r = app
        .send(
            app.request(Method::GET, "/healthz", None)
                .header("x-request-id", long.as_str()),
        )
        .await;
    assert_ne!(
        r.header("x-request-id"),
        Some(long),
        "an unreasonable id is replaced"
    );
}

#[tokio::test]
async fn malformed_oversized_and_mistyped_bodies_get_problems() {
    let mut settings = test_settings();
    settings.max_body_bytes = 4096;
    let app = spawn_with(settings).await;
    let t = app.new_tenant("north").await;
    let post_raw = |body: String, ctype: &'static str| {
        let rb = app
            .request(Method::POST, "/v1/organisations", Some(&t.admin.token))
            .header("content-type", ctype)
            .body(body);
        app.send(rb)
    };
    let r = post_raw("{\"name\": ".into(), "application/json")
        .await
        .expect(400);
    assert_eq!(r.code(), "malformed_json");
    let r = post_raw("{} []".into(), "application/json")
        .await
        .expect(400);
    assert_eq!(r.code(), "malformed_json");
    post_raw("name=x".into(), "application/x-www-form-urlencoded")
        .await
        .expect(415);
    post_raw(String::new(), "text/plain").await.expect(415);
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(5000));
    let r = post_raw(big, "application/json").await.expect(413);
    assert_eq!(r.code(), "payload_too_large");
    let r = post_raw("[1,2,3]".into(), "application/json")
        .await
        .expect(422);
    assert_eq!(r.code(), "validation_failed");
    // Nothing half-written.
    let list = app
        .get("/v1/organisations", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn wrong_methods_are_405_and_unknown_paths_404() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let r = app
        .send(app.request(Method::DELETE, "/v1/organisations", Some(&t.admin.token)))
        .await
        .expect(405);
    assert_eq!(r.header("allow").as_deref(), Some("GET, POST"));
    let r = app
        .send(app.request(
            Method::PUT,
            "/v1/organisations/org_01hx0000000000000000000001",
            Some(&t.admin.token),
        ))
        .await
        .expect(405);
    assert_eq!(r.header("allow").as_deref(), Some("GET, PATCH"));
    let r = app
        .send(app.request(Method::GET, "/v1/nothing-here", Some(&t.admin.token)))
        .await
        .expect(404);
    assert_eq!(r.code(), "not_found");
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let mut settings = test_settings();
    settings.rate_limit_per_minute = 5;
    let app = spawn_with(settings).await;
    let token = app.platform_token().await; // the sign-in counts against the address, not the admin
    for n in 1..=5 {
        let r = app.get("/v1/me", &token).await.expect(200);
        assert_eq!(r.header("ratelimit-limit").as_deref(), Some("5"));
        assert_eq!(r.header("ratelimit-remaining"), Some((5 - n).to_string()));
    }
    let r = app.get("/v1/me", &token).await.expect(429);
    assert_eq!(r.code(), "rate_limited");
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
    // Health checks are never limited.
    app.send(app.request(Method::GET, "/healthz", None))
        .await
        .expect(200);
}
