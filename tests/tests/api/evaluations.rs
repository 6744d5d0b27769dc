//! Evaluations: the built-in and tenant frameworks, cycles (one term of one partnership),
//! submissions that stay private to their school until submitted, and the analysis: aggregates
//! suppressed below k schools (DESIGN §3 rule 6), named scores and narratives only by consent
//! (rule 5) with each read access-audited (rule 8), as JSON, CSV and SVG.
//!
//! Expected numbers are worked out by hand here: each school scores every criterion alike, so
//! a school's area and sub-theme means are that one score.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const DEFAULT_FRAMEWORK: &str = "fwk_00000000000000000000000001";

const DEFAULT_AREAS: [&str; 3] = [
    "Understanding and committing to our shared ambition",
    "Knowing our reality and impact",
    "Creating a learning partnership where everyone belongs and everyone thrives",
];

// ---------------------------------------------------------------------------------------------
// Small helpers.

/// An RFC 3339 timestamp `secs` seconds from now (negative: in the past).
fn at(secs: i64) -> String {
    (Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn id(r: &Reply) -> String {
    r.body["id"].as_str().expect("id").to_owned()
}

async fn put(app: &TestApp, path: &str, token: &str, if_match: Option<&str>, body: Value) -> Reply {
    let mut rb = app.request(Method::PUT, path, Some(token)).json(&body);
    if let Some(tag) = if_match {
        rb = rb.header("if-match", tag);
    }
    app.send(rb).await
}

/// `(level, code, title)` of a framework, parsed from a FrameworkVersion body.
#[derive(Clone, Debug)]
struct Fw {
    areas: Vec<AreaDef>,
}

#[derive(Clone, Debug)]
struct AreaDef {
    code: String,
    title: String,
    sub_themes: Vec<SubDef>,
}

#[derive(Clone, Debug)]
struct SubDef {
    code: String,
    title: String,
    /// `(code, dimension)`.
    criteria: Vec<(String, String)>,
}

impl Fw {
    fn parse(v: &Value) -> Fw {
        let s = |x: &Value| x.as_str().expect("string").to_owned();
        Fw {
            areas: v["areas"]
                .as_array()
                .expect("areas")
                .iter()
                .map(|a| AreaDef {
                    code: s(&a["code"]),
                    title: s(&a["title"]),
                    sub_themes: a["sub_themes"]
                        .as_array()
                        .expect("sub_themes")
                        .iter()
                        .map(|st| SubDef {
                            code: s(&st["code"]),
                            title: s(&st["title"]),
                            criteria: st["criteria"]
                                .as_array()
                                .expect("criteria")
                                .iter()
                                .map(|c| (s(&c["code"]), s(&c["dimension"])))
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn criteria(&self) -> Vec<String> {
        self.areas
            .iter()
            .flat_map(|a| a.sub_themes.iter())
            .flat_map(|s| s.criteria.iter().map(|c| c.0.clone()))
            .collect()
    }

    fn sub_theme_count(&self) -> usize {
        self.areas.iter().map(|a| a.sub_themes.len()).sum()
    }
}

/// The default framework's version 1, read as `token`.
async fn default_framework(app: &TestApp, token: &str) -> Fw {
    let r = app
        .get(
            &format!("/v1/frameworks/{DEFAULT_FRAMEWORK}/versions/1"),
            token,
        )
        .await
        .expect(200);
    Fw::parse(&r.body)
}

/// Scores giving every criterion the same two scores, except `nye` (not yet evidenced).
fn uniform(fw: &Fw, school: i64, partnership: i64, nye: &[String]) -> Vec<Value> {
    fw.criteria()
        .into_iter()
        .map(|c| {
            if nye.contains(&c) {
                json!({ "criterion": c, "school_score": null, "partnership_score": null,
                        "not_yet_evidenced": true, "evidence": null })
            } else {
                json!({ "criterion": c, "school_score": school, "partnership_score": partnership,
                        "not_yet_evidenced": false, "evidence": format!("Evidence for {c}") })
            }
        })
        .collect()
}

/// A narrative per area, marked with `tag` so its owner can be recognised.
fn narratives(fw: &Fw, tag: &str) -> Vec<Value> {
    fw.areas
        .iter()
        .map(|a| {
            json!({ "area": a.code, "strengths": format!("Strengths of {tag} in {}", a.code),
                    "areas_for_development": format!("Development of {tag} in {}", a.code) })
        })
        .collect()
}

fn sub_path(cycle: &str, org: &str) -> String {
    format!("/v1/cycles/{cycle}/submissions/{org}")
}

/// Creates a cycle on the default framework (`opens_at` a day ago) as `token`.
async fn new_cycle(app: &TestApp, token: &str, pid: &str, title: &str, closes_in: i64) -> Reply {
    app.post(
        &format!("/v1/partnerships/{pid}/cycles"),
        token,
        json!({ "title": title, "framework_id": DEFAULT_FRAMEWORK, "framework_version": 1,
                "opens_at": at(-86_400), "closes_at": at(closes_in) }),
    )
    .await
}

async fn set_status(app: &TestApp, token: &str, cycle: &str, status: &str) -> Reply {
    app.post(
        &format!("/v1/cycles/{cycle}/status"),
        token,
        json!({ "status": status }),
    )
    .await
}

/// A new open cycle on the default framework; returns its id.
async fn open_cycle(app: &TestApp, token: &str, pid: &str, title: &str, closes_in: i64) -> String {
    let c = id(&new_cycle(app, token, pid, title, closes_in)
        .await
        .expect(201));
    let r = set_status(app, token, &c, "open").await.expect(200);
    assert_eq!(r.body["status"], "open", "{}", r.text);
    c
}

/// The submission's current ETag, read as `token` (one of the school's users).
async fn etag(app: &TestApp, token: &str, cycle: &str, org: &str) -> String {
    app.get(&sub_path(cycle, org), token)
        .await
        .expect(200)
        .header("etag")
        .expect("etag")
}

/// Saves the whole draft as `token` with the current ETag (the reply is not checked).
async fn save(
    app: &TestApp,
    token: &str,
    cycle: &str,
    org: &str,
    scores: Vec<Value>,
    narr: Vec<Value>,
) -> Reply {
    let tag = etag(app, token, cycle, org).await;
    put(
        app,
        &sub_path(cycle, org),
        token,
        Some(&tag),
        json!({ "scores": scores, "narratives": narr }),
    )
    .await
}

async fn submit(app: &TestApp, token: &str, cycle: &str, org: &str) -> Reply {
    app.post_empty(&format!("{}/submit", sub_path(cycle, org)), token)
        .await
}

/// Saves uniform scores with narratives and submits, as the school's head.
async fn save_and_submit(
    app: &TestApp,
    head: &Actor,
    cycle: &str,
    org: &str,
    fw: &Fw,
    (school, partnership): (i64, i64),
    tag: &str,
) {
    save(
        app,
        &head.token,
        cycle,
        org,
        uniform(fw, school, partnership, &[]),
        narratives(fw, tag),
    )
    .await
    .expect(200);
    let r = submit(app, &head.token, cycle, org).await.expect(200);
    assert_eq!(r.body["status"], "submitted", "{}", r.text);
}

async fn analysis(app: &TestApp, token: &str, cycle: &str) -> Reply {
    app.get(&format!("/v1/cycles/{cycle}/analysis"), token)
        .await
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[track_caller]
fn close(got: &Value, want: f64, what: &str) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {got}"));
    assert!((g - want).abs() < 1e-6, "{what}: got {g}, want {want}");
}

/// A Stat over these per-school values (on the 1..4 scale), worked out here.
#[track_caller]
fn assert_stat(stat: &Value, values: &[f64], what: &str) {
    assert!(
        stat.get("suppressed").is_none() || stat["suppressed"] == false,
        "{what}: suppressed over {} schools: {stat}",
        values.len()
    );
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    assert_eq!(stat["n"], json!(n), "{what}: n in {stat}");
    close(
        &stat["mean"],
        round2(v.iter().sum::<f64>() / n as f64),
        &format!("{what} mean"),
    );
    close(&stat["median"], round2(median), &format!("{what} median"));
    close(&stat["min"], v[0], &format!("{what} min"));
    close(&stat["max"], v[n - 1], &format!("{what} max"));
    let dist = stat["distribution"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: distribution in {stat}"));
    for point in 1..=4 {
        let want = v.iter().filter(|x| x.round() as i64 == point).count();
        let got = dist
            .get(&point.to_string())
            .and_then(Value::as_u64)
            .unwrap_or(0);
        assert_eq!(
            got, want as u64,
            "{what}: distribution at {point} in {stat}"
        );
    }
    let total: u64 = dist.values().filter_map(Value::as_u64).sum();
    assert_eq!(total, n as u64, "{what}: distribution total in {stat}");
}

/// A suppressed Stat carries the reason and no numbers.
#[track_caller]
fn assert_suppressed(stat: &Value, what: &str) {
    assert_eq!(stat["suppressed"], true, "{what}: {stat}");
    let reason = stat["reason"].as_str().unwrap_or("");
    assert!(reason.starts_with("fewer than"), "{what}: reason {stat}");
    for key in ["n", "mean", "median", "min", "max", "distribution"] {
        assert!(
            stat.get(key).is_none(),
            "{what}: a suppressed stat carries no {key}: {stat}"
        );
    }
}

/// One submitted school, scoring every criterion alike except `nye`.
#[derive(Clone, Debug)]
struct Scored {
    org: String,
    school: f64,
    partnership: f64,
    nye: Vec<String>,
}

impl Scored {
    fn new(org: &str, school: i64, partnership: i64, nye: &[String]) -> Scored {
        Scored {
            org: org.to_owned(),
            school: school as f64,
            partnership: partnership as f64,
            nye: nye.to_vec(),
        }
    }

    /// Whether this school scored any of `codes`.
    fn scored_any(&self, codes: &[String]) -> bool {
        codes.iter().any(|c| !self.nye.contains(c))
    }
}

/// Checks every Stat of the analysis `a` against the submitted schools `subs`, suppressing
/// any over fewer than `k` schools.
#[track_caller]
fn check_stats(a: &Value, fw: &Fw, subs: &[Scored], k: usize) {
    let areas = a["areas"].as_array().expect("areas");
    assert_eq!(areas.len(), fw.areas.len(), "areas: {a}");
    let check = |node: &Value, codes: &[String], what: &str| {
        let who: Vec<&Scored> = subs.iter().filter(|s| s.scored_any(codes)).collect();
        for (measure, pick) in [
            ("school", (|s: &Scored| s.school) as fn(&Scored) -> f64),
            ("partnership", |s: &Scored| s.partnership),
        ] {
            let what = format!("{what} {measure}");
            if who.len() < k {
                assert_suppressed(&node[measure], &what);
            } else {
                let vals: Vec<f64> = who.iter().map(|s| pick(s)).collect();
                assert_stat(&node[measure], &vals, &what);
            }
        }
    };
    for (ad, av) in fw.areas.iter().zip(areas) {
        assert_eq!(av["code"], json!(ad.code));
        assert_eq!(av["title"], json!(ad.title));
        let area_codes: Vec<String> = ad
            .sub_themes
            .iter()
            .flat_map(|s| s.criteria.iter().map(|c| c.0.clone()))
            .collect();
        check(av, &area_codes, &format!("area {}", ad.code));
        let subs_v = av["sub_themes"].as_array().expect("sub_themes");
        assert_eq!(
            subs_v.len(),
            ad.sub_themes.len(),
            "sub-themes of {}",
            ad.code
        );
        for (sd, sv) in ad.sub_themes.iter().zip(subs_v) {
            assert_eq!(sv["code"], json!(sd.code));
            assert_eq!(sv["title"], json!(sd.title));
            let codes: Vec<String> = sd.criteria.iter().map(|c| c.0.clone()).collect();
            check(sv, &codes, &format!("sub-theme {}", sd.code));
            let crit_v = sv["criteria"].as_array().expect("criteria");
            assert_eq!(crit_v.len(), sd.criteria.len(), "criteria of {}", sd.code);
            for ((code, _), cv) in sd.criteria.iter().zip(crit_v) {
                assert_eq!(cv["code"], json!(code));
                check(cv, std::slice::from_ref(code), &format!("criterion {code}"));
            }
        }
    }
}

/// Every `own_school` of the analysis: the viewer's school's own mean scores (for itself and
/// for the partnership) and the gap between its school score and the partnership's mean school
/// score (as implemented; see the report).
#[track_caller]
fn check_own_school(a: &Value, own: Option<&Scored>, subs: &[Scored]) {
    let areas = a["areas"].as_array().expect("areas");
    let mut nodes: Vec<&Value> = Vec::new();
    for av in areas {
        nodes.push(av);
        nodes.extend(av["sub_themes"].as_array().expect("sub_themes"));
    }
    for node in nodes {
        let o = &node["own_school"];
        let what = format!("own_school of {}", node["code"]);
        match own {
            None => assert!(o.is_null(), "{what}: not a member's view: {o}"),
            Some(me) => {
                assert!(o.is_object(), "{what}: {o}");
                close(
                    &o["school_score"],
                    me.school,
                    &format!("{what} school_score"),
                );
                close(
                    &o["partnership_score"],
                    me.partnership,
                    &format!("{what} partnership_score"),
                );
                let mean = subs.iter().map(|s| s.school).sum::<f64>() / subs.len() as f64;
                close(
                    &o["gap"],
                    round2(me.school - round2(mean)),
                    &format!("{what} gap"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV and SVG.

/// Splits CSV text into records (RFC 4180 quoting).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if quoted {
            match ch {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match ch {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            c => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote in the CSV");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The analysis as CSV agrees with its JSON: a header, one row per area, sub-theme and
/// criterion per measure, suppressed rows with empty numbers.
async fn check_csv(app: &TestApp, token: &str, cycle: &str, a: &Value, fw: &Fw) {
    let r = app
        .get(&format!("/v1/cycles/{cycle}/analysis.csv"), token)
        .await
        .expect(200);
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("text/csv"), "content type {ct}");
    let rows = parse_csv(&r.text);
    assert_eq!(
        rows[0],
        vec!["level", "code", "title", "measure", "n", "mean", "median", "min", "max"],
        "{}",
        r.text
    );
    let body = &rows[1..];
    let expected_rows = 2 * (fw.areas.len() + fw.sub_theme_count() + fw.criteria().len());
    assert_eq!(body.len(), expected_rows, "{}", r.text);
    // Every Stat of the JSON by (code, measure).
    let mut stats: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut levels: BTreeMap<String, String> = BTreeMap::new();
    for av in a["areas"].as_array().expect("areas") {
        for m in ["school", "partnership"] {
            stats.insert(
                (av["code"].as_str().expect("code").into(), m.into()),
                av[m].clone(),
            );
        }
        levels.insert(av["code"].as_str().expect("code").into(), "area".into());
        for sv in av["sub_themes"].as_array().expect("sub_themes") {
            for m in ["school", "partnership"] {
                stats.insert(
                    (sv["code"].as_str().expect("code").into(), m.into()),
                    sv[m].clone(),
                );
            }
            levels.insert(
                sv["code"].as_str().expect("code").into(),
                "sub_theme".into(),
            );
            for cv in sv["criteria"].as_array().expect("criteria") {
                for m in ["school", "partnership"] {
                    stats.insert(
                        (cv["code"].as_str().expect("code").into(), m.into()),
                        cv[m].clone(),
                    );
                }
                levels.insert(
                    cv["code"].as_str().expect("code").into(),
                    "criterion".into(),
                );
            }
        }
    }
    let mut seen = BTreeSet::new();
    for row in body {
        assert_eq!(row.len(), 9, "row {row:?}");
        let key = (row[1].clone(), row[3].clone());
        let stat = stats.get(&key).unwrap_or_else(|| {
            panic!("row {row:?} names no area, sub-theme or criterion and measure")
        });
        assert!(seen.insert(key.clone()), "row {row:?} repeated");
        let level = &levels[&row[1]];
        if level == "area" {
            assert_eq!(row[0], "area", "row {row:?}");
        }
        if level == "criterion" {
            assert_eq!(row[0], "criterion", "row {row:?}");
        }
        if stat["suppressed"] == true {
            for cell in &row[4..] {
                assert!(cell.is_empty(), "a suppressed row has no numbers: {row:?}");
            }
        } else {
            assert_eq!(row[4], stat["n"].to_string(), "n of {row:?}");
            for (i, f) in [(5, "mean"), (6, "median"), (7, "min"), (8, "max")] {
                let got: f64 = row[i]
                    .parse()
                    .unwrap_or_else(|_| panic!("{f} of {row:?} is not a number"));
                close(&stat[f], got, &format!("{f} of {row:?}"));
            }
        }
    }
    let area_titles: BTreeSet<&str> = body
        .iter()
        .filter(|r| r[0] == "area")
        .map(|r| r[2].as_str())
        .collect();
    let want: BTreeSet<&str> = fw.areas.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(area_titles, want, "area titles in the CSV");
}

/// Checks that `text` is well-formed XML: balanced tags, quoted attributes, known entities.
fn assert_well_formed_xml(text: &str) {
    let s = text.trim_start_matches('\u{feff}').trim();
    assert!(
        s.starts_with("<svg") || s.starts_with("<?xml"),
        "starts with <svg or <?xml: {}",
        &s[..s.len().min(80)]
    );
    assert!(s.contains("</svg>"), "closes </svg>");
    let check_entities = |t: &str| {
        let mut rest = t;
        while let Some(i) = rest.find('&') {
            let tail = &rest[i + 1..];
            let end = tail.find(';').unwrap_or_else(|| {
                panic!("unterminated entity near {}", &tail[..tail.len().min(20)])
            });
            let name = &tail[..end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || (name.starts_with("#x") && u32::from_str_radix(&name[2..], 16).is_ok())
                || (name.starts_with('#') && name[1..].parse::<u32>().is_ok());
            assert!(ok, "unknown entity &{name};");
            rest = &tail[end + 1..];
        }
    };
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        let text_part = &rest[..lt];
        assert!(!text_part.contains('>'), "stray > in text: {text_part}");
        check_entities(text_part);
        if !stack.is_empty() || text_part.trim().is_empty() {
        } else {
            panic!("text outside the root element: {text_part}");
        }
        let tag = &rest[lt..];
        if let Some(t) = tag.strip_prefix("<!--") {
            let end = t.find("-->").expect("unterminated comment");
            rest = &t[end + 3..];
            continue;
        }
        if let Some(t) = tag.strip_prefix("<?") {
            let end = t.find("?>").expect("unterminated processing instruction");
            rest = &t[end + 2..];
            continue;
        }
        if let Some(t) = tag.strip_prefix("<![CDATA[") {
            let end = t.find("]]>").expect("unterminated CDATA");
            rest = &t[end + 3..];
            continue;
        }
        if let Some(t) = tag.strip_prefix("<!") {
            let end = t.find('>').expect("unterminated declaration");
            rest = &t[end + 1..];
            continue;
        }
        // Find the end of the tag outside quoted attribute values.
        let mut quote: Option<char> = None;
        let mut end = None;
        for (i, ch) in tag.char_indices().skip(1) {
            match (quote, ch) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), '<') => panic!("< inside an attribute value"),
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(ch),
                (None, '<') => panic!("< inside a tag: {}", &tag[..i]),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.expect("unterminated tag");
        let inner = &tag[1..end];
        check_entities(inner);
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim();
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
        } else {
            let self_closing = inner.ends_with('/');
            let name: String = inner
                .trim_end_matches('/')
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or("")
                .to_owned();
            assert!(!name.is_empty(), "a tag without a name");
            // Attributes: name="value" pairs.
            let attrs = inner.trim_end_matches('/')[name.len()..].trim();
            let mut a = attrs;
            while !a.is_empty() {
                let eq = a
                    .find('=')
                    .unwrap_or_else(|| panic!("attribute without a value in <{inner}>"));
                let an = a[..eq].trim();
                assert!(
                    !an.is_empty() && !an.contains(char::is_whitespace),
                    "attribute name in <{inner}>"
                );
                let v = a[eq + 1..].trim_start();
                let q = v.chars().next().expect("attribute value");
                assert!(q == '"' || q == '\'', "unquoted attribute in <{inner}>");
                let close_at = v[1..].find(q).expect("unterminated attribute") + 1;
                a = v[close_at + 1..].trim_start();
            }
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name);
            }
        }
        rest = &tag[end + 1..];
    }
    assert!(rest.trim().is_empty(), "text after the root element");
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots, 1, "one root element");
}

async fn check_svg(app: &TestApp, token: &str, cycle: &str) {
    let r = app
        .get(&format!("/v1/cycles/{cycle}/analysis.svg"), token)
        .await
        .expect(200);
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("image/svg+xml"), "content type {ct}");
    assert_well_formed_xml(&r.text);
}

#[test]
fn the_xml_check_accepts_svg_and_refuses_broken_markup() {
    assert_well_formed_xml(
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width='10'><!-- c --><g><rect x=\"1\" /><text>A &amp; B &#62;</text></g></svg>\n",
    );
    for bad in [
        "<svg><g></svg>",
        "<svg><text>a & b</text></svg>",
        "<svg x=1></svg>",
        "<svg></svg><svg></svg>",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_well_formed_xml(bad)).is_err(),
            "{bad}"
        );
    }
    assert_eq!(
        parse_csv("a,\"b, c\",\"d \"\"e\"\"\"\r\n1,,2\n"),
        vec![vec!["a", "b, c", "d \"e\""], vec!["1", "", "2"]]
    );
}

// ---------------------------------------------------------------------------------------------
// Frameworks.

#[tokio::test]
async fn the_default_framework_is_built_in_for_every_tenant() {
    let app = spawn_app().await;
    let t = app.new_tenant("fwk-default").await;
    let s = app.school(&t, "Lone School", "141001").await;
    let staff = app
        .user(&t, "staff@fwk-default.example", &[(&s, "staff")], false)
        .await;
    for token in [&t.admin.token, &staff.token] {
        let r = app.get("/v1/frameworks", token).await.expect(200);
        let list = items(&r);
        let d = list
            .iter()
            .find(|f| f["id"] == DEFAULT_FRAMEWORK)
            .unwrap_or_else(|| panic!("the default is listed: {}", r.text));
        assert_eq!(d["builtin"], true);
        assert!(d["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert_eq!(
            d["versions"],
            json!([{ "number": 1, "status": "published" }])
        );
    }

    let r = app
        .get(
            &format!("/v1/frameworks/{DEFAULT_FRAMEWORK}/versions/1"),
            &staff.token,
        )
        .await
        .expect(200);
    let v = &r.body;
    assert_eq!(v["framework_id"], DEFAULT_FRAMEWORK);
    assert_eq!(v["number"], 1);
    assert_eq!(v["status"], "published");
    assert!(v["name"].is_string());
    assert_eq!(v["scale"]["min"], 1);
    assert_eq!(v["scale"]["max"], 4);
    assert_eq!(v["scale"]["labels"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["scale"]["not_yet_evidenced"], true);
    assert!(v["carried_over"].is_array(), "{}", r.text);
    let tag = r.header("etag").expect("etag");
    assert_eq!(tag, format!("\"v{}\"", v["version"]));
    let areas = v["areas"].as_array().expect("areas");
    let titles: Vec<&str> = areas.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(titles, DEFAULT_AREAS);
    let mut codes = BTreeSet::new();
    let mut dims = BTreeSet::new();
    for a in areas {
        assert!(codes.insert(a["code"].to_string()), "code {}", a["code"]);
        let subs = a["sub_themes"].as_array().expect("sub_themes");
        assert!(
            (3..=4).contains(&subs.len()),
            "sub-themes of {}",
            a["title"]
        );
        for st in subs {
            assert!(codes.insert(st["code"].to_string()), "code {}", st["code"]);
            assert!(st["title"].as_str().is_some_and(|s| !s.is_empty()));
            let crit = st["criteria"].as_array().expect("criteria");
            assert!((2..=4).contains(&crit.len()), "criteria of {}", st["title"]);
            for c in crit {
                assert!(codes.insert(c["code"].to_string()), "code {}", c["code"]);
                let q = c["question"].as_str().expect("question");
                assert!(q.starts_with("To what extent"), "{q}");
                let d = c["dimension"].as_str().expect("dimension");
                assert!(d == "trust" || d == "challenge", "{d}");
                dims.insert(d.to_owned());
            }
        }
    }
    assert_eq!(dims.len(), 2, "both dimensions are used");

    // The same built-in framework for another tenant; a missing version is 404.
    let other = app.new_tenant("fwk-default-2").await;
    app.get(
        &format!("/v1/frameworks/{DEFAULT_FRAMEWORK}/versions/1"),
        &other.admin.token,
    )
    .await
    .expect(200);
    app.get(
        &format!("/v1/frameworks/{DEFAULT_FRAMEWORK}/versions/9"),
        &other.admin.token,
    )
    .await
    .expect(404);
    // The built-in framework is not the tenant's to edit (409 `builtin_framework`, as
    // implemented).
    let r = app
        .patch(
            &format!("/v1/frameworks/{DEFAULT_FRAMEWORK}/versions/1"),
            &t.admin.token,
            Some(&tag),
            json!({ "name": "Mine now" }),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "builtin_framework");
}

/// A small valid framework definition: areas `X` and `Y`, criteria `X.1.1`, `X.1.2`, `Y.1.1`.
fn small_definition() -> Value {
    json!({
        "scale": { "min": 0, "max": 2, "labels": ["No", "Partly", "Yes"], "not_yet_evidenced": false },
        "areas": [
            { "code": "X", "title": "Shared purpose", "sub_themes": [
                { "code": "X.1", "title": "Vision", "criteria": [
                    { "code": "X.1.1", "question": "To what extent is the vision shared?", "dimension": "trust" },
                    { "code": "X.1.2", "question": "To what extent do we challenge each other?", "dimension": "challenge" }
                ] }
            ] },
            { "code": "Y", "title": "Impact", "sub_themes": [
                { "code": "Y.1", "title": "Evidence", "criteria": [
                    { "code": "Y.1.1", "question": "To what extent do we know our impact?", "dimension": "challenge" }
                ] }
            ] }
        ]
    })
}

#[tokio::test]
async fn a_tenant_framework_is_validated_published_and_revised() {
    let app = spawn_app().await;
    let t = app.new_tenant("fwk-own").await;
    let coordinator = app.user(&t, "coord@fwk-own.example", &[], false).await;
    let cluster = app.school_cluster(&t, 2, Some(&coordinator)).await;
    let head = &cluster.heads[0];

    // Only a tenant admin creates frameworks.
    for token in [&head.token, &coordinator.token] {
        app.post(
            "/v1/frameworks",
            token,
            json!({ "name": "Ours", "definition": small_definition() }),
        )
        .await
        .expect(403);
    }

    // Each invalid definition points at its problem.
    let mut cases: Vec<(Value, Vec<&str>)> = Vec::new();
    let mut d = small_definition();
    d["scale"]["min"] = json!(2);
    cases.push((d, vec!["/definition/scale/max"]));
    let mut d = small_definition();
    d["scale"]["labels"] = json!(["No", "Yes"]);
    cases.push((d, vec!["/definition/scale/labels"]));
    let mut d = small_definition();
    d["areas"][1]["sub_themes"][0]["criteria"][0]["code"] = json!("X.1.2");
    cases.push((d, vec!["/definition/areas/1/sub_themes/0/criteria/0/code"]));
    let mut d = small_definition();
    d["areas"] = json!([]);
    cases.push((d, vec!["/definition/areas"]));
    for (def, pointers) in cases {
        let r = app
            .post(
                "/v1/frameworks",
                &t.admin.token,
                json!({ "name": "Ours", "definition": def }),
            )
            .await;
        assert_eq!(r.status.as_u16(), 422, "{pointers:?}: {}", r.text);
        assert_eq!(r.expect(422).pointers(), pointers);
    }

    let r = app
        .post(
            "/v1/frameworks",
            &t.admin.token,
            json!({ "name": "Moorland framework", "definition": small_definition() }),
        )
        .await
        .expect(201);
    // The answer is the new framework's version 1, a draft (as implemented).
    let fid = r.body["framework_id"]
        .as_str()
        .unwrap_or_else(|| panic!("framework_id: {}", r.text))
        .to_owned();
    assert!(fid.starts_with("fwk_"), "{fid}");
    assert_ne!(fid, DEFAULT_FRAMEWORK);
    assert_eq!(r.body["number"], 1, "{}", r.text);
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["name"], "Moorland framework");
    if let Some(loc) = r.header("location") {
        assert!(
            loc.ends_with(&format!("/v1/frameworks/{fid}/versions/1")),
            "{loc}"
        );
    }

    // Listed for the tenant's users beside the default.
    let list = app.get("/v1/frameworks", &head.token).await.expect(200);
    let ids: Vec<&Value> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert!(ids.contains(&&json!(DEFAULT_FRAMEWORK)) && ids.contains(&&json!(fid)));
    let mine = items(&list)
        .into_iter()
        .find(|f| f["id"] == json!(fid))
        .expect("listed");
    assert_eq!(mine["builtin"], false);
    assert_eq!(mine["name"], "Moorland framework");
    assert_eq!(
        mine["versions"],
        json!([{ "number": 1, "status": "draft" }])
    );

    // A draft is edited with If-Match.
    let v1_path = format!("/v1/frameworks/{fid}/versions/1");
    let v1 = app.get(&v1_path, &t.admin.token).await.expect(200);
    assert_eq!(v1.body["status"], "draft");
    assert_eq!(v1.body["framework_id"], json!(fid));
    assert_eq!(v1.body["scale"], small_definition()["scale"]);
    assert_eq!(v1.body["areas"], small_definition()["areas"]);
    let tag = v1.header("etag").expect("etag");
    let r = app
        .patch(&v1_path, &t.admin.token, None, json!({ "name": "Renamed" }))
        .await
        .expect(428);
    assert_eq!(r.code(), "if_match_required");
    app.patch(
        &v1_path,
        &t.admin.token,
        Some("\"v999\""),
        json!({ "name": "Renamed" }),
    )
    .await
    .expect(412);
    app.patch(
        &v1_path,
        &head.token,
        Some(&tag),
        json!({ "name": "Renamed" }),
    )
    .await
    .expect(403);
    let mut bad = small_definition();
    bad["scale"]["labels"] = json!(["Only one"]);
    let r = app
        .patch(
            &v1_path,
            &t.admin.token,
            Some(&tag),
            json!({ "definition": bad }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/definition/scale/labels"]);
    let mut def = small_definition();
    def["areas"][0]["title"] = json!("Shared purpose and values");
    let r = app
        .patch(
            &v1_path,
            &t.admin.token,
            Some(&tag),
            json!({ "name": "Moorland framework 2026", "definition": def }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["name"], "Moorland framework 2026");
    assert_eq!(r.body["areas"][0]["title"], "Shared purpose and values");
    let tag2 = r.header("etag").expect("etag");
    assert_ne!(tag, tag2);
    app.patch(
        &v1_path,
        &t.admin.token,
        Some(&tag),
        json!({ "name": "Stale" }),
    )
    .await
    .expect(412);

    // A cycle cannot use a draft.
    let r = app
        .post(
            &format!("/v1/partnerships/{}/cycles", cluster.id),
            &t.admin.token,
            json!({ "title": "Too soon", "framework_id": fid, "framework_version": 1,
                    "opens_at": at(-60), "closes_at": at(86_400) }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/framework_version"]);

    // Published: immutable.
    app.post_empty(&format!("{v1_path}/publish"), &head.token)
        .await
        .expect(403);
    let r = app
        .post_empty(&format!("{v1_path}/publish"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "published", "{}", r.text);
    let now = app.get(&v1_path, &t.admin.token).await.expect(200);
    assert_eq!(now.body["status"], "published");
    let r = app
        .patch(
            &v1_path,
            &t.admin.token,
            Some(&now.header("etag").expect("etag")),
            json!({ "name": "Changed after" }),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "not_a_draft");

    // Now a cycle can use it.
    let c = app
        .post(
            &format!("/v1/partnerships/{}/cycles", cluster.id),
            &coordinator.token,
            json!({ "title": "Spring 2027", "framework_id": fid, "framework_version": 1,
                    "opens_at": at(-60), "closes_at": at(86_400) }),
        )
        .await
        .expect(201);
    assert_eq!(c.body["framework_id"], json!(fid));
    assert_eq!(c.body["framework_version"], 1);

    // Version 2 keeps X.1.1 and Y.1.1 (renamed question), drops X.1.2, adds Z.1.1.
    let mut v2def = small_definition();
    v2def["areas"][0]["sub_themes"][0]["criteria"] = json!([
        { "code": "X.1.1", "question": "To what extent is the vision shared by all staff?", "dimension": "trust" }
    ]);
    v2def["areas"]
        .as_array_mut()
        .expect("areas")
        .push(json!({ "code": "Z", "title": "Belonging", "sub_themes": [
            { "code": "Z.1", "title": "Voice", "criteria": [
                { "code": "Z.1.1", "question": "To what extent does every school have a voice?", "dimension": "trust" }
            ] }
        ] }));
    let versions = format!("/v1/frameworks/{fid}/versions");
    let r = app
        .post(
            &versions,
            &t.admin.token,
            json!({ "definition": v2def, "carried_over": ["X.1.1", "X.1.2", "Z.1.1", "Y.1.1"] }),
        )
        .await
        .expect(422);
    assert_eq!(
        r.pointers(),
        vec!["/carried_over/1", "/carried_over/2"],
        "X.1.2 is not in v2; Z.1.1 is not in v1"
    );
    let mut bad = v2def.clone();
    bad["scale"]["max"] = json!(0);
    let r = app
        .post(
            &versions,
            &t.admin.token,
            json!({ "definition": bad, "carried_over": [] }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/definition/scale/max"]);
    app.post(
        &versions,
        &head.token,
        json!({ "definition": v2def, "carried_over": ["X.1.1"] }),
    )
    .await
    .expect(403);
    let r = app
        .post(
            &versions,
            &t.admin.token,
            json!({ "definition": v2def, "carried_over": ["X.1.1", "Y.1.1"] }),
        )
        .await
        .expect(201);
    assert_eq!(r.body["number"], 2, "{}", r.text);
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["carried_over"], json!(["X.1.1", "Y.1.1"]));
    let r = app
        .post(
            &versions,
            &t.admin.token,
            json!({ "definition": v2def, "carried_over": [] }),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "draft_exists");
    let v2 = app
        .get(&format!("{versions}/2"), &head.token)
        .await
        .expect(200);
    assert_eq!(v2.body["carried_over"], json!(["X.1.1", "Y.1.1"]));
    assert_eq!(v2.body["areas"], v2def["areas"]);
    // Version 1 is unchanged by version 2.
    let v1 = app.get(&v1_path, &head.token).await.expect(200);
    assert_eq!(v1.body["status"], "published");
    assert_eq!(
        v1.body["areas"][0]["sub_themes"][0]["criteria"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    app.post_empty(&format!("{versions}/2/publish"), &t.admin.token)
        .await
        .expect(200);
    let list = app.get("/v1/frameworks", &head.token).await.expect(200);
    let mine = items(&list)
        .into_iter()
        .find(|f| f["id"] == json!(fid))
        .expect("listed");
    assert_eq!(
        mine["versions"],
        json!([{ "number": 1, "status": "published" }, { "number": 2, "status": "published" }])
    );

    // Another tenant sees none of it.
    let other = app.new_tenant("fwk-own-2").await;
    app.get(&v1_path, &other.admin.token).await.expect(404);
    app.patch(
        &v1_path,
        &other.admin.token,
        Some(&tag2),
        json!({ "name": "x" }),
    )
    .await
    .expect(404);
    app.post_empty(&format!("{versions}/2/publish"), &other.admin.token)
        .await
        .expect(404);
    let list = app
        .get("/v1/frameworks", &other.admin.token)
        .await
        .expect(200);
    assert!(
        items(&list).iter().all(|f| f["id"] != json!(fid)),
        "{}",
        list.text
    );
    let oc = app.school_cluster(&other, 2, None).await;
    let r = app
        .post(
            &format!("/v1/partnerships/{}/cycles", oc.id),
            &other.admin.token,
            json!({ "title": "Borrowed", "framework_id": fid, "framework_version": 1,
                    "opens_at": at(-60), "closes_at": at(86_400) }),
        )
        .await;
    assert!(
        matches!(r.status.as_u16(), 404 | 422),
        "another tenant's framework is not usable: {}",
        r.text
    );
}

// ---------------------------------------------------------------------------------------------
// Cycles.

#[tokio::test]
async fn cycles_are_run_by_the_partnerships_managers() {
    let app = spawn_app().await;
    let t = app.new_tenant("cycles").await;
    let (lead, lead_head) = app.school_with_head(&t, "A", 0).await;
    let (member, member_head) = app.school_with_head(&t, "B", 1).await;
    let (pending, pending_head) = app.school_with_head(&t, "C", 2).await;
    let (_stranger, stranger_head) = app.school_with_head(&t, "D", 3).await;
    let member_staff = app
        .user(&t, "staff-b@cycles.example", &[(&member, "staff")], false)
        .await;
    let coordinator = app.user(&t, "coord@cycles.example", &[], false).await;
    let chair = app.user(&t, "chair@cycles.example", &[], false).await;
    let pid = app
        .partnership(
            &t.admin.token,
            json!({ "kind": "cluster", "name": "Lead Cluster", "lead_organisation_id": lead,
                    "coordinator_id": coordinator.id, "chair_id": chair.id }),
        )
        .await;
    app.join_partnership(&t, &pid, &member, &member_head).await;
    let other = app.new_tenant("cycles-2").await;
    let cycles = format!("/v1/partnerships/{pid}/cycles");

    // Who may create a cycle.
    let body = |title: &str| {
        json!({ "title": title, "framework_id": DEFAULT_FRAMEWORK, "framework_version": 1,
                "opens_at": "2026-09-01T08:00:00Z", "closes_at": "2026-12-18T17:00:00Z" })
    };
    let mut created = Vec::new();
    for (who, token) in [
        ("tenant admin", &t.admin.token),
        ("coordinator", &coordinator.token),
        ("lead's head", &lead_head.token),
    ] {
        let r = app.post(&cycles, token, body(who)).await;
        assert_eq!(r.status.as_u16(), 201, "{who}: {}", r.text);
        created.push(r.body.clone());
    }
    for (who, token, status) in [
        ("member's head", &member_head.token, 403),
        ("member's staff", &member_staff.token, 403),
        ("chair", &chair.token, 403),
        ("unrelated school's head", &stranger_head.token, 404),
        ("another tenant", &other.admin.token, 404),
    ] {
        let r = app.post(&cycles, token, body(who)).await;
        assert_eq!(r.status.as_u16(), status, "{who}: {}", r.text);
        r.expect(status);
    }
    let c = &created[0];
    let cid = c["id"].as_str().expect("id").to_owned();
    assert!(cid.starts_with("cyc_"), "{cid}");
    assert_eq!(c["partnership_id"], json!(pid));
    assert_eq!(c["title"], "tenant admin");
    assert_eq!(c["framework_id"], DEFAULT_FRAMEWORK);
    assert_eq!(c["framework_version"], 1);
    assert_eq!(c["status"], "draft");
    assert!(c["version"].is_number(), "{c}");
    for (f, want) in [
        ("opens_at", "2026-09-01T08:00:00Z"),
        ("closes_at", "2026-12-18T17:00:00Z"),
    ] {
        let got = chrono::DateTime::parse_from_rfc3339(c[f].as_str().expect(f)).expect(f);
        let want = chrono::DateTime::parse_from_rfc3339(want).expect(f);
        assert_eq!(got, want, "{f}");
    }

    // Validation.
    let mut b = body("Backwards");
    b["closes_at"] = json!("2026-08-01T08:00:00Z");
    let r = app.post(&cycles, &t.admin.token, b).await.expect(422);
    assert_eq!(r.pointers(), vec!["/closes_at"]);
    let mut b = body("No such version");
    b["framework_version"] = json!(7);
    let r = app.post(&cycles, &t.admin.token, b).await.expect(422);
    assert_eq!(r.pointers(), vec!["/framework_version"]);

    // The lifecycle: draft → open → closed → open → closed → published.
    let status = |token: &str, s: &str| {
        let token = token.to_owned();
        let s = s.to_owned();
        let app = &app;
        let cid = cid.clone();
        async move { set_status(app, &token, &cid, &s).await }
    };
    for (who, token, code) in [
        ("member's head", &member_head.token, 403),
        ("chair", &chair.token, 403),
        ("another tenant", &other.admin.token, 404),
    ] {
        let r = status(token, "open").await;
        assert_eq!(r.status.as_u16(), code, "{who}: {}", r.text);
    }
    for (from, to) in [("draft", "closed"), ("draft", "published")] {
        let r = status(&coordinator.token, to).await.expect(409);
        assert_eq!(r.code(), "illegal_transition");
        assert_eq!(r.body["current_status"], from);
    }
    let r = status(&coordinator.token, "sideways").await.expect(422);
    assert_eq!(r.pointers(), vec!["/status"]);
    let r = status(&lead_head.token, "open").await.expect(200);
    assert_eq!(r.body["status"], "open");
    assert_ne!(r.body["version"], c["version"]);
    for (from, to) in [("open", "published"), ("open", "draft"), ("open", "open")] {
        let r = status(&coordinator.token, to).await.expect(409);
        assert_eq!(r.code(), "illegal_transition", "{from} → {to}");
        assert_eq!(r.body["current_status"], from);
    }
    status(&coordinator.token, "closed").await.expect(200);
    let r = status(&t.admin.token, "open").await.expect(200);
    assert_eq!(r.body["status"], "open", "a closed cycle reopens");
    status(&coordinator.token, "closed").await.expect(200);
    let r = status(&coordinator.token, "published").await.expect(200);
    assert_eq!(r.body["status"], "published");
    for to in ["open", "closed", "draft"] {
        let r = status(&coordinator.token, to).await.expect(409);
        assert_eq!(r.code(), "illegal_transition");
        assert_eq!(r.body["current_status"], "published");
    }
    let r = app
        .get(&format!("/v1/cycles/{cid}"), &member_head.token)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "published");

    // Extensions and participation, on a second (open) cycle.
    let c2 = created[1]["id"].as_str().expect("id").to_owned();
    set_status(&app, &coordinator.token, &c2, "open")
        .await
        .expect(200);
    let ext = format!("/v1/cycles/{c2}/extensions");
    let until = "2027-01-08T17:00:00Z";
    for (who, token, code) in [
        ("member's head", &member_head.token, 403),
        ("chair", &chair.token, 403),
        ("another tenant", &other.admin.token, 404),
    ] {
        let r = app
            .post(
                &ext,
                token,
                json!({ "organisation_id": member, "closes_at": until }),
            )
            .await;
        assert_eq!(r.status.as_u16(), code, "{who} extends: {}", r.text);
    }
    let r = app
        .post(
            &ext,
            &coordinator.token,
            json!({ "organisation_id": member, "closes_at": until }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["organisation_id"], json!(member));
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(r.body["closes_at"].as_str().expect("closes_at"))
            .expect("closes_at"),
        chrono::DateTime::parse_from_rfc3339(until).expect("until")
    );

    // Readers of the partnership list and read them; pending members and strangers do not.
    app.invite(&t.admin.token, &pid, &pending, "member")
        .await
        .expect(201);
    for (who, token) in [
        ("tenant admin", &t.admin.token),
        ("coordinator", &coordinator.token),
        ("chair", &chair.token),
        ("member's staff", &member_staff.token),
    ] {
        let r = app.get(&cycles, token).await;
        assert_eq!(r.status.as_u16(), 200, "{who}: {}", r.text);
        let got: Vec<Value> = items(&r).iter().map(|c| c["id"].clone()).collect();
        let want: Vec<Value> = created.iter().map(|c| c["id"].clone()).collect();
        assert_eq!(got, want, "{who} lists the cycles in order");
        let r = app.get(&format!("/v1/cycles/{cid}"), token).await;
        assert_eq!(r.status.as_u16(), 200, "{who}: {}", r.text);
        assert_eq!(r.body["id"], c["id"], "{who}");
        assert_eq!(r.body["title"], c["title"], "{who}");
    }
    for (who, token, status) in [
        ("pending member's head", &pending_head.token, 403),
        ("unrelated school's head", &stranger_head.token, 404),
        ("another tenant", &other.admin.token, 404),
    ] {
        let r = app.get(&cycles, token).await;
        assert_eq!(r.status.as_u16(), status, "{who} lists: {}", r.text);
        let r = app.get(&format!("/v1/cycles/{cid}"), token).await;
        assert_eq!(r.status.as_u16(), status, "{who} reads: {}", r.text);
        r.expect(status);
    }

    let part = format!("/v1/cycles/{c2}/participation");
    for (who, token) in [
        ("tenant admin", &t.admin.token),
        ("coordinator", &coordinator.token),
        ("lead's head", &lead_head.token),
        ("member's staff", &member_staff.token),
    ] {
        let r = app.get(&part, token).await;
        assert_eq!(r.status.as_u16(), 200, "{who}: {}", r.text);
        let rows = items(&r);
        let orgs: BTreeSet<String> = rows
            .iter()
            .map(|i| i["organisation_id"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(
            orgs,
            BTreeSet::from([lead.clone(), member.clone()]),
            "{who}: active members only: {}",
            r.text
        );
        for row in rows {
            assert_eq!(row["status"], "not_started", "{who}: {row}");
            assert!(row["submitted_at"].is_null(), "{row}");
            assert!(row["organisation_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("School ")));
        }
    }
    for (who, token, code) in [
        ("pending member's head", &pending_head.token, 403),
        ("unrelated school's head", &stranger_head.token, 404),
        ("another tenant", &other.admin.token, 404),
    ] {
        let r = app.get(&part, token).await;
        assert_eq!(r.status.as_u16(), code, "{who}: {}", r.text);
    }
}

// ---------------------------------------------------------------------------------------------
// Submissions.

#[tokio::test]
async fn a_draft_is_private_to_its_school_and_saved_with_if_match() {
    let app = spawn_app().await;
    let t = app.new_tenant("drafts").await;
    let coordinator = app.user(&t, "coord@drafts.example", &[], false).await;
    let cl = app.school_cluster(&t, 3, Some(&coordinator)).await;
    let (a, b) = (cl.schools[0].clone(), cl.schools[1].clone());
    let leader = app
        .user(&t, "leader-a@drafts.example", &[(&a, "leader")], false)
        .await;
    let staff = app
        .user(&t, "staff-a@drafts.example", &[(&a, "staff")], false)
        .await;
    let governor = app
        .user(&t, "gov-a@drafts.example", &[(&a, "governor")], false)
        .await;
    let other = app.new_tenant("drafts-2").await;
    let fw = default_framework(&app, &leader.token).await;
    let codes = fw.criteria();

    let cid = id(
        &new_cycle(&app, &coordinator.token, &cl.id, "Autumn", 86_400)
            .await
            .expect(201),
    );
    let path = sub_path(&cid, &a);

    // Not started: an empty submission at "v0".
    let r = app.get(&path, &staff.token).await.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"v0\""));
    assert_eq!(r.body["status"], "not_started");
    assert_eq!(r.body["cycle_id"], json!(cid));
    assert_eq!(r.body["organisation_id"], json!(a));
    assert!(r.body["submitted_at"].is_null());
    assert_eq!(r.body["scores"].as_array().map(Vec::len).unwrap_or(0), 0);

    // Only while the cycle is open.
    let half: Vec<Value> = uniform(&fw, 3, 2, &[]).into_iter().take(4).collect();
    let r = put(
        &app,
        &path,
        &leader.token,
        Some("\"v0\""),
        json!({ "scores": half, "narratives": [] }),
    )
    .await
    .expect(409);
    assert_eq!(r.code(), "cycle_not_open");
    set_status(&app, &coordinator.token, &cid, "open")
        .await
        .expect(200);

    // If-Match is required and must be current.
    let draft = json!({ "scores": half, "narratives": narratives(&fw, "A") });
    let r = put(&app, &path, &leader.token, None, draft.clone())
        .await
        .expect(428);
    assert_eq!(r.code(), "if_match_required");
    let r = put(&app, &path, &leader.token, Some("\"v7\""), draft.clone())
        .await
        .expect(412);
    assert_eq!(r.code(), "etag_mismatch");

    // Only the school's head or a leader saves.
    for (who, token, code) in [
        ("staff", &staff.token, 403),
        ("governor", &governor.token, 403),
        ("another school's head", &cl.heads[1].token, 403),
        ("coordinator", &coordinator.token, 403),
        ("tenant admin", &t.admin.token, 403),
        ("another tenant", &other.admin.token, 404),
    ] {
        let r = put(&app, &path, token, Some("\"v0\""), draft.clone()).await;
        assert_eq!(r.status.as_u16(), code, "{who} saves: {}", r.text);
        r.expect(code);
    }

    // Scores are checked against the framework.
    let bad = json!({ "scores": [
        { "criterion": "9.9.9", "school_score": 2, "partnership_score": 2, "not_yet_evidenced": false, "evidence": null },
        { "criterion": codes[0], "school_score": 5, "partnership_score": 2, "not_yet_evidenced": false, "evidence": null },
        { "criterion": codes[1], "school_score": 0, "partnership_score": 2, "not_yet_evidenced": false, "evidence": null },
        { "criterion": codes[2], "school_score": 2, "partnership_score": 9, "not_yet_evidenced": false, "evidence": null }
    ], "narratives": [] });
    let r = put(&app, &path, &leader.token, Some("\"v0\""), bad)
        .await
        .expect(422);
    assert_eq!(
        r.pointers(),
        vec![
            "/scores/0/criterion",
            "/scores/1/school_score",
            "/scores/2/school_score",
            "/scores/3/partnership_score"
        ]
    );

    // A leader saves; the draft is the school's alone.
    let r = put(&app, &path, &leader.token, Some("\"v0\""), draft.clone())
        .await
        .expect(200);
    assert_eq!(r.body["status"], "draft");
    let tag1 = r.header("etag").expect("etag");
    assert_ne!(tag1, "\"v0\"");
    assert_eq!(tag1, format!("\"v{}\"", r.body["version"]));
    let r = put(&app, &path, &leader.token, Some("\"v0\""), draft.clone())
        .await
        .expect(412);
    assert_eq!(r.code(), "etag_mismatch");
    for (who, token) in [
        ("leader", &leader.token),
        ("staff", &staff.token),
        ("governor", &governor.token),
        ("head", &cl.heads[0].token),
    ] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status.as_u16(), 200, "{who} reads the draft: {}", r.text);
        assert_eq!(r.header("etag"), Some(tag1.clone()), "{who}");
        assert_eq!(r.body["status"], "draft");
        let scores = r.body["scores"].as_array().expect("scores");
        assert_eq!(scores.len(), 4, "{who}: {}", r.text);
        assert_eq!(scores[0]["criterion"], json!(codes[0]));
        assert_eq!(scores[0]["school_score"], 3);
        assert_eq!(scores[0]["partnership_score"], 2);
        assert_eq!(scores[0]["not_yet_evidenced"], false);
        assert_eq!(
            scores[0]["evidence"],
            json!(format!("Evidence for {}", codes[0]))
        );
        let n = r.body["narratives"].as_array().expect("narratives");
        assert_eq!(n.len(), fw.areas.len());
        assert_eq!(n[0]["area"], json!(fw.areas[0].code));
        assert_eq!(
            n[0]["strengths"],
            json!(format!("Strengths of A in {}", fw.areas[0].code))
        );
    }
    for (who, token, code) in [
        ("another school's head", &cl.heads[1].token, 403),
        ("coordinator", &coordinator.token, 403),
        ("tenant admin", &t.admin.token, 403),
        ("another tenant", &other.admin.token, 404),
    ] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status.as_u16(), code, "{who} reads A's draft: {}", r.text);
        let r = r.expect(code);
        if code == 403 {
            assert_eq!(r.code(), "own_school_only", "{who}");
        }
        assert!(!r.text.contains("Strengths of A"), "{who}: {}", r.text);
    }
    // Participation shows the draft's status, never its scores.
    let p = app
        .get(
            &format!("/v1/cycles/{cid}/participation"),
            &cl.heads[1].token,
        )
        .await
        .expect(200);
    let row = items(&p)
        .into_iter()
        .find(|i| i["organisation_id"] == json!(a))
        .expect("A's row");
    assert_eq!(row["status"], "draft");
    assert!(row.get("scores").is_none() && !p.text.contains("Evidence for"));
    // The analysis while open has no numbers.
    let r = analysis(&app, &cl.heads[1].token, &cid).await.expect(200);
    assert_eq!(r.body["status"], "open");
    assert!(r.body.get("areas").is_none(), "{}", r.text);
    assert_eq!(r.body["participation"]["members"], 3, "{}", r.text);
    assert_eq!(r.body["participation"]["submitted"], 0, "{}", r.text);

    // Submitting needs every criterion answered: the missing ones are listed.
    let r = submit(&app, &cl.heads[0].token, &cid, &a).await.expect(422);
    let got: BTreeSet<String> = r.pointers().into_iter().collect();
    let want: BTreeSet<String> = codes[4..].iter().map(|c| format!("/scores/{c}")).collect();
    assert_eq!(got, want);
    submit(&app, &staff.token, &cid, &a).await.expect(403);
    submit(&app, &cl.heads[1].token, &cid, &a).await.expect(403);
    submit(&app, &other.admin.token, &cid, &a).await.expect(404);

    // Not yet evidenced counts as answered.
    let nye = vec![codes[5].clone()];
    put(
        &app,
        &path,
        &cl.heads[0].token,
        Some(&tag1),
        json!({ "scores": uniform(&fw, 3, 2, &nye), "narratives": narratives(&fw, "A") }),
    )
    .await
    .expect(200);
    let r = submit(&app, &leader.token, &cid, &a).await.expect(200);
    assert_eq!(r.body["status"], "submitted");
    let submitted_at = r.body["submitted_at"].as_str().expect("submitted_at");
    chrono::DateTime::parse_from_rfc3339(submitted_at).expect("RFC 3339");
    let r = app.get(&path, &staff.token).await.expect(200);
    assert_eq!(r.body["status"], "submitted");
    let nye_row = r.body["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .find(|s| s["criterion"] == json!(codes[5]))
        .cloned()
        .expect("row");
    assert_eq!(nye_row["not_yet_evidenced"], true);
    assert!(nye_row["school_score"].is_null());
    let tag3 = r.header("etag").expect("etag");

    // Submitted: no more saves, and still nobody else's to read here.
    let r = put(
        &app,
        &path,
        &leader.token,
        Some(&tag3),
        json!({ "scores": uniform(&fw, 1, 1, &[]), "narratives": [] }),
    )
    .await
    .expect(409);
    assert_eq!(r.code(), "already_submitted");
    let r = submit(&app, &leader.token, &cid, &a).await.expect(409);
    assert_eq!(r.code(), "already_submitted");
    let r = app.get(&path, &cl.heads[1].token).await.expect(403);
    assert_eq!(r.code(), "own_school_only");
    app.get(&path, &coordinator.token).await.expect(403);

    // A manager reopens it while the cycle is open; the school edits again.
    let reopen = format!("{path}/reopen");
    app.post_empty(&reopen, &cl.heads[0].token)
        .await
        .expect(403);
    app.post_empty(&reopen, &other.admin.token)
        .await
        .expect(404);
    let r = app
        .post_empty(&reopen, &coordinator.token)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "draft", "{}", r.text);
    let r = app.get(&path, &leader.token).await.expect(200);
    assert_eq!(r.body["status"], "draft");
    assert!(r.body["submitted_at"].is_null(), "{}", r.text);
    let tag4 = r.header("etag").expect("etag");
    put(
        &app,
        &path,
        &leader.token,
        Some(&tag4),
        json!({ "scores": uniform(&fw, 2, 2, &[]), "narratives": [] }),
    )
    .await
    .expect(200);

    // Once the cycle is closed nothing is saved or reopened.
    set_status(&app, &coordinator.token, &cid, "closed")
        .await
        .expect(200);
    let tag5 = etag(&app, &leader.token, &cid, &a).await;
    let r = put(
        &app,
        &path,
        &leader.token,
        Some(&tag5),
        json!({ "scores": uniform(&fw, 4, 4, &[]), "narratives": [] }),
    )
    .await
    .expect(409);
    assert_eq!(r.code(), "cycle_not_open");
    let r = submit(&app, &leader.token, &cid, &a).await.expect(409);
    assert_eq!(r.code(), "cycle_not_open");
    let b_path = sub_path(&cid, &b);
    app.get(&b_path, &cl.heads[1].token).await.expect(200);
    app.post_empty(&format!("{b_path}/reopen"), &coordinator.token)
        .await
        .expect(409);
}

// ---------------------------------------------------------------------------------------------
// The full term.

#[tokio::test]
async fn a_full_term_from_opening_to_the_analysis() {
    let app = spawn_app().await;
    let t = app.new_tenant("term").await;
    let coordinator = app.user(&t, "coord@term.example", &[], false).await;
    let cl = app.school_cluster(&t, 4, Some(&coordinator)).await;
    let s = cl.schools.clone();
    let leader_a = app
        .user(&t, "leader-a@term.example", &[(&s[0], "leader")], false)
        .await;
    let staff_b = app
        .user(&t, "staff-b@term.example", &[(&s[1], "staff")], false)
        .await;
    let (_outsider, outsider_head) = app.school_with_head(&t, "Z", 25).await;
    let other = app.new_tenant("term-2").await;

    // The default framework is chosen.
    let list = app
        .get("/v1/frameworks", &coordinator.token)
        .await
        .expect(200);
    let default = items(&list)
        .into_iter()
        .find(|f| f["builtin"] == true)
        .expect("a built-in framework");
    assert_eq!(default["id"], DEFAULT_FRAMEWORK);
    let fw = default_framework(&app, &coordinator.token).await;
    let codes = fw.criteria();

    // The cycle: closes in 25 s so that the deadline passes during the test.
    const WINDOW: i64 = 25;
    let closes_at = Utc::now() + chrono::Duration::seconds(WINDOW);
    let r = app
        .post(
            &format!("/v1/partnerships/{}/cycles", cl.id),
            &coordinator.token,
            json!({ "title": "Autumn 2026", "framework_id": DEFAULT_FRAMEWORK, "framework_version": 1,
                    "opens_at": at(-86_400),
                    "closes_at": closes_at.to_rfc3339_opts(SecondsFormat::Secs, true) }),
        )
        .await
        .expect(201);
    let cid = id(&r);
    assert_eq!(r.body["status"], "draft");
    let r = set_status(&app, &coordinator.token, &cid, "open")
        .await
        .expect(200);
    assert_eq!(r.body["status"], "open");

    // Scores, worked out by hand: (school, partnership) per school; D has not yet evidenced
    // the first criterion.
    let nye_d = vec![codes[0].clone()];
    let plan = [
        Scored::new(&s[0], 4, 3, &[]),
        Scored::new(&s[1], 3, 3, &[]),
        Scored::new(&s[2], 2, 4, &[]),
        Scored::new(&s[3], 2, 2, &nye_d),
    ];
    let tags = ["A", "B", "C", "D"];
    let drafters = [&leader_a, &cl.heads[1], &cl.heads[2], &cl.heads[3]];
    for ((p, who), tag) in plan.iter().zip(drafters).zip(tags) {
        let r = save(
            &app,
            &who.token,
            &cid,
            &p.org,
            uniform(&fw, p.school as i64, p.partnership as i64, &p.nye),
            narratives(&fw, tag),
        )
        .await
        .expect(200);
        assert_eq!(r.body["status"], "draft");
    }
    let r = app
        .get(
            &format!("/v1/cycles/{cid}/participation"),
            &coordinator.token,
        )
        .await
        .expect(200);
    assert!(
        items(&r).iter().all(|i| i["status"] == "draft"),
        "{}",
        r.text
    );
    // A, B and C submit on time.
    for (p, who) in plan.iter().zip(drafters).take(3) {
        let r = submit(&app, &who.token, &cid, &p.org).await;
        assert_eq!(
            r.status.as_u16(),
            200,
            "an on-time submission (the deadline is {closes_at}): {}",
            r.text
        );
        assert_eq!(r.body["status"], "submitted");
    }
    let r = app
        .get(&format!("/v1/cycles/{cid}/participation"), &staff_b.token)
        .await
        .expect(200);
    let rows = items(&r);
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let want = if row["organisation_id"] == json!(s[3]) {
            "draft"
        } else {
            "submitted"
        };
        assert_eq!(row["status"], want, "{row}");
        assert_eq!(
            row["submitted_at"].is_string(),
            want == "submitted",
            "{row}"
        );
    }
    let r = analysis(&app, &cl.heads[0].token, &cid).await.expect(200);
    assert_eq!(r.body["status"], "open");
    assert!(r.body.get("areas").is_none(), "{}", r.text);
    assert_eq!(r.body["participation"]["submitted"], 3, "{}", r.text);

    // D misses the deadline, then submits within its extension.
    let wait = closes_at - Utc::now() + chrono::Duration::milliseconds(1500);
    if let Ok(w) = wait.to_std() {
        tokio::time::sleep(w).await;
    }
    let r = submit(&app, &cl.heads[3].token, &cid, &s[3])
        .await
        .expect(409);
    assert_eq!(r.code(), "deadline_passed");
    let ext = format!("/v1/cycles/{cid}/extensions");
    app.post(
        &ext,
        &cl.heads[3].token,
        json!({ "organisation_id": s[3], "closes_at": at(3600) }),
    )
    .await
    .expect(403);
    // An extension for another school does not help D.
    app.post(
        &ext,
        &coordinator.token,
        json!({ "organisation_id": s[2], "closes_at": at(3600) }),
    )
    .await
    .expect(200);
    let r = submit(&app, &cl.heads[3].token, &cid, &s[3])
        .await
        .expect(409);
    assert_eq!(r.code(), "deadline_passed");
    let r = app
        .post(
            &ext,
            &coordinator.token,
            json!({ "organisation_id": s[3], "closes_at": at(3600) }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["organisation_id"], json!(s[3]));
    let r = submit(&app, &cl.heads[3].token, &cid, &s[3])
        .await
        .expect(200);
    assert_eq!(r.body["status"], "submitted");

    // Closed: the analysis.
    set_status(&app, &coordinator.token, &cid, "closed")
        .await
        .expect(200);
    for (i, head) in cl.heads.iter().enumerate() {
        let r = analysis(&app, &head.token, &cid).await.expect(200);
        let a = &r.body;
        assert_eq!(a["cycle_id"], json!(cid));
        assert_eq!(a["status"], "closed");
        assert_eq!(a["k"], 3);
        assert_eq!(a["participation"]["members"], 4, "{}", r.text);
        assert_eq!(a["participation"]["submitted"], 4, "{}", r.text);
        check_stats(a, &fw, &plan, 3);
        check_own_school(a, Some(&plan[i]), &plan);
        // Nobody shared anything: no named scores, no other school's narrative.
        assert_eq!(a["named"], json!([]), "school {i}: {}", r.text);
        for n in a["narratives"].as_array().expect("narratives") {
            assert_eq!(
                n["organisation_id"],
                json!(s[i]),
                "only its own narrative: {n}"
            );
        }
        for (j, tag) in tags.iter().enumerate() {
            if j != i {
                assert!(
                    !r.text.contains(&format!("Strengths of {tag}")),
                    "school {i} sees {tag}'s narrative"
                );
            }
        }
    }
    // Each member's own-school view differs.
    let own_a = analysis(&app, &cl.heads[0].token, &cid).await.expect(200);
    let own_c = analysis(&app, &cl.heads[2].token, &cid).await.expect(200);
    assert_ne!(
        own_a.body["areas"][0]["own_school"], own_c.body["areas"][0]["own_school"],
        "own_school differs per school"
    );
    // A member's staff sees it as their school does.
    let r = analysis(&app, &staff_b.token, &cid).await.expect(200);
    check_stats(&r.body, &fw, &plan, 3);
    check_own_school(&r.body, Some(&plan[1]), &plan);

    // The tenant admin and the coordinator: aggregates, no own school, no names.
    for (who, token) in [
        ("tenant admin", &t.admin.token),
        ("coordinator", &coordinator.token),
    ] {
        let r = analysis(&app, token, &cid).await;
        assert_eq!(r.status.as_u16(), 200, "{who}: {}", r.text);
        check_stats(&r.body, &fw, &plan, 3);
        check_own_school(&r.body, None, &plan);
        assert_eq!(r.body["named"], json!([]), "{who}");
        assert_eq!(r.body["narratives"], json!([]), "{who}");
    }

    // Where the partnership stands: mean partnership score on trust and on challenge criteria
    // is 3 for each (3, 3, 4, 2), above the midpoint 2.5 on both: improvement.
    let collab = &own_a.body["collaboration"];
    close(&collab["trust"], 3.0, "trust");
    close(&collab["challenge"], 3.0, "challenge");
    assert_eq!(collab["form"], "improvement");
    assert!(own_a.body["trend"].is_array(), "{}", own_a.text);

    // Strangers and other tenants.
    let r = analysis(&app, &outsider_head.token, &cid).await;
    assert_eq!(r.status.as_u16(), 404, "an unrelated school: {}", r.text);
    analysis(&app, &other.admin.token, &cid).await.expect(404);
    for suffix in ["analysis.csv", "analysis.svg"] {
        app.get(&format!("/v1/cycles/{cid}/{suffix}"), &other.admin.token)
            .await
            .expect(404);
    }

    // CSV and SVG.
    check_csv(&app, &cl.heads[0].token, &cid, &own_a.body, &fw).await;
    check_svg(&app, &cl.heads[0].token, &cid).await;

    // Published: still readable, no longer reopened.
    set_status(&app, &coordinator.token, &cid, "published")
        .await
        .expect(200);
    let r = analysis(&app, &cl.heads[1].token, &cid).await.expect(200);
    assert_eq!(r.body["status"], "published");
    check_stats(&r.body, &fw, &plan, 3);
    let r = set_status(&app, &coordinator.token, &cid, "open")
        .await
        .expect(409);
    assert_eq!(r.body["current_status"], "published");
}

// ---------------------------------------------------------------------------------------------
// Suppression.

#[tokio::test]
async fn the_analysis_is_suppressed_below_k_schools() {
    let app = spawn_app().await;
    let t = app.new_tenant("suppress").await;
    let coordinator = app.user(&t, "coord@suppress.example", &[], false).await;
    let chair = app.user(&t, "chair@suppress.example", &[], false).await;
    let cl = app.school_cluster(&t, 4, Some(&coordinator)).await;
    let s = cl.schools.clone();
    // The chair, set on the partnership.
    let p = app
        .get(&format!("/v1/partnerships/{}", cl.id), &t.admin.token)
        .await
        .expect(200);
    app.patch(
        &format!("/v1/partnerships/{}", cl.id),
        &t.admin.token,
        Some(&p.header("etag").expect("etag")),
        json!({ "chair_id": chair.id }),
    )
    .await
    .expect(200);
    let fw = default_framework(&app, &coordinator.token).await;
    let cid = open_cycle(&app, &coordinator.token, &cl.id, "Spring 2027", 86_400).await;

    // A and B submit; C only drafts; D does nothing.
    save_and_submit(&app, &cl.heads[0], &cid, &s[0], &fw, (4, 3), "A").await;
    save_and_submit(&app, &cl.heads[1], &cid, &s[1], &fw, (2, 3), "B").await;
    save(
        &app,
        &cl.heads[2].token,
        &cid,
        &s[2],
        uniform(&fw, 1, 1, &[]),
        narratives(&fw, "C"),
    )
    .await
    .expect(200);
    set_status(&app, &coordinator.token, &cid, "closed")
        .await
        .expect(200);

    let two = [Scored::new(&s[0], 4, 3, &[]), Scored::new(&s[1], 2, 3, &[])];
    for (who, token) in [
        ("A's head", &cl.heads[0].token),
        ("C's head", &cl.heads[2].token),
        ("coordinator", &coordinator.token),
        ("chair", &chair.token),
        ("tenant admin", &t.admin.token),
    ] {
        let r = analysis(&app, token, &cid).await;
        assert_eq!(r.status.as_u16(), 200, "{who}: {}", r.text);
        let a = &r.body;
        assert_eq!(a["participation"]["members"], 4, "{who}");
        assert_eq!(a["participation"]["submitted"], 2, "{who}");
        assert_eq!(a["k"], 3);
        // Every statistic is suppressed.
        check_stats(a, &fw, &two, 3);
        // And nothing lets the viewer work the other school's scores out: the gap to the
        // suppressed partnership mean is absent; the school's own scores remain.
        for av in a["areas"].as_array().expect("areas") {
            let o = &av["own_school"];
            match who {
                "A's head" => {
                    close(&o["school_score"], 4.0, "A's own school score");
                    close(&o["partnership_score"], 3.0, "A's own partnership score");
                    assert!(o["gap"].is_null(), "{who}: the gap leaks the mean: {o}");
                }
                "C's head" => assert!(
                    o.is_null() || o["school_score"].is_null(),
                    "{who}: C did not submit: {o}"
                ),
                _ => assert!(o.is_null(), "{who}: {o}"),
            }
        }
        assert!(
            !r.text.contains("Strengths of C"),
            "{who}: C's draft narrative appears"
        );
    }
    // The CSV has the rows with empty numbers; the SVG renders.
    let a = analysis(&app, &cl.heads[0].token, &cid).await.expect(200);
    check_csv(&app, &cl.heads[0].token, &cid, &a.body, &fw).await;
    check_svg(&app, &cl.heads[0].token, &cid).await;

    // Reopened, C submits, closed again: three schools, the numbers appear.
    set_status(&app, &coordinator.token, &cid, "open")
        .await
        .expect(200);
    let r = analysis(&app, &cl.heads[0].token, &cid).await.expect(200);
    assert_eq!(r.body["status"], "open");
    assert!(r.body.get("areas").is_none(), "{}", r.text);
    submit(&app, &cl.heads[2].token, &cid, &s[2])
        .await
        .expect(200);
    set_status(&app, &coordinator.token, &cid, "closed")
        .await
        .expect(200);
    let three = [
        two[0].clone(),
        two[1].clone(),
        Scored::new(&s[2], 1, 1, &[]),
    ];
    for (i, token) in [&cl.heads[0].token, &cl.heads[2].token, &chair.token]
        .into_iter()
        .enumerate()
    {
        let r = analysis(&app, token, &cid).await.expect(200);
        assert_eq!(r.body["participation"]["submitted"], 3);
        check_stats(&r.body, &fw, &three, 3);
        let own = match i {
            0 => Some(&three[0]),
            1 => Some(&three[2]),
            _ => None,
        };
        check_own_school(&r.body, own, &three);
    }
    let a = analysis(&app, &cl.heads[3].token, &cid).await.expect(200);
    check_own_school(&a.body, None, &three);
    check_csv(&app, &cl.heads[3].token, &cid, &a.body, &fw).await;

    // Pending and former members are refused; unrelated schools do not see the cycle.
    let (e, e_head) = app.school_with_head(&t, "E", 4).await;
    app.invite(&t.admin.token, &cl.id, &e, "member")
        .await
        .expect(201);
    analysis(&app, &e_head.token, &cid).await.expect(403);
    app.member_action(&cl.heads[3].token, &cl.id, &s[3], "leave", json!({}))
        .await
        .expect(200);
    analysis(&app, &cl.heads[3].token, &cid).await.expect(403);
    let (_f, f_head) = app.school_with_head(&t, "F", 5).await;
    analysis(&app, &f_head.token, &cid).await.expect(404);
}

// ---------------------------------------------------------------------------------------------
// Named scores by consent.

async fn sign(app: &TestApp, agreement: &str, school: &str, head: &Actor) {
    app.post(
        &format!("/v1/agreements/{agreement}/versions/1/sign"),
        &head.token,
        json!({ "organisation_id": school }),
    )
    .await
    .expect(200);
}

async fn agreement(
    app: &TestApp,
    admin: &str,
    partnership: &str,
    kind: &str,
    body: Value,
) -> String {
    let r = app
        .post(
            &format!("/v1/partnerships/{partnership}/agreements"),
            admin,
            json!({ "kind": kind, "title": kind, "body": body }),
        )
        .await
        .expect(201);
    let a = id(&r);
    app.post_empty(&format!("/v1/agreements/{a}/versions/1/open"), admin)
        .await
        .expect(200);
    a
}

/// Terms of reference and a data-sharing agreement for the cluster, in force and signed by
/// every member; returns (ToR, DSA).
async fn agreements_in_force(app: &TestApp, t: &Tenant, cl: &SchoolCluster) -> (String, String) {
    let parties: Vec<Value> = cl
        .schools
        .iter()
        .map(|s| json!({ "organisation_id": s, "role": "joint_controller" }))
        .collect();
    let tor = agreement(app, &t.admin.token, &cl.id, "terms_of_reference", json!({
        "purpose": "Improve together", "membership": "Member schools", "quorum_rule": "Half the heads",
        "meeting_frequency": "Termly", "review_date": "2027-09-01"
    }))
    .await;
    let dsa = agreement(app, &t.admin.token, &cl.id, "data_sharing_agreement", json!({
        "purpose": "Share evaluation results", "parties": parties, "data_items": ["evaluation scores"],
        "lawful_basis": "public_task", "retention_period": "Three years", "review_date": "2027-09-01"
    }))
    .await;
    for (s, h) in cl.schools.iter().zip(&cl.heads) {
        sign(app, &tor, s, h).await;
        sign(app, &dsa, s, h).await;
    }
    (tor, dsa)
}

/// The organisations named in `field` (`named` or `narratives`) of an analysis.
fn named_orgs(a: &Value, field: &str) -> BTreeSet<String> {
    a[field]
        .as_array()
        .unwrap_or_else(|| panic!("{field} in {a}"))
        .iter()
        .map(|n| n["organisation_id"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The access-log rows `(viewer, consent)` of `org`, read by its head.
async fn access_log(app: &TestApp, org: &str, head: &Actor) -> Vec<(String, String)> {
    let r = app
        .get(
            &format!("/v1/organisations/{org}/access-log?limit=100"),
            &head.token,
        )
        .await
        .expect(200);
    items(&r)
        .iter()
        .map(|e| {
            (
                e["viewer_id"].as_str().unwrap_or("").to_owned(),
                e["consent_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn named_scores_and_narratives_follow_consent() {
    let app = spawn_app().await;
    let t = app.new_tenant("named").await;
    let coordinator = app.user(&t, "coord@named.example", &[], false).await;
    let cl = app.school_cluster(&t, 4, Some(&coordinator)).await;
    let s = cl.schools.clone();
    let h = cl.heads.clone();
    let (_tor, dsa) = agreements_in_force(&app, &t, &cl).await;
    // B shares its scores with the partnership; C its narrative; A and D nothing.
    let grant = |org: &str, head: &Actor, cat: &str| {
        let body = json!({ "grantee": { "kind": "partnership", "id": cl.id }, "categories": [cat],
                           "purpose": "Termly evaluation", "dsa_id": dsa });
        let path = format!("/v1/organisations/{org}/consents");
        let token = head.token.clone();
        let app = &app;
        async move { id(&app.post(&path, &token, body).await.expect(201)) }
    };
    let b_scores = grant(&s[1], &h[1], "evaluation_scores").await;
    let c_narr = grant(&s[2], &h[2], "evaluation_narrative").await;

    let fw = default_framework(&app, &h[0].token).await;
    let cid = open_cycle(&app, &coordinator.token, &cl.id, "Summer 2027", 86_400).await;
    let plan = [(4, 3), (3, 2), (2, 4), (1, 1)];
    for (i, tag) in ["A", "B", "C", "D"].into_iter().enumerate() {
        save_and_submit(&app, &h[i], &cid, &s[i], &fw, plan[i], tag).await;
    }
    set_status(&app, &coordinator.token, &cid, "closed")
        .await
        .expect(200);
    let log_b_before = access_log(&app, &s[1], &h[1]).await;
    let log_c_before = access_log(&app, &s[2], &h[2]).await;

    // Each partner sees B's scores (only B's) and C's narrative (only C's).
    for i in [0usize, 2, 3] {
        let r = analysis(&app, &h[i].token, &cid).await.expect(200);
        assert_eq!(
            named_orgs(&r.body, "named"),
            BTreeSet::from([s[1].clone()]),
            "school {i} sees B's scores only: {}",
            r.text
        );
        let named = &r.body["named"][0];
        assert_eq!(named["organisation_name"], "School B");
        let areas = named["areas"].as_array().expect("areas");
        assert_eq!(areas.len(), fw.areas.len());
        for (av, ad) in areas.iter().zip(&fw.areas) {
            assert_eq!(av["code"], json!(ad.code));
            close(&av["school_mean"], 3.0, "B's school mean");
            close(&av["partnership_mean"], 2.0, "B's partnership mean");
        }
        let others: BTreeSet<String> = named_orgs(&r.body, "narratives")
            .into_iter()
            .filter(|o| o != &s[i])
            .collect();
        if i == 2 {
            assert_eq!(
                others,
                BTreeSet::new(),
                "C sees no other narrative: {}",
                r.text
            );
            continue;
        }
        assert_eq!(
            others,
            BTreeSet::from([s[2].clone()]),
            "school {i} sees C's narrative only: {}",
            r.text
        );
        let c_rows: Vec<&Value> = r.body["narratives"]
            .as_array()
            .expect("narratives")
            .iter()
            .filter(|n| n["organisation_id"] == json!(s[2]))
            .collect();
        assert_eq!(c_rows.len(), fw.areas.len());
        for (n, ad) in c_rows.iter().zip(&fw.areas) {
            assert_eq!(n["area"], json!(ad.code));
            assert_eq!(
                n["strengths"],
                json!(format!("Strengths of C in {}", ad.code))
            );
            assert_eq!(
                n["areas_for_development"],
                json!(format!("Development of C in {}", ad.code))
            );
        }
        for tag in ["A", "B", "D"] {
            if (tag == "A" && i == 0) || (tag == "D" && i == 3) {
                continue;
            }
            assert!(
                !r.text.contains(&format!("Strengths of {tag}")),
                "school {i} sees {tag}'s narrative without consent"
            );
        }
    }
    // B sees no other school's scores (nobody else shared them).
    let r = analysis(&app, &h[1].token, &cid).await.expect(200);
    assert!(
        named_orgs(&r.body, "named").iter().all(|o| o == &s[1]),
        "{}",
        r.text
    );
    // A consent to the partnership does not reach the tenant admin.
    let r = analysis(&app, &t.admin.token, &cid).await.expect(200);
    assert_eq!(r.body["named"], json!([]), "{}", r.text);
    assert_eq!(r.body["narratives"], json!([]), "{}", r.text);

    // Every read of B's scores and C's narrative was access-audited for the owner.
    let log_b = access_log(&app, &s[1], &h[1]).await;
    let new_b: Vec<_> = log_b[log_b_before.len()..].to_vec();
    assert_eq!(
        new_b,
        vec![
            (h[0].id.clone(), b_scores.clone()),
            (h[2].id.clone(), b_scores.clone()),
            (h[3].id.clone(), b_scores.clone()),
        ],
        "B's access log"
    );
    let log_c = access_log(&app, &s[2], &h[2]).await;
    let new_c: Vec<_> = log_c[log_c_before.len()..].to_vec();
    assert_eq!(
        new_c,
        vec![
            (h[0].id.clone(), c_narr.clone()),
            (h[3].id.clone(), c_narr.clone()),
            (h[1].id.clone(), c_narr.clone()),
        ],
        "C's access log: A, D and B read its narrative (C's own read is not logged)"
    );
    let log_a = access_log(&app, &s[0], &h[0]).await;
    assert_eq!(log_a, vec![], "nobody saw A's data");

    // Revoked: hidden at once, and no more audit rows.
    app.post(
        &format!("/v1/consents/{b_scores}/revoke"),
        &h[1].token,
        json!({ "reason": "Governors asked" }),
    )
    .await
    .expect(200);
    let r = analysis(&app, &h[0].token, &cid).await.expect(200);
    assert_eq!(r.body["named"], json!([]), "after revocation: {}", r.text);
    assert!(!r.text.contains("School B"), "{}", r.text);
    check_stats(
        &r.body,
        &fw,
        &[
            Scored::new(&s[0], 4, 3, &[]),
            Scored::new(&s[1], 3, 2, &[]),
            Scored::new(&s[2], 2, 4, &[]),
            Scored::new(&s[3], 1, 1, &[]),
        ],
        3,
    );
    assert_eq!(
        access_log(&app, &s[1], &h[1]).await.len(),
        log_b.len(),
        "no access recorded after the revocation"
    );
    // The CSV carries aggregates only, never a school's name.
    let csv = app
        .get(&format!("/v1/cycles/{cid}/analysis.csv"), &h[0].token)
        .await
        .expect(200);
    for tag in ["School B", "School C", "School D"] {
        assert!(!csv.text.contains(tag), "{tag} in the CSV");
    }

    // The tenant admin sees a school's scores only by a consent to the tenant.
    let d_tenant = id(&app
        .post(
            &format!("/v1/organisations/{}/consents", s[3]),
            &h[3].token,
            json!({ "grantee": { "kind": "tenant" }, "categories": ["evaluation_scores"],
                    "purpose": "LA oversight" }),
        )
        .await
        .expect(201));
    let r = analysis(&app, &t.admin.token, &cid).await.expect(200);
    assert_eq!(
        named_orgs(&r.body, "named"),
        BTreeSet::from([s[3].clone()]),
        "{}",
        r.text
    );
    for av in r.body["named"][0]["areas"].as_array().expect("areas") {
        close(&av["school_mean"], 1.0, "D's school mean");
        close(&av["partnership_mean"], 1.0, "D's partnership mean");
    }
    let r = analysis(&app, &h[0].token, &cid).await.expect(200);
    assert_eq!(
        r.body["named"],
        json!([]),
        "a consent to the tenant does not reach the partners: {}",
        r.text
    );
    assert_eq!(
        access_log(&app, &s[3], &h[3]).await,
        vec![(t.admin.id.clone(), d_tenant)],
        "D's access log"
    );
}

/// DESIGN §2: "the new member gains no access to shared data or aggregates until it has signed
/// both" the ToR and the DSA in force.
#[tokio::test]
async fn a_newcomer_sees_no_aggregates_until_it_has_signed_the_tor_and_dsa() {
    let app = spawn_app().await;
    let t = app.new_tenant("newcomer").await;
    let coordinator = app.user(&t, "coord@newcomer.example", &[], false).await;
    let cl = app.school_cluster(&t, 3, Some(&coordinator)).await;
    let (tor, dsa) = agreements_in_force(&app, &t, &cl).await;
    let fw = default_framework(&app, &coordinator.token).await;
    let cid = open_cycle(&app, &coordinator.token, &cl.id, "Autumn 2027", 86_400).await;
    for (i, tag) in ["A", "B", "C"].into_iter().enumerate() {
        save_and_submit(&app, &cl.heads[i], &cid, &cl.schools[i], &fw, (2, 3), tag).await;
    }
    set_status(&app, &coordinator.token, &cid, "closed")
        .await
        .expect(200);

    let (e, e_head) = app.school_with_head(&t, "E", 4).await;
    app.join_partnership(&t, &cl.id, &e, &e_head).await;
    let no_numbers = |r: &Reply, why: &str| {
        assert!(
            r.status.as_u16() == 403 || (r.status.as_u16() == 200 && r.body.get("areas").is_none()),
            "{why}: no aggregates (403, or no areas) — got {}: {}",
            r.status,
            &r.text[..r.text.len().min(300)]
        );
    };
    let r = analysis(&app, &e_head.token, &cid).await;
    no_numbers(&r, "a newcomer that has signed nothing");
    let csv = app
        .get(&format!("/v1/cycles/{cid}/analysis.csv"), &e_head.token)
        .await;
    assert_ne!(
        csv.status.as_u16(),
        200,
        "the CSV to an unsigned newcomer: {}",
        csv.text
    );
    sign(&app, &tor, &e, &e_head).await;
    let r = analysis(&app, &e_head.token, &cid).await;
    no_numbers(&r, "a newcomer that has signed the ToR only");
    sign(&app, &dsa, &e, &e_head).await;
    let r = analysis(&app, &e_head.token, &cid).await.expect(200);
    assert!(r.body["areas"].is_array(), "{}", r.text);
    check_stats(
        &r.body,
        &fw,
        &[
            Scored::new(&cl.schools[0], 2, 3, &[]),
            Scored::new(&cl.schools[1], 2, 3, &[]),
            Scored::new(&cl.schools[2], 2, 3, &[]),
        ],
        3,
    );
    // The existing members were never cut off.
    analysis(&app, &cl.heads[0].token, &cid).await.expect(200);
}

// ---------------------------------------------------------------------------------------------
// OPTIONAL: trend across two cycles (the implementation may not have it yet).

#[tokio::test]
async fn optional_trend_across_two_cycles() {
    let app = spawn_app().await;
    let t = app.new_tenant("trend").await;
    let coordinator = app.user(&t, "coord@trend.example", &[], false).await;
    let cl = app.school_cluster(&t, 3, Some(&coordinator)).await;
    let fw = default_framework(&app, &coordinator.token).await;
    let first = open_cycle(&app, &coordinator.token, &cl.id, "Autumn 2026", 86_400).await;
    for (i, tag) in ["A", "B", "C"].into_iter().enumerate() {
        save_and_submit(&app, &cl.heads[i], &first, &cl.schools[i], &fw, (2, 2), tag).await;
    }
    set_status(&app, &coordinator.token, &first, "closed")
        .await
        .expect(200);
    set_status(&app, &coordinator.token, &first, "published")
        .await
        .expect(200);
    let second = open_cycle(&app, &coordinator.token, &cl.id, "Spring 2027", 86_400).await;
    for (i, tag) in ["A", "B", "C"].into_iter().enumerate() {
        save_and_submit(
            &app,
            &cl.heads[i],
            &second,
            &cl.schools[i],
            &fw,
            (3, 4),
            tag,
        )
        .await;
    }
    set_status(&app, &coordinator.token, &second, "closed")
        .await
        .expect(200);

    let r = analysis(&app, &cl.heads[0].token, &second)
        .await
        .expect(200);
    let trend = r.body["trend"].as_array().expect("trend");
    assert!(
        !trend.is_empty(),
        "the trend has the earlier cycle: {}",
        r.text
    );
    let text = serde_json::to_string(trend).expect("json");
    assert!(
        text.contains(&first),
        "the trend names the earlier cycle {first}: {text}"
    );
    // The earlier cycle's area means (2 and 2) appear alongside this one's (3 and 4).
    let earlier = trend
        .iter()
        .find(|e| serde_json::to_string(e).expect("json").contains(&first))
        .expect("earlier");
    let nums: Vec<f64> = {
        fn walk(v: &Value, out: &mut Vec<f64>) {
            match v {
                Value::Number(n) => out.extend(n.as_f64()),
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                Value::Object(o) => o.values().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(earlier, &mut out);
        out
    };
    assert!(
        nums.iter().any(|n| (n - 2.0).abs() < 1e-9),
        "the earlier cycle's mean of 2 appears: {earlier}"
    );
    // The first cycle has no earlier one.
    let r = analysis(&app, &cl.heads[0].token, &first).await.expect(200);
    let text = serde_json::to_string(&r.body["trend"]).expect("json");
    assert!(
        !text.contains(&second),
        "no later cycle in the trend: {text}"
    );
}
