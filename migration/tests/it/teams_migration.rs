//! Migration 5 rebuilds `panel_shares` on SQLite: the rows, the id counter and the CHECK
//! survive, and the team foreign key comes and goes with the migration.

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::common::{lines, sqlite, with_postgres};
use crate::sql::{
    add_panel_sql, add_user, assert_foreign_key_violation, assert_one_target_check, exec, insert,
};

/// Migration 5 keeps existing shares (and, on SQLite, the id counter) while adding the team
/// foreign key; its `down` keeps them too and takes the foreign key away again.
async fn teams_migration_keeps_shares(db: DatabaseConnection) {
    Migrator::up(&db, Some(4)).await.unwrap();
    let ann = add_user(&db, "ann").await;
    let panel = insert(&db, &add_panel_sql(ann, "Cardiac")).await;
    let share = |targets: &str, values: &str| {
        format!("INSERT INTO panel_shares (panel_id, {targets}) VALUES ({panel}, {values})")
    };
    let kept = insert(
        &db,
        &share(
            "shared_with_user_id, permission_level, access_count",
            &format!("{ann}, 'EDIT', 3"),
        ),
    )
    .await;
    let deleted = insert(&db, &share("share_token", "'tok-1'")).await;
    let dangling = insert(&db, &share("shared_with_team_id", "42")).await;
    exec(
        &db,
        &format!("DELETE FROM panel_shares WHERE id = {deleted}"),
    )
    .await
    .unwrap();
    let survivors = "SELECT CAST(id AS TEXT), CAST(shared_with_user_id AS TEXT), \
                     permission_level, CAST(access_count AS TEXT) FROM panel_shares \
                     WHERE shared_with_user_id IS NOT NULL ORDER BY id";

    Migrator::up(&db, Some(1)).await.unwrap();
    assert_eq!(
        lines(&db, survivors).await,
        [format!("{kept} | {ann} | EDIT | 3")]
    );
    assert_eq!(
        lines(
            &db,
            &format!("SELECT CAST(COUNT(*) AS TEXT) FROM panel_shares WHERE id = {dangling}")
        )
        .await,
        ["0"],
        "a share naming a team that can not exist is removed"
    );
    let next = insert(&db, &share("share_token", "'tok-2'")).await;
    assert!(
        next > dangling,
        "share ids are never reused ({next} after {dangling})"
    );
    assert_foreign_key_violation(
        exec(&db, &share("shared_with_team_id", "999")).await,
        "an unknown team",
    );
    assert_one_target_check(
        exec(
            &db,
            &format!("INSERT INTO panel_shares (panel_id) VALUES ({panel})"),
        )
        .await,
        "no target after the rebuild",
    );

    Migrator::down(&db, Some(1)).await.unwrap();
    assert_eq!(
        lines(&db, survivors).await,
        [format!("{kept} | {ann} | EDIT | 3")]
    );
    exec(&db, &share("shared_with_team_id", "999"))
        .await
        .unwrap();
    assert_one_target_check(
        exec(
            &db,
            &format!("INSERT INTO panel_shares (panel_id) VALUES ({panel})"),
        )
        .await,
        "no target after the down",
    );
}

#[tokio::test]
async fn sqlite_teams_migration_keeps_shares() {
    let db = sqlite().await;
    teams_migration_keeps_shares(db.conn.clone()).await;
}

#[tokio::test]
async fn postgres_teams_migration_keeps_shares() {
    with_postgres("teams_shares", teams_migration_keeps_shares).await;
}
