//! Search by gene on `/panels`: every panel of both instances that lists a gene, with the
//! gene's rating there; symbols are suggested as the reader types (`geneSuggestions`).

use leptos::prelude::*;
use leptos_router::components::A;

use super::panel_href;
use crate::api::graphql;
use crate::components::Loaded;
use crate::components::genes::confidence_badge;
use crate::panelapp_status::results_notice;
use crate::queries::{GeneLookup, GeneSuggestions, gene_lookup, gene_suggestions};

/// Suggestions asked for once the prefix has this many characters.
const SUGGEST_FROM: usize = 2;

/// The gene search form and its results.
#[component]
pub fn GeneSearch() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let symbol = RwSignal::new(None::<String>);
    let suggestions = LocalResource::new(move || {
        let prefix = typed.get().trim().to_owned();
        async move {
            if prefix.chars().count() < SUGGEST_FROM {
                return Vec::new();
            }
            let variables = gene_suggestions::Variables {
                prefix,
                limit: Some(10),
            };
            // Suggestions are a convenience: a failure just leaves the list empty.
            graphql::<GeneSuggestions>(variables)
                .await
                .map(|d| d.gene_suggestions)
                .unwrap_or_default()
        }
    });
    let hits = LocalResource::new(move || {
        let symbol = symbol.get();
        async move {
            match symbol {
                Some(symbol) => graphql::<GeneLookup>(gene_lookup::Variables { symbol })
                    .await
                    .map(|d| Some(d.gene_lookup)),
                None => Ok(None),
            }
        }
    });
    let options = move || {
        suggestions.get().map(|list| {
            list.into_iter()
                .map(|s| view! { <option value=s.clone()></option> })
                .collect_view()
        })
    };
    view! {
        <section class="card" aria-labelledby="gene-search-heading">
            <h2 id="gene-search-heading">"Search by gene"</h2>
            <form
                class="filters"
                id="gene-search-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let value = typed.get_untracked().trim().to_ascii_uppercase();
                    symbol.set((!value.is_empty()).then_some(value));
                }
            >
                <label>
                    "Gene "
                    <input
                        type="search"
                        id="gene-search"
                        list="gene-suggestions"
                        autocomplete="off"
                        placeholder="Symbol, alias or previous symbol"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </label>
                <datalist id="gene-suggestions">{options}</datalist>
                <button type="submit" class="button" id="gene-search-button">
                    "Find panels"
                </button>
            </form>
            <Loaded
                resource=hits
                loading="Finding panels…"
                error="The panels listing this gene could not be found."
                view=move |found| found.map(|found| view! { <GeneHits found /> })
            />
        </section>
    }
}

/// What the look-up could not say, in words: one sentence per instance that did not answer
/// ("the gene look-up is unavailable right now (PanelApp UK unreachable, no cached answer)") or
/// answered from some cached panels only.
fn unanswered(sources: &[gene_lookup::GeneLookupGeneLookupSources]) -> Vec<String> {
    sources
        .iter()
        .filter_map(|s| {
            let name = s.source.display_name();
            if !s.answered {
                Some(format!(
                    "The gene look-up is unavailable right now ({name} unreachable, no cached \
                     answer)."
                ))
            } else if !s.complete {
                Some(format!(
                    "{name} could not be asked; only the panels cached here were searched, \
                     other panels may list this gene."
                ))
            } else {
                None
            }
        })
        .collect()
}

#[component]
fn GeneHits(found: gene_lookup::GeneLookupGeneLookup) -> impl IntoView {
    let missing = unanswered(&found.sources);
    let all_answered = found.sources.iter().all(|s| s.answered);
    let warnings = (!missing.is_empty()).then(|| {
        let items = missing
            .into_iter()
            .map(|m| view! { <li>{m}</li> })
            .collect_view();
        view! {
            <ul class="notice" role="status" id="gene-hits-unavailable">{items}</ul>
        }
    });
    let hits = found.hits;
    if hits.is_empty() {
        // "No panel lists this gene" only when every instance answered.
        let none = all_answered.then(|| {
            view! { <p class="muted" id="gene-hits-none">"No panel lists this gene."</p> }
        });
        return view! { {warnings} {none} }.into_any();
    }
    let notice = hits
        .iter()
        .find(|h| h.data_origin.is_stale())
        .and_then(|h| results_notice(h.data_origin, None))
        .map(|n| view! { <p class="notice" role="status">{n}</p> });
    let total = format!(
        "{} {}",
        hits.len(),
        if hits.len() == 1 { "panel" } else { "panels" }
    );
    let rows = hits
        .into_iter()
        .map(|h| {
            let href = panel_href(h.source, h.panel_id);
            let listed_as = h
                .symbol
                .clone()
                .filter(|s| *s != h.entity_name)
                .map(|s| format!("{} ({s})", h.entity_name))
                .unwrap_or(h.entity_name);
            view! {
                <tr data-panel=format!("{}-{}", h.source.prefix(), h.panel_id)>
                    <th scope="row">
                        <A href=href>{h.panel_name}</A>
                    </th>
                    <td>{h.source.export_label()}</td>
                    <td>{h.panel_version.unwrap_or_default()}</td>
                    <td>{listed_as}</td>
                    <td>{confidence_badge(Some(h.confidence))}</td>
                    <td>{h.mode_of_inheritance.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {warnings}
        {notice}
        <p class="muted" id="gene-hits-total">{total}</p>
        <div class="table-wrap" tabindex="0">
            <table class="data-table" id="gene-hits">
                <thead>
                    <tr>
                        <th scope="col">"Panel"</th>
                        <th scope="col">"Instance"</th>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Listed as"</th>
                        <th scope="col">"Rating"</th>
                        <th scope="col">"Inheritance"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
