//! Driving `oha` and reading its JSON summary.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use persistence::seed::Fixture;
use persistence::Backend;

/// One scenario: what Concord is asked, at what rate, and the baseline's equivalent.
pub struct Scenario {
    /// Shown in the table.
    pub name: &'static str,
    /// Requests per second of the open-model run.
    pub rate: u32,
    /// HTTP method.
    pub method: &'static str,
    /// Concord's path: a regular expression when it holds `(`.
    pub path: String,
    /// Bearer token.
    pub token: String,
    /// JSON body.
    pub body: Option<String>,
    /// Extra headers.
    pub headers: Vec<String>,
    /// The baseline's path (same method), if the scenario has one.
    pub baseline: Option<String>,
    /// Whether each run first deletes the benchmark signatures.
    pub resets_signatures: bool,
    /// Most requests of a closed-model run (writes that use up their targets).
    pub max_requests: Option<u32>,
    /// Another scenario run at the same time (the SQLite read/write mix).
    pub alongside: Option<Box<Scenario>>,
}

/// One oha run's figures.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Requests per second achieved.
    pub rps: f64,
    /// Median latency, ms.
    pub p50: f64,
    /// 99th percentile latency, ms.
    pub p99: f64,
    /// Non-2xx responses and connection errors.
    pub errors: u64,
    /// 5xx responses.
    pub server_errors: u64,
    /// 409 responses (a repeated pick of an already signed MOU).
    pub conflicts: u64,
    /// Each non-2xx status and transport error with its count, e.g. `412×3`.
    pub codes: Vec<String>,
}

/// The figures of one scenario: open model at its rate, closed model (most throughput), and the
/// baseline's closed model.
pub struct Row<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// At the fixed rate.
    pub rated: Outcome,
    /// The rate run of the scenario alongside, if any.
    pub alongside: Option<Outcome>,
    /// Concord at most throughput.
    pub max: Option<Outcome>,
    /// The baseline at most throughput.
    pub baseline: Option<Outcome>,
}

/// The oha binary: on the PATH, in cargo's bin directory, or installed now.
pub fn ensure_installed() -> anyhow::Result<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|d| d.join("bin").join("oha"));
    let candidates = [Some(PathBuf::from("oha")), cargo_bin.clone()];
    for c in candidates.iter().flatten() {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Ok(c.clone());
        }
    }
    super::say("oha not found: cargo install oha --locked (a few minutes, once)…");
    let status = Command::new("cargo")
        .args(["install", "oha", "--locked"])
        .status()
        .context("running cargo install oha")?;
    anyhow::ensure!(status.success(), "cargo install oha failed");
    cargo_bin.context("no cargo bin directory")
}

/// The CPU's model name from /proc/cpuinfo, with the number of logical CPUs.
pub fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("an unknown CPU")
        .to_owned();
    let n = info.lines().filter(|l| l.starts_with("processor")).count();
    format!("{model} ({n} logical CPUs)")
}

fn alternation(ids: &[String]) -> String {
    format!("({})", ids.join("|"))
}

fn save_body() -> String {
    let scores: Vec<serde_json::Value> = super::baseline::scores()
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "criterion": s.criterion,
                "school_score": s.school,
                "partnership_score": s.partnership,
                "not_yet_evidenced": false,
            })
        })
        .collect();
    serde_json::json!({ "scores": scores, "narratives": [] }).to_string()
}

