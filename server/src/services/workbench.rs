//! The workbench kept in the account (issue 17.5): one row per user with the panels on the
//! workbench (source, id, exact version, evidence levels, entity types) and the uploads left
//! out of the merge. The uploads themselves are already the account's (`uploads`); this keeps
//! the rest, so the workbench comes back after login in another browser or after the browser's
//! storage was cleared. The browser merges it with what it holds locally (see the web app's
//! `workbench::sync`); the server keeps whatever was saved last.

use chrono::{DateTime, Utc};
use entity::workbenches;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, Confidence, EntityType, PanelVersion, Source};

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, OrInternal};

/// Most panels a stored workbench holds (a merge of more is not a workbench but a catalogue).
pub const MAX_PANELS: usize = 100;
/// Most upload ids a stored workbench marks as left out.
pub const MAX_LEFT_OUT: usize = 500;
/// Longest upload id (they are UUIDs).
const MAX_ID_LEN: usize = 64;

/// One panel on the workbench and what is taken from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPanel {
    pub source: Source,
    pub panel_id: u32,
    pub version: String,
    pub confidence: Vec<Confidence>,
    pub types: Vec<EntityType>,
}

impl StoredPanel {
    /// "PanelApp UK panel 402 v8.125".
    pub fn label(&self) -> String {
        format!(
            "{} panel {} v{}",
            self.source.display_name(),
            self.panel_id,
            self.version
        )
    }

    fn key(&self) -> (Source, u32, &str) {
        (self.source, self.panel_id, &self.version)
    }
}

/// What the workbench holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    pub panels: Vec<StoredPanel>,
    pub left_out_uploads: Vec<String>,
}

/// A stored workbench and when it was last saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub content: Content,
    pub updated_at: DateTime<Utc>,
}

/// Checks a workbench before it is kept: bounded, versions that are versions, no panel twice.
/// Errors name the field and the position (`panels[3]`).
pub fn validate(content: &Content) -> AppResult<()> {
    if content.panels.len() > MAX_PANELS {
        return Err(AppError::invalid_field(
            "panels",
            format!(
                "a workbench holds at most {MAX_PANELS} panels, not {}",
                content.panels.len()
            ),
        ));
    }
    if content.left_out_uploads.len() > MAX_LEFT_OUT {
        return Err(AppError::invalid_field(
            "leftOutUploads",
            format!(
                "at most {MAX_LEFT_OUT} uploads can be left out, not {}",
                content.left_out_uploads.len()
            ),
        ));
    }
    for (index, panel) in content.panels.iter().enumerate() {
        let field = format!("panels[{index}]");
        if PanelVersion::parse(&panel.version).is_err() {
            return Err(AppError::invalid_field(
                &field,
                format!("{:?} is not a panel version such as 8.125", panel.version),
            ));
        }
        if content.panels[..index]
            .iter()
            .any(|p| p.key() == panel.key())
        {
            return Err(AppError::invalid_field(
                &field,
                format!("{} is listed twice", panel.label()),
            ));
        }
    }
    for (index, id) in content.left_out_uploads.iter().enumerate() {
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return Err(AppError::invalid_field(
                &format!("leftOutUploads[{index}]"),
                format!("is not an upload id (1 to {MAX_ID_LEN} characters)"),
            ));
        }
    }
    Ok(())
}

/// "2 panels", "1 upload left out": a count with its noun.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Each user's saved workbench (the panels and choices they were working on). Built once with the state.
#[derive(Clone, Debug)]
pub struct Workbenches {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
}

impl Workbenches {
    /// The workbench kept in `user_id`'s account, if one was saved.
    pub async fn load(&self, user_id: i32) -> AppResult<Option<Stored>> {
        let Some(row) = workbenches::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let content = serde_json::from_str(&row.content).or_internal("stored workbench")?;
        Ok(Some(Stored {
            content,
            updated_at: row.updated_at,
        }))
    }

