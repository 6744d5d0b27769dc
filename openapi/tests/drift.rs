//! The committed document is the one the code generates, and it is a sound OpenAPI 3.1 document.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use serde_json::Value;

#[test]
fn committed_document_matches_the_code() {
    if let Err(e) = openapi::check() {
        panic!("{e}");
    }
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let doc: Value = serde_json::from_str(&openapi::generate()).expect("valid JSON");
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
    let public = [
        "/healthz",
        "/readyz",
        "/metrics",
        "/.well-known/jwks.json",
        "/v1/auth/token",
        "/v1/auth/revoke",
        "/v1/auth/invitations/accept",
    ];
    let paths = doc["paths"].as_object().expect("paths");
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "every operationId is unique");
    assert!(
        paths.len() >= 20,
        "expected every route, found {}",
        paths.len()
    );
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            for (status, r) in responses {
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status}: no description"
                );
            }
            if public.contains(&path.as_str()) {
                continue;
            }
            assert!(
                op["security"].is_array(),
                "{method} {path}: no security requirement"
            );
            for required in ["401", "429"] {
                assert!(
                    responses.contains_key(required),
                    "{method} {path}: no {required} response"
                );
            }
            if path.contains('{') {
                assert!(
                    responses.contains_key("404"),
                    "{method} {path}: takes an id but has no 404"
                );
            }
            let takes_key = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
            if takes_key {
                assert!(
                    responses.contains_key("400"),
                    "{method} {path}: takes Idempotency-Key but has no 400"
                );
            }
            if op.get("requestBody").is_some() {
                for required in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(required),
                        "{method} {path}: has a body but no {required}"
                    );
                }
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        r["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status}: error without a problem+json body"
                    );
                }
            }
        }
    }
}
