//! Request extractors that answer bad input with problem+json: a JSON body that keeps its hash
//! (for idempotency) and reports a pointer for each bad field, `If-Match`, pagination, and the
//! error handlers for actix's own path and query extractors.

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::secrets::sha256_hex;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A JSON request body, parsed strictly, with the SHA-256 of its bytes.
pub struct Body<T> {
    /// The parsed body.
    pub value: T,
    /// SHA-256 of the raw bytes, for idempotency fingerprints.
    pub hash: String,
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Reads a whole body, refusing more than `limit` bytes with 413, and a body that has not
/// arrived within the client timeout with 408 (the server's own timeout covers only the head).
pub async fn read_limited<S>(req: &HttpRequest, payload: &mut S, limit: usize) -> ApiResult<Vec<u8>>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let secs = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.client_timeout_secs)
        .unwrap_or(10);
    actix_web::rt::time::timeout(
        std::time::Duration::from_secs(secs),
        read_body(req, payload, limit),
    )
    .await
    .map_err(|_| ApiError::RequestTimeout(secs))?
}

async fn read_body<S>(req: &HttpRequest, payload: &mut S, limit: usize) -> ApiResult<Vec<u8>>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut buf = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            code: "unreadable_body",
            detail: format!("the request body could not be read: {e}"),
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Most characters in any one string of a JSON body (a narrative, an agreement clause…).
pub const MAX_STRING_CHARS: usize = 20_000;
/// Most items in any one array of a JSON body.
pub const MAX_ARRAY_ITEMS: usize = 1_000;

/// Parses a JSON body: not JSON at all is 400 `malformed_json`; a string longer than
/// [`MAX_STRING_CHARS`] or an array longer than [`MAX_ARRAY_ITEMS`] anywhere in it is 422
/// `too_long` / `too_many_items`; JSON of the wrong shape is 422 with a pointer to the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    // JSON is UTF-8 (RFC 8259 §8.1). serde_json skips the strings it ignores without checking
    // them, so without this a body with invalid UTF-8 in an unread place would not be refused.
    std::str::from_utf8(bytes).map_err(|e| ApiError::BadRequest {
        code: "malformed_json",
        detail: format!("the body is not valid JSON: it is not UTF-8 ({e})"),
    })?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize::<_, Bounded>(&mut de).map_err(json_error)?;
    de.end().map_err(|e| ApiError::BadRequest {
        code: "malformed_json",
        detail: format!("the body is not valid JSON: {e}"),
    })?;
    // The body is well-formed JSON now, so whatever the typed decoder refuses is its shape, even
    // where serde_json words it as a syntax error (`{"kind": []}` for an enum, say): 422.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(shape_error)
}

/// Any JSON value within the size bounds; checking a body against it first means no typed
/// decoder ever sees a huge string or array.
struct Bounded;

impl<'de> Deserialize<'de> for Bounded {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Bounded)
    }
}

