//! `panel_changes` rows: one per change, old and new values encrypted. Rows are append-only,
//! so each value is bound to its change's natural key (panel, version, kind, target) instead of
//! the row id, which is not known before the batch insert.

use chrono::Utc;
use entity::panel_changes;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use shared::ChangeType;
use shared::saved::{ChangeTarget, GeneDiff};

use crate::crypto::{Binding, Encryptor};
use crate::error::{AppResult, OrInternal};

/// One change before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub change_type: ChangeType,
    /// What it changed (recorded as `gene`, `gene.<field>`, `metadata.<field>`, `panel` or
    /// `source`).
    pub target: ChangeTarget,
    pub target_id: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Change {
    pub fn new(
        change_type: ChangeType,
        target: ChangeTarget,
        target_id: impl Into<String>,
        old: Option<String>,
        new: Option<String>,
    ) -> Self {
        Self {
            change_type,
            target,
            target_id: target_id.into(),
            old,
            new,
        }
    }
}

/// The change rows a gene diff amounts to: GENE_ADDED / GENE_REMOVED per gene, and per changed
/// field CONFIDENCE_CHANGED (ratings) or GENE_MODIFIED. `kind` overrides the type of every row
/// (SOURCE_UPDATED for upstream updates).
pub fn from_diff(diff: &GeneDiff, kind: Option<ChangeType>) -> Vec<Change> {
    let gene_json = |g: &shared::saved::SavedGene| serde_json::to_string(g).ok();
    let mut changes = Vec::new();
    for g in &diff.added {
        let t = kind.unwrap_or(ChangeType::GeneAdded);
        changes.push(Change::new(
            t,
            ChangeTarget::Gene,
            g.symbol.as_str(),
            None,
            gene_json(g),
        ));
    }
    for g in &diff.removed {
        let t = kind.unwrap_or(ChangeType::GeneRemoved);
        changes.push(Change::new(
            t,
            ChangeTarget::Gene,
            g.symbol.as_str(),
            gene_json(g),
            None,
        ));
    }
    for c in &diff.changed {
        let t = kind.unwrap_or(if c.field.is_rating() {
            ChangeType::ConfidenceChanged
        } else {
            ChangeType::GeneModified
        });
        changes.push(Change::new(
            t,
            ChangeTarget::GeneField(c.field),
            c.symbol.as_str(),
            c.old.clone(),
            c.new.clone(),
        ));
    }
    changes
}

const TABLE: &str = "panel_changes";

/// Stores the changes of one version (or of no version, for status changes) in batches.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    crypto: &Encryptor,
    panel_id: i32,
    version_id: Option<i32>,
    user_id: Option<i32>,
    reason: Option<&str>,
    changes: &[Change],
) -> AppResult<()> {
    let now = Utc::now();
    let mut rows = Vec::with_capacity(changes.len());
    for c in changes {
        let target_type = c.target.word();
        let row = crate::crypto::panel_change_row(
            panel_id,
            version_id,
            c.change_type.as_str(),
            &target_type,
            &c.target_id,
        );
        let seal = |column: &str, v: &Option<String>| {
            crypto
                .encrypt_opt(
                    v.as_deref(),
                    Binding {
                        table: TABLE,
                        column,
                        row: &row,
                    },
                )
                .or_internal("change encrypt")
        };
        rows.push(panel_changes::ActiveModel {
            panel_id: Set(panel_id),
            version_id: Set(version_id),
            change_type: Set(c.change_type),
            target_type: Set(Some(target_type)),
            target_id: Set(Some(c.target_id.clone())),
            old_value: Set(seal("old_value", &c.old)?),
            new_value: Set(seal("new_value", &c.new)?),
            change_reason: Set(reason.map(str::to_owned)),
            changed_by_id: Set(user_id),
            changed_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(500) {
        panel_changes::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

impl super::SavedPanels {
    /// One recorded change by id.
    pub async fn change_by_id(&self, id: i32) -> AppResult<panel_changes::Model> {
        panel_changes::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| crate::error::AppError::not_found("change"))
    }
}

pub fn open(
    crypto: &Encryptor,
    row: &panel_changes::Model,
) -> AppResult<(Option<String>, Option<String>)> {
    let key = crate::crypto::panel_change_row(
        row.panel_id,
        row.version_id,
        row.change_type.as_str(),
        row.target_type.as_deref().unwrap_or(""),
        row.target_id.as_deref().unwrap_or(""),
    );
    let open = |column: &str, v: &Option<String>| {
        crypto
            .decrypt_opt(
                v.as_deref(),
                Binding {
                    table: TABLE,
                    column,
                    row: &key,
                },
            )
            .or_internal("change decrypt")
    };
    Ok((
        open("old_value", &row.old_value)?,
        open("new_value", &row.new_value)?,
    ))
}
