//! Restoring a backup: the whole file is checked first (structure, row counts, every value's
//! type, the checksum, the schema version, the encryption key) without touching the target;
//! then every row is written in one transaction, which a failure rolls back whole.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, bail};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use super::format::{Header, Line, Reader, Trailer, read_header};
use super::schema::{Kind, Table};
use super::{dump, key_probe_binding, values};
use crate::crypto::{CryptoError, Encryptor};

const DAMAGED: &str = "the file is damaged";

/// A file that passed every check.
#[derive(Debug)]
pub struct Checked {
    pub header: Header,
    pub trailer: Trailer,
}

fn open(path: &Path) -> anyhow::Result<Reader<std::fs::File>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("can not open {}", path.display()))?;
    Ok(Reader::new(file))
}

/// Reads a backup in order: the header, each table's rows, the trailer, checking the structure
/// as it goes; every error says where in the file it is.
struct Walker {
    reader: Reader<std::fs::File>,
    header: Header,
    table: usize,
    row: u64,
    started: bool,
}

impl Walker {
    fn open(path: &Path) -> anyhow::Result<Self> {
        let mut reader = open(path)?;
        let header = match reader.next_line().context(DAMAGED)? {
            Some(Line::Header(h)) => read_header(*h)?,
            Some(_) => bail!("line 1 is not a backup header: this is not a PanelMerge backup"),
            None => bail!("the file is empty"),
        };
        Ok(Self {
            reader,
            header,
            table: 0,
            row: 0,
            started: false,
        })
    }

    fn place(&self) -> String {
        let line = self.reader.line_number();
        match self.header.tables.get(self.table) {
            Some(t) if self.row > 0 => format!("line {line} (table {}, row {})", t.name, self.row),
            Some(t) => format!("line {line} (table {})", t.name),
            None => format!("line {line}"),
        }
    }

    /// The next row as (table index, values), or `None` after the last table.
    fn next_row(&mut self) -> anyhow::Result<Option<(usize, Vec<serde_json::Value>)>> {
        loop {
            let Some(table) = self.header.tables.get(self.table) else {
                return Ok(None);
            };
            let (name, rows, width) = (table.name.clone(), table.rows, table.columns.len());
            if !self.started {
                match self
                    .reader
                    .next_line()
                    .with_context(|| format!("before table {name}"))?
                {
                    Some(Line::Table(found)) if found == name => self.started = true,
                    Some(_) => bail!(
                        "line {}: expected the start of table {name} (table {} of {} in the header)",
                        self.reader.line_number(),
                        self.table + 1,
                        self.header.tables.len()
                    ),
                    None => bail!(
                        "the file ends before table {name} (after line {}): it is truncated",
                        self.reader.line_number()
                    ),
                }
            }
            if self.row == rows {
                self.table += 1;
                self.row = 0;
                self.started = false;
                continue;
            }
            self.row += 1;
            let line = self
                .reader
                .next_line()
                .with_context(|| format!("in table {name}, row {} of {rows}", self.row))?;
            return match line {
                Some(Line::Row(values)) if values.len() == width => Ok(Some((self.table, values))),
                Some(Line::Row(values)) => bail!(
                    "{}: {} values for {width} columns",
                    self.place(),
                    values.len()
                ),
                Some(_) => bail!(
                    "{}: table {name} ends after {} of its {rows} rows",
                    self.place(),
                    self.row - 1
                ),
                None => bail!(
                    "the file ends in table {name} after {} of its {rows} rows (line {}): it is \
                     truncated",
                    self.row - 1,
                    self.reader.line_number()
                ),
            };
        }
    }

