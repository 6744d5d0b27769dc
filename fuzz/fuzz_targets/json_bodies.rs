//! Every write route's JSON body, decoded the way the `Body<T>` extractor does
//! (`api::extract::parse_json`), then validated the way the handler does right after decoding.
//!
//! Each input is one request body, tried as every request DTO, so the seed corpus is plain JSON
//! taken from real requests.
//!
//! Invariants:
//! - nothing panics;
//! - decoding answers `Ok` or 422 for JSON, and 400 `malformed_json` for bytes that are not
//!   UTF-8 JSON text (JSON with a number beyond f64 may be either 400 or 422); a 422 carries at
//!   least one field error, each with a well-formed RFC 6901 pointer;
//! - in a body without duplicate member names, an `unknown_field` pointer names a member that
//!   is in the body, and a `required` pointer's parent is an object in the body (with duplicate
//!   names the pointer may name the first occurrence, which `serde_json::Value` drops);
//! - the domain validation run after decoding (`try_into_domain`, the agreement body's typed
//!   parse and its "missing before signature" check, a framework definition's check, the
//!   consent grantee) fails only with 422 and well-formed pointers.
#![no_main]

use actix_web::http::StatusCode;
use actix_web::ResponseError;
use api::error::ApiError;
use api::extract::parse_json;
use api::routes::{agreements, api_clients, auth, consents, evaluations, organisations};
use api::routes::{partnerships, tenants, users};
use domain::agreement::AgreementKind;
use domain::OrganisationId;
use libfuzzer_sys::fuzz_target;
use serde::de::{DeserializeOwned, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Deserializes only JSON in which no object repeats a member name.
struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if !seen.insert(k) {
                return Err(A::Error::custom("duplicate member name"));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

/// An RFC 6901 pointer: empty, or `/`-separated tokens where `~` is only `~0` or `~1`.
fn assert_pointer(p: &str) {
    if p.is_empty() {
        return;
    }
    assert!(p.starts_with('/'), "pointer {p:?} does not start with '/'");
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            assert!(
                matches!(chars.next(), Some('0' | '1')),
                "pointer {p:?} has a bad ~ escape"
            );
        }
    }
}

/// The parent of a pointer (`/a/b` → `/a`, `/a` → ``).
fn parent(p: &str) -> &str {
    p.rfind('/').map_or("", |i| &p[..i])
}

/// A 422 with at least one well-formed pointer; for the decoder's own codes, pointers that
/// point into `body`.
fn assert_422(err: &ApiError, body: Option<&Value>) {
    assert_eq!(
        err.status_code(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{err:?}"
    );
    let ApiError::Validation(errors) = err else {
        panic!("a 422 without field pointers: {err:?}");
    };
    assert!(!errors.is_empty(), "a 422 with an empty error list");
    for e in errors {
        assert_pointer(&e.pointer);
        let Some(body) = body else { continue };
        match e.code {
            "unknown_field" => assert!(
                body.pointer(&e.pointer).is_some(),
                "unknown_field pointer {:?} is not in the body",
                e.pointer
            ),
            "required" => {
                let at = body.pointer(parent(&e.pointer));
                assert!(
                    at.is_some_and(Value::is_object),
                    "required pointer {:?}: its parent is not an object in the body",
                    e.pointer
                );
            }
            _ => {}
        }
    }
}

fn assert_validation(v: &domain::Validation) {
    assert_422(&ApiError::from(v.clone()), None);
}

/// Decodes `bytes` as `T`; checks the error contract; returns the value when it decoded.
/// `grammar`: the bytes are UTF-8 JSON text (RFC 8259). `json`: they are also within serde_json's
/// limits (numbers that fit an f64), as a `Value` for the pointer checks.
fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    grammar: bool,
    json: Option<&Value>,
    unique: bool,
) -> Option<T> {
    match parse_json::<T>(bytes) {
        Ok(v) => {
            assert!(grammar, "parse_json accepted bytes that are not JSON");
            Some(v)
        }
        Err(err) => {
            match &err {
                ApiError::BadRequest { code, detail } => {
                    assert_eq!(*code, "malformed_json");
                    // JSON beyond serde_json's limits (a number out of f64's range) may be
                    // either 400 or 422; representable JSON is never "malformed".
                    assert!(json.is_none(), "valid JSON refused as malformed: {err:?} {detail}");
                }
                _ => {
                    assert!(grammar, "non-JSON answered with {err:?}");
                    assert_422(&err, json.filter(|_| unique));
                }
            }
            None
        }
    }
}

fn validated<T>(r: Result<T, domain::Validation>) {
    if let Err(v) = r {
        assert_validation(&v);
    }
}

/// The agreement body as the create and update handlers parse it, for `kind`.
fn agreement_body(kind: AgreementKind, value: Value, members: &[OrganisationId], unique: bool) {
    match agreements::parse_body(kind, value.clone()) {
        Ok(body) => {
            assert_eq!(body.kind(), kind);
            let missing = body.missing(members);
            if !missing.is_empty() {
                assert_validation(&missing);
                for e in &missing.0 {
                    assert!(e.pointer.starts_with("/body"), "{e:?}");
                }
            }
            let _ = body.review_date();
            let _ = body.end_date();
            let _ = body.named_parties();
        }
        Err(err) => {
            assert_422(&err, None);
            if let ApiError::Validation(errors) = &err {
                for e in errors {
                    assert!(e.pointer.starts_with("/body"), "{e:?}");
                    if unique && e.code == "unknown_field" {
                        let inner = &e.pointer["/body".len()..];
                        assert!(value.pointer(inner).is_some(), "{e:?} not in {value}");
                    }
                }
            }
        }
    }
}

