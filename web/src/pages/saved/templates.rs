//! `/templates` — export templates (issue 14.5): saved export settings (format, the combined
//! list's columns, which ratings and entity types to keep, per-source sheets, the BED `chr`
//! prefix), created, changed, deleted and shared with a team; and the template picker the
//! download controls use to export with one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use shared::{Confidence, EntityType, ExportColumn, ExportFormat};

use super::common::error_message;
use crate::api::{graphql, navigate_to};
use crate::components::Loaded;
use crate::components::exports::{
    Template, TemplatePicker, format_label, load_templates, summary, type_label,
};
use crate::queries::{
    CreateExportTemplate, DeleteExportTemplate, ExportSavedPanelWithTemplate,
    ExportSavedPanelsWithTemplate, MyTeams, UpdateExportTemplate, create_export_template,
    delete_export_template, export_saved_panel_with_template, export_saved_panels_with_template,
    my_teams, update_export_template,
};
use crate::roles::{Act, IfAllowed};

/// What the form edits.
#[derive(Clone, Default)]
struct Draft {
    /// The template being changed; `None` for a new one.
    id: Option<String>,
    name: String,
    description: String,
    team_id: String,
    format: Option<ExportFormat>,
    columns: Vec<ExportColumn>,
    ratings: Vec<Confidence>,
    include_unrated: bool,
    entity_types: Vec<EntityType>,
    per_source_sheets: bool,
    chr_prefix: bool,
}

impl Draft {
    fn new() -> Self {
        Self {
            format: Some(ExportFormat::Csv),
            include_unrated: true,
            chr_prefix: true,
            ..Self::default()
        }
    }

    fn of(t: &Template) -> Self {
        Self {
            id: Some(t.id.clone()),
            name: t.name.clone(),
            description: t.description.clone().unwrap_or_default(),
            team_id: t.team.as_ref().map(|t| t.id.clone()).unwrap_or_default(),
            format: Some(t.format),
            columns: t.columns.clone(),
            ratings: t.ratings.clone(),
            include_unrated: t.include_unrated,
            entity_types: t.entity_types.clone(),
            per_source_sheets: t.per_source_sheets,
            chr_prefix: t.chr_prefix,
        }
    }
}

/// Toggles `value` in a list kept in canonical order.
fn toggle<T: Copy + PartialEq>(list: &mut Vec<T>, all: &[T], value: T, on: bool) {
    list.retain(|v| *v != value);
    if on {
        list.push(value);
    }
    list.sort_by_key(|v| all.iter().position(|a| a == v));
}

