//! Download buttons for a saved panel version: every export format, as a signed link the
//! browser downloads natively.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::error_message;
use super::templates::TemplateExport;
use crate::api::{graphql, navigate_to};
use crate::components::exports::format_label;
use crate::queries::{ExportFormat, ExportSavedPanel, export_saved_panel};

/// One button per export format for `version` (the current one when `None`).
#[component]
pub fn ExportButtons(
    panel_id: String,
    version: Option<i64>,
    /// The share-link token when the page was opened through a link.
    #[prop(optional)]
    link_token: Option<String>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let panel_id = StoredValue::new(panel_id);
    let link_token = StoredValue::new(link_token);
    let buttons = ExportFormat::ALL
        .iter()
        .map(|&format| {
            let click = move |_| {
                busy.set(true);
                error.set(None);
                let variables = export_saved_panel::Variables {
                    id: panel_id.get_value(),
                    version,
                    format,
                    link_token: link_token.get_value(),
                };
                spawn_local(async move {
                    match graphql::<ExportSavedPanel>(variables).await {
                        Ok(data) => navigate_to(&data.export_saved_panel.url),
                        Err(err) => error.set(Some(error_message(&err))),
                    }
                    busy.set(false);
                });
            };
            view! {
                <button
                    type="button"
                    class="button"
                    data-format=format.as_str()
                    disabled=move || busy.get()
                    on:click=click
                >
                    {format_label(format)}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="export-buttons" role="group" aria-label="Download">
            <span class="muted">"Download: "</span>
            {buttons}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </div>
        <TemplateExport panel_id version link_token />
    }
}
