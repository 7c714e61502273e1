//! PanelMerge database migrations, for SQLite and PostgreSQL alike.
//!
//! The first four mirror the history of the Flask version (initial schema → v1.4 security and
//! admin messages → v1.4.1 timezone preferences → v1.5 saved panels); the rest are ours. Every
//! migration has a `down` that drops exactly what its `up` created or restores what it removed.
//! Closed sets (roles, statuses, ...) are stored as text so both databases behave the same.
//!
//! Every migration runs in a transaction, on SQLite too (it has transactional DDL), so a failure
//! half-way leaves the database as it was.

pub use sea_orm_migration;
pub use sea_orm_migration::prelude::*;

mod columns;
mod m20240101_000001_initial_schema;
mod m20250301_000002_security_and_admin_messages;
mod m20250401_000003_timezone_preferences;
mod m20250601_000004_saved_panels;
mod m20261122_000005_teams;
mod m20261122_000006_version_snapshots;
mod m20261122_000007_api_tokens;
mod m20261122_000008_uploads;
mod m20261122_000009_account_security;
mod m20261122_000010_panel_comments;
mod m20261206_000013_one_active_share;
mod m20261206_000015_audit_chain;
mod m20261206_000019_flask_import;
mod m20261206_000021_token_scopes;
mod m20261206_000023_workbench;
mod m20261206_000024_mail;
mod m20261206_000025_scale_indexes;
mod m20261206_000026_library;
mod m20261206_000027_export_templates;
mod m20261206_000028_source_types;
mod m20261207_000029_audit_time_index;
mod m20261207_000030_panel_text_search;
mod m20261207_000031_audit_filter_indexes;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240101_000001_initial_schema::Migration),
            Box::new(m20250301_000002_security_and_admin_messages::Migration),
            Box::new(m20250401_000003_timezone_preferences::Migration),
            Box::new(m20250601_000004_saved_panels::Migration),
            Box::new(m20261122_000005_teams::Migration),
            Box::new(m20261122_000006_version_snapshots::Migration),
            Box::new(m20261122_000007_api_tokens::Migration),
            Box::new(m20261122_000008_uploads::Migration),
            Box::new(m20261122_000009_account_security::Migration),
            Box::new(m20261122_000010_panel_comments::Migration),
            Box::new(m20261206_000013_one_active_share::Migration),
            Box::new(m20261206_000015_audit_chain::Migration),
            Box::new(m20261206_000019_flask_import::Migration),
            Box::new(m20261206_000021_token_scopes::Migration),
            Box::new(m20261206_000023_workbench::Migration),
            Box::new(m20261206_000024_mail::Migration),
            Box::new(m20261206_000025_scale_indexes::Migration),
            Box::new(m20261206_000026_library::Migration),
            Box::new(m20261206_000027_export_templates::Migration),
            Box::new(m20261206_000028_source_types::Migration),
            Box::new(m20261207_000029_audit_time_index::Migration),
            Box::new(m20261207_000030_panel_text_search::Migration),
            Box::new(m20261207_000031_audit_filter_indexes::Migration),
        ]
    }
}
