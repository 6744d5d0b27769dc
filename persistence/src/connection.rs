//! One connection type over PostgreSQL and SQLite, the pool, and the migrations.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{StoreError, StoreResult};

/// A connection to either backend; diesel generates the dispatch.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// The production store.
    Pg(PgConnection),
    /// The embedded default.
    Sqlite(SqliteConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://path`, `sqlite:path` or a plain file path.
    Sqlite,
}

impl Backend {
    /// Picks the backend from the URL's scheme.
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Replaces the user (and password) in a PostgreSQL URL.
pub fn with_user(url: &str, user: &str, password: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (rest, None),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match path {
        Some(p) => format!("{scheme}://{user}:{password}@{host}/{p}"),
        None => format!("{scheme}://{user}:{password}@{host}"),
    }
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

/// The file path in a SQLite URL.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// SQLite settings applied to every connection: integrity, concurrency and durability.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";

/// Opens one connection, reporting the real reason when it fails.
pub fn establish(url: &str) -> Result<DbConnection, ConnectionError> {
    match Backend::of(url) {
        Backend::Postgres => {
            // libpq uses OpenSSL. OpenSSL's default exit-time cleanup frees its locks while the
            // pool's threads may still be inside libpq, which crashes the process at exit;
            // initialising it first with OPENSSL_INIT_NO_ATEXIT (what this call does) avoids
            // that. Idempotent and cheap after the first call.
            openssl_sys::init();
            PgConnection::establish(url).map(DbConnection::Pg)
        }
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        ConnectionError::BadConnection(format!("cannot create {dir:?}: {e}"))
                    })?;
                }
            }
            let mut c = SqliteConnection::establish(path)?;
            c.batch_execute(SQLITE_PRAGMAS)
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(c))
        }
    }
}

/// Applies every pending migration of the URL's backend; returns how many ran.
pub fn migrate(url: &str) -> StoreResult<usize> {
    let mut conn = establish(url).map_err(|e| StoreError::Unavailable(Box::new(e)))?;
    let ran = match &mut conn {
        DbConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    ran.map_err(|e| StoreError::Corrupt(format!("migration failed: {e}")))
}

/// Reverts every applied migration of the URL's backend; returns how many were reverted.
pub fn revert_all(url: &str) -> StoreResult<usize> {
    let mut conn = establish(url).map_err(|e| StoreError::Unavailable(Box::new(e)))?;
    let reverted = match &mut conn {
        DbConnection::Pg(c) => c.revert_all_migrations(PG_MIGRATIONS).map(|v| v.len()),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    reverted.map_err(|e| StoreError::Corrupt(format!("revert failed: {e}")))
}

/// Whether the database could be reached at the last attempt to open a connection. The pool's
/// manager records every attempt; the store reads it to stop waiting for a connection that
/// cannot come (see `Store::checkout`).
#[derive(Debug, Default)]
pub struct Reachability {
    unreachable: AtomicBool,
}

impl Reachability {
    /// True when the last attempt to open a connection failed.
    pub fn is_unreachable(&self) -> bool {
        self.unreachable.load(Ordering::Relaxed)
    }

    fn record(&self, reached: bool) {
        self.unreachable.store(!reached, Ordering::Relaxed);
    }
}

/// Pool manager that picks the backend from the URL and reports the real connection error
/// (diesel's stock manager reports every failure as an invalid URL).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    reachability: Arc<Reachability>,
}

impl Manager {
    /// A manager for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            reachability: Arc::default(),
        }
    }

    /// Whether its last attempt to connect succeeded.
    pub fn reachability(&self) -> Arc<Reachability> {
        Arc::clone(&self.reachability)
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        let conn = establish(&self.url);
        self.reachability.record(conn.is_ok());
        conn
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// The pool.
pub type Pool = r2d2::Pool<Manager>;

/// Builds the pool; fails if no connection can be made within `timeout`. Also returns whether
/// the pool's last attempt to connect succeeded.
///
/// Connections are not tested on check-out: one that died while idle (the database restarted)
/// fails its first statement, which the store reports as unavailable (503), and diesel then
/// marks it broken (libpq no longer knows its transaction status), so the pool drops it.
pub fn pool(url: &str, size: u32, timeout: Duration) -> StoreResult<(Pool, Arc<Reachability>)> {
    let manager = Manager::new(url);
    let reachability = manager.reachability();
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(timeout)
        .test_on_check_out(false)
        .build(manager)
        .map_err(StoreError::from)?;
    Ok((pool, reachability))
}

/// Runs `f` in a transaction. On SQLite a write transaction starts with `BEGIN IMMEDIATE` so
/// that two writers queue on the busy timeout instead of failing on a lock upgrade.
pub(crate) fn transaction<T, E>(
    conn: &mut DbConnection,
    write: bool,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    type Tm = <DbConnection as Connection>::TransactionManager;
    let db = |e: diesel::result::Error| E::from(StoreError::from(e));
    match conn {
        DbConnection::Sqlite(c) if write => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(db)?
        }
        _ => Tm::begin_transaction(conn).map_err(db)?,
    }
    match f(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn).map_err(db)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error is the one worth reporting; a failed rollback marks the
            // connection broken and the pool discards it.
            let _ = Tm::rollback_transaction(conn);
            Err(e)
        }
    }
}

impl Backend {
    /// `postgres` or `sqlite`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}
