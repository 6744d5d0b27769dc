//! The one entry point to the data: every query runs inside a transaction opened here.
//!
//! Tenant data is reached only through [`Store::read`] and [`Store::write`], which take the
//! [`TenantId`] and hand the closure a [`Tx`] that carries it; every repository method on `Tx`
//! filters by that tenant. On PostgreSQL the transaction also sets `concord.tenant_id` with
//! `set_config(…, true)` (transaction-local) for row-level security. Platform-level data
//! (tenants, platform admins, credentials looked up before the tenant is known) goes through
//! [`Store::platform`].
//!
//! These calls block: the API runs them on the blocking thread pool.

use std::time::Duration;

use diesel::sql_types::Text;
use diesel::RunQueryDsl;
use domain::TenantId;

use crate::connection::{self, Backend, DbConnection, Pool};
use crate::error::{StoreError, StoreResult};

/// The store: a pool over one backend.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
}

/// A transaction scoped to one tenant.
pub struct Tx<'a> {
    pub(crate) conn: &'a mut DbConnection,
    pub(crate) tenant: &'a TenantId,
}

impl Tx<'_> {
    /// The tenant this transaction is scoped to.
    pub fn tenant(&self) -> &TenantId {
        self.tenant
    }
}

/// A transaction over platform-level data.
pub struct PlatformTx<'a> {
    pub(crate) conn: &'a mut DbConnection,
}

/// Settings for [`Store::open`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections the pool keeps.
    pub pool_size: u32,
    /// How long a request waits for a connection before the store reports itself unavailable.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl Store {
    /// Applies pending migrations, then opens the pool.
    pub fn open(url: &str, options: &StoreOptions) -> StoreResult<Store> {
        connection::migrate(url)?;
        Self::connect(url, options)
    }

    /// Opens the pool without migrating.
    pub fn connect(url: &str, options: &StoreOptions) -> StoreResult<Store> {
        let pool = connection::pool(url, options.pool_size, options.acquire_timeout)?;
        Ok(Store {
            pool,
            backend: Backend::of(url),
        })
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Succeeds when the database answers.
    pub fn ping(&self) -> StoreResult<()> {
        let mut conn = self.pool.get()?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    }

    /// Runs `f` in a read transaction scoped to `tenant`.
    pub fn read<T, E: From<StoreError>>(
        &self,
        tenant: &TenantId,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.tenant_tx(tenant, false, f)
    }

    /// Runs `f` in a write transaction scoped to `tenant`.
    pub fn write<T, E: From<StoreError>>(
        &self,
        tenant: &TenantId,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.tenant_tx(tenant, true, f)
    }

    /// Runs `f` in a transaction over platform-level data.
    pub fn platform<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut PlatformTx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(|e| E::from(e.into()))?;
        connection::transaction(&mut conn, true, |conn| f(&mut PlatformTx { conn }))
    }

    fn tenant_tx<T, E: From<StoreError>>(
        &self,
        tenant: &TenantId,
        write: bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(|e| E::from(e.into()))?;
        connection::transaction(&mut conn, write, |conn| {
            if let DbConnection::Pg(_) = conn {
                diesel::sql_query("SELECT set_config('concord.tenant_id', $1, true)")
                    .bind::<Text, _>(tenant.as_str())
                    .execute(conn)
                    .map_err(|e| E::from(e.into()))?;
            }
            f(&mut Tx { conn, tenant })
        })
    }
}

/// A page of a list: rows after the cursor (an id), at most `limit` of them.
#[derive(Debug, Clone)]
pub struct Page {
    /// Return rows whose id sorts after this one.
    pub after: Option<String>,
    /// Most rows to return; the repository fetches one more to tell whether a next page exists.
    pub limit: i64,
}

/// The current time, truncated to the microsecond both backends store.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
