//! End-to-end tests: each starts the real server on port 0 with a fresh database (a new SQLite
//! file, or a new PostgreSQL database when `CONCORD_TEST_DATABASE_URL` names a server) and calls
//! it over HTTP. With `CONCORD_TEST_REDIS_URL` the servers use that Redis. `TEST_LOG=1` shows
//! the server's logs.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod helpers;
mod matrix;

mod agreements;
mod api_clients;
mod audit;
mod auth;
mod consents;
mod conventions;
mod evaluations;
mod operations;
mod organisations;
mod partnerships;
mod redis_failover;
mod tenants;
mod trend;
mod users;
