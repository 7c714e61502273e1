//! The schema the Flask version started from: accounts and the download log.

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
                    .table(User::Table)
                    .col(pk_auto(User::Id))
                    .col(string_len(User::Username, 80))
                    .col(string_len(User::Email, 120))
                    .col(text(User::PasswordHash))
                    // The three personal fields hold encrypted values, hence text.
                    .col(text_null(User::FirstName))
                    .col(text_null(User::LastName))
                    .col(text_null(User::Organization))
                    .col(text(User::Role).default("USER"))
                    .col(boolean(User::IsActive).default(true))
                    .col(boolean(User::IsVerified).default(false))
                    .col(integer(User::LoginCount).default(0))
                    .col(timestamp_with_time_zone_null(User::LastLogin))
                    .col(timestamp_now(User::CreatedAt, db))
                    .col(timestamp_now(User::UpdatedAt, db))
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("idx_user_username", User::Username),
            ("idx_user_email", User::Email),
        ] {
            manager
                .create_index(index(name, User::Table, [col], true))
                .await?;
        }
        manager
            .create_index(index("idx_user_role", User::Table, [User::Role], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PanelDownload::Table)
                    .col(pk_auto(PanelDownload::Id))
                    .col(integer_null(PanelDownload::UserId))
                    .col(text_null(PanelDownload::IpAddress))
                    .col(timestamp_now(PanelDownload::DownloadDate, db))
                    .col(text(PanelDownload::PanelIds))
                    .col(text(PanelDownload::ListTypes))
                    .col(integer_null(PanelDownload::GeneCount))
                    .col(text_null(PanelDownload::Format))
                    .col(timestamp_now(PanelDownload::CreatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_panel_download_user_id",
                        PanelDownload::Table,
                        PanelDownload::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("idx_panel_download_user_id", PanelDownload::UserId),
            (
                "idx_panel_download_download_date",
                PanelDownload::DownloadDate,
            ),
        ] {
            manager
                .create_index(index(name, PanelDownload::Table, [col], false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PanelDownload::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(User::Table).take())
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
    Username,
    Email,
    PasswordHash,
    FirstName,
    LastName,
    Organization,
    Role,
    IsActive,
    IsVerified,
    LoginCount,
    LastLogin,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PanelDownload {
    Table,
    Id,
    UserId,
    IpAddress,
    DownloadDate,
    PanelIds,
    ListTypes,
    GeneCount,
    Format,
    CreatedAt,
}
