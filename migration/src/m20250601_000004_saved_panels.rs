//! Flask v1.5: saved panels with versions, current genes, shares and a change log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{foreign_key, index, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        let set_null = ForeignKeyAction::SetNull;
        let cascade = ForeignKeyAction::Cascade;

        manager
            .create_table(
                Table::create()
                    .table(SavedPanels::Table)
                    .col(pk_auto(SavedPanels::Id))
                    .col(text(SavedPanels::Name))
                    .col(text_null(SavedPanels::Description))
                    .col(integer(SavedPanels::OwnerId))
                    .col(text(SavedPanels::Status).default("ACTIVE"))
                    .col(text(SavedPanels::Visibility).default("PRIVATE"))
                    .col(integer(SavedPanels::CurrentVersion).default(1))
                    .col(integer(SavedPanels::VersionCount).default(1))
                    .col(integer(SavedPanels::GeneCount).default(0))
                    .col(text_null(SavedPanels::SourceType))
                    .col(text_null(SavedPanels::SourceReference))
                    .col(text_null(SavedPanels::Tags))
                    .col(timestamp_now(SavedPanels::CreatedAt, db))
                    .col(timestamp_now(SavedPanels::UpdatedAt, db))
                    .col(timestamp_with_time_zone_null(SavedPanels::LastAccessedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_saved_panels_owner_id",
                        SavedPanels::Table,
                        SavedPanels::OwnerId,
                        User::Table,
                        User::Id,
                        cascade,
                    ))
                    .take(),
            )
            .await?;
        let saved_panel_indexes: [(&str, Vec<SavedPanels>, bool); 5] = [
            (
                "idx_saved_panels_owner_id_name",
                vec![SavedPanels::OwnerId, SavedPanels::Name],
                true,
            ),
            (
                "idx_saved_panels_owner_id",
                vec![SavedPanels::OwnerId],
                false,
            ),
            ("idx_saved_panels_status", vec![SavedPanels::Status], false),
            (
                "idx_saved_panels_visibility",
                vec![SavedPanels::Visibility],
                false,
            ),
            (
                "idx_saved_panels_updated_at",
                vec![SavedPanels::UpdatedAt],
                false,
            ),
        ];
        for (name, cols, unique) in saved_panel_indexes {
            manager
                .create_index(index(name, SavedPanels::Table, cols, unique))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PanelVersions::Table)
                    .col(pk_auto(PanelVersions::Id))
                    .col(integer(PanelVersions::PanelId))
                    .col(integer(PanelVersions::VersionNumber))
                    .col(text_null(PanelVersions::Comment))
                    .col(integer_null(PanelVersions::CreatedById))
                    .col(timestamp_now(PanelVersions::CreatedAt, db))
                    .col(integer(PanelVersions::GeneCount).default(0))
                    .col(text_null(PanelVersions::ChangesSummary))
                    .col(boolean(PanelVersions::IsProtected).default(false))
                    .col(integer(PanelVersions::RetentionPriority).default(0))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_versions_panel_id",
                        PanelVersions::Table,
                        PanelVersions::PanelId,
                        SavedPanels::Table,
                        SavedPanels::Id,
                        cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_versions_created_by_id",
                        PanelVersions::Table,
                        PanelVersions::CreatedById,
                        User::Table,
                        User::Id,
                        set_null,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_panel_versions_panel_id_version_number",
                PanelVersions::Table,
                [PanelVersions::PanelId, PanelVersions::VersionNumber],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PanelGenes::Table)
                    .col(pk_auto(PanelGenes::Id))
                    .col(integer(PanelGenes::PanelId))
                    .col(text(PanelGenes::GeneSymbol))
                    .col(text_null(PanelGenes::GeneName))
                    .col(text_null(PanelGenes::HgncId))
                    .col(text_null(PanelGenes::ConfidenceLevel))
                    .col(text_null(PanelGenes::ModeOfInheritance))
                    .col(text_null(PanelGenes::Phenotype))
                    .col(text_null(PanelGenes::EvidenceLevel))
                    .col(text_null(PanelGenes::SourcePanelId))
                    .col(text_null(PanelGenes::SourceListType))
                    .col(integer_null(PanelGenes::AddedById))
                    .col(timestamp_now(PanelGenes::AddedAt, db))
                    .col(text_null(PanelGenes::UserNotes))
                    .col(text_null(PanelGenes::CustomConfidence))
                    .col(boolean(PanelGenes::IsModified).default(false))
                    .col(boolean(PanelGenes::IsActive).default(true))
                    .col(timestamp_now(PanelGenes::CreatedAt, db))
                    .col(timestamp_now(PanelGenes::UpdatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_genes_panel_id",
                        PanelGenes::Table,
                        PanelGenes::PanelId,
                        SavedPanels::Table,
                        SavedPanels::Id,
                        cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_genes_added_by_id",
                        PanelGenes::Table,
                        PanelGenes::AddedById,
                        User::Table,
                        User::Id,
                        set_null,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_panel_genes_panel_id_gene_symbol",
                PanelGenes::Table,
                [PanelGenes::PanelId, PanelGenes::GeneSymbol],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_panel_genes_hgnc_id",
                PanelGenes::Table,
                [PanelGenes::HgncId],
                false,
            ))
            .await?;

        manager.create_table(panel_shares(db)).await?;
        for (name, col, unique) in [
            (
                "idx_panel_shares_share_token",
                PanelShares::ShareToken,
                true,
            ),
            ("idx_panel_shares_panel_id", PanelShares::PanelId, false),
            (
                "idx_panel_shares_shared_with_user_id",
                PanelShares::SharedWithUserId,
                false,
            ),
            (
                "idx_panel_shares_shared_with_team_id",
                PanelShares::SharedWithTeamId,
                false,
            ),
        ] {
            manager
                .create_index(index(name, PanelShares::Table, [col], unique))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PanelChanges::Table)
                    .col(pk_auto(PanelChanges::Id))
                    .col(integer(PanelChanges::PanelId))
                    .col(integer_null(PanelChanges::VersionId))
                    .col(text(PanelChanges::ChangeType))
                    .col(text_null(PanelChanges::TargetType))
                    .col(text_null(PanelChanges::TargetId))
                    // old_value / new_value hold encrypted values.
                    .col(text_null(PanelChanges::OldValue))
                    .col(text_null(PanelChanges::NewValue))
                    .col(text_null(PanelChanges::ChangeReason))
                    .col(integer_null(PanelChanges::ChangedById))
                    .col(timestamp_now(PanelChanges::ChangedAt, db))
                    .col(timestamp_now(PanelChanges::CreatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_changes_panel_id",
                        PanelChanges::Table,
                        PanelChanges::PanelId,
                        SavedPanels::Table,
                        SavedPanels::Id,
                        cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_changes_version_id",
                        PanelChanges::Table,
                        PanelChanges::VersionId,
                        PanelVersions::Table,
                        PanelVersions::Id,
                        cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_changes_changed_by_id",
                        PanelChanges::Table,
                        PanelChanges::ChangedById,
                        User::Table,
                        User::Id,
                        set_null,
                    ))
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("idx_panel_changes_panel_id", PanelChanges::PanelId),
            ("idx_panel_changes_version_id", PanelChanges::VersionId),
            ("idx_panel_changes_change_type", PanelChanges::ChangeType),
        ] {
            manager
                .create_index(index(name, PanelChanges::Table, [col], false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PanelChanges::Table.into_iden(),
            PanelShares::Table.into_iden(),
            PanelGenes::Table.into_iden(),
            PanelVersions::Table.into_iden(),
            SavedPanels::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// `panel_shares` as v1.5 created it: `shared_with_team_id` points nowhere yet (no teams table).
fn panel_shares(db: sea_orm_migration::sea_orm::DbBackend) -> TableCreateStatement {
    Table::create()
        .table(PanelShares::Table)
        .col(pk_auto(PanelShares::Id))
        .col(integer(PanelShares::PanelId))
        .col(integer_null(PanelShares::SharedById))
        .col(integer_null(PanelShares::SharedWithUserId))
        .col(integer_null(PanelShares::SharedWithTeamId))
        .col(text(PanelShares::PermissionLevel).default("VIEW"))
        .col(boolean(PanelShares::CanReshare).default(false))
        .col(text_null(PanelShares::ShareToken))
        .col(timestamp_with_time_zone_null(PanelShares::ExpiresAt))
        .col(integer(PanelShares::AccessCount).default(0))
        .col(timestamp_with_time_zone_null(PanelShares::LastAccessedAt))
        .col(boolean(PanelShares::IsActive).default(true))
        .col(timestamp_now(PanelShares::CreatedAt, db))
        .col(timestamp_now(PanelShares::UpdatedAt, db))
        .check(Check::named(
            "ck_panel_shares_one_target",
            Expr::cust(
                "(CASE WHEN \"shared_with_user_id\" IS NOT NULL THEN 1 ELSE 0 END) \
                 + (CASE WHEN \"shared_with_team_id\" IS NOT NULL THEN 1 ELSE 0 END) \
                 + (CASE WHEN \"share_token\" IS NOT NULL THEN 1 ELSE 0 END) = 1",
            ),
        ))
        .foreign_key(&mut foreign_key(
            "fk_panel_shares_panel_id",
            PanelShares::Table,
            PanelShares::PanelId,
            SavedPanels::Table,
            SavedPanels::Id,
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "fk_panel_shares_shared_by_id",
            PanelShares::Table,
            PanelShares::SharedById,
            User::Table,
            User::Id,
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "fk_panel_shares_shared_with_user_id",
            PanelShares::Table,
            PanelShares::SharedWithUserId,
            User::Table,
            User::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
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
    Name,
    Description,
    OwnerId,
    Status,
    Visibility,
    CurrentVersion,
    VersionCount,
    GeneCount,
    SourceType,
    SourceReference,
    Tags,
    CreatedAt,
    UpdatedAt,
    LastAccessedAt,
}

#[derive(DeriveIden)]
enum PanelVersions {
    Table,
    Id,
    PanelId,
    VersionNumber,
    Comment,
    CreatedById,
    CreatedAt,
    GeneCount,
    ChangesSummary,
    IsProtected,
    RetentionPriority,
}

#[derive(DeriveIden)]
enum PanelGenes {
    Table,
    Id,
    PanelId,
    GeneSymbol,
    GeneName,
    HgncId,
    ConfidenceLevel,
    ModeOfInheritance,
    Phenotype,
    EvidenceLevel,
    SourcePanelId,
    SourceListType,
    AddedById,
    AddedAt,
    UserNotes,
    CustomConfidence,
    IsModified,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PanelShares {
    Table,
    Id,
    PanelId,
    SharedById,
    SharedWithUserId,
    SharedWithTeamId,
    PermissionLevel,
    CanReshare,
    ShareToken,
    ExpiresAt,
    AccessCount,
    LastAccessedAt,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PanelChanges {
    Table,
    Id,
    PanelId,
    VersionId,
    ChangeType,
    TargetType,
    TargetId,
    OldValue,
    NewValue,
    ChangeReason,
    ChangedById,
    ChangedAt,
    CreatedAt,
}
