//! The entities match the migrated schema: every table takes a row through its entity and
//! gives the same row back, enums are stored as their canonical strings, and the relations
//! join the right columns.

use chrono::{SubsecRound, Utc};
use entity::prelude::*;
use entity::{
    admin_message, api_tokens, audit_log, panel_changes, panel_comments, panel_download,
    panel_genes, panel_shares, panel_versions, saved_panels, team_members, teams, uploads, user,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::prelude::DateTimeUtc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, JoinType,
    ModelTrait, QueryFilter, QuerySelect, RelationTrait, Set,
};
use shared::{
    AuditAction, ChangeType, MessageType, PanelStatus, Role, SharePermission, TeamRole, TimeFormat,
    Visibility,
};

use crate::common::{lines, sqlite, with_postgres};

/// Now, to the microsecond (PostgreSQL's precision).
fn now() -> DateTimeUtc {
    Utc::now().trunc_subsecs(6)
}

async fn new_user(db: &DatabaseConnection, name: &str, role: Role) -> user::Model {
    user::ActiveModel {
        username: Set(name.to_owned()),
        email: Set(format!("{name}@example.org")),
        password_hash: Set("$argon2id$not-a-real-hash".to_owned()),
        role: Set(role),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

async fn users_and_audit_rows(db: &DatabaseConnection) {
    // Database defaults come back as enums: time_format_preference '24h' is TimeFormat::H24.
    let admin = new_user(db, "admin", Role::Admin).await;
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(admin.time_format_preference, TimeFormat::H24);
    assert_eq!(admin.timezone_preference, "UTC");
    assert!(admin.is_active && !admin.is_verified && !admin.must_change_password);
    assert!((Utc::now() - admin.created_at).num_seconds().abs() < 60);
    assert!(
        !format!("{admin:?}").contains("argon2"),
        "Debug shows the password hash"
    );

    let mut viewer: user::ActiveModel = new_user(db, "viewer", Role::Viewer).await.into();
    viewer.time_format_preference = Set(TimeFormat::H12);
    viewer.locked_until = Set(Some(now()));
    let viewer = viewer.update(db).await.unwrap();
    assert_eq!(
        User::find_by_id(viewer.id).one(db).await.unwrap(),
        Some(viewer.clone())
    );

    let stored = format!(
        "SELECT role, time_format_preference FROM \"user\" WHERE id IN ({}, {}) ORDER BY id",
        admin.id, viewer.id
    );
    assert_eq!(lines(db, &stored).await, ["ADMIN | 24h", "VIEWER | 12h"]);

    let audit = audit_log::ActiveModel {
        user_id: Set(Some(admin.id)),
        username: Set(Some(admin.username.clone())),
        action_type: Set(AuditAction::PasswordChange),
        action_description: Set("changed password".to_owned()),
        details: Set(Some("ciphertext".to_owned())),
        success: Set(false),
        duration_ms: Set(Some(12)),
        timestamp: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        AuditLog::find_by_id(audit.id).one(db).await.unwrap(),
        Some(audit.clone())
    );
    assert_eq!(
        lines(
            db,
            &format!("SELECT action_type FROM audit_log WHERE id = {}", audit.id)
        )
        .await,
        ["PASSWORD_CHANGE"]
    );
    let found = AuditLog::find()
        .filter(audit_log::Column::ActionType.eq(AuditAction::PasswordChange))
        .all(db)
        .await
        .unwrap();
    assert_eq!(found, std::slice::from_ref(&audit));
    assert_eq!(audit.find_related(User).one(db).await.unwrap(), Some(admin));

    if db.get_database_backend() == DbBackend::Sqlite {
        // Timestamps written by the database and by sea-orm have the same text shape, so
        // they compare correctly on SQLite too.
        let shapes = lines(
            db,
            "SELECT created_at FROM audit_log UNION ALL SELECT timestamp FROM audit_log",
        )
        .await;
        for shape in shapes {
            assert_eq!(shape.as_bytes()[10], b'T', "{shape}");
            assert!(shape.ends_with("+00:00"), "{shape}");
        }
    }
}

/// One row in every other table, read back through its entity and its relations.
async fn one_row_everywhere(db: &DatabaseConnection) {
    let ann = new_user(db, "ann", Role::Editor).await;
    let bob = new_user(db, "bob", Role::User).await;

    let download = panel_download::ActiveModel {
        user_id: Set(Some(ann.id)),
        download_date: Set(now()),
        panel_ids: Set("uk-402,au-17".to_owned()),
        list_types: Set("green,amber".to_owned()),
        gene_count: Set(Some(120)),
        format: Set(Some("xlsx".to_owned())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        ann.find_related(PanelDownload).all(db).await.unwrap(),
        [download]
    );

    let message = admin_message::ActiveModel {
        title: Set("Maintenance".to_owned()),
        message: Set("Tonight".to_owned()),
        message_type: Set(MessageType::Warning),
        created_by_id: Set(Some(ann.id)),
        expires_at: Set(Some(now())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        AdminMessage::find_by_id(message.id).one(db).await.unwrap(),
        Some(message)
    );

    let panel = saved_panels::ActiveModel {
        name: Set("Cardiac".to_owned()),
        owner_id: Set(ann.id),
        status: Set(PanelStatus::Draft),
        visibility: Set(Visibility::Shared),
        tags: Set(Some("[\"heart\"]".to_owned())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        (panel.current_version, panel.version_count, panel.gene_count),
        (1, 1, 0)
    );
    assert_eq!(
        panel.find_related(User).one(db).await.unwrap(),
        Some(ann.clone())
    );

    let version = panel_versions::ActiveModel {
        panel_id: Set(panel.id),
        version_number: Set(1),
        created_by_id: Set(Some(ann.id)),
        gene_count: Set(1),
        snapshot: Set(Some(vec![0x1f, 0x8b, 0, 255])),
        snapshot_hash: Set(Some("ab".repeat(32))),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(version.snapshot_format, 1);
    assert_eq!(
        panel.find_related(PanelVersions).all(db).await.unwrap(),
        std::slice::from_ref(&version)
    );

    let gene = panel_genes::ActiveModel {
        panel_id: Set(panel.id),
        gene_symbol: Set("MYH7".to_owned()),
        hgnc_id: Set(Some("HGNC:7577".to_owned())),
        confidence_level: Set(Some("3".to_owned())),
        added_by_id: Set(Some(ann.id)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert!(gene.is_active && !gene.is_modified);
    assert_eq!(
        panel.find_related(PanelGenes).all(db).await.unwrap(),
        [gene]
    );

    let change = panel_changes::ActiveModel {
        panel_id: Set(panel.id),
        version_id: Set(Some(version.id)),
        change_type: Set(ChangeType::GeneAdded),
        target_type: Set(Some("gene".to_owned())),
        target_id: Set(Some("MYH7".to_owned())),
        changed_by_id: Set(Some(ann.id)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        version.find_related(PanelChanges).all(db).await.unwrap(),
        std::slice::from_ref(&change)
    );
    assert_eq!(
        lines(
            db,
            &format!(
                "SELECT change_type FROM panel_changes WHERE id = {}",
                change.id
            )
        )
        .await,
        ["GENE_ADDED"]
    );

    let team = teams::ActiveModel {
        name: Set("Genetics".to_owned()),
        created_by_id: Set(Some(ann.id)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let member = team_members::ActiveModel {
        team_id: Set(team.id),
        user_id: Set(bob.id),
        role: Set(TeamRole::Admin),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        team.find_related(TeamMembers).all(db).await.unwrap(),
        [member]
    );
    assert_eq!(
        team.find_related(User).all(db).await.unwrap(),
        std::slice::from_ref(&bob)
    );
    assert_eq!(
        bob.find_related(Teams).all(db).await.unwrap(),
        std::slice::from_ref(&team)
    );

    let to_team = panel_shares::ActiveModel {
        panel_id: Set(panel.id),
        shared_by_id: Set(Some(ann.id)),
        shared_with_team_id: Set(Some(team.id)),
        permission_level: Set(SharePermission::Comment),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let link = panel_shares::ActiveModel {
        panel_id: Set(panel.id),
        share_token: Set(Some("tok".to_owned())),
        expires_at: Set(Some(now())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(link.permission_level, SharePermission::View);
    assert_eq!(
        team.find_related(PanelShares).all(db).await.unwrap(),
        std::slice::from_ref(&to_team)
    );
    assert_eq!(
        panel.find_related(PanelShares).all(db).await.unwrap(),
        [to_team.clone(), link]
    );
    let given = shares_of(db, &ann, user::Relation::SharesGiven).await;
    assert_eq!(given, std::slice::from_ref(&to_team));
    assert_eq!(
        shares_of(db, &bob, user::Relation::SharesReceived).await,
        []
    );

    let token = api_tokens::ActiveModel {
        user_id: Set(bob.id),
        name: Set("ci".to_owned()),
        token_prefix: Set("pm_ab12".to_owned()),
        token_hash: Set("cd".repeat(32)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(bob.find_related(ApiTokens).all(db).await.unwrap(), [token]);

    let upload = uploads::ActiveModel {
        id: Set("3f1c7e0a-8d2b-4c55-9a61-0b7f2e4d9c10".to_owned()),
        owner_user_id: Set(Some(bob.id)),
        name: Set("my genes".to_owned()),
        original_filename: Set("genes.xlsx".to_owned()),
        format: Set("xlsx".to_owned()),
        sheet: Set(Some("Sheet1".to_owned())),
        row_count: Set(3),
        gene_count: Set(2),
        size_bytes: Set(5_000_000_000),
        content: Set("{\"genes\":[]}".to_owned()),
        content_hash: Set("ef".repeat(32)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        Uploads::find_by_id(upload.id.clone())
            .one(db)
            .await
            .unwrap(),
        Some(upload)
    );

    let comment = panel_comments::ActiveModel {
        panel_id: Set(panel.id),
        version_number: Set(Some(1)),
        gene_symbol: Set(Some("MYH7".to_owned())),
        author_id: Set(Some(bob.id)),
        body: Set("Check the evidence".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        panel.find_related(PanelComments).all(db).await.unwrap(),
        [comment]
    );

    // Deleting the owner takes the panel and everything under it along.
    ann.delete(db).await.unwrap();
    assert_eq!(SavedPanels::find().all(db).await.unwrap(), []);
    assert_eq!(PanelShares::find().all(db).await.unwrap(), []);
    let team = Teams::find_by_id(team.id).one(db).await.unwrap().unwrap();
    assert_eq!(team.created_by_id, None, "the team outlives its creator");
}

/// Shares a user gave or received, via one of the two user relations of `panel_shares`.
async fn shares_of(
    db: &DatabaseConnection,
    user: &user::Model,
    via: user::Relation,
) -> Vec<panel_shares::Model> {
    PanelShares::find()
        .join(JoinType::InnerJoin, via.def().rev())
        .filter(user::Column::Id.eq(user.id))
        .all(db)
        .await
        .unwrap()
}

async fn entities_round_trip(db: DatabaseConnection) {
    Migrator::up(&db, None).await.unwrap();
    users_and_audit_rows(&db).await;
    one_row_everywhere(&db).await;
}

#[tokio::test]
async fn sqlite_entities_round_trip() {
    let db = sqlite().await;
    entities_round_trip(db.conn.clone()).await;
}

#[tokio::test]
async fn postgres_entities_round_trip() {
    with_postgres("entities", entities_round_trip).await;
}
