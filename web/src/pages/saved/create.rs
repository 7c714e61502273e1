//! `/saved/new` — a new saved panel from pasted genes (or empty). Panels built from a merge or
//! an upload are created from the workbench.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::common::{error_message, parse_symbols};
use crate::api::graphql;
use crate::queries::{CreateSavedPanel, Visibility, create_saved_panel};
use crate::words::counted_len;

/// `/saved/new`.
#[component]
pub fn NewSavedPanelPage() -> impl IntoView {
    view! {
        <h1>"New saved panel"</h1>
        <crate::roles::IfAllowed act=crate::roles::Act::CreatePanel id="new-panel-refused">
            <NewPanelForm />
        </crate::roles::IfAllowed>
    }
}

#[component]
fn NewPanelForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let visibility = RwSignal::new(Visibility::Private);
    let genes = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();

    let parsed = Memo::new(move |_| parse_symbols(&genes.get()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (symbols, invalid) = parsed.get_untracked();
        if !invalid.is_empty() {
            error.set(Some(format!(
                "These are not gene symbols: {}",
                invalid.join(", ")
            )));
            return;
        }
        let input = create_saved_panel::CreateSavedPanelInput {
            name: name.get_untracked().trim().to_owned(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            tags: Some(
                tags.get_untracked()
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            visibility: Some(visibility.get_untracked()),
            status: None,
            genes: Some(
                symbols
                    .into_iter()
                    .map(|symbol| create_saved_panel::GeneInput {
                        symbol: symbol.to_string(),
                        entity_type: None,
                        hgnc_id: None,
                        gene_name: None,
                        confidence: None,
                        custom_confidence: None,
                        mode_of_inheritance: None,
                        phenotypes: None,
                        evidence: None,
                        sources: None,
                        notes: None,
                    })
                    .collect(),
            ),
            merge: None,
            upload_id: None,
        };
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match graphql::<CreateSavedPanel>(create_saved_panel::Variables { input }).await {
                Ok(data) => {
                    navigate(
                        &format!("/saved/{}", data.create_saved_panel.id),
                        Default::default(),
                    );
                }
                Err(err) => {
                    error.set(Some(error_message(&err)));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <form class="card form" id="new-panel-form" on:submit=submit>
            <label>
                "Name"
                <input
                    type="text"
                    name="name"
                    required
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </label>
            <label>
                "Description"
                <textarea
                    name="description"
                    rows="2"
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                ></textarea>
            </label>
            <label>
                "Tags (comma-separated)"
                <input
                    type="text"
                    name="tags"
                    prop:value=move || tags.get()
                    on:input=move |ev| tags.set(event_target_value(&ev))
                />
            </label>
            <label>
                "Visibility"
                <select
                    name="visibility"
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<Visibility>() {
                            visibility.set(v);
                        }
                    }
                >
                    <option value="PRIVATE">"Private"</option>
                    <option value="SHARED">"Shared"</option>
                    <option value="PUBLIC">"Public"</option>
                </select>
            </label>
            <label>
                "Genes (one per line, or separated by commas)"
                <textarea
                    name="genes"
                    rows="8"
                    prop:value=move || genes.get()
                    on:input=move |ev| genes.set(event_target_value(&ev))
                ></textarea>
            </label>
            <p class="muted" role="status">
                {move || {
                    let (symbols, invalid) = parsed.get();
                    let mut text = counted_len(symbols.len(), "gene", "genes");
                    if !invalid.is_empty() {
                        text.push_str(&format!(" · not symbols: {}", invalid.join(", ")));
                    }
                    text
                }}
            </p>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <button type="submit" class="button button-primary" disabled=move || busy.get()>
                "Create panel"
            </button>
        </form>
    }
}
