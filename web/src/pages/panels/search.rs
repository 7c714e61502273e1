//! `/panels` — search PanelApp UK, Australia or both, with instant results.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::Source;

use super::gene_search::GeneSearch;
use super::panel_href;
use crate::api::graphql;
use crate::components::genes::entity_counts;
use crate::components::{ErrorView, Loading, Pager, Pages, settled};
use crate::panelapp_status::results_notice;
use crate::queries::{Panels, panels};

/// Results per page (with ratings, types and origin per panel, 50 would pass the server's
/// query complexity limit).
const PAGE_SIZE: i64 = 25;

/// The panel type names as badges.
fn type_badges(types: &[String]) -> impl IntoView + use<> {
    types
        .iter()
        .map(|t| view! { <span class="badge badge-type">{t.clone()}</span> })
        .collect_view()
}

/// Entities per rating: "G 12 A 3 R 1 grey 0".
fn rating_counts(c: &panels::PanelsPanelsNodesCounts) -> impl IntoView + use<> {
    view! {
        <span class="rating-counts" title="Green, amber, red and grey entities">
            <span class="conf conf-green">{format!("G {}", c.green)}</span>
            <span class="conf conf-amber">{format!("A {}", c.amber)}</span>
            <span class="conf conf-red">{format!("R {}", c.red)}</span>
            <span class="conf conf-grey">{format!("grey {}", c.grey)}</span>
        </span>
    }
}

/// `/panels`.
#[component]
pub fn PanelSearchPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let source = RwSignal::new(None::<Source>);
    let signed_off = RwSignal::new(false);
    let pages = Pages::new();
    let results = LocalResource::new(move || {
        let variables = panels::Variables {
            search: Some(search.get()).filter(|s| !s.trim().is_empty()),
            source: source.get(),
            signed_off: signed_off.get().then_some(true),
            first: Some(PAGE_SIZE),
            after: pages.after.get(),
        };
        async move { graphql::<Panels>(variables).await.map(|d| d.panels) }
    });
    let tab = move |value: Option<Source>, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                class="button"
                aria-selected=move || (source.get() == value).to_string()
                on:click=move |_| {
                    source.set(value);
                    pages.reset();
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <h1>"PanelApp panels"</h1>
        <div class="tabs" role="tablist" aria-label="PanelApp instance">
            {tab(None, "Both")} {tab(Some(Source::Uk), "UK")} {tab(Some(Source::Au), "Australia")}
        </div>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Search "
                <input
                    type="search"
                    id="panel-search"
                    placeholder="Panel name, disease, R-code, HPO id"
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        pages.reset();
                    }
                />
            </label>
            <label class="inline">
                <input
                    type="checkbox"
                    prop:checked=move || signed_off.get()
                    on:change=move |ev| {
                        signed_off.set(event_target_checked(&ev));
                        pages.reset();
                    }
                />
                "Signed off only"
            </label>
        </form>
        <GeneSearch />
        <h2>"Panels"</h2>
        <Transition fallback=|| view! { <Loading label="Searching panels…" /> }>
            <ErrorBoundary fallback=move |errors| {
                view! {
                    <ErrorView
                        errors
                        title="The panels could not be searched."
                        retry=Callback::new(move |()| results.refetch())
                    />
                }
            }>
                {move || Suspend::new(async move {
                    settled(results)
                        .await
                        .map(|connection| {
                            let next = connection
                                .page_info
                                .has_next_page
                                .then_some(connection.page_info.end_cursor)
                                .flatten();
                            let notice = connection
                                .nodes
                                .iter()
                                .find(|p| p.data_origin.is_stale())
                                .and_then(|p| results_notice(p.data_origin, Some(&p.data_date)))
                                .map(|n| view! { <p class="notice" role="status" id="panels-stale">{n}</p> });
                            let items = connection
                                .nodes
                                .into_iter()
                                .map(|p| {
                                    let href = panel_href(p.source, p.id);
                                    let signed = p.signed_off.then(|| {
                                        view! { <span class="badge badge-signed">"Signed off"</span> }
                                    });
                                    let types = type_badges(&p.types);
                                    let counts = p.counts.as_ref().map(rating_counts);
                                    view! {
                                        <li class="panel-result" data-panel=format!("{}-{}", p.source.prefix(), p.id)>
                                            <A href=href>{p.name.clone()}</A>
                                            <span class="badge">{p.source.export_label()}</span>
                                            {signed}
                                            {types}
                                            <span class="muted">
                                                {format!(
                                                    " id {} · v{} · {} · {}",
                                                    p.id,
                                                    p.version,
                                                    entity_counts(p.gene_count, p.str_count, p.region_count),
                                                    p.disease_group.clone().unwrap_or_default(),
                                                )}
                                            </span>
                                            {counts}
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! {
                                {notice}
                                <p class="muted" id="panel-total">
                                    {format!(
                                        "{} {}",
                                        connection.total_count,
                                        if connection.total_count == 1 { "panel" } else { "panels" },
                                    )}
                                </p>
                                <ul class="result-list" id="panel-results">{items}</ul>
                                <Pager pages next />
                            }
                        })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
