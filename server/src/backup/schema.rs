//! What a backup holds, read from the live database: every table, its columns with a portable
//! type, its primary key and the tables its foreign keys point at — in dependency order.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};

/// Tables a backup leaves out, and why.
pub const LEFT_OUT: &[(&str, &str)] = &[
    (
        "seaql_migrations",
        "the schema version, carried in the header instead",
    ),
    (
        "audit_maintenance",
        "holds a row only inside a purge or key-rotation transaction; a copied row would open \
         the audit tables to changes",
    ),
];

/// The portable type of a column: how its values are written in the file and bound on restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 32-bit integer (`integer` on PostgreSQL; SQLite integers are read as 64-bit).
    Int,
    BigInt,
    Bool,
    Text,
    /// A UTC timestamp, written as RFC 3339 with every fractional digit the database holds.
    Timestamp,
    /// Bytes, written as standard base64.
    Bytes,
    Float,
}

impl Kind {
    /// The kind of a column declared as `declared` (SQLite's declared type, PostgreSQL's
    /// `information_schema` data type).
    pub fn of(declared: &str) -> Option<Self> {
        let t = declared.to_ascii_lowercase();
        Some(if t.contains("bool") {
            Self::Bool
        } else if t.contains("timestamp") || t.contains("datetime") {
            Self::Timestamp
        } else if t == "bigint" || t == "int8" {
            Self::BigInt
        } else if t == "integer" || t == "int" || t == "int4" {
            Self::Int
        } else if t == "text" || t.contains("char") || t == "clob" {
            Self::Text
        } else if t == "blob" || t == "bytea" {
            Self::Bytes
        } else if matches!(
            t.as_str(),
            "double precision" | "double" | "float8" | "real"
        ) {
            Self::Float
        } else {
            return None;
        })
    }

    /// Whether a value written as `self` can be stored in a column of kind `target`.
    pub fn fits(self, target: Self) -> bool {
        self == target
            || matches!(
                (self, target),
                (Self::Int | Self::BigInt, Self::Int | Self::BigInt)
            )
    }
}

/// One column: its name and portable type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// One table of the schema.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Primary-key columns, the order rows are written in (empty: the table has none).
    pub key: Vec<String>,
    /// Tables this one's foreign keys point at.
    pub parents: BTreeSet<String>,
}

/// `"name"`, quoted for both databases.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn strings<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> anyhow::Result<Vec<Vec<String>>> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .with_context(|| format!("reading the schema ({sql})"))?;
    rows.iter()
        .map(|row| {
            (0..row.column_names().len())
                .map(|i| {
                    row.try_get_by_index::<Option<String>>(i)
                        .map(Option::unwrap_or_default)
                        .map_err(anyhow::Error::from)
                })
                .collect()
        })
        .collect()
}

/// Every table of the schema (but [`LEFT_OUT`]), parents before children.
pub async fn tables<C: ConnectionTrait>(conn: &C) -> anyhow::Result<Vec<Table>> {
    let sqlite = conn.get_database_backend() == DbBackend::Sqlite;
    let names = if sqlite {
        strings(
            conn,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
            vec![],
        )
        .await?
    } else {
        strings(
            conn,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \
             current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
            vec![],
        )
        .await?
    };
    let mut found = Vec::new();
    for row in names {
        let name = row.into_iter().next().unwrap_or_default();
        if LEFT_OUT.iter().any(|(t, _)| *t == name) {
            continue;
        }
        found.push(describe(conn, sqlite, name).await?);
    }
    dependency_order(found)
}

async fn describe<C: ConnectionTrait>(
    conn: &C,
    sqlite: bool,
    name: String,
) -> anyhow::Result<Table> {
    let (columns_sql, key_sql, parents_sql) = if sqlite {
        (
            "SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
            "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
            "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)",
        )
    } else {
        (
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            "SELECT a.attname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) \
             WHERE i.indisprimary AND n.nspname = current_schema() AND c.relname = $1 \
             ORDER BY array_position(i.indkey::int2[], a.attnum)",
            "SELECT DISTINCT p.relname::text FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = $1",
        )
    };
    let arg = || vec![sea_orm::Value::from(name.clone())];
    let mut columns = Vec::new();
    for row in strings(conn, columns_sql, arg()).await? {
        let [column, declared] = <[String; 2]>::try_from(row)
            .map_err(|_| anyhow::anyhow!("unexpected column description of {name}"))?;
        let Some(kind) = Kind::of(&declared) else {
            bail!(
                "column {name}.{column} has type {declared:?}, which backups do not know how to \
                 carry between SQLite and PostgreSQL"
            );
        };
        columns.push(Column { name: column, kind });
    }
    let key: Vec<String> = strings(conn, key_sql, arg())
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .collect();
    let parents = strings(conn, parents_sql, arg())
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .filter(|p| *p != name)
        .collect();
    Ok(Table {
        name,
        columns,
        key,
        parents,
    })
}

/// Parents before children; among tables free to go next, by name (so both databases give the
/// same order).
fn dependency_order(tables: Vec<Table>) -> anyhow::Result<Vec<Table>> {
    let mut pending: BTreeMap<String, Table> =
        tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::new();
    while !pending.is_empty() {
        let next = pending
            .values()
            .find(|t| {
                t.parents
                    .iter()
                    .all(|p| done.contains(p) || !pending.contains_key(p))
            })
            .map(|t| t.name.clone());
        let Some(next) = next else {
            let names: Vec<&String> = pending.keys().collect();
            bail!("the foreign keys between {names:?} form a cycle; no order to restore them in");
        };
        if let Some(table) = pending.remove(&next) {
            done.insert(next);
            ordered.push(table);
        }
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn table(name: &str, parents: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![],
            key: vec![],
            parents: parents.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn parents_come_first() {
        let order = dependency_order(vec![
            table("audit_log", &["user"]),
            table("panel_versions", &["saved_panels", "user"]),
            table("saved_panels", &["user"]),
            table("user", &[]),
        ])
        .unwrap();
        let names: Vec<_> = order.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["user", "audit_log", "saved_panels", "panel_versions"]
        );
        assert!(dependency_order(vec![table("a", &["b"]), table("b", &["a"])]).is_err());
    }

    #[test]
    fn declared_types_map_to_portable_kinds() {
        for (declared, kind) in [
            ("integer", Kind::Int),
            ("bigint", Kind::BigInt),
            ("boolean", Kind::Bool),
            ("text", Kind::Text),
            ("varchar(80)", Kind::Text),
            ("character varying", Kind::Text),
            ("timestamp_with_timezone_text", Kind::Timestamp),
            ("timestamp with time zone", Kind::Timestamp),
            ("blob", Kind::Bytes),
            ("bytea", Kind::Bytes),
            ("double precision", Kind::Float),
        ] {
            assert_eq!(Kind::of(declared), Some(kind), "{declared}");
        }
        assert_eq!(Kind::of("jsonb"), None);
        assert!(Kind::Int.fits(Kind::BigInt));
        assert!(!Kind::Text.fits(Kind::Timestamp));
    }
}
