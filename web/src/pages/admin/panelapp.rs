//! `/admin/panelapp`: where each PanelApp instance's data comes from right now (live, cache,
//! stale cache or snapshot, with dates), whether the gene directory holds every panel (so uploads
//! can flag unknown symbols), and refreshing an instance's cached data.

use leptos::prelude::*;
use shared::Source;

use super::AdminNav;
use crate::api::{ApiError, graphql};
use crate::components::{Loaded, Table};
use crate::pages::profile::outcome;
use crate::queries::{
    PanelAppAdminStatus, RefreshPanelApp, panel_app_admin_status, refresh_panel_app,
};
use crate::time::MaybeTime;

type InstanceRow = panel_app_admin_status::PanelAppAdminStatusPanelAppStatus;

/// What a refresh of `source` (both instances when `None`) did, in words.
fn refreshed(source: Option<Source>) -> String {
    match source {
        Some(source) => format!(
            "{} refreshed: its catalogue was fetched again and cached panels will be re-read.",
            source.display_name()
        ),
        None => "Both instances refreshed.".to_owned(),
    }
}

/// `/admin/panelapp`.
#[component]
pub fn AdminPanelAppPage() -> impl IntoView {
    let status = LocalResource::new(|| async {
        graphql::<PanelAppAdminStatus>(panel_app_admin_status::Variables).await
    });
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let refresh = Action::new_local(move |source: &Option<Source>| {
        let source = *source;
        async move {
            let done = graphql::<RefreshPanelApp>(refresh_panel_app::Variables { source })
                .await
                .map(|_| refreshed(source));
            result.set(Some(done));
            status.refetch();
        }
    });
    let row = move |instance: InstanceRow| {
        let source = instance.source;
        view! {
            <tr class="panelapp-row" data-source=source.as_str()>
                <th scope="row">{source.display_name()}</th>
                <td class="panelapp-origin">
                    {instance.data_origin.map_or("not loaded yet", |origin| origin.describe())}
                </td>
                <td><MaybeTime at=instance.data_date none="—" /></td>
                <td class="panelapp-count">{instance.panel_count}</td>
                <td>{instance.snapshot_date.unwrap_or_else(|| "—".to_owned())}</td>
                <td><MaybeTime at=instance.genes_complete_date none="not yet (run a full sync)" /></td>
                <td class="actions">
                    <button
                        type="button"
                        class="button button-small"
                        disabled=move || refresh.pending().get()
                        on:click=move |_| { refresh.dispatch(Some(source)); }
                    >
                        "Refresh"
                    </button>
                </td>
            </tr>
        }
    };
    view! {
        <AdminNav />
        <h1>"PanelApp data"</h1>
        <p class="muted">
            "Panels are cached and re-read from PanelApp when their time to live has passed. "
            "Refreshing marks an instance's cached data stale and fetches its catalogue now; if "
            "PanelApp can not be reached, the cached data keeps being served. Uploaded gene lists are "
            "checked against every gene in PanelApp once the gene directory is complete: run "
            <code>"panelmerge panelapp sync"</code> " on the server to fill it."
        </p>
        {outcome(result)}
        <Loaded
            resource=status
            loading="Loading PanelApp status…"
            error="The PanelApp status could not be loaded."
            view=move |data: panel_app_admin_status::ResponseData| {
                let snapshot_only = data.server_info.panel_app_snapshot_only;
                view! {
                    {snapshot_only.then(|| view! {
                        <p class="form-error" role="status" id="panelapp-snapshot-only">
                            "This server serves a PanelApp snapshot only (PANELAPP_SNAPSHOT); refreshing re-reads it."
                        </p>
                    })}
                    <Table
                        id="panelapp-status"
                        headers=&["Instance", "Data from", "Fetched", "Panels", "Fallback snapshot", "Gene directory complete", "Actions"]
                    >
                        {data.panel_app_status.into_iter().map(row).collect_view()}
                    </Table>
                }
            }
        />
        <button
            type="button"
            class="button"
            id="panelapp-refresh-all"
            disabled=move || refresh.pending().get()
            on:click=move |_| { refresh.dispatch(None); }
        >
            "Refresh both instances"
        </button>
    }
}
