//! Every panel version stores its full gene list, so any version can be shown, compared,
//! restored and exported exactly: `snapshot` is the compressed canonical JSON, `snapshot_hash`
//! its SHA-256 (hex) and `snapshot_format` the encoding version.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            blob_null(PanelVersions::Snapshot),
            text_null(PanelVersions::SnapshotHash),
            integer(PanelVersions::SnapshotFormat).default(1).take(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PanelVersions::Table)
                        .add_column(col)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            PanelVersions::SnapshotFormat,
            PanelVersions::SnapshotHash,
            PanelVersions::Snapshot,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PanelVersions::Table)
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
enum PanelVersions {
    Table,
    Snapshot,
    SnapshotHash,
    SnapshotFormat,
}
