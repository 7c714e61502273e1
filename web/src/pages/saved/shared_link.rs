//! `/shared/:token` — the page a share link opens. Works without an account.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::export::ExportButtons;
use crate::api::graphql;
use crate::components::genes::{confidence_badge, entity_label};
use crate::components::{ErrorView, Loading, settled};
use crate::queries::{SharedPanel, shared_panel};
use crate::time::Time;

/// `/shared/:token`.
#[component]
pub fn SharedPanelPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let panel = LocalResource::new(move || {
        let token = token();
        async move {
            graphql::<SharedPanel>(shared_panel::Variables { token })
                .await
                .map(|d| d.shared_panel)
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Opening the shared panel…" /> }>
            <ErrorBoundary fallback=move |errors| {
                view! {
                    <ErrorView
                        errors
                        title="This link does not open a panel. It may have been revoked or have expired."
                    />
                }
            }>
                {move || Suspend::new(async move {
                    settled(panel)
                        .await
                        .map(|panel| {
                            let rows = panel
                                .genes
                                .nodes
                                .into_iter()
                                .map(|g| {
                                    let symbol = g.symbol.clone();
                                    view! {
                                        <tr data-symbol=symbol>
                                            <th scope="row">{g.symbol}</th>
                                            <td>{entity_label(g.entity_type)}</td>
                                            <td>{g.hgnc_id.unwrap_or_default()}</td>
                                            <td>{confidence_badge(g.effective_confidence)}</td>
                                            <td>{g.mode_of_inheritance.unwrap_or_default()}</td>
                                            <td>{g.sources.join(", ")}</td>
                                            <td>{g.notes.unwrap_or_default()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <p class="notice">"Shared with you through a link."</p>
                                <h1 id="panel-name">{panel.name}</h1>
                                <p class="lead">{panel.description.unwrap_or_default()}</p>
                                <p class="muted" id="panel-facts">
                                    {format!(
                                        "Version {} · {} · owner {} · updated ",
                                        panel.current_version,
                                        crate::words::counted(panel.gene_count, "gene", "genes"),
                                        panel.owner.username,
                                    )}
                                    <Time at=panel.updated_at.clone() />
                                </p>
                                <ExportButtons
                                    panel_id=panel.id
                                    version=None
                                    link_token=token()
                                />
                                <div class="table-wrap" tabindex="0">
                                    <table class="data-table" id="genes-table">
                                        <thead>
                                            <tr>
                                                <th scope="col">"Symbol"</th>
                                                <th scope="col">"Type"</th>
                                                <th scope="col">"HGNC"</th>
                                                <th scope="col">"Rating"</th>
                                                <th scope="col">"Inheritance"</th>
                                                <th scope="col">"Sources"</th>
                                                <th scope="col">"Notes"</th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                            }
                        })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
