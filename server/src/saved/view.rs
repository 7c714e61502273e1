//! What the saved-panel service hands its callers: a panel, a version, a comment and a label as
//! plain values, made once from their rows here so that no caller reads a row.

use chrono::{DateTime, Utc};
use entity::{panel_comments, panel_versions, saved_panels, version_labels};
use shared::merge::SourceSummary;
use shared::{PanelStatus, SavedPanelSourceType, Visibility};

use super::access::Access;

/// A saved panel as the caller sees it: its fields, its owner's name and what the caller may do
/// with it (a page of `list_page`, one panel from `view` or `view_link`, or a write's result).
#[derive(Debug, Clone)]
pub struct PanelView {
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    /// Lower-case and sorted.
    pub tags: Vec<String>,
    pub status: PanelStatus,
    pub visibility: Visibility,
    pub owner_id: i32,
    /// The owner's username; none when the account no longer exists.
    pub owner: Option<String>,
    pub current_version: i32,
    pub version_count: i32,
    pub gene_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub source_type: Option<SavedPanelSourceType>,
    /// The stored source reference as it was written (read by [`Self::sources`]).
    source_reference: Option<String>,
    /// What the caller may do with it.
    pub access: Access,
}

impl PanelView {
    pub(crate) fn new(panel: saved_panels::Model, owner: Option<String>, access: Access) -> Self {
        let tags = super::tags(&panel);
        Self {
            id: panel.id,
            name: panel.name,
            description: panel.description,
            tags,
            status: panel.status,
            visibility: panel.visibility,
            owner_id: panel.owner_id,
            owner,
            current_version: panel.current_version,
            version_count: panel.version_count,
            gene_count: panel.gene_count,
            created_at: panel.created_at,
            updated_at: panel.updated_at,
            source_type: panel.source_type,
            source_reference: panel.source_reference,
            access,
        }
    }

    /// The merge sources it was built from (empty for genes entered by hand and for references
    /// that are not merge sources, such as some imported from the Flask version). Read when
    /// asked, as a list of panels rarely needs them.
    pub fn sources(&self) -> Vec<SourceSummary> {
        super::upstream::parse_sources(self.source_reference.as_deref())
    }

    /// The stored source reference as it was written, when it is JSON.
    pub fn stored_sources(&self) -> Option<serde_json::Value> {
        self.source_reference
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
    }
}

/// One version of a saved panel (its genes are read with `load_version_genes`).
#[derive(Debug, Clone)]
pub struct VersionView {
    pub id: i32,
    pub panel_id: i32,
    pub number: i32,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// None when the account no longer exists or for imported versions without one.
    pub created_by_id: Option<i32>,
    pub gene_count: i32,
    /// SHA-256 of the canonical gene list.
    pub hash: Option<String>,
    /// Counts of its recorded changes per kind.
    pub changes_summary: Option<String>,
}

impl From<panel_versions::Model> for VersionView {
    fn from(v: panel_versions::Model) -> Self {
        Self {
            id: v.id,
            panel_id: v.panel_id,
            number: v.version_number,
            comment: v.comment,
            created_at: v.created_at,
            created_by_id: v.created_by_id,
            gene_count: v.gene_count,
            hash: v.snapshot_hash,
            changes_summary: v.changes_summary,
        }
    }
}

/// A comment on a panel, one of its versions or one of its genes.
#[derive(Debug, Clone)]
pub struct CommentView {
    pub id: i32,
    pub version: Option<i32>,
    pub gene_symbol: Option<String>,
    /// None when the account no longer exists.
    pub author_id: Option<i32>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl From<panel_comments::Model> for CommentView {
    fn from(c: panel_comments::Model) -> Self {
        Self {
            id: c.id,
            version: c.version_number,
            gene_symbol: c.gene_symbol,
            author_id: c.author_id,
            body: c.body,
            created_at: c.created_at,
        }
    }
}

/// A lab's label on a version ("validated", "in clinical use").
#[derive(Debug, Clone)]
pub struct LabelView {
    pub id: i32,
    pub version: i32,
    pub label: String,
    pub note: Option<String>,
    /// Keeps the panel from being deleted while the label stands.
    pub protected: bool,
    pub created_by_id: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl From<version_labels::Model> for LabelView {
    fn from(l: version_labels::Model) -> Self {
        Self {
            id: l.id,
            version: l.version_number,
            label: l.label,
            note: l.note,
            protected: l.protected,
            created_by_id: l.created_by_id,
            created_at: l.created_at,
        }
    }
}
