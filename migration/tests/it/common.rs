//! Test databases and a structural description of a schema.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use tempfile::TempDir;

/// A migrated-or-not SQLite database in a temporary file, removed on drop.
pub struct SqliteDb {
    pub conn: DatabaseConnection,
    _dir: TempDir,
}

pub async fn sqlite() -> SqliteDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("panelmerge.db").display()
    );
    let conn = Database::connect(&url).await.unwrap();
    let fk = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_keys",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        fk.try_get_by_index::<i32>(0).unwrap(),
        1,
        "foreign keys must be on"
    );
    SqliteDb { conn, _dir: dir }
}

/// Runs `body` against a fresh PostgreSQL database named after `test`, dropped afterwards
/// (also when `body` panics). Without `TEST_DATABASE_URL` the test is skipped with a notice,
/// except on CI (`CI=true`), where that is a failure.
pub async fn with_postgres<F, Fut>(test: &str, body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("TEST_DATABASE_URL must be set on CI: the PostgreSQL tests can not be skipped");
        }
        eprintln!("notice: TEST_DATABASE_URL is not set; skipping the PostgreSQL part of {test}");
        return;
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "pm_{test}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );

    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let conn = Database::connect(&with_database(&admin_url, &name))
        .await
        .unwrap();
    let outcome = tokio::spawn(body(conn)).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("test task failed: {err}"),
        }
    }
}

/// `url` with its database (path) replaced by `name`, query string kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{root}/{name}{query}")
}

/// Runs `sql` and renders each row as its columns (all selected as text) joined by ` | `.
pub async fn lines(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|row| {
            (0..row.column_names().len())
                .map(|i| {
                    row.try_get_by_index::<Option<String>>(i)
                        .unwrap_or_else(|e| panic!("{sql}, column {i}: {e}"))
                        .unwrap_or_else(|| "NULL".to_owned())
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// The user tables of the database, sorted.
pub async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name"
        }
    };
    lines(db, sql).await
}

const SQLITE_DESCRIPTION: &[&str] = &[
    "SELECT 'table', name, sql FROM sqlite_master \
     WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    "SELECT 'index', tbl_name, name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name",
    "SELECT 'column', m.name, CAST(p.cid AS TEXT), p.name, p.type, CAST(p.\"notnull\" AS TEXT), \
     p.dflt_value, CAST(p.pk AS TEXT) FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
    "SELECT 'index_list', m.name, l.name, CAST(l.\"unique\" AS TEXT), l.origin, \
     CAST(l.partial AS TEXT) FROM sqlite_master m JOIN pragma_index_list(m.name) l \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, l.name",
    "SELECT 'index_info', l.name, CAST(i.seqno AS TEXT), i.name \
     FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY l.name, i.seqno",
    "SELECT 'foreign_key', m.name, CAST(f.id AS TEXT), CAST(f.seq AS TEXT), f.\"table\", \
     f.\"from\", f.\"to\", f.on_update, f.on_delete, f.\"match\" \
     FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, f.id, f.seq",
];

const POSTGRES_DESCRIPTION: &[&str] = &[
    // Ordered by position, which is not itself compared: a dropped column leaves a gap.
    "SELECT 'column', table_name::text, column_name::text, data_type::text, \
     is_nullable::text, column_default::text, character_maximum_length::text, \
     is_identity::text FROM information_schema.columns WHERE table_schema = 'public' \
     ORDER BY table_name, ordinal_position",
    "SELECT 'index', tablename::text, indexname::text, indexdef FROM pg_indexes \
     WHERE schemaname = 'public' ORDER BY tablename, indexname",
    "SELECT 'constraint', conrelid::regclass::text, conname::text, contype::text, \
     pg_get_constraintdef(oid) FROM pg_constraint \
     WHERE connamespace = 'public'::regnamespace ORDER BY 2, 3",
    "SELECT 'relation', relname::text, relkind::text FROM pg_class \
     WHERE relnamespace = 'public'::regnamespace ORDER BY relname",
];

/// A structural description of the schema: tables, columns, indexes, keys and constraints
/// (SQLite: `sqlite_master` and the table/index/foreign-key pragmas; PostgreSQL:
/// `information_schema.columns`, `pg_indexes`, `pg_constraint`, `pg_class`).
pub async fn describe(db: &DatabaseConnection) -> Vec<String> {
    let queries = match db.get_database_backend() {
        DbBackend::Sqlite => SQLITE_DESCRIPTION,
        _ => POSTGRES_DESCRIPTION,
    };
    let mut description = Vec::new();
    for sql in queries {
        description.extend(lines(db, sql).await);
    }
    description
}

/// Asserts two descriptions are equal, showing only the lines that differ.
pub fn assert_same_schema(expected: &[String], actual: &[String], context: &str) {
    let missing: Vec<_> = expected.iter().filter(|l| !actual.contains(l)).collect();
    let extra: Vec<_> = actual.iter().filter(|l| !expected.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && expected == actual,
        "{context}: schema differs\n  missing: {missing:#?}\n  extra: {extra:#?}"
    );
}
