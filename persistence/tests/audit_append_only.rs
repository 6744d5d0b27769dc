//! The change audit is append-only in the database itself: UPDATE and DELETE are refused, on
//! both backends, whoever asks.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::RunQueryDsl;
use domain::tenant::NewTenant;
use domain::values::{Name, Slug};
use persistence::test_support::fresh_database;
use persistence::{establish, migrate, NewAuditEvent, Store, StoreOptions};

fn check(url: &str) {
    migrate(url).expect("migrate");
    let store = Store::connect(url, &StoreOptions::default()).expect("connect");
    let tenant = store
        .platform(|tx| {
            tx.insert_tenant(&NewTenant {
                slug: Slug::parse("audit").expect("slug"),
                name: Name::parse("Audit").expect("name"),
            })
        })
        .expect("tenant");
    let id = store
        .write(&tenant.id, |tx| {
            tx.record(NewAuditEvent {
                actor_kind: "user",
                actor_id: "usr_01hx0000000000000000000001".into(),
                action: "organisation.created",
                resource_type: "organisation",
                resource_id: "org_01hx0000000000000000000001".into(),
                partnership_id: None,
                request_id: Some("req_test".into()),
                details: serde_json::json!({}),
            })
        })
        .expect("record");
    let mut conn = establish(url).expect("raw connection");
    let update = diesel::sql_query(format!(
        "UPDATE audit_events SET action = 'x' WHERE id = '{id}'"
    ))
    .execute(&mut conn);
    assert!(update.is_err(), "UPDATE must be refused");
    let delete =
        diesel::sql_query(format!("DELETE FROM audit_events WHERE id = '{id}'")).execute(&mut conn);
    assert!(delete.is_err(), "DELETE must be refused");
    let rows = store
        .read(&tenant.id, |tx| {
            tx.list_audit(
                &Default::default(),
                &persistence::Page {
                    after: None,
                    limit: 10,
                },
            )
        })
        .expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "organisation.created");
}

#[test]
fn audit_rows_cannot_be_changed_on_sqlite() {
    check(&fresh_database(None));
}

#[test]
fn audit_rows_cannot_be_changed_on_postgres() {
    match std::env::var("CONCORD_TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => check(&fresh_database(Some(&server))),
        _ => eprintln!("CONCORD_TEST_DATABASE_URL is not PostgreSQL: skipped"),
    }
}
