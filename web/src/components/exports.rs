//! What every download control shares: the names of the export formats and the export
//! template picker (with the one-line summary of what a template keeps).

use leptos::prelude::*;
use shared::EntityType;

use crate::api::graphql;
use crate::components::Loaded;
use crate::queries::{ExportFormat, ExportTemplates, export_templates};

/// An export template the caller may apply.
pub type Template = export_templates::ExportTemplatesExportTemplatesNodes;

/// The button label of an export format.
pub fn format_label(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Xlsx => "Excel (XLSX)",
        ExportFormat::XlsxFlask => "Excel, Flask layout (XLSX)",
        ExportFormat::Csv => "CSV",
        ExportFormat::Tsv => "TSV",
        ExportFormat::Json => "JSON",
        ExportFormat::BedGrch37 => "BED GRCh37",
        ExportFormat::BedGrch38 => "BED GRCh38",
    }
}

/// The templates the caller may apply, loaded once per component.
pub fn load_templates() -> LocalResource<Result<Vec<Template>, crate::api::ApiError>> {
    LocalResource::new(|| async {
        graphql::<ExportTemplates>(export_templates::Variables)
            .await
            .map(|d| d.export_templates.nodes)
    })
}

/// The plural name of an entity type, as template options show it.
pub fn type_label(kind: EntityType) -> &'static str {
    match kind {
        EntityType::Gene => "Genes",
        EntityType::Str => "STRs",
        EntityType::Region => "Regions",
    }
}

/// One line saying what a template keeps.
pub fn summary(t: &Template) -> String {
    let columns = if t.columns.is_empty() {
        "every column".to_owned()
    } else {
        t.columns
            .iter()
            .map(|c| c.header())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ratings = if t.ratings.is_empty() {
        "every rating".to_owned()
    } else {
        t.ratings
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unrated = if t.include_unrated {
        "unrated kept"
    } else {
        "unrated dropped"
    };
    let types = if t.entity_types.is_empty() {
        "every entity type".to_owned()
    } else {
        t.entity_types
            .iter()
            .map(|k| type_label(*k))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{} · columns: {columns} · ratings: {ratings} ({unrated}) · {types}",
        format_label(t.format)
    )
}

/// A template chooser: "No template" or one the caller may apply. `chosen` holds the
/// template's id.
#[component]
pub fn TemplatePicker(
    chosen: RwSignal<Option<String>>,
    /// The select's id.
    id: &'static str,
) -> impl IntoView {
    let user = crate::auth::use_current_user();
    let templates = load_templates();
    move || {
        user.me().is_some().then(|| {
            view! {
                <label class="template-picker">
                    "Template "
                    <Loaded
                        resource=templates
                        loading="Loading templates…"
                        error="Templates could not be loaded."
                        view=move |list| {
                            let options = list
                                .into_iter()
                                .map(|t| {
                                    let title = summary(&t);
                                    view! { <option value=t.id.clone() title=title>{t.name}</option> }
                                })
                                .collect_view();
                            view! {
                                <select
                                    id=id
                                    on:change=move |ev| {
                                        let value = event_target_value(&ev);
                                        chosen.set(Some(value).filter(|v| !v.is_empty()));
                                    }
                                >
                                    <option value="">"No template"</option>
                                    {options}
                                </select>
                            }
                        }
                    />
                    " "
                    <a href="/templates">"Manage templates"</a>
                </label>
            }
        })
    }
}
