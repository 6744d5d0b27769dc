//! Platform-level data: tenants and platform admins.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::tenant::{NewTenant, Tenant, TenantStatus};
use domain::values::{EmailAddress, Name, Slug};
use domain::{PlatformAdminId, TenantId};

use crate::error::{parse, StoreResult};
use crate::schema::{platform_admins, tenants};
use crate::store::{now, Page, PlatformTx, Tx};

#[derive(Queryable, Insertable)]
#[diesel(table_name = tenants)]
struct TenantRow {
    id: String,
    slug: String,
    name: String,
    status: String,
    suppression_k: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TenantRow {
    fn into_domain(self) -> StoreResult<Tenant> {
        Ok(Tenant {
            id: parse("tenants.id", TenantId::parse(&self.id))?,
            slug: parse("tenants.slug", Slug::parse(&self.slug))?,
            name: parse("tenants.name", Name::parse(&self.name))?,
            status: parse("tenants.status", TenantStatus::parse(&self.status))?,
            suppression_k: self.suppression_k,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// A platform admin's sign-in facts.
#[derive(Debug, Clone)]
pub struct PlatformAdminCredential {
    /// The admin.
    pub id: PlatformAdminId,
    /// The argon2 hash of the password.
    pub password_hash: String,
}

impl PlatformTx<'_> {
    /// Creates a tenant; a taken slug is a conflict on `tenants_slug_key`.
    pub fn insert_tenant(&mut self, new: &NewTenant) -> StoreResult<Tenant> {
        let at = now();
        let row = TenantRow {
            id: TenantId::new().to_string(),
            slug: new.slug.to_string(),
            name: new.name.to_string(),
            status: TenantStatus::Active.as_str().into(),
            suppression_k: domain::tenant::MIN_SUPPRESSION_K,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(tenants::table)
            .values(&row)
            .execute(self.conn)?;
        row.into_domain()
    }

    /// One tenant.
    pub fn tenant(&mut self, id: &TenantId) -> StoreResult<Option<Tenant>> {
        let row: Option<TenantRow> = tenants::table
            .find(id.as_str())
            .first(self.conn)
            .optional()?;
        row.map(TenantRow::into_domain).transpose()
    }

    /// The tenant with this slug.
    pub fn tenant_by_slug(&mut self, slug: &str) -> StoreResult<Option<Tenant>> {
        let row: Option<TenantRow> = tenants::table
            .filter(tenants::slug.eq(slug))
            .first(self.conn)
            .optional()?;
        row.map(TenantRow::into_domain).transpose()
    }

    /// Tenants in id order.
    pub fn list_tenants(&mut self, page: &Page) -> StoreResult<Vec<Tenant>> {
        let mut q = tenants::table
            .order(tenants::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        if let Some(after) = &page.after {
            q = q.filter(tenants::id.gt(after.clone()));
        }
        q.load::<TenantRow>(self.conn)?
            .into_iter()
            .map(TenantRow::into_domain)
            .collect()
    }

    /// Sets a tenant's status; `None` if there is no such tenant.
    pub fn set_tenant_status(
        &mut self,
        id: &TenantId,
        status: TenantStatus,
    ) -> StoreResult<Option<Tenant>> {
        diesel::update(tenants::table.find(id.as_str()))
            .set((
                tenants::status.eq(status.as_str()),
                tenants::updated_at.eq(now()),
            ))
            .execute(self.conn)?;
        self.tenant(id)
    }

    /// How many platform admins exist.
    pub fn count_platform_admins(&mut self) -> StoreResult<i64> {
        Ok(platform_admins::table.count().get_result(self.conn)?)
    }

    /// Creates a platform admin; a taken email is a conflict.
    pub fn insert_platform_admin(
        &mut self,
        email: &EmailAddress,
        name: &Name,
        password_hash: &str,
    ) -> StoreResult<PlatformAdminId> {
        let id = PlatformAdminId::new();
        diesel::insert_into(platform_admins::table)
            .values((
                platform_admins::id.eq(id.as_str()),
                platform_admins::email.eq(email.as_str()),
                platform_admins::name.eq(name.as_str()),
                platform_admins::password_hash.eq(password_hash),
                platform_admins::created_at.eq(now()),
            ))
            .execute(self.conn)?;
        Ok(id)
    }

    /// The sign-in facts of the platform admin with this email.
    pub fn platform_admin_by_email(
        &mut self,
        email: &str,
    ) -> StoreResult<Option<PlatformAdminCredential>> {
        let row: Option<(String, String)> = platform_admins::table
            .filter(platform_admins::email.eq(email))
            .select((platform_admins::id, platform_admins::password_hash))
            .first(self.conn)
            .optional()?;
        row.map(|(id, password_hash)| {
            Ok(PlatformAdminCredential {
                id: parse("platform_admins.id", PlatformAdminId::parse(&id))?,
                password_hash,
            })
        })
        .transpose()
    }

    /// Whether this platform admin exists.
    pub fn platform_admin_exists(&mut self, id: &PlatformAdminId) -> StoreResult<bool> {
        let n: i64 = platform_admins::table
            .find(id.as_str())
            .count()
            .get_result(self.conn)?;
        Ok(n > 0)
    }
}

impl Tx<'_> {
    /// The tenant this transaction is scoped to.
    pub fn current_tenant(&mut self) -> StoreResult<Tenant> {
        let row: TenantRow = tenants::table.find(self.tenant.as_str()).first(self.conn)?;
        row.into_domain()
    }
}
