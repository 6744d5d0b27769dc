//! Organisations: schools and partners, validation, ETags, pagination and tenant isolation.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn school_and_partner_are_registered_and_read_back() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let school = app
        .post(
            "/v1/organisations",
            &t.admin.token,
            json!({ "name": " Hill Primary ", "kind": "school", "urn": "137220", "phase": "primary", "school_type": "academy", "la_code": "202" }),
        )
        .await
        .expect(201);
    let id = school.body["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("org_"));
    assert_eq!(school.body["name"], "Hill Primary");
    assert_eq!(school.header("etag").as_deref(), Some("\"v1\""));
    assert_eq!(
        school.header("location"),
        Some(format!("/v1/organisations/{id}"))
    );

    let partner = app
        .post("/v1/organisations", &t.admin.token, json!({ "name": "Northern University", "kind": "partner", "partner_kind": "university" }))
        .await
        .expect(201);
    assert_eq!(partner.body["partner_kind"], "university");
    assert!(partner.body.get("urn").is_none());

    let got = app
        .get(&format!("/v1/organisations/{id}"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(got.body, school.body);
    assert_eq!(got.header("etag").as_deref(), Some("\"v1\""));

    let schools = app
        .get("/v1/organisations?kind=school", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(schools.body["items"].as_array().map(Vec::len), Some(1));
    let by_urn = app
        .get("/v1/organisations?urn=137220", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(by_urn.body["items"][0]["id"], json!(id));
    app.get("/v1/organisations?status=closed", &t.admin.token)
        .await
        .expect(422);
    app.get("/v1/organisations?kind=castle", &t.admin.token)
        .await
        .expect(422);
}

#[tokio::test]
async fn invalid_organisation_lists_every_bad_field() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let r = app
        .post("/v1/organisations", &t.admin.token, json!({ "name": "", "kind": "school", "urn": "01234", "phase": "primry", "partner_kind": "charity" }))
        .await
        .expect(422);
    assert_eq!(
        r.pointers(),
        vec![
            "/name",
            "/partner_kind",
            "/urn",
            "/phase",
            "/school_type",
            "/la_code"
        ]
    );
    let codes: Vec<_> = r.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["code"].clone())
        .collect();
    assert_eq!(codes[2], "invalid_urn");
    assert_eq!(codes[4], "required");

    let r = app
        .post(
            "/v1/organisations",
            &t.admin.token,
            json!({ "name": "X", "kind": "partner", "urn": "137220" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/urn", "/partner_kind"]);
    let r = app
        .post(
            "/v1/organisations",
            &t.admin.token,
            json!({ "name": "X", "kind": "castle" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/kind"]);
    let r = app
        .post(
            "/v1/organisations",
            &t.admin.token,
            json!({ "name": 7, "kind": "school" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/name"]);
    // Nothing was written.
    let list = app
        .get("/v1/organisations", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn urn_is_unique_in_a_tenant_but_not_across_tenants() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    app.school(&north, "Hill Primary", "137220").await;
    let body = json!({ "name": "Other", "kind": "school", "urn": "137220", "phase": "primary", "school_type": "state", "la_code": "202" });
    let r = app
        .post("/v1/organisations", &north.admin.token, body.clone())
        .await
        .expect(409);
    assert_eq!(r.code(), "urn_taken");
    app.post("/v1/organisations", &south.admin.token, body)
        .await
        .expect(201);
}

#[tokio::test]
async fn updates_need_the_current_etag() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let id = app.school(&t, "Hill Primary", "137220").await;
    let path = format!("/v1/organisations/{id}");

    let r = app
        .patch(
            &path,
            &t.admin.token,
            None,
            json!({ "name": "Hill Academy" }),
        )
        .await
        .expect(428);
    assert_eq!(r.code(), "if_match_required");
    let ok = app
        .patch(
            &path,
            &t.admin.token,
            Some("\"v1\""),
            json!({ "name": "Hill Academy", "school_type": "academy" }),
        )
        .await
        .expect(200);
    assert_eq!(ok.body["name"], "Hill Academy");
    assert_eq!(ok.body["version"], 2);
    assert_eq!(ok.header("etag").as_deref(), Some("\"v2\""));

    // A second writer still holding v1 loses instead of overwriting.
    let stale = app
        .patch(
            &path,
            &t.admin.token,
            Some("\"v1\""),
            json!({ "name": "Lost Update" }),
        )
        .await
        .expect(412);
    assert_eq!(stale.code(), "etag_mismatch");
    assert_eq!(
        app.get(&path, &t.admin.token).await.expect(200).body["name"],
        "Hill Academy"
    );

    let r = app
        .patch(
            &path,
            &t.admin.token,
            Some("\"v2\""),
            json!({ "urn": "999999", "kind": "partner" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/urn", "/kind"]);
    let r = app
        .patch(
            &path,
            &t.admin.token,
            Some("\"v2\""),
            json!({ "partner_kind": "charity" }),
        )
        .await
        .expect(422);
    assert_eq!(r.pointers(), vec!["/partner_kind"]);
    let r = app
        .patch(
            &path,
            &t.admin.token,
            Some("\"v2\""),
            json!({ "status": "archived" }),
        )
        .await
        .expect(422);
    assert_eq!(r.code(), "validation_failed");
}

#[tokio::test]
async fn archived_organisations_are_kept_but_frozen() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let id = app.school(&t, "Hill Primary", "137220").await;
    let a = app
        .post_empty(&format!("/v1/organisations/{id}/archive"), &t.admin.token)
        .await
        .expect(200);
    assert_eq!(a.body["status"], "archived");
    app.post_empty(&format!("/v1/organisations/{id}/archive"), &t.admin.token)
        .await
        .expect(200);
    let r = app
        .patch(
            &format!("/v1/organisations/{id}"),
            &t.admin.token,
            Some("*"),
            json!({ "name": "Back" }),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "archived");
    let active = app
        .get("/v1/organisations?status=active", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(active.body["items"], json!([]));
    let archived = app
        .get("/v1/organisations?status=archived", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(archived.body["items"][0]["id"], json!(id));
}

#[tokio::test]
async fn roles_decide_who_may_change_organisations() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let own = app.school(&t, "Hill Primary", "137220").await;
    let other = app.school(&t, "Dale Primary", "137221").await;
    let head = app
        .user(&t, "head@hill.example", &[(&own, "head")], false)
        .await;
    let staff = app
        .user(&t, "staff@hill.example", &[(&own, "staff")], false)
        .await;

    // Everyone in the tenant reads the directory.
    for who in [&head, &staff] {
        app.get("/v1/organisations", &who.token).await.expect(200);
        app.get(&format!("/v1/organisations/{other}"), &who.token)
            .await
            .expect(200);
    }
    // Only the tenant admin registers and archives.
    let body = json!({ "name": "New", "kind": "partner", "partner_kind": "charity" });
    let r = app
        .post("/v1/organisations", &head.token, body.clone())
        .await
        .expect(403);
    assert_eq!(r.code(), "tenant_admin_required");
    app.post("/v1/organisations", &staff.token, body)
        .await
        .expect(403);
    app.post_empty(&format!("/v1/organisations/{own}/archive"), &head.token)
        .await
        .expect(403);
    // A head corrects their own school, not another.
    app.patch(
        &format!("/v1/organisations/{own}"),
        &head.token,
        Some("\"v1\""),
        json!({ "name": "Hill Primary School" }),
    )
    .await
    .expect(200);
    app.patch(
        &format!("/v1/organisations/{other}"),
        &head.token,
        Some("\"v1\""),
        json!({ "name": "Mine now" }),
    )
    .await
    .expect(403);
    app.patch(
        &format!("/v1/organisations/{own}"),
        &staff.token,
        Some("\"v2\""),
        json!({ "name": "Staff edit" }),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn another_tenants_organisation_is_404_everywhere() {
    let app = spawn_app().await;
    let north = app.new_tenant("north").await;
    let south = app.new_tenant("south").await;
    let id = app.school(&north, "Hill Primary", "137220").await;
    let path = format!("/v1/organisations/{id}");
    app.get(&path, &south.admin.token).await.expect(404);
    app.patch(
        &path,
        &south.admin.token,
        Some("*"),
        json!({ "name": "Stolen" }),
    )
    .await
    .expect(404);
    app.post_empty(&format!("{path}/archive"), &south.admin.token)
        .await
        .expect(404);
    let list = app
        .get("/v1/organisations", &south.admin.token)
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]));
    app.get("/v1/organisations/org_nonsense", &north.admin.token)
        .await
        .expect(404);
    // Unchanged for its owner.
    assert_eq!(
        app.get(&path, &north.admin.token).await.expect(200).body["name"],
        "Hill Primary"
    );
}

#[tokio::test]
async fn lists_page_through_every_item_once_in_creation_order() {
    let app = spawn_app().await;
    let t = app.new_tenant("north").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            app.school(&t, &format!("School {i}"), &format!("1372{i:02}"))
                .await,
        );
    }
    let mut seen = Vec::new();
    let mut path = "/v1/organisations?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let r = app.get(&path, &t.admin.token).await.expect(200);
        pages += 1;
        let items = r.body["items"].as_array().expect("items");
        assert!(items.len() <= 3);
        seen.extend(
            items
                .iter()
                .map(|o| o["id"].as_str().expect("id").to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/organisations?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let r = app
        .get("/v1/organisations?limit=0", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(1),
        "limit is clamped to at least 1"
    );
    let r = app
        .get("/v1/organisations?limit=100000", &t.admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(7));
    let r = app
        .get("/v1/organisations?cursor=%%%", &t.admin.token)
        .await
        .expect(400);
    assert_eq!(r.code(), "invalid_cursor");
    app.get("/v1/organisations?limit=lots", &t.admin.token)
        .await
        .expect(422);
}
