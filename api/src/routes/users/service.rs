//! Creating a user, shared by tenant admins (`POST /v1/users`) and platform admins creating a
//! tenant's first admin.

use chrono::{Duration, Utc};
use domain::user::{Membership, NewUser};
use domain::values::Password;
use domain::FieldError;
use persistence::{StoreError, Tx};

use super::dto::{CreatedUserDto, UserDto};
use crate::audit::{Actor, EventExt};
use crate::auth::secrets::{hash_password, random_secret, sha256_hex};
use crate::error::{ApiError, ApiResult};

/// How a new user will sign in, prepared outside the transaction (hashing is slow).
pub enum Credential {
    /// Active at once with this argon2 hash.
    Password(String),
    /// Invited: the secret to hand out once, its hash, and its lifetime in seconds.
    Invitation {
        /// The secret half of the token.
        secret: String,
        /// Its SHA-256.
        hash: String,
        /// Seconds until it expires.
        ttl_secs: u64,
    },
}

impl Credential {
    /// Hashes the password, or makes an invitation secret.
    pub fn prepare(password: Option<Password>, invitation_ttl_secs: u64) -> ApiResult<Credential> {
        Ok(match password {
            Some(p) => Credential::Password(hash_password(p.expose()).map_err(ApiError::internal)?),
            None => {
                let secret = random_secret();
                Credential::Invitation {
                    hash: sha256_hex(secret.as_bytes()),
                    secret,
                    ttl_secs: invitation_ttl_secs,
                }
            }
        })
    }
}

/// 422 for each membership naming an organisation that is not an active one of this tenant.
pub fn check_memberships(tx: &mut Tx<'_>, ms: &[Membership]) -> ApiResult<()> {
    let ids: Vec<_> = ms.iter().map(|m| &m.organisation_id).collect();
    let found = tx.existing_organisations(&ids)?;
    let missing: Vec<FieldError> = ms
        .iter()
        .enumerate()
        .filter(|(_, m)| !found.contains(&m.organisation_id))
        .map(|(i, _)| FieldError {
            pointer: format!("/memberships/{i}/organisation_id"),
            code: "unknown_organisation",
            detail: "no active organisation with this id in the tenant".into(),
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(missing))
    }
}

/// Creates the user in `tx`; a taken email is 409 `email_taken`.
pub fn create_user(
    tx: &mut Tx<'_>,
    actor: &Actor,
    new: NewUser,
    credential: Credential,
) -> ApiResult<CreatedUserDto> {
    check_memberships(tx, &new.memberships)?;
    let (password_hash, invitation, secret) = match credential {
        Credential::Password(h) => (Some(h), None, None),
        Credential::Invitation {
            secret,
            hash,
            ttl_secs,
        } => {
            let expires = Utc::now() + Duration::seconds(i64::try_from(ttl_secs).unwrap_or(0));
            (None, Some((hash, expires)), Some(secret))
        }
    };
    let user = tx
        .insert_user(new, password_hash, invitation)
        .map_err(|e| match e {
            StoreError::Conflict(c) if c.contains("email") => ApiError::Conflict {
                code: "email_taken",
                detail: "a user with this email already exists in the tenant".into(),
            },
            other => other.into(),
        })?;
    tx.record(actor.event("user.created", "user", &user.id).with(
        serde_json::json!({ "tenant_admin": user.tenant_admin, "invited": secret.is_some() }),
    ))?;
    let invitation_token = secret.map(|s| format!("{}.{}.{}", tx.tenant(), user.id, s));
    Ok(CreatedUserDto {
        user: UserDto::from(&user),
        invitation_token,
    })
}
