//! The home page (issue 14.3): for a visitor, what PanelMerge does and a "Start a gene list"
//! path; for a logged-in user, their recent saved panels, the panels shared with them and the
//! PanelApp updates waiting for their panels. The server's facts live in the admin area.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api::graphql;
use crate::auth::use_current_user;
use crate::queries::{
    PanelScope, PanelSort, SavedPanelUpstream, SavedPanels, saved_panel_upstream, saved_panels,
};
use crate::time::Time;
use crate::words::counted;

/// Panels per list on the home page.
const RECENT: i64 = 5;

type Node = saved_panels::SavedPanelsSavedPanelsNodes;

/// `/`.
#[component]
pub fn HomePage() -> impl IntoView {
    let user = use_current_user();
    move || match user.me() {
        Some(me) => {
            let name = me
                .first_name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or(me.username);
            view! { <Dashboard name /> }.into_any()
        }
        None => view! { <Welcome /> }.into_any(),
    }
}

/// What PanelMerge does, and where to start.
#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="intro">
            <h1>"Build the gene list for a genetic test"</h1>
            <p class="lead">
                "PanelMerge combines gene panels from Genomics England PanelApp and PanelApp "
                "Australia with your own gene lists into one list that shows where every gene "
                "came from."
            </p>
            <div class="actions">
                <A href="/workbench" attr:class="button button-primary" attr:id="start-gene-list">
                    "Start a gene list"
                </A>
                <A href="/panels" attr:class="button">"Browse PanelApp panels"</A>
            </div>
        </section>
        <ol class="steps" aria-label="How it works">
            <li class="card">
                <h2>"1. Find panels"</h2>
                <p>
                    "Search both PanelApp instances by panel name, disease group, R-code or gene, "
                    "and choose the evidence levels you accept: green, amber, red or grey."
                </p>
            </li>
            <li class="card">
                <h2>"2. Add your own lists"</h2>
                <p>
                    "Add genes from CSV, TSV or Excel files. Every symbol is checked against HGNC; "
                    "aliases are mapped and anything unknown is flagged."
                </p>
            </li>
            <li class="card">
                <h2>"3. Keep and share"</h2>
                <p>
                    "Download the merged list, or log in to keep it as a saved panel with "
                    "versions, change history, comments, sharing and PanelApp update checks."
                </p>
            </li>
        </ol>
        <p class="muted">
            "Scripts can do all of this through the same GraphQL API the app uses (at "
            <code>"/graphql"</code>")."
        </p>
    }
}

/// A logged-in user's start: recent panels, shared panels, upstream updates.
#[component]
fn Dashboard(name: String) -> impl IntoView {
    let list = |scope: PanelScope| {
        LocalResource::new(move || async move {
            let filter = saved_panels::SavedPanelFilter {
                scope: Some(scope),
                statuses: None,
                visibility: None,
                tag: None,
                owner_id: None,
                search: None,
                sort: Some(PanelSort::UpdatedDesc),
            };
            graphql::<SavedPanels>(saved_panels::Variables {
                filter: Some(filter),
                first: Some(RECENT),
                after: None,
            })
            .await
            .map(|d| d.saved_panels)
        })
    };
    let mine = list(PanelScope::Mine);
    let shared = list(PanelScope::SharedWithMe);
    // Upstream updates of the recent own panels, asked one panel at a time in the background.
    let updates = RwSignal::new(None::<Vec<(String, String, String)>>);
    Effect::new(move |_| {
        let Some(Ok(connection)) = mine.get() else {
            return;
        };
        let panels: Vec<(String, String)> = connection
            .nodes
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        spawn_local(async move {
            let mut waiting = Vec::new();
            for (id, name) in panels {
                let variables = saved_panel_upstream::Variables { id: id.clone() };
                let Ok(data) = graphql::<SavedPanelUpstream>(variables).await else {
                    continue;
                };
                let panel = data.saved_panel;
                for source in panel.upstream.iter().filter(|s| s.behind) {
                    waiting.push((
                        id.clone(),
                        name.clone(),
                        format!(
                            "{}: v{} saved, v{} in PanelApp",
                            source.label,
                            source.saved_version.clone().unwrap_or_default(),
                            source.latest_version.clone().unwrap_or_default()
                        ),
                    ));
                }
            }
            updates.set(Some(waiting));
        });
    });
    let panel_list = move |resource: LocalResource<
        Result<saved_panels::SavedPanelsSavedPanels, crate::api::ApiError>,
    >,
                           id: &'static str,
                           empty: &'static str| {
        move || {
            let answer = resource.get();
            match answer {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => {
                    view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
                }
                Some(Ok(c)) if c.nodes.is_empty() => {
                    view! { <p class="muted" id=id>{empty}</p> }.into_any()
                }
                Some(Ok(c)) => {
                    let items = c.nodes.into_iter().map(panel_item).collect_view();
                    view! { <ul class="home-list" id=id>{items}</ul> }.into_any()
                }
            }
        }
    };
    view! {
        <section class="page-head">
            <h1>{format!("Welcome back, {name}")}</h1>
            <A href="/workbench" attr:class="button button-primary" attr:id="start-gene-list">
                "Start a gene list"
            </A>
            <A href="/saved/new" attr:class="button">"New saved panel"</A>
            <A href="/panels" attr:class="button">"Browse panels"</A>
        </section>
        <div class="home-grid">
            <section class="card" aria-labelledby="home-recent-heading">
                <h2 id="home-recent-heading">"Your recent saved panels"</h2>
                {panel_list(mine, "home-recent", "You have no saved panels yet: start a gene list and save it.")}
                <p><A href="/saved">"All your panels"</A></p>
            </section>
            <section class="card" aria-labelledby="home-shared-heading">
                <h2 id="home-shared-heading">"Shared with you"</h2>
                {panel_list(shared, "home-shared", "Nobody has shared a panel with you yet.")}
            </section>
            <section class="card" aria-labelledby="home-upstream-heading">
                <h2 id="home-upstream-heading">"PanelApp updates waiting"</h2>
                {move || match updates.get() {
                    None => view! { <p class="muted">"Checking your recent panels…"</p> }.into_any(),
                    Some(list) if list.is_empty() => {
                        view! {
                            <p class="muted" id="home-upstream">
                                "Your recent panels are up to date with PanelApp."
                            </p>
                        }
                            .into_any()
                    }
                    Some(list) => {
                        let items = list
                            .into_iter()
                            .map(|(id, name, what)| {
                                view! {
                                    <li>
                                        <A href=format!("/saved/{id}")>{name}</A>
                                        <span class="muted">{format!(" — {what}")}</span>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! { <ul class="home-list" id="home-upstream">{items}</ul> }.into_any()
                    }
                }}
            </section>
        </div>
    }
}

fn panel_item(p: Node) -> impl IntoView {
    view! {
        <li data-panel-id=p.id.clone()>
            <A href=format!("/saved/{}", p.id)>{p.name.clone()}</A>
            <span class="muted">
                {format!(
                    " · {} · v{} · updated ",
                    counted(p.gene_count, "gene", "genes"),
                    p.current_version
                )}
                <Time at=p.updated_at.clone() />
                {(!p.is_owner).then(|| format!(" · from {}", p.owner.username.clone()))}
            </span>
        </li>
    }
}
