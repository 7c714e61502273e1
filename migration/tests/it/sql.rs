//! Raw SQL helpers: statements written out literally, so a test shows exactly what it runs.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, SqlErr, Statement};

pub async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), DbErr> {
    db.execute_unprepared(sql).await.map(|_| ())
}

/// Runs an INSERT with `RETURNING id` and returns the new id.
pub async fn insert(db: &DatabaseConnection, sql: &str) -> i32 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("{sql} RETURNING id"),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap();
    row.try_get_by_index::<i32>(0).unwrap()
}

pub fn assert_one_target_check(result: Result<(), DbErr>, what: &str) {
    let err = result.expect_err(what);
    assert!(
        err.to_string().contains("ck_panel_shares_one_target"),
        "{what}: expected the one-target CHECK to refuse it, got {err}"
    );
}

pub fn assert_unique_violation(result: Result<(), DbErr>, what: &str) {
    let err = result.expect_err(what);
    assert!(
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "{what}: expected a unique violation, got {err}"
    );
}

pub fn assert_foreign_key_violation(result: Result<(), DbErr>, what: &str) {
    let err = result.expect_err(what);
    assert!(
        matches!(
            err.sql_err(),
            Some(SqlErr::ForeignKeyConstraintViolation(_))
        ),
        "{what}: expected a foreign key violation, got {err}"
    );
}

/// Inserts a user named `name` (every other column at its default) and returns its id.
pub async fn add_user(db: &DatabaseConnection, name: &str) -> i32 {
    let sql = format!(
        "INSERT INTO \"user\" (username, email, password_hash) \
         VALUES ('{name}', '{name}@example.org', 'h')"
    );
    insert(db, &sql).await
}

/// Inserts a saved panel (every other column at its default) and returns its id.
pub fn add_panel_sql(owner: i32, name: &str) -> String {
    format!("INSERT INTO saved_panels (name, owner_id) VALUES ('{name}', {owner})")
}
