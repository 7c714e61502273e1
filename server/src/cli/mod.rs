//! The `panelmerge` command line: serve, migrate, check, config validate, create-admin, schema,
//! backup, restore.

mod audit;
mod backup;
mod check;
mod panelapp;
#[cfg(feature = "test-support")]
mod seed;

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use shared::AuditResourceKind;
use shared::Role;

use crate::auth::Principal;
use crate::config::{self, Settings};
use crate::services::accounts::NewUser;
use crate::state::AppState;

#[derive(Parser, Debug)]
#[command(
    name = "panelmerge",
    version,
    about = "PanelMerge: merge PanelApp gene panels and your own gene lists"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (the default): GraphQL API and web app on HOST:PORT.
    Serve,
    /// Apply or roll back database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Check the database, Redis, encryption and the audit trail; non-zero exit on failure.
    Check,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Create an administrator. The password is prompted for on a terminal, read from
    /// standard input otherwise.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Print a new random ENCRYPTION_KEY (url-safe base64 of 32 bytes).
    GenerateKey,
    /// Re-encrypt every sensitive value under a new key (generated when not given), then
    /// print the key to put in ENCRYPTION_KEY.
    RotateKey {
        /// The new key (url-safe base64 of 32 bytes); a fresh one when absent.
        #[arg(long)]
        new_key: Option<String>,
    },
    /// Audit-trail maintenance.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Write a consistent backup of the whole database while the server runs (portable between
    /// SQLite and PostgreSQL). Restoring it needs the same ENCRYPTION_KEY.
    Backup(backup::BackupArgs),
    /// Restore a backup into the configured database (SQLite or PostgreSQL): checked whole
    /// first, then written in one transaction. Needs the ENCRYPTION_KEY of the server that
    /// made it; stop the server first.
    Restore(backup::RestoreArgs),
    /// Import a Flask PanelMerge (v1.4, v1.4.1, v1.5) database into this one.
    ImportFlask(crate::flask_import::cli::Args),
    /// PanelApp cache and snapshots.
    Panelapp {
        #[command(subcommand)]
        action: PanelappCommand,
    },
    /// Fill the database with years of data for the scale benchmarks (test builds only).
    #[cfg(feature = "test-support")]
    #[command(hide = true)]
    SeedScale(seed::SeedArgs),
}

#[derive(Subcommand, Debug)]
enum PanelappCommand {
    /// Fetch the catalogue and every panel of PanelApp UK and Australia (or one) into the
    /// cache, with progress.
    Sync {
        #[arg(long, value_parser = parse_source)]
        source: Option<shared::Source>,
    },
    /// Write a snapshot (the API's own JSON layout) for PANELAPP_SNAPSHOT=DIR.
    Snapshot {
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long, value_parser = parse_source)]
        source: Option<shared::Source>,
    },
}

fn parse_source(text: &str) -> Result<shared::Source, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "uk" | "gb" => Ok(shared::Source::Uk),
        "au" | "aus" => Ok(shared::Source::Au),
        _ => Err(format!("{text:?}: expected uk or au")),
    }
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Delete audit rows older than AUDIT_RETENTION_DAYS (or --days, never fewer); the purge
    /// is audited and the hash chain's new start recorded.
    Purge {
        #[arg(long)]
        days: Option<u32>,
    },
    /// Check the audit trail's hash chain; non-zero exit naming the first changed, inserted or
    /// deleted row.
    Verify,
}

#[derive(Subcommand, Debug)]
enum MigrateAction {
    /// Apply pending migrations (all, or the next N).
    Up {
        #[arg(short = 'n', long)]
        steps: Option<u32>,
    },
    /// Roll back the last migration (or the last N).
    Down {
        #[arg(short = 'n', long)]
        steps: Option<u32>,
    },
    /// Show which migrations are applied.
    Status,
    /// Drop every table, then apply all migrations.
    Fresh,
    /// Roll back every migration, then apply them again.
    Refresh,
    /// Roll back every migration.
    Reset,
}

#[derive(Subcommand, Debug)]
enum ConfigAction {
    /// Report every missing or invalid variable; non-zero exit when any is wrong.
    Validate,
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: can not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command.unwrap_or(Command::Serve))) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_settings() -> anyhow::Result<Settings> {
    let (settings, report) =
        Settings::load().map_err(|report| anyhow::anyhow!("invalid configuration:\n{report}"))?;
    crate::logging::init(&settings.log)?;
    for w in &report.warnings {
        // Generated keys are reported below with their directory.
        if !settings.generated_keys.contains(&w.variable.as_str()) {
            tracing::warn!(variable = %w.variable, "{}", w.message);
        }
    }
    for key in &settings.generated_keys {
        tracing::warn!(
            variable = key,
            dir = %settings.data_dir.display(),
            "{key} was not set; using a generated key kept in the data directory (set it in production)"
        );
    }
    Ok(settings)
}

async fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    crate::install_crypto_provider();
    match command {
        Command::Serve => {
            let settings = load_settings()?;
            let app = crate::Application::build(settings).await?;
            tracing::info!(address = %app.local_addr()?, version = crate::VERSION, "PanelMerge listening");
            println!(
                "PanelMerge {} listening on http://{}",
                crate::VERSION,
                app.local_addr()?
            );
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { action } => migrate(action).await,
        Command::Check => check::run(load_settings()?).await,
        Command::Config {
            action: ConfigAction::Validate,
        } => Ok(validate_config()),
        Command::CreateAdmin { username, email } => create_admin(username, email).await,
        #[cfg(feature = "test-support")]
        Command::SeedScale(args) => seed::run(load_settings()?, args).await,
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::RotateKey { new_key } => rotate_key(new_key).await,
        Command::Audit {
            action: AuditCommand::Purge { days },
        } => audit::purge(load_settings()?, days).await,
        Command::Audit {
            action: AuditCommand::Verify,
        } => audit::verify(load_settings()?).await,
        Command::Panelapp { action } => panelapp::run(load_settings()?, action).await,
        Command::Backup(args) => backup::backup(load_settings()?, args).await,
        Command::Restore(args) => backup::restore(load_settings()?, args).await,
        Command::ImportFlask(args) => crate::flask_import::cli::run(load_settings()?, args).await,
        Command::GenerateKey => {
            println!("{}", config::EncryptionKey::generate().to_base64().expose());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn migrate(action: MigrateAction) -> anyhow::Result<ExitCode> {
    let settings = load_settings()?;
    let db = crate::db::connect_single(settings.database_url.expose()).await?;
    match action {
        MigrateAction::Up { steps } => Migrator::up(&db, steps).await?,
        MigrateAction::Down { steps } => Migrator::down(&db, Some(steps.unwrap_or(1))).await?,
        MigrateAction::Status => {
            for m in Migrator::get_migration_with_status(&db).await? {
                println!("{:<10} {}", format!("{:?}", m.status()), m.name());
            }
        }
        MigrateAction::Fresh => crate::db::fresh(&db).await?,
        MigrateAction::Refresh => Migrator::refresh(&db).await?,
        MigrateAction::Reset => Migrator::reset(&db).await?,
    }
    let pending = Migrator::get_pending_migrations(&db).await?.len();
    let applied = Migrator::get_applied_migrations(&db).await?.len();
    println!("migrations: {applied} applied, {pending} pending");
    Ok(ExitCode::SUCCESS)
}

fn validate_config() -> ExitCode {
    let dotenv = std::path::Path::new(".env");
    let vars = match config::collect_vars(dotenv) {
        Ok(v) => v,
        Err(issue) => {
            eprintln!("error: {issue}");
            return ExitCode::FAILURE;
        }
    };
    let mut report = Settings::validate(&vars);
    // Flask variables are named (with why they do nothing, when they do) by the report.
    for key in dotenv_keys(dotenv) {
        let known = config::KNOWN_VARIABLES.iter().any(|(k, _)| *k == key)
            || config::flask_variable(&key).is_some();
        if !known {
            report.warnings.push(config::ConfigIssue {
                variable: key,
                message: "unknown variable in .env; ignored (check the spelling)".to_owned(),
            });
        }
    }
    print!("{report}");
    if report.errors.is_empty() {
        println!("configuration is valid");
        ExitCode::SUCCESS
    } else {
        println!("{} problem(s) found", report.errors.len());
        ExitCode::FAILURE
    }
}

fn dotenv_keys(path: &std::path::Path) -> Vec<String> {
    let Ok(iter) = dotenvy::from_path_iter(path) else {
        return Vec::new();
    };
    let keys: BTreeMap<String, ()> = iter.filter_map(Result::ok).map(|(k, _)| (k, ())).collect();
    keys.into_keys().collect()
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password for the new admin: ")?;
        let second = rpassword::prompt_password("Repeat the password: ")?;
        anyhow::ensure!(first == second, "the passwords do not match");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        anyhow::ensure!(!password.is_empty(), "no password on standard input");
        Ok(password)
    }
}

async fn create_admin(username: String, email: String) -> anyhow::Result<ExitCode> {
    let settings = load_settings()?;
    let password = read_password()?;
    let state = AppState::connect(settings).await?;
    crate::db::migrate(&state.db).await?;
    let new = NewUser {
        username,
        email,
        password,
        role: Role::Admin,
        timezone: None,
    };
    let principal = Principal::system("cli");
    match state.accounts.create_user(&principal, new).await {
        Ok(user) => {
            // The operator at the shell vouches for the address, so the first admin can log
            // in with REQUIRE_EMAIL_VERIFICATION on.
            state
                .email_addresses
                .set_verified(&principal, user.id, true)
                .await
                .map_err(|e| anyhow::anyhow!(e.describe()))?;
            println!("created admin {} (id {})", user.username, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}", e.message);
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn rotate_key(new_key: Option<String>) -> anyhow::Result<ExitCode> {
    let settings = load_settings()?;
    let new = match new_key {
        Some(text) => config::EncryptionKey::from_base64(&text)
            .map_err(|e| anyhow::anyhow!("--new-key {e}"))?,
        None => config::EncryptionKey::generate(),
    };
    anyhow::ensure!(
        new.id() != settings.encryption_key.id(),
        "the new key equals the current one"
    );
    let from =
        crate::crypto::Encryptor::new(&settings.encryption_key, &settings.previous_encryption_keys);
    let to = crate::crypto::Encryptor::new(&new, &[]);
    let db = crate::db::connect(settings.database_url.expose()).await?;
    let count = crate::services::rotation::rotate(&db, &from, &to)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    let state = AppState::new(settings.clone(), db, crate::backend::Backends::memory())?;
    let record = crate::services::audit::AuditRecord::new(
        shared::AuditAction::ConfigChange,
        format!(
            "encryption key rotated from {} to {}",
            settings.encryption_key.id(),
            new.id()
        ),
    )
    .resource(AuditResourceKind::EncryptionKey, new.id());
    // Written with the old key's encryptor but without sealed fields, so it reads under both.
    state
        .audit
        .record(&state.db, &Principal::system("rotate-key"), record)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    println!("re-encrypted {count} value(s) with key {}", new.id());
    println!("set this in your environment or .env before the next start:");
    println!("ENCRYPTION_KEY={}", new.to_base64().expose());
    Ok(ExitCode::SUCCESS)
}
