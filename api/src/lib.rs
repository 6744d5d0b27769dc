//! Concord's HTTP API: routes, extractors, authentication, problem+json mapping, and the server.
//!
//! Handlers are thin: they extract, turn DTOs into domain values (422 on failure), ask the
//! visibility function through typed extractors, and run one store transaction off the async
//! executor.

pub mod audit;
pub mod auth;
pub mod bench;
pub mod cache;
pub mod chart;
pub mod config;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod request_id;
pub mod routes;
pub mod sharing;
pub mod startup;
pub mod state;
pub mod sweeper;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
