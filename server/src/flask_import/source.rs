//! Reading a Flask database (SQLite file or PostgreSQL) table by table. Every column is read
//! as text (`CAST(… AS TEXT)`), so SQLite's 0/1 and PostgreSQL's booleans, enums and
//! timestamps arrive in one shape; a column an older Flask version lacks reads as NULL.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

/// One source row: column → text value (None = NULL).
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub table: &'static str,
    pub id: i64,
    pub values: BTreeMap<&'static str, Option<String>>,
}

/// An error that names the table and row it is about.
pub fn row_error(table: &str, id: i64, message: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("source table {table}, row id {id}: {message}")
}

impl Row {
    pub fn text(&self, col: &str) -> Option<&str> {
        self.values.get(col).and_then(|v| v.as_deref())
    }

    /// A required column; NULL is an error naming the row.
    pub fn req(&self, col: &str) -> anyhow::Result<&str> {
        self.text(col)
            .ok_or_else(|| row_error(self.table, self.id, format!("{col} is NULL")))
    }

    pub fn err(&self, message: impl std::fmt::Display) -> anyhow::Error {
        row_error(self.table, self.id, message)
    }

    pub fn bool(&self, col: &str) -> anyhow::Result<Option<bool>> {
        match self.text(col).map(|t| t.trim().to_ascii_lowercase()) {
            None => Ok(None),
            Some(t) => match t.as_str() {
                "1" | "true" | "t" => Ok(Some(true)),
                "0" | "false" | "f" => Ok(Some(false)),
                other => Err(self.err(format!("{col} = {other:?} is not a boolean"))),
            },
        }
    }

    pub fn int(&self, col: &str) -> anyhow::Result<Option<i64>> {
        self.text(col)
            .map(|t| {
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| self.err(format!("{col} = {t:?} is not an integer")))
            })
            .transpose()
    }

    pub fn int32(&self, col: &str) -> anyhow::Result<Option<i32>> {
        self.int(col)?
            .map(|v| i32::try_from(v).map_err(|_| self.err(format!("{col} = {v} is out of range"))))
            .transpose()
    }

    /// A naive Flask timestamp, read in `zone` and converted to UTC.
    pub fn time(&self, col: &str, zone: Tz) -> anyhow::Result<Option<DateTime<Utc>>> {
        self.text(col)
            .map(|t| {
                parse_time(t, zone)
                    .ok_or_else(|| self.err(format!("{col} = {t:?} is not a timestamp")))
            })
            .transpose()
    }
}

pub fn parse_time(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(aware) = DateTime::parse_from_rfc3339(text) {
        return Some(aware.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f%#z",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        // PostgreSQL's text form of `timestamp with time zone` ends in +00 etc.
        DateTime::parse_from_str(&format!("{text}00"), "%Y-%m-%d %H:%M:%S%.f%z")
            .ok()
            .map(|d| d.naive_utc())
    })?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

/// A connection to the Flask database.
pub struct Source {
    pub db: DatabaseConnection,
    pub url_shown: String,
}

/// Turns the URLs Flask sites use (SQLAlchemy's `sqlite:///file`, `postgresql+pg8000://…`, a
/// plain file path) into one sqlx understands; SQLite is opened read-only.
pub fn normalise_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim();
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        anyhow::ensure!(!path.is_empty(), "--from {url:?} names no SQLite file");
        anyhow::ensure!(
            std::path::Path::new(path).is_file(),
            "--from: the SQLite file {path:?} does not exist"
        );
        return Ok(format!("sqlite://{path}?mode=ro"));
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let base = scheme.split('+').next().unwrap_or(scheme);
        anyhow::ensure!(
            base == "postgres" || base == "postgresql",
            "--from {scheme}:// is not supported: give a SQLite file or a PostgreSQL URL"
        );
        return Ok(format!("postgres://{rest}"));
    }
    anyhow::ensure!(
        std::path::Path::new(url).is_file(),
        "--from {url:?} is neither a database URL nor an existing SQLite file"
    );
    Ok(format!("sqlite://{url}?mode=ro"))
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

impl Source {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let normal = normalise_url(url)?;
        let db = Database::connect(normal.as_str())
            .await
            .map_err(|e| anyhow::anyhow!("can not open the Flask database {}: {e}", redact(url)))?;
        Ok(Self {
            db,
            url_shown: redact(url),
        })
    }

    fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// The columns of `table`, or None when the table does not exist.
    pub async fn columns(&self, table: &str) -> anyhow::Result<Option<Vec<String>>> {
        let sql = match self.backend() {
            DbBackend::Sqlite => Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT name AS name FROM pragma_table_info(?)",
                [table.into()],
            ),
            _ => Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
                [table.into()],
            ),
        };
        let rows = self
            .db
            .query_all_raw(sql)
            .await
            .map_err(|e| anyhow::anyhow!("reading the columns of source table {table}: {e}"))?;
        let mut names = Vec::new();
        for r in rows {
            names.push(r.try_get::<String>("", "name")?);
        }
        Ok((!names.is_empty()).then_some(names))
    }

    pub async fn count(&self, table: &str) -> anyhow::Result<Option<i64>> {
        if self.columns(table).await?.is_none() {
            return Ok(None);
        }
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \"{table}\"");
        let row = self
            .db
            .query_one_raw(Statement::from_string(self.backend(), sql))
            .await
            .map_err(|e| anyhow::anyhow!("counting source table {table}: {e}"))?;
        Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?)
    }

    /// Every row of `table` (ordered by id) with the wanted columns; None when the table
    /// does not exist.
    pub async fn rows(
        &self,
        table: &'static str,
        wanted: &[&'static str],
    ) -> anyhow::Result<Option<Vec<Row>>> {
        let Some(existing) = self.columns(table).await? else {
            return Ok(None);
        };
        anyhow::ensure!(
            existing.iter().any(|c| c == "id"),
            "source table {table} has no id column"
        );
        // The id is read as `src_id` so ORDER BY sees the numeric column, not a text alias.
        let select: Vec<String> =
            std::iter::once("CAST(t.\"id\" AS TEXT) AS \"src_id\"".to_owned())
                .chain(wanted.iter().map(|c| {
                    if existing.iter().any(|e| e == c) {
                        format!("CAST(t.\"{c}\" AS TEXT) AS \"{c}\"")
                    } else {
                        format!("CAST(NULL AS TEXT) AS \"{c}\"")
                    }
                }))
                .collect();
        let sql = format!(
            "SELECT {} FROM \"{table}\" t ORDER BY t.\"id\"",
            select.join(", ")
        );
        let rows = self
            .db
            .query_all_raw(Statement::from_string(self.backend(), sql))
            .await
            .map_err(|e| anyhow::anyhow!("reading source table {table}: {e}"))?;
        let mut out = Vec::with_capacity(rows.len());
        for (n, r) in rows.iter().enumerate() {
            let id_text: Option<String> = r
                .try_get("", "src_id")
                .map_err(|e| anyhow::anyhow!("source table {table}, row {}: {e}", n + 1))?;
            let id = id_text
                .as_deref()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    anyhow::anyhow!("source table {table}, row {}: no usable id", n + 1)
                })?;
            let mut values = BTreeMap::new();
            for c in wanted {
                let v: Option<String> = r
                    .try_get("", c)
                    .map_err(|e| row_error(table, id, format!("column {c}: {e}")))?;
                values.insert(*c, v);
            }
            out.push(Row { table, id, values });
        }
        Ok(Some(out))
    }
}
