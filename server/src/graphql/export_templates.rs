//! Export templates over GraphQL (issue 14.5): list, create, change, delete; the exports take
//! a template's id (`template`) and use its settings. See `services::export_templates` for
//! who may do what.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::{Confidence, EntityType, ExportColumn, ExportFormat, ExportSettings};

use super::ContextExt;
use super::node::{Kind, global_id, int_id};
use super::paging::{self, Page, PageArgs};
use super::saved::types::Person;
use crate::auth::permissions::Action;
use crate::error::AppResult;
use crate::services::export_templates::{
    SettingsOverride, TemplateFields, TemplatePatch, TemplateView,
};

/// The team an export template is shared with.
#[derive(SimpleObject, Clone)]
pub struct ExportTemplateTeam {
    /// The team's global id.
    pub id: ID,
    /// The team's name.
    pub name: String,
}

/// Saved export settings: the format, the combined list's columns, which rows to keep and the
/// format's options. Pass its `id` as `template` to `exportMerge`, `exportSavedPanel` or
/// `exportSavedPanels`.
#[derive(SimpleObject)]
pub struct ExportTemplate {
    /// The global id (see `Node`).
    #[graphql(owned)]
    pub id: ID,
    /// The template's number in this server's database.
    pub database_id: i32,
    /// 1 to 100 characters, unique among its owner's templates.
    pub name: String,
    /// What the template is for; null when not given.
    pub description: Option<String>,
    /// Who owns it.
    pub owner: Person,
    /// The team whose members may apply it; null when it is not shared.
    pub team: Option<ExportTemplateTeam>,
    /// The file format.
    pub format: ExportFormat,
    /// The combined list's columns in order (XLSX, CSV, TSV); empty: every column.
    pub columns: Vec<ExportColumn>,
    /// Rows kept by rating (the lab's own rating of a saved panel's gene, else the best
    /// rating its sources give); empty: every rating.
    pub ratings: Vec<Confidence>,
    /// Whether rows no source rates (genes only in uploads or added by hand) are kept.
    pub include_unrated: bool,
    /// Rows kept by entity type; empty: every type.
    pub entity_types: Vec<EntityType>,
    /// XLSX: one sheet per source; XLSX_FLASK: Flask's "original panels" sheets.
    pub per_source_sheets: bool,
    /// BED: `chr1` rather than `1`.
    pub chr_prefix: bool,
    /// Whether you may change or delete it (its owner, or an EDITOR and above); team members
    /// apply it only.
    pub can_edit: bool,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// A new export template.
#[derive(InputObject)]
pub struct ExportTemplateInput {
    /// 1 to 100 characters (VALIDATION); CONFLICT (`field: name`) when you have a template of
    /// that name.
    pub name: String,
    /// At most 255 characters.
    pub description: Option<String>,
    /// A team you are in, whose members may then apply the template (VALIDATION with
    /// `field: teamId` otherwise).
    pub team_id: Option<ID>,
    /// The file format.
    pub format: ExportFormat,
    /// The combined list's columns in order, for XLSX, CSV and TSV only, each once, with
    /// GENE_SYMBOL among them (VALIDATION with `field: columns` otherwise). Default: every
    /// column.
    #[graphql(default)]
    pub columns: Vec<ExportColumn>,
    /// Keep rows of these ratings only. Default: every rating.
    #[graphql(default)]
    pub ratings: Vec<Confidence>,
    /// Keep rows no source rates (default true).
    #[graphql(default = true)]
    pub include_unrated: bool,
    /// Keep rows of these entity types only. Default: every type.
    #[graphql(default)]
    pub entity_types: Vec<EntityType>,
    /// XLSX or XLSX_FLASK only (VALIDATION with `field: perSourceSheets` otherwise). Default:
    /// true for XLSX_FLASK, else false.
    pub per_source_sheets: Option<bool>,
    /// BED: `chr1` rather than `1` (default true).
    #[graphql(default = true)]
    pub chr_prefix: bool,
}

/// Changes to an export template: absent fields stay as they are.
#[derive(InputObject, Default)]
pub struct ExportTemplatePatch {
    /// 1 to 100 characters; CONFLICT when the owner has another template of that name.
    pub name: Option<String>,
    /// At most 255 characters; null removes it.
    pub description: MaybeUndefined<String>,
    /// A team you are in; null stops sharing.
    pub team_id: MaybeUndefined<ID>,
    /// The file format (the other settings are checked against it).
    pub format: Option<ExportFormat>,
    /// The combined list's columns in order; empty: every column.
    pub columns: Option<Vec<ExportColumn>>,
    /// Keep rows of these ratings only; empty: every rating.
    pub ratings: Option<Vec<Confidence>>,
    /// Keep rows no source rates.
    pub include_unrated: Option<bool>,
    /// Keep rows of these entity types only; empty: every type.
    pub entity_types: Option<Vec<EntityType>>,
    /// XLSX or XLSX_FLASK: per-source sheets.
    pub per_source_sheets: Option<bool>,
    /// BED: `chr1` rather than `1`.
    pub chr_prefix: Option<bool>,
}

impl From<TemplateView> for ExportTemplate {
    fn from(t: TemplateView) -> Self {
        let settings = t.settings;
        ExportTemplate {
            id: global_id(Kind::ExportTemplate, t.id),
            database_id: t.id,
            owner: Person::lazy(t.owner_id),
            team: t.team.map(|(id, name)| ExportTemplateTeam {
                id: global_id(Kind::Team, id),
                name,
            }),
            can_edit: t.can_edit,
            name: t.name,
            description: t.description,
            format: settings.format,
            columns: settings.columns,
            ratings: settings.ratings,
            include_unrated: settings.include_unrated,
            entity_types: settings.entity_types,
            per_source_sheets: settings.per_source_sheets,
            chr_prefix: settings.chr_prefix,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// `node(id:)` for an `ExportTemplate`: one you may apply.
pub async fn template_node(ctx: &Context<'_>, id: i32) -> AppResult<ExportTemplate> {
    ctx.require(Action::UseExportTemplates)?;
    let template = ctx
        .state()
        .export_templates
        .one(ctx.principal(), id)
        .await?;
    Ok(template.into())
}

/// The settings of template `id` for an export, with the export's own `format`,
/// `perSourceSheets` and `chrPrefix` (when given) over the template's, checked together
/// (VALIDATION naming the field). Without a template: the export's own, `format` required.
pub async fn export_settings(
    ctx: &Context<'_>,
    template: Option<&ID>,
    format: Option<ExportFormat>,
    per_source_sheets: Option<bool>,
    chr_prefix: Option<bool>,
) -> AppResult<(ExportSettings, bool)> {
    if template.is_some() {
        ctx.require(Action::UseExportTemplates)?;
    }
    let template = template
        .map(|id| int_id(id, Kind::ExportTemplate).map_err(|e| e.with("field", "template")))
        .transpose()?;
    let given = SettingsOverride {
        format,
        per_source_sheets,
        chr_prefix,
    };
    ctx.state()
        .export_templates
        .export_settings(ctx.principal(), template, given)
        .await
}

#[derive(Default)]
pub struct ExportTemplatesQuery;

#[Object]
impl ExportTemplatesQuery {
    /// The export templates you may apply, by name: your own and those shared with your
    /// teams (`everyone`: every template, EDITOR and above). 100 per page unless
    /// `first`/`last` say otherwise, at most 500.
    #[graphql(complexity = "paging::hundreds(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn export_templates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Every template on the server (EDITOR and above; FORBIDDEN otherwise).")]
        everyone: Option<bool>,
        #[graphql(desc = "Templates from the start (by name), 1 to 500.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Templates from the end, 1 to 500.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<ExportTemplate>> {
        ctx.require(Action::UseExportTemplates)?;
        let (span, places) = PageArgs::new(first, after, last, before).placed(
            "exportTemplates",
            paging::DEFAULT_ROWS,
            paging::MAX_ROWS,
        )?;
        let read = ctx
            .state()
            .export_templates
            .page(ctx.principal(), everyone.unwrap_or(false), places)
            .await?;
        let templates = read
            .rows
            .into_iter()
            .map(|t| (t.place().to_key(), ExportTemplate::from(t)));
        Ok(span.connection(templates, read.more, read.total))
    }
}

#[derive(Default)]
pub struct ExportTemplatesMutation;

#[Object]
impl ExportTemplatesMutation {
    /// Saves export settings as a template of yours (USER and above), optionally shared with
    /// a team you are in. Settings that do not go together are VALIDATION naming the field.
    async fn create_export_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template.")] input: ExportTemplateInput,
    ) -> Result<ExportTemplate> {
        ctx.require(Action::KeepExportTemplates)?;
        let team_id = match &input.team_id {
            Some(id) => Some(int_id(id, Kind::Team).map_err(|e| e.with("field", "teamId"))?),
            None => None,
        };
        let fields = TemplateFields {
            name: input.name,
            description: input.description,
            team_id,
            settings: ExportSettings {
                format: input.format,
                columns: input.columns,
                ratings: input.ratings,
                include_unrated: input.include_unrated,
                entity_types: input.entity_types,
                per_source_sheets: input
                    .per_source_sheets
                    .unwrap_or(input.format == ExportFormat::XlsxFlask),
                chr_prefix: input.chr_prefix,
            },
        };
        let template = ctx
            .state()
            .export_templates
            .create(ctx.principal(), fields)
            .await?;
        Ok(template.into())
    }

    /// Changes a template: its owner, or an EDITOR and above (FORBIDDEN for a team's members,
    /// NOT_FOUND for others).
    async fn update_export_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template's id.")] id: ID,
        #[graphql(desc = "What to change; absent fields stay.")] patch: ExportTemplatePatch,
    ) -> Result<ExportTemplate> {
        ctx.require(Action::UseExportTemplates)?;
        let id = int_id(&id, Kind::ExportTemplate)?;
        let team_id = match &patch.team_id {
            MaybeUndefined::Value(team) => Some(Some(
                int_id(team, Kind::Team).map_err(|e| e.with("field", "teamId"))?,
            )),
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Undefined => None,
        };
        let change = TemplatePatch {
            name: patch.name,
            description: match patch.description {
                MaybeUndefined::Value(d) => Some(Some(d)),
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Undefined => None,
            },
            team_id,
            format: patch.format,
            columns: patch.columns,
            ratings: patch.ratings,
            include_unrated: patch.include_unrated,
            entity_types: patch.entity_types,
            per_source_sheets: patch.per_source_sheets,
            chr_prefix: patch.chr_prefix,
        };
        let template = ctx
            .state()
            .export_templates
            .update(ctx.principal(), id, change)
            .await?;
        Ok(template.into())
    }

    /// Deletes a template: its owner, or an EDITOR and above (FORBIDDEN for a team's members,
    /// NOT_FOUND for others).
    async fn delete_export_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template's id.")] id: ID,
    ) -> Result<bool> {
        ctx.require(Action::UseExportTemplates)?;
        ctx.state()
            .export_templates
            .delete(ctx.principal(), int_id(&id, Kind::ExportTemplate)?)
            .await?;
        Ok(true)
    }
}
