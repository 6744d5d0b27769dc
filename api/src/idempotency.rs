//! `Idempotency-Key` on POST: the key is claimed, the write done and its response stored, all in
//! one transaction. A repeat with the same body gets the stored response (with
//! `Idempotent-Replayed: true`); the same key with a different body is 422.

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use domain::authz::Principal;
use domain::TenantId;
use persistence::{
    is_key_conflict, IdempotencyRecord, PlatformTx, Prior, StoreError, StoredResponse, Tx,
};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a write produced, to be sent (and stored for replays).
pub struct Written<T> {
    /// Status, usually 201 or 200.
    pub status: StatusCode,
    /// The body.
    pub body: T,
    /// `Location`, for a created resource.
    pub location: Option<String>,
    /// `ETag`, for an editable resource.
    pub etag: Option<String>,
}

impl<T> Written<T> {
    /// 201 Created at `location`.
    pub fn created(body: T, location: String) -> Self {
        Written {
            status: StatusCode::CREATED,
            body,
            location: Some(location),
            etag: None,
        }
    }
    /// 200 OK.
    pub fn ok(body: T) -> Self {
        Written {
            status: StatusCode::OK,
            body,
            location: None,
            etag: None,
        }
    }
    /// Adds an ETag.
    pub fn with_etag(mut self, etag: String) -> Self {
        self.etag = Some(etag);
        self
    }
}

/// The `Idempotency-Key` header and the route it was sent to.
pub struct Idempotency {
    key: Option<String>,
    route: String,
}

impl FromRequest for Idempotency {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let route = format!(
            "{} {}",
            req.method(),
            req.match_pattern().unwrap_or_else(|| req.path().to_owned())
        );
        let key = match req.headers().get("idempotency-key") {
            None => Ok(None),
            Some(v) => match v.to_str() {
                Ok(s)
                    if !s.is_empty()
                        && s.len() <= 255
                        && s.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Some(s.to_owned()))
                }
                _ => Err(ApiError::BadRequest {
                    code: "invalid_idempotency_key",
                    detail: "Idempotency-Key must be 1-255 visible ASCII characters".into(),
                }),
            },
        };
        std::future::ready(key.map(|key| Idempotency { key, route }))
    }
}

/// The key operations both kinds of transaction offer.
trait KeyStore {
    fn prior(&mut self, r: &IdempotencyRecord) -> Result<Prior, StoreError>;
    fn claim(&mut self, r: &IdempotencyRecord) -> Result<(), StoreError>;
    fn complete(&mut self, r: &IdempotencyRecord, s: &StoredResponse) -> Result<(), StoreError>;
}

macro_rules! key_store {
    ($t:ty) => {
        impl KeyStore for $t {
            fn prior(&mut self, r: &IdempotencyRecord) -> Result<Prior, StoreError> {
                self.idempotency_prior(r)
            }
            fn claim(&mut self, r: &IdempotencyRecord) -> Result<(), StoreError> {
                self.idempotency_claim(r)
            }
            fn complete(
                &mut self,
                r: &IdempotencyRecord,
                s: &StoredResponse,
            ) -> Result<(), StoreError> {
                self.idempotency_complete(r, s)
            }
        }
    };
}
key_store!(Tx<'_>);
key_store!(PlatformTx<'_>);

enum Outcome {
    Fresh(StoredResponse),
    Replay(StoredResponse),
}

const KEY_RACE: &str = "idempotency_key_in_flight";

fn attempt<X: KeyStore, T: Serialize>(
    tx: &mut X,
    record: Option<&IdempotencyRecord>,
    f: &mut Option<impl FnOnce(&mut X) -> ApiResult<Written<T>>>,
) -> ApiResult<Outcome> {
    if let Some(r) = record {
        match tx.prior(r)? {
            Prior::Replay(stored) => return Ok(Outcome::Replay(stored)),
            Prior::Mismatch => {
                return Err(ApiError::Unprocessable {
                    code: "idempotency_key_reused",
                    detail: "this Idempotency-Key was used with a different request body".into(),
                })
            }
            Prior::None => tx.claim(r).map_err(|e| match e {
                StoreError::Conflict(c) if is_key_conflict(&c) => ApiError::Conflict {
                    code: KEY_RACE,
                    detail: "a request with this Idempotency-Key is in progress".into(),
                },
                other => other.into(),
            })?,
        }
    }
    let f = f
        .take()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("write attempted twice")))?;
    let w = f(tx)?;
    let stored = StoredResponse {
        status: w.status.as_u16(),
        body: serde_json::to_string(&w.body).map_err(ApiError::internal)?,
        location: w.location,
        etag: w.etag,
    };
    if let Some(r) = record {
        tx.complete(r, &stored)?;
    }
    Ok(Outcome::Fresh(stored))
}

