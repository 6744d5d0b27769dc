//! Trend across two cycles whose framework changed: version 2 renames a sub-theme (same codes)
//! and adds a sub-theme and an area. The trend follows the criteria both versions share; an
//! area with none is reported as having no baseline.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

fn definition(v2: bool) -> Value {
    let mut areas = vec![
        json!({ "code": "A", "title": "Shared ambition", "sub_themes": [
            { "code": "A.1", "title": if v2 { "Our shared vision" } else { "Vision" }, "criteria": [
                { "code": "A.1.1", "question": "To what extent is our vision shared?", "dimension": "trust" },
                { "code": "A.1.2", "question": "To what extent does it stretch us?", "dimension": "challenge" }
            ]}
        ]}),
        json!({ "code": "B", "title": "Knowing our impact", "sub_themes": [
            { "code": "B.1", "title": "Evidence", "criteria": [
                { "code": "B.1.1", "question": "To what extent do we use evidence honestly?", "dimension": "challenge" }
            ]}
        ]}),
    ];
    if v2 {
        areas[0]["sub_themes"].as_array_mut().expect("array").push(json!(
            { "code": "A.2", "title": "Commitment", "criteria": [
                { "code": "A.2.1", "question": "To what extent do we keep our commitments?", "dimension": "trust" }
            ]}
        ));
        areas.push(json!({ "code": "C", "title": "Belonging", "sub_themes": [
            { "code": "C.1", "title": "Voice", "criteria": [
                { "code": "C.1.1", "question": "To what extent does every school have a voice?", "dimension": "trust" }
            ]}
        ]}));
    }
    json!({ "scale": { "min": 1, "max": 4, "labels": ["Not yet", "Emerging", "Established", "Embedded"] }, "areas": areas })
}

fn codes(def: &Value) -> Vec<String> {
    def["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .flat_map(|a| a["sub_themes"].as_array().expect("sub_themes").iter())
        .flat_map(|s| s["criteria"].as_array().expect("criteria").iter())
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect()
}

/// Runs a term: opens a cycle on the framework version, every school scores `score` on every
/// criterion and submits, and the cycle closes. Returns the cycle id.
/// The framework version a term uses: its id, number and definition.
struct Framework<'a>(&'a str, i64, &'a Value);

async fn term(
    app: &TestApp,
    t: &Tenant,
    c: &SchoolCluster,
    title: &str,
    fw: Framework<'_>,
    score: i64,
) -> String {
    let Framework(framework, version, def) = fw;
    let cycle = app
        .post(
            &format!("/v1/partnerships/{}/cycles", c.id),
            &t.admin.token,
            json!({ "title": title, "framework_id": framework, "framework_version": version,
                    "opens_at": "2026-01-01T00:00:00Z", "closes_at": "2035-01-01T00:00:00Z" }),
        )
        .await
        .expect(201);
    let id = cycle.body["id"].as_str().expect("id").to_owned();
    app.post(
        &format!("/v1/cycles/{id}/status"),
        &t.admin.token,
        json!({ "status": "open" }),
    )
    .await
    .expect(200);
    let scores: Vec<Value> = codes(def)
        .iter()
        .map(|c| json!({ "criterion": c, "school_score": score, "partnership_score": score }))
        .collect();
    for (school, head) in c.schools.iter().zip(&c.heads) {
        let path = format!("/v1/cycles/{id}/submissions/{school}");
        let rb = app
            .request(Method::PUT, &path, Some(&head.token))
            .header("if-match", "\"v0\"")
            .json(&json!({ "scores": scores }));
        app.send(rb).await.expect(200);
        app.post_empty(&format!("{path}/submit"), &head.token)
            .await
            .expect(200);
    }
    app.post(
        &format!("/v1/cycles/{id}/status"),
        &t.admin.token,
        json!({ "status": "closed" }),
    )
    .await
    .expect(200);
    id
}

#[tokio::test]
async fn the_trend_follows_the_criteria_a_new_framework_version_keeps() {
    let app = spawn_app().await;
    let t = app.new_tenant("trends").await;
    let c = app.school_cluster(&t, 3, None).await;
    let (v1, v2) = (definition(false), definition(true));
    let f = app
        .post(
            "/v1/frameworks",
            &t.admin.token,
            json!({ "name": "Our framework", "definition": v1 }),
        )
        .await
        .expect(201);
    let fid = f.body["framework_id"].as_str().expect("id").to_owned();
    app.post_empty(
        &format!("/v1/frameworks/{fid}/versions/1/publish"),
        &t.admin.token,
    )
    .await
    .expect(200);
    let autumn = term(&app, &t, &c, "Autumn 2026", Framework(&fid, 1, &v1), 2).await;

    app.post(
        &format!("/v1/frameworks/{fid}/versions"),
        &t.admin.token,
        json!({ "definition": v2, "carried_over": ["A.1.1", "A.1.2", "B.1.1"] }),
    )
    .await
    .expect(201);
    app.post_empty(
        &format!("/v1/frameworks/{fid}/versions/2/publish"),
        &t.admin.token,
    )
    .await
    .expect(200);
    let spring = term(&app, &t, &c, "Spring 2027", Framework(&fid, 2, &v2), 4).await;

    let r = app
        .get(&format!("/v1/cycles/{spring}/analysis"), &c.heads[0].token)
        .await
        .expect(200);
    // This term's means: every school scored 4 on every criterion, the new ones included.
    let areas = r.body["areas"].as_array().expect("areas");
    assert_eq!(
        areas.iter().map(|a| a["code"].clone()).collect::<Vec<_>>(),
        vec![json!("A"), json!("B"), json!("C")]
    );
    assert!(
        areas.iter().all(|a| a["school"]["mean"] == json!(4.0)),
        "{}",
        r.text
    );
    assert_eq!(areas[0]["sub_themes"][0]["title"], "Our shared vision");
    // The trend: the autumn term's means (2) on the criteria both versions share; area C is new.
    let trend = r.body["trend"].as_array().expect("trend");
    assert_eq!(trend.len(), 1, "{}", r.text);
    assert_eq!(trend[0]["cycle_id"], json!(autumn));
    assert_eq!(trend[0]["title"], "Autumn 2026");
    let then: Vec<(Value, Value)> = trend[0]["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .map(|a| (a["code"].clone(), a["school_mean"].clone()))
        .collect();
    assert_eq!(
        then,
        vec![(json!("A"), json!(2.0)), (json!("B"), json!(2.0))]
    );
    assert_eq!(trend[0]["no_baseline"], json!(["C"]));
    // The first term has no earlier one.
    let r = app
        .get(&format!("/v1/cycles/{autumn}/analysis"), &c.heads[0].token)
        .await
        .expect(200);
    assert_eq!(r.body["trend"], json!([]));
}
