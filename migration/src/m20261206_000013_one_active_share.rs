//! One active share per (panel, user) and per (panel, team). Older duplicate active shares are
//! deactivated (the newest stays), then partial unique indexes keep it so on both databases.
//! `down` drops the indexes; the deactivated duplicates stay deactivated.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TARGETS: [(&str, &str); 2] = [
    ("uq_panel_shares_active_user", "shared_with_user_id"),
    ("uq_panel_shares_active_team", "shared_with_team_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (index, column) in TARGETS {
            db.execute_unprepared(&format!(
                "UPDATE panel_shares SET is_active = FALSE \
                 WHERE is_active = TRUE AND {column} IS NOT NULL AND id < ( \
                   SELECT MAX(newer.id) FROM panel_shares newer \
                   WHERE newer.panel_id = panel_shares.panel_id \
                     AND newer.{column} = panel_shares.{column} \
                     AND newer.is_active = TRUE)"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {index} ON panel_shares (panel_id, {column}) \
                 WHERE is_active = TRUE AND {column} IS NOT NULL"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (index, _) in TARGETS {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}"))
                .await?;
        }
        Ok(())
    }
}
