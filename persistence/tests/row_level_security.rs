//! PostgreSQL row-level security, the second wall between tenants: queries that forget the
//! tenant filter, run through the application's role, still see only their own tenant's rows,
//! and nothing crosses between tenants on a small pool under many interleaved transactions.
//! Skipped unless `CONCORD_TEST_DATABASE_URL` names a PostgreSQL server.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use domain::organisation::{NewOrganisation, OrganisationKind, PartnerKind};
use domain::tenant::NewTenant;
use domain::values::{Name, Slug};
use domain::TenantId;
use persistence::test_support::{app_url, fresh_database};
use persistence::{Store, StoreError, StoreOptions};

fn server() -> Option<String> {
    match std::env::var("CONCORD_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => Some(url),
        _ => {
            eprintln!("CONCORD_TEST_DATABASE_URL is not PostgreSQL: row-level security skipped");
            None
        }
    }
}

#[derive(QueryableByName)]
struct TenantOf {
    #[diesel(sql_type = Text)]
    tenant_id: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

/// The application's store (the test app role) and the owner's URL.
fn open(pool_size: u32) -> (Store, String) {
    let owner = fresh_database(server().as_deref());
    let options = StoreOptions {
        pool_size,
        migration_url: Some(owner.clone()),
        ..StoreOptions::default()
    };
    (
        Store::open(&app_url(&owner), &options).expect("open"),
        owner,
    )
}

/// A tenant with `n` organisations.
fn tenant(store: &Store, slug: &str, n: usize) -> TenantId {
    let t = store
        .platform(|tx| {
            tx.insert_tenant(&NewTenant {
                slug: Slug::parse(slug).unwrap(),
                name: Name::parse(slug).unwrap(),
            })
        })
        .expect("tenant");
    store
        .write(&t.id, |tx| {
            for i in 0..n {
                tx.insert_organisation(NewOrganisation {
                    name: Name::parse(&format!("{slug} partner {i}")).unwrap(),
                    kind: OrganisationKind::Partner(PartnerKind::Charity),
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("organisations");
    t.id
}

/// Every organisation row the transaction can see, with no tenant filter in the SQL.
fn unscoped(store: &Store, tenant: &TenantId) -> Vec<String> {
    store
        .read(tenant, |tx| {
            diesel::sql_query("SELECT tenant_id FROM organisations")
                .load::<TenantOf>(tx.raw())
                .map_err(StoreError::from)
        })
        .expect("unscoped read")
        .into_iter()
        .map(|r| r.tenant_id)
        .collect()
}

#[test]
fn the_application_role_passes_the_start_up_check_and_the_owner_does_not() {
    let Some(_) = server() else { return };
    let (store, owner) = open(2);
    store
        .ensure_isolated()
        .expect("the app role is not privileged");

    let as_owner = Store::connect(&owner, &StoreOptions::default()).expect("connect");
    let err = as_owner
        .ensure_isolated()
        .expect_err("a superuser is refused");
    assert!(
        matches!(&err, StoreError::Insecure(m) if m.contains("superuser")),
        "{err}"
    );
}

#[test]
fn an_unscoped_query_sees_only_its_own_tenant() {
    let Some(_) = server() else { return };
    let (store, _) = open(2);
    let a = tenant(&store, "rls-a", 3);
    let b = tenant(&store, "rls-b", 2);

    let seen = unscoped(&store, &a);
    assert_eq!(seen.len(), 3, "tenant A sees its three rows");
    assert!(seen.iter().all(|t| t == a.as_str()), "{seen:?}");

    // Naming the other tenant outright finds nothing, and changes nothing.
    let (found, updated, deleted) = store
        .write(&a, |tx| {
            let found =
                diesel::sql_query("SELECT count(*) AS n FROM organisations WHERE tenant_id = $1")
                    .bind::<Text, _>(b.as_str())
                    .get_result::<Count>(tx.raw())?
                    .n;
            let updated =
                diesel::sql_query("UPDATE organisations SET name = 'taken' WHERE tenant_id = $1")
                    .bind::<Text, _>(b.as_str())
                    .execute(tx.raw())?;
            let deleted = diesel::sql_query("DELETE FROM school_profiles WHERE tenant_id = $1")
                .bind::<Text, _>(b.as_str())
                .execute(tx.raw())?;
            Ok::<_, StoreError>((found, updated, deleted))
        })
        .expect("cross-tenant statements run");
    assert_eq!((found, updated, deleted), (0, 0, 0));
    assert_eq!(
        unscoped(&store, &b).len(),
        2,
        "tenant B's rows are untouched"
    );

    // Writing a row into another tenant is refused by the policy's check.
    let insert = store.write(&a, |tx| {
        diesel::sql_query(
            "INSERT INTO organisations \
             (tenant_id, id, name, kind, partner_kind, status, version, created_at, updated_at) \
             VALUES ($1, 'org_planted', 'planted', 'partner', 'charity', 'active', 1, now(), now())",
        )
        .bind::<Text, _>(b.as_str())
        .execute(tx.raw())
        .map_err(StoreError::from)
    });
    match insert {
        Err(StoreError::Query(e)) => assert!(
            e.to_string().contains("row-level security"),
            "refused by the policy, not by something else: {e}"
        ),
        other => panic!("a row for tenant B must not be written from tenant A: {other:?}"),
    }

    // Outside any tenant (the platform's transactions) no tenant row is visible at all.
    let (n, setting) = store
        .platform(|tx| {
            let n = diesel::sql_query("SELECT count(*) AS n FROM organisations")
                .get_result::<Count>(tx.raw())?
                .n;
            let setting =
                diesel::sql_query("SELECT current_setting('concord.tenant_id', true) AS value")
                    .get_result::<Setting>(tx.raw())?
                    .value;
            Ok::<_, StoreError>((n, setting))
        })
        .expect("platform read");
    assert_eq!(n, 0);
    assert!(
        setting.unwrap_or_default().is_empty(),
        "the tenant setting does not outlive its transaction"
    );
}

#[test]
fn no_row_crosses_tenants_on_a_small_pool_under_interleaved_load() {
    let Some(_) = server() else { return };
    let (store, _) = open(2);
    let a = tenant(&store, "rls-load-a", 5);
    let b = tenant(&store, "rls-load-b", 7);
    let store = Arc::new(store);
    let tenants = Arc::new([(a, 5usize), (b, 7usize)]);

    const THREADS: usize = 8;
    const ROUNDS: usize = 400;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(&store);
            let tenants = Arc::clone(&tenants);
            std::thread::spawn(move || {
                let mut crossed = 0usize;
                let mut checked = 0usize;
                for i in 0..ROUNDS {
                    let (tenant, expected) = &tenants[(t + i) % 2];
                    let seen = unscoped(&store, tenant);
                    checked += 1;
                    if seen.len() != *expected || seen.iter().any(|s| s != tenant.as_str()) {
                        crossed += 1;
                    }
                    // Every few rounds a platform transaction on the same pool: it must see no
                    // tenant rows, whatever the connection served before.
                    if i % 5 == 0 {
                        let n = store
                            .platform(|tx| {
                                diesel::sql_query("SELECT count(*) AS n FROM organisations")
                                    .get_result::<Count>(tx.raw())
                                    .map_err(StoreError::from)
                            })
                            .expect("platform read")
                            .n;
                        checked += 1;
                        if n != 0 {
                            crossed += 1;
                        }
                    }
                }
                (checked, crossed)
            })
        })
        .collect();
    let (checked, crossed) = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .fold((0, 0), |(c, x), (c2, x2)| (c + c2, x + x2));
    assert_eq!(checked, THREADS * ROUNDS + THREADS * ROUNDS / 5);
    assert_eq!(
        crossed, 0,
        "{crossed} of {checked} transactions saw another tenant's rows"
    );
}
