//! Export templates (issue 14.5): a user's saved export settings — format, the combined
//! list's columns, which ratings and entity types to keep, per-source sheets, the BED `chr`
//! prefix — optionally shared with one team. Names are unique per owner. Lists of values are
//! stored as comma-separated canonical names (`GENE_SYMBOL,HGNC_ID`; empty: all).

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
                    .table(ExportTemplates::Table)
                    .col(pk_auto(ExportTemplates::Id))
                    .col(integer(ExportTemplates::OwnerId))
                    .col(integer_null(ExportTemplates::TeamId))
                    .col(text(ExportTemplates::Name))
                    .col(text_null(ExportTemplates::Description))
                    .col(text(ExportTemplates::Format))
                    .col(text(ExportTemplates::Columns).default(""))
                    .col(text(ExportTemplates::Ratings).default(""))
                    .col(boolean(ExportTemplates::IncludeUnrated).default(true))
                    .col(text(ExportTemplates::EntityTypes).default(""))
                    .col(boolean(ExportTemplates::PerSourceSheets).default(false))
                    .col(boolean(ExportTemplates::ChrPrefix).default(true))
                    .col(timestamp_now(ExportTemplates::CreatedAt, db))
                    .col(timestamp_now(ExportTemplates::UpdatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_export_templates_owner_id",
                        ExportTemplates::Table,
                        ExportTemplates::OwnerId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_export_templates_team_id",
                        ExportTemplates::Table,
                        ExportTemplates::TeamId,
                        Teams::Table,
                        Teams::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_export_templates_owner_name",
                ExportTemplates::Table,
                [ExportTemplates::OwnerId, ExportTemplates::Name],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_export_templates_team_id",
                ExportTemplates::Table,
                [ExportTemplates::TeamId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ExportTemplates::Table).take())
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
enum Teams {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ExportTemplates {
    Table,
    Id,
    OwnerId,
    TeamId,
    Name,
    Description,
    Format,
    Columns,
    Ratings,
    IncludeUnrated,
    EntityTypes,
    PerSourceSheets,
    ChrPrefix,
    CreatedAt,
    UpdatedAt,
}
