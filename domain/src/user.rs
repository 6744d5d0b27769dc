//! Users, their tenant role and their roles in organisations.

use chrono::{DateTime, Utc};

use crate::ids::{OrganisationId, UserId};
use crate::values::{EmailAddress, Name};

crate::choice!(
    /// A user's role in one organisation.
    OrgRole {
        /// The headteacher or principal: the school's signatory.
        Head = "head",
        /// A senior leader: drafts the school's evaluation.
        Leader = "leader",
        /// A member of staff: reads partnership documents.
        Staff = "staff",
        /// A governor: reads documents, may sign an MOU for the governing board.
        Governor = "governor",
    }
);

crate::choice!(
    /// Whether a user can sign in.
    UserStatus {
        /// Created by invitation; has not yet set a password.
        Invited = "invited",
        /// Can sign in.
        Active = "active",
        /// Can no longer sign in; kept for history.
        Deactivated = "deactivated",
    }
);

/// A user's role in one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// The role held there.
    pub role: OrgRole,
}

/// A user as stored.
#[derive(Debug, Clone)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Sign-in name, unique in the tenant.
    pub email: EmailAddress,
    /// Display name.
    pub name: Name,
    /// Holds the tenant-level `tenant_admin` role.
    pub tenant_admin: bool,
    /// Invited, active or deactivated.
    pub status: UserStatus,
    /// Roles in organisations.
    pub memberships: Vec<Membership>,
    /// Increases by one at every change; the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new user, validated.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in name.
    pub email: EmailAddress,
    /// Display name.
    pub name: Name,
    /// Holds the tenant-level `tenant_admin` role.
    pub tenant_admin: bool,
    /// Roles in organisations.
    pub memberships: Vec<Membership>,
}

/// A change to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// New display name.
    pub name: Option<Name>,
    /// Grant or remove `tenant_admin`.
    pub tenant_admin: Option<bool>,
    /// Replace all organisation roles.
    pub memberships: Option<Vec<Membership>>,
}

crate::choice!(
    /// What an API client may do, granted when it is created.
    Scope {
        /// Read organisations.
        OrganisationsRead = "organisations:read",
        /// Create and change organisations.
        OrganisationsWrite = "organisations:write",
        /// Read users.
        UsersRead = "users:read",
        /// Create and change users.
        UsersWrite = "users:write",
        /// Read partnerships, their members and overviews.
        PartnershipsRead = "partnerships:read",
    }
);
