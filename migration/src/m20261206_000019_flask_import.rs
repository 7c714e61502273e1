//! The ledger of `panelmerge import-flask`: which row of a Flask table became which row here,
//! so a re-run imports nothing twice and `--verify` can compare row for row.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::timestamp_now;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(FlaskImportRows::Table)
                    .col(text(FlaskImportRows::SourceTable))
                    .col(text(FlaskImportRows::SourceId))
                    .col(integer_null(FlaskImportRows::TargetId))
                    .col(timestamp_now(FlaskImportRows::ImportedAt, db))
                    .primary_key(
                        Index::create()
                            .col(FlaskImportRows::SourceTable)
                            .col(FlaskImportRows::SourceId),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FlaskImportRows::Table).take())
            .await
    }
}

#[derive(DeriveIden)]
enum FlaskImportRows {
    Table,
    SourceTable,
    SourceId,
    TargetId,
    ImportedAt,
}
