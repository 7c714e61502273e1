//! Uploaded gene lists (CSV / TSV / Excel), parsed once and kept for merging. An upload belongs
//! to an account or, before login, to an anonymous visitor id; `expires_at` drives clean-up.

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
                    .table(Uploads::Table)
                    // A UUID as text: the same on both databases, and not guessable.
                    .col(text(Uploads::Id).primary_key())
                    .col(integer_null(Uploads::OwnerUserId))
                    .col(text_null(Uploads::VisitorId))
                    .col(text(Uploads::Name))
                    .col(text(Uploads::OriginalFilename))
                    .col(text(Uploads::Format))
                    .col(text_null(Uploads::Sheet))
                    .col(text_null(Uploads::ColumnName))
                    .col(integer(Uploads::RowCount))
                    .col(integer(Uploads::GeneCount))
                    .col(big_integer(Uploads::SizeBytes))
                    // JSON of the parsed genes and the parser's diagnostics.
                    .col(text(Uploads::Content))
                    .col(text(Uploads::ContentHash))
                    .col(timestamp_now(Uploads::CreatedAt, db))
                    .col(timestamp_with_time_zone_null(Uploads::ExpiresAt))
                    .foreign_key(&mut foreign_key(
                        "fk_uploads_owner_user_id",
                        Uploads::Table,
                        Uploads::OwnerUserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("idx_uploads_owner_user_id", Uploads::OwnerUserId),
            ("idx_uploads_visitor_id", Uploads::VisitorId),
            ("idx_uploads_expires_at", Uploads::ExpiresAt),
        ] {
            manager
                .create_index(index(name, Uploads::Table, [col], false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Uploads::Table).take())
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
enum Uploads {
    Table,
    Id,
    OwnerUserId,
    VisitorId,
    Name,
    OriginalFilename,
    Format,
    Sheet,
    ColumnName,
    RowCount,
    GeneCount,
    SizeBytes,
    Content,
    ContentHash,
    CreatedAt,
    ExpiresAt,
}
