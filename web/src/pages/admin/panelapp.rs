//! `/admin/panelapp`: where each PanelApp instance's data comes from right now (live, cache,
//! stale cache or snapshot, with dates), how complete the gene directory is (the background
//! sync's progress: panels read of the catalogue, running or not, last complete sync), and
//! refreshing an instance's cached data.

use leptos::prelude::*;
use shared::Source;

use super::AdminNav;
use crate::api::{ApiError, graphql};
use crate::components::outcome;
use crate::components::{Loaded, Table};
use crate::queries::{
    PanelAppAdminStatus, RefreshPanelApp, panel_app_admin_status, refresh_panel_app,
};
use crate::time::MaybeTime;

type InstanceRow = panel_app_admin_status::PanelAppAdminStatusPanelAppStatus;
type DirectoryStatus = panel_app_admin_status::PanelAppAdminStatusPanelAppStatusGeneDirectory;

/// The gene directory's state in words: complete or not, and the sync's progress.
fn directory_progress(d: &DirectoryStatus) -> String {
    let progress = if d.running {
        format!(
            "syncing: {} of {} panels read",
            d.panels_read,
            if d.panels_total > 0 {
                d.panels_total.to_string()
            } else {
                "?".to_owned()
            }
        )
    } else if d.complete {
        "complete".to_owned()
    } else if d.panels_total > 0 {
        format!(
            "incomplete: {} of {} panels read",
            d.panels_read, d.panels_total
        )
    } else if d.automatic {
        "incomplete: the first sync has not run yet".to_owned()
    } else {
        "incomplete: automatic sync is off (GENE_DIRECTORY_SYNC_INTERVAL)".to_owned()
    };
    match &d.last_error {
        Some(error) if !d.running => format!("{progress} (last run stopped: {error})"),
        _ => progress,
    }
}

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
        let directory = instance.gene_directory;
        let progress_text = directory_progress(&directory);
        let (read, total) = (directory.panels_read, directory.panels_total.max(1));
        let running = directory.running.then(|| {
            view! { <progress max=total.to_string() value=read.to_string()></progress> }
        });
        let last_complete = directory.last_complete_sync;
        view! {
            <tr class="panelapp-row" data-source=source.as_str()>
                <th scope="row">{source.display_name()}</th>
                <td class="panelapp-origin">
                    {instance.data_origin.map_or("not loaded yet", |origin| origin.describe())}
                </td>
                <td><MaybeTime at=instance.data_date none="—" /></td>
                <td class="panelapp-count">{instance.panel_count}</td>
                <td>{instance.snapshot_date.unwrap_or_else(|| "—".to_owned())}</td>
                <td class="panelapp-directory">
                    <span class="panelapp-directory-progress">{progress_text}</span>
                    {running}
                </td>
                <td class="panelapp-directory-complete">
                    <MaybeTime at=last_complete none="not yet" />
                </td>
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
            "PanelApp can not be reached, the cached data keeps being served. The server reads every "
            "panel into its gene directory by itself, on start and then on a schedule "
            "(GENE_DIRECTORY_SYNC_INTERVAL), a few panels at a time. Uploaded and hand-added "
            "symbols are checked against it; until it is complete, a symbol it does not know is "
            "marked UNVERIFIED (directory incomplete) rather than unknown to HGNC."
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
                        headers=&["Instance", "Data from", "Fetched", "Panels", "Fallback snapshot", "Gene directory", "Last complete sync", "Actions"]
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
