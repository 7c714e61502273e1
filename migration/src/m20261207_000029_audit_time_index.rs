//! The audit trail's time index carries the row id (`timestamp, id`), replacing the index on
//! `timestamp` alone (issue 18). A time-range page first finds the lowest and highest id of the
//! range; with the id in the index PostgreSQL reads that from the index alone instead of
//! visiting every row of the range (SQLite's indexes already carry the row id). Retention
//! purges (`timestamp < cutoff`) use the new index as they used the old one.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS idx_audit_log_timestamp_id ON audit_log (timestamp, id)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_audit_log_timestamp")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Quoted as the second migration wrote it, so the schema is the same after a down.
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS \"idx_audit_log_timestamp\" ON \"audit_log\" (\"timestamp\")",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_audit_log_timestamp_id")
            .await?;
        Ok(())
    }
}
