//! Flask v1.4.1: each user's display timezone (IANA name) and clock format ("24h" / "12h").

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            text(User::TimezonePreference).default("UTC").take(),
            text(User::TimeFormatPreference).default("24h").take(),
        ] {
            manager
                .alter_table(Table::alter().table(User::Table).add_column(col).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [User::TimeFormatPreference, User::TimezonePreference] {
            manager
                .alter_table(Table::alter().table(User::Table).drop_column(col).take())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum User {
    Table,
    TimezonePreference,
    TimeFormatPreference,
}
