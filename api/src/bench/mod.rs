//! `concord bench seed` and `concord bench load`: the performance benchmark (docs/performance.md).
//!
//! `seed` loads the deterministic data set of [`persistence::seed`]. `load` seeds a database if
//! it has not been, starts the server in this process on a free port, and beside it a second
//! listener with the [`baseline`] routes sharing the server's pool; then it drives each scenario
//! with `oha` (installed with `cargo install oha` when missing) at a fixed rate (an open model),
//! and prints one table with the baseline's throughput and the ratio.

pub mod baseline;
mod oha;

use std::time::Instant;

use actix_web::{web, App, HttpServer};
use clap::{Args, Subcommand, ValueEnum};
use persistence::seed::{self, Fixture, SeedSpec};
use persistence::{Backend, Store, StoreOptions};

use crate::auth::keys::{generate_pem, Keys};
use crate::auth::tokens::sign_access_token;
use crate::config::{LogFormat, Secret, Settings};
use crate::Application;

/// `concord bench …`.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Load the benchmark data set into a database (skipped when it is there already).
    Seed(SeedArgs),
    /// Seed if needed, start the server, run every scenario with oha and print the table.
    Load(LoadArgs),
}

/// Which database the benchmark uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Database {
    /// PostgreSQL (`--database-url`, default `postgres://postgres@127.0.0.1:5432/concord_bench_pg`).
    Postgres,
    /// SQLite (default file `data/bench.db`).
    Sqlite,
}

/// What to seed.
#[derive(Args, Clone)]
pub struct SeedArgs {
    /// The backend, when no `--database-url` is given.
    #[arg(long, value_enum, default_value = "postgres")]
    pub database: Database,
    /// The database (created on PostgreSQL when missing).
    #[arg(long, env = "CONCORD_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// A small data set of the same shape (seconds to load), for trying the benchmark out.
    #[arg(long)]
    pub small: bool,
}

impl SeedArgs {
    fn url(&self) -> String {
        match (&self.database_url, self.database) {
            (Some(u), _) => u.clone(),
            (None, Database::Postgres) => {
                "postgres://postgres@127.0.0.1:5432/concord_bench_pg".into()
            }
            (None, Database::Sqlite) => "sqlite://data/bench.db".into(),
        }
    }

    fn spec(&self) -> SeedSpec {
        if self.small {
            SeedSpec::small(self.seed)
        } else {
            SeedSpec::full(self.seed)
        }
    }
}

/// How to load.
#[derive(Args, Clone)]
pub struct LoadArgs {
    #[command(flatten)]
    seed: SeedArgs,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Database connections in the server's pool.
    #[arg(long, default_value_t = 16)]
    pub pool_size: u32,
}

/// Writes a line to stdout (the benchmark's output is its report).
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Runs a `bench` subcommand.
pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Seed(args) => {
            ensure_seeded(&args).await?;
            Ok(())
        }
        BenchCommand::Load(args) => load(args).await,
    }
}

