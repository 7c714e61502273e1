//! The library (issue 14.5): labels on saved-panel versions ("validated", "in clinical use
//! since 2026-03-01"). A protected label keeps its panel from being deleted while it stands.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{foreign_key, index, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(VersionLabels::Table)
                    .col(pk_auto(VersionLabels::Id))
                    .col(integer(VersionLabels::PanelId))
                    .col(integer(VersionLabels::VersionNumber))
                    .col(text(VersionLabels::Label))
                    .col(text_null(VersionLabels::Note))
                    .col(boolean(VersionLabels::Protected).default(false))
                    .col(integer_null(VersionLabels::CreatedById))
                    .col(timestamp_now(VersionLabels::CreatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_version_labels_panel_id",
                        VersionLabels::Table,
                        VersionLabels::PanelId,
                        SavedPanels::Table,
                        SavedPanels::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_version_labels_created_by_id",
                        VersionLabels::Table,
                        VersionLabels::CreatedById,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_version_labels_unique",
                VersionLabels::Table,
                [
                    VersionLabels::PanelId,
                    VersionLabels::VersionNumber,
                    VersionLabels::Label,
                ],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VersionLabels::Table).take())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SavedPanels {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VersionLabels {
    Table,
    Id,
    PanelId,
    VersionNumber,
    Label,
    Note,
    Protected,
    CreatedById,
    CreatedAt,
}
