//! `/admin/server`: the facts of the server (version, database, cache backend, environment),
//! moved here from the home page (issue 14.3).

use leptos::prelude::*;

use super::AdminNav;
use crate::components::{ErrorView, Loading, settled};
use crate::server_info::{ServerFacts, use_server_info};

/// `/admin/server`.
#[component]
pub fn AdminServerPage() -> impl IntoView {
    let server = use_server_info();
    let retry = Callback::new(move |()| server.refetch());
    view! {
        <AdminNav />
        <h1>"This server"</h1>
        <section class="card" aria-labelledby="server-heading">
            <h2 id="server-heading">"Version and backends"</h2>
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
                        settled(server.0).await.map(|facts| view! { <ServerFactsList facts /> })
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
                <dd>{facts.database.label()}</dd>
            </div>
            <div>
                <dt>"Cache and sessions"</dt>
                <dd>{facts.cache.label()}</dd>
            </div>
            <div>
                <dt>"Environment"</dt>
                <dd>{facts.environment.label()}</dd>
            </div>
        </dl>
    }
}
