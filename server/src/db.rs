//! Database connection and migrations (SQLite and PostgreSQL).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// A count or size as an INTEGER column or a GraphQL `Int` (both 32-bit): saturates at
/// `i32::MAX` instead of wrapping or failing.
pub fn int<T: TryInto<i32>>(n: T) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

/// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`, waiting up to the busy timeout while another connection writes): a deferred
/// transaction is pinned to the snapshot of its first read, and when another connection
/// commits between that read and its first write, SQLite refuses the write at once with
/// "database is locked", whatever the busy timeout (the audit chain reads the last row's hash
/// before it appends, so concurrent audited requests met this). Writers take turns instead;
/// readers are not held up (WAL). PostgreSQL begins as usual.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let sqlite_transaction_mode = (db.get_database_backend() == DbBackend::Sqlite)
        .then_some(SqliteTransactionMode::Immediate);
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode,
        ..TransactionOptions::default()
    })
    .await
}

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
    // Connection settings of SQLite hold per connection: they are set on the connect options so
    // that every connection the pool opens has them (a PRAGMA run once after connecting reaches
    // only the connection that ran it).
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .synchronous(SqliteSynchronous::Normal)
    });
    let mut db = Database::connect(options).await?;
    if let Some(counter) = counter {
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            if info.elapsed > SLOW_STATEMENT {
                tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, sql = %info.statement.sql, "slow statement");
            }
        });
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// How often the SQLite planner's statistics are brought up to date while the server runs.
pub const OPTIMIZE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Brings the query planner's statistics up to date on SQLite (`PRAGMA optimize`, which runs
/// `ANALYZE` on the tables whose statistics are missing or stale, each read on at most
/// `analysis_limit` rows of each index, so a million-row table takes milliseconds). Without
/// them SQLite guesses that every index is equally selective: with a million audit rows it then
/// walks every LOGIN row to find one user's failed logins (2.8 s) and sorts the whole
/// saved-panel table for an admin's list, where the statistics make both a few milliseconds.
/// PostgreSQL keeps its own statistics (autovacuum): nothing to do there.
pub async fn optimize(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA analysis_limit = 1000")
            .await?;
        db.execute_unprepared("PRAGMA optimize = 0x10002").await?;
    }
    Ok(())
}

/// Brings the planner's statistics up to date after a bulk load (a Flask import, `seed-scale`):
/// [`optimize`] on SQLite, `VACUUM (ANALYZE)` on PostgreSQL, whose autovacuum would only catch
/// up within minutes — until then it plans a million new rows as if the table were empty, and
/// with the rows not yet marked all-visible every index read also visits the table (an audit
/// page's bounded count of LOGIN rows: 85 ms p99 before).
pub async fn analyze_after_bulk_load(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        // Not in a transaction: VACUUM refuses to run in one (each statement of the pool
        // commits on its own).
        DbBackend::Postgres => db.execute_unprepared("VACUUM (ANALYZE)").await.map(|_| ()),
        _ => optimize(db).await,
    }
}

