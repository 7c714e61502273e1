//! Export templates (issue 14.5): saved export settings — format, the combined list's columns,
//! rating and entity-type filters, per-source sheets, the BED `chr` prefix — that the exports
//! (`exportMerge`, `exportSavedPanel`, `exportSavedPanels`) apply by id.
//!
//! Who may do what (see `auth::permissions`): every account sees and applies its own templates
//! and those shared with a team it is in; USER and above create templates and change or delete
//! their own (a team's members apply a team template but do not change it); EDITOR and above
//! manage every template. Each write is one transaction with its
//! `PANEL_EXPORT_TEMPLATE_CREATE/UPDATE/DELETE` audit row.

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use entity::{export_templates, teams};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, ModelTrait, QueryFilter, Select,
};
use serde_json::{Value, json};
use shared::AuditResourceKind;
use shared::{
    AuditAction, Confidence, EntityType, ErrorCode, ExportColumn, ExportFormat, ExportSettings,
    Role,
};

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::auth::permissions::Action;
use crate::error::{AppError, AppResult};
use crate::paging::{Place, RowPage, SortedBy, Span, read_span};

/// Longest name (as the Flask version's).
pub const MAX_NAME_LEN: usize = 100;
/// Longest description (as the Flask version's).
pub const MAX_DESCRIPTION_LEN: usize = 255;

/// What the signed-in principal may do with templates, read from the permission table once.
#[derive(Debug, Clone, Copy)]
pub struct TemplateUser {
    pub id: i32,
    pub role: Role,
    /// Manages every template (EDITOR and above).
    manages_all: bool,
    /// Keeps templates of their own (USER and above).
    keeps: bool,
}

impl TemplateUser {
    /// The signed-in principal's template rights; UNAUTHENTICATED for visitors.
    pub fn of(principal: &Principal) -> AppResult<Self> {
        let account = principal.require_user()?;
        Ok(Self {
            id: account.id(),
            role: account.role(),
            manages_all: principal.require(Action::ManageExportTemplates).is_ok(),
            keeps: principal.require(Action::KeepExportTemplates).is_ok(),
        })
    }

    /// Whether the role manages every template (EDITOR and above).
    pub fn manages_all(self) -> bool {
        self.manages_all
    }

    /// Whether this user may change or delete `row`.
    pub fn may_change(self, row: &export_templates::Model) -> bool {
        self.manages_all || (row.owner_id == self.id && self.keeps)
    }
}

/// An export template as the caller sees it: its settings read, its team named, and whether
/// the caller may change it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateView {
    pub id: i32,
    pub owner_id: i32,
    /// The team it is shared with, by id and name.
    pub team: Option<(i32, String)>,
    /// The caller may change or delete it.
    pub can_edit: bool,
    pub name: String,
    pub description: Option<String>,
    pub settings: ExportSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TemplateView {
    /// Its place in the list (by name).
    pub fn place(&self) -> Place<String> {
        Place {
            value: self.name.clone(),
            id: self.id,
        }
    }
}

/// A change to a template: `None` keeps a field as it is; for `description` and `team_id`,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TemplatePatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub team_id: Option<Option<i32>>,
    pub format: Option<ExportFormat>,
    pub columns: Option<Vec<ExportColumn>>,
    pub ratings: Option<Vec<Confidence>>,
    pub include_unrated: Option<bool>,
    pub entity_types: Option<Vec<EntityType>>,
    pub per_source_sheets: Option<bool>,
    pub chr_prefix: Option<bool>,
}

impl TemplatePatch {
    /// Every field of `row` with this change applied.
    fn apply(self, row: &export_templates::Model) -> AppResult<TemplateFields> {
        let mut settings = settings(row)?;
        if let Some(format) = self.format {
            settings.format = format;
        }
        if let Some(columns) = self.columns {
            settings.columns = columns;
        }
        if let Some(ratings) = self.ratings {
            settings.ratings = ratings;
        }
        if let Some(types) = self.entity_types {
            settings.entity_types = types;
        }
        settings.include_unrated = self.include_unrated.unwrap_or(settings.include_unrated);
        settings.per_source_sheets = self.per_source_sheets.unwrap_or(settings.per_source_sheets);
        settings.chr_prefix = self.chr_prefix.unwrap_or(settings.chr_prefix);
        Ok(TemplateFields {
            name: self.name.unwrap_or_else(|| row.name.clone()),
            description: self.description.unwrap_or_else(|| row.description.clone()),
            team_id: self.team_id.unwrap_or(row.team_id),
            settings,
        })
    }
}

