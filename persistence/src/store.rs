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

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::sql_types::Text;
use diesel::RunQueryDsl;
use domain::TenantId;

use crate::connection::{self, Backend, DbConnection, Manager, Pool, Reachability};
use crate::error::{StoreError, StoreResult};

/// The store: a pool over one backend.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    reachability: Arc<Reachability>,
    acquire_timeout: Duration,
}

/// While the database cannot be reached, how long a request waits for a connection before it
/// is answered 503 (instead of the whole acquire timeout).
const UNREACHABLE_WAIT: Duration = Duration::from_millis(250);

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

#[cfg(feature = "test-support")]
impl Tx<'_> {
    /// The connection, for tests that run their own SQL inside a tenant's transaction.
    pub fn raw(&mut self) -> &mut DbConnection {
        self.conn
    }
}

#[cfg(feature = "test-support")]
impl PlatformTx<'_> {
    /// The connection, for tests that run their own SQL outside any tenant.
    pub fn raw(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// Settings for [`Store::open`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections the pool keeps.
    pub pool_size: u32,
    /// How long a request waits for a connection before the store reports itself unavailable.
    pub acquire_timeout: Duration,
    /// The URL of the role that owns the tables and runs the migrations, when it is not the
    /// one the pool connects as (on PostgreSQL it must not be: see [`Store::ensure_isolated`]).
    pub migration_url: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            acquire_timeout: Duration::from_secs(5),
            migration_url: None,
        }
    }
}

impl Store {
    /// Applies pending migrations (as the owner, when `options.migration_url` names one), then
    /// opens the pool.
    pub fn open(url: &str, options: &StoreOptions) -> StoreResult<Store> {
        connection::migrate(options.migration_url.as_deref().unwrap_or(url))?;
        Self::connect(url, options)
    }

    /// Opens the pool without migrating.
    pub fn connect(url: &str, options: &StoreOptions) -> StoreResult<Store> {
        let (pool, reachability) =
            connection::pool(url, options.pool_size, options.acquire_timeout)?;
        Ok(Store {
            pool,
            backend: Backend::of(url),
            reachability,
            acquire_timeout: options.acquire_timeout,
        })
    }

    /// A connection from the pool. Waits up to the acquire timeout while the pool is merely
    /// busy, but gives up within [`UNREACHABLE_WAIT`] once an attempt to connect has failed (the
    /// database is down or restarting), so that requests are answered 503 at once rather than
    /// after the whole timeout. The pool keeps trying to connect in the background.
    fn checkout(&self) -> StoreResult<r2d2::PooledConnection<Manager>> {
        let deadline = Instant::now() + self.acquire_timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.pool.get_timeout(left.min(UNREACHABLE_WAIT)) {
                Ok(conn) => return Ok(conn),
                Err(e) if left <= UNREACHABLE_WAIT || self.reachability.is_unreachable() => {
                    return Err(e.into())
                }
                Err(_) => {}
            }
        }
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Succeeds when the database answers.
    pub fn ping(&self) -> StoreResult<()> {
        let mut conn = self.checkout()?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    }

    /// On PostgreSQL, refuses a role that row-level security would not hold: a superuser, a
    /// `BYPASSRLS` role, or one that owns (or may act as the owner of) any table; and a schema in
    /// which a tenant table lacks forced row-level security. Nothing to check on SQLite.
    pub fn ensure_isolated(&self) -> StoreResult<()> {
        let mut conn = self.checkout()?;
        let DbConnection::Pg(conn) = &mut *conn else {
            return Ok(());
        };
        let role: RoleFacts = diesel::sql_query(
            "SELECT current_user::text AS name, rolsuper AS superuser, rolbypassrls AS bypass \
             FROM pg_roles WHERE rolname = current_user",
        )
        .get_result(conn)?;
        let owned: Vec<Relation> = diesel::sql_query(
            "SELECT relname::text AS name FROM pg_class \
             WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') \
             AND pg_has_role(current_user, relowner, 'USAGE') ORDER BY relname",
        )
        .load(conn)?;
        let unprotected: Vec<Relation> = diesel::sql_query(
            "SELECT t.name FROM unnest($1::text[]) AS t(name) \
             LEFT JOIN pg_class c ON c.relname = t.name \
             AND c.relnamespace = current_schema()::regnamespace \
             WHERE c.oid IS NULL OR NOT (c.relrowsecurity AND c.relforcerowsecurity) \
             ORDER BY t.name",
        )
        .bind::<diesel::sql_types::Array<Text>, _>(TENANT_TABLES)
        .load(conn)?;
        let advice = "connect as a role that owns nothing and is neither superuser nor \
                      BYPASSRLS (a member of concord_app; see the README), and run migrations as \
                      the owner with CONCORD_DATABASE_MIGRATION_URL";
        if role.superuser || role.bypass {
            let what = if role.superuser {
                "a superuser"
            } else {
                "BYPASSRLS"
            };
            return Err(StoreError::Insecure(format!(
                "role {} is {what}, so row-level security would not apply; {advice}",
                role.name
            )));
        }
        if let Some(t) = owned.first() {
            return Err(StoreError::Insecure(format!(
                "role {} owns table {} (and {} more), so it could turn row-level security off; \
                 {advice}",
                role.name,
                t.name,
                owned.len() - 1
            )));
        }
        if !unprotected.is_empty() {
            let names: Vec<&str> = unprotected.iter().map(|r| r.name.as_str()).collect();
            return Err(StoreError::Insecure(format!(
                "tenant tables without forced row-level security: {}; run the migrations",
                names.join(", ")
            )));
        }
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
        let mut conn = self.checkout().map_err(E::from)?;
        connection::transaction(&mut conn, true, |conn| f(&mut PlatformTx { conn }))
    }

    fn tenant_tx<T, E: From<StoreError>>(
        &self,
        tenant: &TenantId,
        write: bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.checkout().map_err(E::from)?;
        connection::transaction(&mut conn, write, |conn| {
            set_local(conn, TENANT_SETTING, tenant.as_str()).map_err(E::from)?;
            f(&mut Tx { conn, tenant })
        })
    }
}

/// Every table whose rows belong to one tenant; on PostgreSQL each has forced row-level
/// security with a policy on [`TENANT_SETTING`].
pub const TENANT_TABLES: &[&str] = &[
    "access_events",
    "agreement_signatures",
    "agreement_versions",
    "agreements",
    "api_clients",
    "audit_events",
    "consents",
    "cycle_extensions",
    "cycles",
    "framework_versions",
    "frameworks",
    "idempotency_keys",
    "memberships",
    "organisations",
    "partnership_members",
    "partnerships",
    "school_profiles",
    "submission_scores",
    "submissions",
    "users",
];

#[derive(diesel::QueryableByName)]
struct RoleFacts {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    superuser: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    bypass: bool,
}

#[derive(diesel::QueryableByName)]
struct Relation {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The PostgreSQL setting the row-level security policies compare `tenant_id` with.
pub(crate) const TENANT_SETTING: &str = "concord.tenant_id";

/// Sets a PostgreSQL setting for the rest of the current transaction only (`set_config(…,
/// true)`, never a session-level `SET`), so that nothing outlives the transaction on a pooled
/// connection. A no-op on SQLite, which has no row-level security.
pub(crate) fn set_local(conn: &mut DbConnection, name: &str, value: &str) -> StoreResult<()> {
    if let DbConnection::Pg(_) = conn {
        diesel::sql_query("SELECT set_config($1, $2, true)")
            .bind::<Text, _>(name)
            .bind::<Text, _>(value)
            .execute(conn)?;
    }
    Ok(())
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
