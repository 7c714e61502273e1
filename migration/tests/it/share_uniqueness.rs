//! Migration `m20261206_000013_one_active_share`: older duplicate active shares of one (panel, user) or
//! (panel, team) are deactivated, the newest stays, and partial unique indexes refuse a second
//! active share while inactive ones and links stay free; `down` lifts the indexes.

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::common::{lines, sqlite, with_postgres};
use crate::sql::{add_panel_sql, add_user, assert_unique_violation, exec, insert};

async fn one_active_share_per_target(db: DatabaseConnection) {
    Migrator::up(&db, Some(10)).await.unwrap();
    let ann = add_user(&db, "ann").await;
    let bob = add_user(&db, "bob").await;
    let panel = insert(&db, &add_panel_sql(ann, "Cardiac")).await;
    let team = insert(&db, "INSERT INTO teams (name) VALUES ('Cardio lab')").await;
    let share = |target: &str, id: i32, level: &str, active: bool| {
        format!(
            "INSERT INTO panel_shares (panel_id, {target}, permission_level, is_active) \
             VALUES ({panel}, {id}, '{level}', {})",
            if active { "TRUE" } else { "FALSE" }
        )
    };
    let old_user = insert(&db, &share("shared_with_user_id", bob, "EDIT", true)).await;
    let new_user = insert(&db, &share("shared_with_user_id", bob, "VIEW", true)).await;
    let old_team = insert(&db, &share("shared_with_team_id", team, "VIEW", true)).await;
    let new_team = insert(&db, &share("shared_with_team_id", team, "COMMENT", true)).await;
    let revoked = insert(&db, &share("shared_with_user_id", bob, "ADMIN", false)).await;

    Migrator::up(&db, Some(1)).await.unwrap();
    let active = "SELECT CAST(id AS TEXT) FROM panel_shares WHERE is_active = TRUE ORDER BY id";
    assert_eq!(
        lines(&db, active).await,
        [new_user.to_string(), new_team.to_string()],
        "the newest share of each target stays active (older: {old_user}, {old_team}; revoked {revoked})"
    );
    assert_unique_violation(
        exec(&db, &share("shared_with_user_id", bob, "EDIT", true)).await,
        "a second active share to one user",
    );
    assert_unique_violation(
        exec(&db, &share("shared_with_team_id", team, "EDIT", true)).await,
        "a second active share to one team",
    );
    exec(&db, &share("shared_with_user_id", bob, "EDIT", false))
        .await
        .unwrap();
    for token in ["'tok-1'", "'tok-2'"] {
        exec(
            &db,
            &format!(
                "INSERT INTO panel_shares (panel_id, share_token, is_active) \
                 VALUES ({panel}, {token}, TRUE)"
            ),
        )
        .await
        .unwrap();
    }

    Migrator::down(&db, Some(1)).await.unwrap();
    exec(&db, &share("shared_with_user_id", bob, "EDIT", true))
        .await
        .unwrap();
}

#[tokio::test]
async fn sqlite_one_active_share_per_target() {
    let db = sqlite().await;
    one_active_share_per_target(db.conn.clone()).await;
}

#[tokio::test]
async fn postgres_one_active_share_per_target() {
    with_postgres("one_active_share", one_active_share_per_target).await;
}
