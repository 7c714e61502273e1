//! Account security: a forced password change (e.g. after an admin reset) and the time an
//! account was deactivated.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            boolean(User::MustChangePassword).default(false).take(),
            timestamp_with_time_zone_null(User::DeactivatedAt),
        ] {
            manager
                .alter_table(Table::alter().table(User::Table).add_column(col).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [User::DeactivatedAt, User::MustChangePassword] {
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
    MustChangePassword,
    DeactivatedAt,
}
