//! What every handler shares.

use actix_web::web;
use domain::TenantId;
use persistence::{PlatformTx, Store, Tx};

use crate::auth::keys::Keys;
use crate::cache::Cache;
use crate::config::Settings;
use crate::error::ApiResult;
use crate::metrics::Metrics;

/// Application state, behind `web::Data`.
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Token signing and verification.
    pub keys: Keys,
    /// Configuration.
    pub settings: Settings,
    /// Shared, losable state: Redis or in-process.
    pub cache: Cache,
    /// Prometheus metrics.
    pub metrics: Metrics,
}

/// The store, called off the async executor.
#[derive(Clone)]
pub struct Db(pub Store);

impl Db {
    /// Runs `f` in a read transaction scoped to `tenant`, on the blocking pool.
    pub async fn read<T, F>(&self, tenant: &TenantId, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> ApiResult<T> + Send + 'static,
    {
        let store = self.0.clone();
        let tenant = tenant.clone();
        web::block(move || store.read(&tenant, f)).await?
    }

    /// Runs `f` in a write transaction scoped to `tenant`, on the blocking pool.
    pub async fn write<T, F>(&self, tenant: &TenantId, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> ApiResult<T> + Send + 'static,
    {
        let store = self.0.clone();
        let tenant = tenant.clone();
        web::block(move || store.write(&tenant, f)).await?
    }

    /// Runs `f` in a platform-level transaction, on the blocking pool.
    pub async fn platform<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PlatformTx<'_>) -> ApiResult<T> + Send + 'static,
    {
        let store = self.0.clone();
        web::block(move || store.platform(f)).await?
    }

    /// Runs any blocking store call.
    pub async fn with_store<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> ApiResult<T> + Send + 'static,
    {
        let store = self.0.clone();
        web::block(move || f(&store)).await?
    }
}
