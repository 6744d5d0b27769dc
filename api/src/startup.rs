//! Building and running the server.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use domain::values::{EmailAddress, Name, Password};
use persistence::{Store, StoreOptions};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::keys::Keys;
use crate::auth::secrets;
use crate::cache::Cache;
use crate::config::Settings;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::state::{AppState, Db};
use crate::{extract, middleware, openapi, routes};

/// The platform-admin credential made on first start, to be shown once.
#[derive(Clone)]
pub struct BootstrapCredential {
    /// Sign-in email.
    pub email: String,
    /// Password (generated unless configured).
    pub password: String,
}

impl std::fmt::Debug for BootstrapCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapCredential")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    store: Store,
    server: Server,
    bootstrap: Option<BootstrapCredential>,
}

impl Application {
    /// Opens the store (migrating it), bootstraps the first platform admin if there is none,
    /// loads the signing key and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let url = settings.database_url();
        let options = StoreOptions {
            pool_size: settings.db_pool_size,
            migration_url: Some(settings.migration_url()),
            ..StoreOptions::default()
        };
        let store = tokio::task::spawn_blocking(move || {
            let store = Store::open(&url, &options)?;
            store.ensure_isolated()?;
            Ok::<_, persistence::StoreError>(store)
        })
        .await?
        .context("opening the database")?;
        let bootstrap = bootstrap_admin(&store, &settings).await?;
        let keys = Keys::load(&settings)?;
        let cache = match &settings.redis_url {
            Some(url) if !url.expose().is_empty() => {
                Cache::redis(url.expose()).context("CONCORD_REDIS_URL")?
            }
            _ => Cache::memory(),
        };
        crate::sweeper::spawn(
            store.clone(),
            Duration::from_secs(settings.consent_sweep_secs.max(1)),
        );
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let client_timeout = Duration::from_secs(settings.client_timeout_secs);
        let state = web::Data::new(AppState {
            db: Db(store.clone()),
            keys,
            settings,
            cache,
            metrics: Metrics::new()?,
        });
        let mut server = HttpServer::new(move || {
            let (app, doc) = app_parts();
            app.app_data(state.clone())
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc))
                .service(web::redirect("/docs", "/docs/"))
        })
        .listen(listener)?
        .client_request_timeout(client_timeout)
        .client_disconnect_timeout(Duration::from_secs(2))
        .shutdown_timeout(10);
        if let Some(n) = workers {
            server = server.workers(n);
        }
        Ok(Application {
            port,
            store,
            server: server.run(),
            bootstrap,
        })
    }

    /// The port the server listens on (useful when binding port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The store the server uses (its pool), for tools that run beside it such as the
    /// benchmark's baseline.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// The platform-admin credential created on this start, if the database had none.
    pub fn bootstrap(&self) -> Option<&BootstrapCredential> {
        self.bootstrap.as_ref()
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM stop it gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Creates the first platform admin when there is none.
async fn bootstrap_admin(
    store: &Store,
    settings: &Settings,
) -> anyhow::Result<Option<BootstrapCredential>> {
    let email = EmailAddress::parse(&settings.bootstrap_admin_email)
        .map_err(|e| anyhow::anyhow!("CONCORD_BOOTSTRAP_ADMIN_EMAIL: {e}"))?;
    let password = match &settings.bootstrap_admin_password {
        Some(p) => Password::parse(p.expose())
            .map_err(|e| anyhow::anyhow!("CONCORD_BOOTSTRAP_ADMIN_PASSWORD: {e}"))?,
        None => Password::parse(&secrets::random_password()).map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let store = store.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Option<BootstrapCredential>> {
        let hash = secrets::hash_password(password.expose())?;
        let name = Name::parse("Platform admin").map_err(|e| anyhow::anyhow!("{e}"))?;
        let created = store.platform(|tx| -> Result<bool, ApiError> {
            if tx.count_platform_admins()? > 0 {
                return Ok(false);
            }
            tx.insert_platform_admin(&email, &name, &hash)?;
            Ok(true)
        });
        match created {
            Ok(true) => Ok(Some(BootstrapCredential {
                email: email.to_string(),
                password: password.expose().to_owned(),
            })),
            Ok(false) => Ok(None),
            Err(e) => Err(anyhow::anyhow!("creating the first platform admin: {e}")),
        }
    })
    .await?
}

/// The application's routes and middleware, and the OpenAPI document they describe.
pub fn app_parts() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .app_data(web::PathConfig::default().error_handler(extract::path_error))
        .app_data(web::QueryConfig::default().error_handler(extract::query_error))
        .app_data(web::JsonConfig::default().error_handler(extract::json_config_error))
        .configure(routes::root)
        .service(utoipa_actix_web::scope("/v1").configure(routes::v1))
        .split_for_parts();
    let allow = routes::AllowIndex::from_document(&doc);
    let app = app
        .app_data(web::Data::new(allow))
        .default_service(web::to(routes::fallback))
        .wrap(from_fn(middleware::rate_limit))
        .wrap(from_fn(middleware::observe));
    (app, doc)
}
