//! Migration 28 rewrites `saved_panels.source_type` to the canonical `SavedPanelSourceType`
//! values (the entity then reads every row), and its `down` writes the old words back.

use entity::saved_panels;
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use shared::SavedPanelSourceType;

use crate::common::{lines, sqlite, with_postgres};
use crate::sql::{add_user, exec};

const NAME: &str = "m20261206_000028_source_types";

async fn source_types_become_canonical(db: DatabaseConnection) {
    let position = Migrator::migrations()
        .iter()
        .position(|m| m.name() == NAME)
        .unwrap();
    Migrator::up(&db, Some(u32::try_from(position).unwrap()))
        .await
        .unwrap();
    let ann = add_user(&db, "ann").await;
    // What this version wrote before, what Flask wrote, odd spellings, nothing.
    let stored = [
        "'merge'",
        "'upload'",
        "'genes'",
        "'empty'",
        "'manual'",
        "'PanelApp '",
        "'workbook'",
        "NULL",
    ];
    for (n, value) in stored.iter().enumerate() {
        exec(
            &db,
            &format!(
                "INSERT INTO saved_panels (name, owner_id, source_type) \
                 VALUES ('p{n}', {ann}, {value})"
            ),
        )
        .await
        .unwrap();
    }
    let column = "SELECT source_type FROM saved_panels ORDER BY id";

    Migrator::up(&db, Some(1)).await.unwrap();
    assert_eq!(
        lines(&db, column).await,
        [
            "MERGE", "UPLOAD", "MANUAL", "EMPTY", "MANUAL", "PANELAPP", "OTHER", "NULL"
        ]
    );
    // Every later migration too, then the entity reads each row as the enum.
    Migrator::up(&db, None).await.unwrap();
    let read: Vec<_> = saved_panels::Entity::find()
        .order_by_asc(saved_panels::Column::Id)
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.source_type)
        .collect();
    use SavedPanelSourceType::*;
    assert_eq!(
        read,
        [
            Some(Merge),
            Some(Upload),
            Some(Manual),
            Some(Empty),
            Some(Manual),
            Some(PanelApp),
            Some(Other),
            None
        ]
    );

    let later = Migrator::migrations().len() - position;
    Migrator::down(&db, Some(u32::try_from(later).unwrap()))
        .await
        .unwrap();
    assert_eq!(
        lines(&db, column).await,
        [
            "merge", "upload", "genes", "empty", "genes", "panelapp", "OTHER", "NULL"
        ],
        "the words the previous version wrote (and reads as the same values)"
    );
}

#[tokio::test]
async fn sqlite_source_types_become_canonical() {
    let db = sqlite().await;
    source_types_become_canonical(db.conn.clone()).await;
}

#[tokio::test]
async fn postgres_source_types_become_canonical() {
    with_postgres("source_types", source_types_become_canonical).await;
}
