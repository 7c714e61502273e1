//! The migrated schema: every table and key column, defaults, and the constraints that keep
//! data sane (the one-target CHECK on shares, unique names, foreign keys) — on both databases.

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::common::{lines, sqlite, tables, with_postgres};
use crate::sql::{
    add_panel_sql, add_user, assert_foreign_key_violation, assert_one_target_check,
    assert_unique_violation, exec, insert,
};

async fn columns(db: &DatabaseConnection, table: &str) -> Vec<String> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
        _ => format!(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{table}'"
        ),
    };
    lines(db, &sql).await
}

const KEY_COLUMNS: &[(&str, &[&str])] = &[
    (
        "admin_message",
        &[
            "title",
            "message",
            "message_type",
            "is_active",
            "expires_at",
        ],
    ),
    (
        "api_tokens",
        &["user_id", "token_prefix", "token_hash", "revoked_at"],
    ),
    ("audit_chain_anchor", &["after_id", "prev_hash", "reason"]),
    ("audit_chain_head", &["last_id", "hash", "writes"]),
    (
        "audit_log",
        &[
            "user_id",
            "username",
            "action_type",
            "details",
            "success",
            "timestamp",
            "entry_uid",
            "prev_hash",
            "hash",
        ],
    ),
    ("audit_maintenance", &["reason"]),
    (
        "export_templates",
        &[
            "owner_id", "team_id", "name", "format", "columns", "ratings",
        ],
    ),
    (
        "flask_import_rows",
        &["source_table", "source_id", "target_id", "imported_at"],
    ),
    (
        "mail_outbox",
        &[
            "recipient",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
        ],
    ),
    (
        "mail_tokens",
        &["user_id", "purpose", "token_hash", "expires_at", "used_at"],
    ),
    (
        "panel_changes",
        &[
            "panel_id",
            "version_id",
            "change_type",
            "old_value",
            "changed_at",
        ],
    ),
    (
        "panel_comments",
        &[
            "panel_id",
            "version_number",
            "gene_symbol",
            "author_id",
            "body",
        ],
    ),
    (
        "panel_download",
        &["user_id", "download_date", "panel_ids", "list_types"],
    ),
    (
        "panel_genes",
        &[
            "panel_id",
            "gene_symbol",
            "hgnc_id",
            "is_active",
            "updated_at",
        ],
    ),
    (
        "panel_shares",
        &[
            "panel_id",
            "shared_with_user_id",
            "shared_with_team_id",
            "share_token",
        ],
    ),
    (
        "panel_versions",
        &[
            "panel_id",
            "version_number",
            "snapshot",
            "snapshot_hash",
            "snapshot_format",
        ],
    ),
    (
        "saved_panels",
        &[
            "name",
            "owner_id",
            "status",
            "visibility",
            "current_version",
        ],
    ),
    ("team_members", &["team_id", "user_id", "role"]),
    ("teams", &["name", "created_by_id"]),
    (
        "uploads",
        &["id", "owner_user_id", "visitor_id", "content", "size_bytes"],
    ),
    (
        "user",
        &[
            "username",
            "role",
            "failed_login_attempts",
            "locked_until",
            "timezone_preference",
            "time_format_preference",
            "must_change_password",
            "deactivated_at",
            "temp_password_expires_at",
            "notify_security",
            "notify_shares",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "version_labels",
        &["panel_id", "version_number", "label", "protected"],
    ),
    ("workbenches", &["user_id", "content", "updated_at"]),
];

async fn every_table_and_key_column(db: &DatabaseConnection) {
    let mut expected: Vec<&str> = KEY_COLUMNS.iter().map(|(t, _)| *t).collect();
    expected.push("seaql_migrations");
    expected.sort_unstable();
    assert_eq!(tables(db).await, expected);
    for (table, key_columns) in KEY_COLUMNS {
        let present = columns(db, table).await;
        for col in *key_columns {
            assert!(present.iter().any(|c| c == col), "{table}.{col} is missing");
        }
    }
}

async fn constraints_hold(db: &DatabaseConnection) {
    let ann = add_user(db, "ann").await;
    let bob = add_user(db, "bob").await;
    assert_unique_violation(
        exec(
            db,
            "INSERT INTO \"user\" (username, email, password_hash) \
             VALUES ('ann', 'x@example.org', 'h')",
        )
        .await,
        "a second user named ann",
    );
    assert_eq!(
        lines(
            db,
            &format!(
                "SELECT role, time_format_preference, timezone_preference, \
                 CAST(failed_login_attempts AS TEXT) FROM \"user\" WHERE id = {ann}"
            )
        )
        .await,
        ["USER | 24h | UTC | 0"]
    );

    let panel = insert(db, &add_panel_sql(ann, "Cardiac")).await;
    assert_unique_violation(
        exec(db, &add_panel_sql(ann, "Cardiac")).await,
        "a duplicate (owner_id, name)",
    );
    exec(db, &add_panel_sql(bob, "Cardiac")).await.unwrap();
    assert_eq!(
        lines(
            db,
            &format!(
                "SELECT status, visibility, CAST(current_version AS TEXT) \
                 FROM saved_panels WHERE id = {panel}"
            )
        )
        .await,
        ["ACTIVE | PRIVATE | 1"]
    );

    let team = insert(db, "INSERT INTO teams (name) VALUES ('Genetics')").await;
    let share = |targets: &str, values: &str| {
        format!(
            "INSERT INTO panel_shares (panel_id, shared_by_id, {targets}) \
             VALUES ({panel}, {ann}, {values})"
        )
    };
    exec(db, &share("shared_with_user_id", &bob.to_string()))
        .await
        .unwrap();
    exec(db, &share("shared_with_team_id", &team.to_string()))
        .await
        .unwrap();
    exec(db, &share("share_token", "'tok-1'")).await.unwrap();
    assert_one_target_check(
        exec(
            db,
            &format!("INSERT INTO panel_shares (panel_id, shared_by_id) VALUES ({panel}, {ann})"),
        )
        .await,
        "a share with no target",
    );
    assert_one_target_check(
        exec(
            db,
            &share(
                "shared_with_user_id, share_token",
                &format!("{bob}, 'tok-2'"),
            ),
        )
        .await,
        "a share with a user and a token",
    );
    assert_one_target_check(
        exec(
            db,
            &share(
                "shared_with_user_id, shared_with_team_id",
                &format!("{bob}, {team}"),
            ),
        )
        .await,
        "a share with a user and a team",
    );
    assert_one_target_check(
        exec(
            db,
            &share(
                "shared_with_user_id, shared_with_team_id, share_token",
                &format!("{bob}, {team}, 'tok-3'"),
            ),
        )
        .await,
        "a share with all three targets",
    );
    assert_unique_violation(
        exec(db, &share("share_token", "'tok-1'")).await,
        "a reused share token",
    );
    assert_foreign_key_violation(
        exec(db, &share("shared_with_team_id", "999")).await,
        "a share with a team that does not exist",
    );
    assert_eq!(
        lines(db, "SELECT DISTINCT permission_level FROM panel_shares").await,
        ["VIEW"]
    );

    // Deleting the team removes its share; deleting the panel removes the rest.
    exec(db, &format!("DELETE FROM teams WHERE id = {team}"))
        .await
        .unwrap();
    assert_eq!(
        lines(db, "SELECT CAST(COUNT(*) AS TEXT) FROM panel_shares").await,
        ["2"]
    );
    exec(db, &format!("DELETE FROM saved_panels WHERE id = {panel}"))
        .await
        .unwrap();
    assert_eq!(
        lines(db, "SELECT CAST(COUNT(*) AS TEXT) FROM panel_shares").await,
        ["0"]
    );
}

async fn all_up_then_check(db: DatabaseConnection) {
    Migrator::up(&db, None).await.unwrap();
    every_table_and_key_column(&db).await;
    constraints_hold(&db).await;
}

#[tokio::test]
async fn sqlite_schema_and_constraints() {
    let db = sqlite().await;
    all_up_then_check(db.conn.clone()).await;
}

#[tokio::test]
async fn postgres_schema_and_constraints() {
    with_postgres("constraints", all_up_then_check).await;
}
