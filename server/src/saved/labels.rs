//! Version labels (issue 14.5): a lab marks a saved-panel version "validated" or "in clinical
//! use since 2026-03-01". Labelling and unlabelling need EDIT access; a protected label keeps
//! the panel from being deleted while it stands, and only the panel's owner (or a site admin)
//! may remove a protected label. Each change is one transaction with its audit row.

use chrono::Utc;
use entity::version_labels;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use shared::AuditAction;
use shared::AuditResourceKind;

use super::SavedPanels;
use crate::auth::Principal;
use crate::auth::permissions::Action;
use crate::error::{AppError, AppResult};
use crate::services::audit::AuditRecord;

/// Longest label ("validated", "in clinical use").
pub const MAX_LABEL_LEN: usize = 60;
/// Longest note ("since 2026-03-01, approved by …").
pub const MAX_NOTE_LEN: usize = 300;

/// One label by id.
pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> AppResult<version_labels::Model> {
    version_labels::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("version label"))
}

/// The labels of a panel, by version (newest first), then by when they were added.
pub async fn list(
    db: &impl ConnectionTrait,
    panel_id: i32,
) -> AppResult<Vec<version_labels::Model>> {
    Ok(version_labels::Entity::find()
        .filter(version_labels::Column::PanelId.eq(panel_id))
        .order_by_desc(version_labels::Column::VersionNumber)
        .order_by_asc(version_labels::Column::Id)
        .all(db)
        .await?)
}

/// The first protected label of a panel, if any (deletion is refused while one stands).
pub async fn protecting(
    db: &impl ConnectionTrait,
    panel_id: i32,
) -> AppResult<Option<version_labels::Model>> {
    Ok(version_labels::Entity::find()
        .filter(version_labels::Column::PanelId.eq(panel_id))
        .filter(version_labels::Column::Protected.eq(true))
        .order_by_asc(version_labels::Column::Id)
        .one(db)
        .await?)
}

/// What a new label says.
pub struct NewLabel {
    pub version: i32,
    pub label: String,
    pub note: Option<String>,
    pub protected: bool,
}

impl SavedPanels {
    /// Labels version `new.version` of panel `panel_id`.
    pub async fn add_label(
        &self,
        principal: &Principal,
        panel_id: i32,
        new: NewLabel,
    ) -> AppResult<super::LabelView> {
        let (panel, _) = self
            .open(principal, panel_id, Action::EditSavedPanel)
            .await?;
        let label = crate::error::required_text("label", &new.label, MAX_LABEL_LEN)?;
        let note = crate::error::optional_text("note", new.note.as_deref(), MAX_NOTE_LEN)?;
        self.version_row(panel.id, new.version).await?;
        // The write comes first in the transaction (the unique index answers "taken"): on SQLite a
        // transaction that read first can not take the write lock once another connection wrote.
        let txn = crate::db::begin_write(&self.db).await?;
        let row = version_labels::ActiveModel {
            panel_id: Set(panel.id),
            version_number: Set(new.version),
            label: Set(label.clone()),
            note: Set(note),
            protected: Set(new.protected),
            created_by_id: Set(principal.user_id()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match AppError::from(e) {
            err if err.code == shared::ErrorCode::Conflict => AppError::conflict(format!(
                "version {} already has the label \u{201c}{label}\u{201d}",
                new.version
            ))
            .with("field", "label"),
            err => err,
        })?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelUpdate,
                    format!(
                        "version {} of saved panel {} labelled \u{201c}{}\u{201d}",
                        row.version_number, panel.id, row.label
                    ),
                )
                .resource(AuditResourceKind::SavedPanel, panel.id)
                .details(json!({
                    "label": row.id,
                    "version": row.version_number,
                    "text": row.label,
                    "note": row.note,
                    "protected": row.protected,
                })),
            )
            .await?;
        Ok(row.into())
    }

    /// Removes label `label_id`; a protected one only by the panel's owner (or a site admin).
    /// Returns the panel's id.
    pub async fn remove_label(&self, principal: &Principal, label_id: i32) -> AppResult<i32> {
        let row = version_labels::Entity::find_by_id(label_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("version label {label_id}")))?;
        let (panel, access) = self
            .open(principal, row.panel_id, Action::EditSavedPanel)
            .await?;
        if row.protected && !access.allows(Action::DeleteSavedPanel) {
            return Err(AppError::forbidden(format!(
                "\u{201c}{}\u{201d} is a protected label: only the panel's owner may remove it",
                row.label
            )));
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let (id, version, text, protected) =
            (row.id, row.version_number, row.label.clone(), row.protected);
        row.delete(&txn).await?;
        self
        .audit
        .commit(
            txn,
            principal,
            AuditRecord::new(
                AuditAction::PanelUpdate,
                format!(
                    "label \u{201c}{text}\u{201d} removed from version {version} of saved panel {}",
                    panel.id
                ),
            )
            .resource(AuditResourceKind::SavedPanel, panel.id)
            .change(
                Some(json!({ "label": id, "version": version, "text": text, "protected": protected })),
                None,
            ),
        )
        .await?;
        Ok(panel.id)
    }
}
