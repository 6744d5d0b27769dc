//! Refresh tokens: stored as a hash, single use, rotated, revocable by family.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{RefreshTokenId, TenantId};

use crate::error::{parse, StoreResult};
use crate::schema::refresh_tokens;
use crate::store::{now, PlatformTx};

#[derive(Queryable, Insertable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshTokenRow {
    id: String,
    family_id: String,
    tenant_id: Option<String>,
    subject_id: String,
    token_hash: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

/// A stored refresh token.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    /// Its id (the public half of the token).
    pub id: RefreshTokenId,
    /// Every token rotated from the same sign-in shares a family; reuse revokes the family.
    pub family_id: String,
    /// The subject's tenant; `None` for a platform admin.
    pub tenant: Option<TenantId>,
    /// The user or platform admin it was issued to.
    pub subject_id: String,
    /// SHA-256 of the secret half.
    pub token_hash: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Set when it has been exchanged once.
    pub used: bool,
    /// Set when it was revoked.
    pub revoked: bool,
}

impl PlatformTx<'_> {
    /// Stores a new refresh token.
    pub fn insert_refresh_token(&mut self, t: &RefreshToken) -> StoreResult<()> {
        let row = RefreshTokenRow {
            id: t.id.to_string(),
            family_id: t.family_id.clone(),
            tenant_id: t.tenant.as_ref().map(|x| x.to_string()),
            subject_id: t.subject_id.clone(),
            token_hash: t.token_hash.clone(),
            expires_at: t.expires_at.naive_utc(),
            used_at: None,
            revoked_at: None,
            created_at: now(),
        };
        diesel::insert_into(refresh_tokens::table)
            .values(&row)
            .execute(self.conn)?;
        Ok(())
    }

    /// One refresh token.
    pub fn refresh_token(&mut self, id: &RefreshTokenId) -> StoreResult<Option<RefreshToken>> {
        let row: Option<RefreshTokenRow> = refresh_tokens::table
            .find(id.as_str())
            .first(self.conn)
            .optional()?;
        row.map(|r| {
            Ok(RefreshToken {
                id: parse("refresh_tokens.id", RefreshTokenId::parse(&r.id))?,
                family_id: r.family_id,
                tenant: r
                    .tenant_id
                    .map(|t| parse("refresh_tokens.tenant_id", TenantId::parse(&t)))
                    .transpose()?,
                subject_id: r.subject_id,
                token_hash: r.token_hash,
                expires_at: r.expires_at.and_utc(),
                used: r.used_at.is_some(),
                revoked: r.revoked_at.is_some(),
            })
        })
        .transpose()
    }

    /// Marks a token used; `false` if it was already used or revoked (someone else won).
    pub fn use_refresh_token(&mut self, id: &RefreshTokenId) -> StoreResult<bool> {
        let n = diesel::update(
            refresh_tokens::table
                .find(id.as_str())
                .filter(refresh_tokens::used_at.is_null())
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(now()))
        .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Revokes every token of a family.
    pub fn revoke_refresh_family(&mut self, family_id: &str) -> StoreResult<usize> {
        Ok(diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::family_id.eq(family_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(now()))
        .execute(self.conn)?)
    }
}

impl crate::store::Tx<'_> {
    /// Revokes every refresh token of a user of this tenant (on deactivation).
    pub fn revoke_refresh_tokens_of(&mut self, subject_id: &str) -> StoreResult<usize> {
        Ok(diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::tenant_id.eq(self.tenant.as_str()))
                .filter(refresh_tokens::subject_id.eq(subject_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(now()))
        .execute(self.conn)?)
    }
}
