//! Migration 30: on PostgreSQL the saved-panel text search (`lower(name) LIKE '%…%' OR
//! lower(description) LIKE '%…%'`, as `saved::listing` writes it) can read trigram indexes
//! instead of every panel.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

use crate::common::with_postgres;
use crate::sql::{add_user, exec};

async fn text_search_reads_the_trigram_indexes(db: DatabaseConnection) {
    Migrator::up(&db, None).await.unwrap();
    let ann = add_user(&db, "ann").await;
    for n in 0..200 {
        exec(
            &db,
            &format!(
                "INSERT INTO saved_panels (name, owner_id, description) \
                 VALUES ('Panel {n}', {ann}, 'Genes for cardiomyopathy, list {n}')"
            ),
        )
        .await
        .unwrap();
    }
    exec(&db, "ANALYZE saved_panels").await.unwrap();
    // A small table would be scanned whatever the indexes; with scans priced out, the plan
    // shows which indexes the search can read.
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    let plan: Vec<String> = txn
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "EXPLAIN SELECT id FROM saved_panels \
             WHERE LOWER(name) LIKE '%cardio%' OR LOWER(description) LIKE '%cardio%'",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    txn.rollback().await.unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("idx_saved_panels_name_trgm"), "{plan}");
    assert!(plan.contains("idx_saved_panels_description_trgm"), "{plan}");
}

#[tokio::test]
async fn postgres_text_search_reads_the_trigram_indexes() {
    with_postgres("text_search", text_search_reads_the_trigram_indexes).await;
}
