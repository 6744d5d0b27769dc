//! The bearer-token path of `api::auth`: the `Authorization` header (`api::auth::bearer`) and
//! `Keys::verify` (header decoding, `alg` and `kid` checks, EdDSA signature, `iss`/`aud`/`exp`)
//! with a real Ed25519 key generated once per process.
//!
//! Each input is one of:
//! - an `Authorization` header value, and separately a raw token string;
//! - a validly signed token (claims from the input) with input-driven mutations;
//! - a token crafted by an attacker: an arbitrary header (`alg: none`, `HS256`, our `kid`),
//!   arbitrary claims, and a signature from another Ed25519 key or from the input;
//! - a validly signed token whose `iss`, `aud` or `exp` may be wrong.
//!
//! Invariants: nothing panics; `bearer` returns a non-empty, trimmed token only for a
//! `Bearer <token>` header; a token verifies only if it was signed by the key, and then its
//! claims equal the claims that were signed; a token signed by another key (even with our
//! `kid`) or with another algorithm never verifies; a signed token with the wrong issuer or
//! audience, or expired beyond the leeway, never verifies; a correct fresh one always does.
#![no_main]

use std::sync::OnceLock;

use actix_web::test::TestRequest;
use api::auth::keys::{generate_pem, Keys};
use api::auth::Claims;
use api::Settings;
use arbitrary::{Result, Unstructured};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    settings: Settings,
    keys: Keys,
    /// Another key, announcing our `kid`: its tokens must never verify.
    other: Keys,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let settings = Settings::default();
        let keys = Keys::from_pem(&generate_pem().expect("pem"), &settings).expect("keys");
        let other = Keys::from_pem(&generate_pem().expect("pem"), &settings).expect("keys");
        Fixture {
            settings,
            keys,
            other,
        }
    })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn same(a: &Claims, b: &Claims) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

fn claims(u: &mut Unstructured<'_>, f: &Fixture) -> Result<Claims> {
    let subs = [
        "usr_01jd3k6q9y2m8x4n7v5b0c1t2t",
        "cli_01jd3k6q9y2m8x4n7v5b0c1t2t",
        "pad_01jd3k6q9y2m8x4n7v5b0c1t2t",
    ];
    let sub = if u.arbitrary()? {
        (*u.choose(&subs)?).to_owned()
    } else {
        u.arbitrary()?
    };
    let tid = if u.arbitrary()? {
        Some("ten_01jd3k6q9y2m8x4n7v5b0c1t2t".to_owned())
    } else {
        u.arbitrary()?
    };
    Ok(Claims {
        iss: f.settings.issuer.clone(),
        aud: f.settings.audience.clone(),
        sub,
        tid,
        iat: now(),
        exp: now() + 900,
        jti: u.arbitrary()?,
    })
}

/// The header must be `Bearer <token>`: anything else is refused, and an accepted token is the
/// trimmed, non-empty rest.
fn check_bearer(raw: &[u8]) {
    let Ok(value) = actix_web::http::header::HeaderValue::from_bytes(raw) else {
        return;
    };
    let req = TestRequest::default()
        .insert_header((actix_web::http::header::AUTHORIZATION, value.clone()))
        .to_http_request();
    match api::auth::bearer(&req) {
        Ok(token) => {
            let text = value.to_str().expect("an accepted header is text");
            let (scheme, rest) = text
                .split_once(' ')
                .expect("an accepted header has a space");
            assert!(
                scheme.eq_ignore_ascii_case("bearer"),
                "scheme {scheme:?} accepted"
            );
            assert!(!token.is_empty());
            assert_eq!(token, rest.trim());
        }
        Err(e) => {
            use actix_web::ResponseError;
            assert_eq!(e.status_code(), actix_web::http::StatusCode::UNAUTHORIZED);
        }
    }
    let _ = api::auth::bearer(&TestRequest::default().to_http_request());
}

