//! A deterministic benchmark data set, loaded with multi-row `INSERT`s.
//!
//! `concord bench seed` and the query-plan tests use it. The same [`SeedSpec`] always makes the
//! same rows (ids included: ULIDs drawn from a seeded generator), so the load benchmark can
//! rebuild the [`Fixture`] it needs from the spec without reading the database. Every tenant is
//! written in its own transaction opened by [`Store::write`], which on PostgreSQL sets
//! `concord.tenant_id` first, so row-level security sees the seed as that tenant.
//!
//! The rows are valid for the API: schools with heads, active partnerships whose members joined,
//! terms of reference and a data-sharing agreement in force and signed by every member, consents
//! (active and revoked history), and per partnership closed cycles in which every member
//! submitted a score for every criterion of the built-in framework, plus one open cycle holding
//! drafts. The first partnership of the first tenant is the benchmark's own: twelve schools,
//! every school but the first sharing its scores with the partnership, and MOUs waiting for the
//! first school's signature.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use diesel::connection::SimpleConnection;
use domain::agreement::{Body, DataParty, DataRole, DsaBody, LawfulBasis, MouBody, TorBody};
use domain::evaluation::Narrative;
use domain::framework::{default_framework, DEFAULT_FRAMEWORK_ID};
use domain::TenantId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::agreements::body_json;
use crate::error::{StoreError, StoreResult};
use crate::store::{Store, Tx};

/// How big a data set to make.
#[derive(Debug, Clone)]
pub struct SeedSpec {
    /// Seeds every random choice (and every id).
    pub seed: u64,
    /// Tenants.
    pub tenants: usize,
    /// Schools over all tenants (each has a head).
    pub schools: usize,
    /// Partnerships over all tenants.
    pub partnerships: usize,
    /// Fewest members of a partnership.
    pub min_members: usize,
    /// Most members of a partnership.
    pub max_members: usize,
    /// Consents over all tenants (active ones and revoked history).
    pub consents: usize,
    /// Cycles per partnership: all closed with every school's submission, but the last, which
    /// is open with drafts.
    pub cycles: usize,
    /// MOUs open for the benchmark school's signature.
    pub mous: usize,
}

impl SeedSpec {
    /// The issue's data set: 20 tenants, 10,000 schools, 3,000 partnerships of 3–12 members,
    /// 50,000 consents, 12 cycles each.
    pub fn full(seed: u64) -> Self {
        SeedSpec {
            seed,
            tenants: 20,
            schools: 10_000,
            partnerships: 3_000,
            min_members: 3,
            max_members: 12,
            consents: 50_000,
            cycles: 12,
            mous: 20_000,
        }
    }

    /// A small set of the same shape, for tests.
    pub fn small(seed: u64) -> Self {
        SeedSpec {
            seed,
            tenants: 2,
            schools: 400,
            partnerships: 40,
            min_members: 3,
            max_members: 12,
            consents: 600,
            cycles: 4,
            mous: 10,
        }
    }
}

/// The password of every seeded user.
pub const PASSWORD: &str = "bench-password-1";

/// Ids and sign-in names of the benchmark's own rows, in the first tenant.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The first tenant.
    pub tenant_id: String,
    /// Its slug (the `tenant` of a password sign-in).
    pub tenant_slug: String,
    /// Its admin's email.
    pub admin_email: String,
    /// Its admin's id.
    pub admin_id: String,
    /// The benchmark partnership (twelve schools).
    pub partnership_id: String,
    /// Its schools; every one but the first shares its scores with the partnership.
    pub schools: Vec<String>,
    /// The email of the first school's head.
    pub head_email: String,
    /// The first school's head's id.
    pub head_id: String,
    /// A twelve-school partnership whose schools share nothing: its last closed cycle.
    pub quiet_cycle_id: String,
    /// The head of that partnership's first school.
    pub quiet_head_id: String,
    /// The benchmark partnership's last closed cycle.
    pub closed_cycle_id: String,
    /// The benchmark partnership's open cycle.
    pub open_cycle_id: String,
    /// Last closed cycles of other partnerships of the tenant whose schools share nothing.
    pub other_closed_cycles: Vec<String>,
    /// Every school of the tenant.
    pub tenant_schools: Vec<String>,
    /// MOUs open for signature by the first school.
    pub mou_ids: Vec<String>,
}

