//! `panelmerge audit purge|verify`: audit-trail maintenance from the command line.

use std::process::ExitCode;

use crate::auth::Principal;
use crate::config::Settings;
use crate::services::audit_chain;
use crate::state::AppState;

/// Deletes rows older than `days` (default AUDIT_RETENTION_DAYS; never fewer). Exit 1 with the
/// reason when refused.
pub async fn purge(settings: Settings, days: Option<u32>) -> anyhow::Result<ExitCode> {
    let days = days.unwrap_or(settings.audit_retention_days);
    let state = AppState::connect(settings).await?;
    match state
        .audit_trail
        .purge(&Principal::system("cli"), days)
        .await
    {
        Ok(deleted) => {
            println!("deleted {deleted} audit row(s) older than {days} days");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}", e.describe());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Walks the hash chain; exit 1 naming the first changed, inserted or deleted row.
pub async fn verify(settings: Settings) -> anyhow::Result<ExitCode> {
    let db = crate::db::connect(settings.database_url.expose()).await?;
    let report = audit_chain::verify(&db)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    if let Some((row, problem)) = &report.problem {
        eprintln!("audit chain BROKEN at row {row}: {problem}");
        eprintln!(
            "({} row(s) verified before it; chain starts after row {})",
            report.checked, report.starts_after
        );
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "audit chain OK: {} row(s) verified{}",
        report.checked,
        if report.starts_after > 0 {
            format!(
                " (starting after row {}, where a retention purge left the chain)",
                report.starts_after
            )
        } else {
            String::new()
        }
    );
    if report.unchained > 0 {
        println!(
            "{} older row(s) were written before the hash chain existed and are not covered",
            report.unchained
        );
    }
    if let Some((id, hash)) = &report.head {
        println!("head: row {id} hash {hash}");
    }
    Ok(ExitCode::SUCCESS)
}
