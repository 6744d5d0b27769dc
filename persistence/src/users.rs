//! Users of a tenant and their roles in organisations.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::tenant::TenantStatus;
use domain::user::{Membership, NewUser, OrgRole, User, UserStatus};
use domain::values::{EmailAddress, Name};
use domain::{OrganisationId, UserId};

use crate::error::{parse, StoreResult};
use crate::schema::{memberships, tenants, users};
use crate::store::{now, Page, Tx};

#[derive(Queryable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    tenant_id: String,
    id: String,
    email: String,
    name: String,
    tenant_admin: bool,
    status: String,
    password_hash: Option<String>,
    invitation_hash: Option<String>,
    invitation_expires_at: Option<NaiveDateTime>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn membership(org: &str, role: &str) -> StoreResult<Membership> {
    Ok(Membership {
        organisation_id: parse("memberships.organisation_id", OrganisationId::parse(org))?,
        role: parse("memberships.role", OrgRole::parse(role))?,
    })
}

impl UserRow {
    fn into_domain(self, memberships: Vec<Membership>) -> StoreResult<User> {
        Ok(User {
            id: parse("users.id", UserId::parse(&self.id))?,
            email: parse("users.email", EmailAddress::parse(&self.email))?,
            name: parse("users.name", Name::parse(&self.name))?,
            tenant_admin: self.tenant_admin,
            status: parse("users.status", UserStatus::parse(&self.status))?,
            memberships,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// Narrows a list of users.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only users with a role in this organisation.
    pub organisation: Option<OrganisationId>,
    /// Only this status.
    pub status: Option<UserStatus>,
}

/// What sign-in needs to know about a user.
#[derive(Debug, Clone)]
pub struct UserCredential {
    /// The user.
    pub id: UserId,
    /// Only active users may sign in.
    pub status: UserStatus,
    /// The argon2 hash, once a password is set.
    pub password_hash: Option<String>,
}

/// What authorisation needs to know about a principal, read fresh on every request.
#[derive(Debug, Clone)]
pub struct PrincipalFacts {
    /// The tenant's status: a suspended tenant's credentials stop working at once.
    pub tenant_status: TenantStatus,
    /// Holds `tenant_admin`.
    pub tenant_admin: bool,
    /// Roles in organisations.
    pub memberships: Vec<Membership>,
}

impl Tx<'_> {
    /// Creates a user with their memberships. A taken email is a conflict on `users_email_key`.
    pub fn insert_user(
        &mut self,
        new: NewUser,
        password_hash: Option<String>,
        invitation: Option<(String, DateTime<Utc>)>,
    ) -> StoreResult<User> {
        let at = now();
        let id = UserId::new();
        let status = if password_hash.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Invited
        };
        let (invitation_hash, invitation_expires_at) = match invitation {
            Some((h, exp)) => (Some(h), Some(exp.naive_utc())),
            None => (None, None),
        };
        let row = UserRow {
            tenant_id: self.tenant.to_string(),
            id: id.to_string(),
            email: new.email.to_string(),
            name: new.name.to_string(),
            tenant_admin: new.tenant_admin,
            status: status.as_str().into(),
            password_hash,
            invitation_hash,
            invitation_expires_at,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(users::table)
            .values(&row)
            .execute(self.conn)?;
        self.insert_memberships(&id, &new.memberships)?;
        row.into_domain(new.memberships)
    }

    fn insert_memberships(&mut self, user: &UserId, ms: &[Membership]) -> StoreResult<()> {
        let at = now();
        for m in ms {
            diesel::insert_into(memberships::table)
                .values((
                    memberships::tenant_id.eq(self.tenant.as_str()),
                    memberships::user_id.eq(user.as_str()),
                    memberships::organisation_id.eq(m.organisation_id.as_str()),
                    memberships::role.eq(m.role.as_str()),
                    memberships::created_at.eq(at),
                ))
                .execute(self.conn)?;
        }
        Ok(())
    }

    fn memberships_of(&mut self, user: &str) -> StoreResult<Vec<Membership>> {
        let rows: Vec<(String, String)> = memberships::table
            .filter(memberships::tenant_id.eq(self.tenant.as_str()))
            .filter(memberships::user_id.eq(user))
            .order(memberships::organisation_id.asc())
            .select((memberships::organisation_id, memberships::role))
            .load(self.conn)?;
        rows.iter().map(|(o, r)| membership(o, r)).collect()
    }

    /// One user of this tenant with their memberships; `None` also for another tenant's id.
    pub fn user(&mut self, id: &UserId) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = users::table
            .find((self.tenant.as_str(), id.as_str()))
            .first(self.conn)
            .optional()?;
        match row {
            None => Ok(None),
            Some(row) => {
                let ms = self.memberships_of(&row.id)?;
                row.into_domain(ms).map(Some)
            }
        }
    }

    /// Users in id order, with their memberships.
    pub fn list_users(&mut self, filter: &UserFilter, page: &Page) -> StoreResult<Vec<User>> {
        let mut q = users::table
            .filter(users::tenant_id.eq(self.tenant.as_str()))
            .order(users::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        if let Some(after) = &page.after {
            q = q.filter(users::id.gt(after.clone()));
        }
        if let Some(status) = filter.status {
            q = q.filter(users::status.eq(status.as_str()));
        }
        if let Some(org) = &filter.organisation {
            let in_org = memberships::table
                .filter(memberships::tenant_id.eq(self.tenant.as_str()))
                .filter(memberships::organisation_id.eq(org.to_string()))
                .select(memberships::user_id);
            q = q.filter(users::id.eq_any(in_org));
        }
        let rows: Vec<UserRow> = q.load(self.conn)?;
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let ms: Vec<(String, String, String)> = memberships::table
            .filter(memberships::tenant_id.eq(self.tenant.as_str()))
            .filter(memberships::user_id.eq_any(ids))
            .order((
                memberships::user_id.asc(),
                memberships::organisation_id.asc(),
            ))
            .select((
                memberships::user_id,
                memberships::organisation_id,
                memberships::role,
            ))
            .load(self.conn)?;
        rows.into_iter()
            .map(|row| {
                let mine = ms
                    .iter()
                    .filter(|(u, _, _)| *u == row.id)
                    .map(|(_, o, r)| membership(o, r))
                    .collect::<StoreResult<Vec<_>>>()?;
                row.into_domain(mine)
            })
            .collect()
    }

    /// Saves a user's name, tenant role and memberships if the user is still at
    /// `expected_version`; `false` if another write got there first.
    pub fn update_user(&mut self, user: &mut User, expected_version: i32) -> StoreResult<bool> {
        user.version = expected_version + 1;
        user.updated_at = now().and_utc();
        let n = diesel::update(
            users::table
                .find((self.tenant.as_str(), user.id.as_str()))
                .filter(users::version.eq(expected_version)),
        )
        .set((
            users::name.eq(user.name.as_str()),
            users::tenant_admin.eq(user.tenant_admin),
            users::status.eq(user.status.as_str()),
            users::version.eq(user.version),
            users::updated_at.eq(user.updated_at.naive_utc()),
        ))
        .execute(self.conn)?;
        if n != 1 {
            return Ok(false);
        }
        diesel::delete(
            memberships::table
                .filter(memberships::tenant_id.eq(self.tenant.as_str()))
                .filter(memberships::user_id.eq(user.id.as_str())),
        )
        .execute(self.conn)?;
        let ms = user.memberships.clone();
        self.insert_memberships(&user.id, &ms)?;
        Ok(true)
    }

    /// The sign-in facts of the user with this email.
    pub fn user_credential(&mut self, email: &str) -> StoreResult<Option<UserCredential>> {
        let row: Option<(String, String, Option<String>)> = users::table
            .filter(users::tenant_id.eq(self.tenant.as_str()))
            .filter(users::email.eq(email))
            .select((users::id, users::status, users::password_hash))
            .first(self.conn)
            .optional()?;
        row.map(|(id, status, password_hash)| {
            Ok(UserCredential {
                id: parse("users.id", UserId::parse(&id))?,
                status: parse("users.status", UserStatus::parse(&status))?,
                password_hash,
            })
        })
        .transpose()
    }

    /// The invitation of a user still waiting to accept it: its hash and expiry.
    pub fn invitation(&mut self, id: &UserId) -> StoreResult<Option<(String, DateTime<Utc>)>> {
        let row: Option<(Option<String>, Option<NaiveDateTime>)> = users::table
            .find((self.tenant.as_str(), id.as_str()))
            .filter(users::status.eq(UserStatus::Invited.as_str()))
            .select((users::invitation_hash, users::invitation_expires_at))
            .first(self.conn)
            .optional()?;
        Ok(match row {
            Some((Some(h), Some(exp))) => Some((h, exp.and_utc())),
            _ => None,
        })
    }

    /// Sets the password of an invited user and makes them active; `false` if they were not
    /// waiting on an invitation.
    pub fn accept_invitation(&mut self, id: &UserId, password_hash: &str) -> StoreResult<bool> {
        let n = diesel::update(
            users::table
                .find((self.tenant.as_str(), id.as_str()))
                .filter(users::status.eq(UserStatus::Invited.as_str())),
        )
        .set((
            users::password_hash.eq(password_hash),
            users::status.eq(UserStatus::Active.as_str()),
            users::invitation_hash.eq(None::<String>),
            users::invitation_expires_at.eq(None::<NaiveDateTime>),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(self.conn)?;
        Ok(n == 1)
    }

    /// The facts authorisation needs about an active user of an active tenant: `None` when the
    /// user does not exist here or cannot act (deactivated, invited, tenant suspended).
    pub fn user_principal(&mut self, id: &UserId) -> StoreResult<Option<PrincipalFacts>> {
        let row: Option<(bool, String, String)> = users::table
            .inner_join(tenants::table.on(tenants::id.eq(users::tenant_id)))
            .filter(users::tenant_id.eq(self.tenant.as_str()))
            .filter(users::id.eq(id.as_str()))
            .select((users::tenant_admin, users::status, tenants::status))
            .first(self.conn)
            .optional()?;
        let Some((tenant_admin, status, tenant_status)) = row else {
            return Ok(None);
        };
        if status != UserStatus::Active.as_str() {
            return Ok(None);
        }
        let memberships = self.memberships_of(id.as_str())?;
        Ok(Some(PrincipalFacts {
            tenant_status: parse("tenants.status", TenantStatus::parse(&tenant_status))?,
            tenant_admin,
            memberships,
        }))
    }
}
