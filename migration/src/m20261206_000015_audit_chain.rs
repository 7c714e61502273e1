//! The audit trail becomes append-only and hash-chained.
//!
//! * `audit_log` gains `entry_uid` (a random id generated before the insert, which the sealed
//!   columns are bound to, so a row is written once and never updated), `prev_hash` and `hash`
//!   (SHA-256 over the previous row's hash and this row's canonical content, computed by the
//!   server). Rows written before this migration keep NULL hashes: `panelmerge audit verify`
//!   starts from the first chained row and reports how many earlier rows it cannot vouch for.
//! * `audit_chain_anchor` records where the chain starts after a retention purge.
//! * `audit_chain_head` (one row) records the last chained row and its hash. Every writer updates
//!   it first, which also serialises writers (on SQLite it takes the write lock before the head is
//!   read; on PostgreSQL the server takes a transaction-scoped advisory lock as well), and
//!   `audit verify` compares it with the last row so deleting the newest rows is detected.
//! * Triggers refuse UPDATE and DELETE on both tables except inside the server's maintenance
//!   transactions (the retention purge and key rotation): on PostgreSQL those set the
//!   transaction-local `panelmerge.audit_maintenance = 'on'`; on SQLite, which has no session
//!   settings, they hold a row in `audit_maintenance` for the length of the transaction (the
//!   table exists on both databases so their schemas match; PostgreSQL's triggers ignore it).

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{index, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

const GUARDED: [&str; 2] = ["audit_log", "audit_chain_anchor"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        for col in [AuditLog::EntryUid, AuditLog::PrevHash, AuditLog::Hash] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditLog::Table)
                        .add_column(text_null(col))
                        .take(),
                )
                .await?;
        }
        manager
            .create_index(index(
                "idx_audit_log_entry_uid",
                AuditLog::Table,
                [AuditLog::EntryUid],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditChainAnchor::Table)
                    .col(pk_auto(AuditChainAnchor::Id))
                    .col(integer(AuditChainAnchor::AfterId))
                    .col(text_null(AuditChainAnchor::PrevHash))
                    .col(text(AuditChainAnchor::Reason))
                    .col(timestamp_now(AuditChainAnchor::CreatedAt, db))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHead::Table)
                    .col(integer(AuditChainHead::Id).primary_key())
                    .col(integer_null(AuditChainHead::LastId))
                    .col(text_null(AuditChainHead::Hash))
                    .col(big_integer(AuditChainHead::Writes).default(0))
                    .take(),
            )
            .await?;
        // The SQLite triggers' maintenance marker (created on both, so the schemas match;
        // PostgreSQL uses the transaction-local setting instead).
        manager
            .create_table(
                Table::create()
                    .table(AuditMaintenance::Table)
                    .col(pk_auto(AuditMaintenance::Id))
                    .col(text(AuditMaintenance::Reason))
                    .take(),
            )
            .await?;
        let conn = manager.get_connection();
        conn.execute_unprepared("INSERT INTO audit_chain_head (id, writes) VALUES (1, 0)")
            .await?;
        match db {
            DbBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION panelmerge_audit_guard() RETURNS trigger AS $$
                     BEGIN
                       IF coalesce(current_setting('panelmerge.audit_maintenance', true), '') <> 'on' THEN
                         RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                           USING ERRCODE = 'insufficient_privilege';
                       END IF;
                       IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                       IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
                       RETURN NEW;
                     END $$ LANGUAGE plpgsql",
                )
                .await?;
                for table in GUARDED {
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                         FOR EACH ROW EXECUTE FUNCTION panelmerge_audit_guard()"
                    ))
                    .await?;
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                         FOR EACH STATEMENT EXECUTE FUNCTION panelmerge_audit_guard()"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in GUARDED {
                    for op in ["UPDATE", "DELETE"] {
                        let name = format!("{table}_no_{}", op.to_ascii_lowercase());
                        conn.execute_unprepared(&format!(
                            "CREATE TRIGGER {name} BEFORE {op} ON {table}
                             WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance)
                             BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        let conn = manager.get_connection();
        match db {
            DbBackend::Postgres => {
                for table in GUARDED {
                    conn.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
                    ))
                    .await?;
                    conn.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"
                    ))
                    .await?;
                }
                conn.execute_unprepared("DROP FUNCTION IF EXISTS panelmerge_audit_guard()")
                    .await?;
            }
            _ => {
                for table in GUARDED {
                    for op in ["update", "delete"] {
                        conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_no_{op}"))
                            .await?;
                    }
                }
            }
        }
        manager
            .drop_table(Table::drop().table(AuditMaintenance::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditChainHead::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditChainAnchor::Table).take())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_log_entry_uid")
                    .table(AuditLog::Table)
                    .to_owned(),
            )
            .await?;
        for col in [AuditLog::Hash, AuditLog::PrevHash, AuditLog::EntryUid] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditLog::Table)
                        .drop_column(col)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    EntryUid,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditChainAnchor {
    Table,
    Id,
    AfterId,
    PrevHash,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditChainHead {
    Table,
    Id,
    LastId,
    Hash,
    Writes,
}

#[derive(DeriveIden)]
enum AuditMaintenance {
    Table,
    Id,
    Reason,
}
