//! Query strings, decoded the way actix's `web::Query<T>` does (`serde_urlencoded::from_str` of
//! the raw query string) into every list filter and `PageQuery`, then taken through
//! `PageQuery::page` (limit clamping, cursor decoding) and the filters' domain parsers; and
//! the OAuth endpoints' form bodies (`application/x-www-form-urlencoded`).
//!
//! Invariants: nothing panics; a query that does not decode becomes a 422 with the pointer
//! `/query` (through `api::extract::query_error`); `page()` either fails with 400
//! `invalid_cursor` (only when a cursor was given) or returns a limit in 1..=100 (the asked
//! limit when it is in range, 50 when none) and a cursor position that is ASCII, at most 64
//! bytes, and the canonical decoding of the cursor; a cursor the API issued (`Paginated`)
//! always decodes back to the id it was made from.
#![no_main]

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use api::error::ApiError;
use api::extract::{query_error, PageQuery, Paginated, DEFAULT_LIMIT, MAX_LIMIT};
use api::routes::{agreements, auth, consents, organisations, partnerships, users};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

/// Decodes like `web::Query`; a failure must map to a 422 at `/query`.
fn query<T: DeserializeOwned>(qs: &str) -> Option<T> {
    match serde_urlencoded::from_str::<T>(qs) {
        Ok(v) => Some(v),
        Err(e) => {
            let req = TestRequest::default().to_http_request();
            let err = query_error(actix_web::error::QueryPayloadError::Deserialize(e), &req);
            let resp = err.as_response_error();
            assert_eq!(resp.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
            None
        }
    }
}

fn check_page(q: &PageQuery) {
    match q.page() {
        Ok(page) => {
            assert!(
                (1..=MAX_LIMIT).contains(&page.limit),
                "limit {}",
                page.limit
            );
            match q.limit {
                None => assert_eq!(page.limit, DEFAULT_LIMIT),
                Some(l) if (1..=MAX_LIMIT).contains(&l) => assert_eq!(page.limit, l),
                Some(_) => {}
            }
            match (&q.cursor, &page.after) {
                (None, None) => {}
                (Some(c), Some(after)) => {
                    assert!(after.len() <= 64 && after.is_ascii());
                    assert_eq!(
                        &URL_SAFE_NO_PAD.encode(after),
                        c,
                        "non-canonical cursor accepted"
                    );
                }
                (c, a) => panic!("cursor {c:?} became position {a:?}"),
            }
        }
        Err(err) => {
            assert!(
                q.cursor.is_some(),
                "page() failed without a cursor: {err:?}"
            );
            assert!(
                matches!(
                    err,
                    ApiError::BadRequest {
                        code: "invalid_cursor",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }
}

/// A cursor the API issues for the last row of a full page decodes back to that row's id.
fn check_round_trip(id: &str, limit: Option<i64>) {
    if id.len() > 64 || !id.is_ascii() {
        return;
    }
    let q = PageQuery {
        limit,
        cursor: None,
    };
    let Ok(page) = q.page() else {
        panic!("page() failed without a cursor");
    };
    let n = usize::try_from(page.limit).expect("limit fits");
    let mut rows = vec![String::new(); n - 1];
    rows.push(id.to_owned());
    rows.push("one more".to_owned());
    let p = Paginated::from_rows(rows, &page, |r: &String| r.clone(), |r| r);
    assert_eq!(p.items.len(), n);
    let cursor = p.next_cursor.expect("a full page has a next cursor");
    let next = PageQuery {
        limit,
        cursor: Some(cursor),
    }
    .page()
    .expect("an issued cursor decodes");
    assert_eq!(next.after.as_deref(), Some(id));
}

fn choice<T>(raw: Option<&str>, parse: impl Fn(&str) -> Result<T, domain::values::InvalidChoice>) {
    if let Some(r) = raw {
        let _ = parse(r);
    }
}

fuzz_target!(|data: &[u8]| {
    // OAuth form bodies are bytes; query strings are text.
    let _ = serde_urlencoded::from_bytes::<auth::TokenRequest>(data);
    let _ = serde_urlencoded::from_bytes::<auth::RevokeRequest>(data);
    let Ok(qs) = std::str::from_utf8(data) else {
        return;
    };

    if let Some(q) = query::<PageQuery>(qs) {
        check_page(&q);
        if let Some(c) = &q.cursor {
            check_round_trip(c, q.limit);
        }
    }
    check_round_trip(qs, Some(1));

    if let Some(q) = query::<partnerships::PartnershipQuery>(qs) {
        choice(
            q.status.as_deref(),
            domain::partnership::PartnershipStatus::parse,
        );
        choice(
            q.kind.as_deref(),
            domain::partnership::PartnershipKind::parse,
        );
    }
    let _ = query::<partnerships::MembersQuery>(qs);
    if let Some(q) = query::<users::UserQuery>(qs) {
        choice(q.status.as_deref(), domain::user::UserStatus::parse);
        if let Some(o) = &q.organisation_id {
            let _ = domain::OrganisationId::parse(o);
        }
    }
    if let Some(q) = query::<agreements::AgreementQuery>(qs) {
        choice(q.kind.as_deref(), domain::agreement::AgreementKind::parse);
        choice(q.status.as_deref(), domain::agreement::VersionStatus::parse);
        if let Some(p) = &q.partnership_id {
            let _ = domain::PartnershipId::parse(p);
        }
    }
    let _ = query::<agreements::DocumentQuery>(qs);
    let _ = query::<consents::DirectionQuery>(qs);
    if let Some(q) = query::<consents::AccessQuery>(qs) {
        if let (Some(since), Some(until)) = (q.since, q.until) {
            let _ = since <= until;
        }
    }
    if let Some(q) = query::<organisations::OrganisationQuery>(qs) {
        if let Some(urn) = &q.urn {
            let _ = domain::values::Urn::parse(urn);
        }
    }
    if let Some(q) = query::<api::routes::audit::AuditQuery>(qs) {
        if let Some(p) = &q.partnership_id {
            let _ = domain::PartnershipId::parse(p);
        }
    }
});