fn respond(outcome: Outcome) -> HttpResponse {
    let (stored, replayed) = match outcome {
        Outcome::Fresh(s) => (s, false),
        Outcome::Replay(s) => (s, true),
    };
    let mut resp =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    resp.insert_header((header::CONTENT_TYPE, "application/json"));
    for (name, value) in [
        (header::LOCATION, stored.location),
        (header::ETAG, stored.etag),
    ] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            resp.insert_header((name, v));
        }
    }
    if replayed {
        resp.insert_header(("idempotent-replayed", "true"));
    }
    resp.body(stored.body)
}

fn is_race(r: &ApiResult<Outcome>) -> bool {
    matches!(r, Err(ApiError::Conflict { code, .. }) if *code == KEY_RACE)
}

impl Idempotency {
    fn record(&self, scope: &str, principal: &Principal, hash: &str) -> Option<IdempotencyRecord> {
        self.key.as_ref().map(|key| IdempotencyRecord {
            scope: scope.to_owned(),
            principal_id: principal.id_str().to_owned(),
            route: self.route.clone(),
            key: key.clone(),
            request_hash: hash.to_owned(),
        })
    }

    /// Runs a tenant write under the key, if one was sent.
    pub async fn tenant<T, F>(
        &self,
        state: &web::Data<AppState>,
        principal: &Principal,
        tenant: &TenantId,
        body_hash: &str,
        f: F,
    ) -> ApiResult<HttpResponse>
    where
        T: Serialize + 'static,
        F: FnOnce(&mut Tx<'_>) -> ApiResult<Written<T>> + Send + 'static,
    {
        let record = self.record(tenant.as_str(), principal, body_hash);
        let tenant = tenant.clone();
        let outcome = state
            .db
            .with_store(move |store| {
                let mut f = Some(f);
                let mut tries = 0;
                loop {
                    let r = store.write(&tenant, |tx| attempt(tx, record.as_ref(), &mut f));
                    tries += 1;
                    if !is_race(&r) || tries >= 3 {
                        return r;
                    }
                }
            })
            .await?;
        Ok(respond(outcome))
    }

    /// Runs a platform-level write under the key, if one was sent.
    pub async fn platform<T, F>(
        &self,
        state: &web::Data<AppState>,
        principal: &Principal,
        body_hash: &str,
        f: F,
    ) -> ApiResult<HttpResponse>
    where
        T: Serialize + 'static,
        F: FnOnce(&mut PlatformTx<'_>) -> ApiResult<Written<T>> + Send + 'static,
    {
        let record = self.record("platform", principal, body_hash);
        let outcome = state
            .db
            .with_store(move |store| {
                let mut f = Some(f);
                let mut tries = 0;
                loop {
                    let r = store.platform(|tx| attempt(tx, record.as_ref(), &mut f));
                    tries += 1;
                    if !is_race(&r) || tries >= 3 {
                        return r;
                    }
                }
            })
            .await?;
        Ok(respond(outcome))
    }
}
