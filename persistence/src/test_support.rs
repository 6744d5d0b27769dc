//! Fresh databases for tests: a new SQLite file, or on PostgreSQL a new database copied from a
//! migrated template (creating one from scratch per test would be too slow).

use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};

use crate::connection::{migrate, with_database, with_user, Backend};

/// Test databases older than this are dropped when a test run starts.
const STALE_AFTER_SECS: u64 = 2 * 3600;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn suffix() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

/// A URL for a new, empty, migrated database. `server` is `None` for SQLite (a temporary file)
/// or a PostgreSQL URL whose server the database is created on.
pub fn fresh_database(server: Option<&str>) -> String {
    match server {
        Some(url) if Backend::of(url) == Backend::Postgres => fresh_postgres(url),
        _ => {
            let path = std::env::temp_dir().join(format!("concord-test-{}.db", suffix()));
            format!("sqlite://{}", path.display())
        }
    }
}

/// The login role tests connect as on PostgreSQL: a member of `concord_app`, owning nothing.
pub const TEST_APP_ROLE: &str = "concord_test_app";

/// The URL the application should connect with for a database from [`fresh_database`]: on
/// PostgreSQL the same database as [`TEST_APP_ROLE`] (created on first use), which row-level
/// security applies to; on SQLite the URL itself.
pub fn app_url(owner_url: &str) -> String {
    if Backend::of(owner_url) != Backend::Postgres {
        return owner_url.to_owned();
    }
    static ROLE: OnceLock<()> = OnceLock::new();
    ROLE.get_or_init(|| {
        let mut conn = admin_conn(owner_url);
        let create = format!(
            "DO $$ BEGIN \
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{TEST_APP_ROLE}') THEN \
                 CREATE ROLE {TEST_APP_ROLE} LOGIN PASSWORD 'concord-test' IN ROLE concord_app; \
               END IF; \
             END $$"
        );
        // Another test process may create it at the same moment; then it exists, which is all
        // that matters.
        if let Err(e) = diesel::sql_query(&create).execute(&mut conn) {
            let exists: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                &format!("(SELECT count(*) FROM pg_roles WHERE rolname = '{TEST_APP_ROLE}')"),
            ))
            .get_result(&mut conn)
            .unwrap_or(0);
            assert!(exists == 1, "creating the test role failed: {e}");
        }
    });
    with_user(owner_url, TEST_APP_ROLE, "concord-test")
}

fn admin_conn(url: &str) -> PgConnection {
    // See `connection::establish`: OpenSSL must be initialised without its exit-time cleanup
    // before libpq first uses it.
    openssl_sys::init();
    PgConnection::establish(url)
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL server: {e}"))
}

fn fresh_postgres(url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    static CREATE: Mutex<()> = Mutex::new(());
    let template = TEMPLATE.get_or_init(|| {
        let mut conn = admin_conn(url);
        drop_stale(&mut conn);
        let name = format!("concord_tpl_{}_{}", unix_now(), suffix());
        exec(&mut conn, &format!("CREATE DATABASE {name}"));
        if let Err(e) = migrate(&with_database(url, &name)) {
            panic!("migrating the template database failed: {e}");
        }
        name
    });
    let name = format!("concord_test_{}_{}", unix_now(), suffix());
    let _guard = CREATE.lock().unwrap_or_else(|p| p.into_inner());
    let mut conn = admin_conn(url);
    exec(
        &mut conn,
        &format!("CREATE DATABASE {name} TEMPLATE {template}"),
    );
    with_database(url, &name)
}

fn exec(conn: &mut PgConnection, sql: &str) {
    if let Err(e) = diesel::sql_query(sql).execute(conn) {
        panic!("{sql}: {e}");
    }
}

#[derive(diesel::QueryableByName)]
struct DbName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Drops test databases left behind by runs older than [`STALE_AFTER_SECS`].
fn drop_stale(conn: &mut PgConnection) {
    let names: Vec<DbName> = diesel::sql_query(
        "SELECT datname::text AS datname FROM pg_database \
         WHERE datname LIKE 'concord_test_%' OR datname LIKE 'concord_tpl_%'",
    )
    .load(conn)
    .unwrap_or_default();
    let cutoff = unix_now().saturating_sub(STALE_AFTER_SECS);
    for DbName { datname } in names {
        let created = datname
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                .execute(conn);
        }
    }
}

/// Runs `f` in a write transaction scoped to `tenant` and returns, beside its result, the text of
/// every statement it ran with its binds (diesel's debug form, `… $1 … -- binds: [...]`): the
/// query-plan test explains exactly what the repositories send.
pub fn capture_sql<T>(
    store: &crate::Store,
    tenant: &domain::TenantId,
    f: impl FnOnce(&mut crate::Tx<'_>) -> crate::StoreResult<T>,
) -> crate::StoreResult<(T, Vec<String>)> {
    use diesel::connection::{Connection, InstrumentationEvent};
    use std::sync::Arc;
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&log);
    let value = store.write(tenant, move |tx| {
        tx.conn
            .set_instrumentation(move |e: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { query, .. } = e {
                    sink.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(query.to_string());
                }
            });
        let r = f(tx);
        tx.conn
            .set_instrumentation(|_: InstrumentationEvent<'_>| {});
        r
    })?;
    let sql = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    Ok((value, sql))
}

#[cfg(test)]
mod tests {
    use super::{with_database, with_user};

    #[test]
    fn user_is_replaced_keeping_host_database_and_options() {
        assert_eq!(
            with_user("postgres://postgres@127.0.0.1:5432/db?x=1", "app", "pw"),
            "postgres://app:pw@127.0.0.1:5432/db?x=1"
        );
        assert_eq!(
            with_user("postgresql://a:b@c@h/db", "app", "pw"),
            "postgresql://app:pw@h/db"
        );
        assert_eq!(
            with_user("postgres://h", "app", "pw"),
            "postgres://app:pw@h"
        );
    }

    #[test]
    fn database_name_is_replaced_keeping_host_and_options() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/test?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@localhost", "x"),
            "postgres://u@localhost/x"
        );
    }
}
