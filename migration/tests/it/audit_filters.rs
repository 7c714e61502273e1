//! Migration 31: the audit page's combined filters (an action with an outcome, a user with an
//! outcome and an action) read their own index on both backends, even where the columns are
//! correlated (logins that never fail), instead of walking the trail from its newest row or
//! intersecting a user's entries with every failure.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::common::{lines, sqlite, with_postgres};
use crate::sql::{add_user, exec};

/// 20,000 entries over 20 users: two in ten are LOGIN and never fail, one in ten is API_ACCESS
/// and always fails (the shape of `seed-scale`, where the 90 ms tail was measured).
async fn seed(db: &DatabaseConnection) -> i32 {
    let mut users = Vec::new();
    for n in 0..20 {
        users.push(add_user(db, &format!("user{n}")).await);
    }
    let first = users[0];
    exec(
        db,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999) \
             INSERT INTO audit_log (user_id, username, action_type, action_description, success) \
             SELECT {first} + i % 20, 'user' || (i % 20), \
                    CASE WHEN i % 10 IN (0, 1) THEN 'LOGIN' WHEN i % 10 = 8 THEN 'LOGOUT' \
                         WHEN i % 10 = 9 THEN 'API_ACCESS' ELSE 'SEARCH' END, \
                    'seeded', i % 10 <> 9 \
             FROM n"
        ),
    )
    .await
    .unwrap();
    exec(db, "ANALYZE").await.unwrap();
    first
}

async fn plan(db: &DatabaseConnection, query: &str) -> String {
    let backend = db.get_database_backend();
    let (explain, column) = match backend {
        DbBackend::Sqlite => ("EXPLAIN QUERY PLAN", "detail"),
        _ => ("EXPLAIN", "QUERY PLAN"),
    };
    db.query_all_raw(Statement::from_string(
        backend,
        format!("{explain} {query}"),
    ))
    .await
    .unwrap_or_else(|e| panic!("{query}: {e}"))
    .iter()
    .map(|row| row.try_get::<String>("", column).unwrap())
    .collect::<Vec<_>>()
    .join("\n")
}

/// Whether a plan reads the whole trail (a sequential scan, the primary key from one end) or
/// every failure (the outcome index alone).
fn walks_the_trail(plan: &str) -> bool {
    plan.lines().any(|line| {
        line.contains("audit_log_pkey")
            || line.contains("idx_audit_log_success_id")
            || line.contains("Seq Scan")
            || line.trim_end().ends_with("SCAN audit_log")
    })
}

async fn combined_filters_read_their_index(db: DatabaseConnection) {
    Migrator::up(&db, None).await.unwrap();
    let quiet = seed(&db).await;
    let failures = lines(
        &db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE success = false AND action_type = 'API_ACCESS'",
    )
    .await;
    assert_eq!(failures, ["2000"], "the seed's failures");

    let page =
        |filter: &str| format!("SELECT * FROM audit_log WHERE {filter} ORDER BY id DESC LIMIT 51");
    let count = |filter: &str| {
        format!(
            "SELECT COUNT(*) FROM (SELECT id FROM audit_log WHERE {filter} LIMIT 10001) bounded"
        )
    };
    let cases = [
        (
            "failed logins",
            "action_type IN ('LOGIN') AND success = false".to_owned(),
            "idx_audit_log_action_outcome",
        ),
        (
            "a user's failures",
            format!("user_id IN ({quiet}) AND success = false"),
            "idx_audit_log_user_outcome",
        ),
        (
            "a user's failed logins",
            format!("user_id IN ({quiet}) AND action_type IN ('LOGIN') AND success = false"),
            "_outcome",
        ),
    ];
    let mut cases = cases.to_vec();
    if db.get_database_backend() == DbBackend::Postgres {
        // Several actions at once: the extended statistics tell PostgreSQL that logins never
        // fail, so it does not walk the trail from its newest row looking for failed ones. (The
        // server reads several actions one by one, on both backends.)
        cases.push((
            "failed logins and logouts",
            "action_type IN ('LOGIN', 'LOGOUT') AND success = false".to_owned(),
            "idx_audit_log_action_outcome",
        ));
    }
    for (what, filter, index) in cases {
        for query in [page(&filter), count(&filter)] {
            let plan = plan(&db, &query).await;
            assert!(plan.contains(index), "{what}: {query}\n{plan}");
            assert!(!walks_the_trail(&plan), "{what}: {query}\n{plan}");
        }
    }
}

#[tokio::test]
async fn sqlite_combined_audit_filters_read_their_index() {
    let db = sqlite().await;
    combined_filters_read_their_index(db.conn.clone()).await;
}

#[tokio::test]
async fn postgres_combined_audit_filters_read_their_index() {
    with_postgres("audit_filters", combined_filters_read_their_index).await;
}
