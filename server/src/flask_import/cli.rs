//! The `import-flask` subcommand.

use std::process::ExitCode;

use crate::config::Settings;
use crate::state::AppState;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The Flask database: a SQLite file (path, `sqlite:///path`) or a PostgreSQL URL
    /// (`postgresql://…`, `postgresql+pg8000://…`).
    #[arg(long)]
    pub from: String,
    /// The Flask ENCRYPTION_MASTER_KEY (or the Fernet key itself), to decrypt profile fields,
    /// audit details and panel changes. Without it, ENCRYPTION_MASTER_KEY of the `.env` or
    /// environment (the Flask site's own variable) is used.
    #[arg(long, env = "FLASK_ENCRYPTION_KEY", hide_env_values = true)]
    pub flask_encryption_key: Option<String>,
    /// The zone of Flask's naive timestamps (IANA name).
    #[arg(long, default_value = "UTC")]
    pub flask_timezone: String,
    /// Show what would be imported; write nothing.
    #[arg(long, conflicts_with = "verify")]
    pub dry_run: bool,
    /// Compare source and target (counts and spot values); non-zero exit on a mismatch.
    #[arg(long)]
    pub verify: bool,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<ExitCode> {
    let zone = args
        .flask_timezone
        .trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| {
            anyhow::anyhow!(
                "--flask-timezone {:?} is not an IANA time zone",
                args.flask_timezone
            )
        })?;
    let options = super::Options {
        from: args.from,
        key: args.flask_encryption_key.or_else(|| {
            settings
                .flask_encryption_key
                .as_ref()
                .map(|k| k.expose().to_owned())
        }),
        zone,
        dry_run: args.dry_run,
    };
    let state = AppState::connect(settings).await?;
    crate::db::migrate(&state.db).await?;
    if args.verify {
        let bad = super::verify(&state, &options).await?;
        if bad.is_empty() {
            println!("verify: the target matches the source");
            return Ok(ExitCode::SUCCESS);
        }
        for line in &bad {
            println!("MISMATCH {line}");
        }
        println!("verify: {} mismatch(es)", bad.len());
        return Ok(ExitCode::FAILURE);
    }
    let report = super::run(&state, &options).await?;
    if options.dry_run {
        println!("dry run: nothing was written; this is what would be imported");
    } else {
        crate::db::analyze_after_bulk_load(&state.db).await?;
        println!("import complete: {} row(s) imported", report.total());
    }
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}
