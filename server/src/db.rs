//! Database connection and migrations (SQLite and PostgreSQL).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// Opens the database. A SQLite file's directory is created when missing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, None, None).await
}

/// Opens the database, counting every statement in `counter` and logging slow ones.
pub async fn connect_counted(
    url: &str,
    counter: Arc<AtomicU64>,
) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, None, Some(counter)).await
}

/// Opens the database with one connection, so connection settings (SQLite pragmas) hold for
/// every statement: used by `migrate`.
pub async fn connect_single(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, Some(1), None).await
}

/// Statements slower than this are logged.
const SLOW_STATEMENT: Duration = Duration::from_millis(500);

async fn connect_with(
    url: &str,
    max: Option<u32>,
    counter: Option<Arc<AtomicU64>>,
) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbErr::Custom(format!("can not create {}: {e}", dir.display())))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if let Some(max) = max {
        options.max_connections(max).min_connections(1);
    } else if url.starts_with("sqlite:") {
        // SQLite allows one writer; a small pool avoids "database is locked" under load.
        options.max_connections(4).min_connections(1);
    } else {
        options.max_connections(20).min_connections(1);
    }
    let mut db = Database::connect(options).await?;
    if let Some(counter) = counter {
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            if info.elapsed > SLOW_STATEMENT {
                tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, sql = %info.statement.sql, "slow statement");
            }
        });
    }
    if db.get_database_backend() == DbBackend::Sqlite {
        for pragma in [
            "PRAGMA foreign_keys = ON",
            "PRAGMA journal_mode = WAL",
            "PRAGMA busy_timeout = 5000",
            "PRAGMA synchronous = NORMAL",
        ] {
            db.execute_unprepared(pragma).await?;
        }
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Drops every table and applies all migrations. On SQLite, foreign keys are off while the
/// tables are dropped (SQLite checks them on `DROP TABLE`), which needs a single connection.
pub async fn fresh(db: &DatabaseConnection) -> Result<(), DbErr> {
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    }
    let result = Migrator::fresh(db).await;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    }
    result
}

/// SQLite or PostgreSQL (the only two the configuration accepts).
pub fn backend(db: &DatabaseConnection) -> shared::DatabaseBackend {
    match db.get_database_backend() {
        DbBackend::Postgres => shared::DatabaseBackend::Postgres,
        _ => shared::DatabaseBackend::Sqlite,
    }
}

/// "sqlite" or "postgres".
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    backend(db).name()
}

/// The file of a `sqlite://FILE?...` URL.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_found() {
        assert_eq!(
            sqlite_path("sqlite://data/x.db?mode=rwc").as_deref(),
            Some("data/x.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///abs/x.db").as_deref(),
            Some("/abs/x.db")
        );
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }
}