impl<'de> serde::de::Visitor<'de> for Bounded {
    type Value = Bounded;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Bounded, E> {
        Ok(Bounded)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Bounded, E> {
        Ok(Bounded)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Bounded, E> {
        Ok(Bounded)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Bounded, E> {
        Ok(Bounded)
    }
    fn visit_unit<E>(self) -> Result<Bounded, E> {
        Ok(Bounded)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Bounded, E> {
        if v.len() > MAX_STRING_CHARS && v.chars().count() > MAX_STRING_CHARS {
            return Err(E::custom(format_args!(
                "too_long: at most {MAX_STRING_CHARS} characters"
            )));
        }
        Ok(Bounded)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Bounded, A::Error> {
        let mut n = 0usize;
        while seq.next_element::<Bounded>()?.is_some() {
            n += 1;
            if n > MAX_ARRAY_ITEMS {
                return Err(serde::de::Error::custom(format_args!(
                    "too_many_items: at most {MAX_ARRAY_ITEMS} items"
                )));
            }
        }
        Ok(Bounded)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Bounded, A::Error> {
        while map.next_entry::<Bounded, Bounded>()?.is_some() {}
        Ok(Bounded)
    }
}

/// Turns a serde path and message into a 400 (not JSON) or 422 (JSON of the wrong shape).
pub fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = err.inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return ApiError::BadRequest {
            code: "malformed_json",
            detail: format!("the body is not valid JSON: {inner}"),
        };
    }
    shape_error(err)
}

/// The 422 for well-formed JSON of the wrong shape, with a pointer to the offending field.
fn shape_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = err.inner();
    let mut pointer = String::new();
    for seg in err.path().iter() {
        use serde_path_to_error::Segment;
        match seg {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => {}
        }
    }
    let msg = inner.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
    let code = if let Some(field) = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        pointer.push('/');
        pointer.push_str(field);
        "required"
    } else if msg.starts_with("unknown field `") {
        // serde's path already ends at the unknown key.
        "unknown_field"
    } else if let Some(limit) = msg.strip_prefix("too_long: ") {
        return ApiError::invalid(&pointer, "too_long", limit);
    } else if let Some(limit) = msg.strip_prefix("too_many_items: ") {
        return ApiError::invalid(&pointer, "too_many_items", limit);
    } else {
        "invalid_type"
    };
    ApiError::invalid(if pointer.is_empty() { "" } else { &pointer }, code, msg)
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json(req.headers()) {
                return Err(ApiError::UnsupportedMediaType(
                    "the body must be JSON (Content-Type: application/json)".into(),
                ));
            }
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map(|s| s.settings.max_body_bytes)
                .unwrap_or(256 * 1024);
            let bytes = read_limited(&req, &mut payload, limit).await?;
            let value: T = parse_json(&bytes)?;
            Ok(Body {
                value,
                hash: sha256_hex(&bytes),
            })
        })
    }
}

/// A JSON body that may be absent: no body at all is `None`; a body that is there must be
/// good JSON of the right shape (400/413/415/422 otherwise, never silently `None`).
pub struct OptionalBody<T>(pub Option<Body<T>>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map(|s| s.settings.max_body_bytes)
                .unwrap_or(256 * 1024);
            let bytes = read_limited(&req, &mut payload, limit).await?;
            if bytes.is_empty() {
                return Ok(OptionalBody(None));
            }
            if !is_json(req.headers()) {
                return Err(ApiError::UnsupportedMediaType(
                    "the body must be JSON (Content-Type: application/json)".into(),
                ));
            }
            let value: T = parse_json(&bytes)?;
            Ok(OptionalBody(Some(Body {
                value,
                hash: sha256_hex(&bytes),
            })))
        })
    }
}

/// The `If-Match` header, required on updates of editable resources.
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// 428 when absent, 412 when it does not name the current version.
    pub fn check(&self, current_version: i32) -> ApiResult<()> {
        let Some(raw) = &self.0 else {
            return Err(ApiError::PreconditionRequired);
        };
        let current = etag(current_version);
        let ok = raw
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == current);
        if ok {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let v = req
            .headers()
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        std::future::ready(Ok(IfMatch(v)))
    }
}

/// The strong ETag of a resource at `version`.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// The largest page.
pub const MAX_LIMIT: i64 = 100;
/// The page size when none is asked for.
pub const DEFAULT_LIMIT: i64 = 50;

/// Cursor pagination parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Most items to return, 1–100 (default 50; larger values are clamped to 100).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The store's page: `limit` clamped, cursor decoded (400 if it is not one of ours).
    pub fn page(&self) -> ApiResult<persistence::Page> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .filter(|s| s.len() <= 64 && s.is_ascii())
                    .ok_or(ApiError::BadRequest {
                        code: "invalid_cursor",
                        detail: "the cursor is not one this API issued".into(),
                    })?,
            ),
        };
        Ok(persistence::Page { after, limit })
    }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    /// The items, in a stable order (creation order).
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Paginated<T> {
    /// Builds a page from rows fetched with one extra (which says whether a next page exists).
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        page: &persistence::Page,
        id: impl Fn(&R) -> String,
        f: impl Fn(R) -> T,
    ) -> Self {
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| URL_SAFE_NO_PAD.encode(id(r)))
        } else {
            None
        };
        Paginated {
            items: rows.into_iter().map(f).collect(),
            next_cursor,
        }
    }
}