/// `/templates`.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let templates = load_templates();
    let reload = Callback::new(move |()| templates.refetch());
    let draft = RwSignal::new(Draft::new());
    view! {
        <h1>"Export templates"</h1>
        <p class="lead">
            "Saved download settings — format, columns, which ratings to keep — that you apply "
            "when you download a saved panel, several from the "
            <a href="/saved">"library"</a>
            ", or share with a team."
        </p>
        <IfAllowed act=Act::KeepTemplates id="template-refused">
            <TemplateForm draft reload />
        </IfAllowed>
        <Loaded
            resource=templates
            loading="Loading export templates…"
            error="The export templates could not be loaded."
            view=move |list| {
                if list.is_empty() {
                    return view! { <p class="muted" id="no-templates">"No export templates yet."</p> }
                        .into_any();
                }
                view! {
                    <ul class="card-list" id="templates">
                        {list
                            .into_iter()
                            .map(|t| view! { <TemplateCard template=t draft reload /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }
        />
    }
}

#[component]
fn TemplateCard(template: Template, draft: RwSignal<Draft>, reload: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let line = summary(&template);
    let shared = template
        .team
        .as_ref()
        .map(|t| format!("Shared with {}", t.name))
        .unwrap_or_else(|| "Not shared".to_owned());
    let by = format!("by {}", template.owner.username);
    let id = StoredValue::new(template.id.clone());
    let name = template.name.clone();
    let tools = if template.can_edit {
        let edit = Draft::of(&template);
        let question = format!("Delete the export template \u{201c}{name}\u{201d}?");
        view! {
            <div class="button-row">
                <button
                    type="button"
                    class="button button-small"
                    aria-label=format!("Edit {name}")
                    on:click=move |_| draft.set(edit.clone())
                >
                    "Edit"
                </button>
                <button
                    type="button"
                    class="button button-small button-danger"
                    aria-label=format!("Delete {name}")
                    on:click=move |_| {
                        if !window().confirm_with_message(&question).unwrap_or(false) {
                            return;
                        }
                        let variables = delete_export_template::Variables { id: id.get_value() };
                        spawn_local(async move {
                            match graphql::<DeleteExportTemplate>(variables).await {
                                Ok(_) => reload.run(()),
                                Err(e) => error.set(Some(error_message(&e))),
                            }
                        });
                    }
                >
                    "Delete"
                </button>
            </div>
        }
        .into_any()
    } else {
        view! {
            <p class="muted">"You can apply this template; only its owner changes it."</p>
        }
        .into_any()
    };
    view! {
        <li class="card" data-template=template.name.clone()>
            <h2>{template.name.clone()}</h2>
            {template.description.clone().map(|d| view! { <p>{d}</p> })}
            <p class="template-summary">{line}</p>
            <p class="muted">{format!("{shared} · {by}")}</p>
            {tools}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </li>
    }
}

#[component]
fn TemplateForm(draft: RwSignal<Draft>, reload: Callback<()>) -> impl IntoView {
    let teams = LocalResource::new(|| async {
        graphql::<MyTeams>(my_teams::Variables)
            .await
            .map(|d| d.my_teams)
    });
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let d = draft.get_untracked();
        let Some(format) = d.format else { return };
        let team_id = Some(d.team_id.clone()).filter(|t| !t.is_empty());
        let description = Some(d.description.trim().to_owned()).filter(|t| !t.is_empty());
        spawn_local(async move {
            let result = match d.id.clone() {
                None => graphql::<CreateExportTemplate>(create_export_template::Variables {
                    input: create_export_template::ExportTemplateInput {
                        name: d.name.trim().to_owned(),
                        description,
                        team_id,
                        format,
                        columns: d.columns.clone(),
                        ratings: d.ratings.clone(),
                        include_unrated: d.include_unrated,
                        entity_types: d.entity_types.clone(),
                        per_source_sheets: Some(d.per_source_sheets),
                        chr_prefix: d.chr_prefix,
                    },
                })
                .await
                .map(|r| r.create_export_template.name),
                Some(id) => graphql::<UpdateExportTemplate>(update_export_template::Variables {
                    id,
                    patch: update_export_template::ExportTemplatePatch {
                        name: Some(d.name.trim().to_owned()),
                        description,
                        team_id,
                        format: Some(format),
                        columns: Some(d.columns.clone()),
                        ratings: Some(d.ratings.clone()),
                        include_unrated: Some(d.include_unrated),
                        entity_types: Some(d.entity_types.clone()),
                        per_source_sheets: Some(d.per_source_sheets),
                        chr_prefix: Some(d.chr_prefix),
                    },
                })
                .await
                .map(|r| r.update_export_template.name),
            };
            match result {
                Ok(name) => {
                    error.set(None);
                    saved.set(Some(format!("Saved \u{201c}{name}\u{201d}.")));
                    draft.set(Draft::new());
                    reload.run(());
                }
                Err(e) => {
                    saved.set(None);
                    error.set(Some(error_message(&e)));
                }
            }
        });
    };
    let checks = |legend: &'static str,
                  name: &'static str,
                  items: Vec<(String, &'static str, bool)>,
                  set: Callback<(usize, bool)>| {
        let boxes = items
            .into_iter()
            .enumerate()
            .map(|(i, (value, label, _))| {
                view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            name=name
                            value=value
                            prop:checked=move || {
                                let d = draft.get();
                                match name {
                                    "columns" => d.columns.contains(&ExportColumn::ALL[i]),
                                    "ratings" => d.ratings.contains(&Confidence::ALL[i]),
                                    _ => d.entity_types.contains(&EntityType::ALL[i]),
                                }
                            }
                            on:change=move |ev| set.run((i, event_target_checked(&ev)))
                        />
                        {label}
                    </label>
                }
            })
            .collect_view();
        view! {
            <fieldset class="check-row">
                <legend>{legend}</legend>
                {boxes}
            </fieldset>
        }
    };
    let columns = checks(
        "Columns (none ticked: every column; XLSX, CSV and TSV)",
        "columns",
        ExportColumn::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.header(), false))
            .collect(),
        Callback::new(move |(i, on): (usize, bool)| {
            draft.update(|d| toggle(&mut d.columns, ExportColumn::ALL, ExportColumn::ALL[i], on))
        }),
    );
    let ratings = checks(
        "Keep ratings (none ticked: every rating)",
        "ratings",
        Confidence::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.label(), false))
            .collect(),
        Callback::new(move |(i, on): (usize, bool)| {
            draft.update(|d| toggle(&mut d.ratings, Confidence::ALL, Confidence::ALL[i], on))
        }),
    );
    let types = checks(
        "Keep entity types (none ticked: every type)",
        "entityTypes",
        EntityType::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), type_label(*k), false))
            .collect(),
        Callback::new(move |(i, on): (usize, bool)| {
            draft.update(|d| toggle(&mut d.entity_types, EntityType::ALL, EntityType::ALL[i], on))
        }),
    );
    let formats = ExportFormat::ALL
        .iter()
        .map(|f| {
            let f = *f;
            view! {
                <option value=f.as_str() selected=move || draft.get().format == Some(f)>
                    {format_label(f)}
                </option>
            }
        })
        .collect_view();
    view! {
        <form class="card form" id="template-form" on:submit=submit>
            <h2>
                {move || {
                    if draft.get().id.is_some() { "Change export template" } else { "New export template" }
                }}
            </h2>
            <label>
                "Name"
                <input
                    type="text"
                    id="template-name"
                    required
                    maxlength="100"
                    prop:value=move || draft.get().name
                    on:input=move |ev| draft.update(|d| d.name = event_target_value(&ev))
                />
            </label>
            <label>
                "Description"
                <input
                    type="text"
                    id="template-description"
                    maxlength="255"
                    prop:value=move || draft.get().description
                    on:input=move |ev| draft.update(|d| d.description = event_target_value(&ev))
                />
            </label>
            <label>
                "Format"
                <select
                    id="template-format"
                    on:change=move |ev| {
                        let format = event_target_value(&ev).parse().ok();
                        draft.update(|d| d.format = format);
                    }
                >
                    {formats}
                </select>
            </label>
            {columns}
            {ratings}
            <label class="check">
                <input
                    type="checkbox"
                    id="template-unrated"
                    prop:checked=move || draft.get().include_unrated
                    on:change=move |ev| draft.update(|d| d.include_unrated = event_target_checked(&ev))
                />
                "Keep unrated genes (uploads, genes added by hand)"
            </label>
            {types}
            <label class="check">
                <input
                    type="checkbox"
                    id="template-sheets"
                    prop:checked=move || draft.get().per_source_sheets
                    on:change=move |ev| draft.update(|d| d.per_source_sheets = event_target_checked(&ev))
                />
                "One sheet per source (XLSX)"
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    id="template-chr"
                    prop:checked=move || draft.get().chr_prefix
                    on:change=move |ev| draft.update(|d| d.chr_prefix = event_target_checked(&ev))
                />
                "BED: chr1 rather than 1"
            </label>
            <label>
                "Share with team"
                <Loaded
                    resource=teams
                    loading="Loading your teams…"
                    error="Your teams could not be loaded."
                    view=move |teams| {
                        let options = teams
                            .into_iter()
                            .map(|t| {
                                let id = t.id.clone();
                                view! {
                                    <option value=t.id.clone() selected=move || draft.get().team_id == id>
                                        {t.name}
                                    </option>
                                }
                            })
                            .collect_view();
                        view! {
                            <select
                                id="template-team"
                                on:change=move |ev| draft.update(|d| d.team_id = event_target_value(&ev))
                            >
                                <option value="" selected=move || draft.get().team_id.is_empty()>
                                    "Not shared"
                                </option>
                                {options}
                            </select>
                        }
                    }
                />
            </label>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || saved.get().map(|s| view! { <p class="form-ok" role="status">{s}</p> })}
            <div class="button-row">
                <button type="submit" class="button button-primary" id="template-save">
                    {move || if draft.get().id.is_some() { "Save changes" } else { "Save template" }}
                </button>
                <Show when=move || draft.get().id.is_some()>
                    <button type="button" class="button" on:click=move |_| draft.set(Draft::new())>
                        "Cancel"
                    </button>
                </Show>
            </div>
        </form>
    }
}

