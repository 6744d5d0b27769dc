//! Every benchmark scenario's queries can be served by an index, and the analysis reads only
//! its own cycle's rows (PostgreSQL only: set `CONCORD_TEST_DATABASE_URL`).
//!
//! The test seeds the benchmark's small data set, runs `ANALYZE`, replays each scenario's
//! repository calls while capturing the SQL they send, and `EXPLAIN`s every statement that
//! reads. On a data set this small a sequential scan is often the cheaper plan, so the plans are
//! made with `enable_seqscan = off`: a `Seq Scan` that remains means that no index can serve the
//! query, which is what would hurt at full size.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::{Connection, RunQueryDsl};
use domain::agreement::AgreementKind;
use domain::{AgreementId, CycleId, OrganisationId, PartnershipId, TenantId, UserId};
use persistence::seed::{self, SeedSpec};
use persistence::test_support::{capture_sql, fresh_database};
use persistence::{ConsentFilter, Store, StoreOptions, StoreResult, Tx};

/// Tables that grow with the data set.
const BIG: &[&str] = &[
    "organisations",
    "users",
    "memberships",
    "partnership_members",
    "agreements",
    "agreement_versions",
    "agreement_signatures",
    "consents",
    "cycles",
    "submissions",
    "submission_scores",
    "access_events",
    "audit_events",
];

/// Splits diesel's debug bind list at top-level commas.
fn split_binds(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted, mut escaped) =
        (Vec::new(), String::new(), 0, false, false);
    for ch in s.chars() {
        if quoted {
            cur.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                quoted = false;
            }
            continue;
        }
        match ch {
            '"' => {
                quoted = true;
                cur.push(ch);
            }
            '[' | '(' => {
                depth += 1;
                cur.push(ch);
            }
            ']' | ')' => {
                depth -= 1;
                cur.push(ch);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur).trim().to_owned()),
            _ => cur.push(ch),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

/// One bind value as an SQL literal.
fn literal(v: &str) -> String {
    if v == "None" {
        return "NULL".into();
    }
    if let Some(inner) = v.strip_prefix("Some(").and_then(|r| r.strip_suffix(')')) {
        return literal(inner);
    }
    if let Some(inner) = v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let items: Vec<String> = split_binds(inner).iter().map(|i| literal(i)).collect();
        return format!("ARRAY[{}]::text[]", items.join(","));
    }
    if let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        let text = inner.replace("\\\"", "\"").replace("\\\\", "\\");
        return format!("'{}'", text.replace('\'', "''"));
    }
    if v == "true" || v == "false" || v.parse::<f64>().is_ok() {
        return v.into();
    }
    format!("'{}'", v.replace('\'', "''"))
}

/// The statement with its binds written in.
fn inline(debug: &str) -> String {
    let (sql, binds) = debug.split_once(" -- binds: ").unwrap_or((debug, "[]"));
    let binds = binds
        .trim()
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or("");
    let values = split_binds(binds);
    let mut out = sql.to_owned();
    for (i, v) in values.iter().enumerate().rev() {
        out = out.replace(&format!("${}", i + 1), &literal(v));
    }
    out
}

fn nodes<'a>(plan: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    out.push(plan);
    if let Some(children) = plan["Plans"].as_array() {
        for c in children {
            nodes(c, out);
        }
    }
}

/// Explains every reading statement; returns the problems found.
fn check(conn: &mut diesel::pg::PgConnection, scenario: &str, sql: &[String]) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Plan {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        plan: String,
    }
    let mut problems = Vec::new();
    let mut explained = 0;
    for stmt in sql {
        let s = inline(stmt);
        let head = s.trim_start().to_ascii_uppercase();
        if head.starts_with("INSERT") || head.contains("SET_CONFIG") {
            continue;
        }
        let rows: Vec<Plan> = diesel::sql_query(format!("EXPLAIN (FORMAT JSON) {s}"))
            .load(conn)
            .unwrap_or_else(|e| panic!("{scenario}: EXPLAIN {s}: {e}"));
        explained += 1;
        let v: serde_json::Value = serde_json::from_str(&rows[0].plan).unwrap();
        let mut all = Vec::new();
        nodes(&v[0]["Plan"], &mut all);
        for n in all {
            let rel = n["Relation Name"].as_str().unwrap_or("");
            let kind = n["Node Type"].as_str().unwrap_or("");
            if kind == "Seq Scan" && BIG.contains(&rel) {
                problems.push(format!("{scenario}: Seq Scan on {rel} in {s}"));
            }
            if matches!(rel, "submissions" | "submission_scores")
                && kind.contains("Scan")
                && !["Index Cond", "Recheck Cond"]
                    .iter()
                    .any(|k| n[*k].as_str().is_some_and(|c| c.contains("cycle_id")))
            {
                problems.push(format!(
                    "{scenario}: {rel} is not reached by its cycle in {s}"
                ));
            }
        }
    }
    assert!(explained > 0, "{scenario}: no statement was explained");
    problems
}

