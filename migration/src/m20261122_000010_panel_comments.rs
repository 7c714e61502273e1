//! Comments on a saved panel, optionally about one version and/or one gene. Deleting a comment
//! is soft (`is_deleted`) so threads keep their shape.

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
                    .table(PanelComments::Table)
                    .col(pk_auto(PanelComments::Id))
                    .col(integer(PanelComments::PanelId))
                    .col(integer_null(PanelComments::VersionNumber))
                    .col(text_null(PanelComments::GeneSymbol))
                    .col(integer_null(PanelComments::AuthorId))
                    .col(text(PanelComments::Body))
                    .col(timestamp_now(PanelComments::CreatedAt, db))
                    .col(timestamp_now(PanelComments::UpdatedAt, db))
                    .col(boolean(PanelComments::IsDeleted).default(false))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_comments_panel_id",
                        PanelComments::Table,
                        PanelComments::PanelId,
                        SavedPanels::Table,
                        SavedPanels::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_comments_author_id",
                        PanelComments::Table,
                        PanelComments::AuthorId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_panel_comments_panel_id",
                PanelComments::Table,
                [PanelComments::PanelId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PanelComments::Table).take())
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
enum PanelComments {
    Table,
    Id,
    PanelId,
    VersionNumber,
    GeneSymbol,
    AuthorId,
    Body,
    CreatedAt,
    UpdatedAt,
    IsDeleted,
}
