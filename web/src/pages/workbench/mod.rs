//! The workbench (issue 4): panels with per-panel evidence levels, uploaded lists with their
//! diagnostics, the merged list recomputed in the browser by `shared::merge`, the overlap
//! between sources, downloads in every format and "save as panel".

pub mod inputs;
pub mod merged;
pub mod panels;
pub mod picker;
pub mod uploads;
pub mod venn;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::graphql;
use crate::queries::{Uploads, uploads as uploads_op};
use crate::roles::{Act, IfAllowed};
use crate::workbench::{Workbench, from_listed_upload, persist, use_workbench};
use merged::{Downloads, MergedView, SaveAsPanel};
use panels::{AddPanel, PanelChoices};
use picker::PanelPicker;
use uploads::{UploadList, UploadZone};

/// `/workbench`.
#[component]
pub fn WorkbenchPage() -> impl IntoView {
    let workbench = use_workbench();
    if !workbench.uploads_loaded.get_untracked() {
        workbench.uploads_loaded.set(true);
        spawn_local(async move {
            if let Ok(data) = graphql::<Uploads>(uploads_op::Variables).await {
                // What this browser remembers about uploads that are gone is forgotten.
                let live: Vec<String> = data.uploads.nodes.iter().map(|u| u.id.clone()).collect();
                persist::prune(&live);
                workbench.add_uploads(data.uploads.nodes.into_iter().map(|upload| {
                    let mut upload = from_listed_upload(upload);
                    upload.included = !Workbench::left_out_earlier(&upload.list.id);
                    upload
                }));
            }
        });
    }
    let merged = workbench.merged();
    view! {
        <h1>"Workbench"</h1>
        <p class="lead">
            "Add PanelApp panels and your own gene lists, choose the evidence levels to take from "
            "each panel, and download the merged list or keep it as a saved panel."
        </p>
        {move || {
            workbench
                .account_note
                .get()
                .map(|note| view! { <p class="muted" role="status" id="workbench-account">{note}</p> })
        }}
        <div class="two-columns">
            <section class="card" aria-labelledby="wb-panels-heading">
                <h2 id="wb-panels-heading">"Panels"</h2>
                <PanelPicker />
                <details class="add-by-id" open>
                    <summary>"Or add a panel by its id"</summary>
                    <AddPanel />
                </details>
                <PanelChoices />
            </section>
            <section class="card" aria-labelledby="wb-uploads-heading">
                <h2 id="wb-uploads-heading">"Your gene lists"</h2>
                <IfAllowed act=Act::Upload id="upload-refused">
                    <UploadZone />
                </IfAllowed>
                <UploadList />
            </section>
        </div>
        <MergedView merged />
        <Downloads />
        <SaveAsPanel />
    }
}
