//! Operations: health, readiness, metrics, the OpenAPI document and its UI.

use reqwest::Method;

use crate::helpers::*;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let r = app
        .send(app.request(Method::GET, "/healthz", None))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "ok");
    let r = app
        .send(app.request(Method::GET, "/readyz", None))
        .await
        .expect(200);
    let expected_db = if database_server().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(r.body["database"], expected_db);
    assert_eq!(
        r.body["cache"],
        if redis_url().is_some() {
            "redis"
        } else {
            "memory"
        }
    );

    app.send(app.request(Method::GET, "/v1/me", None))
        .await
        .expect(401);
    let m = app.send(app.request(Method::GET, "/metrics", None)).await;
    assert_eq!(m.status.as_u16(), 200);
    assert!(
        m.text
            .contains(r#"concord_http_requests_total{method="GET",route="/v1/me",status="401"} 1"#),
        "metrics count requests by route and status:\n{}",
        m.text
    );
    assert!(m
        .text
        .contains("concord_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn the_served_document_is_the_committed_one_and_docs_render() {
    let app = spawn_app().await;
    let r = app
        .send(app.request(Method::GET, "/openapi.json", None))
        .await;
    assert_eq!(r.status.as_u16(), 200);
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/openapi.json"
        ))
        .expect("committed"),
    )
    .expect("json");
    assert_eq!(r.body, committed);
    let docs = app.send(app.request(Method::GET, "/docs/", None)).await;
    assert_eq!(docs.status.as_u16(), 200);
    assert!(
        docs.text.contains("swagger-ui"),
        "the docs page is Swagger UI"
    );
    let js = app
        .send(app.request(Method::GET, "/docs/swagger-ui-bundle.js", None))
        .await;
    assert_eq!(
        js.status.as_u16(),
        200,
        "the UI's JavaScript is served locally, not from a CDN"
    );
}

/// On PostgreSQL, Concord will not serve as a role that row-level security does not hold: here
/// the owner of the tables (a superuser), connecting with no separate migration role.
#[tokio::test]
async fn refuses_to_start_as_a_role_that_escapes_row_level_security() {
    let Some(_) = database_server() else {
        return; // row-level security is PostgreSQL's
    };
    let mut settings = test_settings();
    settings.database_url = settings.database_migration_url.take();
    let err = match api::Application::build(settings).await {
        Ok(_) => panic!("Concord started as the tables' owner"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("superuser"), "{err}");
    assert!(err.contains("CONCORD_DATABASE_MIGRATION_URL"), "{err}");
}