/// What [`seed`] wrote.
#[derive(Debug, Clone, Default)]
pub struct SeedCounts {
    /// Rows per table, in insertion order.
    pub rows: Vec<(&'static str, usize)>,
}

impl SeedCounts {
    fn add(&mut self, table: &'static str, n: usize) {
        match self.rows.iter_mut().find(|(t, _)| *t == table) {
            Some((_, m)) => *m += n,
            None => self.rows.push((table, n)),
        }
    }
}

/// The seed's dates: a fixed calendar so that the data set does not depend on the day it is
/// made. Cycle `i` runs in term `i` from autumn 2023.
const BASE: &str = "2023-09-01";

fn id(rng: &mut StdRng, prefix: &str, ms: u64) -> String {
    let u = ulid::Ulid::from_parts(ms, rng.gen());
    format!("{prefix}_{}", u.to_string().to_lowercase())
}

/// Milliseconds since the epoch of 2023-09-01, the ids' time part.
const T0: u64 = 1_693_526_400_000;

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(s: Option<&str>) -> String {
    s.map(q).unwrap_or_else(|| "NULL".into())
}

/// Timestamp literal `days` after [`BASE`] at `secs` seconds past midnight.
fn ts(days: i64, secs: u32) -> String {
    let d = chrono::NaiveDate::parse_from_str(BASE, "%Y-%m-%d").unwrap_or_default()
        + chrono::Duration::days(days);
    format!(
        "'{} {:02}:{:02}:{:02}'",
        d,
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

fn date(days: i64) -> String {
    let d = chrono::NaiveDate::parse_from_str(BASE, "%Y-%m-%d").unwrap_or_default()
        + chrono::Duration::days(days);
    format!("'{d}'")
}

/// Rows for one table, flushed as multi-row `INSERT`s.
struct Batch {
    table: &'static str,
    head: String,
    sql: String,
    n: usize,
    total: usize,
}

/// Rows per `INSERT`.
const ROWS_PER_INSERT: usize = 1000;

impl Batch {
    fn new(table: &'static str, columns: &str) -> Self {
        Batch {
            table,
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            sql: String::new(),
            n: 0,
            total: 0,
        }
    }

    /// Adds a row; flushes this batch when full. A batch whose rows refer to another's is
    /// added with [`Batch::child_row`] instead.
    fn row(&mut self, tx: &mut Tx<'_>, values: &[&str]) -> StoreResult<()> {
        self.push(values);
        if self.n >= ROWS_PER_INSERT {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Adds a row without flushing: the caller flushes parents first (see [`flush_full`]).
    fn child_row(&mut self, values: &[&str]) {
        self.push(values);
    }

    fn push(&mut self, values: &[&str]) {
        self.sql
            .push_str(if self.n == 0 { &self.head } else { ",\n" });
        self.sql.push('(');
        self.sql.push_str(&values.join(","));
        self.sql.push(')');
        self.n += 1;
    }

    fn flush(&mut self, tx: &mut Tx<'_>) -> StoreResult<()> {
        if self.n > 0 {
            tx.conn.batch_execute(&self.sql)?;
            self.total += self.n;
            self.n = 0;
            self.sql.clear();
        }
        Ok(())
    }
}

/// Flushes every batch, parents first, once any of them is full.
fn flush_full(tx: &mut Tx<'_>, batches: &mut [&mut Batch]) -> StoreResult<()> {
    if batches.iter().any(|b| b.n >= ROWS_PER_INSERT) {
        for b in batches.iter_mut() {
            b.flush(tx)?;
        }
    }
    Ok(())
}

/// Splits `total` over `parts` as evenly as possible; part `i`'s share.
fn share(total: usize, parts: usize, i: usize) -> usize {
    total / parts + usize::from(i < total % parts)
}

struct Member {
    school: usize,
    joined_day: i64,
}

struct Partnership {
    id: String,
    members: Vec<Member>,
    tor: String,
    dsa: String,
    cycles: Vec<String>,
}

/// The rows of one tenant, generated up front (ids and choices), then written.
struct TenantPlan {
    index: usize,
    id: String,
    slug: String,
    admin: String,
    schools: Vec<String>,
    heads: Vec<String>,
    partnerships: Vec<Partnership>,
    /// Partnerships whose schools consent to nothing (the analysis scenario's).
    quiet: Vec<usize>,
    mous: Vec<String>,
}

fn plan(spec: &SeedSpec, t: usize) -> TenantPlan {
    let mut rng = StdRng::seed_from_u64(spec.seed ^ (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let ms = T0 + t as u64 * 1000;
    let tid = id(&mut rng, "ten", ms);
    let n_schools = share(spec.schools, spec.tenants, t).max(spec.max_members);
    let schools: Vec<String> = (0..n_schools)
        .map(|_| id(&mut rng, "org", ms + 1))
        .collect();
    let heads: Vec<String> = (0..n_schools)
        .map(|_| id(&mut rng, "usr", ms + 2))
        .collect();
    let admin = id(&mut rng, "usr", ms);
    let n_parts = share(spec.partnerships, spec.tenants, t).max(2);
    let mut partnerships = Vec::with_capacity(n_parts);
    for p in 0..n_parts {
        // The first two partnerships of a tenant have the most members: the benchmark's named
        // view and its quiet twin for the aggregate-only analysis.
        let size = if p < 2 {
            spec.max_members
        } else {
            rng.gen_range(spec.min_members..=spec.max_members)
        };
        let mut chosen: Vec<usize> = Vec::with_capacity(size);
        if p < 2 {
            chosen.extend(p * size..(p + 1) * size);
        } else {
            while chosen.len() < size {
                let s = rng.gen_range(0..n_schools);
                if !chosen.contains(&s) {
                    chosen.push(s);
                }
            }
        }
        let members = chosen
            .into_iter()
            .map(|school| Member {
                school,
                joined_day: rng.gen_range(0..5),
            })
            .collect();
        let pid = id(&mut rng, "prt", ms + 10 + p as u64);
        let tor = id(&mut rng, "agr", ms + 10 + p as u64);
        let dsa = id(&mut rng, "agr", ms + 10 + p as u64);
        let cycles = (0..spec.cycles)
            .map(|c| id(&mut rng, "cyc", ms + 100_000 + c as u64 * 1000 + p as u64))
            .collect();
        partnerships.push(Partnership {
            id: pid,
            members,
            tor,
            dsa,
            cycles,
        });
    }
    let quiet = (1..n_parts).filter(|p| p % 2 == 1).collect();
    let mous = if t == 0 {
        (0..spec.mous)
            .map(|_| id(&mut rng, "agr", ms + 50_000))
            .collect()
    } else {
        Vec::new()
    };
    TenantPlan {
        index: t,
        id: tid,
        slug: format!("bench-t{t}"),
        admin,
        schools,
        heads,
        partnerships,
        quiet,
        mous,
    }
}

/// The benchmark's ids, rebuilt from the spec without touching the database.
pub fn fixture(spec: &SeedSpec) -> Fixture {
    let p = plan(spec, 0);
    let bench = &p.partnerships[0];
    let last_closed = spec.cycles.saturating_sub(2);
    let other_closed_cycles = p
        .quiet
        .iter()
        .map(|&i| p.partnerships[i].cycles[last_closed].clone())
        .collect();
    Fixture {
        tenant_id: p.id.clone(),
        tenant_slug: p.slug.clone(),
        admin_email: format!("admin@{}.example", p.slug),
        admin_id: p.admin.clone(),
        partnership_id: bench.id.clone(),
        schools: bench
            .members
            .iter()
            .map(|m| p.schools[m.school].clone())
            .collect(),
        head_email: format!("head-{}@{}.example", bench.members[0].school, p.slug),
        head_id: p.heads[bench.members[0].school].clone(),
        quiet_cycle_id: p.partnerships[1].cycles[last_closed].clone(),
        quiet_head_id: p.heads[p.partnerships[1].members[0].school].clone(),
        closed_cycle_id: bench.cycles[last_closed].clone(),
        open_cycle_id: bench.cycles[spec.cycles - 1].clone(),
        other_closed_cycles,
        tenant_schools: p.schools.clone(),
        mou_ids: p.mous.clone(),
    }
}

/// Deletes the benchmark school's signatures of the benchmark MOUs, so that the signing
/// scenario can run again.
pub fn reset_signatures(store: &Store, f: &Fixture) -> StoreResult<usize> {
    let tenant = TenantId::parse(&f.tenant_id)
        .map_err(|e| StoreError::Corrupt(format!("seed tenant id: {e}")))?;
    let org = f.schools.first().cloned().unwrap_or_default();
    store.write(&tenant, |tx| {
        use crate::schema::agreement_signatures as s;
        use diesel::prelude::*;
        let mut n = 0;
        for chunk in f.mou_ids.chunks(1000) {
            n += diesel::delete(
                s::table
                    .filter(s::tenant_id.eq(&f.tenant_id))
                    .filter(s::organisation_id.eq(&org))
                    .filter(s::agreement_id.eq_any(chunk)),
            )
            .execute(tx.conn)?;
        }
        Ok(n)
    })
}

/// Creates the roles of `deploy/postgres-roles.sql` on the server of `owner_url` (if missing) and
/// returns the URL Concord serves with: the same database as `concord_api`, a role row-level
/// security holds.
pub fn create_app_role(owner_url: &str) -> StoreResult<String> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    openssl_sys::init();
    let mut conn = diesel::pg::PgConnection::establish(owner_url)
        .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
    conn.batch_execute(include_str!("../../deploy/postgres-roles.sql"))?;
    Ok(crate::connection::with_user(
        owner_url,
        "concord_api",
        "concord-api",
    ))
}

/// Creates the PostgreSQL database named at the end of `url` if it does not exist.
pub fn create_postgres_database(url: &str) -> StoreResult<()> {
    use diesel::{Connection, RunQueryDsl};
    let name = url
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .unwrap_or("");
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Corrupt(
            "the database URL must end in a plain database name".into(),
        ));
    }
    let server = crate::connection::with_database(url, "postgres");
    openssl_sys::init();
    let mut conn = diesel::pg::PgConnection::establish(&server)
        .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Found =
        diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(&mut conn)?;
    if found.n == 0 {
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a load.
pub fn analyze(store: &Store) -> StoreResult<()> {
    store.platform(|tx| {
        tx.conn.batch_execute("ANALYZE")?;
        Ok(())
    })
}

/// Whether every tenant of the spec is in the database (a tenant is written in one transaction).
pub fn is_seeded(store: &Store, spec: &SeedSpec) -> StoreResult<bool> {
    store.platform(|tx| {
        for t in 0..spec.tenants {
            let id = plan(spec, t).id;
            let id = TenantId::parse(&id)
                .map_err(|e| StoreError::Corrupt(format!("seed tenant id: {e}")))?;
            if tx.tenant(&id)?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    })
}

/// Writes the data set; `progress` hears about each tenant. Every seeded user's password hash
/// is `password_hash` (of [`PASSWORD`]), computed once by the caller.
pub fn seed(
    store: &Store,
    spec: &SeedSpec,
    password_hash: &str,
    progress: impl FnMut(&str) + Send,
) -> StoreResult<SeedCounts> {
    if spec.cycles < 2 || spec.tenants == 0 || spec.min_members < 3 {
        return Err(StoreError::Corrupt(
            "a seed needs a tenant, two cycles and partnerships of three or more".into(),
        ));
    }
    // PostgreSQL takes the tenants two at a time (one per core here); SQLite has one writer.
    let workers = match store.backend() {
        crate::Backend::Postgres => 2,
        crate::Backend::Sqlite => 1,
    };
    let next = AtomicUsize::new(0);
    let counts = Mutex::new(SeedCounts::default());
    let progress = Mutex::new(progress);
    let results: Vec<StoreResult<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> StoreResult<()> {
                    loop {
                        let t = next.fetch_add(1, Ordering::Relaxed);
                        if t >= spec.tenants {
                            return Ok(());
                        }
                        let mut mine = SeedCounts::default();
                        let p = seed_tenant(store, spec, t, password_hash, &mut mine)?;
                        let mut all = counts.lock().unwrap_or_else(|e| e.into_inner());
                        for (table, n) in mine.rows {
                            all.add(table, n);
                        }
                        drop(all);
                        (progress.lock().unwrap_or_else(|e| e.into_inner()))(&format!(
                            "tenant {}/{}: {} schools, {} partnerships",
                            t + 1,
                            spec.tenants,
                            p.schools.len(),
                            p.partnerships.len()
                        ));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(StoreError::Corrupt("a seed worker panicked".into())))
            })
            .collect()
    });
    results.into_iter().collect::<StoreResult<Vec<()>>>()?;
    let counts = counts.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(counts)
}

fn seed_tenant(
    store: &Store,
    spec: &SeedSpec,
    t: usize,
    password_hash: &str,
    counts: &mut SeedCounts,
) -> StoreResult<TenantPlan> {
    let p = plan(spec, t);
    let tenant =
        TenantId::parse(&p.id).map_err(|e| StoreError::Corrupt(format!("seed tenant id: {e}")))?;
    if store.platform(|tx| tx.tenant(&tenant))?.is_some() {
        // Loaded by an earlier, interrupted run: each tenant is written in one transaction.
        return Ok(p);
    }
    store.write(&tenant, |tx| {
        tx.conn.batch_execute(&format!(
            "INSERT INTO tenants (id, slug, name, status, suppression_k, created_at, updated_at) \
             VALUES ({}, {}, {}, 'active', 3, {}, {})",
            q(&p.id),
            q(&p.slug),
            q(&format!("Bench tenant {t}")),
            ts(0, 0),
            ts(0, 0)
        ))?;
        counts.add("tenants", 1);
        write_tenant(tx, spec, &p, password_hash, counts)
    })?;
    Ok(p)
}

fn write_tenant(
    tx: &mut Tx<'_>,
    spec: &SeedSpec,
    p: &TenantPlan,
    password_hash: &str,
    counts: &mut SeedCounts,
) -> StoreResult<()> {
    let mut rng = StdRng::seed_from_u64(spec.seed.wrapping_add(1) ^ (p.index as u64) << 32);
    let tq = q(&p.id);
    let t0 = ts(0, 0);
    let hash = q(password_hash);

    let mut orgs = Batch::new(
        "organisations",
        "tenant_id, id, name, kind, urn, phase, school_type, la_code, partner_kind, status, \
         version, created_at, updated_at",
    );
    let phases = ["primary", "secondary", "all_through", "nursery"];
    let types = ["state", "academy", "free", "special"];
    for (i, s) in p.schools.iter().enumerate() {
        let urn = (100_000 + i).to_string();
        orgs.row(
            tx,
            &[
                &tq,
                &q(s),
                &q(&format!("School {i} of {}", p.slug)),
                "'school'",
                &q(&urn),
                &q(phases[i % phases.len()]),
                &q(types[i % types.len()]),
                &q(&format!("{}", 800 + i % 50)),
                "NULL",
                "'active'",
                "1",
                &t0,
                &t0,
            ],
        )?;
    }
    orgs.flush(tx)?;
    counts.add("organisations", orgs.total);

    let cols = "tenant_id, id, email, name, tenant_admin, status, password_hash, invitation_hash, \
                invitation_expires_at, version, created_at, updated_at";
    let mut users = Batch::new("users", cols);
    users.row(
        tx,
        &[
            &tq,
            &q(&p.admin),
            &q(&format!("admin@{}.example", p.slug)),
            "'Tenant admin'",
            "TRUE",
            "'active'",
            &hash,
            "NULL",
            "NULL",
            "1",
            &t0,
            &t0,
        ],
    )?;
    for (i, h) in p.heads.iter().enumerate() {
        users.row(
            tx,
            &[
                &tq,
                &q(h),
                &q(&format!("head-{i}@{}.example", p.slug)),
                &q(&format!("Head of school {i}")),
                "FALSE",
                "'active'",
                &hash,
                "NULL",
                "NULL",
                "1",
                &t0,
                &t0,
            ],
        )?;
    }
    users.flush(tx)?;
    counts.add("users", users.total);
    let mut ms = Batch::new(
        "memberships",
        "tenant_id, user_id, organisation_id, role, created_at",
    );
    for (h, s) in p.heads.iter().zip(&p.schools) {
        ms.row(tx, &[&tq, &q(h), &q(s), "'head'", &t0])?;
    }
    ms.flush(tx)?;
    counts.add("memberships", ms.total);

    let mut parts = Batch::new(
        "partnerships",
        "tenant_id, id, kind, name, vision, aims, status, broker_organisation_id, \
         coordinator_id, chair_id, created_by, version, created_at, updated_at",
    );
    let mut members = Batch::new(
        "partnership_members",
        "tenant_id, id, partnership_id, organisation_id, role, status, point_person_id, \
         invited_by, invited_at, joined_at, left_at, reason",
    );
    let mut agreements = Batch::new(
        "agreements",
        "tenant_id, id, partnership_id, kind, created_by, created_at",
    );
    let vcols = "tenant_id, agreement_id, number, status, title, body, review_date, end_date, \
                 effective_from, version, created_by, created_at, updated_at";
    let mut versions = Batch::new("agreement_versions", vcols);
    let mut sigs = Batch::new(
        "agreement_signatures",
        "tenant_id, agreement_id, number, organisation_id, decision, user_id, capacity, \
         reason, at",
    );
    let kinds = [
        "cluster",
        "federation",
        "learning_partnership",
        "teaching_school_alliance",
    ];
    for (pi, part) in p.partnerships.iter().enumerate() {
        let lead_head = &p.heads[part.members[0].school];
        parts.child_row(&[
            &tq,
            &q(&part.id),
            &q(kinds[pi % kinds.len()]),
            &q(&format!("Partnership {pi} of {}", p.slug)),
            "'Every school improving together'",
            "'[\"Raise attainment in reading\",\"Share leadership\"]'",
            "'active'",
            "NULL",
            &q(lead_head),
            "NULL",
            &q(&p.admin),
            "1",
            &t0,
            &t0,
        ]);
        for (mi, m) in part.members.iter().enumerate() {
            let mid = id(&mut rng, "mem", T0 + pi as u64);
            members.child_row(&[
                &tq,
                &q(&mid),
                &q(&part.id),
                &q(&p.schools[m.school]),
                if mi == 0 { "'lead'" } else { "'member'" },
                "'active'",
                "NULL",
                &q(&p.admin),
                &ts(m.joined_day, 0),
                &ts(m.joined_day, 3600),
                "NULL",
                "NULL",
            ]);
        }
        let school_ids: Vec<String> = part
            .members
            .iter()
            .map(|m| p.schools[m.school].clone())
            .collect();
        let tor = Body::Tor(TorBody {
            purpose: Some("To raise standards together".into()),
            membership: Some("The member schools' heads".into()),
            chair: Some("Elected annually".into()),
            deputy_chair: Some("The previous chair".into()),
            quorum_rule: Some("Half the heads".into()),
            voting: Some("Simple majority".into()),
            spending_limits: Some("Up to £2,000 by the chair".into()),
            meeting_frequency: Some("Twice a term".into()),
            data_sharing_protocol: Some("Under the data-sharing agreement".into()),
            review_date: chrono::NaiveDate::from_ymd_opt(2030, 7, 1),
        });
        let dsa = Body::Dsa(DsaBody {
            purpose: Some("Compare self-evaluation scores".into()),
            parties: school_ids
                .iter()
                .filter_map(|s| domain::OrganisationId::parse(s).ok())
                .map(|organisation_id| DataParty {
                    organisation_id,
                    role: DataRole::JointController,
                })
                .collect(),
            data_items: vec!["self-evaluation scores".into()],
            lawful_basis: Some(LawfulBasis::PublicTask),
            special_category_conditions: Some("None".into()),
            childrens_data: Some("No pupil-level data".into()),
            transfer_and_security: Some("Only through Concord".into()),
            retention_period: Some("Three years".into()),
            deletion: Some("At the end of the retention period".into()),
            subject_rights_contact: Some("dpo@example.org".into()),
            breach_contact: Some("dpo@example.org".into()),
            review_date: chrono::NaiveDate::from_ymd_opt(2030, 7, 1),
            end_date: chrono::NaiveDate::from_ymd_opt(2031, 8, 31),
        });
        for (aid, kind, body, title) in [
            (&part.tor, "terms_of_reference", &tor, "Terms of reference"),
            (
                &part.dsa,
                "data_sharing_agreement",
                &dsa,
                "Data-sharing agreement",
            ),
        ] {
            agreements.child_row(&[&tq, &q(aid), &q(&part.id), &q(kind), &q(&p.admin), &t0]);
            versions.child_row(&[
                &tq,
                &q(aid),
                "1",
                "'in_force'",
                &q(title),
                &q(&body_json(body)),
                &opt(body.review_date().map(|d| d.to_string()).as_deref()),
                &opt(body.end_date().map(|d| d.to_string()).as_deref()),
                &date(10),
                "1",
                &q(&p.admin),
                &t0,
                &t0,
            ]);
            for m in &part.members {
                sigs.child_row(&[
                    &tq,
                    &q(aid),
                    "1",
                    &q(&p.schools[m.school]),
                    "'signed'",
                    &q(&p.heads[m.school]),
                    "'head'",
                    "NULL",
                    &ts(6 + m.joined_day, 7200),
                ]);
            }
        }
        flush_full(
            tx,
            &mut [
                &mut parts,
                &mut members,
                &mut agreements,
                &mut versions,
                &mut sigs,
            ],
        )?;
        if pi == 0 {
            for (i, mou) in p.mous.iter().enumerate() {
                let body = Body::Mou(MouBody {
                    aims: vec![format!("Joint project {i}")],
                    parties: school_ids[..2]
                        .iter()
                        .filter_map(|s| domain::OrganisationId::parse(s).ok())
                        .collect(),
                    contributions: Vec::new(),
                    start_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
                    end_date: chrono::NaiveDate::from_ymd_opt(2030, 8, 31),
                    governance: Some("Heads meet".into()),
                    meeting_cycle: Some("Half-termly".into()),
                    success_measures: vec!["Reading up".into()],
                    review_date: chrono::NaiveDate::from_ymd_opt(2029, 6, 30),
                    not_legally_binding: true,
                });
                agreements.child_row(&[&tq, &q(mou), &q(&part.id), "'mou'", &q(&p.admin), &t0]);
                versions.child_row(&[
                    &tq,
                    &q(mou),
                    "1",
                    "'open_for_signature'",
                    &q(&format!("MOU {i}")),
                    &q(&body_json(&body)),
                    &opt(body.review_date().map(|d| d.to_string()).as_deref()),
                    &opt(body.end_date().map(|d| d.to_string()).as_deref()),
                    "NULL",
                    "2",
                    &q(&p.admin),
                    &t0,
                    &t0,
                ]);
                flush_full(
                    tx,
                    &mut [
                        &mut parts,
                        &mut members,
                        &mut agreements,
                        &mut versions,
                        &mut sigs,
                    ],
                )?;
            }
        }
    }
    for b in [
        &mut parts,
        &mut members,
        &mut agreements,
        &mut versions,
        &mut sigs,
    ] {
        b.flush(tx)?;
        counts.add(b.table, b.total);
    }

    write_consents(tx, spec, p, &mut rng, counts)?;
    write_cycles(tx, spec, p, &mut rng, counts)
}

fn write_consents(
    tx: &mut Tx<'_>,
    spec: &SeedSpec,
    p: &TenantPlan,
    rng: &mut StdRng,
    counts: &mut SeedCounts,
) -> StoreResult<()> {
    let tq = q(&p.id);
    let quota = share(spec.consents, spec.tenants, p.index);
    let mut consents = Batch::new(
        "consents",
        "tenant_id, id, grantor_id, grantee_kind, grantee_id, categories, purpose, dsa_id, \
         valid_from, valid_until, granted_by, granted_at, revoked_at, revoked_by, \
         revoke_reason, expiry_recorded",
    );
    let mut written = 0;
    let slots: Vec<(usize, usize)> = p
        .partnerships
        .iter()
        .enumerate()
        .flat_map(|(pi, part)| part.members.iter().map(move |m| (pi, m.school)))
        .collect();
    // Active consents: every school of the benchmark partnership but the first, none in the
    // quiet partnerships, about half of the other memberships.
    for &(pi, school) in &slots {
        if written >= quota {
            break;
        }
        let active = if pi == 0 {
            school != p.partnerships[0].members[0].school
        } else if p.quiet.contains(&pi) {
            false
        } else {
            rng.gen_bool(0.5)
        };
        if !active {
            continue;
        }
        let part = &p.partnerships[pi];
        let categories = if rng.gen_bool(0.5) || pi == 0 {
            r#"'["evaluation_scores","evaluation_narrative"]'"#
        } else {
            r#"'["evaluation_scores"]'"#
        };
        consents.row(
            tx,
            &[
                &tq,
                &q(&id(rng, "cns", T0 + 1)),
                &q(&p.schools[school]),
                "'partnership'",
                &q(&part.id),
                categories,
                "'Compare and support'",
                &q(&part.dsa),
                &date(20),
                "NULL",
                &q(&p.heads[school]),
                &ts(20, 0),
                "NULL",
                "NULL",
                "NULL",
                "FALSE",
            ],
        )?;
        written += 1;
    }
    // History to the quota: consents granted and later revoked, from schools outside the quiet
    // partnerships.
    let loud: Vec<&(usize, usize)> = slots
        .iter()
        .filter(|(pi, _)| !p.quiet.contains(pi))
        .collect();
    while written < quota && !loud.is_empty() {
        let &&(pi, school) = &loud[rng.gen_range(0..loud.len())];
        let part = &p.partnerships[pi];
        consents.row(
            tx,
            &[
                &tq,
                &q(&id(rng, "cns", T0)),
                &q(&p.schools[school]),
                "'partnership'",
                &q(&part.id),
                r#"'["evaluation_scores"]'"#,
                "'Compare and support'",
                "NULL",
                &date(15),
                "NULL",
                &q(&p.heads[school]),
                &ts(15, 0),
                &ts(18, 0),
                &q(&p.heads[school]),
                "'Superseded'",
                "FALSE",
            ],
        )?;
        written += 1;
    }
    consents.flush(tx)?;
    counts.add("consents", consents.total);
    Ok(())
}

fn write_cycles(
    tx: &mut Tx<'_>,
    spec: &SeedSpec,
    p: &TenantPlan,
    rng: &mut StdRng,
    counts: &mut SeedCounts,
) -> StoreResult<()> {
    let tq = q(&p.id);
    let def = default_framework();
    let criteria: Vec<&str> = def
        .areas
        .iter()
        .flat_map(|a| a.sub_themes.iter())
        .flat_map(|s| s.criteria.iter().map(|c| c.code.as_str()))
        .collect();
    let narratives: Vec<Narrative> = def
        .areas
        .iter()
        .map(|a| Narrative {
            area: a.code.clone(),
            strengths: "Leaders share a clear ambition".into(),
            areas_for_development: "Involve more staff".into(),
        })
        .collect();
    let narratives = q(&serde_json::to_string(&narratives).unwrap_or_else(|_| "[]".into()));
    let mut cycles = Batch::new(
        "cycles",
        "tenant_id, id, partnership_id, title, framework_id, framework_version, opens_at, \
         closes_at, status, version, created_at",
    );
    let mut subs = Batch::new(
        "submissions",
        "tenant_id, cycle_id, organisation_id, status, narratives, version, submitted_at, \
         submitted_by, updated_at",
    );
    let mut scores = Batch::new(
        "submission_scores",
        "tenant_id, cycle_id, organisation_id, criterion, school_score, partnership_score, \
         not_yet_evidenced, evidence",
    );
    let terms = ["Autumn", "Spring", "Summer"];
    let mut line = String::new();
    for part in &p.partnerships {
        for (ci, cid) in part.cycles.iter().enumerate() {
            let open = ci + 1 == spec.cycles;
            let start = 30 + 120 * ci as i64;
            cycles.child_row(&[
                &tq,
                &q(cid),
                &q(&part.id),
                &q(&format!("{} {}", terms[ci % 3], 2023 + (ci + 1) / 3)),
                &q(DEFAULT_FRAMEWORK_ID),
                "1",
                &ts(start, 0),
                &if open {
                    "'2099-12-31 00:00:00'".to_owned()
                } else {
                    ts(start + 60, 0)
                },
                if open { "'open'" } else { "'closed'" },
                "3",
                &ts(start - 1, ci as u32),
            ]);
            for m in &part.members {
                let school = q(&p.schools[m.school]);
                subs.child_row(&[
                    &tq,
                    &q(cid),
                    &school,
                    if open { "'draft'" } else { "'submitted'" },
                    &narratives,
                    if open { "1" } else { "2" },
                    &if open {
                        "NULL".to_owned()
                    } else {
                        ts(start + 50, 0)
                    },
                    &if open {
                        "NULL".to_owned()
                    } else {
                        q(&p.heads[m.school])
                    },
                    &ts(start + 50, 0),
                ]);
                let bias = rng.gen_range(0..2);
                for c in &criteria {
                    line.clear();
                    let _ = write!(line, "{}", (rng.gen_range(1..=3) + bias).min(4));
                    let partnership = rng.gen_range(1..=4).to_string();
                    scores.child_row(&[
                        &tq,
                        &q(cid),
                        &school,
                        &q(c),
                        &line,
                        &partnership,
                        "FALSE",
                        "NULL",
                    ]);
                }
                flush_full(tx, &mut [&mut cycles, &mut subs, &mut scores])?;
            }
        }
    }
    for b in [&mut cycles, &mut subs, &mut scores] {
        b.flush(tx)?;
        counts.add(b.table, b.total);
    }
    Ok(())
}
