//! `panelmerge backup` and `panelmerge restore`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Settings;
use crate::crypto::Encryptor;
use crate::state::AppState;

/// Encrypted values are copied as stored: say so wherever the commands are described.
const KEY_NOTE: &str = "Encrypted values (names, organisations, audit details, panel-change \
values) stay encrypted in the file: it can only be restored with the same ENCRYPTION_KEY \
(or with it in PREVIOUS_ENCRYPTION_KEYS). Keep the key, separately from the backups. The file \
also holds password hashes: store it like the database.";

#[derive(clap::Args, Debug)]
#[command(after_help = KEY_NOTE)]
pub struct BackupArgs {
    /// The file to write (gzip'd JSON lines). Written as FILE.partial, renamed when complete.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
#[command(after_help = KEY_NOTE)]
pub struct RestoreArgs {
    /// A file written by `panelmerge backup`.
    pub file: PathBuf,
    /// Replace the contents of a database that is not empty.
    #[arg(long)]
    pub force: bool,
}

pub async fn backup(settings: Settings, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let state = AppState::connect(settings).await?;
    let summary = crate::backup::backup(&state, &args.out).await?;
    println!(
        "backup written to {}: {} row(s) in {} table(s)",
        args.out.display(),
        summary.rows,
        summary.tables.len()
    );
    print!("{summary}");
    println!("restoring it needs this server's ENCRYPTION_KEY");
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(settings: Settings, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let crypto = Encryptor::new(&settings.encryption_key, &settings.previous_encryption_keys);
    // Everything is checked before the target is even opened.
    let checked = crate::backup::check(&args.file, &crypto)?;
    println!(
        "{}: checksum, schema and key verified ({} row(s))",
        args.file.display(),
        checked.trailer.rows
    );
    let state = AppState::connect(settings).await?;
    let summary = crate::backup::restore(&state, &args.file, &checked, args.force).await?;
    println!(
        "restored {} row(s) from {}",
        summary.rows,
        args.file.display()
    );
    print!("{summary}");
    Ok(ExitCode::SUCCESS)
}
