//! Agreements: MOUs, terms of reference and data-sharing agreements — drafting with ETags,
//! the gate to signature, multi-party signature, declines and new versions, re-signature after
//! a membership change, the register, rendered documents, audit and tenant isolation.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// Helpers.

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Today plus `offset` days, as "YYYY-MM-DD".
fn day(offset: u64) -> String {
    (today() + Days::new(offset)).format("%Y-%m-%d").to_string()
}

fn vpath(agr: &str, n: i32) -> String {
    format!("/v1/agreements/{agr}/versions/{n}")
}

/// The strings of a JSON array, sorted.
fn set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

fn strs(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// The ids of a list answer.
fn item_ids(r: &Reply) -> BTreeSet<String> {
    items(r)
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The 422's pointers, as a set.
fn pointer_set(r: &Reply) -> BTreeSet<String> {
    r.pointers().into_iter().collect()
}

/// A complete MOU between `parties`, each contributing staff time.
fn mou(parties: &[&str], review: &str) -> Value {
    let contributions: Vec<Value> = parties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "party": p, "gives": format!("Contribution of party {i}"), "receives": "Shared CPD",
                "category": "staff_time", "quantity": "2 days a term", "from": day(0), "until": day(300)
            })
        })
        .collect();
    json!({
        "aims": ["Every child reads fluently by eleven"],
        "parties": parties,
        "contributions": contributions,
        "start_date": day(0),
        "end_date": day(365),
        "governance": "A board of the heads",
        "meeting_cycle": "Half-termly",
        "success_measures": ["Reading scores rise by five points"],
        "review_date": review,
        "not_legally_binding": true
    })
}

/// Complete terms of reference.
fn tor(review: &str) -> Value {
    json!({
        "purpose": "To raise standards in reading across our schools",
        "membership": "The heads of the member schools",
        "chair": "Elected annually",
        "deputy_chair": "The previous chair",
        "quorum_rule": "Three of the heads",
        "voting": "Simple majority",
        "spending_limits": "Up to 500 pounds without a vote",
        "meeting_frequency": "Twice a term",
        "data_sharing_protocol": "Under the partnership DSA",
        "review_date": review
    })
}

/// A complete data-sharing agreement with these parties as joint controllers.
fn dsa(parties: &[&str], review: &str, end: Option<&str>) -> Value {
    let ps: Vec<Value> = parties
        .iter()
        .map(|p| json!({ "organisation_id": p, "role": "joint_controller" }))
        .collect();
    json!({
        "purpose": "To compare evaluation scores across the partnership",
        "parties": ps,
        "data_items": ["Evaluation scores", "Evaluation narrative"],
        "lawful_basis": "public_task",
        "special_category_conditions": "No special-category data is shared",
        "childrens_data": "No pupil-level data is shared",
        "transfer_and_security": "Only through Concord, over TLS",
        "retention_period": "Three academic years",
        "deletion": "Deleted by the coordinator at the end of the period",
        "subject_rights_contact": "dpo@cluster.example",
        "breach_contact": "breach@cluster.example",
        "review_date": review,
        "end_date": end
    })
}

/// Creates an agreement (201); returns its id.
async fn new_agreement(
    app: &TestApp,
    token: &str,
    partnership: &str,
    kind: &str,
    title: &str,
    body: Value,
) -> String {
    let r = app
        .post(
            &format!("/v1/partnerships/{partnership}/agreements"),
            token,
            json!({ "kind": kind, "title": title, "body": body }),
        )
        .await
        .expect(201);
    r.body["id"].as_str().expect("id").to_owned()
}

/// Version `n` (200).
async fn version(app: &TestApp, token: &str, agr: &str, n: i32) -> Reply {
    app.get(&vpath(agr, n), token).await.expect(200)
}

async fn etag(app: &TestApp, token: &str, agr: &str, n: i32) -> String {
    version(app, token, agr, n)
        .await
        .header("etag")
        .expect("a version has an ETag")
}

/// Changes a draft with its current ETag (the reply is not checked).
async fn edit(app: &TestApp, token: &str, agr: &str, n: i32, change: Value) -> Reply {
    let tag = etag(app, token, agr, n).await;
    app.patch(&vpath(agr, n), token, Some(&tag), change).await
}

async fn open(app: &TestApp, token: &str, agr: &str, n: i32) -> Reply {
    app.post_empty(&format!("{}/open", vpath(agr, n)), token)
        .await
}

async fn sign(app: &TestApp, who: &Actor, agr: &str, n: i32, org: &str) -> Reply {
    app.post(
        &format!("{}/sign", vpath(agr, n)),
        &who.token,
        json!({ "organisation_id": org }),
    )
    .await
}

async fn sign_as(
    app: &TestApp,
    who: &Actor,
    agr: &str,
    n: i32,
    org: &str,
    capacity: &str,
) -> Reply {
    app.post(
        &format!("{}/sign", vpath(agr, n)),
        &who.token,
        json!({ "organisation_id": org, "capacity": capacity }),
    )
    .await
}

async fn decline(app: &TestApp, who: &Actor, agr: &str, n: i32, org: &str, reason: &str) -> Reply {
    app.post(
        &format!("{}/decline", vpath(agr, n)),
        &who.token,
        json!({ "organisation_id": org, "reason": reason }),
    )
    .await
}

async fn withdraw(app: &TestApp, token: &str, agr: &str, n: i32) -> Reply {
    app.post(
        &format!("{}/withdraw", vpath(agr, n)),
        token,
        json!({ "reason": "Replaced by the trust's policy" }),
    )
    .await
}

/// The head of one of the cluster's schools.
fn head_of<'a>(c: &'a SchoolCluster, org: &str) -> &'a Actor {
    let i = c
        .schools
        .iter()
        .position(|s| s == org)
        .unwrap_or_else(|| panic!("{org} is not in the cluster"));
    &c.heads[i]
}

/// Every required party's head signs version `n` (already open); the last brings it into force.
async fn sign_all(app: &TestApp, c: &SchoolCluster, agr: &str, n: i32) -> Reply {
    let v = version(app, &c.heads[0].token, agr, n).await;
    let mut last = None;
    for org in set(&v.body["required_parties"]) {
        last = Some(sign(app, head_of(c, &org), agr, n, &org).await.expect(200));
    }
    let last = last.expect("a required party");
    assert_eq!(last.body["status"], "in_force", "{}", last.text);
    last
}

/// An agreement drafted by the tenant admin, opened, and signed by every required party.
async fn in_force(
    app: &TestApp,
    t: &Tenant,
    c: &SchoolCluster,
    kind: &str,
    title: &str,
    body: Value,
) -> String {
    let agr = new_agreement(app, &t.admin.token, &c.id, kind, title, body).await;
    open(app, &t.admin.token, &agr, 1).await.expect(200);
    sign_all(app, c, &agr, 1).await;
    agr
}

