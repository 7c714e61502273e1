//! The workbench kept in the account (issue 17.5): one row per user with what the workbench
//! holds — each panel's source, id, exact version and choices, and the uploads left out of the
//! merge — as JSON, so it comes back after login in another browser. The uploads themselves are
//! in `uploads`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{foreign_key, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Workbenches::Table)
                    .col(integer(Workbenches::UserId).primary_key())
                    .col(text(Workbenches::Content))
                    .col(timestamp_now(Workbenches::UpdatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_workbenches_user_id",
                        Workbenches::Table,
                        Workbenches::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Workbenches::Table).take())
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
enum Workbenches {
    Table,
    UserId,
    Content,
    UpdatedAt,
}