    /// Keeps `content` as `user_id`'s workbench (replacing what was kept) with an audit row that
    /// says what changed, in one transaction.
    pub async fn save(
        &self,
        principal: &Principal,
        user_id: i32,
        content: Content,
    ) -> AppResult<Stored> {
        validate(&content)?;
        let json = serde_json::to_string(&content).or_internal("workbench json")?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let before = workbenches::Entity::find_by_id(user_id).one(&txn).await?;
        let old: Content = match &before {
            Some(row) => serde_json::from_str(&row.content).unwrap_or_default(),
            None => Content::default(),
        };
        let added: Vec<String> = content
            .panels
            .iter()
            .filter(|p| !old.panels.iter().any(|o| o.key() == p.key()))
            .map(StoredPanel::label)
            .collect();
        let removed: Vec<String> = old
            .panels
            .iter()
            .filter(|o| !content.panels.iter().any(|p| p.key() == o.key()))
            .map(StoredPanel::label)
            .collect();
        let rechosen: Vec<String> = content
            .panels
            .iter()
            .filter(|p| old.panels.iter().any(|o| o.key() == p.key() && o != *p))
            .map(StoredPanel::label)
            .collect();
        match before {
            Some(row) => {
                let mut update: workbenches::ActiveModel = row.into();
                update.content = Set(json);
                update.updated_at = Set(now);
                update.update(&txn).await?;
            }
            None => {
                workbenches::ActiveModel {
                    user_id: Set(user_id),
                    content: Set(json),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
        let mut description = format!(
            "workbench kept in the account: {}, {}",
            count(content.panels.len(), "panel", "panels"),
            count(
                content.left_out_uploads.len(),
                "upload left out",
                "uploads left out"
            ),
        );
        for (what, list) in [
            ("added", &added),
            ("removed", &removed),
            ("choices changed", &rechosen),
        ] {
            if !list.is_empty() {
                description.push_str(&format!("; {what}: {}", list.join(", ")));
            }
        }
        let record = AuditRecord::new(AuditAction::ProfileUpdate, description)
            .resource(AuditResourceKind::Workbench, user_id)
            .details(json!({
                "panels": content.panels.len(),
                "leftOutUploads": content.left_out_uploads.len(),
                "added": added, "removed": removed, "choicesChanged": rechosen,
            }));
        self.audit.commit(txn, principal, record).await?;
        Ok(Stored {
            content,
            updated_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(id: u32, version: &str) -> StoredPanel {
        StoredPanel {
            source: Source::Uk,
            panel_id: id,
            version: version.to_owned(),
            confidence: vec![Confidence::Green],
            types: vec![EntityType::Gene],
        }
    }

    fn field_of(content: &Content) -> Option<String> {
        validate(content).err().map(|e| e.message)
    }

    #[test]
    fn a_workbench_is_bounded_and_names_the_bad_entry() {
        let ok = Content {
            panels: vec![panel(402, "8.125"), panel(402, "8.124")],
            left_out_uploads: vec!["u1".to_owned()],
        };
        assert_eq!(field_of(&ok), None);
        let twice = Content {
            panels: vec![panel(402, "8.125"), panel(398, "1.0"), panel(402, "8.125")],
            ..Content::default()
        };
        assert_eq!(
            field_of(&twice).unwrap(),
            "panels[2]: PanelApp UK panel 402 v8.125 is listed twice"
        );
        let bad_version = Content {
            panels: vec![panel(402, "latest")],
            ..Content::default()
        };
        assert!(
            field_of(&bad_version)
                .unwrap()
                .starts_with("panels[0]: \"latest\"")
        );
        let many = Content {
            panels: (0..=MAX_PANELS as u32).map(|i| panel(i, "1.0")).collect(),
            ..Content::default()
        };
        assert!(
            field_of(&many)
                .unwrap()
                .contains("at most 100 panels, not 101")
        );
        let long_id = Content {
            left_out_uploads: vec!["x".repeat(65)],
            ..Content::default()
        };
        assert!(field_of(&long_id).unwrap().starts_with("leftOutUploads[0]"));
    }
}
