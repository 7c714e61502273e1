//! Migration and entity tests, on SQLite (a temporary file) and on PostgreSQL when
//! `TEST_DATABASE_URL` is set (a fresh database per test; required when `CI=true`).

// clippy.toml allows unwrap/expect inside #[test] functions only; the shared helpers here are
// test code too, and a panic is how they report a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit_filters;
mod common;
mod constraints;
mod entities;
mod round_trip;
mod share_uniqueness;
mod source_types_migration;
mod sql;
mod teams_migration;
mod text_search;