/// Downloads version `version` of panel `panel_id` shaped by the chosen template.
#[component]
pub fn TemplateExport(
    panel_id: StoredValue<String>,
    version: Option<i64>,
    link_token: StoredValue<Option<String>>,
) -> impl IntoView {
    let chosen = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let click = move |_| {
        let Some(template) = chosen.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        let variables = export_saved_panel_with_template::Variables {
            id: panel_id.get_value(),
            version,
            template,
            link_token: link_token.get_value(),
        };
        spawn_local(async move {
            match graphql::<ExportSavedPanelWithTemplate>(variables).await {
                Ok(data) => navigate_to(&data.export_saved_panel.url),
                Err(err) => error.set(Some(error_message(&err))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="template-export" role="group" aria-label="Download with a template">
            <TemplatePicker chosen id="export-template" />
            <button
                type="button"
                class="button"
                id="export-with-template"
                disabled=move || busy.get() || chosen.get().is_none()
                on:click=click
            >
                "Download with template"
            </button>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </div>
    }
}

/// One zip of `ids`, every file shaped by `template`; returns the link or the error.
pub async fn export_many(
    ids: Vec<String>,
    template: String,
) -> Result<String, crate::api::ApiError> {
    graphql::<ExportSavedPanelsWithTemplate>(export_saved_panels_with_template::Variables {
        ids,
        template,
        filename: None,
    })
    .await
    .map(|d| d.export_saved_panels.url)
}