fn members() -> Vec<OrganisationId> {
    [
        "org_01jd3k6q9y2m8x4n7v5b0c1t2t",
        "org_01jd3k6q9y2m8x4n7v5b0c1t2v",
    ]
    .iter()
    .filter_map(|s| OrganisationId::parse(s).ok())
    .collect()
}

fuzz_target!(|data: &[u8]| {
    let json: Option<Value> = serde_json::from_slice(data).ok();
    let j = json.as_ref();
    let unique = serde_json::from_slice::<Unique>(data).is_ok();
    let grammar = std::str::from_utf8(data).is_ok()
        && serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok();

    // organisations
    if let Some(r) =
        decode::<organisations::dto::CreateOrganisationRequest>(data, grammar, j, unique)
    {
        validated(r.try_into_domain());
    }
    if let Some(r) =
        decode::<organisations::dto::UpdateOrganisationRequest>(data, grammar, j, unique)
    {
        validated(r.try_into_domain());
    }
    // users
    if let Some(r) = decode::<users::dto::CreateUserRequest>(data, grammar, j, unique) {
        validated(r.try_into_domain());
    }
    if let Some(r) = decode::<users::dto::UpdateUserRequest>(data, grammar, j, unique) {
        validated(r.try_into_domain());
    }
    // API clients
    if let Some(r) = decode::<api_clients::dto::CreateApiClientRequest>(data, grammar, j, unique) {
        validated(r.try_into_domain());
    }
    // tenants
    if let Some(r) = decode::<tenants::dto::CreateTenantRequest>(data, grammar, j, unique) {
        validated(r.try_into_domain());
    }
    let _ = decode::<tenants::dto::CreateTenantAdminRequest>(data, grammar, j, unique);
    // partnerships
    if let Some(r) = decode::<partnerships::dto::CreatePartnershipRequest>(data, grammar, j, unique)
    {
        validated(r.try_into_domain());
    }
    if let Some(r) = decode::<partnerships::dto::UpdatePartnershipRequest>(data, grammar, j, unique)
    {
        validated(r.try_into_domain());
    }
    if let Some(r) = decode::<partnerships::dto::StatusRequest>(data, grammar, j, unique) {
        validated(partnerships::dto::parse_status(&r.status));
    }
    if let Some(r) = decode::<partnerships::dto::InviteRequest>(data, grammar, j, unique) {
        validated(r.try_into_domain());
    }
    if let Some(r) = decode::<partnerships::dto::ReasonRequest>(data, grammar, j, unique) {
        validated(r.reason(true));
        validated(r.reason(false));
    }
    // agreements: the envelope, then the typed body for its kind (and for every kind, so that
    // each typed body is reached whatever `kind` says)
    let members = members();
    if let Some(r) = decode::<agreements::dto::CreateAgreementRequest>(data, grammar, j, unique) {
        if let Some(body) = r.body {
            for kind in AgreementKind::ALL {
                agreement_body(*kind, body.clone(), &members, unique);
            }
        }
    }
    if let Some(r) = decode::<agreements::dto::UpdateVersionRequest>(data, grammar, j, unique) {
        if let Some(body) = r.body {
            agreement_body(AgreementKind::DataSharingAgreement, body, &members, unique);
        }
    }
    if let Some(v) = &json {
        // A bare body as well: the seeds need not wrap it in an envelope.
        for kind in AgreementKind::ALL {
            agreement_body(*kind, v.clone(), &members, unique);
        }
    }
    let _ = decode::<agreements::dto::SignRequest>(data, grammar, j, unique);
    let _ = decode::<agreements::dto::DeclineRequest>(data, grammar, j, unique);
    // consents
    if let Some(r) = decode::<consents::dto::GrantConsentRequest>(data, grammar, j, unique) {
        validated(consents::dto::grantee(&r.grantee));
    }
    let _ = decode::<consents::dto::RevokeConsentRequest>(data, grammar, j, unique);
    let _ = decode::<consents::dto::PublishDataRequest>(data, grammar, j, unique);
    // evaluations
    if let Some(r) = decode::<evaluations::dto::CreateFrameworkRequest>(data, grammar, j, unique) {
        let v = r.definition.validate();
        if !v.is_empty() {
            assert_validation(&v);
        }
    }
    if let Some(r) = decode::<evaluations::dto::UpdateFrameworkRequest>(data, grammar, j, unique) {
        if let Some(d) = r.definition {
            let v = d.validate();
            if !v.is_empty() {
                assert_validation(&v);
            }
        }
    }
    if let Some(r) =
        decode::<evaluations::dto::NewFrameworkVersionRequest>(data, grammar, j, unique)
    {
        let v = r.definition.validate();
        if !v.is_empty() {
            assert_validation(&v);
        }
    }
    let _ = decode::<evaluations::dto::CreateCycleRequest>(data, grammar, j, unique);
    let _ = decode::<evaluations::dto::CycleStatusRequest>(data, grammar, j, unique);
    let _ = decode::<evaluations::dto::ExtensionRequest>(data, grammar, j, unique);
    let _ = decode::<evaluations::dto::SaveSubmissionRequest>(data, grammar, j, unique);
    // auth (JSON forms; the form-encoded ones are in the query_params target)
    let _ = decode::<auth::TokenRequest>(data, grammar, j, unique);
    let _ = decode::<auth::RevokeRequest>(data, grammar, j, unique);
    let _ = decode::<auth::AcceptInvitationRequest>(data, grammar, j, unique);
});
