//! Redis: shared rate limits between instances, and requests that keep succeeding when Redis
//! dies mid-run. These start a Redis server of their own, so that they can stop it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::*;

struct OwnRedis {
    child: Child,
    url: String,
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `redis-server` on a free loopback port, or `None` if it is not installed.
async fn start_redis() -> Option<OwnRedis> {
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = child else {
        eprintln!("redis-server is not installed: Redis failover test skipped");
        return None;
    };
    let redis = OwnRedis {
        child,
        url: format!("redis://127.0.0.1:{port}/"),
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(redis);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("redis-server did not start");
}

#[tokio::test]
async fn two_instances_share_rate_limits_through_redis() {
    let Some(redis) = start_redis().await else {
        return;
    };
    let mut settings = test_settings();
    settings.redis_url = Some(api::config::Secret::new(redis.url.clone()));
    settings.rate_limit_per_minute = 6;
    let a = spawn_with(settings.clone()).await;
    let mut b_settings = settings.clone();
    b_settings.bootstrap_admin_password = None; // the database already has its admin
    let b = spawn_with(b_settings).await;
    let token = a.platform_token().await;
    for _ in 0..3 {
        a.get("/v1/me", &token).await.expect(200);
        b.get("/v1/me", &token).await.expect(200);
    }
    let r = b.get("/v1/me", &token).await.expect(429);
    assert!(r.header("retry-after").is_some());
    a.get("/v1/me", &token).await.expect(429);
}

#[tokio::test]
async fn requests_succeed_when_redis_dies_mid_run() {
    let Some(mut redis) = start_redis().await else {
        return;
    };
    let mut settings = test_settings();
    settings.redis_url = Some(api::config::Secret::new(redis.url.clone()));
    let app = spawn_with(settings).await;
    let t = app.new_tenant("north").await;
    app.school(&t, "Hill Primary", "137220").await;
    let r = app.get("/readyz", &t.admin.token).await.expect(200);
    assert_eq!(r.body["cache"], "redis");

    redis.child.kill().expect("kill redis");
    redis.child.wait().expect("reaped");

    for i in 0..20 {
        let r = app
            .get("/v1/organisations", &t.admin.token)
            .await
            .expect(200);
        assert_eq!(r.body["items"].as_array().map(Vec::len), Some(i + 1));
        assert!(
            r.header("ratelimit-remaining").is_some(),
            "limits fall back to in-process"
        );
        app.post(
            "/v1/organisations",
            &t.admin.token,
            serde_json::json!({ "name": format!("Partner {i}"), "kind": "partner", "partner_kind": "charity" }),
        )
        .await
        .expect(201);
    }
}