fn statuses(agreement: &Reply) -> Vec<(i64, String)> {
    agreement.body["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["number"].as_i64().expect("number"),
                v["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

fn st(v: &[(i64, &str)]) -> Vec<(i64, String)> {
    v.iter().map(|(n, s)| (*n, (*s).to_owned())).collect()
}

// ---------------------------------------------------------------------------------------------
// The MOU lifecycle: declined, revised, signed, in force; old versions superseded.

#[tokio::test]
async fn mou_declined_then_revised_and_signed_by_every_named_party_comes_into_force() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 3, None).await;
    let (a, b, third) = (&c.schools[0], &c.schools[1], &c.schools[2]);
    let (head_a, head_b, head_c) = (&c.heads[0], &c.heads[1], &c.heads[2]);

    // Head A drafts it.
    let created = app
        .post(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &head_a.token,
            json!({ "kind": "mou", "title": "Reading together" }),
        )
        .await
        .expect(201);
    let agr = created.body["id"].as_str().expect("id").to_owned();
    assert!(agr.starts_with("agr_"), "{agr}");
    assert_eq!(
        created.header("location"),
        Some(format!("/v1/agreements/{agr}"))
    );
    assert_eq!(created.body["partnership_id"], json!(c.id));
    assert_eq!(created.body["kind"], "mou");
    assert_eq!(created.body["title"], "Reading together");
    assert_eq!(created.body["created_by"], json!(head_a.id));
    assert!(created.body["created_at"].is_string());
    assert_eq!(
        created.body["versions"],
        json!([{ "number": 1, "status": "draft", "effective_from": null, "needs_resignature": false }])
    );
    let got = app
        .get(&format!("/v1/agreements/{agr}"), &head_b.token)
        .await
        .expect(200);
    for field in [
        "id",
        "partnership_id",
        "kind",
        "title",
        "created_by",
        "versions",
    ] {
        assert_eq!(got.body[field], created.body[field], "{field}");
    }

    let v1 = version(&app, &head_a.token, &agr, 1).await;
    assert_eq!(v1.body["agreement_id"], json!(agr));
    assert_eq!(v1.body["number"], 1);
    assert_eq!(v1.body["kind"], "mou");
    assert_eq!(v1.body["status"], "draft");
    assert_eq!(v1.body["signatures"], json!([]));
    assert_eq!(
        v1.header("etag"),
        Some(format!("\"v{}\"", v1.body["version"]))
    );

    // Its body names A and B; C is a member but not a party.
    let body = mou(&[a, b], &day(200));
    let edited = edit(&app, &head_a.token, &agr, 1, json!({ "body": body }))
        .await
        .expect(200);
    assert_eq!(edited.body["body"]["parties"], json!([a, b]));
    assert_eq!(
        edited.body["body"]["contributions"][0]["gives"],
        "Contribution of party 0"
    );
    assert_eq!(edited.body["review_date"], json!(day(200)));
    assert_eq!(edited.body["end_date"], json!(day(365)));

    let opened = open(&app, &head_a.token, &agr, 1).await.expect(200);
    assert_eq!(opened.body["status"], "open_for_signature");
    assert_eq!(set(&opened.body["required_parties"]), strs(&[a, b]));
    assert_eq!(set(&opened.body["unsigned_parties"]), strs(&[a, b]));

    // C is not a party.
    let r = sign(&app, head_c, &agr, 1, third).await.expect(403);
    assert_eq!(r.code(), "not_a_party");

    // A signs; B declines, with a reason.
    let signed = sign(&app, head_a, &agr, 1, a).await.expect(200);
    assert_eq!(signed.body["status"], "open_for_signature");
    assert_eq!(set(&signed.body["unsigned_parties"]), strs(&[b]));
    let s = &signed.body["signatures"][0];
    assert_eq!(s["organisation_id"], json!(a));
    assert_eq!(s["decision"], "signed");
    assert_eq!(s["user_id"], json!(head_a.id));
    assert_eq!(s["capacity"], "head");
    assert!(s["at"].is_string());

    // A party that signed cannot then decline.
    let r = decline(&app, head_a, &agr, 1, a, "Changed our mind")
        .await
        .expect(409);
    assert_eq!(r.code(), "already_signed");
    let r = app
        .post(
            &format!("{}/decline", vpath(&agr, 1)),
            &head_b.token,
            json!({ "organisation_id": b }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/reason"]);
    let declined = decline(
        &app,
        head_b,
        &agr,
        1,
        b,
        "Our contribution should be one day a term",
    )
    .await
    .expect(200);
    assert_eq!(declined.body["status"], "declined");
    let d = declined.body["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .find(|s| s["organisation_id"] == json!(b))
        .cloned()
        .expect("B's answer");
    assert_eq!(d["decision"], "declined");
    assert_eq!(d["reason"], "Our contribution should be one day a term");

    // A new draft follows, with the same title and body, and no signatures.
    let ag = app
        .get(&format!("/v1/agreements/{agr}"), &head_a.token)
        .await
        .expect(200);
    assert_eq!(statuses(&ag), st(&[(1, "declined"), (2, "draft")]));
    let v2 = version(&app, &head_a.token, &agr, 2).await;
    assert_eq!(v2.body["status"], "draft");
    assert_eq!(v2.body["title"], "Reading together");
    assert_eq!(v2.body["body"], declined.body["body"]);
    assert_eq!(v2.body["signatures"], json!([]));

    // The declined version can no longer be signed.
    let r = sign(&app, head_b, &agr, 1, b).await.expect(409);
    assert_eq!(r.code(), "not_open_for_signature");

    // v2: B gives one day a term; both sign; it comes into force today.
    let mut body2 = body.clone();
    body2["contributions"][1]["quantity"] = json!("1 day a term");
    edit(&app, &head_a.token, &agr, 2, json!({ "body": body2 }))
        .await
        .expect(200);
    open(&app, &head_a.token, &agr, 2).await.expect(200);
    let r = sign(&app, head_a, &agr, 2, a).await.expect(200);
    assert_eq!(r.body["status"], "open_for_signature");
    assert_eq!(r.body["effective_from"], Value::Null);
    // Signing twice.
    let r = sign(&app, head_a, &agr, 2, a).await.expect(409);
    assert_eq!(r.code(), "already_signed");
    let last = sign(&app, head_b, &agr, 2, b).await.expect(200);
    assert_eq!(last.body["status"], "in_force");
    assert_eq!(last.body["effective_from"], json!(today().to_string()));
    assert_eq!(last.body["unsigned_parties"], json!([]));
    assert_eq!(last.body["needs_resignature"], false);
    assert_eq!(
        last.body["body"]["contributions"][1]["quantity"],
        "1 day a term"
    );
    assert_eq!(last.body["signatures"].as_array().map(Vec::len), Some(2));

    // v1 is superseded.
    let v1 = version(&app, &head_a.token, &agr, 1).await;
    assert_eq!(v1.body["status"], "superseded");
    let ag = app
        .get(&format!("/v1/agreements/{agr}"), &head_c.token)
        .await
        .expect(200);
    assert_eq!(statuses(&ag), st(&[(1, "superseded"), (2, "in_force")]));
    assert_eq!(
        ag.body["versions"][1]["effective_from"],
        json!(today().to_string())
    );

    // Signing the old version fails; so does signing the in-force version again (it is only
    // open to parties that have not signed it).
    let r = sign(&app, head_a, &agr, 1, a).await.expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    let r = sign(&app, head_b, &agr, 1, b).await.expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    let r = sign(&app, head_a, &agr, 2, a).await.expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    assert_eq!(
        version(&app, &head_a.token, &agr, 2).await.body["signatures"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // A signed, in-force version never changes.
    let tag = etag(&app, &head_a.token, &agr, 2).await;
    let r = app
        .patch(
            &vpath(&agr, 2),
            &head_a.token,
            Some(&tag),
            json!({ "title": "Changed after signing" }),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "not_a_draft");
    let r = open(&app, &head_a.token, &agr, 2).await.expect(409);
    assert_eq!(r.code(), "not_a_draft");
    let v2 = version(&app, &head_a.token, &agr, 2).await;
    assert_eq!(v2.body["title"], "Reading together");
    assert_eq!(v2.body["body"], last.body["body"]);
    assert_eq!(v2.header("etag"), Some(tag));

    // The partnership's list.
    let list = app
        .get(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &head_c.token,
        )
        .await
        .expect(200);
    let it = items(&list);
    assert_eq!(it.len(), 1);
    assert_eq!(it[0]["id"], json!(agr));
    assert_eq!(it[0]["partnership_id"], json!(c.id));
    assert_eq!(it[0]["kind"], "mou");
    assert_eq!(it[0]["title"], "Reading together");
    assert_eq!(
        it[0]["latest_version"],
        json!({ "number": 2, "status": "in_force" })
    );
    assert_eq!(it[0]["in_force_version"], 2);
    assert_eq!(it[0]["review_date"], json!(day(200)));
    assert_eq!(it[0]["end_date"], json!(day(365)));
    assert_eq!(it[0]["needs_resignature"], false);
}

// ---------------------------------------------------------------------------------------------
// Concurrent edits.

#[tokio::test]
async fn concurrent_edits_of_a_draft_need_the_current_etag() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let head_a = &c.heads[0];
    let agr = new_agreement(
        &app,
        &head_a.token,
        &c.id,
        "terms_of_reference",
        "Terms of reference",
        json!({ "purpose": "First purpose" }),
    )
    .await;
    let v = version(&app, &t.admin.token, &agr, 1).await;
    assert_eq!(v.body["body"]["purpose"], "First purpose");
    let first = v.header("etag").expect("etag");
    assert!(first.starts_with("\"v") && first.ends_with('"'), "{first}");

    // Without If-Match: 428, nothing changes.
    app.patch(
        &vpath(&agr, 1),
        &head_a.token,
        None,
        json!({ "body": { "purpose": "Nobody's purpose" } }),
    )
    .await
    .expect(428);

    // The admin and head A both read `first`; the admin saves first.
    let admin = app
        .patch(
            &vpath(&agr, 1),
            &t.admin.token,
            Some(&first),
            json!({ "body": { "purpose": "The admin's purpose", "membership": "All heads" } }),
        )
        .await
        .expect(200);
    assert_eq!(admin.body["body"]["purpose"], "The admin's purpose");
    assert_eq!(admin.body["body"]["membership"], "All heads");
    let second = admin.header("etag").expect("etag");
    assert_ne!(second, first);
    assert_eq!(second, format!("\"v{}\"", admin.body["version"]));

    // Head A's save on the stale tag is refused.
    let r = app
        .patch(
            &vpath(&agr, 1),
            &head_a.token,
            Some(&first),
            json!({ "body": { "purpose": "Head A's purpose" } }),
        )
        .await
        .expect(412);
    assert_eq!(r.code(), "etag_mismatch");
    let v = version(&app, &head_a.token, &agr, 1).await;
    assert_eq!(v.body["body"]["purpose"], "The admin's purpose");
    assert_eq!(v.body["body"]["membership"], "All heads");
    assert_eq!(v.header("etag"), Some(second.clone()));

    // With the fresh tag it goes through; the body is replaced whole.
    let r = app
        .patch(
            &vpath(&agr, 1),
            &head_a.token,
            Some(&second),
            json!({ "title": "Terms of reference 2026-27", "body": { "purpose": "Head A's purpose" } }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["title"], "Terms of reference 2026-27");
    assert_eq!(r.body["body"]["purpose"], "Head A's purpose");
    assert_eq!(r.body["body"]["membership"], Value::Null);
    assert_eq!(r.body["status"], "draft");
    let v = version(&app, &t.admin.token, &agr, 1).await;
    assert_eq!(v.body["title"], "Terms of reference 2026-27");
    assert_eq!(v.body["body"], r.body["body"]);

    // A title-only change keeps the body.
    let r = edit(&app, &t.admin.token, &agr, 1, json!({ "title": "ToR" }))
        .await
        .expect(200);
    assert_eq!(r.body["title"], "ToR");
    assert_eq!(r.body["body"]["purpose"], "Head A's purpose");
}

// ---------------------------------------------------------------------------------------------
// The gate to signature.

#[tokio::test]
async fn a_dsa_missing_fields_cannot_be_opened_and_each_is_pointed_at() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let agr = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "data_sharing_agreement",
        "Evaluation data sharing",
        json!({}),
    )
    .await;

    let r = open(&app, &t.admin.token, &agr, 1).await.expect(422);
    assert_eq!(
        pointer_set(&r),
        strs(&[
            "/body/purpose",
            "/body/lawful_basis",
            "/body/data_items",
            "/body/retention_period",
            "/body/parties",
            "/body/review_date",
        ]),
        "{}",
        r.text
    );
    for e in r.body["errors"].as_array().expect("errors") {
        assert_eq!(e["code"], "required", "{e}");
    }
    assert_eq!(
        version(&app, &t.admin.token, &agr, 1).await.body["status"],
        "draft"
    );

    // Some filled in: only the rest is reported.
    edit(
        &app,
        &t.admin.token,
        &agr,
        1,
        json!({ "body": { "purpose": "Compare scores", "lawful_basis": "public_task", "data_items": ["Evaluation scores"] } }),
    )
    .await
    .expect(200);
    let r = open(&app, &t.admin.token, &agr, 1).await.expect(422);
    assert_eq!(
        pointer_set(&r),
        strs(&[
            "/body/retention_period",
            "/body/parties",
            "/body/review_date"
        ]),
        "{}",
        r.text
    );

    // Bad values are refused while drafting.
    let r = edit(
        &app,
        &t.admin.token,
        &agr,
        1,
        json!({ "body": { "lawful_basis": "because" } }),
    )
    .await
    .expect(422);
    assert_eq!(r.pointers(), vec!["/body/lawful_basis"]);
    let r = edit(
        &app,
        &t.admin.token,
        &agr,
        1,
        json!({ "body": { "review_date": "2026-13-40" } }),
    )
    .await
    .expect(422);
    assert_eq!(r.pointers(), vec!["/body/review_date"]);
    let r = edit(
        &app,
        &t.admin.token,
        &agr,
        1,
        json!({ "body": { "purpose": "x", "favourite_colour": "blue" } }),
    )
    .await
    .expect(422);
    assert!(
        r.pointers().iter().all(|p| p.starts_with("/body")) && !r.pointers().is_empty(),
        "{}",
        r.text
    );
    // Nothing of those was saved.
    let v = version(&app, &t.admin.token, &agr, 1).await;
    assert_eq!(v.body["body"]["purpose"], "Compare scores");
    assert_eq!(v.body["body"]["lawful_basis"], "public_task");

    // Complete: it opens, and every active member must sign.
    edit(
        &app,
        &t.admin.token,
        &agr,
        1,
        json!({ "body": dsa(&[a, b], &day(100), None) }),
    )
    .await
    .expect(200);
    let opened = open(&app, &t.admin.token, &agr, 1).await.expect(200);
    assert_eq!(opened.body["status"], "open_for_signature");
    assert_eq!(set(&opened.body["required_parties"]), strs(&[a, b]));
    assert_eq!(opened.body["body"]["lawful_basis"], "public_task");
    assert_eq!(
        opened.body["body"]["data_items"],
        json!(["Evaluation scores", "Evaluation narrative"])
    );
    // Frozen now.
    let r = edit(&app, &t.admin.token, &agr, 1, json!({ "title": "Changed" }))
        .await
        .expect(409);
    assert_eq!(r.code(), "not_a_draft");
    let r = open(&app, &t.admin.token, &agr, 1).await.expect(409);
    assert_eq!(r.code(), "not_a_draft");
}

#[tokio::test]
async fn terms_of_reference_and_mou_are_checked_before_signature() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 3, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let (outsider, _) = app.school_with_head(&t, "Z", 25).await;

    // ToR.
    let tor_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "terms_of_reference",
        "ToR",
        json!({ "chair": "Head of School A" }),
    )
    .await;
    let r = open(&app, &t.admin.token, &tor_id, 1).await.expect(422);
    assert_eq!(
        pointer_set(&r),
        strs(&[
            "/body/purpose",
            "/body/membership",
            "/body/quorum_rule",
            "/body/meeting_frequency",
            "/body/review_date",
        ]),
        "{}",
        r.text
    );
    edit(
        &app,
        &t.admin.token,
        &tor_id,
        1,
        json!({ "body": tor(&day(100)) }),
    )
    .await
    .expect(200);
    let opened = open(&app, &t.admin.token, &tor_id, 1).await.expect(200);
    assert_eq!(
        set(&opened.body["required_parties"]),
        set(&json!(c.schools))
    );

    // MOU: one party, nothing else.
    let mou_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "mou",
        "MOU",
        json!({ "parties": [a] }),
    )
    .await;
    let r = open(&app, &t.admin.token, &mou_id, 1).await.expect(422);
    let ps = pointer_set(&r);
    for p in [
        "/body/parties",
        "/body/contributions",
        "/body/start_date",
        "/body/end_date",
        "/body/review_date",
    ] {
        assert!(ps.contains(p), "{p} missing from {}", r.text);
    }
    for e in r.body["errors"].as_array().expect("errors") {
        assert_eq!(e["code"], "required", "{e}");
    }

    // A party that is not a member of the partnership.
    edit(
        &app,
        &t.admin.token,
        &mou_id,
        1,
        json!({ "body": mou(&[a, &outsider], &day(100)) }),
    )
    .await
    .expect(200);
    let r = open(&app, &t.admin.token, &mou_id, 1).await.expect(422);
    assert!(
        r.pointers().iter().any(|p| p.starts_with("/body/parties")),
        "{}",
        r.text
    );

    // The end before the start.
    let mut body = mou(&[a, b], &day(100));
    body["start_date"] = json!(day(30));
    body["end_date"] = json!(day(10));
    edit(&app, &t.admin.token, &mou_id, 1, json!({ "body": body }))
        .await
        .expect(200);
    let r = open(&app, &t.admin.token, &mou_id, 1).await.expect(422);
    assert_eq!(r.pointers(), vec!["/body/end_date"], "{}", r.text);

    // A contribution from someone who is not a party.
    let mut body = mou(&[a, b], &day(100));
    body["contributions"][0]["party"] = json!(c.schools[2]);
    edit(&app, &t.admin.token, &mou_id, 1, json!({ "body": body }))
        .await
        .expect(200);
    let r = open(&app, &t.admin.token, &mou_id, 1).await.expect(422);
    assert!(
        r.pointers()
            .iter()
            .any(|p| p.starts_with("/body/contributions")),
        "{}",
        r.text
    );
    assert_eq!(
        version(&app, &t.admin.token, &mou_id, 1).await.body["status"],
        "draft"
    );

    // Complete: opens; the required parties are the named ones.
    edit(
        &app,
        &t.admin.token,
        &mou_id,
        1,
        json!({ "body": mou(&[a, b], &day(100)) }),
    )
    .await
    .expect(200);
    let opened = open(&app, &t.admin.token, &mou_id, 1).await.expect(200);
    assert_eq!(set(&opened.body["required_parties"]), strs(&[a, b]));

    // Unknown fields and a wrong category are refused at creation.
    let r = app
        .post(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
            json!({ "kind": "mou", "title": "X", "body": { "aims": ["x"], "budget": 5 } }),
        )
        .await
        .expect(422);
    assert!(
        !r.pointers().is_empty() && r.pointers().iter().all(|p| p.starts_with("/body")),
        "{}",
        r.text
    );
    let r = app
        .post(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
            json!({ "kind": "mou", "title": "X", "body": { "contributions": [{ "party": a, "gives": "x", "category": "love" }] } }),
        )
        .await
        .expect(422);
    assert!(
        !r.pointers().is_empty() && r.pointers().iter().all(|p| p.starts_with("/body")),
        "{}",
        r.text
    );
    // A ToR field in a DSA.
    let r = app
        .post(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
            json!({ "kind": "data_sharing_agreement", "title": "X", "body": { "quorum_rule": "three" } }),
        )
        .await
        .expect(422);
    assert!(!r.pointers().is_empty(), "{}", r.text);
    let list = app
        .get(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(items(&list).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Re-signature after a membership change, and the per-member signatures view.

#[tokio::test]
async fn tor_in_force_needs_resignature_when_a_fifth_school_joins() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 4, None).await;
    let agr = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "terms_of_reference",
        "Terms of reference",
        tor(&day(300)),
    )
    .await;
    let opened = open(&app, &t.admin.token, &agr, 1).await.expect(200);
    assert_eq!(
        set(&opened.body["required_parties"]),
        set(&json!(c.schools))
    );
    // Three signatures: still open.
    for i in 0..3 {
        let r = sign(&app, &c.heads[i], &agr, 1, &c.schools[i])
            .await
            .expect(200);
        assert_eq!(r.body["status"], "open_for_signature");
    }
    let r = sign(&app, &c.heads[0], &agr, 1, &c.schools[0])
        .await
        .expect(409);
    assert_eq!(r.code(), "already_signed");
    let last = sign(&app, &c.heads[3], &agr, 1, &c.schools[3])
        .await
        .expect(200);
    assert_eq!(last.body["status"], "in_force");
    assert_eq!(last.body["needs_resignature"], false);
    let effective = last.body["effective_from"].clone();
    assert_eq!(effective, json!(today().to_string()));

    // A fifth school joins.
    let (e, head_e) = app.school_with_head(&t, "E", 4).await;
    let staff_e = app
        .user(&t, "staff-e@north.example", &[(&e, "staff")], false)
        .await;
    app.join_partnership(&t, &c.id, &e, &head_e).await;

    let v = version(&app, &head_e.token, &agr, 1).await;
    assert_eq!(v.body["status"], "in_force");
    assert_eq!(v.body["needs_resignature"], true);
    assert_eq!(v.body["unsigned_parties"], json!([e]));
    assert!(set(&v.body["required_parties"]).contains(&e));
    assert_eq!(v.body["required_parties"].as_array().map(Vec::len), Some(5));
    let ag = app
        .get(&format!("/v1/agreements/{agr}"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(ag.body["versions"][0]["status"], "in_force");
    assert_eq!(ag.body["versions"][0]["needs_resignature"], true);
    let list = app
        .get(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(items(&list)[0]["needs_resignature"], true);
    assert_eq!(items(&list)[0]["in_force_version"], 1);
    let sigs = app
        .get(
            &format!("/v1/partnerships/{}/signatures", c.id),
            &t.admin.token,
        )
        .await
        .expect(200);
    let row = items(&sigs)
        .into_iter()
        .find(|r| r["organisation_id"] == json!(e))
        .expect("the newcomer's row");
    assert_eq!(
        row["terms_of_reference"],
        json!({ "version": 1, "signed": false })
    );

    // Earlier signatories cannot sign again (the in-force version is open only to those that
    // have not signed it); the newcomer's staff cannot sign; nobody can decline it.
    let r = sign(&app, &c.heads[0], &agr, 1, &c.schools[0])
        .await
        .expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    let r = sign(&app, &staff_e, &agr, 1, &e).await.expect(403);
    assert_eq!(r.code(), "signatory_required");
    let r = decline(&app, &head_e, &agr, 1, &e, "Not yet")
        .await
        .expect(409);
    assert_eq!(r.code(), "not_open_for_signature");

    // The newcomer's head signs the same version.
    let r = sign(&app, &head_e, &agr, 1, &e).await.expect(200);
    assert_eq!(r.body["status"], "in_force");
    assert_eq!(r.body["needs_resignature"], false);
    assert_eq!(r.body["unsigned_parties"], json!([]));
    assert_eq!(r.body["effective_from"], effective);
    assert_eq!(r.body["signatures"].as_array().map(Vec::len), Some(5));
    let ag = app
        .get(&format!("/v1/agreements/{agr}"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(statuses(&ag), st(&[(1, "in_force")]));
    assert_eq!(ag.body["versions"][0]["needs_resignature"], false);
    let sigs = app
        .get(
            &format!("/v1/partnerships/{}/signatures", c.id),
            &head_e.token,
        )
        .await
        .expect(200);
    assert_eq!(items(&sigs).len(), 5);
    for row in items(&sigs) {
        assert_eq!(
            row["terms_of_reference"],
            json!({ "version": 1, "signed": true }),
            "{row}"
        );
    }
    let r = sign(&app, &head_e, &agr, 1, &e).await.expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
}

#[tokio::test]
async fn a_joining_school_must_sign_the_in_force_dsa_but_not_an_mou_it_is_no_party_to() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let dsa_id = in_force(
        &app,
        &t,
        &c,
        "data_sharing_agreement",
        "DSA",
        dsa(&[a, b], &day(300), None),
    )
    .await;
    let mou_id = in_force(&app, &t, &c, "mou", "MOU", mou(&[a, b], &day(300))).await;

    let (e, head_e) = app.school_with_head(&t, "E", 4).await;
    app.join_partnership(&t, &c.id, &e, &head_e).await;

    let v = version(&app, &t.admin.token, &dsa_id, 1).await;
    assert_eq!(v.body["status"], "in_force");
    assert_eq!(v.body["needs_resignature"], true);
    assert_eq!(v.body["unsigned_parties"], json!([e]));
    let m = version(&app, &t.admin.token, &mou_id, 1).await;
    assert_eq!(m.body["status"], "in_force");
    assert_eq!(m.body["needs_resignature"], false);
    assert_eq!(set(&m.body["required_parties"]), strs(&[a, b]));
    assert_eq!(m.body["unsigned_parties"], json!([]));
    let r = sign(&app, &head_e, &mou_id, 1, &e).await.expect(403);
    assert_eq!(r.code(), "not_a_party");

    let register = app
        .get("/v1/agreements?kind=data_sharing_agreement", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(items(&register)[0]["needs_resignature"], true);
    let sigs = app
        .get(
            &format!("/v1/partnerships/{}/signatures", c.id),
            &t.admin.token,
        )
        .await
        .expect(200);
    let row = items(&sigs)
        .into_iter()
        .find(|r| r["organisation_id"] == json!(e))
        .expect("the newcomer's row");
    assert_eq!(row["organisation_name"], "School E");
    assert_eq!(
        row["data_sharing_agreement"],
        json!({ "version": 1, "signed": false })
    );

    let r = sign(&app, &head_e, &dsa_id, 1, &e).await.expect(200);
    assert_eq!(r.body["status"], "in_force");
    assert_eq!(r.body["needs_resignature"], false);
    let sigs = app
        .get(
            &format!("/v1/partnerships/{}/signatures", c.id),
            &head_e.token,
        )
        .await
        .expect(200);
    for row in items(&sigs) {
        assert_eq!(
            row["data_sharing_agreement"],
            json!({ "version": 1, "signed": true }),
            "{row}"
        );
    }
}

#[tokio::test]
async fn a_school_that_leaves_and_rejoins_must_sign_the_in_force_tor_again() {
    // Joining again is a membership change: the signature from the earlier stint does not
    // stand for the new one.
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 3, None).await;
    let (leaver, head) = (&c.schools[2], &c.heads[2]);
    let agr = in_force(&app, &t, &c, "terms_of_reference", "ToR", tor(&day(300))).await;

    app.member_action(
        &head.token,
        &c.id,
        leaver,
        "leave",
        json!({ "reason": "A year out" }),
    )
    .await
    .expect(200);
    let v = version(&app, &t.admin.token, &agr, 1).await;
    assert_eq!(v.body["status"], "in_force");
    assert_eq!(v.body["needs_resignature"], false);
    assert!(!set(&v.body["required_parties"]).contains(leaver));

    app.join_partnership(&t, &c.id, leaver, head).await;
    let v = version(&app, &t.admin.token, &agr, 1).await;
    assert_eq!(v.body["status"], "in_force");
    assert_eq!(
        v.body["unsigned_parties"],
        json!([leaver]),
        "the rejoined school has not signed for this membership: {}",
        v.text
    );
    assert_eq!(v.body["needs_resignature"], true);
    let sigs = app
        .get(
            &format!("/v1/partnerships/{}/signatures", c.id),
            &t.admin.token,
        )
        .await
        .expect(200);
    let row = items(&sigs)
        .into_iter()
        .find(|r| r["organisation_id"] == json!(leaver))
        .expect("the rejoined school's row");
    assert_eq!(
        row["terms_of_reference"],
        json!({ "version": 1, "signed": false })
    );
    let r = sign(&app, head, &agr, 1, leaver).await.expect(200);
    assert_eq!(r.body["needs_resignature"], false);
    assert_eq!(r.body["unsigned_parties"], json!([]));
}

#[tokio::test]
async fn the_signatures_view_shows_each_active_member_against_the_in_force_tor_and_dsa() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 3, None).await;
    let staff = app
        .user(
            &t,
            "staff-a@north.example",
            &[(&c.schools[0], "staff")],
            false,
        )
        .await;
    // A fourth school is invited but has not accepted: not in the view.
    let (pending, _) = app.school_with_head(&t, "D", 3).await;
    app.invite(&t.admin.token, &c.id, &pending, "member")
        .await
        .expect(201);

    let path = format!("/v1/partnerships/{}/signatures", c.id);
    let r = app.get(&path, &staff.token).await.expect(200);
    assert_eq!(items(&r).len(), 3);
    for row in items(&r) {
        assert_eq!(
            row["terms_of_reference"],
            json!({ "version": null, "signed": false })
        );
        assert_eq!(
            row["data_sharing_agreement"],
            json!({ "version": null, "signed": false })
        );
    }

    in_force(&app, &t, &c, "terms_of_reference", "ToR", tor(&day(300))).await;
    let parties: Vec<&str> = c.schools.iter().map(String::as_str).collect();
    let dsa_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "data_sharing_agreement",
        "DSA",
        dsa(&parties, &day(300), None),
    )
    .await;
    open(&app, &t.admin.token, &dsa_id, 1).await.expect(200);
    sign(&app, &c.heads[0], &dsa_id, 1, &c.schools[0])
        .await
        .expect(200);

    // The ToR is in force and signed by all; the DSA is not in force yet.
    let r = app.get(&path, &staff.token).await.expect(200);
    let rows = items(&r);
    assert_eq!(
        rows.iter()
            .map(|r| r["organisation_id"].as_str().expect("id").to_owned())
            .collect::<BTreeSet<_>>(),
        set(&json!(c.schools))
    );
    for row in &rows {
        let i = c
            .schools
            .iter()
            .position(|s| row["organisation_id"] == json!(s))
            .expect("a member");
        assert_eq!(
            row["organisation_name"],
            json!(format!(
                "School {}",
                char::from(b'A' + u8::try_from(i).expect("small"))
            ))
        );
        assert_eq!(
            row["terms_of_reference"],
            json!({ "version": 1, "signed": true })
        );
        assert_eq!(
            row["data_sharing_agreement"],
            json!({ "version": null, "signed": false }),
            "{row}"
        );
    }

    // B and C sign the DSA: in force, signed by all.
    sign(&app, &c.heads[1], &dsa_id, 1, &c.schools[1])
        .await
        .expect(200);
    let r = sign(&app, &c.heads[2], &dsa_id, 1, &c.schools[2])
        .await
        .expect(200);
    assert_eq!(r.body["status"], "in_force");
    let r = app.get(&path, &t.admin.token).await.expect(200);
    assert_eq!(items(&r).len(), 3);
    for row in items(&r) {
        assert_eq!(
            row["data_sharing_agreement"],
            json!({ "version": 1, "signed": true })
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Who may sign.

#[tokio::test]
async fn only_a_head_of_a_party_signs_and_non_parties_are_refused() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let c = app.school_cluster(&t, 3, Some(&coordinator)).await;
    let (a, b, third) = (&c.schools[0], &c.schools[1], &c.schools[2]);
    let staff = app
        .user(&t, "staff-a@north.example", &[(a, "staff")], false)
        .await;
    let leader = app
        .user(&t, "leader-a@north.example", &[(a, "leader")], false)
        .await;

    let agr = new_agreement(
        &app,
        &coordinator.token,
        &c.id,
        "mou",
        "MOU",
        mou(&[a, b], &day(100)),
    )
    .await;
    open(&app, &coordinator.token, &agr, 1).await.expect(200);

    for who in [&staff, &leader, &t.admin, &coordinator, &c.heads[1]] {
        let r = sign(&app, who, &agr, 1, a).await.expect(403);
        assert_eq!(r.code(), "signatory_required", "{}", who.email);
        let r = decline(&app, who, &agr, 1, a, "No").await.expect(403);
        assert_eq!(r.code(), "signatory_required", "{}", who.email);
    }
    // The head of a member that is not a party.
    let r = sign(&app, &c.heads[2], &agr, 1, third).await.expect(403);
    assert_eq!(r.code(), "not_a_party");
    let r = decline(&app, &c.heads[2], &agr, 1, third, "No")
        .await
        .expect(403);
    assert_eq!(r.code(), "not_a_party");

    // Nothing was recorded.
    let v = version(&app, &t.admin.token, &agr, 1).await;
    assert_eq!(v.body["signatures"], json!([]));
    assert_eq!(v.body["status"], "open_for_signature");

    // The heads sign.
    sign(&app, &c.heads[0], &agr, 1, a).await.expect(200);
    let r = sign(&app, &c.heads[1], &agr, 1, b).await.expect(200);
    assert_eq!(r.body["status"], "in_force");
    for s in r.body["signatures"].as_array().expect("signatures") {
        assert_eq!(s["capacity"], "head");
        assert_eq!(s["decision"], "signed");
    }
}

#[tokio::test]
async fn a_governor_signs_an_mou_but_not_terms_of_reference() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let governor = app
        .user(&t, "governor-a@north.example", &[(a, "governor")], false)
        .await;

    // MOU: the governor signs for the governing board.
    let mou_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "mou",
        "MOU",
        mou(&[a, b], &day(100)),
    )
    .await;
    open(&app, &t.admin.token, &mou_id, 1).await.expect(200);
    let r = sign_as(&app, &governor, &mou_id, 1, a, "governor")
        .await
        .expect(200);
    let s = &r.body["signatures"][0];
    assert_eq!(s["organisation_id"], json!(a));
    assert_eq!(s["user_id"], json!(governor.id));
    assert_eq!(s["capacity"], "governor");
    assert_eq!(s["decision"], "signed");
    // The governor cannot sign for another school.
    let r = sign_as(&app, &governor, &mou_id, 1, b, "governor")
        .await
        .expect(403);
    assert_eq!(r.code(), "signatory_required");
    let r = sign(&app, &c.heads[1], &mou_id, 1, b).await.expect(200);
    assert_eq!(r.body["status"], "in_force");

    // ToR: a governor is no signatory, in any capacity.
    let tor_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "terms_of_reference",
        "ToR",
        tor(&day(100)),
    )
    .await;
    open(&app, &t.admin.token, &tor_id, 1).await.expect(200);
    let r = sign_as(&app, &governor, &tor_id, 1, a, "governor")
        .await
        .expect(403);
    assert_eq!(r.code(), "signatory_required");
    let r = sign(&app, &governor, &tor_id, 1, a).await.expect(403);
    assert_eq!(r.code(), "signatory_required");
    let r = decline(&app, &governor, &tor_id, 1, a, "No")
        .await
        .expect(403);
    assert_eq!(r.code(), "signatory_required");
    let v = version(&app, &governor.token, &tor_id, 1).await;
    assert_eq!(v.body["signatures"], json!([]));
    // The head can.
    let r = sign(&app, &c.heads[0], &tor_id, 1, a).await.expect(200);
    assert_eq!(r.body["signatures"][0]["capacity"], "head");
}

#[tokio::test]
async fn a_governor_signs_an_mou_only_in_the_governor_capacity() {
    // The capacity defaults to `head`: a governor must say they sign as a governor.
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let governor = app
        .user(&t, "governor-a@north.example", &[(a, "governor")], false)
        .await;
    let agr = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "mou",
        "MOU",
        mou(&[a, b], &day(100)),
    )
    .await;
    open(&app, &t.admin.token, &agr, 1).await.expect(200);
    let r = sign(&app, &governor, &agr, 1, a).await;
    assert_eq!(
        r.status.as_u16(),
        403,
        "a governor signing with the default capacity (head): {}",
        r.text
    );
    assert_eq!(r.code(), "signatory_required");
    let r = sign_as(&app, &governor, &agr, 1, a, "head")
        .await
        .expect(403);
    assert_eq!(r.code(), "signatory_required");
    let r = sign_as(&app, &governor, &agr, 1, a, "governor")
        .await
        .expect(200);
    assert_eq!(r.body["signatures"][0]["capacity"], "governor");
}

