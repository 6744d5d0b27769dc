//! Configuration: defaults, then an optional TOML file (`CONCORD_CONFIG`), then `CONCORD_*`
//! environment variables. Secrets are wrapped so that they never appear in logs.

use std::fmt;
use std::path::PathBuf;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;

/// A configuration value that must not be logged.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line (the default).
    Json,
    /// Human-readable lines for a terminal.
    Pretty,
}

/// Every setting, with its `CONCORD_` environment variable in the README.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `sqlite://path` or `postgres://…`; default: `sqlite://<data_dir>/concord.db`.
    pub database_url: Option<Secret>,
    /// On PostgreSQL, the URL of the role that owns the tables, used only to run migrations;
    /// default: `database_url`.
    pub database_migration_url: Option<Secret>,
    /// `redis://…`; when absent, in-process caches and rate limits serve one instance.
    pub redis_url: Option<Secret>,
    /// Address to listen on.
    pub bind: String,
    /// Where SQLite's file and a generated signing key are kept.
    pub data_dir: PathBuf,
    /// Database connections in the pool.
    pub db_pool_size: u32,
    /// Lifetime of an access token, in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token, in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of a user invitation, in seconds.
    pub invitation_ttl_secs: u64,
    /// `iss` of the tokens Concord signs.
    pub issuer: String,
    /// `aud` of the tokens Concord signs and accepts.
    pub audience: String,
    /// PKCS#8 PEM of the Ed25519 signing key; if absent, `jwt_private_key_file` or a key
    /// generated and kept in `data_dir`.
    pub jwt_private_key: Option<Secret>,
    /// Path of a PKCS#8 PEM Ed25519 signing key.
    pub jwt_private_key_file: Option<PathBuf>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests per minute per client (token subject, or IP address when unauthenticated).
    pub rate_limit_per_minute: u32,
    /// Requests per minute per tenant, over all its clients.
    pub tenant_rate_limit_per_minute: u32,
    /// Seconds a client has to send its request headers and body.
    pub client_timeout_secs: u64,
    /// HTTP worker threads; default: one per core.
    pub workers: Option<usize>,
    /// `json` or `pretty`.
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `api=debug,info`.
    pub log_level: String,
    /// Seconds between sweeps that record consents which have reached their end date.
    pub consent_sweep_secs: u64,
    /// Prefix of every Redis key, so that several deployments (or test runs) can share a Redis.
    pub cache_prefix: String,
    /// The first platform admin's email, when the database has none.
    pub bootstrap_admin_email: String,
    /// The first platform admin's password; if absent, one is generated and printed once.
    pub bootstrap_admin_password: Option<Secret>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: None,
            database_migration_url: None,
            redis_url: None,
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            db_pool_size: 16,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            invitation_ttl_secs: 7 * 24 * 3600,
            issuer: "concord".into(),
            audience: "concord-api".into(),
            jwt_private_key: None,
            jwt_private_key_file: None,
            max_body_bytes: 256 * 1024,
            rate_limit_per_minute: 1200,
            tenant_rate_limit_per_minute: 12000,
            client_timeout_secs: 10,
            workers: None,
            log_format: LogFormat::Json,
            log_level: "info".into(),
            consent_sweep_secs: 60,
            cache_prefix: "concord".into(),
            bootstrap_admin_email: "admin@concord.local".into(),
            bootstrap_admin_password: None,
        }
    }
}

impl Settings {
    /// Reads defaults, the optional file named by `CONCORD_CONFIG`, then `CONCORD_*` variables.
    pub fn load() -> Result<Settings, Box<figment::Error>> {
        let mut fig = Figment::new();
        if let Ok(path) = std::env::var("CONCORD_CONFIG") {
            fig = fig.merge(Toml::file_exact(path));
        }
        fig.merge(Env::prefixed("CONCORD_").ignore(&["config"]))
            .extract()
            .map_err(Box::new)
    }

    /// The URL migrations run with: `database_migration_url`, else the database URL.
    pub fn migration_url(&self) -> String {
        match &self.database_migration_url {
            Some(u) if !u.expose().is_empty() => u.expose().to_owned(),
            _ => self.database_url(),
        }
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.expose().is_empty() => u.expose().to_owned(),
            _ => format!("sqlite://{}", self.data_dir.join("concord.db").display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Settings {
            database_url: Some(Secret::new("postgres://u:hunter2@db/concord")),
            ..Settings::default()
        };
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn database_defaults_to_sqlite_in_the_data_dir() {
        let s = Settings {
            data_dir: PathBuf::from("/var/lib/concord"),
            ..Settings::default()
        };
        assert_eq!(s.database_url(), "sqlite:///var/lib/concord/concord.db");
    }
}
