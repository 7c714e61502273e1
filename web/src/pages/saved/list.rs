//! `/saved` — My panels: the saved panels the user may see, as cards or a table, with filters
//! and pagination.

use leptos::prelude::*;
use leptos_router::components::A;

use super::common::{status_label, visibility_label};
use leptos::task::spawn_local;

use super::common::{error_message, refusal_message};
use crate::api::navigate_to;
use crate::api::{ApiError, graphql};
use crate::components::exports::TemplatePicker;
use crate::components::exports::format_label;
use crate::components::{ErrorView, Loading, Pager, Pages, settled};
use crate::queries::{
    ArchiveSavedPanels, DeleteSavedPanels, ExportFormat, ExportSavedPanels, PanelScope, PanelSort,
    PanelStatus, SavedPanels, TagSavedPanels, archive_saved_panels, delete_saved_panels,
    export_saved_panels, saved_panels, tag_saved_panels,
};
use crate::roles::{Act, IfAllowed};
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
            <IfAllowed act=Act::CreatePanel id="new-panel-refused">
                <A href="/saved/new" attr:class="button button-primary">
                    "New panel"
                </A>
            </IfAllowed>
            <A href="/teams" attr:class="button">
                "Teams"
            </A>
            <A href="/templates" attr:class="button">
                "Export templates"
            </A>
        </section>
        <PanelList />
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
    let selected = RwSignal::new(Vec::<Node>::new());
    // True while a new page of panels is being fetched and the old one is still shown: rows
    // may move when it arrives, so the list says it is busy (`aria-busy`) until then.
    let refreshing = RwSignal::new(false);

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
                    scope.set(event_target_value(&ev).parse().unwrap_or_default());
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
                    sort.set(event_target_value(&ev).parse().unwrap_or_default());
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
        <BulkBar selected reload=Callback::new(move |()| panels.refetch()) />
        <div id="saved-results" aria-busy=move || refreshing.get().to_string()>
        <Transition
            fallback=|| view! { <Loading label="Loading your panels…" /> }
            set_pending=refreshing
        >
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
                    settled(panels)
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
                                view! { <PanelGrid nodes selected /> }.into_any()
                            } else {
                                view! { <PanelTable nodes selected /> }.into_any()
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
        </div>
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

/// The "select this panel" box of a card or row.
fn select_box(node: &Node, selected: RwSignal<Vec<Node>>) -> impl IntoView + use<> {
    let id = node.id.clone();
    let id_checked = id.clone();
    let whole = node.clone();
    view! {
        <input
            type="checkbox"
            class="bulk-check"
            data-id=id.clone()
            aria-label=format!("Select {}", node.name)
            prop:checked=move || selected.with(|s| s.iter().any(|n| n.id == id_checked))
            on:change=move |ev| {
                let on = event_target_checked(&ev);
                selected.update(|s| {
                    s.retain(|n| n.id != id);
                    if on {
                        s.push(whole.clone());
                    }
                });
            }
        />
    }
}

#[component]
fn PanelGrid(nodes: Vec<Node>, selected: RwSignal<Vec<Node>>) -> impl IntoView {
    let cards = nodes
        .into_iter()
        .map(|node| {
            let href = format!("/saved/{}", node.id);
            let tags = node.tags.join(", ");
            let badges = badges(&node);
            let check = select_box(&node, selected);
            view! {
                <li class="card panel-card">
                    <h2>
                        {check}
                        " "
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
fn PanelTable(nodes: Vec<Node>, selected: RwSignal<Vec<Node>>) -> impl IntoView {
    let rows = nodes
        .into_iter()
        .map(|node| {
            let href = format!("/saved/{}", node.id);
            let badges = badges(&node);
            let check = select_box(&node, selected);
            view! {
                <tr>
                    <td>{check}</td>
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
        <div class="table-wrap" tabindex="0">
        <table class="data-table" id="saved-panels">
            <thead>
                <tr>
                    <th scope="col"><span class="visually-hidden">"Selected"</span></th>
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
        </div>
    }
}

/// What a bulk action did: "3 panels archived.", or why nothing was done (the server names
/// each refused panel and why; a refusal changes none of them).
fn bulk_outcome(chosen: usize, verb: &str, result: Result<(), ApiError>) -> (String, bool) {
    match result {
        Ok(()) => (
            format!(
                "{} {verb}.",
                counted(i64::try_from(chosen).unwrap_or(i64::MAX), "panel", "panels")
            ),
            true,
        ),
        Err(e) => (refusal_message(&e), false),
    }
}

/// The bulk actions on the selected panels (issue 14.5): one zip export, and archive, delete
/// and tag each in one all-or-nothing request.
#[component]
fn BulkBar(selected: RwSignal<Vec<Node>>, reload: Callback<()>) -> impl IntoView {
    let format = RwSignal::new(ExportFormat::Csv);
    let tag = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<(String, bool)>);
    let chosen_ids = move || -> Vec<String> {
        selected.with_untracked(|s| s.iter().map(|n| n.id.clone()).collect())
    };
    let template = RwSignal::new(None::<String>);
    let export = move |_| {
        let ids: Vec<String> = chosen_ids();
        if let Some(template) = template.get_untracked() {
            busy.set(true);
            spawn_local(async move {
                match super::templates::export_many(ids, template).await {
                    Ok(url) => {
                        outcome.set(None);
                        navigate_to(&url);
                    }
                    Err(e) => outcome.set(Some((error_message(&e), false))),
                }
                busy.set(false);
            });
            return;
        }
        let variables = export_saved_panels::Variables {
            ids,
            format: format.get_untracked(),
            filename: None,
        };
        busy.set(true);
        spawn_local(async move {
            match graphql::<ExportSavedPanels>(variables).await {
                Ok(data) => {
                    outcome.set(None);
                    navigate_to(&data.export_saved_panels.url);
                }
                Err(e) => outcome.set(Some((error_message(&e), false))),
            }
            busy.set(false);
        });
    };
    // After a bulk action: say what happened; on success the selection is done with.
    let finish = move |chosen: usize, verb: &'static str, result: Result<(), ApiError>| {
        let ok = result.is_ok();
        // Reload first, so the list is already busy when the outcome is said.
        reload.run(());
        outcome.set(Some(bulk_outcome(chosen, verb, result)));
        if ok {
            selected.set(Vec::new());
            tag.set(String::new());
        }
        busy.set(false);
    };
    let set_status = move |status: PanelStatus, verb: &'static str| {
        let ids = chosen_ids();
        busy.set(true);
        spawn_local(async move {
            let chosen = ids.len();
            let result = if status == PanelStatus::Deleted {
                graphql::<DeleteSavedPanels>(delete_saved_panels::Variables { ids })
                    .await
                    .map(|_| ())
            } else {
                graphql::<ArchiveSavedPanels>(archive_saved_panels::Variables { ids })
                    .await
                    .map(|_| ())
            };
            finish(chosen, verb, result);
        });
    };
    let add_tag = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new_tag = tag.get_untracked().trim().to_owned();
        if new_tag.is_empty() {
            outcome.set(Some(("Type the tag to add first.".to_owned(), false)));
            return;
        }
        let ids = chosen_ids();
        busy.set(true);
        spawn_local(async move {
            let chosen = ids.len();
            let variables = tag_saved_panels::Variables {
                ids,
                tags: vec![new_tag],
            };
            let result = graphql::<TagSavedPanels>(variables).await.map(|_| ());
            finish(chosen, "tagged", result);
        });
    };
    let formats = || {
        ExportFormat::ALL
            .iter()
            .map(|f| view! { <option value=f.as_str()>{format_label(*f)}</option> })
            .collect_view()
    };
    view! {
        <Show when=move || !selected.with(Vec::is_empty)>
            <section class="bulk-bar" id="bulk-bar" aria-label="Selected panels">
                <strong id="bulk-count">
                    {move || format!("{} selected", selected.with(Vec::len))}
                </strong>
                <label>
                    <span class="visually-hidden">"Export format"</span>
                    <select
                        id="bulk-format"
                        on:change=move |ev| {
                            if let Ok(f) = event_target_value(&ev).parse::<ExportFormat>() {
                                format.set(f);
                            }
                        }
                    >
                        {formats()}
                    </select>
                </label>
                <TemplatePicker chosen=template id="bulk-template" />
                <button type="button" class="button button-primary" id="bulk-export" disabled=move || busy.get() on:click=export>
                    "Download as one zip"
                </button>
                <button
                    type="button"
                    class="button"
                    id="bulk-archive"
                    disabled=move || busy.get()
                    on:click=move |_| set_status(PanelStatus::Archived, "archived")
                >
                    "Archive"
                </button>
                <button
                    type="button"
                    class="button button-danger"
                    id="bulk-delete"
                    disabled=move || busy.get()
                    on:click=move |_| {
                        let n = selected.with_untracked(Vec::len);
                        let question = format!(
                            "Delete {}? They disappear from your lists and from everyone they are \
                             shared with. You can undo this: choose \u{201c}Deleted\u{201d} in the \
                             status filter, open a panel and press \u{201c}Restore\u{201d}.",
                            counted(i64::try_from(n).unwrap_or(i64::MAX), "panel", "panels")
                        );
                        let sure = web_sys::window()
                            .and_then(|w| w.confirm_with_message(&question).ok())
                            .unwrap_or(false);
                        if sure {
                            set_status(PanelStatus::Deleted, "deleted");
                        }
                    }
                >
                    "Delete…"
                </button>
                <form class="inline-form" id="bulk-tag-form" on:submit=add_tag>
                    <label>
                        <span class="visually-hidden">"Tag to add"</span>
                        <input
                            type="text"
                            id="bulk-tag"
                            placeholder="Tag"
                            prop:value=move || tag.get()
                            on:input=move |ev| tag.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit" class="button" disabled=move || busy.get()>
                        "Add tag"
                    </button>
                </form>
                <button type="button" class="link-button" on:click=move |_| selected.set(Vec::new())>
                    "Clear selection"
                </button>
            </section>
        </Show>
        {move || {
            outcome
                .get()
                .map(|(text, ok)| {
                    view! {
                        <p class={if ok { "form-ok" } else { "form-error" }} role="status" id="bulk-outcome">
                            {text}
                        </p>
                    }
                })
        }}
    }
}
