//! Indexes for years of data (issue 18): every audit-trail filter and every saved-panel list
//! scope and sort reads an index in the order the page wants, instead of scanning or sorting
//! the table. Audit pages are newest first by id, so each filter column is paired with `id`;
//! saved-panel lists are by owner or visibility, sorted by update, creation or name.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns). Sort columns carry the direction the pages read them in, so a
/// page is read in index order (`ORDER BY updated_at DESC, id ASC` walks
/// `(…, updated_at DESC, id)` forwards) and stops after the page.
const INDEXES: [(&str, &str, &str); 16] = [
    (
        "idx_audit_log_action_type_id",
        "audit_log",
        "action_type, id",
    ),
    ("idx_audit_log_user_id_id", "audit_log", "user_id, id"),
    ("idx_audit_log_username_id", "audit_log", "username, id"),
    ("idx_audit_log_success_id", "audit_log", "success, id"),
    (
        "idx_audit_log_resource_id_key",
        "audit_log",
        "resource_type, resource_id, id",
    ),
    (
        "idx_saved_panels_owner_updated",
        "saved_panels",
        "owner_id, updated_at DESC, id",
    ),
    (
        "idx_saved_panels_owner_created",
        "saved_panels",
        "owner_id, created_at DESC, id",
    ),
    (
        "idx_saved_panels_owner_name",
        "saved_panels",
        "owner_id, name, id",
    ),
    (
        "idx_saved_panels_visibility_updated",
        "saved_panels",
        "visibility, updated_at DESC, id",
    ),
    (
        "idx_saved_panels_visibility_created",
        "saved_panels",
        "visibility, created_at DESC, id",
    ),
    (
        "idx_saved_panels_visibility_name",
        "saved_panels",
        "visibility, name, id",
    ),
    (
        "idx_saved_panels_visibility_genes",
        "saved_panels",
        "visibility, gene_count DESC, id",
    ),
    (
        "idx_saved_panels_updated_id",
        "saved_panels",
        "updated_at DESC, id",
    ),
    (
        "idx_saved_panels_created_id",
        "saved_panels",
        "created_at DESC, id",
    ),
    ("idx_saved_panels_name_id", "saved_panels", "name, id"),
    (
        "idx_saved_panels_genes_id",
        "saved_panels",
        "gene_count DESC, id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (index, table, columns) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {index} ON {table} ({columns})"
            ))
            .await?;
        }
        // The single-column indexes these extend (same leading column) are now redundant.
        for index in [
            "idx_audit_log_action_type",
            "idx_audit_log_user_id",
            "idx_audit_log_success",
            "idx_audit_log_resource",
        ] {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Quoted as the first migration wrote them, so the schema is the same after a down.
        for (index, columns) in [
            ("idx_audit_log_action_type", "\"action_type\""),
            ("idx_audit_log_user_id", "\"user_id\""),
            ("idx_audit_log_success", "\"success\""),
            (
                "idx_audit_log_resource",
                "\"resource_type\", \"resource_id\"",
            ),
        ] {
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS \"{index}\" ON \"audit_log\" ({columns})"
            ))
            .await?;
        }
        for (index, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}"))
                .await?;
        }
        Ok(())
    }
}
