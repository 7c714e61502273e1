//! `/panels/:source/:id` — one PanelApp panel: its counts and entities (sortable, filterable by
//! evidence and type; STRs and regions included), and "add to workbench". The evidence and type
//! choices are one row that is both the table's filter and what "Add to workbench" takes.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::{Confidence, EntityType};

use super::source_from_path;
use crate::api::{ApiError, graphql};
use crate::components::Loaded;
use crate::components::genes::{confidence_badge, entity_label};
use crate::queries::{PanelDetail, panel_detail};
use crate::workbench::{panel_data, use_workbench};
use shared::ErrorCode;
use shared::merge::SelectionFilter;

type Panel = panel_detail::PanelDetailPanel;

/// `/panels/:source/:id`.
#[component]
pub fn PanelViewPage() -> impl IntoView {
    let params = use_params_map();
    let panel = LocalResource::new(move || {
        let source = params
            .read()
            .get("source")
            .and_then(|s| source_from_path(&s));
        let id = params.read().get("id").and_then(|i| i.parse::<i64>().ok());
        async move {
            match (source, id) {
                (Some(source), Some(id)) => match graphql::<PanelDetail>(panel_detail::Variables {
                    source,
                    id,
                    version: None,
                })
                .await
                {
                    // Read as the merge engine's panel here, so an answer that does not read
                    // as one is the page's error, not a surprise when it is added.
                    Ok(d) => d
                        .panel
                        .map(|p| panel_data(p.clone()).map(|data| (p, data)))
                        .transpose(),
                    // Only a panel PanelApp does not have is "no such panel"; one whose
                    // details could not be loaded is an error with its reason and a retry.
                    Err(ApiError::Graphql {
                        code: Some(ErrorCode::NotFound),
                        ..
                    }) => Ok(None),
                    Err(e) => Err(e),
                },
                _ => Ok(None),
            }
        }
    });
    view! {
        <Loaded
            resource=panel
            loading="Loading the panel…"
            error="This panel could not be loaded — retry."
            view=move |panel| match panel {
                Some((panel, data)) => view! { <PanelEntities panel data /> }.into_any(),
                None => view! { <p>"There is no such panel."</p> }.into_any(),
            }
        />
    }
}

/// A Genomic Medicine Service test-directory code such as "R59" or "R135".
fn is_r_code(text: &str) -> bool {
    let text = text.trim();
    text.len() >= 2
        && text.len() <= 5
        && text.starts_with('R')
        && text[1..].bytes().all(|b| b.is_ascii_digit())
}

#[derive(Clone, Copy, PartialEq)]
enum SortBy {
    Symbol,
    Rating,
    Type,
}

fn rating_rank(c: Option<Confidence>) -> u8 {
    c.map_or(9, |c| 3 - c.panelapp_level().min(3))
}

