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

#[tokio::test]
async fn huge_strings_and_arrays_are_refused_with_a_pointer_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;

    let long_name = "a".repeat(20_001);
    let r = app
        .post(
            "/v1/organisations",
            &t.admin.token,
            json!({ "name": long_name, "kind": "partner", "partner_kind": "charity" }),
        )
        .await
        .expect(422);
    assert_eq!(r.code(), "validation_failed");
    assert_eq!(r.pointers(), ["/name"]);
    assert_eq!(r.body["errors"][0]["code"], "too_long");

    // Deep inside the body, the pointer names the array.
    let scopes = vec!["organisations:read"; 1_001];
    let r = app
        .post(
            "/v1/api-clients",
            &t.admin.token,
            json!({ "name": "Frontend", "scopes": scopes }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), ["/scopes"]);
    assert_eq!(r.body["errors"][0]["code"], "too_many_items");

    // Just under the bounds, the typed rules answer instead (a name is at most 200 characters).
    let r = app
        .post(
            "/v1/organisations",
            &t.admin.token,
            json!({ "name": "a".repeat(20_000), "kind": "partner", "partner_kind": "charity" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), ["/name"]);
    assert_ne!(r.body["errors"][0]["code"], "too_long");

    for path in ["/v1/organisations", "/v1/api-clients"] {
        let list = app.get(path, &t.admin.token).await.expect(200);
        assert_eq!(
            list.body["items"].as_array().map(Vec::len),
            Some(0),
            "{path}"
        );
    }
}

/// Sends raw bytes on a new connection, waits, and returns whatever the server answered before
/// closing it (or what it had answered when `read_for` ran out).
async fn raw_exchange(base: &str, first: &[u8], read_for: std::time::Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(first).await.expect("write");
    let mut got = Vec::new();
    let _ = tokio::time::timeout(read_for, stream.read_to_end(&mut got)).await;
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn slow_clients_are_timed_out() {
    let mut settings = test_settings();
    settings.client_timeout_secs = 1;
    let app = spawn_with(settings).await;
    let t = app.new_tenant("north").await;
    let wait = std::time::Duration::from_secs(5);

    // A head that never finishes: the server answers 408 and closes.
    let got = raw_exchange(&app.base, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", wait).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got:?}");

    // A body that never finishes: 408 problem+json, and nothing is written.
    let head = format!(
        "POST /v1/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"name\": \"Slow",
        t.admin.token
    );
    let got = raw_exchange(&app.base, head.as_bytes(), wait).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got:?}");
    assert!(got.contains("application/problem+json"), "{got:?}");
    assert!(got.contains("request_timeout"), "{got:?}");
    let list = app
        .get("/v1/organisations", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_tenants_clients_share_its_rate_limit_and_other_tenants_do_not() {
    let mut settings = test_settings();
    settings.tenant_rate_limit_per_minute = 4;
    let app = spawn_with(settings).await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let second = app.user(&north, "second@north.example", &[], true).await;
    // Setting up spent some of north's allowance; spend the rest between its two users.
    let mut served = 0;
    for i in 0..10 {
        let token = if i % 2 == 0 {
            &north.admin.token
        } else {
            &second.token
        };
        let r = app.get("/v1/me", token).await;
        match r.status.as_u16() {
            200 => served += 1,
            429 => {
                assert_eq!(r.code(), "rate_limited");
                assert!(r.header("retry-after").is_some());
                break;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert!(
        served < 4,
        "north was limited as one tenant after {served} requests"
    );
    app.get("/v1/me", &north.admin.token).await.expect(429);
    app.get("/v1/me", &second.token).await.expect(429);
    // Another tenant is not affected.
    app.get("/v1/me", &south.admin.token).await.expect(200);
}
