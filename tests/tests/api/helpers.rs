//! Starting a server per test and calling it.

use std::sync::OnceLock;

use api::config::{LogFormat, Secret};
use api::{Application, Settings};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

pub const ADMIN_EMAIL: &str = "admin@concord.test";
pub const ADMIN_PASSWORD: &str = "bootstrap-password-123";
pub const PASSWORD: &str = "correct horse battery";

/// One signing key for every server this process starts, so that two instances accept each
/// other's tokens (and tests can forge tokens with it).
pub fn signing_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| api::auth::keys::generate_pem().expect("key"))
}

/// The database server under test, if not SQLite.
pub fn database_server() -> Option<String> {
    std::env::var("CONCORD_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The Redis under test, if any.
pub fn redis_url() -> Option<String> {
    std::env::var("CONCORD_TEST_REDIS_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Settings for a test server on a fresh database.
pub fn test_settings() -> Settings {
    let data_dir = std::env::temp_dir().join(format!("concord-test-{}", ulid::Ulid::new()));
    // Migrations run as the owner; the server connects as a role row-level security holds.
    let owner_url = persistence::test_support::fresh_database(database_server().as_deref());
    Settings {
        database_url: Some(Secret::new(persistence::test_support::app_url(&owner_url))),
        database_migration_url: Some(Secret::new(owner_url)),
        redis_url: redis_url().map(Secret::new),
        bind: "127.0.0.1:0".into(),
        data_dir,
        db_pool_size: 4,
        jwt_private_key: Some(Secret::new(signing_pem())),
        workers: Some(1),
        log_format: LogFormat::Json,
        log_level: if std::env::var("TEST_LOG").is_ok() {
            "info".into()
        } else {
            "off".into()
        },
        cache_prefix: format!("test-{}", ulid::Ulid::new()),
        bootstrap_admin_email: ADMIN_EMAIL.into(),
        bootstrap_admin_password: Some(Secret::new(ADMIN_PASSWORD)),
        ..Settings::default()
    }
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stop accepting and release the pool; the runtime may already be going away.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { handle.stop(false).await });
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(test_settings()).await
}

pub async fn spawn_with(settings: Settings) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        api::telemetry::init(&settings);
    }
    let app = Application::build(settings).await.expect("server builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp { base, http, handle }
}

/// A signed-in principal.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: String,
    pub token: String,
    pub email: String,
}

/// A tenant with its first admin.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub admin: Actor,
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn from(resp: Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts the status and, for errors, that the body is problem+json with this status.
    #[track_caller]
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        if status >= 400 {
            assert_eq!(
                self.header("content-type").as_deref(),
                Some("application/problem+json"),
                "an error must be problem+json: {}",
                self.text
            );
            assert_eq!(
                self.body["status"],
                json!(status),
                "problem status: {}",
                self.text
            );
            assert!(self.body["code"].is_string(), "problem code: {}", self.text);
        }
        self
    }

    /// The problem's `code`.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// The pointers of a 422.
    pub fn pointers(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let rb = self.http.request(method, format!("{}{}", self.base, path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub async fn send(&self, rb: RequestBuilder) -> Reply {
        Reply::from(rb.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(self.request(Method::GET, path, Some(token)))
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path, Some(token)).json(&body))
            .await
    }

    pub async fn post_empty(&self, path: &str, token: &str) -> Reply {
        self.send(self.request(Method::POST, path, Some(token)))
            .await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> Reply {
        let mut rb = self.request(Method::PATCH, path, Some(token)).json(&body);
        if let Some(tag) = if_match {
            rb = rb.header("if-match", tag);
        }
        self.send(rb).await
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> Reply {
        self.send(
            self.http
                .post(format!("{}/v1/auth/token", self.base))
                .form(form),
        )
        .await
    }

    /// Password sign-in; `tenant` is the slug, `None` for a platform admin.
    pub async fn login(&self, email: &str, password: &str, tenant: Option<&str>) -> Reply {
        let mut form = vec![
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ];
        if let Some(t) = tenant {
            form.push(("tenant", t));
        }
        self.token_request(&form).await
    }

    pub async fn platform_token(&self) -> String {
        let r = self
            .login(ADMIN_EMAIL, ADMIN_PASSWORD, None)
            .await
            .expect(200);
        r.body["access_token"].as_str().expect("token").to_owned()
    }

    /// A new tenant with an active admin, signed in.
    pub async fn new_tenant(&self, slug: &str) -> Tenant {
        let platform = self.platform_token().await;
        let t = self
            .post(
                "/v1/tenants",
                &platform,
                json!({ "slug": slug, "name": format!("Tenant {slug}") }),
            )
            .await
            .expect(201);
        let id = t.body["id"].as_str().expect("id").to_owned();
        let email = format!("admin@{slug}.example");
        let a = self
            .post(
                &format!("/v1/tenants/{id}/admins"),
                &platform,
                json!({ "email": email, "name": "Tenant Admin", "password": PASSWORD }),
            )
            .await
            .expect(201);
        let token = self.login(&email, PASSWORD, Some(slug)).await.expect(200);
        Tenant {
            id,
            slug: slug.to_owned(),
            admin: Actor {
                id: a.body["id"].as_str().expect("id").to_owned(),
                token: token.body["access_token"]
                    .as_str()
                    .expect("token")
                    .to_owned(),
                email,
            },
        }
    }

    /// Registers a school; returns its id.
    pub async fn school(&self, tenant: &Tenant, name: &str, urn: &str) -> String {
        let r = self
            .post(
                "/v1/organisations",
                &tenant.admin.token,
                json!({ "name": name, "kind": "school", "urn": urn, "phase": "primary", "school_type": "academy", "la_code": "202" }),
            )
            .await
            .expect(201);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// Creates an active user with these memberships (`[(org_id, role)]`) and signs them in.
    pub async fn user(
        &self,
        tenant: &Tenant,
        email: &str,
        memberships: &[(&str, &str)],
        tenant_admin: bool,
    ) -> Actor {
        let ms: Vec<Value> = memberships
            .iter()
            .map(|(o, r)| json!({ "organisation_id": o, "role": r }))
            .collect();
        let r = self
            .post(
                "/v1/users",
                &tenant.admin.token,
                json!({ "email": email, "name": "Test User", "password": PASSWORD, "memberships": ms, "tenant_admin": tenant_admin }),
            )
            .await
            .expect(201);
        let t = self
            .login(email, PASSWORD, Some(&tenant.slug))
            .await
            .expect(200);
        Actor {
            id: r.body["id"].as_str().expect("id").to_owned(),
            token: t.body["access_token"].as_str().expect("token").to_owned(),
            email: email.to_owned(),
        }
    }
}

// Partnerships and audit.

/// A request id no other request in the run uses.
pub fn request_id() -> String {
    format!("rq-{}", ulid::Ulid::new())
}

/// The items of a list answer.
pub fn items(r: &Reply) -> Vec<Value> {
    r.body["items"].as_array().cloned().unwrap_or_default()
}

impl TestApp {
    /// Sends `method` with a JSON body (if any), an optional `If-Match` and this `X-Request-Id`.
    pub async fn traced(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        if_match: Option<&str>,
        request_id: &str,
    ) -> Reply {
        let mut rb = self
            .request(method, path, Some(token))
            .header("x-request-id", request_id);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        if let Some(tag) = if_match {
            rb = rb.header("if-match", tag);
        }
        self.send(rb).await
    }

    /// Creates a partnership as `token` with this body; returns its id.
    pub async fn partnership(&self, token: &str, body: Value) -> String {
        let r = self.post("/v1/partnerships", token, body).await.expect(201);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// Invites an organisation into a partnership (the reply is not checked).
    pub async fn invite(&self, token: &str, partnership: &str, org: &str, role: &str) -> Reply {
        self.post(
            &format!("/v1/partnerships/{partnership}/invitations"),
            token,
            json!({ "organisation_id": org, "role": role }),
        )
        .await
    }

    /// `accept`, `decline`, `leave` or `remove` for one member (the reply is not checked).
    pub async fn member_action(
        &self,
        token: &str,
        partnership: &str,
        org: &str,
        action: &str,
        body: Value,
    ) -> Reply {
        self.post(
            &format!("/v1/partnerships/{partnership}/members/{org}/{action}"),
            token,
            body,
        )
        .await
    }

    /// A new API client of the tenant with these scopes, signed in; returns (client id, token).
    pub async fn client_with_scopes(&self, tenant: &Tenant, scopes: &[&str]) -> (String, String) {
        let c = self
            .post(
                "/v1/api-clients",
                &tenant.admin.token,
                json!({ "name": format!("client {}", ulid::Ulid::new()), "scopes": scopes }),
            )
            .await
            .expect(201);
        let id = c.body["id"].as_str().expect("id").to_owned();
        let secret = c.body["client_secret"].as_str().expect("secret");
        let t = self
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", secret),
            ])
            .await
            .expect(200);
        (
            id,
            t.body["access_token"].as_str().expect("token").to_owned(),
        )
    }

    /// Every audit entry `token` sees for this query (`""` or `a=b&c=d`), following cursors.
    pub async fn audit_all(&self, token: &str, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/v1/audit?limit=100".to_owned();
            if !query.is_empty() {
                path.push('&');
                path.push_str(query);
            }
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = self.get(&path, token).await.expect(200);
            out.extend(items(&r));
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }
}

// Agreements.

/// An active partnership of schools, each with a head, every invitation accepted.
#[derive(Clone, Debug)]
pub struct SchoolCluster {
    /// The partnership, `prt_…`.
    pub id: String,
    /// Its member schools, in order ("School A", "School B", …).
    pub schools: Vec<String>,
    /// The head of each school, in the same order.
    pub heads: Vec<Actor>,
}

impl TestApp {
    /// A school named `School {tag}` with a head `head-{tag}@{slug}.example`; `n` makes the URN.
    pub async fn school_with_head(&self, t: &Tenant, tag: &str, n: usize) -> (String, Actor) {
        let org = self
            .school(t, &format!("School {tag}"), &format!("{}", 140_000 + n))
            .await;
        let email = format!("head-{}@{}.example", tag.to_lowercase(), t.slug);
        let head = self.user(t, &email, &[(&org, "head")], false).await;
        (org, head)
    }

    /// The tenant admin invites `org` as a member and its head accepts.
    pub async fn join_partnership(&self, t: &Tenant, partnership: &str, org: &str, head: &Actor) {
        self.invite(&t.admin.token, partnership, org, "member")
            .await
            .expect(201);
        self.post_empty(
            &format!("/v1/partnerships/{partnership}/members/{org}/accept"),
            &head.token,
        )
        .await
        .expect(200);
    }

    /// A cluster of `n` schools (A, B, C…) brokered by the tenant admin, optionally with a
    /// coordinator, every school accepted: the partnership is `active`.
    pub async fn school_cluster(
        &self,
        t: &Tenant,
        n: usize,
        coordinator: Option<&Actor>,
    ) -> SchoolCluster {
        self.school_cluster_from(t, 0, n, coordinator).await
    }

    /// Like [`TestApp::school_cluster`], with new schools lettered from the `first`th letter
    /// (so that several clusters of one tenant have different schools).
    pub async fn school_cluster_from(
        &self,
        t: &Tenant,
        first: usize,
        n: usize,
        coordinator: Option<&Actor>,
    ) -> SchoolCluster {
        let mut body = json!({ "kind": "cluster", "name": format!("Cluster {} {first}", t.slug) });
        if let Some(c) = coordinator {
            body["coordinator_id"] = json!(c.id);
        }
        let id = self.partnership(&t.admin.token, body).await;
        let mut schools = Vec::new();
        let mut heads = Vec::new();
        for i in first..first + n {
            let tag = char::from(b'A' + u8::try_from(i).expect("few schools")).to_string();
            let (org, head) = self.school_with_head(t, &tag, i).await;
            self.invite(&t.admin.token, &id, &org, "member")
                .await
                .expect(201);
            schools.push(org);
            heads.push(head);
        }
        for (org, head) in schools.iter().zip(&heads) {
            self.post_empty(
                &format!("/v1/partnerships/{id}/members/{org}/accept"),
                &head.token,
            )
            .await
            .expect(200);
        }
        let p = self
            .get(&format!("/v1/partnerships/{id}"), &t.admin.token)
            .await
            .expect(200);
        assert_eq!(p.body["status"], "active", "cluster: {}", p.text);
        SchoolCluster { id, schools, heads }
    }
}
