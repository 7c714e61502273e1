//! sea-orm entities of PanelMerge: one module per table, matching the `migration` crate.
//!
//! Closed sets are the `shared` enums, stored as their canonical strings (`"ADMIN"`, `"24h"`) so
//! SQLite and PostgreSQL hold the same values. Every timestamp is UTC (`DateTimeUtc`). Rows are
//! not API types: the server maps them to its own output types.

pub mod admin_message;
pub mod api_tokens;
pub mod audit_log;
pub mod export_templates;
pub mod mail_outbox;
pub mod mail_tokens;
pub mod panel_changes;
pub mod panel_comments;
pub mod panel_download;
pub mod panel_genes;
pub mod panel_shares;
pub mod panel_versions;
pub mod saved_panels;
pub mod team_members;
pub mod teams;
pub mod uploads;
pub mod user;
pub mod version_labels;
pub mod workbenches;

/// The entities under short names: `use entity::prelude::*;` then `User::find()`.
pub mod prelude {
    pub use super::admin_message::Entity as AdminMessage;
    pub use super::api_tokens::Entity as ApiTokens;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::export_templates::Entity as ExportTemplates;
    pub use super::mail_outbox::Entity as MailOutbox;
    pub use super::mail_tokens::Entity as MailTokens;
    pub use super::panel_changes::Entity as PanelChanges;
    pub use super::panel_comments::Entity as PanelComments;
    pub use super::panel_download::Entity as PanelDownload;
    pub use super::panel_genes::Entity as PanelGenes;
    pub use super::panel_shares::Entity as PanelShares;
    pub use super::panel_versions::Entity as PanelVersions;
    pub use super::saved_panels::Entity as SavedPanels;
    pub use super::team_members::Entity as TeamMembers;
    pub use super::teams::Entity as Teams;
    pub use super::uploads::Entity as Uploads;
    pub use super::user::Entity as User;
    pub use super::version_labels::Entity as VersionLabels;
    pub use super::workbenches::Entity as Workbenches;
}
