//! The `concord` binary: serve (the default), migrate, and platform-admin commands.

use std::io::Write;

use anyhow::Context;
use api::auth::secrets;
use api::{telemetry, Application, Settings};
use clap::{Parser, Subcommand};
use domain::values::{EmailAddress, Name, Password};

#[derive(Parser)]
#[command(
    name = "concord",
    version,
    about = "Concord: school-to-school partnerships, as a REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage platform admins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// The performance benchmark: seed a data set, run the load scenarios.
    Bench {
        #[command(subcommand)]
        command: api::bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a platform admin; prints a generated password unless one is given in
    /// CONCORD_ADMIN_PASSWORD.
    Create {
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long, default_value = "Platform admin")]
        name: String,
    },
}

/// Writes to stdout: the one place Concord prints rather than logs (credentials shown once).
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = Settings::load().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    if matches!(cli.command, Some(Command::Bench { .. })) {
        // The benchmark's report is its output; a log line per request would drown it.
        settings.log_level = "warn".into();
    }
    telemetry::init(&settings);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let url = settings.migration_url();
            let n = tokio::task::spawn_blocking(move || persistence::migrate(&url)).await??;
            say(&format!("applied {n} migration(s)\n"));
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => create_admin(settings, &email, &name).await,
        Command::Bench { command } => api::bench::run(command).await,
        Command::Openapi => {
            say(&api::openapi::document_json());
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(
        bind = %settings.bind,
        database = %persistence::Backend::of(&settings.database_url()).name(),
        redis = settings.redis_url.is_some(),
        "starting concord"
    );
    let app = Application::build(settings).await?;
    if let Some(b) = app.bootstrap() {
        let configured = std::env::var("CONCORD_BOOTSTRAP_ADMIN_PASSWORD").is_ok();
        let password = if configured {
            "(the one in CONCORD_BOOTSTRAP_ADMIN_PASSWORD)"
        } else {
            b.password.as_str()
        };
        say(&format!(
            "\n  Concord created the first platform admin. This is shown once; keep it safe:\n\n    \
             email:    {}\n    password: {}\n\n  Sign in: POST /v1/auth/token with grant_type=password.\n\n",
            b.email, password
        ));
    }
    tracing::info!(port = app.port(), "listening");
    app.run_until_stopped().await.context("server failed")
}

async fn create_admin(settings: Settings, email: &str, name: &str) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = Name::parse(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let (password, generated) = match std::env::var("CONCORD_ADMIN_PASSWORD") {
        Ok(p) => (
            Password::parse(&p).map_err(|e| anyhow::anyhow!("CONCORD_ADMIN_PASSWORD: {e}"))?,
            false,
        ),
        Err(_) => (
            Password::parse(&secrets::random_password()).map_err(|e| anyhow::anyhow!("{e}"))?,
            true,
        ),
    };
    let url = settings.database_url();
    let hash = secrets::hash_password(password.expose())?;
    let options = persistence::StoreOptions {
        migration_url: Some(settings.migration_url()),
        ..Default::default()
    };
    let store =
        tokio::task::spawn_blocking(move || persistence::Store::open(&url, &options)).await??;
    let stored_email = email.clone();
    tokio::task::spawn_blocking(move || {
        store.platform(|tx| tx.insert_platform_admin(&stored_email, &name, &hash))
    })
    .await?
    .map_err(|e| match e {
        persistence::StoreError::Conflict(_) => {
            anyhow::anyhow!("a platform admin with that email exists")
        }
        other => other.into(),
    })?;
    if generated {
        say(&format!(
            "created platform admin {email}\npassword (shown once): {}\n",
            password.expose()
        ));
    } else {
        say(&format!("created platform admin {email}\n"));
    }
    Ok(())
}