type Scenario = Box<dyn Fn(&mut Tx<'_>) -> StoreResult<()>>;

#[test]
fn every_scenario_uses_indexes_on_postgres() {
    let Ok(server) = std::env::var("CONCORD_TEST_DATABASE_URL") else {
        eprintln!("CONCORD_TEST_DATABASE_URL is not set: query plans skipped");
        return;
    };
    if !server.starts_with("postgres") {
        eprintln!("CONCORD_TEST_DATABASE_URL is not PostgreSQL: query plans skipped");
        return;
    }
    let url = fresh_database(Some(&server));
    let store = Store::connect(&url, &StoreOptions::default()).expect("connect");
    let spec = SeedSpec::small(7);
    seed::seed(&store, &spec, "not-a-real-hash", |_| {}).expect("seed");
    seed::analyze(&store).expect("analyze");
    let fx = seed::fixture(&spec);
    let tenant = TenantId::parse(&fx.tenant_id).unwrap();
    let head = UserId::parse(&fx.head_id).unwrap();
    let school = OrganisationId::parse(&fx.schools[0]).unwrap();
    let partnership = PartnershipId::parse(&fx.partnership_id).unwrap();
    let closed = CycleId::parse(&fx.closed_cycle_id).unwrap();
    let open = CycleId::parse(&fx.open_cycle_id).unwrap();
    let mou = AgreementId::parse(&fx.mou_ids[0]).unwrap();

    let principal = {
        let head = head.clone();
        move |tx: &mut Tx<'_>| -> StoreResult<()> {
            tx.user_principal(&head)?;
            Ok(())
        }
    };
    let analysis = {
        let principal = principal.clone();
        move |tx: &mut Tx<'_>, id: &CycleId| -> StoreResult<()> {
            principal(tx)?;
            let c = tx.cycle(id)?.unwrap();
            tx.partnership(&c.partnership)?;
            tx.members(&c.partnership, true)?;
            for kind in [
                AgreementKind::TermsOfReference,
                AgreementKind::DataSharingAgreement,
            ] {
                tx.in_force_signers(&c.partnership, kind)?;
            }
            tx.current_tenant()?;
            let subs = tx.submissions(&c.id)?;
            let ids: Vec<&OrganisationId> = subs.iter().map(|s| &s.organisation).collect();
            tx.organisation_names(&ids)?;
            for s in &subs {
                for consent in tx.list_consents(&ConsentFilter {
                    grantor: Some(s.organisation.clone()),
                    ..ConsentFilter::default()
                })? {
                    if let Some(dsa) = consent.dsa {
                        if let Some(a) = tx.agreement(&dsa)? {
                            tx.members(&a.partnership, false)?;
                        }
                    }
                }
            }
            for earlier in tx.list_cycles(&c.partnership)? {
                tx.submissions(&earlier.id)?;
            }
            Ok(())
        }
    };
    let scenarios: Vec<(&str, Scenario)> = vec![
        ("GET a school", {
            let (p, school) = (principal.clone(), school.clone());
            Box::new(move |tx| {
                p(tx)?;
                tx.organisation(&school)?;
                Ok(())
            })
        }),
        ("partnership overview", {
            let (p, id) = (principal.clone(), partnership.clone());
            Box::new(move |tx| {
                p(tx)?;
                tx.partnership(&id)?;
                let stints = tx.members(&id, true)?;
                let orgs: Vec<_> = stints.iter().map(|m| &m.organisation).collect();
                tx.organisation_names(&orgs)?;
                tx.user_names(&[&head])?;
                tx.count_agreements(&id)?;
                tx.count_cycles(&id)?;
                Ok(())
            })
        }),
        ("analysis and named scores", {
            let (a, id) = (analysis.clone(), closed.clone());
            Box::new(move |tx| a(tx, &id))
        }),
        ("save a submission", {
            let (p, id, school) = (principal.clone(), open.clone(), school.clone());
            Box::new(move |tx| {
                p(tx)?;
                let c = tx.cycle(&id)?.unwrap();
                tx.members(&c.partnership, true)?;
                let mut s = tx.submission(&c.id, &school)?.unwrap();
                let v = s.version;
                tx.save_submission(&mut s, v)?;
                Ok(())
            })
        }),
        ("sign an agreement", {
            let (p, id) = (principal.clone(), mou.clone());
            Box::new(move |tx| {
                p(tx)?;
                tx.lock_agreement(&id)?;
                let a = tx.agreement(&id)?.unwrap();
                tx.partnership(&a.partnership)?;
                tx.members(&a.partnership, true)?;
                tx.versions(&a)?;
                tx.signatures(&id, 1)?;
                Ok(())
            })
        }),
    ];

    let mut conn = diesel::pg::PgConnection::establish(&url).expect("connect for EXPLAIN");
    diesel::sql_query("SET enable_seqscan = off")
        .execute(&mut conn)
        .unwrap();
    let mut problems = Vec::new();
    for (name, f) in &scenarios {
        let ((), sql) = capture_sql(&store, &tenant, |tx| f(tx)).expect(name);
        problems.extend(check(&mut conn, name, &sql));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
