//! API token scopes: what a token may be used for (`READ`, `WRITE`, `ADMIN`, comma-separated).
//! Tokens made before scopes existed keep what they could do (all three); new tokens get what
//! their creator asks for, READ and WRITE by default.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(
                        ColumnDef::new(ApiTokens::Scopes)
                            .text()
                            .not_null()
                            .default("READ,WRITE,ADMIN"),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(ApiTokens::Scopes)
                    .take(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Scopes,
}