    /// Reads the trailer and compares the checksum.
    fn finish(mut self) -> anyhow::Result<Checked> {
        let trailer = match self.reader.next_line().context("reading the trailer")? {
            Some(Line::End(t)) => t,
            Some(_) => bail!(
                "line {}: more rows than the header counts, or a line after the last table",
                self.reader.line_number()
            ),
            None => bail!(
                "the file ends after line {} without its trailer (the checksum): it is truncated",
                self.reader.line_number()
            ),
        };
        let total: u64 = self.header.tables.iter().map(|t| t.rows).sum();
        if trailer.rows != total {
            bail!(
                "the trailer counts {} rows but the tables hold {total}",
                trailer.rows
            );
        }
        let actual = self.reader.sha256();
        if actual != trailer.sha256 {
            bail!(
                "the checksum does not match: the content was changed or damaged (SHA-256 \
                 {actual}, the file records {})",
                trailer.sha256
            );
        }
        if !matches!(self.reader.next_line(), Ok(None)) {
            bail!("line {}: data after the trailer", self.reader.line_number());
        }
        Ok(Checked {
            header: self.header,
            trailer,
        })
    }
}

/// Checks `path` through to its end without a database: format, schema version against this
/// binary's migrations, the key, every row's shape and values, and the checksum.
pub fn check(path: &Path, crypto: &Encryptor, migrations: &[String]) -> anyhow::Result<Checked> {
    let mut walker = Walker::open(path)?;
    check_schema(&walker.header.schema, migrations)?;
    check_key(&walker.header, crypto)?;
    let kinds: Vec<Vec<Kind>> = walker
        .header
        .tables
        .iter()
        .map(|t| t.columns.iter().map(|c| c.kind).collect())
        .collect();
    while let Some((table, row)) = walker.next_row().context(DAMAGED)? {
        for ((value, kind), column) in row
            .iter()
            .zip(&kinds[table])
            .zip(&walker.header.tables[table].columns)
        {
            values::bind(value, *kind, *kind)
                .with_context(|| format!("{}, column {}", walker.place(), column.name))
                .context(DAMAGED)?;
        }
    }
    let checked = walker.finish().context(DAMAGED)?;
    let unknown: Vec<&String> = checked
        .trailer
        .key_ids
        .iter()
        .filter(|id| !crypto.knows_key(id))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "the backup holds values encrypted with key(s) {unknown:?}, which are neither \
             ENCRYPTION_KEY (id {}) nor in PREVIOUS_ENCRYPTION_KEYS: add the old key(s) to \
             PREVIOUS_ENCRYPTION_KEYS",
            crypto.current_key_id()
        );
    }
    Ok(checked)
}

fn check_schema(backup: &[String], ours: &[String]) -> anyhow::Result<()> {
    if let Some(unknown) = backup.iter().find(|m| !ours.contains(m)) {
        bail!(
            "the backup's schema is newer than this PanelMerge: it includes migration {unknown}, \
             which this binary does not know. Restore it with the PanelMerge version that made it \
             (or newer)"
        );
    }
    if backup != ours {
        bail!(
            "the backup's schema is older than this PanelMerge's (it ends at migration {}, this \
             binary at {}): restore it with the PanelMerge version that made it, then upgrade \
             (starting the newer version applies the remaining migrations)",
            backup.last().map_or("(none)", String::as_str),
            ours.last().map_or("(none)", String::as_str)
        );
    }
    Ok(())
}

fn check_key(header: &Header, crypto: &Encryptor) -> anyhow::Result<()> {
    match crypto.decrypt(&header.key.probe, key_probe_binding(&header.key.row)) {
        Ok(text) if text == dump::PROBE => Ok(()),
        Ok(_) | Err(CryptoError::Authentication | CryptoError::Format) => bail!(
            "the configured ENCRYPTION_KEY can not read this backup: it was made with a key \
             that has the same id ({}) but different bytes",
            header.key.key_id
        ),
        Err(CryptoError::UnknownKey(id)) => bail!(
            "the configured ENCRYPTION_KEY (id {}) can not read this backup: its encrypted \
             values are sealed with key id {id}. Set ENCRYPTION_KEY to the key of the server \
             that made the backup (or add it to PREVIOUS_ENCRYPTION_KEYS)",
            crypto.current_key_id()
        ),
        Err(e) => bail!("the key check failed: {e}"),
    }
}

