//! Every migration's `down` restores exactly the schema its `up` started from.

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::common::{assert_same_schema, describe, sqlite, tables, with_postgres};

/// Migrations that rewrite values and leave the schema as it was; each has a test of its data
/// (`source_types_migration`).
const DATA_ONLY: &[&str] = &["m20261206_000028_source_types"];

/// Migrations that change the PostgreSQL schema only (SQLite's is left as it was).
const POSTGRES_ONLY: &[&str] = &["m20261207_000030_panel_text_search"];

/// For each migration in order: describe, up, down, describe again (must be equal), then up
/// again (must equal the first up). Finally a full `down` leaves only the bookkeeping table.
async fn every_down_reverses_its_up(db: DatabaseConnection) {
    Migrator::install(&db).await.unwrap();
    let migrations = Migrator::migrations();
    assert_eq!(migrations.len(), 23);

    for migration in &migrations {
        let name = migration.name();
        let before = describe(&db).await;
        Migrator::up(&db, Some(1)).await.unwrap();
        let after_up = describe(&db).await;
        let sqlite = db.get_database_backend() == sea_orm::DbBackend::Sqlite;
        let unchanged = DATA_ONLY.contains(&name) || (sqlite && POSTGRES_ONLY.contains(&name));
        if !unchanged {
            assert_ne!(before, after_up, "{name} changed nothing");
        }

        Migrator::down(&db, Some(1)).await.unwrap();
        assert_same_schema(
            &before,
            &describe(&db).await,
            &format!("{name} up then down"),
        );

        Migrator::up(&db, Some(1)).await.unwrap();
        assert_same_schema(
            &after_up,
            &describe(&db).await,
            &format!("{name} re-applied"),
        );
    }
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );

    Migrator::down(&db, None).await.unwrap();
    assert_eq!(tables(&db).await, ["seaql_migrations"]);
    assert!(
        Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn sqlite_every_down_reverses_its_up() {
    let db = sqlite().await;
    every_down_reverses_its_up(db.conn.clone()).await;
}

#[tokio::test]
async fn postgres_every_down_reverses_its_up() {
    with_postgres("round_trip", every_down_reverses_its_up).await;
}

#[test]
fn migrations_are_in_order_with_the_expected_names() {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "m20240101_000001_initial_schema",
            "m20250301_000002_security_and_admin_messages",
            "m20250401_000003_timezone_preferences",
            "m20250601_000004_saved_panels",
            "m20261122_000005_teams",
            "m20261122_000006_version_snapshots",
            "m20261122_000007_api_tokens",
            "m20261122_000008_uploads",
            "m20261122_000009_account_security",
            "m20261122_000010_panel_comments",
            "m20261206_000013_one_active_share",
            "m20261206_000015_audit_chain",
            "m20261206_000019_flask_import",
            "m20261206_000021_token_scopes",
            "m20261206_000023_workbench",
            "m20261206_000024_mail",
            "m20261206_000025_scale_indexes",
            "m20261206_000026_library",
            "m20261206_000027_export_templates",
            "m20261206_000028_source_types",
            "m20261207_000029_audit_time_index",
            "m20261207_000030_panel_text_search",
            "m20261207_000031_audit_filter_indexes",
        ]
    );
}