/// The scenarios for `backend`.
pub fn scenarios(
    fx: &Fixture,
    backend: Backend,
    admin: &str,
    head: &str,
    quiet_head: &str,
) -> Vec<Scenario> {
    let t = &fx.tenant_id;
    let school = fx.schools[0].clone();
    let schools = alternation(&fx.tenant_schools[..fx.tenant_schools.len().min(400)]);
    let get_school = |rate: u32| Scenario {
        name: "GET a school",
        rate,
        method: "GET",
        path: format!("/v1/organisations/{schools}"),
        token: admin.into(),
        body: None,
        headers: Vec::new(),
        baseline: Some(format!("/_baseline/school/{t}/{schools}")),
        resets_signatures: false,
        max_requests: None,
        alongside: None,
    };
    let save = |rate: u32| Scenario {
        name: "save a submission",
        rate,
        method: "PUT",
        path: format!("/v1/cycles/{}/submissions/{school}", fx.open_cycle_id),
        token: head.into(),
        body: Some(save_body()),
        headers: vec!["If-Match: *".into()],
        baseline: Some(format!("/_baseline/save/{t}/{}/{school}", fx.open_cycle_id)),
        resets_signatures: false,
        max_requests: None,
        alongside: None,
    };
    if backend == Backend::Sqlite {
        let mut read = get_school(900);
        read.name = "90/10 mix: GET a school";
        read.baseline = None;
        let mut write = save(100);
        write.name = "90/10 mix: save a submission";
        write.baseline = None;
        read.alongside = Some(Box::new(write));
        return vec![get_school(1000), read];
    }
    // Arguments are limited to 128 KiB each: 3,000 MOU ids fit.
    let mous = alternation(&fx.mou_ids[..fx.mou_ids.len().min(3000)]);
    vec![
        get_school(1000),
        Scenario {
            name: "partnership overview (head)",
            rate: 200,
            method: "GET",
            path: format!("/v1/partnerships/{}/overview", fx.partnership_id),
            token: head.into(),
            body: None,
            headers: Vec::new(),
            baseline: Some(format!("/_baseline/overview/{t}/{}", fx.partnership_id)),
            resets_signatures: false,
            max_requests: None,
            alongside: None,
        },
        Scenario {
            name: "analysis, 12 schools, same cycle",
            rate: 50,
            method: "GET",
            path: format!("/v1/cycles/{}/analysis", fx.quiet_cycle_id),
            token: quiet_head.into(),
            body: None,
            headers: Vec::new(),
            baseline: Some(format!("/_baseline/analysis/{t}/{}", fx.quiet_cycle_id)),
            resets_signatures: false,
            max_requests: None,
            alongside: None,
        },
        Scenario {
            name: "analysis, rotating cycles (admin)",
            rate: 50,
            method: "GET",
            path: format!(
                "/v1/cycles/{}/analysis",
                alternation(&fx.other_closed_cycles)
            ),
            token: admin.into(),
            body: None,
            headers: Vec::new(),
            baseline: Some(format!(
                "/_baseline/analysis/{t}/{}",
                alternation(&fx.other_closed_cycles)
            )),
            resets_signatures: false,
            max_requests: None,
            alongside: None,
        },
        Scenario {
            name: "named scores (11 consents)",
            rate: 50,
            method: "GET",
            path: format!("/v1/cycles/{}/analysis", fx.closed_cycle_id),
            token: head.into(),
            body: None,
            headers: Vec::new(),
            baseline: Some(format!("/_baseline/named/{t}/{}", fx.closed_cycle_id)),
            resets_signatures: false,
            max_requests: None,
            alongside: None,
        },
        save(300),
        Scenario {
            name: "sign an agreement",
            rate: 50,
            method: "POST",
            path: format!("/v1/agreements/{mous}/versions/1/sign"),
            token: head.into(),
            body: Some(serde_json::json!({ "organisation_id": school }).to_string()),
            headers: Vec::new(),
            baseline: Some(format!(
                "/_baseline/sign/{t}/{mous}/{school}/{}",
                fx.head_id
            )),
            resets_signatures: true,
            max_requests: Some(1000),
            alongside: None,
        },
    ]
}

fn args(sc: &Scenario, port: u16, path: &str, duration: u64, rate: Option<u32>) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "--no-tui".into(),
        "--output-format".into(),
        "json".into(),
        "-m".into(),
        sc.method.into(),
    ];
    match (rate, sc.max_requests) {
        (None, Some(n)) => a.extend(["-n".into(), n.to_string()]),
        _ => a.extend(["-z".into(), format!("{duration}s")]),
    }
    match rate {
        Some(r) => a.extend([
            "-q".into(),
            r.to_string(),
            "-c".into(),
            "64".into(),
            "--latency-correction".into(),
        ]),
        None => a.extend(["-c".into(), "16".into()]),
    }
    a.extend(["-H".into(), format!("Authorization: Bearer {}", sc.token)]);
    for h in &sc.headers {
        a.extend(["-H".into(), h.clone()]);
    }
    if let Some(b) = &sc.body {
        a.extend([
            "-T".into(),
            "application/json".into(),
            "-d".into(),
            b.clone(),
        ]);
    }
    if path.contains('(') {
        // oha takes the scheme and host literally; only the path is a pattern.
        a.push("--rand-regex-url".into());
    }
    a.push(format!("http://127.0.0.1:{port}{path}"));
    a
}