#[component]
fn PanelEntities(panel: Panel, data: shared::PanelData) -> impl IntoView {
    let workbench = use_workbench();
    let levels = RwSignal::new(Confidence::ALL.to_vec());
    let kind = RwSignal::new(None::<EntityType>);
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Symbol);
    let added = RwSignal::new(false);
    let counts = panel.counts.clone();
    let entities = StoredValue::new(panel.entities.nodes.clone());
    let whole = StoredValue::new(data);
    let rows = move || {
        let query = text.get().trim().to_uppercase();
        let mut shown: Vec<_> = entities.with_value(|all| {
            all.iter()
                .filter(|e| levels.with(|l| l.contains(&e.confidence)))
                .filter(|e| kind.get().is_none_or(|k| k == e.type_))
                .filter(|e| query.is_empty() || e.symbol.to_uppercase().contains(&query))
                .cloned()
                .collect()
        });
        match sort.get() {
            SortBy::Symbol => shown.sort_by(|a, b| a.symbol.cmp(&b.symbol)),
            SortBy::Rating => {
                shown.sort_by_key(|e| (rating_rank(Some(e.confidence)), e.symbol.clone()))
            }
            SortBy::Type => shown.sort_by_key(|e| (e.type_.as_str(), e.symbol.clone())),
        }
        shown
            .into_iter()
            .map(|e| {
                let locus = e
                    .grch38
                    .as_ref()
                    .map(|l| format!("{}:{}-{}", l.chrom, l.start, l.end))
                    .unwrap_or_default();
                view! {
                    <tr data-symbol=e.symbol.clone()>
                        <th scope="row">{e.symbol.clone()}</th>
                        <td>{entity_label(e.type_)}</td>
                        <td>{confidence_badge(Some(e.confidence))}</td>
                        <td>{e.mode_of_inheritance.clone().unwrap_or_default()}</td>
                        <td>{e.phenotypes.join("; ")}</td>
                        <td>{locus}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let choice = move || {
        let types = kind
            .get()
            .map_or_else(|| EntityType::ALL.to_vec(), |k| vec![k]);
        levels.with(|l| SelectionFilter::new(l, &types))
    };
    let chosen_count = move || {
        let filter = choice();
        entities.with_value(|all| {
            all.iter()
                .filter(|e| filter.confidence.contains(&e.confidence))
                .filter(|e| filter.types.contains(&e.type_))
                .count()
        })
    };
    let level_count = move |level: Confidence| {
        entities.with_value(|all| all.iter().filter(|e| e.confidence == level).count())
    };
    let type_count = move |kind: EntityType| {
        entities.with_value(|all| all.iter().filter(|e| e.type_ == kind).count())
    };
    let level_boxes = Confidence::ALL
        .iter()
        .map(|&level| {
            view! {
                <label class="inline">
                    <input
                        type="checkbox"
                        data-level=level.as_str()
                        prop:checked=move || levels.with(|l| l.contains(&level))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            levels.update(|l| {
                                l.retain(|x| *x != level);
                                if on {
                                    l.push(level);
                                }
                            });
                        }
                    />
                    {format!("{} ({})", level.label(), level_count(level))}
                </label>
            }
        })
        .collect_view();
    let sort_button = move |by: SortBy, label: &'static str| {
        view! {
            <button
                type="button"
                class="link-button"
                aria-pressed=move || (sort.get() == by).to_string()
                on:click=move |_| sort.set(by)
            >
                {label}
            </button>
        }
    };
    // Test-directory codes ("R59") first: the lab looks panels up by them.
    let codes: Vec<String> = panel
        .relevant_disorders
        .iter()
        .filter(|d| is_r_code(d))
        .cloned()
        .collect();
    let codes = (!codes.is_empty()).then(|| {
        view! {
            <p id="panel-codes">
                {format!(
                    "{} {}",
                    if codes.len() == 1 { "Test code" } else { "Test codes" },
                    codes.join(", "),
                )}
            </p>
        }
    });
    let disorders: Vec<String> = panel
        .relevant_disorders
        .iter()
        .filter(|d| !is_r_code(d))
        .cloned()
        .collect();
    let disorders = (!disorders.is_empty())
        .then(|| view! { <p class="muted" id="panel-disorders">{format!("Relevant disorders: {}", disorders.join("; "))}</p> });
    view! {
        <h1 id="panel-name">{panel.name.clone()}</h1>
        {codes}
        {disorders}
        <p class="muted" id="panel-facts">
            {format!(
                "{} panel {} · version {} · {} green, {} amber, {} red, {} grey",
                panel.source.display_name(),
                panel.id,
                panel.version.clone(),
                counts.green,
                counts.amber,
                counts.red,
                counts.grey,
            )}
        </p>
        <form
            class="add-choice"
            id="add-choice"
            aria-label="What to add to the workbench"
            on:submit=move |ev| {
                ev.prevent_default();
                if levels.with(Vec::is_empty) {
                    return;
                }
                workbench.add_panel_with(whole.get_value(), choice());
                added.set(true);
            }
        >
            <span class="choice-label">"Take"</span>
            <div class="checks" role="group" aria-label="Evidence">{level_boxes}</div>
            <label class="inline">
                <span class="visually-hidden">"Entity type"</span>
                <select
                    id="entity-type"
                    on:change=move |ev| kind.set(event_target_value(&ev).parse::<EntityType>().ok())
                >
                    <option value="">"All types"</option>
                    <option value="GENE">{format!("Genes ({})", type_count(EntityType::Gene))}</option>
                    <option value="STR">{format!("STRs ({})", type_count(EntityType::Str))}</option>
                    <option value="REGION">{format!("Regions ({})", type_count(EntityType::Region))}</option>
                </select>
            </label>
            <button
                type="submit"
                class="button button-primary"
                id="add-to-workbench"
                disabled=move || chosen_count() == 0
            >
                {move || {
                    let n = chosen_count();
                    format!("Add {n} {} to workbench", if n == 1 { "entity" } else { "entities" })
                }}
            </button>
            <Show when=move || added.get()>
                <a href="/workbench" id="added-link">"Added — open the workbench"</a>
            </Show>
        </form>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Find in the table "
                <input
                    type="search"
                    id="entity-filter"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
            </label>
        </form>
        <div class="table-wrap" tabindex="0">
            <table class="data-table" id="entities-table">
                <thead>
                    <tr>
                        <th scope="col">{sort_button(SortBy::Symbol, "Entity")}</th>
                        <th scope="col">{sort_button(SortBy::Type, "Type")}</th>
                        <th scope="col">{sort_button(SortBy::Rating, "Rating")}</th>
                        <th scope="col">"Inheritance"</th>
                        <th scope="col">"Phenotypes"</th>
                        <th scope="col">"GRCh38"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
