//! Tenants: the data boundary. Nothing crosses from one tenant to another.

use chrono::{DateTime, Utc};

use crate::ids::TenantId;
use crate::values::{Name, Slug};

crate::choice!(
    /// Whether a tenant's credentials work.
    TenantStatus {
        /// In use.
        Active = "active",
        /// Every credential of the tenant is refused until it is reactivated.
        Suspended = "suspended",
    }
);

/// The smallest number of schools an aggregate may be computed over (DESIGN §3 rule 6).
pub const MIN_SUPPRESSION_K: i32 = 3;

/// A tenant as the platform admin sees it: metadata only.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Short name used to sign in.
    pub slug: Slug,
    /// Display name.
    pub name: Name,
    /// Active or suspended.
    pub status: TenantStatus,
    /// Aggregates over fewer schools than this are suppressed; never below 3.
    pub suppression_k: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// Short name used to sign in, unique on the platform.
    pub slug: Slug,
    /// Display name.
    pub name: Name,
}
