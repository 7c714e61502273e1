//! The library's bulk actions (issue 14.5): archive, delete or tag several saved panels at
//! once, all or nothing. Every panel is checked first (it exists, the caller may do this to it,
//! no protected label stands in the way of a delete, its tags stay within bounds); one refusal
//! names the panel and why and changes nothing. Otherwise one transaction changes every panel
//! with its change row and its audit row.

use chrono::Utc;
use entity::saved_panels;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use shared::AuditResourceKind;
use shared::saved::{ChangeTarget, PanelMetadataField};
use shared::{AuditAction, ChangeType, ErrorCode, PanelStatus, SavedPanelChangeKind};

use super::SavedPanels;
use super::changes::{self, Change};
use super::{MAX_TAG_LEN, MAX_TAGS, labels, status_action, tags};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::services::audit::AuditRecord;

/// At most this many panels in one bulk action.
pub const MOST: usize = 100;

/// What to do to every chosen panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    /// ARCHIVED (EDIT access, or the EDITOR role on someone else's PUBLIC panel).
    Archive,
    /// DELETED, soft (the owner or a site admin; no protected version label).
    Delete,
    /// Adds `add` and removes `remove` (EDIT access).
    Tag {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

impl BulkAction {
    fn verb(&self) -> &'static str {
        match self {
            Self::Archive => "archived",
            Self::Delete => "deleted",
            Self::Tag { .. } => "tagged",
        }
    }
}

/// One panel's refusal, as the error's `refusals` list carries it.
#[derive(Debug, Clone)]
struct Refusal {
    panel_id: i32,
    /// The panel's name, when the caller may read it.
    name: Option<String>,
    error: AppError,
}

impl Refusal {
    fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!(
                "saved panel {} (\u{201c}{name}\u{201d}): {}",
                self.panel_id, self.error.message
            ),
            None => format!("saved panel {}: {}", self.panel_id, self.error.message),
        }
    }

    fn json(&self) -> Value {
        json!({
            "panelId": panel_global_id(self.panel_id),
            "name": self.name,
            "code": self.error.code.as_str(),
            "message": self.error.message,
            "reason": self.error.extensions.get("reason"),
        })
    }
}

/// The ids, each once in the order given: 1 to [`MOST`] (VALIDATION on `ids` otherwise).
pub fn unique_ids(ids: impl IntoIterator<Item = i32>) -> AppResult<Vec<i32>> {
    chosen_once(ids, MOST, "at once")
}

/// The ids, each once in the order given: 1 to `most` (VALIDATION on `ids` otherwise, saying
/// "at most `most` panels `how`").
pub fn chosen_once(
    ids: impl IntoIterator<Item = i32>,
    most: usize,
    how: &str,
) -> AppResult<Vec<i32>> {
    let mut unique: Vec<i32> = Vec::new();
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    if unique.is_empty() {
        return Err(AppError::invalid_field(
            "ids",
            "choose at least one saved panel",
        ));
    }
    if unique.len() > most {
        return Err(AppError::invalid_field(
            "ids",
            format!("at most {most} panels {how} ({} chosen)", unique.len()),
        ));
    }
    Ok(unique)
}