/// Writes every row of the checked file into `txn`, whose tables (`target`, in dependency
/// order) are empty. Returns the checksum of what was written.
pub async fn write(
    txn: &DatabaseTransaction,
    path: &Path,
    checked: &Checked,
    target: &[Table],
) -> anyhow::Result<()> {
    let header = &checked.header;
    let by_name: BTreeMap<&str, &Table> = target.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut plans = Vec::new();
    for table in &header.tables {
        let here = by_name
            .get(table.name.as_str())
            .with_context(|| format!("table {} of the backup does not exist here", table.name))?;
        let mut kinds = Vec::new();
        for column in &table.columns {
            let ours = here
                .columns
                .iter()
                .find(|c| c.name == column.name)
                .with_context(|| {
                    format!(
                        "column {}.{} of the backup does not exist here",
                        table.name, column.name
                    )
                })?;
            kinds.push((column.kind, ours.kind));
        }
        plans.push(kinds);
    }
    let extra: BTreeSet<&str> = target
        .iter()
        .map(|t| t.name.as_str())
        .filter(|n| !header.tables.iter().any(|t| t.name == *n))
        .collect();
    if !extra.is_empty() {
        bail!("the backup has no rows for table(s) {extra:?} of this schema");
    }

    // Rows go out as multi-row INSERTs, bounded so a statement's parameters stay well under
    // both databases' limits; one batch is in memory at a time.
    let mut walker = Walker::open(path)?;
    let mut batch: Vec<Vec<sea_orm::Value>> = Vec::new();
    let mut batch_table = 0usize;
    let mut written = 0u64;
    loop {
        let next = walker.next_row()?;
        let flush = match &next {
            Some((table, _)) => *table != batch_table || batch.len() >= limit(header, *table),
            None => true,
        };
        if flush && !batch.is_empty() {
            written += batch.len() as u64;
            insert(txn, &header.tables[batch_table], std::mem::take(&mut batch)).await?;
        }
        let Some((table, row)) = next else { break };
        batch_table = table;
        let bound = row
            .iter()
            .zip(&plans[table])
            .zip(&header.tables[table].columns)
            .map(|((v, (kind, target)), column)| {
                values::bind(v, *kind, *target)
                    .with_context(|| format!("{}, column {}", walker.place(), column.name))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        batch.push(bound);
    }
    let again = walker.finish()?;
    if again.trailer.sha256 != checked.trailer.sha256 || written != checked.trailer.rows {
        bail!("the file changed while it was being restored");
    }
    Ok(())
}

fn limit(header: &Header, table: usize) -> usize {
    (20_000 / header.tables[table].columns.len().max(1)).clamp(1, 500)
}

async fn insert(
    txn: &DatabaseTransaction,
    table: &super::format::TableHeader,
    rows: Vec<Vec<sea_orm::Value>>,
) -> anyhow::Result<()> {
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(&table.name))
        .columns(table.columns.iter().map(|c| Alias::new(&c.name)));
    for row in rows {
        insert
            .values(row.into_iter().map(Into::into))
            .with_context(|| format!("building the insert for {}", table.name))?;
    }
    txn.execute(&insert)
        .await
        .with_context(|| format!("inserting into {}", table.name))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_schema_must_be_this_binarys() {
        let ours = names(&["m1", "m2"]);
        assert!(check_schema(&names(&["m1", "m2"]), &ours).is_ok());
        let newer = check_schema(&names(&["m1", "m2", "m3"]), &ours).unwrap_err();
        assert!(
            newer
                .to_string()
                .contains("newer than this PanelMerge: it includes migration m3")
        );
        let older = check_schema(&names(&["m1"]), &ours).unwrap_err();
        assert!(older.to_string().contains("older"), "{older}");
    }
}
