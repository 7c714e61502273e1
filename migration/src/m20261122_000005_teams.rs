//! Teams and their members; `panel_shares.shared_with_team_id` finally points at a team.
//!
//! PostgreSQL adds (and drops) the foreign key in place. SQLite can not alter constraints, so
//! there the table is rebuilt: create a new one, copy the rows, drop the old one, rename the
//! new one, recreate the indexes. The CHECK constraint is part of the table definition and
//! comes back with it, and the AUTOINCREMENT counter is carried over so ids are never reused.

use sea_orm_migration::sea_orm::{DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{foreign_key, index, timestamp_now};

const TEAM_FK: &str = "fk_panel_shares_shared_with_team_id";
const REBUILT: &str = "panel_shares_rebuilt";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Teams::Table)
                    .col(pk_auto(Teams::Id))
                    .col(text(Teams::Name))
                    .col(text_null(Teams::Description))
                    .col(integer_null(Teams::CreatedById))
                    .col(timestamp_now(Teams::CreatedAt, db))
                    .col(timestamp_now(Teams::UpdatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_teams_created_by_id",
                        Teams::Table,
                        Teams::CreatedById,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_teams_name", Teams::Table, [Teams::Name], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamMembers::Table)
                    .col(pk_auto(TeamMembers::Id))
                    .col(integer(TeamMembers::TeamId))
                    .col(integer(TeamMembers::UserId))
                    .col(text(TeamMembers::Role).default("MEMBER"))
                    .col(timestamp_now(TeamMembers::CreatedAt, db))
                    .col(timestamp_now(TeamMembers::UpdatedAt, db))
                    .foreign_key(&mut foreign_key(
                        "fk_team_members_team_id",
                        TeamMembers::Table,
                        TeamMembers::TeamId,
                        Teams::Table,
                        Teams::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_team_members_user_id",
                        TeamMembers::Table,
                        TeamMembers::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_team_members_team_id_user_id",
                TeamMembers::Table,
                [TeamMembers::TeamId, TeamMembers::UserId],
                true,
            ))
            .await?;

        // Before this migration there was no team a share could name, so a share with a team
        // id was dangling and would make the new foreign key fail on both databases.
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(PanelShares::Table)
                    .and_where(Expr::col(PanelShares::SharedWithTeamId).is_not_null())
                    .take(),
            )
            .await?;

        if db == DbBackend::Sqlite {
            rebuild_panel_shares(manager, true).await
        } else {
            manager
                .create_foreign_key(team_foreign_key(PanelShares::Table))
                .await
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            rebuild_panel_shares(manager, false).await?;
        } else {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name(TEAM_FK)
                        .table(PanelShares::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(TeamMembers::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(Teams::Table).take())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        // SQLite runs DDL in transactions too: a failed rebuild leaves nothing half-done.
        Some(true)
    }
}

fn team_foreign_key<T: IntoTableRef>(table: T) -> ForeignKeyCreateStatement {
    foreign_key(
        TEAM_FK,
        table,
        PanelShares::SharedWithTeamId,
        Teams::Table,
        Teams::Id,
        ForeignKeyAction::Cascade,
    )
}

/// SQLite only: rebuilds `panel_shares` with (`team_fk`) or without the team foreign key.
async fn rebuild_panel_shares(manager: &SchemaManager<'_>, team_fk: bool) -> Result<(), DbErr> {
    let db = manager.get_database_backend();
    let conn = manager.get_connection();
    let sequence = conn
        .query_one_raw(Statement::from_string(
            db,
            "SELECT seq FROM sqlite_sequence WHERE name = 'panel_shares'",
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "seq"))
        .transpose()?;

    manager
        .create_table(panel_shares(db, Alias::new(REBUILT), team_fk))
        .await?;
    manager
        .exec_stmt(
            Query::insert()
                .into_table(Alias::new(REBUILT))
                .columns(PanelShares::COLUMNS)
                .select_from(
                    Query::select()
                        .columns(PanelShares::COLUMNS)
                        .from(PanelShares::Table)
                        .order_by(PanelShares::Id, Order::Asc)
                        .take(),
                )
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .take(),
        )
        .await?;
    manager
        .drop_table(Table::drop().table(PanelShares::Table).take())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(Alias::new(REBUILT), PanelShares::Table)
                .take(),
        )
        .await?;

    if let Some(sequence) = sequence {
        conn.execute_unprepared("DELETE FROM sqlite_sequence WHERE name = 'panel_shares'")
            .await?;
        conn.execute_raw(Statement::from_sql_and_values(
            db,
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('panel_shares', ?)",
            [sequence.into()],
        ))
        .await?;
    }

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
    Ok(())
}

/// `panel_shares` exactly as migration 4 defined it, plus the team foreign key if `team_fk`.
fn panel_shares(db: DbBackend, table: Alias, team_fk: bool) -> TableCreateStatement {
    let mut create = Table::create();
    create
        .table(table.clone())
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
            table.clone(),
            PanelShares::PanelId,
            SavedPanels::Table,
            SavedPanels::Id,
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "fk_panel_shares_shared_by_id",
            table.clone(),
            PanelShares::SharedById,
            User::Table,
            User::Id,
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "fk_panel_shares_shared_with_user_id",
            table.clone(),
            PanelShares::SharedWithUserId,
            User::Table,
            User::Id,
            ForeignKeyAction::Cascade,
        ));
    if team_fk {
        create.foreign_key(&mut team_foreign_key(table));
    }
    create.take()
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
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    Name,
    Description,
    CreatedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    Id,
    TeamId,
    UserId,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
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

impl PanelShares {
    /// Every column, in table order.
    const COLUMNS: [Self; 14] = [
        Self::Id,
        Self::PanelId,
        Self::SharedById,
        Self::SharedWithUserId,
        Self::SharedWithTeamId,
        Self::PermissionLevel,
        Self::CanReshare,
        Self::ShareToken,
        Self::ExpiresAt,
        Self::AccessCount,
        Self::LastAccessedAt,
        Self::IsActive,
        Self::CreatedAt,
        Self::UpdatedAt,
    ];
}
