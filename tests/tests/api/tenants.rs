//! Tenants: provisioning by the platform admin, who sees metadata only.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn platform_admin_provisions_tenants() {
    let app = spawn_app().await;
    let platform = app.platform_token().await;
    let created = app
        .post(
            "/v1/tenants",
            &platform,
            json!({ "slug": "north-shire", "name": "North Shire" }),
        )
        .await
        .expect(201);
    let id = created.body["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("ten_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/v1/tenants/{id}"))
    );
    assert_eq!(created.body["status"], "active");
    assert_eq!(created.body["suppression_k"], 3);

    let got = app
        .get(&format!("/v1/tenants/{id}"), &platform)
        .await
        .expect(200);
    assert_eq!(got.body["slug"], "north-shire");
    app.post(
        "/v1/tenants",
        &platform,
        json!({ "slug": "south-vale", "name": "South Vale" }),
    )
    .await
    .expect(201);
    let list = app.get("/v1/tenants", &platform).await.expect(200);
    let slugs: Vec<_> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["slug"].clone())
        .collect();
    assert_eq!(slugs, vec![json!("north-shire"), json!("south-vale")]);

    let dup = app
        .post(
            "/v1/tenants",
            &platform,
            json!({ "slug": "north-shire", "name": "Again" }),
        )
        .await
        .expect(409);
    assert_eq!(dup.code(), "slug_taken");
    let bad = app
        .post(
            "/v1/tenants",
            &platform,
            json!({ "slug": "No Spaces", "name": "" }),
        )
        .await
        .expect(422);
    assert_eq!(bad.pointers(), vec!["/slug", "/name"]);
    app.get("/v1/tenants/ten_01hx0000000000000000000001", &platform)
        .await
        .expect(404);
    app.get("/v1/tenants/not-an-id", &platform)
        .await
        .expect(404);
}

#[tokio::test]
async fn tenant_users_cannot_manage_tenants_and_platform_admins_see_no_tenant_data() {
    let app = spawn_app().await;
    let tenant = app.new_tenant("north").await;
    let r = app
        .get("/v1/tenants", &tenant.admin.token)
        .await
        .expect(403);
    assert_eq!(r.code(), "platform_admin_required");
    app.post_empty(
        &format!("/v1/tenants/{}/suspend", tenant.id),
        &tenant.admin.token,
    )
    .await
    .expect(403);

    let platform = app.platform_token().await;
    for path in ["/v1/organisations", "/v1/users", "/v1/api-clients"] {
        let r = app.get(path, &platform).await.expect(403);
        assert_eq!(r.code(), "platform_admin_has_no_tenant_data", "{path}");
    }
    let me = app.get("/v1/me", &platform).await.expect(200);
    assert_eq!(me.body["kind"], "platform_admin");
    assert!(me.body.get("tenant").is_none());
}

#[tokio::test]
async fn first_admin_can_be_invited_and_accepts_by_choosing_a_password() {
    let app = spawn_app().await;
    let platform = app.platform_token().await;
    let t = app
        .post(
            "/v1/tenants",
            &platform,
            json!({ "slug": "east", "name": "East" }),
        )
        .await
        .expect(201);
    let id = t.body["id"].as_str().expect("id");
    let invited = app
        .post(
            &format!("/v1/tenants/{id}/admins"),
            &platform,
            json!({ "email": "Officer@East.Example", "name": "Olive" }),
        )
        .await
        .expect(201);
    assert_eq!(invited.body["status"], "invited");
    assert_eq!(invited.body["email"], "officer@east.example");
    assert_eq!(invited.body["tenant_admin"], true);
    let token = invited.body["invitation_token"]
        .as_str()
        .expect("invitation")
        .to_owned();

    app.login("officer@east.example", PASSWORD, Some("east"))
        .await
        .expect(401);
    let accept = |tok: String, pw: &'static str| {
        let app = &app;
        async move {
            app.send(
                app.http
                    .post(format!("{}/v1/auth/invitations/accept", app.base))
                    .json(&json!({ "invitation_token": tok, "password": pw })),
            )
            .await
        }
    };
    let weak = accept(token.clone(), "short").await.expect(422);
    assert_eq!(weak.pointers(), vec!["/password"]);
    accept(format!("{token}x"), PASSWORD).await.expect(401);
    assert_eq!(accept(token.clone(), PASSWORD).await.status.as_u16(), 204);
    accept(token, PASSWORD).await.expect(401);
    let me = app
        .login("officer@east.example", PASSWORD, Some("east"))
        .await
        .expect(200);
    let me = app
        .get("/v1/me", me.body["access_token"].as_str().expect("token"))
        .await
        .expect(200);
    assert_eq!(me.body["tenant_admin"], true);
    assert_eq!(me.body["tenant"]["slug"], "east");

    app.post(
        "/v1/tenants/ten_01hx0000000000000000000001/admins",
        &platform,
        json!({ "email": "a@b.example", "name": "A", "password": PASSWORD }),
    )
    .await
    .expect(404);
}