/// What an export gives beside a template, over the template's own settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettingsOverride {
    pub format: Option<ExportFormat>,
    pub per_source_sheets: Option<bool>,
    pub chr_prefix: Option<bool>,
}

/// A new template, or every field of a changed one.
#[derive(Debug, Clone)]
pub struct TemplateFields {
    pub name: String,
    pub description: Option<String>,
    pub team_id: Option<i32>,
    pub settings: ExportSettings,
}

fn join<T: Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn split<T: FromStr>(text: &str, what: &str) -> AppResult<Vec<T>> {
    text.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| AppError::internal(format!("export template {what}: {v:?}")))
        })
        .collect()
}

/// The export settings a template row keeps.
pub fn settings(row: &export_templates::Model) -> AppResult<ExportSettings> {
    Ok(ExportSettings {
        format: row.format,
        columns: split(&row.columns, "column")?,
        ratings: split(&row.ratings, "rating")?,
        include_unrated: row.include_unrated,
        entity_types: split(&row.entity_types, "entity type")?,
        per_source_sheets: row.per_source_sheets,
        chr_prefix: row.chr_prefix,
    })
}

/// A VALIDATION error naming the setting's field, when the settings do not go together.
pub fn check_settings(settings: &ExportSettings) -> AppResult<()> {
    settings
        .check()
        .map_err(|e| AppError::invalid_field(e.field, e.message))
}

/// What the audit row records of a template.
fn described(row: &export_templates::Model) -> Value {
    json!({
        "name": row.name,
        "description": row.description,
        "owner": row.owner_id,
        "team": row.team_id,
        "format": row.format,
        "columns": row.columns,
        "ratings": row.ratings,
        "includeUnrated": row.include_unrated,
        "entityTypes": row.entity_types,
        "perSourceSheets": row.per_source_sheets,
        "chrPrefix": row.chr_prefix,
    })
}

fn taken(name: &str) -> AppError {
    AppError::conflict(format!(
        "you already have an export template named {name:?}"
    ))
    .with("field", "name")
}

/// Whether `owner` has another template named `name` (not `except`).
async fn name_taken(
    db: &impl ConnectionTrait,
    owner: i32,
    name: &str,
    except: Option<i32>,
) -> AppResult<bool> {
    let mut query = export_templates::Entity::find()
        .filter(export_templates::Column::OwnerId.eq(owner))
        .filter(export_templates::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(export_templates::Column::Id.ne(id));
    }
    Ok(query.one(db).await?.is_some())
}

fn conflict_on_name(name: &str) -> impl Fn(sea_orm::DbErr) -> AppError + '_ {
    move |e| match AppError::from(e) {
        err if err.code == ErrorCode::Conflict => taken(name),
        err => err,
    }
}

/// Saved export settings, personal or a team's. Built once with the state.
#[derive(Clone, Debug)]
pub struct ExportTemplates {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
}

impl ExportTemplates {
    /// A page of the templates the caller sees, by name: their own and their teams' (every
    /// template with `everyone`, for EDITOR and above; FORBIDDEN otherwise).
    pub async fn page(
        &self,
        principal: &Principal,
        everyone: bool,
        span: Span<Place<String>>,
    ) -> AppResult<RowPage<TemplateView>> {
        let by_name = SortedBy {
            column: export_templates::Column::Name,
            descending: false,
            id: export_templates::Column::Id,
        };
        let query = self.list_query(principal, everyone).await?;
        let read = read_span(&self.db, query, by_name, &span.map(Place::values)).await?;
        Ok(RowPage {
            rows: self.views(principal, read.rows).await?,
            more: read.more,
            total: read.total,
        })
    }

    /// Template `id` as the caller sees it, if they may apply it (NOT_FOUND otherwise).
    pub async fn one(&self, principal: &Principal, id: i32) -> AppResult<TemplateView> {
        let row = self.usable(principal, id).await?;
        self.view(principal, row).await
    }

