//! `/saved` — My panels: the saved panels the user may see, as cards or a table, with filters
//! and pagination.

use leptos::prelude::*;
use leptos_router::components::A;

use super::common::{status_label, visibility_label};
use super::ops::{PanelScope, PanelSort, PanelStatus, SavedPanels, saved_panels};
use crate::api::graphql;
use crate::components::{ErrorView, Loading, Pager, Pages};
use crate::time::Time;
use crate::words::counted;

/// Panels per page.
const PAGE_SIZE: i64 = 24;

type Node = saved_panels::SavedPanelsSavedPanelsNodes;

/// `/saved` — My panels.
#[component]
pub fn SavedPanelsPage() -> impl IntoView {
    view! {
        <section class="page-head">
            <h1>"My panels"</h1>
            <A href="/saved/new" attr:class="button button-primary">
                "New panel"
            </A>
            <A href="/teams" attr:class="button">
                "Teams"
            </A>
        </section>
        <PanelList />
    }
}

fn parse_scope(value: &str) -> PanelScope {
    match value {
        "MINE" => PanelScope::Mine,
        "SHARED_WITH_ME" => PanelScope::SharedWithMe,
        "PUBLIC" => PanelScope::Public,
        _ => PanelScope::All,
    }
}

fn parse_sort(value: &str) -> PanelSort {
    match value {
        "CREATED_DESC" => PanelSort::CreatedDesc,
        "NAME_ASC" => PanelSort::NameAsc,
        "GENE_COUNT_DESC" => PanelSort::GeneCountDesc,
        _ => PanelSort::UpdatedDesc,
    }
}

#[component]
fn PanelList() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let scope = RwSignal::new(PanelScope::All);
    let status = RwSignal::new(None::<PanelStatus>);
    let sort = RwSignal::new(PanelSort::UpdatedDesc);
    let grid = RwSignal::new(true);
    let pages = Pages::new();
    let reset_paging = move || pages.reset();

    let panels = LocalResource::new(move || {
        let filter = saved_panels::SavedPanelFilter {
            scope: Some(scope.get()),
            statuses: status.get().map(|s| vec![s]),
            visibility: None,
            tag: None,
            owner_id: None,
            search: Some(search.get()).filter(|s| !s.trim().is_empty()),
            sort: Some(sort.get()),
        };
        let after = pages.after.get();
        async move {
            graphql::<SavedPanels>(saved_panels::Variables {
                filter: Some(filter),
                first: Some(PAGE_SIZE),
                after,
            })
            .await
            .map(|data| data.saved_panels)
        }
    });

    view! {
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Search "
                <input
                    type="search"
                    id="saved-search"
                    placeholder="Name or description"
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        reset_paging();
                    }
                />
            </label>
            <label>
                "Show "
                <select on:change=move |ev| {
                    scope.set(parse_scope(&event_target_value(&ev)));
                    reset_paging();
                }>
                    <option value="ALL">"All I may see"</option>
                    <option value="MINE">"Mine"</option>
                    <option value="SHARED_WITH_ME">"Shared with me"</option>
                    <option value="PUBLIC">"Public"</option>
                </select>
            </label>
            <label>
                "Status "
                <select on:change=move |ev| {
                    let value = event_target_value(&ev);
                    status.set(value.parse::<PanelStatus>().ok());
                    reset_paging();
                }>
                    <option value="">"Not deleted"</option>
                    <option value="ACTIVE">"Active"</option>
                    <option value="DRAFT">"Draft"</option>
                    <option value="ARCHIVED">"Archived"</option>
                    <option value="DELETED">"Deleted"</option>
                </select>
            </label>
            <label>
                "Sort "
                <select on:change=move |ev| {
                    sort.set(parse_sort(&event_target_value(&ev)));
                    reset_paging();
                }>
                    <option value="UPDATED_DESC">"Recently updated"</option>
                    <option value="CREATED_DESC">"Recently created"</option>
                    <option value="NAME_ASC">"Name"</option>
                    <option value="GENE_COUNT_DESC">"Most genes"</option>
                </select>
            </label>
            <div class="toggle" role="group" aria-label="Layout">
                <button
                    type="button"
                    class="button"
                    aria-pressed=move || grid.get().to_string()
                    on:click=move |_| grid.set(true)
                >
                    "Grid"
                </button>
                <button
                    type="button"
                    class="button"
                    aria-pressed=move || (!grid.get()).to_string()
                    on:click=move |_| grid.set(false)
                >
                    "List"
                </button>
            </div>
        </form>
        <Transition fallback=|| view! { <Loading label="Loading your panels…" /> }>
            <ErrorBoundary fallback=move |errors| {
                view! {
                    <ErrorView
                        errors
                        title="Your panels could not be loaded."
                        retry=Callback::new(move |()| panels.refetch())
                    />
                }
            }>
                {move || Suspend::new(async move {
                    panels
                        .await
                        .map(|connection| {
                            let total = connection.total_count;
                            let next = connection
                                .page_info
                                .has_next_page
                                .then_some(connection.page_info.end_cursor)
                                .flatten();
                            let nodes = connection.nodes;
                            let body = if nodes.is_empty() {
                                view! {
                                    <p class="empty">
                                        "No panels match. Create one with “New panel” or from the workbench."
                                    </p>
                                }
                                    .into_any()
                            } else if grid.get() {
                                view! { <PanelGrid nodes /> }.into_any()
                            } else {
                                view! { <PanelTable nodes /> }.into_any()
                            };
                            view! {
                                <p class="muted" id="saved-total">
                                    {counted(total, "panel", "panels")}
                                </p>
                                {body}
                                <Pager pages next />
                            }
                        })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

fn badges(node: &Node) -> impl IntoView + use<> {
    let shared = (!node.is_owner).then(|| {
        let by = node.owner.username.clone();
        view! { <span class="badge">{format!("Shared by {by}")}</span> }
    });
    view! {
        <span class="badge">{status_label(node.status)}</span>
        <span class="badge">{visibility_label(node.visibility)}</span>
        {shared}
    }
}

#[component]
fn PanelGrid(nodes: Vec<Node>) -> impl IntoView {
    let cards = nodes
        .into_iter()
        .map(|node| {
            let href = format!("/saved/{}", node.id);
            let tags = node.tags.join(", ");
            let badges = badges(&node);
            view! {
                <li class="card panel-card">
                    <h2>
                        <A href=href>{node.name.clone()}</A>
                    </h2>
                    <p class="badges">{badges}</p>
                    <p>{node.description.clone().unwrap_or_default()}</p>
                    <p class="muted">
                        {format!(
                            "{} {} · version {} · updated ",
                            node.gene_count,
                            if node.gene_count == 1 { "gene" } else { "genes" },
                            node.current_version,
                        )}
                        <Time at=node.updated_at.clone() />
                    </p>
                    {(!tags.is_empty()).then(|| view! { <p class="tags">{tags}</p> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="panel-grid" id="saved-panels">{cards}</ul> }
}

#[component]
fn PanelTable(nodes: Vec<Node>) -> impl IntoView {
    let rows = nodes
        .into_iter()
        .map(|node| {
            let href = format!("/saved/{}", node.id);
            let badges = badges(&node);
            view! {
                <tr>
                    <td>
                        <A href=href>{node.name.clone()}</A>
                    </td>
                    <td>{node.gene_count}</td>
                    <td>{node.current_version}</td>
                    <td>{badges}</td>
                    <td>{node.owner.username.clone()}</td>
                    <td><Time at=node.updated_at.clone() /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data-table" id="saved-panels">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Genes"</th>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Owner"</th>
                    <th scope="col">"Updated"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
