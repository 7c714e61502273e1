//! Flask v1.4: the audit log, admin announcements and per-account login lockout.

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
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(integer_null(AuditLog::UserId))
                    // The username at the time: the account may be renamed or deleted later.
                    .col(text_null(AuditLog::Username))
                    .col(text(AuditLog::ActionType))
                    .col(text(AuditLog::ActionDescription))
                    .col(text_null(AuditLog::ResourceType))
                    .col(text_null(AuditLog::ResourceId))
                    .col(text_null(AuditLog::IpAddress))
                    .col(text_null(AuditLog::UserAgent))
                    .col(text_null(AuditLog::SessionId))
                    // details / old_values / new_values hold encrypted JSON.
                    .col(text_null(AuditLog::Details))
                    .col(text_null(AuditLog::OldValues))
                    .col(text_null(AuditLog::NewValues))
                    .col(boolean(AuditLog::Success).default(true))
                    .col(text_null(AuditLog::ErrorMessage))
                    .col(integer_null(AuditLog::DurationMs))
                    .col(timestamp_now(AuditLog::Timestamp, db))
                    .col(timestamp_now(AuditLog::CreatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_audit_log_user_id",
                        AuditLog::Table,
                        AuditLog::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        let audit_indexes: [(&str, Vec<AuditLog>); 5] = [
            ("idx_audit_log_user_id", vec![AuditLog::UserId]),
            ("idx_audit_log_action_type", vec![AuditLog::ActionType]),
            ("idx_audit_log_timestamp", vec![AuditLog::Timestamp]),
            (
                "idx_audit_log_resource",
                vec![AuditLog::ResourceType, AuditLog::ResourceId],
            ),
            ("idx_audit_log_success", vec![AuditLog::Success]),
        ];
        for (name, cols) in audit_indexes {
            manager
                .create_index(index(name, AuditLog::Table, cols, false))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AdminMessage::Table)
                    .col(pk_auto(AdminMessage::Id))
                    .col(text(AdminMessage::Title))
                    .col(text(AdminMessage::Message))
                    .col(text(AdminMessage::MessageType).default("INFO"))
                    .col(boolean(AdminMessage::IsActive).default(true))
                    .col(integer_null(AdminMessage::CreatedById))
                    .col(timestamp_now(AdminMessage::CreatedAt, db))
                    .col(timestamp_now(AdminMessage::UpdatedAt, db))
                    .col(timestamp_with_time_zone_null(AdminMessage::ExpiresAt))
                    .foreign_key(&mut foreign_key(
                        "fk_admin_message_created_by_id",
                        AdminMessage::Table,
                        AdminMessage::CreatedById,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_admin_message_is_active_expires_at",
                AdminMessage::Table,
                [AdminMessage::IsActive, AdminMessage::ExpiresAt],
                false,
            ))
            .await?;

        // SQLite alters one column per statement, so every backend does the same.
        for col in [
            integer(User::FailedLoginAttempts).default(0).take(),
            timestamp_with_time_zone_null(User::LockedUntil),
            timestamp_with_time_zone_null(User::LastFailedLogin),
            timestamp_with_time_zone_null(User::PasswordChangedAt),
        ] {
            manager
                .alter_table(Table::alter().table(User::Table).add_column(col).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            User::PasswordChangedAt,
            User::LastFailedLogin,
            User::LockedUntil,
            User::FailedLoginAttempts,
        ] {
            manager
                .alter_table(Table::alter().table(User::Table).drop_column(col).take())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(AdminMessage::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditLog::Table).take())
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
    FailedLoginAttempts,
    LockedUntil,
    LastFailedLogin,
    PasswordChangedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    UserId,
    Username,
    ActionType,
    ActionDescription,
    ResourceType,
    ResourceId,
    IpAddress,
    UserAgent,
    SessionId,
    Details,
    OldValues,
    NewValues,
    Success,
    ErrorMessage,
    DurationMs,
    Timestamp,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AdminMessage {
    Table,
    Id,
    Title,
    Message,
    MessageType,
    IsActive,
    CreatedById,
    CreatedAt,
    UpdatedAt,
    ExpiresAt,
}