    async fn view(
        &self,
        principal: &Principal,
        row: export_templates::Model,
    ) -> AppResult<TemplateView> {
        self.views(principal, vec![row])
            .await?
            .pop()
            .ok_or_else(|| AppError::internal("an export template went missing"))
    }

    /// `rows` as the caller sees them, their teams' names read in one query.
    async fn views(
        &self,
        principal: &Principal,
        rows: Vec<export_templates::Model>,
    ) -> AppResult<Vec<TemplateView>> {
        let who = TemplateUser::of(principal)?;
        let ids: Vec<i32> = rows.iter().filter_map(|r| r.team_id).collect();
        let names = super::teams::names(&self.db, ids).await?;
        rows.into_iter()
            .map(|row| {
                Ok(TemplateView {
                    settings: settings(&row)?,
                    can_edit: who.may_change(&row),
                    team: row
                        .team_id
                        .map(|t| (t, names.get(&t).cloned().unwrap_or_default())),
                    id: row.id,
                    owner_id: row.owner_id,
                    name: row.name,
                    description: row.description,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                })
            })
            .collect()
    }

    /// The settings an export applies: without a template its own (`format` required:
    /// VALIDATION naming it), else template `template`'s (one the caller may apply: NOT_FOUND
    /// with `field: template` otherwise) with what the export gives over them, checked together
    /// (VALIDATION naming the field). The flag says whether a template was applied.
    pub async fn export_settings(
        &self,
        principal: &Principal,
        template: Option<i32>,
        given: SettingsOverride,
    ) -> AppResult<(ExportSettings, bool)> {
        let mut settings = match template {
            None => ExportSettings::plain(given.format.ok_or_else(|| {
                AppError::invalid_field("format", "choose a format (or a template)")
            })?),
            Some(id) => {
                principal.require(Action::UseExportTemplates)?;
                let row = self
                    .usable(principal, id)
                    .await
                    .map_err(|e| e.with("field", "template"))?;
                settings(&row)?
            }
        };
        settings.format = given.format.unwrap_or(settings.format);
        settings.per_source_sheets = given
            .per_source_sheets
            .unwrap_or(settings.per_source_sheets);
        settings.chr_prefix = given.chr_prefix.unwrap_or(settings.chr_prefix);
        if template.is_some() {
            // A template's settings and what the export gives may not go together; an
            // export's own settings are taken as given, as before templates.
            check_settings(&settings)?;
        }
        Ok((settings, template.is_some()))
    }

    /// The templates `who` sees (unordered).
    async fn list_query(
        &self,
        principal: &Principal,
        everyone: bool,
    ) -> AppResult<Select<export_templates::Entity>> {
        let who = TemplateUser::of(principal)?;
        let query = export_templates::Entity::find();
        if everyone {
            principal.require(Action::ManageExportTemplates)?;
            return Ok(query);
        }
        let teams = super::teams::team_ids(&self.db, who.id).await?;
        let mut visible = Condition::any().add(export_templates::Column::OwnerId.eq(who.id));
        if !teams.is_empty() {
            visible = visible.add(export_templates::Column::TeamId.is_in(teams));
        }
        Ok(query.filter(visible))
    }

    /// Template `id` if `who` may apply it (theirs, their team's, or any for EDITOR and above);
    /// NOT_FOUND otherwise, so others' templates stay unseen.
    async fn usable(&self, principal: &Principal, id: i32) -> AppResult<export_templates::Model> {
        let who = TemplateUser::of(principal)?;
        let missing = || AppError::not_found(format!("export template {id}"));
        let row = export_templates::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(missing)?;
        if row.owner_id == who.id || who.manages_all() {
            return Ok(row);
        }
        match row.team_id {
            Some(team)
                if super::teams::team_ids(&self.db, who.id)
                    .await?
                    .contains(&team) =>
            {
                Ok(row)
            }
            _ => Err(missing()),
        }
    }

