//! E-mail: the outbox (a queue that survives restarts, with attempts, backoff and the last
//! error), single-use e-mailed tokens (password reset, address verification, change of
//! address and its undo; only their HMAC is stored), the expiry of admin-set temporary
//! passwords, and each user's choice of notices.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{foreign_key, index, now, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .col(pk_auto(MailOutbox::Id))
                    .col(integer_null(MailOutbox::UserId))
                    .col(text(MailOutbox::Recipient))
                    .col(text(MailOutbox::Kind))
                    .col(text(MailOutbox::Subject))
                    .col(text_null(MailOutbox::Message))
                    .col(text(MailOutbox::Status).default("PENDING"))
                    .col(integer(MailOutbox::Attempts).default(0))
                    .col(
                        ColumnDef::new(MailOutbox::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(now(db))
                            .take(),
                    )
                    .col(text_null(MailOutbox::LastError))
                    .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
                    .col(timestamp_now(MailOutbox::CreatedAt, db))
                    .col(timestamp_now(MailOutbox::UpdatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_mail_outbox_user_id",
                        MailOutbox::Table,
                        MailOutbox::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_mail_outbox_status_next",
                MailOutbox::Table,
                [MailOutbox::Status, MailOutbox::NextAttemptAt],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailTokens::Table)
                    .col(pk_auto(MailTokens::Id))
                    .col(integer(MailTokens::UserId))
                    .col(text(MailTokens::Purpose))
                    .col(text(MailTokens::TokenHash))
                    .col(text_null(MailTokens::Email))
                    .col(timestamp_with_time_zone(MailTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(MailTokens::UsedAt))
                    .col(timestamp_now(MailTokens::CreatedAt, db))
                    .col(timestamp_now(MailTokens::UpdatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_mail_tokens_user_id",
                        MailTokens::Table,
                        MailTokens::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_mail_tokens_token_hash",
                MailTokens::Table,
                [MailTokens::TokenHash],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_mail_tokens_user_id",
                MailTokens::Table,
                [MailTokens::UserId],
                false,
            ))
            .await?;
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .add_column(timestamp_with_time_zone_null(User::TempPasswordExpiresAt))
                    .take(),
            )
            .await?;
        for col in [User::NotifySecurity, User::NotifyShares] {
            manager
                .alter_table(
                    Table::alter()
                        .table(User::Table)
                        .add_column(boolean(col).default(true))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            User::NotifyShares,
            User::NotifySecurity,
            User::TempPasswordExpiresAt,
        ] {
            manager
                .alter_table(Table::alter().table(User::Table).drop_column(col).take())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(MailTokens::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(MailOutbox::Table).take())
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
    TempPasswordExpiresAt,
    NotifySecurity,
    NotifyShares,
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    UserId,
    Recipient,
    Kind,
    Subject,
    Message,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MailTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Email,
    ExpiresAt,
    UsedAt,
    CreatedAt,
    UpdatedAt,
}
