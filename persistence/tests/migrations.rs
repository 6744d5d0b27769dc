//! Migrations apply, revert and re-apply on both backends.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use persistence::test_support::fresh_database;
use persistence::{migrate, revert_all, Store, StoreOptions};

fn round_trip(url: &str) {
    // A fresh database from the test support is already migrated on PostgreSQL; on SQLite it is
    // an empty file. Either way, after `migrate` the schema is current.
    migrate(url).expect("apply");
    let reverted = revert_all(url).expect("revert");
    assert!(reverted >= 1, "at least one migration is reverted");
    let applied = migrate(url).expect("re-apply");
    assert_eq!(
        applied, reverted,
        "every reverted migration is applied again"
    );
    // The schema works after the round trip.
    let store = Store::connect(url, &StoreOptions::default()).expect("connect");
    let n = store
        .platform(|tx| tx.count_platform_admins())
        .expect("query after re-apply");
    assert_eq!(n, 0);
}

#[test]
fn migrations_apply_revert_reapply_on_sqlite() {
    round_trip(&fresh_database(None));
}

#[test]
fn migrations_apply_revert_reapply_on_postgres() {
    let Ok(server) = std::env::var("CONCORD_TEST_DATABASE_URL") else {
        eprintln!("CONCORD_TEST_DATABASE_URL is not set: PostgreSQL round trip skipped");
        return;
    };
    if !server.starts_with("postgres") {
        eprintln!("CONCORD_TEST_DATABASE_URL is not PostgreSQL: round trip skipped");
        return;
    }
    round_trip(&fresh_database(Some(&server)));
}