/// Runs [`optimize`] every [`OPTIMIZE_EVERY`] until `shutdown`.
pub fn spawn_optimizer(db: DatabaseConnection, shutdown: crate::shutdown::Shutdown) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(OPTIMIZE_EVERY);
        every.tick().await;
        loop {
            tokio::select! {
                _ = every.tick() => {
                    if let Err(e) = optimize(&db).await {
                        tracing::warn!(error = %e, "SQLite statistics not brought up to date");
                    }
                }
                () = shutdown.wait() => break,
            }
        }
    });
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
    fn counts_saturate_at_the_largest_int() {
        assert_eq!(int(7usize), 7);
        assert_eq!(int(u64::MAX), i32::MAX);
        assert_eq!(int(3_000_000_000u32), i32::MAX);
        assert_eq!(int(std::time::Duration::from_secs(1).as_millis()), 1000);
    }

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

    /// `optimize` gathers the statistics the planner reads (`sqlite_stat1`), per index, with the
    /// selectivity of each; none exist before. (What they change in the plans of a million-row
    /// trail is in BENCHMARKS.md: one user's failed logins 2.8 s → 29 ms.)
    #[tokio::test]
    async fn optimize_gives_the_planner_statistics_of_each_index() {
        use crate::services::audit::{AuditOrigin, AuditRecord};
        use sea_orm::{Statement, TransactionTrait};
        let (state, _dir) = crate::state::AppState::for_tests().await;
        // 3,000 logins under 100 names: the action matches every row, a name a hundredth.
        let rows: Vec<_> = (0..3000)
            .map(|i| {
                let origin = AuditOrigin {
                    user_id: None,
                    username: Some(format!("user{}", i % 100)),
                    ip: None,
                    user_agent: None,
                    session_id: None,
                };
                (
                    origin,
                    AuditRecord::new(shared::AuditAction::Login, "login"),
                )
            })
            .collect();
        let txn = state.db.begin().await.unwrap();
        state.audit.write_many(&txn, &rows).await.unwrap();
        txn.commit().await.unwrap();
        let stats = |db: DatabaseConnection| async move {
            let sql = "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'audit_log'";
            db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
                .await
                .map(|rows| {
                    rows.iter()
                        .map(|r| {
                            let idx: String = r.try_get("", "idx").unwrap_or_default();
                            let stat: String = r.try_get("", "stat").unwrap_or_default();
                            (idx, stat)
                        })
                        .collect::<std::collections::BTreeMap<_, _>>()
                })
                .unwrap_or_default()
        };
        assert!(
            stats(state.db.clone()).await.is_empty(),
            "no statistics yet"
        );

        optimize(&state.db).await.unwrap();
        let after = stats(state.db.clone()).await;
        // Rows, then rows per distinct value of the first column: a name narrows to 30 rows,
        // the action not at all.
        assert_eq!(
            after.get("idx_audit_log_username_id").map(String::as_str),
            Some("3000 30 1"),
            "{after:?}"
        );
        assert_eq!(
            after
                .get("idx_audit_log_action_type_id")
                .map(String::as_str),
            Some("3000 3000 1"),
            "{after:?}"
        );
    }

    /// The fault behind the flaky "database is locked" on SQLite: a transaction that reads, and
    /// then writes after another connection committed, is refused. Begun by `begin_write`, it
    /// holds the write lock from BEGIN, so no commit can come between its read and its write.
    /// (The other connection here does not wait at all, so what it meets shows at once.)
    #[tokio::test]
    async fn a_write_transaction_holds_the_write_lock_from_its_first_read() {
        use sea_orm::Statement;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/turns.db?mode=rwc", dir.path().display());
        let db = connect(&url).await.unwrap();
        db.execute_unprepared("CREATE TABLE counter (n INTEGER NOT NULL)")
            .await
            .unwrap();
        db.execute_unprepared("INSERT INTO counter VALUES (0)")
            .await
            .unwrap();
        let mut options = ConnectOptions::new(url.clone());
        options.max_connections(1);
        options.map_sqlx_sqlite_opts(|sqlite| sqlite.busy_timeout(Duration::ZERO));
        let impatient = Database::connect(options).await.unwrap();
        async fn read(txn: &DatabaseTransaction) -> Result<Option<sea_orm::QueryResult>, DbErr> {
            txn.query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT n FROM counter",
            ))
            .await
        }
        let bump = "UPDATE counter SET n = n + 1";
        let add_ten = "UPDATE counter SET n = n + 10";

        // Deferred (sea-orm's `begin`): the other write lands between the read and the write,
        // and the write is refused.
        let deferred = db.begin().await.unwrap();
        read(&deferred).await.unwrap();
        impatient.execute_unprepared(bump).await.unwrap();
        let refused = deferred.execute_unprepared(add_ten).await.unwrap_err();
        assert!(
            refused.to_string().contains("database is locked"),
            "{refused}"
        );
        deferred.rollback().await.unwrap();

        // `begin_write`: the other write has to wait (here: is turned away), this one lands.
        let txn = begin_write(&db).await.unwrap();
        read(&txn).await.unwrap();
        let turned_away = impatient.execute_unprepared(bump).await.unwrap_err();
        assert!(
            turned_away.to_string().contains("database is locked"),
            "{turned_away}"
        );
        txn.execute_unprepared(add_ten).await.unwrap();
        txn.commit().await.unwrap();
        let n: i64 = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT n FROM counter",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(n, 11, "the first bump and the ten");
    }

    /// Every connection the pool opens has the SQLite settings, not only the first: four
    /// transactions open at once hold four connections, and each reads them back.
    #[tokio::test]
    async fn every_pooled_sqlite_connection_has_the_settings() {
        use sea_orm::{Statement, TransactionTrait};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/pool.db?mode=rwc", dir.path().display());
        let db = connect(&url).await.unwrap();
        let mut open = Vec::new();
        for _ in 0..4 {
            open.push(db.begin().await.unwrap());
        }
        for (n, txn) in open.iter().enumerate() {
            for (pragma, want) in [
                ("foreign_keys", 1_i64),
                ("busy_timeout", 5000),
                // NORMAL is 1 (SQLite's own default is FULL, 2).
                ("synchronous", 1),
            ] {
                let sql = format!("PRAGMA {pragma}");
                let row = txn
                    .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
                    .await
                    .unwrap()
                    .unwrap();
                let value: i64 = row.try_get_by_index(0).unwrap();
                assert_eq!(value, want, "connection {n}: {pragma}");
            }
            let row = txn
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA journal_mode",
                ))
                .await
                .unwrap()
                .unwrap();
            let mode: String = row.try_get_by_index(0).unwrap();
            assert_eq!(mode, "wal", "connection {n}: journal_mode");
        }
    }
}
