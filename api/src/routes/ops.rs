//! Operations: liveness, readiness, metrics and the token verification keys.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::Problem;
use crate::state::AppState;

/// Health or readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
    /// `memory` or `redis` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<&'static str>,
}

/// Liveness: the process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
        cache: None,
    })
}

/// Readiness: the database answers.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match state.db.0.backend() {
        persistence::Backend::Postgres => "postgres",
        persistence::Backend::Sqlite => "sqlite",
    };
    let ok = state.db.with_store(|s| Ok(s.ping()?)).await;
    match ok {
        Ok(()) => HttpResponse::Ok().json(Health {
            status: "ok",
            database: Some(database),
            cache: Some(state.cache.kind()),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            actix_web::ResponseError::error_response(&crate::error::ApiError::Unavailable(
                anyhow::anyhow!("database: {e}"),
            ))
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Metrics", body = String, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// The JSON Web Key Set that verifies Concord's access tokens.
#[utoipa::path(tag = "auth", responses((status = 200, description = "The public keys", body = Object)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(state.keys.jwks())
}