/// Migrates and seeds the database unless it holds this spec's data already; returns the store.
async fn ensure_seeded(args: &SeedArgs) -> anyhow::Result<(Store, String)> {
    let url = args.url();
    let spec = args.spec();
    let backend = Backend::of(&url);
    let u = url.clone();
    let store = tokio::task::spawn_blocking(move || -> anyhow::Result<Store> {
        if Backend::of(&u) == Backend::Postgres {
            seed::create_postgres_database(&u)?;
        }
        Ok(Store::open(&u, &StoreOptions::default())?)
    })
    .await??;
    let s = store.clone();
    let seeded = tokio::task::spawn_blocking(move || seed::is_seeded(&s, &spec)).await??;
    if seeded {
        say(&format!("{}: already seeded", backend.name()));
        return Ok((store, url));
    }
    say(&format!(
        "seeding {} ({} data set, seed {})…",
        backend.name(),
        if args.small { "small" } else { "full" },
        args.seed
    ));
    let spec = args.spec();
    let s = store.clone();
    let started = Instant::now();
    let counts = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let hash = crate::auth::secrets::hash_password(seed::PASSWORD)?;
        let counts = seed::seed(&s, &spec, &hash, |line| say(&format!("  {line}")))?;
        seed::analyze(&s)?;
        Ok(counts)
    })
    .await??;
    for (table, n) in &counts.rows {
        say(&format!("  {table:<22} {n:>10}"));
    }
    say(&format!(
        "seeded in {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    Ok((store, url))
}

/// A token for a seeded user that outlives the longest benchmark run.
fn token(keys: &Keys, settings: &Settings, tenant: &str, sub: &str) -> anyhow::Result<String> {
    let tenant = domain::TenantId::parse(tenant).map_err(|e| anyhow::anyhow!("{e}"))?;
    sign_access_token(keys, settings, sub, Some(&tenant), 4 * 3600)
}

async fn load(args: LoadArgs) -> anyhow::Result<()> {
    let oha = oha::ensure_installed()?;
    let (store, url) = ensure_seeded(&args.seed).await?;
    let backend = Backend::of(&url);
    let spec = args.seed.spec();
    let fx: Fixture = seed::fixture(&spec);
    drop(store);

    // On PostgreSQL the server serves as a role row-level security holds (it refuses to start
    // otherwise); the URL given is the owner's, which ran the migrations and the seed.
    let (serve_url, migration_url) = if backend == Backend::Postgres {
        let owner = url.clone();
        let app = tokio::task::spawn_blocking(move || seed::create_app_role(&owner)).await??;
        (app, Some(Secret::new(url.clone())))
    } else {
        (url.clone(), None)
    };
    let pem = generate_pem()?;
    let data_dir = std::env::temp_dir().join(format!("concord-bench-{}", ulid::Ulid::new()));
    let settings = Settings {
        database_url: Some(Secret::new(serve_url)),
        database_migration_url: migration_url,
        bind: "127.0.0.1:0".into(),
        data_dir,
        db_pool_size: args.pool_size,
        jwt_private_key: Some(Secret::new(pem.clone())),
        rate_limit_per_minute: u32::MAX,
        tenant_rate_limit_per_minute: u32::MAX,
        log_format: LogFormat::Json,
        log_level: "warn".into(),
        ..Settings::default()
    };
    let app = Application::build(settings.clone()).await?;
    let port = app.port();
    let store = app.store();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let baseline_store = web::Data::new(store.clone());
    let baseline = HttpServer::new(move || {
        App::new()
            .app_data(baseline_store.clone())
            .configure(baseline::routes)
    })
    .bind("127.0.0.1:0")?;
    let bport = baseline.addrs()[0].port();
    let baseline = baseline.run();
    let bhandle = baseline.handle();
    actix_web::rt::spawn(baseline);

    let keys = Keys::from_pem(&pem, &settings)?;
    let admin = token(&keys, &settings, &fx.tenant_id, &fx.admin_id)?;
    let head = token(&keys, &settings, &fx.tenant_id, &fx.head_id)?;
    let quiet_head = token(&keys, &settings, &fx.tenant_id, &fx.quiet_head_id)?;
    let cpu = oha::cpu_model();
    say(&format!(
        "\nConcord benchmark: {} on {cpu}, {} s per scenario, server pool {}\n",
        backend.name(),
        args.duration,
        args.pool_size
    ));
    let scenarios = oha::scenarios(&fx, backend, &admin, &head, &quiet_head);
    let mut rows = Vec::new();
    for sc in &scenarios {
        say(&format!("  running: {}", sc.name));
        let reset = || -> anyhow::Result<()> {
            seed::reset_signatures(&store, &fx)?;
            Ok(())
        };
        let (rated, alongside, max, baseline) =
            oha::run(&oha, sc, port, bport, args.duration, reset).await?;
        rows.push(oha::Row {
            scenario: sc,
            rated,
            alongside,
            max,
            baseline,
        });
    }
    say("");
    say(&oha::table(&rows));
    bhandle.stop(true).await;
    handle.stop(true).await;
    Ok(())
}