// ---------------------------------------------------------------------------------------------
// Drafters, readers, strangers.

#[tokio::test]
async fn drafters_draft_readers_read_and_strangers_see_nothing() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let coordinator = app.user(&t, "coord@north.example", &[], false).await;
    let chair = app.user(&t, "chair@north.example", &[], false).await;
    let c = app.school_cluster(&t, 2, Some(&coordinator)).await;
    let a = &c.schools[0];
    let leader = app
        .user(&t, "leader-a@north.example", &[(a, "leader")], false)
        .await;
    let staff = app
        .user(&t, "staff-a@north.example", &[(a, "staff")], false)
        .await;
    let governor = app
        .user(&t, "governor-a@north.example", &[(a, "governor")], false)
        .await;
    let (_, stranger) = app.school_with_head(&t, "Z", 25).await;
    // The chair.
    let p = app
        .get(&format!("/v1/partnerships/{}", c.id), &t.admin.token)
        .await
        .expect(200);
    let tag = p.header("etag").expect("etag");
    app.patch(
        &format!("/v1/partnerships/{}", c.id),
        &t.admin.token,
        Some(&tag),
        json!({ "chair_id": chair.id }),
    )
    .await
    .expect(200);

    let create = |token: String, kind: &'static str| {
        let app = &app;
        let path = format!("/v1/partnerships/{}/agreements", c.id);
        async move {
            app.post(
                &path,
                &token,
                json!({ "kind": kind, "title": format!("A {kind}") }),
            )
            .await
        }
    };

    // Drafters.
    let mut ids = Vec::new();
    for (who, kind) in [
        (&t.admin, "terms_of_reference"),
        (&coordinator, "mou"),
        (&c.heads[1], "data_sharing_agreement"),
    ] {
        let r = create(who.token.clone(), kind).await.expect(201);
        assert_eq!(r.body["created_by"], json!(who.id));
        assert_eq!(r.body["kind"], kind);
        ids.push(r.body["id"].as_str().expect("id").to_owned());
    }
    let agr = ids[0].clone();

    // Other users of member schools, and the chair, read but do not draft.
    for who in [&leader, &staff, &governor] {
        let r = create(who.token.clone(), "mou").await.expect(403);
        assert_eq!(r.code(), "drafter_required", "{}", who.email);
        let r = edit(&app, &who.token, &agr, 1, json!({ "title": "Mine" }))
            .await
            .expect(403);
        assert_eq!(r.code(), "drafter_required", "{}", who.email);
        let r = open(&app, &who.token, &agr, 1).await.expect(403);
        assert_eq!(r.code(), "drafter_required", "{}", who.email);
        let r = withdraw(&app, &who.token, &agr, 1).await.expect(403);
        assert_eq!(r.code(), "drafter_required", "{}", who.email);
    }
    for who in [&leader, &staff, &governor, &chair, &coordinator] {
        let r = app
            .get(&format!("/v1/agreements/{agr}"), &who.token)
            .await
            .expect(200);
        assert_eq!(r.body["id"], json!(agr));
        version(&app, &who.token, &agr, 1).await;
        let r = app
            .get(&format!("/v1/partnerships/{}/agreements", c.id), &who.token)
            .await
            .expect(200);
        assert_eq!(item_ids(&r), ids.iter().cloned().collect(), "{}", who.email);
        app.get(&format!("{}/document", vpath(&agr, 1)), &who.token)
            .await
            .expect(200);
        let r = app.get("/v1/agreements", &who.token).await.expect(200);
        assert_eq!(item_ids(&r), ids.iter().cloned().collect(), "{}", who.email);
    }

    // A user with no relation to the partnership: it does not exist.
    create(stranger.token.clone(), "mou").await.expect(404);
    app.get(&format!("/v1/agreements/{agr}"), &stranger.token)
        .await
        .expect(404);
    app.get(&vpath(&agr, 1), &stranger.token).await.expect(404);
    app.get(
        &format!("/v1/partnerships/{}/agreements", c.id),
        &stranger.token,
    )
    .await
    .expect(404);
    app.get(&format!("{}/document", vpath(&agr, 1)), &stranger.token)
        .await
        .expect(404);
    let r = app.get("/v1/agreements", &stranger.token).await.expect(200);
    assert_eq!(items(&r), Vec::<Value>::new());

    // No such agreement or version.
    app.get(&vpath(&agr, 9), &t.admin.token).await.expect(404);
    let missing = format!("agr_{}", ulid::Ulid::new().to_string().to_lowercase());
    app.get(&format!("/v1/agreements/{missing}"), &t.admin.token)
        .await
        .expect(404);

    // Bad requests.
    let r = app
        .post(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
            json!({ "kind": "treaty", "title": "X" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/kind"]);
    let r = app
        .post(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
            json!({ "kind": "mou", "title": "  " }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/title"]);

    // A dissolved partnership takes no new agreements; its agreements stay readable.
    app.post(
        &format!("/v1/partnerships/{}/status", c.id),
        &t.admin.token,
        json!({ "status": "dissolved", "reason": "Merged into a trust" }),
    )
    .await
    .expect(200);
    let r = create(t.admin.token.clone(), "mou").await.expect(409);
    assert_eq!(r.code(), "partnership_not_open");
    app.get(&format!("/v1/agreements/{agr}"), &t.admin.token)
        .await
        .expect(200);
}

#[tokio::test]
async fn the_partnership_list_filters_by_kind_and_status_and_the_overview_counts_agreements() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let tor_id = in_force(&app, &t, &c, "terms_of_reference", "ToR", tor(&day(90))).await;
    let mou_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "mou",
        "MOU",
        mou(&[a, b], &day(60)),
    )
    .await;
    let dsa_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "data_sharing_agreement",
        "DSA",
        dsa(&[a, b], &day(30), Some(&day(400))),
    )
    .await;
    open(&app, &t.admin.token, &dsa_id, 1).await.expect(200);

    let list = |q: &'static str| {
        let app = &app;
        let path = format!("/v1/partnerships/{}/agreements{q}", c.id);
        let token = c.heads[0].token.clone();
        async move { app.get(&path, &token).await.expect(200) }
    };
    assert_eq!(
        item_ids(&list("").await),
        strs(&[&tor_id, &mou_id, &dsa_id])
    );
    assert_eq!(item_ids(&list("?kind=mou").await), strs(&[&mou_id]));
    assert_eq!(item_ids(&list("?status=draft").await), strs(&[&mou_id]));
    assert_eq!(item_ids(&list("?status=in_force").await), strs(&[&tor_id]));
    assert_eq!(
        item_ids(&list("?status=open_for_signature").await),
        strs(&[&dsa_id])
    );
    assert_eq!(
        item_ids(&list("?kind=data_sharing_agreement&status=open_for_signature").await),
        strs(&[&dsa_id])
    );
    assert_eq!(
        item_ids(&list("?kind=mou&status=in_force").await),
        BTreeSet::new()
    );
    let all = list("").await;
    let d = items(&all)
        .into_iter()
        .find(|i| i["id"] == json!(dsa_id))
        .expect("dsa");
    assert_eq!(
        d["latest_version"],
        json!({ "number": 1, "status": "open_for_signature" })
    );
    assert_eq!(d["in_force_version"], Value::Null);
    let tr = items(&all)
        .into_iter()
        .find(|i| i["id"] == json!(tor_id))
        .expect("tor");
    assert_eq!(tr["in_force_version"], 1);
    assert_eq!(tr["review_date"], json!(day(90)));
    assert_eq!(tr["end_date"], Value::Null);

    app.get(
        &format!("/v1/partnerships/{}/agreements?kind=treaty", c.id),
        &t.admin.token,
    )
    .await
    .expect(422);
    app.get(
        &format!("/v1/partnerships/{}/agreements?status=signed", c.id),
        &t.admin.token,
    )
    .await
    .expect(422);

    let o = app
        .get(
            &format!("/v1/partnerships/{}/overview", c.id),
            &t.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(o.body["counts"]["agreements"], 3, "{}", o.text);
}

// ---------------------------------------------------------------------------------------------
// New versions and withdrawal.

#[tokio::test]
async fn new_versions_copy_the_latest_and_withdrawal_ends_a_version() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let staff = app
        .user(
            &t,
            "staff-a@north.example",
            &[(&c.schools[0], "staff")],
            false,
        )
        .await;
    let versions = |agr: &str| format!("/v1/agreements/{agr}/versions");

    let agr = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "terms_of_reference",
        "ToR",
        tor(&day(100)),
    )
    .await;
    // A draft exists; then an open version.
    let r = app
        .post_empty(&versions(&agr), &t.admin.token)
        .await
        .expect(409);
    assert_eq!(r.code(), "draft_exists");
    open(&app, &t.admin.token, &agr, 1).await.expect(200);
    let r = app
        .post_empty(&versions(&agr), &t.admin.token)
        .await
        .expect(409);
    assert_eq!(r.code(), "draft_exists");
    let v1 = sign_all(&app, &c, &agr, 1).await;

    // In force: a new draft copies it.
    let r = app
        .post_empty(&versions(&agr), &staff.token)
        .await
        .expect(403);
    assert_eq!(r.code(), "drafter_required");
    let v2 = app
        .post_empty(&versions(&agr), &c.heads[0].token)
        .await
        .expect(201);
    assert_eq!(v2.body["number"], 2);
    assert_eq!(v2.body["status"], "draft");
    assert_eq!(v2.header("location"), Some(vpath(&agr, 2)));
    assert_eq!(
        v2.header("etag"),
        Some(format!("\"v{}\"", v2.body["version"]))
    );
    assert_eq!(v2.body["title"], "ToR");
    assert_eq!(v2.body["body"], v1.body["body"]);
    assert_eq!(v2.body["signatures"], json!([]));
    let ag = app
        .get(&format!("/v1/agreements/{agr}"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(statuses(&ag), st(&[(1, "in_force"), (2, "draft")]));
    let r = app
        .post_empty(&versions(&agr), &t.admin.token)
        .await
        .expect(409);
    assert_eq!(r.code(), "draft_exists");

    // Editing v2 leaves v1 alone.
    let mut changed = tor(&day(100));
    changed["purpose"] = json!("To raise standards in reading and writing");
    edit(&app, &t.admin.token, &agr, 2, json!({ "body": changed }))
        .await
        .expect(200);
    assert_eq!(
        version(&app, &t.admin.token, &agr, 1).await.body["body"],
        v1.body["body"]
    );

    // Withdraw the draft.
    let r = withdraw(&app, &staff.token, &agr, 2).await.expect(403);
    assert_eq!(r.code(), "drafter_required");
    let r = app
        .post_empty(&format!("{}/withdraw", vpath(&agr, 2)), &t.admin.token)
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/reason"]);
    let r = withdraw(&app, &t.admin.token, &agr, 2).await.expect(200);
    assert_eq!(r.body["status"], "withdrawn");
    let r = withdraw(&app, &t.admin.token, &agr, 2).await.expect(409);
    assert_eq!(r.code(), "not_withdrawable");
    let r = open(&app, &t.admin.token, &agr, 2).await.expect(409);
    assert_eq!(r.code(), "not_a_draft");
    let r = edit(&app, &t.admin.token, &agr, 2, json!({ "title": "Again" }))
        .await
        .expect(409);
    assert_eq!(r.code(), "not_a_draft");
    let r = sign(&app, &c.heads[0], &agr, 2, &c.schools[0])
        .await
        .expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    assert_eq!(
        version(&app, &t.admin.token, &agr, 1).await.body["status"],
        "in_force"
    );

    // v3 copies the latest (v2), comes into force and supersedes v1; the withdrawn v2 stays so.
    let v3 = app
        .post_empty(&versions(&agr), &t.admin.token)
        .await
        .expect(201);
    assert_eq!(v3.body["number"], 3);
    assert_eq!(
        v3.body["body"]["purpose"],
        "To raise standards in reading and writing"
    );
    open(&app, &t.admin.token, &agr, 3).await.expect(200);
    sign_all(&app, &c, &agr, 3).await;
    let ag = app
        .get(&format!("/v1/agreements/{agr}"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(
        statuses(&ag),
        st(&[(1, "superseded"), (2, "withdrawn"), (3, "in_force")])
    );
    let r = withdraw(&app, &t.admin.token, &agr, 1).await.expect(409);
    assert_eq!(r.code(), "not_withdrawable");

    // Withdraw the version in force.
    let r = withdraw(&app, &c.heads[1].token, &agr, 3).await.expect(200);
    assert_eq!(r.body["status"], "withdrawn");
    let list = app
        .get(
            &format!("/v1/partnerships/{}/agreements", c.id),
            &t.admin.token,
        )
        .await
        .expect(200);
    let s = &items(&list)[0];
    assert_eq!(
        s["latest_version"],
        json!({ "number": 3, "status": "withdrawn" })
    );
    assert_eq!(s["in_force_version"], Value::Null);

    // An open version can be withdrawn too; then it cannot be signed.
    let dsa_id = new_agreement(
        &app,
        &t.admin.token,
        &c.id,
        "data_sharing_agreement",
        "DSA",
        dsa(&[&c.schools[0], &c.schools[1]], &day(100), None),
    )
    .await;
    open(&app, &t.admin.token, &dsa_id, 1).await.expect(200);
    let r = withdraw(&app, &t.admin.token, &dsa_id, 1).await.expect(200);
    assert_eq!(r.body["status"], "withdrawn");
    let r = sign(&app, &c.heads[0], &dsa_id, 1, &c.schools[0])
        .await
        .expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    let r = decline(&app, &c.heads[0], &dsa_id, 1, &c.schools[0], "No")
        .await
        .expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    // A draft cannot be declined either.
    app.post_empty(&versions(&dsa_id), &t.admin.token)
        .await
        .expect(201);
    let r = decline(&app, &c.heads[0], &dsa_id, 2, &c.schools[0], "No")
        .await
        .expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
    let r = sign(&app, &c.heads[0], &dsa_id, 2, &c.schools[0])
        .await
        .expect(409);
    assert_eq!(r.code(), "not_open_for_signature");
}

// ---------------------------------------------------------------------------------------------
// The register.

#[tokio::test]
async fn the_dsa_register_and_agreements_due_for_review() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let p1 = app.school_cluster_from(&t, 0, 2, None).await;
    let p2 = app.school_cluster_from(&t, 2, 2, None).await;
    let staff_a = app
        .user(
            &t,
            "staff-a@north.example",
            &[(&p1.schools[0], "staff")],
            false,
        )
        .await;
    let s1: Vec<&str> = p1.schools.iter().map(String::as_str).collect();
    let s2: Vec<&str> = p2.schools.iter().map(String::as_str).collect();

    // P1: a DSA due for review in 10 days, a ToR in 200.
    let dsa1 = in_force(
        &app,
        &t,
        &p1,
        "data_sharing_agreement",
        "DSA one",
        dsa(&s1, &day(10), Some(&day(400))),
    )
    .await;
    let tor1 = in_force(
        &app,
        &t,
        &p1,
        "terms_of_reference",
        "ToR one",
        tor(&day(200)),
    )
    .await;
    // P2: a DSA ending in 20 days (review in 100); a draft DSA with a review date tomorrow.
    let dsa2 = in_force(
        &app,
        &t,
        &p2,
        "data_sharing_agreement",
        "DSA two",
        dsa(&s2, &day(100), Some(&day(20))),
    )
    .await;
    let dsa3 = new_agreement(
        &app,
        &t.admin.token,
        &p2.id,
        "data_sharing_agreement",
        "DSA three",
        dsa(&s2, &day(1), None),
    )
    .await;

    let reg = |token: String, q: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/v1/agreements{q}"), &token)
                .await
                .expect(200)
        }
    };
    let admin = t.admin.token.clone();

    // The tenant admin's DSA register covers every partnership.
    let r = reg(admin.clone(), "?kind=data_sharing_agreement").await;
    assert_eq!(item_ids(&r), strs(&[&dsa1, &dsa2, &dsa3]));
    for i in items(&r) {
        assert_eq!(i["kind"], "data_sharing_agreement");
    }
    let one = items(&r)
        .into_iter()
        .find(|i| i["id"] == json!(dsa1))
        .expect("dsa1");
    assert_eq!(one["partnership_id"], json!(p1.id));
    assert_eq!(one["title"], "DSA one");
    assert_eq!(
        one["latest_version"],
        json!({ "number": 1, "status": "in_force" })
    );
    assert_eq!(one["in_force_version"], 1);
    assert_eq!(one["review_date"], json!(day(10)));
    assert_eq!(one["end_date"], json!(day(400)));
    assert_eq!(one["needs_resignature"], false);

    assert_eq!(
        item_ids(&reg(admin.clone(), "").await),
        strs(&[&dsa1, &dsa2, &dsa3, &tor1])
    );
    assert_eq!(
        item_ids(
            &reg(
                admin.clone(),
                "?kind=data_sharing_agreement&status=in_force"
            )
            .await
        ),
        strs(&[&dsa1, &dsa2])
    );
    assert_eq!(
        item_ids(&reg(admin.clone(), "?status=draft").await),
        strs(&[&dsa3])
    );
    let by_p1 = format!("/v1/agreements?partnership_id={}", p1.id);
    let r = app.get(&by_p1, &admin).await.expect(200);
    assert_eq!(item_ids(&r), strs(&[&dsa1, &tor1]));

    // Due: the in-force versions whose review or end date falls within the window.
    assert_eq!(
        item_ids(&reg(admin.clone(), "?due_within_days=30").await),
        strs(&[&dsa1, &dsa2])
    );
    assert_eq!(
        item_ids(&reg(admin.clone(), "?due_within_days=15").await),
        strs(&[&dsa1])
    );
    assert_eq!(
        item_ids(&reg(admin.clone(), "?due_within_days=5").await),
        BTreeSet::new()
    );
    assert_eq!(
        item_ids(&reg(admin.clone(), "?due_within_days=10").await),
        strs(&[&dsa1]),
        "on the day counts"
    );
    assert_eq!(
        item_ids(&reg(admin.clone(), "?due_within_days=365").await),
        strs(&[&dsa1, &dsa2, &tor1])
    );
    assert_eq!(
        item_ids(
            &reg(
                admin.clone(),
                "?kind=terms_of_reference&due_within_days=365"
            )
            .await
        ),
        strs(&[&tor1])
    );

    // Other users see their partnerships' agreements only.
    assert_eq!(
        item_ids(&reg(p1.heads[0].token.clone(), "?kind=data_sharing_agreement").await),
        strs(&[&dsa1])
    );
    assert_eq!(
        item_ids(&reg(p2.heads[1].token.clone(), "?kind=data_sharing_agreement").await),
        strs(&[&dsa2, &dsa3])
    );
    assert_eq!(
        item_ids(&reg(staff_a.token.clone(), "").await),
        strs(&[&dsa1, &tor1])
    );
    assert_eq!(
        item_ids(&reg(p2.heads[0].token.clone(), "?due_within_days=30").await),
        strs(&[&dsa2])
    );

    // Bad filters.
    app.get("/v1/agreements?kind=treaty", &admin)
        .await
        .expect(422);
    app.get("/v1/agreements?status=signed", &admin)
        .await
        .expect(422);
}