/// Trimmed, lower-case, each once; every one 1 to [`MAX_TAG_LEN`] characters.
fn clean_tags(raw: &[String], field: &str) -> AppResult<Vec<String>> {
    let mut tags = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN {
            return Err(AppError::invalid_field(
                field,
                format!("each tag must be 1 to {MAX_TAG_LEN} characters"),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// One panel's planned change.
struct Plan {
    before: saved_panels::Model,
    status: PanelStatus,
    tags: Vec<String>,
}

impl Plan {
    fn changes_something(&self) -> bool {
        self.status != self.before.status || self.tags != tags(&self.before)
    }
}

/// The outcome: every chosen panel as it is now (in the order asked) and how many changed.
#[derive(Debug)]
pub struct BulkOutcome {
    pub panels: Vec<super::PanelView>,
    pub changed: usize,
}

/// A saved panel's global id, as the API gives it.
fn panel_global_id(id: i32) -> String {
    crate::ids::global_id(crate::ids::Kind::SavedPanel, id)
}

/// The error of a refused bulk action: the first refusal's code, every refusal named.
fn refused(action: &BulkAction, refusals: &[Refusal]) -> AppError {
    let first = &refusals[0];
    let listed: Vec<String> = refusals.iter().map(Refusal::describe).collect();
    let code = if refusals.iter().all(|r| r.error.code == first.error.code) {
        first.error.code
    } else {
        // Mixed refusals: the gravest (permission before the rest).
        [
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
        ]
        .into_iter()
        .find(|c| refusals.iter().any(|r| r.error.code == *c))
        .unwrap_or(first.error.code)
    };
    let mut error = AppError::new(
        code,
        format!("nothing was {}: {}", action.verb(), listed.join("; ")),
    )
    .with("panelId", panel_global_id(first.panel_id))
    .with(
        "refusals",
        Value::Array(refusals.iter().map(Refusal::json).collect()),
    );
    if let Some(reason) = first.error.extensions.get("reason") {
        error = error.with("reason", reason.clone());
    }
    error
}

impl SavedPanels {
    /// Checks every panel, then applies `action` to all of them in one transaction, or to none.
    pub async fn apply_bulk(
        &self,
        principal: &Principal,
        ids: &[i32],
        action: BulkAction,
    ) -> AppResult<BulkOutcome> {
        let ids = unique_ids(ids.iter().copied())?;
        let action = match action {
            BulkAction::Tag { add, remove } => {
                let add = clean_tags(&add, "tags")?;
                let remove = clean_tags(&remove, "removeTags")?;
                if add.is_empty() && remove.is_empty() {
                    return Err(AppError::invalid_field(
                        "tags",
                        "give at least one tag to add or remove",
                    ));
                }
                if let Some(both) = add.iter().find(|t| remove.contains(t)) {
                    return Err(AppError::invalid_field(
                        "removeTags",
                        format!("\u{201c}{both}\u{201d} is both added and removed"),
                    ));
                }
                BulkAction::Tag { add, remove }
            }
            other => other,
        };
        let txn = crate::db::begin_write(&self.db).await?;
        // Every panel is checked before anything is written, reading inside the transaction.
        let mut plans = Vec::with_capacity(ids.len());
        let mut refusals = Vec::new();
        for &id in &ids {
            match self.plan_bulk(&txn, principal, id, &action).await {
                Ok(p) => plans.push(p),
                Err(refusal) => refusals.push(refusal),
            }
        }
        if !refusals.is_empty() {
            txn.rollback().await?;
            return Err(refused(&action, &refusals));
        }
        let mut events = Vec::new();
        let mut changed = Vec::new();
        let mut panels = Vec::with_capacity(plans.len());
        for plan in plans {
            if !plan.changes_something() {
                panels.push(plan.before);
                continue;
            }
            let (saved, event) = self.write_bulk(&txn, principal, &plan).await?;
            events.push(event);
            changed.push((saved.id, saved.current_version));
            panels.push(saved);
        }
        crate::failpoint::hit("saved_panel.bulk_before_commit").await;
        txn.commit().await?;
        self.audit.publish(events).await;
        for (id, version) in &changed {
            // Status and tags are both "the panel's card changed": viewers reload it.
            self.publish(*id, *version, SavedPanelChangeKind::Status)
                .await;
        }
        Ok(BulkOutcome {
            panels: self.views(principal, panels).await?,
            changed: changed.len(),
        })
    }

    /// The change `action` makes to panel `id`, or why it may not.
    async fn plan_bulk(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        principal: &Principal,
        id: i32,
        action: &BulkAction,
    ) -> Result<Plan, Refusal> {
        let refuse = |name: Option<String>, error: AppError| Refusal {
            panel_id: id,
            name,
            error,
        };
        let panel = saved_panels::Entity::find_by_id(id)
            .one(txn)
            .await
            .map_err(|e| refuse(None, e.into()))?
            .ok_or_else(|| refuse(None, AppError::not_found(format!("saved panel {id}"))))?;
        let access = self
            .resolve(&panel, principal)
            .await
            .map_err(|e| refuse(None, e))?;
        // The name only for those who may read the panel.
        let name = access
            .allows(shared::SharePermission::View)
            .then(|| panel.name.clone());
        let current_tags = tags(&panel);
        let (status, new_tags) = match action {
            BulkAction::Archive | BulkAction::Delete => {
                let status = if *action == BulkAction::Archive {
                    PanelStatus::Archived
                } else {
                    PanelStatus::Deleted
                };
                access
                    .require(status_action(&panel, &access, status))
                    .map_err(|e| refuse(name.clone(), e))?;
                if status == PanelStatus::Deleted && panel.status != PanelStatus::Deleted {
                    let protecting = labels::protecting(txn, panel.id)
                        .await
                        .map_err(|e| refuse(name.clone(), e))?;
                    if let Some(label) = protecting {
                        return Err(refuse(
                            name,
                            AppError::conflict(format!(
                                "version {} is labelled \u{201c}{}\u{201d} and protected: remove \
                             the protection before deleting the panel",
                                label.version_number, label.label
                            ))
                            .with("reason", "protected_label"),
                        ));
                    }
                }
                (status, current_tags)
            }
            BulkAction::Tag { add, remove } => {
                access
                    .require(crate::auth::permissions::Action::EditSavedPanel)
                    .map_err(|e| refuse(name.clone(), e))?;
                if panel.status == PanelStatus::Deleted {
                    return Err(refuse(
                        name,
                        AppError::validation("the panel is deleted: restore it before tagging it")
                            .with("reason", "deleted"),
                    ));
                }
                let mut next: Vec<String> = current_tags
                    .iter()
                    .filter(|t| !remove.contains(t))
                    .cloned()
                    .chain(add.iter().cloned())
                    .collect();
                next.sort();
                next.dedup();
                if next.len() > MAX_TAGS {
                    return Err(refuse(
                        name,
                        AppError::invalid_field(
                            "tags",
                            format!(
                                "the panel would have {} tags; at most {MAX_TAGS}",
                                next.len()
                            ),
                        )
                        .with("reason", "too_many_tags"),
                    ));
                }
                (panel.status, next)
            }
        };
        Ok(Plan {
            before: panel,
            status,
            tags: new_tags,
        })
    }

    /// Writes one panel's change with its change row and audit row (published after commit).
    async fn write_bulk(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        principal: &Principal,
        plan: &Plan,
    ) -> AppResult<(saved_panels::Model, crate::services::audit::AuditEvent)> {
        let before = &plan.before;
        let id = before.id;
        let old_tags = tags(before);
        let mut update: saved_panels::ActiveModel = before.clone().into();
        update.updated_at = Set(Utc::now());
        let mut rows = Vec::new();
        let (action, description, old, new) = if plan.status != before.status {
            update.status = Set(plan.status);
            rows.push(Change::new(
                ChangeType::MetadataChanged,
                ChangeTarget::Metadata(PanelMetadataField::Status),
                id.to_string(),
                Some(before.status.to_string()),
                Some(plan.status.to_string()),
            ));
            let action = if plan.status == PanelStatus::Deleted {
                AuditAction::PanelDelete
            } else {
                AuditAction::PanelUpdate
            };
            (
                action,
                format!("saved panel {id} is now {} (bulk)", plan.status),
                json!({ "status": before.status }),
                json!({ "status": plan.status }),
            )
        } else {
            update.tags = Set(Some(
                serde_json::to_string(&plan.tags).map_err(AppError::internal)?,
            ));
            rows.push(Change::new(
                ChangeType::MetadataChanged,
                ChangeTarget::Metadata(PanelMetadataField::Tags),
                id.to_string(),
                Some(old_tags.join(", ")),
                Some(plan.tags.join(", ")),
            ));
            (
                AuditAction::PanelUpdate,
                format!("saved panel {id} tagged (bulk)"),
                json!({ "tags": old_tags }),
                json!({ "tags": plan.tags }),
            )
        };
        let saved = update.update(txn).await?;
        changes::insert(
            txn,
            &self.crypto,
            id,
            None,
            principal.user_id(),
            None,
            &rows,
        )
        .await?;
        let event = self
            .audit
            .write(
                txn,
                principal,
                AuditRecord::new(action, description)
                    .resource(AuditResourceKind::SavedPanel, id)
                    .change(Some(old), Some(new)),
            )
            .await?;
        Ok((saved, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_once_and_are_bounded() {
        assert_eq!(unique_ids([3, 1, 3]).unwrap(), [3, 1]);
        let empty = unique_ids([]).unwrap_err();
        assert_eq!(empty.extensions["field"], "ids");
        let many = unique_ids(1..=101).unwrap_err();
        assert!(many.message.contains("at most 100"), "{}", many.message);
    }

    #[test]
    fn tags_are_cleaned_and_checked() {
        assert_eq!(
            clean_tags(&[" Cardiac ".into(), "cardiac".into()], "tags").unwrap(),
            ["cardiac"]
        );
        let blank = clean_tags(&["  ".into()], "tags").unwrap_err();
        assert_eq!(blank.extensions["field"], "tags");
        let long = clean_tags(&["x".repeat(51)], "removeTags").unwrap_err();
        assert_eq!(long.extensions["field"], "removeTags");
    }

    #[test]
    fn a_refusal_names_every_panel_and_keeps_the_reason() {
        let refusals = [
            Refusal {
                panel_id: 7,
                name: Some("Cardiac".into()),
                error: AppError::conflict("version 1 is protected")
                    .with("reason", "protected_label"),
            },
            Refusal {
                panel_id: 9,
                name: None,
                error: AppError::forbidden("only the owner may delete"),
            },
        ];
        let error = refused(&BulkAction::Delete, &refusals);
        assert_eq!(error.code, ErrorCode::Forbidden);
        assert!(
            error
                .message
                .starts_with("nothing was deleted: saved panel 7"),
            "{}",
            error.message
        );
        assert!(
            error
                .message
                .contains("saved panel 7 (\u{201c}Cardiac\u{201d})")
        );
        assert!(error.message.contains("saved panel 9: only the owner"));
        assert_eq!(error.extensions["panelId"], panel_global_id(7).as_str());
        assert_eq!(error.extensions["reason"], "protected_label");
        assert_eq!(error.extensions["refusals"][1]["code"], "FORBIDDEN");
    }
}