fn mutate(u: &mut Unstructured<'_>, token: &str) -> Result<String> {
    let mut bytes = token.as_bytes().to_vec();
    for _ in 0..u.int_in_range(1..=4u8)? {
        if bytes.is_empty() {
            break;
        }
        let i = u.choose_index(bytes.len())?;
        match u.int_in_range(0..=5u8)? {
            0 => bytes[i] ^= 1 << u.int_in_range(0..=7u8)?,
            1 => bytes[i] = u.arbitrary()?,
            2 => {
                bytes.remove(i);
            }
            3 => bytes.insert(i, u.arbitrary()?),
            4 => {
                // Swap one segment for arbitrary base64url text.
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut parts: Vec<String> = text.split('.').map(str::to_owned).collect();
                let j = u.choose_index(parts.len())?;
                let raw: Vec<u8> = u.arbitrary()?;
                parts[j] = URL_SAFE_NO_PAD.encode(raw);
                bytes = parts.join(".").into_bytes();
            }
            _ => bytes.truncate(i),
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let f = fixture();
    match u.int_in_range(0..=3u8)? {
        // Arbitrary header and token text.
        0 => {
            let raw: Vec<u8> = u.arbitrary()?;
            check_bearer(&raw);
            let token = String::from_utf8_lossy(&raw);
            assert!(
                f.keys.verify::<Claims>(&token).is_err(),
                "an arbitrary string verified: {token:?}"
            );
            let _ = f.keys.verify::<serde_json::Value>(&token);
        }
        // A valid token, mutated: if it still verifies, the claims are the signed ones.
        1 => {
            let original = claims(u, f)?;
            let token = f.keys.sign(&original).expect("sign");
            let verified = f
                .keys
                .verify::<Claims>(&token)
                .expect("a fresh token verifies");
            assert!(same(&verified, &original));
            let mutated = mutate(u, &token)?;
            if let Ok(c) = f.keys.verify::<Claims>(&mutated) {
                assert!(
                    same(&c, &original),
                    "a mutated token verified with other claims: {mutated}"
                );
            }
            check_bearer(format!("Bearer {mutated}").as_bytes());
        }
        // A forged token: any header, any claims, another key's or an arbitrary signature.
        2 => {
            let c = claims(u, f)?;
            let alg = *u.choose(&["EdDSA", "none", "HS256", "RS256", "ES256", "eddsa", ""])?;
            let header = serde_json::json!({ "alg": alg, "kid": f.keys.kid(), "typ": "at+jwt" });
            let h = URL_SAFE_NO_PAD.encode(header.to_string());
            let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).expect("json"));
            let sig = match u.int_in_range(0..=2u8)? {
                0 => {
                    // A signature by the other key (over its own header and these claims).
                    let t = f.other.sign(&c).expect("sign");
                    t.rsplit('.').next().unwrap_or("").to_owned()
                }
                1 => String::new(),
                _ => URL_SAFE_NO_PAD.encode(u.arbitrary::<Vec<u8>>()?),
            };
            let forged = format!("{h}.{p}.{sig}");
            assert!(
                f.keys.verify::<Claims>(&forged).is_err(),
                "forged token verified: {forged}"
            );
            // A whole token from the other key, announcing our kid.
            let other = f.other.sign(&c).expect("sign");
            assert!(
                f.keys.verify::<Claims>(&other).is_err(),
                "another key's token verified"
            );
        }
        // Signed by us, but perhaps for someone else or out of date.
        _ => {
            let mut c = claims(u, f)?;
            let right_iss = u.arbitrary::<bool>()?;
            let right_aud = u.arbitrary::<bool>()?;
            if !right_iss {
                c.iss = u.arbitrary()?;
            }
            if !right_aud {
                c.aud = u.arbitrary()?;
            }
            let offset: i16 = u.arbitrary()?;
            c.exp = now() + i64::from(offset);
            let token = f.keys.sign(&c).expect("sign");
            let result = f.keys.verify::<Claims>(&token);
            let iss_ok = c.iss == f.settings.issuer;
            let aud_ok = c.aud == f.settings.audience;
            if !iss_ok || !aud_ok || offset < -10 {
                assert!(
                    result.is_err(),
                    "accepted: iss {iss_ok} aud {aud_ok} exp {offset}"
                );
            }
            if iss_ok && aud_ok && offset > 10 {
                let got = result.expect("a correct, fresh token verifies");
                assert!(same(&got, &c));
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
