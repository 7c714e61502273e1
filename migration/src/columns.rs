//! Column helpers shared by the migrations.
//!
//! Timestamps are `timestamp with time zone` on PostgreSQL and text on SQLite. On SQLite the
//! default "now" is written in the same RFC 3339 shape sea-orm writes
//! (`2025-01-31T09:30:00.123+00:00`), so rows written by the database and by the application
//! compare and sort correctly as text.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The current UTC time, as a column default for `backend`.
pub(crate) fn now(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Sqlite => Expr::cust("strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"),
        _ => Expr::current_timestamp(),
    }
}

/// A NOT NULL timestamp defaulting to now (`created_at`, `updated_at`, `timestamp`, ...).
pub(crate) fn timestamp_now<T: IntoIden>(col: T, backend: DbBackend) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .default(now(backend))
        .take()
}

/// A named foreign key `from_table.from_col → to_table.id`.
pub(crate) fn foreign_key<F, C, T, I>(
    name: &str,
    from_table: F,
    from_col: C,
    to_table: T,
    to_id: I,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    F: IntoTableRef,
    C: IntoIden,
    T: IntoTableRef,
    I: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(to_table, to_id)
        .on_delete(on_delete)
        .take()
}

/// A named index (unique when `unique`) on `table (cols...)`.
pub(crate) fn index<T, C, I>(name: &str, table: T, cols: C, unique: bool) -> IndexCreateStatement
where
    T: IntoTableRef,
    C: IntoIterator<Item = I>,
    I: IntoIndexColumn,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    index.take()
}
