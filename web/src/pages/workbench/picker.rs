//! The workbench's panel picker (issue 14.1): one search box over both PanelApp instances — the
//! Panels page's search (name, disease group, R-codes and HPO ids, types) plus the panels
//! listing a gene when what was typed is a known gene symbol — as an ARIA 1.2 combobox: arrows
//! move through the options, Enter adds the active one, Escape closes the list (or clears it).

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Source;

use crate::api::graphql;
use crate::components::genes::entity_counts;
use crate::queries::{
    GeneSuggestions, PanelDetail, Panels, PanelsByGene, gene_suggestions, panel_detail, panels,
    panels_by_gene,
};
use crate::workbench::{panel_data, use_workbench};

/// Options shown at most (catalogue matches; gene matches follow them).
const OPTIONS: i64 = 8;
/// Gene matches shown at most.
const GENE_OPTIONS: usize = 6;
/// Quiet time after a keystroke before the search is sent.
const DEBOUNCE_MS: u32 = 150;

/// One option of the list.
#[derive(Clone, Debug, PartialEq)]
struct Choice {
    source: Source,
    id: i64,
    name: String,
    /// "UK · id 402 · v8.125 · 130 genes · Neurology" or "lists SCN1A (green)".
    detail: String,
}

impl Choice {
    fn key(&self) -> String {
        format!("{}-{}", self.source.prefix(), self.id)
    }
}

fn catalogue_choice(p: panels::PanelsPanelsNodes) -> Choice {
    let mut detail = format!(
        "{} · id {} · v{} · {}",
        p.source.export_label(),
        p.id,
        p.version,
        entity_counts(p.gene_count, p.str_count, p.region_count)
    );
    if let Some(c) = &p.counts {
        detail.push_str(&format!(
            " (green {}, amber {}, red {})",
            c.green, c.amber, c.red
        ));
    }
    if let Some(group) = p.disease_group.filter(|g| !g.is_empty()) {
        detail.push_str(" · ");
        detail.push_str(&group);
    }
    Choice {
        source: p.source,
        id: p.id,
        name: p.name,
        detail,
    }
}

/// The options for `text`: catalogue matches, then (when `text` is a gene symbol the cached
/// panels know) the panels listing that gene which the catalogue search did not find.
async fn search(text: String) -> Result<Vec<Choice>, String> {
    let variables = panels::Variables {
        search: Some(text.clone()),
        source: None,
        signed_off: None,
        first: Some(OPTIONS),
        after: None,
    };
    let mut choices: Vec<Choice> = graphql::<Panels>(variables)
        .await
        .map_err(|e| e.to_string())?
        .panels
        .nodes
        .into_iter()
        .map(catalogue_choice)
        .collect();
    let symbol = text.trim().to_ascii_uppercase();
    let one_word = !symbol.is_empty() && !symbol.contains(char::is_whitespace);
    if one_word && symbol.len() >= 2 {
        // Gene matches only for a symbol the cached panels know (no PanelApp round trip
        // per keystroke for words that are not genes); failures leave just the catalogue.
        let known = graphql::<GeneSuggestions>(gene_suggestions::Variables {
            prefix: symbol.clone(),
            limit: Some(50),
        })
        .await
        .map(|d| {
            d.gene_suggestions
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&symbol))
        })
        .unwrap_or(false);
        if known
            && let Ok(data) = graphql::<PanelsByGene>(panels_by_gene::Variables {
                symbol: symbol.clone(),
            })
            .await
        {
            let mut added = 0;
            for hit in data.panels_by_gene {
                let key = format!("{}-{}", hit.source.prefix(), hit.panel_id);
                if added == GENE_OPTIONS || choices.iter().any(|c| c.key() == key) {
                    continue;
                }
                added += 1;
                choices.push(Choice {
                    source: hit.source,
                    id: hit.panel_id,
                    detail: format!(
                        "{} · id {} · lists {symbol} ({})",
                        hit.source.export_label(),
                        hit.panel_id,
                        hit.confidence.label().to_lowercase()
                    ),
                    name: hit.panel_name,
                });
            }
        }
    }
    Ok(choices)
}

