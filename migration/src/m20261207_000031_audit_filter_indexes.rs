//! Indexes for the audit page's combined filters (issue 18). The admins' commonest questions
//! combine an action with the outcome ("failed logins") and often a user ("this account's failed
//! logins"). With only one index per column the page either walked the primary key from the
//! newest row testing every row (PostgreSQL, failed LOGIN entries on a trail where logins rarely
//! fail: 0.5 s at a million rows, because it took the two columns for independent), or
//! intersected a user's 1,000 entries with the bitmap of all 100,000 failures (12–24 ms per
//! query, twice a page, 90 ms p99 under load).
//!
//! - `(action_type, success, id)`: an action and an outcome read exactly their rows, newest
//!   first, and their bounded count reads the index alone.
//! - `(user_id, success, action_type, id)`: a user with an outcome, and with an action too, read
//!   only that user's matching entries.
//! - PostgreSQL only: extended statistics on `(action_type, success)`, so the planner knows which
//!   actions fail at all and does not walk the trail looking for combinations that are rare.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 2] = [
    ("idx_audit_log_action_outcome", "action_type, success, id"),
    (
        "idx_audit_log_user_outcome",
        "user_id, success, action_type, id",
    ),
];

const STATISTICS: &str = "CREATE STATISTICS IF NOT EXISTS audit_log_action_outcome \
     (mcv, dependencies) ON action_type, success FROM audit_log";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, columns) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {name} ON audit_log ({columns})"
            ))
            .await?;
        }
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(STATISTICS).await?;
            // The statistics are empty until the table is next analysed.
            db.execute_unprepared("ANALYZE audit_log").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP STATISTICS IF EXISTS audit_log_action_outcome")
                .await?;
        }
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
