//! Writing a backup: one read transaction (a WAL snapshot on SQLite, REPEATABLE READ READ ONLY
//! on PostgreSQL), every table streamed row by row into the file, nothing held in memory.

use std::collections::BTreeSet;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, bail};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    IsolationLevel, QueryResult, Statement, TransactionTrait,
};

use super::format::{FORMAT, FORMAT_VERSION, Header, KeyCheck, TableHeader, Writer};
use super::schema::{self, Table, quote};
use super::{Summary, applied_migrations, key_probe_binding, values};
use crate::crypto::Encryptor;
use crate::services::rotation::ENCRYPTED_COLUMNS;

/// The plaintext of the key probe.
pub(super) const PROBE: &str = "panelmerge-backup-key-check";

/// Writes a backup of `db` to `out` (through `out.partial`, renamed when complete).
pub async fn backup(
    db: &DatabaseConnection,
    crypto: &Encryptor,
    out: &Path,
) -> anyhow::Result<Summary> {
    let backend = db.get_database_backend();
    let txn = match backend {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        // A deferred transaction: its first read below fixes the WAL snapshot every later
        // read sees, while the server keeps writing.
        _ => db.begin().await?,
    };
    let schema = applied_migrations(&txn).await?;
    let tables = schema::tables(&txn).await?;
    let mut headers = Vec::new();
    for table in &tables {
        let row = txn
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {}", quote(&table.name)),
            ))
            .await?
            .context("COUNT returned nothing")?;
        headers.push(TableHeader {
            name: table.name.clone(),
            rows: u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or(0),
            columns: table.columns.clone(),
        });
    }
    let uid = uuid::Uuid::new_v4().to_string();
    let probe = crypto
        .encrypt(PROBE, key_probe_binding(&uid))
        .context("sealing the key check")?;
    let header = Header {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        panelmerge_version: crate::VERSION.to_owned(),
        created_at: chrono::Utc::now(),
        source: crate::db::backend_name(db).to_owned(),
        schema,
        key: KeyCheck {
            key_id: crypto.current_key_id().to_owned(),
            row: uid,
            probe,
        },
        tables: headers,
    };

    let partial = out.with_file_name(format!(
        "{}.partial",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "backup".into())
    ));
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("can not create {}", partial.display()))?;
    let mut writer = Writer::new(BufWriter::new(file));
    writer.header(&header)?;
    let mut key_ids = BTreeSet::new();
    let mut total = 0;
    for (table, expected) in tables.iter().zip(&header.tables) {
        writer.table(&table.name)?;
        let sealed: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                ENCRYPTED_COLUMNS
                    .iter()
                    .any(|(t, col)| *t == table.name && *col == c.name)
            })
            .map(|(i, _)| i)
            .collect();
        let mut pages = Pages::new(table, backend)?;
        let mut count = 0u64;
        while let Some(rows) = pages.next(&txn).await? {
            for row in rows {
                let mut line = Vec::with_capacity(table.columns.len());
                for (i, column) in table.columns.iter().enumerate() {
                    let value = values::read(&row, i, column.kind, backend)
                        .with_context(|| format!("reading {}.{}", table.name, column.name))?;
                    if sealed.contains(&i)
                        && let Some(id) = value.as_str().and_then(sealed_key_id)
                    {
                        key_ids.insert(id.to_owned());
                    }
                    line.push(value);
                }
                pages.seen(&line)?;
                writer.row(&line)?;
                count += 1;
            }
        }
        if count != expected.rows {
            bail!(
                "{} changed while it was read ({} rows counted, {count} read): the snapshot is \
                 not consistent",
                table.name,
                expected.rows
            );
        }
        total += count;
    }
    let (sha256, file) = writer.finish(total, key_ids.into_iter().collect())?;
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    txn.commit().await?;
    std::fs::rename(&partial, out)
        .with_context(|| format!("can not rename {} to {}", partial.display(), out.display()))?;
    Ok(Summary::of(&header, total, sha256))
}

/// Rows this many at a time: a big audit log is never held in memory whole.
const PAGE: usize = 1000;

/// A table's rows in primary-key order, a page at a time (keyset pagination inside the
/// snapshot, so every page sees the same data).
struct Pages<'a> {
    table: &'a Table,
    backend: DbBackend,
    key: Vec<usize>,
    after: Option<Vec<sea_orm::Value>>,
    done: bool,
}

impl<'a> Pages<'a> {
    fn new(table: &'a Table, backend: DbBackend) -> anyhow::Result<Self> {
        let key = table
            .key
            .iter()
            .map(|k| {
                table
                    .columns
                    .iter()
                    .position(|c| c.name == *k)
                    .with_context(|| format!("key column {}.{k} not found", table.name))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            table,
            backend,
            key,
            after: None,
            done: false,
        })
    }

    async fn next(
        &mut self,
        txn: &DatabaseTransaction,
    ) -> anyhow::Result<Option<Vec<QueryResult>>> {
        if self.done {
            return Ok(None);
        }
        let columns: Vec<String> = self.table.columns.iter().map(|c| quote(&c.name)).collect();
        let keys: Vec<String> = self.key.iter().map(|&i| columns[i].clone()).collect();
        let mut sql = format!(
            "SELECT {} FROM {}",
            columns.join(", "),
            quote(&self.table.name)
        );
        let params = self.after.take().unwrap_or_default();
        if !params.is_empty() {
            let marks: Vec<String> = (1..=params.len())
                .map(|n| match self.backend {
                    DbBackend::Postgres => format!("${n}"),
                    _ => "?".to_owned(),
                })
                .collect();
            sql.push_str(&format!(
                " WHERE ({}) > ({})",
                keys.join(", "),
                marks.join(", ")
            ));
        }
        if keys.is_empty() {
            // No primary key: read whole, in a stable order.
            sql.push_str(&format!(" ORDER BY {}", columns.join(", ")));
            self.done = true;
        } else {
            sql.push_str(&format!(" ORDER BY {} LIMIT {PAGE}", keys.join(", ")));
        }
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(self.backend, sql, params))
            .await
            .with_context(|| format!("reading {}", self.table.name))?;
        self.done = self.done || rows.len() < PAGE;
        Ok((!rows.is_empty()).then_some(rows))
    }

    /// Remembers the key of the last row written, where the next page starts.
    fn seen(&mut self, line: &[serde_json::Value]) -> anyhow::Result<()> {
        if self.key.is_empty() {
            return Ok(());
        }
        let after = self
            .key
            .iter()
            .map(|&i| {
                let kind = self.table.columns[i].kind;
                values::bind(&line[i], kind, kind)
            })
            .collect::<anyhow::Result<_>>()?;
        self.after = Some(after);
        Ok(())
    }
}

/// The key id of a stored encrypted value (`v1.<key id>.<data>`).
pub(super) fn sealed_key_id(stored: &str) -> Option<&str> {
    let mut parts = stored.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(id), Some(_)) => Some(id),
        _ => None,
    }
}