/// The search box, its list of panels, and what adding one did.
#[component]
pub fn PanelPicker() -> impl IntoView {
    let workbench = use_workbench();
    let text = RwSignal::new(String::new());
    let choices = RwSignal::new(Vec::<Choice>::new());
    let expanded = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let searching = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // Each keystroke starts a generation; answers of older generations are dropped.
    let generation = StoredValue::new(0_u64);

    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        active.set(None);
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if value.trim().chars().count() < 2 {
            choices.set(Vec::new());
            expanded.set(false);
            searching.set(false);
            return;
        }
        searching.set(true);
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
            if generation.get_value() != mine {
                return;
            }
            let answer = search(value.trim().to_owned()).await;
            if generation.get_value() != mine {
                return;
            }
            searching.set(false);
            match answer {
                Ok(found) => {
                    error.set(None);
                    choices.set(found);
                    expanded.set(true);
                }
                Err(e) => {
                    error.set(Some(format!("The panels could not be searched: {e}")));
                    expanded.set(false);
                }
            }
        });
    };

    let choose = move |index: usize| {
        let Some(choice) = choices.with_untracked(|c| c.get(index).cloned()) else {
            return;
        };
        expanded.set(false);
        active.set(None);
        status.set(Some(format!("Adding {}…", choice.name)));
        error.set(None);
        spawn_local(async move {
            let variables = panel_detail::Variables {
                source: choice.source,
                id: choice.id,
                version: None,
            };
            let answer = graphql::<PanelDetail>(variables)
                .await
                .and_then(|d| d.panel.map(panel_data).transpose());
            match answer {
                Ok(data) => match data {
                    Some(data) => {
                        let genes = data
                            .entities
                            .iter()
                            .filter(|e| e.entity_type == shared::EntityType::Gene)
                            .count();
                        status.set(Some(format!(
                            "Added {} {} (v{}, {genes} genes; green taken).",
                            data.source.export_label(),
                            data.name,
                            data.version
                        )));
                        workbench.add_panel(data);
                        text.set(String::new());
                        choices.set(Vec::new());
                    }
                    None => {
                        status.set(None);
                        error.set(Some(format!(
                            "{} has no panel {}.",
                            choice.source.display_name(),
                            choice.id
                        )));
                    }
                },
                Err(e) => {
                    status.set(None);
                    error.set(Some(format!("{} could not be added: {e}", choice.name)));
                }
            }
        });
    };

    let scroll_to = |index: usize| {
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("panel-picker-option-{index}")))
        {
            element.scroll_into_view_with_bool(false);
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let count = choices.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                if count == 0 {
                    return;
                }
                let down = ev.key() == "ArrowDown";
                if !expanded.get_untracked() {
                    expanded.set(true);
                }
                let next = match (active.get_untracked(), down) {
                    (None, true) => 0,
                    (None, false) => count - 1,
                    (Some(i), true) => (i + 1) % count,
                    (Some(i), false) => (i + count - 1) % count,
                };
                active.set(Some(next));
                scroll_to(next);
            }
            "Enter" => {
                ev.prevent_default();
                if expanded.get_untracked()
                    && let Some(index) = active.get_untracked()
                {
                    choose(index);
                }
            }
            "Escape" => {
                if expanded.get_untracked() {
                    ev.prevent_default();
                    expanded.set(false);
                    active.set(None);
                } else if !text.get_untracked().is_empty() {
                    ev.prevent_default();
                    text.set(String::new());
                    choices.set(Vec::new());
                }
            }
            _ => {}
        }
    };

    let options = move || {
        choices
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, choice)| {
                let selected = move || active.get() == Some(index);
                view! {
                    <li
                        role="option"
                        id=format!("panel-picker-option-{index}")
                        class="picker-option"
                        class:active=selected
                        aria-selected=move || selected().to_string()
                        data-panel=choice.key()
                        // Keeps the focus in the box (no blur before the click).
                        on:mousedown=|ev| ev.prevent_default()
                        on:click=move |_| choose(index)
                    >
                        <span class="picker-name">{choice.name.clone()}</span>
                        <span class="picker-detail muted">{choice.detail.clone()}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let show_list = move || expanded.get() && !choices.with(Vec::is_empty);
    view! {
        <div class="picker">
            <label for="panel-picker" class="picker-label">
                "Find a panel (UK and Australia)"
            </label>
            <input
                type="text"
                id="panel-picker"
                role="combobox"
                autocomplete="off"
                spellcheck="false"
                aria-autocomplete="list"
                aria-controls="panel-picker-list"
                aria-describedby="panel-picker-help"
                aria-expanded=move || show_list().to_string()
                aria-activedescendant=move || {
                    active.get().filter(|_| show_list()).map(|i| format!("panel-picker-option-{i}"))
                }
                placeholder="Panel name, disease group, R-code or gene"
                prop:value=move || text.get()
                on:input=on_input
                on:keydown=on_keydown
                on:blur=move |_| expanded.set(false)
                on:focus=move |_| {
                    if !choices.with_untracked(Vec::is_empty) {
                        expanded.set(true);
                    }
                }
            />
            <p id="panel-picker-help" class="muted picker-help">
                "Type at least two letters; arrow keys choose, Enter adds, Escape closes."
            </p>
            <ul
                id="panel-picker-list"
                role="listbox"
                aria-label="Matching panels"
                class="picker-options"
                hidden=move || !show_list()
            >
                {options}
            </ul>
            <p class="visually-hidden" role="status" aria-live="polite" id="panel-picker-count">
                {move || {
                    if searching.get() {
                        String::new()
                    } else if expanded.get() {
                        match choices.with(Vec::len) {
                            0 => "No panel matches.".to_owned(),
                            1 => "1 panel matches.".to_owned(),
                            n => format!("{n} panels match."),
                        }
                    } else {
                        String::new()
                    }
                }}
            </p>
            {move || {
                (expanded.get() && !searching.get() && choices.with(Vec::is_empty))
                    .then(|| view! { <p class="muted" id="panel-picker-empty">"No panel matches."</p> })
            }}
            {move || status.get().map(|s| view! { <p role="status" id="panel-picker-status">{s}</p> })}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </div>
    }
}