fn parse(json: &str) -> anyhow::Result<Outcome> {
    let v: serde_json::Value = serde_json::from_str(json).context("oha's JSON output")?;
    let ms = |x: &serde_json::Value| x.as_f64().unwrap_or(0.0) * 1000.0;
    let codes = v["statusCodeDistribution"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let count = |f: &dyn Fn(u16) -> bool| -> u64 {
        codes
            .iter()
            .filter(|(k, _)| k.parse::<u16>().is_ok_and(f))
            .map(|(_, n)| n.as_u64().unwrap_or(0))
            .sum()
    };
    // Requests still in flight when a timed run ends are reported as "aborted due to
    // deadline": not answers, not errors.
    let transport_errors: Vec<(String, u64)> = v["errorDistribution"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !k.contains("deadline"))
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let transport: u64 = transport_errors.iter().map(|(_, n)| n).sum();
    let mut codes: Vec<String> = codes
        .iter()
        .filter(|(k, _)| !k.starts_with('2'))
        .map(|(k, n)| format!("{k}×{}", n.as_u64().unwrap_or(0)))
        .collect();
    codes.extend(transport_errors.iter().map(|(k, n)| format!("{k}×{n}")));
    Ok(Outcome {
        rps: v["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        p50: ms(&v["latencyPercentiles"]["p50"]),
        p99: ms(&v["latencyPercentiles"]["p99"]),
        errors: count(&|c| !(200..300).contains(&c)) + transport,
        server_errors: count(&|c| c >= 500),
        conflicts: count(&|c| c == 409),
        codes,
    })
}

async fn once(
    oha: &Path,
    sc: &Scenario,
    port: u16,
    path: &str,
    duration: u64,
    rate: Option<u32>,
) -> anyhow::Result<Outcome> {
    let oha = oha.to_path_buf();
    let a = args(sc, port, path, duration, rate);
    let out = tokio::task::spawn_blocking(move || Command::new(oha).args(&a).output()).await??;
    anyhow::ensure!(
        out.status.success(),
        "oha failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// Runs one scenario at its rate (with its companion, if any), then Concord and the baseline at
/// most throughput; `reset` runs before each write run that uses up its targets.
pub async fn run<F>(
    oha: &Path,
    sc: &Scenario,
    port: u16,
    bport: u16,
    duration: u64,
    reset: F,
) -> anyhow::Result<(Outcome, Option<Outcome>, Option<Outcome>, Option<Outcome>)>
where
    F: Fn() -> anyhow::Result<()>,
{
    if sc.resets_signatures {
        reset()?;
    }
    let (rated, alongside) = match &sc.alongside {
        Some(other) => {
            let (a, b) = futures_util::future::join(
                once(oha, sc, port, &sc.path, duration, Some(sc.rate)),
                once(oha, other, port, &other.path, duration, Some(other.rate)),
            )
            .await;
            (a?, Some(b?))
        }
        None => (
            once(oha, sc, port, &sc.path, duration, Some(sc.rate)).await?,
            None,
        ),
    };
    let Some(bpath) = &sc.baseline else {
        let max = if sc.alongside.is_none() {
            Some(once(oha, sc, port, &sc.path, duration, None).await?)
        } else {
            None
        };
        return Ok((rated, alongside, max, None));
    };
    if sc.resets_signatures {
        reset()?;
    }
    let max = once(oha, sc, port, &sc.path, duration, None).await?;
    if sc.resets_signatures {
        reset()?;
    }
    let base = once(oha, sc, bport, bpath, duration, None).await?;
    Ok((rated, alongside, Some(max), Some(base)))
}

fn line(
    name: &str,
    rate: u32,
    o: &Outcome,
    max: Option<&Outcome>,
    base: Option<&Outcome>,
) -> String {
    let dash = || "-".to_owned();
    format!(
        "| {name:<34} | {rate:>5} | {:>8.0} | {:>7.1} | {:>7.1} | {:>6} | {:>8} | {:>8} | {:>5} |",
        o.rps,
        o.p50,
        o.p99,
        if o.conflicts > 0 && o.conflicts == o.errors {
            format!("{}*", o.errors)
        } else {
            o.errors.to_string()
        },
        max.map_or_else(dash, |m| format!("{:.0}", m.rps)),
        base.map_or_else(dash, |b| format!("{:.0}", b.rps)),
        match (max, base) {
            (Some(m), Some(b)) if b.rps > 0.0 => format!("{:.2}", m.rps / b.rps),
            _ => dash(),
        }
    )
}

/// The report: one line per scenario (two for a mix).
pub fn table(rows: &[Row<'_>]) -> String {
    let mut out = String::from(
        "| scenario                           |  rate | achieved | p50 ms  | p99 ms  | errors |  max rps | base rps | ratio |\n\
         |------------------------------------|------:|---------:|--------:|--------:|-------:|---------:|---------:|------:|\n",
    );
    for r in rows {
        out.push_str(&line(
            r.scenario.name,
            r.scenario.rate,
            &r.rated,
            r.max.as_ref(),
            r.baseline.as_ref(),
        ));
        out.push('\n');
        if let (Some(other), Some(o)) = (&r.scenario.alongside, &r.alongside) {
            out.push_str(&line(other.name, other.rate, o, None, None));
            out.push('\n');
        }
    }
    for r in rows {
        let runs = [
            ("rate", Some(&r.rated)),
            ("mix", r.alongside.as_ref()),
            ("max", r.max.as_ref()),
            ("baseline", r.baseline.as_ref()),
        ];
        for (run, o) in runs {
            if let Some(o) = o.filter(|o| !o.codes.is_empty()) {
                out.push_str(&format!(
                    "{} ({run}): {}\n",
                    r.scenario.name,
                    o.codes.join(", ")
                ));
            }
        }
    }
    let server_errors: u64 = rows
        .iter()
        .map(|r| {
            r.rated.server_errors
                + r.alongside.as_ref().map_or(0, |o| o.server_errors)
                + r.max.as_ref().map_or(0, |o| o.server_errors)
        })
        .sum();
    out.push_str(&format!(
        "\nrate/achieved/p50/p99/errors: open model at the fixed rate (latency corrected for \
         coordinated omission); max rps: 16 connections, closed model; base rps: the same \
         queries without auth, visibility or JSON (baseline listener); ratio = max / base.\n\
         5xx responses over all Concord runs: {server_errors}. \
         errors marked * are all 409s: a repeated random pick of an MOU already signed.\n"
    ));
    out
}