// ---------------------------------------------------------------------------------------------
// Rendered documents.

#[tokio::test]
async fn a_version_renders_as_markdown_and_as_escaped_html() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let staff = app
        .user(&t, "staff-a@north.example", &[(a, "staff")], false)
        .await;
    let title = "Reading <script>alert(1)</script> & writing";
    let mut body = mou(&[a, b], &day(100));
    body["governance"] = json!("A board of the heads <b>meeting</b> & deciding");
    let agr = new_agreement(&app, &t.admin.token, &c.id, "mou", title, body).await;

    let md = app
        .get(&format!("{}/document", vpath(&agr, 1)), &staff.token)
        .await
        .expect(200);
    assert!(
        md.header("content-type")
            .is_some_and(|c| c.starts_with("text/markdown")),
        "{:?}",
        md.header("content-type")
    );
    let text = &md.text;
    let lower = text.to_lowercase();
    assert!(text.contains(title), "{text}");
    assert!(lower.contains("memorandum of understanding"), "{text}");
    assert!(lower.contains("version 1"), "{text}");
    assert!(lower.contains("draft"), "{text}");
    for needle in [
        "School A",
        "School B",
        "Every child reads fluently by eleven",
        "Contribution of party 0",
        "Contribution of party 1",
        "Shared CPD",
        "2 days a term",
        "A board of the heads",
        "Half-termly",
        "Reading scores rise by five points",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(lower.contains("not legally binding"), "{text}");

    let html = app
        .get(
            &format!("{}/document?format=html", vpath(&agr, 1)),
            &staff.token,
        )
        .await
        .expect(200);
    assert!(
        html.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        html.header("content-type")
    );
    let h = &html.text;
    assert!(h.starts_with("<!DOCTYPE html>"), "{h}");
    assert!(h.trim_end().ends_with("</html>"), "{h}");
    assert!(!h.contains("<script>"), "unescaped title:\n{h}");
    assert!(!h.contains("<b>"), "unescaped body:\n{h}");
    assert!(h.contains("&lt;script&gt;"), "{h}");
    assert!(
        h.contains("&lt;b&gt;meeting&lt;/b&gt; &amp; deciding"),
        "{h}"
    );
    assert!(h.contains("&amp; writing"), "{h}");
    for needle in [
        "School A",
        "School B",
        "Every child reads fluently by eleven",
        "Contribution of party 1",
        "Half-termly",
        "Reading scores rise by five points",
    ] {
        assert!(h.contains(needle), "{needle} missing from:\n{h}");
    }
    app.get(
        &format!("{}/document?format=pdf", vpath(&agr, 1)),
        &staff.token,
    )
    .await
    .expect(422);

    // A DSA in force renders its sections, its status and its signatories.
    let dsa_id = in_force(
        &app,
        &t,
        &c,
        "data_sharing_agreement",
        "Evaluation data",
        dsa(&[a, b], &day(100), None),
    )
    .await;
    let md = app
        .get(&format!("{}/document", vpath(&dsa_id, 1)), &staff.token)
        .await
        .expect(200);
    let text = &md.text;
    assert!(
        text.to_lowercase().contains("data-sharing agreement")
            || text.to_lowercase().contains("data sharing agreement"),
        "{text}"
    );
    assert!(
        text.contains("in_force") || text.to_lowercase().contains("in force"),
        "{text}"
    );
    for needle in [
        "Evaluation data",
        "School A",
        "School B",
        "To compare evaluation scores across the partnership",
        "Evaluation scores",
        "Evaluation narrative",
        "public_task",
        "No special-category data is shared",
        "No pupil-level data is shared",
        "Only through Concord, over TLS",
        "Three academic years",
        "Deleted by the coordinator at the end of the period",
        "dpo@cluster.example",
        "breach@cluster.example",
    ] {
        assert!(
            text.contains(needle)
                || (needle == "public_task" && text.to_lowercase().contains("public task")),
            "{needle} missing from:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Audit.

#[tokio::test]
async fn every_change_to_an_agreement_is_audited() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let c = app.school_cluster(&t, 2, None).await;
    let (a, b) = (&c.schools[0], &c.schools[1]);
    let (head_a, head_b) = (&c.heads[0], &c.heads[1]);

    let agr = new_agreement(&app, &head_a.token, &c.id, "mou", "MOU", json!({})).await;
    edit(
        &app,
        &head_a.token,
        &agr,
        1,
        json!({ "body": mou(&[a, b], &day(100)) }),
    )
    .await
    .expect(200);
    open(&app, &head_a.token, &agr, 1).await.expect(200);
    sign(&app, head_a, &agr, 1, a).await.expect(200);
    decline(&app, head_b, &agr, 1, b, "Too much")
        .await
        .expect(200);
    // Failed attempts change nothing and write nothing.
    sign(&app, head_b, &agr, 1, b).await.expect(409);
    open(&app, &head_a.token, &agr, 1).await.expect(409);
    edit(&app, &t.admin.token, &agr, 2, json!({ "title": "MOU v2" }))
        .await
        .expect(200);
    open(&app, &t.admin.token, &agr, 2).await.expect(200);
    sign(&app, head_a, &agr, 2, a).await.expect(200);
    let rid = request_id();
    app.traced(
        Method::POST,
        &format!("{}/sign", vpath(&agr, 2)),
        &head_b.token,
        Some(json!({ "organisation_id": b })),
        None,
        &rid,
    )
    .await
    .expect(200);
    app.post_empty(&format!("/v1/agreements/{agr}/versions"), &t.admin.token)
        .await
        .expect(201);
    withdraw(&app, &t.admin.token, &agr, 3).await.expect(200);

    let rows = app
        .audit_all(&t.admin.token, &format!("partnership_id={}", c.id))
        .await;
    let rows: Vec<Value> = rows
        .into_iter()
        .filter(|r| r["resource_type"] == "agreement")
        .collect();
    for r in &rows {
        assert_eq!(r["resource_id"], json!(agr), "{r}");
        assert_eq!(r["partnership_id"], json!(c.id), "{r}");
        assert!(
            r["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("agreement.")),
            "{r}"
        );
    }
    let count = |action: &str| rows.iter().filter(|r| r["action"] == action).count();
    assert_eq!(count("agreement.created"), 1);
    assert_eq!(count("agreement.version_updated"), 2);
    assert_eq!(count("agreement.opened"), 2);
    assert_eq!(count("agreement.signed"), 3);
    assert_eq!(count("agreement.declined"), 1);
    assert_eq!(count("agreement.in_force"), 1);
    assert!(count("agreement.version_created") >= 1);
    assert_eq!(count("agreement.withdrawn"), 1);

    // Who did it, and in which request.
    let created = rows
        .iter()
        .find(|r| r["action"] == "agreement.created")
        .expect("created");
    assert_eq!(created["actor_id"], json!(head_a.id));
    let declined = rows
        .iter()
        .find(|r| r["action"] == "agreement.declined")
        .expect("declined");
    assert_eq!(declined["actor_id"], json!(head_b.id));
    let traced = rows
        .iter()
        .find(|r| r["request_id"] == json!(rid))
        .expect("the traced signature's rows");
    assert_eq!(traced["actor_id"], json!(head_b.id));
    assert!(
        rows.iter()
            .filter(|r| r["request_id"] == json!(rid))
            .any(|r| r["action"] == "agreement.signed"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .filter(|r| r["request_id"] == json!(rid))
            .any(|r| r["action"] == "agreement.in_force"),
        "{rows:?}"
    );
    let withdrawn = rows
        .iter()
        .find(|r| r["action"] == "agreement.withdrawn")
        .expect("withdrawn");
    assert_eq!(withdrawn["actor_id"], json!(t.admin.id));

    // Filtering by resource type gives the same rows.
    let by_type = app
        .audit_all(
            &t.admin.token,
            &format!("partnership_id={}&resource_type=agreement", c.id),
        )
        .await;
    assert_eq!(by_type.len(), rows.len());
}

// ---------------------------------------------------------------------------------------------
// Tenant isolation.

#[tokio::test]
async fn another_tenant_gets_404_on_every_agreement_route() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let c = app.school_cluster(&north, 2, None).await;
    let (south_school, south_head) = app.school_with_head(&south, "S", 30).await;
    let agr = new_agreement(
        &app,
        &north.admin.token,
        &c.id,
        "terms_of_reference",
        "ToR",
        tor(&day(100)),
    )
    .await;
    open(&app, &north.admin.token, &agr, 1).await.expect(200);
    let done = in_force(
        &app,
        &north,
        &c,
        "mou",
        "MOU",
        mou(&[&c.schools[0], &c.schools[1]], &day(100)),
    )
    .await;
    let tag = etag(&app, &north.admin.token, &agr, 1).await;
    let p = &c.id;

    let sign_body = json!({ "organisation_id": south_school });
    let decline_body = json!({ "organisation_id": south_school, "reason": "No" });
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("/v1/partnerships/{p}/agreements"),
            Some(json!({ "kind": "mou", "title": "Mine" })),
        ),
        (
            Method::GET,
            format!("/v1/partnerships/{p}/agreements"),
            None,
        ),
        (
            Method::GET,
            format!("/v1/partnerships/{p}/signatures"),
            None,
        ),
        (Method::GET, format!("/v1/agreements/{agr}"), None),
        (Method::GET, vpath(&agr, 1), None),
        (
            Method::PATCH,
            vpath(&agr, 1),
            Some(json!({ "title": "Mine" })),
        ),
        (Method::POST, format!("{}/open", vpath(&agr, 1)), None),
        (
            Method::POST,
            format!("{}/sign", vpath(&agr, 1)),
            Some(sign_body.clone()),
        ),
        (
            Method::POST,
            format!("{}/decline", vpath(&agr, 1)),
            Some(decline_body.clone()),
        ),
        (
            Method::POST,
            format!("{}/withdraw", vpath(&agr, 1)),
            Some(json!({ "reason": "No" })),
        ),
        (
            Method::POST,
            format!("/v1/agreements/{done}/versions"),
            None,
        ),
        (
            Method::POST,
            format!("{}/withdraw", vpath(&done, 1)),
            Some(json!({ "reason": "No" })),
        ),
        (Method::GET, format!("{}/document", vpath(&agr, 1)), None),
        (
            Method::GET,
            format!("{}/document?format=html", vpath(&agr, 1)),
            None,
        ),
    ];
    for who in [&south.admin, &south_head] {
        for (method, path, body) in &routes {
            let r = app
                .traced(
                    method.clone(),
                    path,
                    &who.token,
                    body.clone(),
                    (*method == Method::PATCH).then_some(tag.as_str()),
                    &request_id(),
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                404,
                "{method} {path} as {}: {}",
                who.email,
                r.text
            );
            r.expect(404);
        }
        let r = app.get("/v1/agreements", &who.token).await.expect(200);
        assert_eq!(items(&r), Vec::<Value>::new(), "{}", who.email);
    }
    let r = app
        .get(
            &format!("/v1/agreements?partnership_id={p}"),
            &south.admin.token,
        )
        .await;
    assert!(
        r.status.as_u16() == 404 || items(&r).is_empty(),
        "{}",
        r.text
    );

    // Nothing changed in the north.
    let v = version(&app, &north.admin.token, &agr, 1).await;
    assert_eq!(v.body["status"], "open_for_signature");
    assert_eq!(v.body["title"], "ToR");
    assert_eq!(v.body["signatures"], json!([]));
    let ag = app
        .get(&format!("/v1/agreements/{done}"), &north.admin.token)
        .await
        .expect(200);
    assert_eq!(statuses(&ag), st(&[(1, "in_force")]));
    let list = app
        .get(
            &format!("/v1/partnerships/{p}/agreements"),
            &north.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(items(&list).len(), 2);
}