/// Problem+json for a path that does not parse (a version number that is not a number, say):
/// like a malformed id, it names nothing that can exist, so it is 404.
pub fn path_error(_: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound("resource").into()
}

/// Problem+json for a query string that does not parse.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let detail = err.to_string();
    ApiError::Validation(vec![domain::FieldError {
        pointer: "/query".into(),
        code: "invalid_query",
        detail,
    }])
    .into()
}

/// Problem+json for actix's own JSON extractor (not used by Concord's handlers, but a safety net).
pub fn json_config_error(
    err: actix_web::error::JsonPayloadError,
    _: &HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::OverflowKnownLength { limit, .. } | E::Overflow { limit } => {
            ApiError::PayloadTooLarge(limit)
        }
        E::ContentType => ApiError::UnsupportedMediaType("the body must be JSON".into()),
        other => ApiError::BadRequest {
            code: "malformed_json",
            detail: other.to_string(),
        },
    }
    .into()
}

/// An id from the path; a malformed one cannot exist, so it is 404.
pub fn path_id<T>(
    raw: &str,
    what: &'static str,
    parse: impl Fn(&str) -> Result<T, domain::ids::InvalidId>,
) -> ApiResult<T> {
    parse(raw).map_err(|_| ApiError::NotFound(what))
}

/// Reads a small body sent as `application/x-www-form-urlencoded` or JSON (the OAuth endpoints
/// accept both).
pub async fn form_or_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: &mut web::Payload,
    limit: usize,
) -> ApiResult<T> {
    let bytes = read_limited(req, payload, limit).await?;
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ctype.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(&bytes).map_err(|e| ApiError::BadRequest {
            code: "invalid_request",
            detail: format!("malformed form: {e}"),
        })
    } else if is_json(req.headers()) {
        parse_json(&bytes)
    } else {
        Err(ApiError::UnsupportedMediaType(
            "send application/x-www-form-urlencoded (or application/json)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        #[allow(dead_code)]
        name: String,
    }

    #[derive(Debug, Deserialize)]
    struct Lenient {}

    /// Found by the `json_bodies` fuzz target: invalid UTF-8 inside a string that the decoder
    /// never reads (an unknown field, a field it skips) was taken for JSON: 422 or even `Ok`.
    #[test]
    fn a_body_that_is_not_utf8_is_malformed_wherever_the_bad_byte_is() {
        let unknown_field = b"{\"other\": \"b\xa3d\"}";
        let skipped = b"{\"skipped\": \"b\xa3d\"}";
        for bytes in [&unknown_field[..], &skipped[..]] {
            assert!(matches!(
                parse_json::<Strict>(bytes),
                Err(ApiError::BadRequest {
                    code: "malformed_json",
                    ..
                })
            ));
            assert!(matches!(
                parse_json::<Lenient>(bytes),
                Err(ApiError::BadRequest {
                    code: "malformed_json",
                    ..
                })
            ));
        }
        assert!(parse_json::<Strict>(b"{\"name\": \"ok\"}").is_ok());
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        School,
    }

    #[derive(Debug, Deserialize)]
    struct WithEnum {
        #[allow(dead_code)]
        kind: Kind,
    }

    /// Found by the `json_bodies` fuzz target: serde_json words "not a string where an enum is
    /// expected" as a syntax error; for well-formed JSON that is the body's shape, so 422.
    #[test]
    fn a_wrong_type_where_an_enum_is_expected_is_422_with_its_pointer() {
        for body in [
            &b"{\"kind\": []}"[..],
            b"{\"kind\": 1}",
            b"{\"kind\": null}",
        ] {
            match parse_json::<WithEnum>(body) {
                Err(ApiError::Validation(errors)) => {
                    assert_eq!(errors[0].pointer, "/kind");
                    assert_eq!(errors[0].code, "invalid_type");
                }
                other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
            }
        }
        assert!(matches!(
            parse_json::<WithEnum>(b"{\"kind\": ["),
            Err(ApiError::BadRequest {
                code: "malformed_json",
                ..
            })
        ));
        assert!(parse_json::<WithEnum>(b"{\"kind\": \"school\"}").is_ok());
    }
}
