//! Idempotency keys, stored with the write they protect.
//!
//! The key is claimed first, in the same transaction as the write: a concurrent request with the
//! same key waits on the claim (PostgreSQL's unique index, SQLite's write lock) and then finds
//! the stored response instead of writing twice.

use diesel::prelude::*;

use crate::error::StoreResult;
use crate::schema::idempotency_keys;
use crate::store::now;
use crate::DbConnection;

/// Who sent the key, where, and what they sent.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    /// The tenant id, or `platform`.
    pub scope: String,
    /// The principal that sent the request.
    pub principal_id: String,
    /// The route pattern, e.g. `POST /v1/organisations`.
    pub route: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request body.
    pub request_hash: String,
}

/// A response stored with a key, replayed for a repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// `Location` header, if any.
    pub location: Option<String>,
    /// `ETag` header, if any.
    pub etag: Option<String>,
}

/// What a key lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prior {
    /// The key is new.
    None,
    /// The same request was made before: replay this.
    Replay(StoredResponse),
    /// The key was used with a different body.
    Mismatch,
}

/// True when a conflict came from claiming an idempotency key, not from the write itself.
pub fn is_key_conflict(constraint: &str) -> bool {
    constraint.contains("idempotency_keys")
}

/// A stored response row: request hash, status, body, location, etag.
type ResponseRow = (String, i32, String, Option<String>, Option<String>);

type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

fn key(r: &IdempotencyRecord) -> Key<'_> {
    (&r.scope, &r.principal_id, &r.route, &r.key)
}

pub(crate) fn prior(conn: &mut DbConnection, r: &IdempotencyRecord) -> StoreResult<Prior> {
    let row: Option<ResponseRow> = idempotency_keys::table
        .find(key(r))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status_code,
            idempotency_keys::response_body,
            idempotency_keys::location,
            idempotency_keys::etag,
        ))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Prior::None,
        Some((hash, ..)) if hash != r.request_hash => Prior::Mismatch,
        Some((_, status, body, location, etag)) => Prior::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            body,
            location,
            etag,
        }),
    })
}

pub(crate) fn claim(conn: &mut DbConnection, r: &IdempotencyRecord) -> StoreResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::scope.eq(&r.scope),
            idempotency_keys::principal_id.eq(&r.principal_id),
            idempotency_keys::route.eq(&r.route),
            idempotency_keys::idem_key.eq(&r.key),
            idempotency_keys::request_hash.eq(&r.request_hash),
            idempotency_keys::status_code.eq(0),
            idempotency_keys::response_body.eq(""),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn complete(
    conn: &mut DbConnection,
    r: &IdempotencyRecord,
    resp: &StoredResponse,
) -> StoreResult<()> {
    diesel::update(idempotency_keys::table.find(key(r)))
        .set((
            idempotency_keys::status_code.eq(i32::from(resp.status)),
            idempotency_keys::response_body.eq(&resp.body),
            idempotency_keys::location.eq(&resp.location),
            idempotency_keys::etag.eq(&resp.etag),
        ))
        .execute(conn)?;
    Ok(())
}

macro_rules! idempotency_methods {
    ($tx:ident) => {
        impl crate::store::$tx<'_> {
            /// Looks the key up: new, a replay, or a mismatch.
            pub fn idempotency_prior(&mut self, r: &IdempotencyRecord) -> StoreResult<Prior> {
                prior(self.conn, r)
            }
            /// Claims the key before the write; a concurrent claim waits, then conflicts.
            pub fn idempotency_claim(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
                claim(self.conn, r)
            }
            /// Stores the response the write produced.
            pub fn idempotency_complete(
                &mut self,
                r: &IdempotencyRecord,
                resp: &StoredResponse,
            ) -> StoreResult<()> {
                complete(self.conn, r, resp)
            }
        }
    };
}
idempotency_methods!(Tx);
idempotency_methods!(PlatformTx);