    /// Checks the name, description, team and settings; returns the trimmed name and
    /// description.
    async fn checked(
        &self,
        who: TemplateUser,
        fields: &TemplateFields,
    ) -> AppResult<(String, Option<String>)> {
        let name = crate::error::required_text("name", &fields.name, MAX_NAME_LEN)?;
        let description = crate::error::optional_text(
            "description",
            fields.description.as_deref(),
            MAX_DESCRIPTION_LEN,
        )?;
        if let Some(team) = fields.team_id {
            if teams::Entity::find_by_id(team)
                .one(&self.db)
                .await?
                .is_none()
            {
                return Err(AppError::not_found(format!("team {team}")).with("field", "teamId"));
            }
            if who.role != Role::Admin
                && !super::teams::team_ids(&self.db, who.id)
                    .await?
                    .contains(&team)
            {
                return Err(AppError::invalid_field(
                    "teamId",
                    "a template can be shared only with a team you are in",
                ));
            }
        }
        check_settings(&fields.settings)?;
        Ok((name, description))
    }

    /// Creates a template owned by `who`.
    pub async fn create(
        &self,
        principal: &Principal,
        fields: TemplateFields,
    ) -> AppResult<TemplateView> {
        let who = TemplateUser::of(principal)?;
        principal.require(Action::KeepExportTemplates)?;
        let (name, description) = self.checked(who, &fields).await?;
        let s = &fields.settings;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        if name_taken(&txn, who.id, &name, None).await? {
            return Err(taken(&name));
        }
        let row = export_templates::ActiveModel {
            owner_id: Set(who.id),
            team_id: Set(fields.team_id),
            name: Set(name.clone()),
            description: Set(description),
            format: Set(s.format),
            columns: Set(join(&s.columns)),
            ratings: Set(join(&s.ratings)),
            include_unrated: Set(s.include_unrated),
            entity_types: Set(join(&s.entity_types)),
            per_source_sheets: Set(s.per_source_sheets),
            chr_prefix: Set(s.chr_prefix),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(conflict_on_name(&name))?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelExportTemplateCreate,
                    format!("export template \u{201c}{}\u{201d} created", row.name),
                )
                .resource(AuditResourceKind::ExportTemplate, row.id)
                .change(None, Some(described(&row))),
            )
            .await?;
        self.view(principal, row).await
    }

    /// The template `id` if `who` may change it: NOT_FOUND when they can not see it, FORBIDDEN
    /// when they may only apply it (a team's member).
    async fn changeable(
        &self,
        principal: &Principal,
        who: TemplateUser,
        id: i32,
    ) -> AppResult<export_templates::Model> {
        let row = self.usable(principal, id).await?;
        if who.may_change(&row) {
            Ok(row)
        } else {
            Err(AppError::forbidden(
                "only the template's owner (or an EDITOR) changes it; its team's members apply it",
            )
            .with("reason", "not_owner"))
        }
    }

    /// Changes template `id`: what `patch` gives, the rest kept.
    pub async fn update(
        &self,
        principal: &Principal,
        id: i32,
        patch: TemplatePatch,
    ) -> AppResult<TemplateView> {
        let who = TemplateUser::of(principal)?;
        let row = self.changeable(principal, who, id).await?;
        let fields = patch.apply(&row)?;
        if fields.team_id != row.team_id {
            self.checked(who, &fields).await?;
        } else {
            // The team stays as it was, even for someone who is not in it (an EDITOR).
            let unchanged_team = TemplateFields {
                team_id: None,
                ..fields.clone()
            };
            self.checked(who, &unchanged_team).await?;
        }
        let name = fields.name.trim().to_owned();
        let description = fields
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        let s = &fields.settings;
        let txn = crate::db::begin_write(&self.db).await?;
        if name_taken(&txn, row.owner_id, &name, Some(row.id)).await? {
            return Err(taken(&name));
        }
        let before = described(&row);
        let mut active: export_templates::ActiveModel = row.into();
        active.name = Set(name.clone());
        active.description = Set(description);
        active.team_id = Set(fields.team_id);
        active.format = Set(s.format);
        active.columns = Set(join(&s.columns));
        active.ratings = Set(join(&s.ratings));
        active.include_unrated = Set(s.include_unrated);
        active.entity_types = Set(join(&s.entity_types));
        active.per_source_sheets = Set(s.per_source_sheets);
        active.chr_prefix = Set(s.chr_prefix);
        active.updated_at = Set(Utc::now());
        let row = active.update(&txn).await.map_err(conflict_on_name(&name))?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelExportTemplateUpdate,
                    format!("export template \u{201c}{}\u{201d} changed", row.name),
                )
                .resource(AuditResourceKind::ExportTemplate, row.id)
                .change(Some(before), Some(described(&row))),
            )
            .await?;
        self.view(principal, row).await
    }

    /// Deletes template `id`.
    pub async fn delete(&self, principal: &Principal, id: i32) -> AppResult<()> {
        let who = TemplateUser::of(principal)?;
        let row = self.changeable(principal, who, id).await?;
        let before = described(&row);
        let (id, name) = (row.id, row.name.clone());
        let txn = crate::db::begin_write(&self.db).await?;
        row.delete(&txn).await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelExportTemplateDelete,
                    format!("export template \u{201c}{name}\u{201d} deleted"),
                )
                .resource(AuditResourceKind::ExportTemplate, id)
                .change(Some(before), None),
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use shared::{Confidence, ErrorCode, ExportColumn, ExportFormat, ExportSettings, TeamRole};

    use super::{SettingsOverride, TemplateFields, TemplatePatch};
    use crate::state::AppState;

    /// A template comes out as its caller sees it (settings read back, team named, whether
    /// they may change it); a change keeps what it does not name; an export's own settings go
    /// over the template's.
    #[tokio::test]
    async fn templates_are_seen_changed_and_applied_through_the_service() {
        let (state, _dir) = AppState::for_tests().await;
        let (_, owner) = state.test_user("owner").await;
        let (member_row, member) = state.test_user("member").await;
        let lab = state.teams.create(&owner, "Lab", None).await.unwrap();
        state
            .teams
            .add_member(&owner, lab.id, member_row.id, TeamRole::Member)
            .await
            .unwrap();
        let settings = ExportSettings {
            columns: vec![ExportColumn::GeneSymbol, ExportColumn::Panels],
            ratings: vec![Confidence::Green],
            ..ExportSettings::plain(ExportFormat::Csv)
        };
        let templates = &state.export_templates;
        let made = templates
            .create(
                &owner,
                TemplateFields {
                    name: " Greens ".into(),
                    description: Some("green genes only".into()),
                    team_id: Some(lab.id),
                    settings: settings.clone(),
                },
            )
            .await
            .unwrap();
        assert_eq!(made.name, "Greens");
        assert_eq!(made.settings, settings);
        assert_eq!(made.team, Some((lab.id, "Lab".to_owned())));
        assert!(made.can_edit);

        let seen = templates.one(&member, made.id).await.unwrap();
        assert!(!seen.can_edit, "a team's member applies it, not changes it");
        assert_eq!(seen.settings, settings);
        let refused = templates
            .update(&member, made.id, TemplatePatch::default())
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);

        let changed = templates
            .update(
                &owner,
                made.id,
                TemplatePatch {
                    description: Some(None),
                    include_unrated: Some(false),
                    ..TemplatePatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(changed.name, "Greens");
        assert_eq!(changed.description, None);
        assert_eq!(changed.team, made.team);
        assert_eq!(
            changed.settings,
            ExportSettings {
                include_unrated: false,
                ..settings.clone()
            }
        );

        let given = SettingsOverride {
            format: Some(ExportFormat::Tsv),
            ..SettingsOverride::default()
        };
        let (applied, templated) = templates
            .export_settings(&member, Some(made.id), given)
            .await
            .unwrap();
        assert!(templated);
        assert_eq!(
            (applied.format, applied.columns),
            (ExportFormat::Tsv, settings.columns)
        );
        let (own, templated) = templates
            .export_settings(&member, None, given)
            .await
            .unwrap();
        assert!(!templated);
        assert_eq!(own, ExportSettings::plain(ExportFormat::Tsv));
        let missing = templates
            .export_settings(&member, Some(made.id + 50), given)
            .await
            .unwrap_err();
        assert_eq!(missing.code, ErrorCode::NotFound);
        assert_eq!(missing.extensions["field"], "template");
        let no_format = templates
            .export_settings(&member, None, SettingsOverride::default())
            .await
            .unwrap_err();
        assert_eq!(no_format.extensions["field"], "format");
    }
}
