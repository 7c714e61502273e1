//! `panelmerge backup` and `panelmerge restore`: a consistent online copy of the whole
//! database in a portable file (SQLite ↔ PostgreSQL), with its schema version and a SHA-256
//! checksum, and a restore that checks everything before it writes and then writes in one
//! transaction.
//!
//! Encrypted values are copied as they are stored, so a backup is useless without the same
//! `ENCRYPTION_KEY`; password hashes are copied as they are. The file is laid out in
//! [`format`]; what it holds is read from the live schema ([`schema`]), so a new migration's
//! tables and columns are carried without changes here.

mod dump;
pub mod format;
mod load;
pub mod schema;
mod target;
mod values;

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use shared::AuditAction;
use shared::AuditResourceKind;

use crate::auth::Principal;
use crate::crypto::{Binding, Encryptor};
use crate::services::audit::AuditRecord;
use crate::state::AppState;

pub use load::Checked;
pub use schema::LEFT_OUT;

/// What a backup holds, or what a restore wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub created_at: DateTime<Utc>,
    /// The database the backup was made from ("sqlite" or "postgres").
    pub source: String,
    /// The last applied migration.
    pub schema: String,
    /// Rows per table, in the file's order.
    pub tables: Vec<(String, u64)>,
    pub rows: u64,
    pub sha256: String,
}

impl Summary {
    /// The summary of a backup with `header`, `rows` rows in all and checksum `sha256`.
    pub(crate) fn of(header: &format::Header, rows: u64, sha256: String) -> Self {
        Self {
            created_at: header.created_at,
            source: header.source.clone(),
            schema: header.schema.last().cloned().unwrap_or_default(),
            tables: header
                .tables
                .iter()
                .map(|t| (t.name.clone(), t.rows))
                .collect(),
            rows,
            sha256,
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "  made           {}", self.created_at.to_rfc3339())?;
        writeln!(f, "  from           {}", self.source)?;
        writeln!(f, "  schema         {}", self.schema)?;
        writeln!(f, "  sha256         {}", self.sha256)?;
        writeln!(f, "  rows per table:")?;
        for (table, rows) in &self.tables {
            writeln!(f, "    {table:<24} {rows:>8}")?;
        }
        writeln!(f, "    {:<24} {:>8}", "total", self.rows)
    }
}

/// The binding of the key probe in a backup's header.
fn key_probe_binding(row: &str) -> Binding<'_> {
    Binding {
        table: "backup",
        column: "key_check",
        row,
    }
}

/// Every migration this binary knows, oldest first.
pub fn known_migrations() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// The applied migrations (the schema version), oldest first.
async fn applied_migrations<C: ConnectionTrait>(conn: &C) -> anyhow::Result<Vec<String>> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await
        .context("reading the applied migrations")?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "version").map_err(Into::into))
        .collect()
}

/// Writes a backup of the running database to `out` and records it in the audit trail.
pub async fn backup(state: &AppState, out: &Path) -> anyhow::Result<Summary> {
    let result = dump::backup(&state.db, &state.crypto, out).await;
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let partial = out.with_file_name(format!(
                "{}.partial",
                out.file_name().unwrap_or_default().to_string_lossy()
            ));
            let _ = std::fs::remove_file(partial);
            return Err(e);
        }
    };
    let record = AuditRecord::new(
        AuditAction::AdminAction,
        format!(
            "database backed up: {} rows, schema {}",
            summary.rows, summary.schema
        ),
    )
    .resource(AuditResourceKind::Backup, &summary.sha256)
    .details(json!({
        "file": out.display().to_string(),
        "rows": summary.tables.iter().map(|(t, n)| (t.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "schema": summary.schema,
        "sha256": summary.sha256,
    }));
    state
        .audit
        .record(&state.db, &Principal::system("backup"), record)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    Ok(summary)
}

/// Checks `path` completely (no database needed): format, schema version, key, every row,
/// checksum.
pub fn check(path: &Path, crypto: &Encryptor) -> anyhow::Result<Checked> {
    load::check(path, crypto, &known_migrations())
        .with_context(|| format!("{} can not be restored", path.display()))
}

/// Restores a checked backup into the database of `state`: migrations first (on an empty
/// target), then every row in one transaction, with the audit chain verified and a restore row
/// appended before it commits. A non-empty target is refused unless `force` (which replaces
/// its contents).
pub async fn restore(
    state: &AppState,
    path: &Path,
    checked: &Checked,
    force: bool,
) -> anyhow::Result<Summary> {
    let db = &state.db;
    let known = known_migrations();
    // A database never migrated has no seaql_migrations table: nothing applied.
    let applied = applied_migrations(db).await.unwrap_or_default();
    if let Some(unknown) = applied.iter().find(|m| !known.contains(m)) {
        bail!(
            "the target database has migration {unknown} applied, which this PanelMerge does not \
             know: it belongs to a newer version"
        );
    }
    let rows = target::occupied(db).await?;
    if !rows.is_empty() && !force {
        let list: Vec<String> = rows.iter().map(|(t, n)| format!("{t} ({n})")).collect();
        bail!(
            "the target database is not empty: {}. Restore into an empty database, or pass \
             --force to replace its contents",
            list.join(", ")
        );
    }
    crate::db::migrate(db)
        .await
        .context("migrating the target")?;
    let tables = schema::tables(db).await?;

    let txn = crate::db::begin_write(db).await?;
    target::clear(&txn, &tables).await?;
    load::write(&txn, path, checked, &tables).await?;
    target::reset_sequences(&txn, &tables).await?;
    let chain = crate::services::audit_chain::verify(&txn)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    if let Some((row, problem)) = chain.problem {
        bail!(
            "the restored audit trail does not verify at row {row}: {problem}; nothing was restored"
        );
    }
    let header = &checked.header;
    let summary = Summary::of(header, checked.trailer.rows, checked.trailer.sha256.clone());
    let record = AuditRecord::new(
        AuditAction::AdminAction,
        format!(
            "database restored from a backup made {} on {} ({} rows{})",
            header.created_at.to_rfc3339(),
            header.source,
            summary.rows,
            if rows.is_empty() { "" } else { ", replacing the previous contents" }
        ),
    )
    .resource(AuditResourceKind::Backup, &summary.sha256)
    .details(json!({
        "file": path.display().to_string(),
        "made": header.created_at,
        "source": header.source,
        "schema": summary.schema,
        "sha256": summary.sha256,
        "replaced": rows.iter().map(|(t, n)| (t.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
    }));
    let event = state
        .audit
        .write(&txn, &Principal::system("restore"), record)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    txn.commit().await?;
    state.audit.publish([event]).await;
    Ok(summary)
}
