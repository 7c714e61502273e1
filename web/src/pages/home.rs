//! The home page: what PanelMerge does, and the facts of the server it talks to.

use leptos::prelude::*;

use crate::components::{ErrorView, Loading};
use crate::server_info::{
    ServerFacts, cache_label, database_label, environment_label, use_server_info,
};

/// `/` — what PanelMerge does and which server this is.
#[component]
pub fn HomePage() -> impl IntoView {
    let server = use_server_info();
    let retry = Callback::new(move |()| server.refetch());
    view! {
        <section class="intro">
            <h1>"Build the gene list for a genetic test"</h1>
            <p class="lead">
                "PanelMerge combines gene panels from Genomics England PanelApp and PanelApp "
                "Australia with your own gene lists into one list that shows where every gene "
                "came from."
            </p>
            <p>
                "Choose the evidence levels you accept for each panel (green, amber, red or "
                "grey), add genes from CSV, TSV or Excel files, then download the merged list or "
                "keep it as a saved panel with versions, change history and sharing. Scripts can "
                "do all of this through the same GraphQL API the app uses."
            </p>
        </section>
        <section class="card" aria-labelledby="server-heading">
            <h2 id="server-heading">"This server"</h2>
            <Transition fallback=|| view! { <Loading label="Loading server facts…" /> }>
                <ErrorBoundary fallback=move |errors| {
                    view! {
                        <ErrorView
                            errors
                            title="The server facts could not be loaded."
                            retry=retry
                        />
                    }
                }>
                    {move || Suspend::new(async move {
                        server.0.await.map(|facts| view! { <ServerFactsList facts /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// The `serverInfo` facts as a description list.
#[component]
fn ServerFactsList(facts: ServerFacts) -> impl IntoView {
    view! {
        <dl class="facts" id="server-facts">
            <div>
                <dt>"Version"</dt>
                <dd>{facts.version}</dd>
            </div>
            <div>
                <dt>"Database"</dt>
                <dd>{database_label(&facts.database)}</dd>
            </div>
            <div>
                <dt>"Cache and sessions"</dt>
                <dd>{cache_label(&facts.cache)}</dd>
            </div>
            <div>
                <dt>"Environment"</dt>
                <dd>{environment_label(&facts.environment)}</dd>
            </div>
        </dl>
    }
}
