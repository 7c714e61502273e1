//! Version labels on the panel page (issue 14.5): "validated", "in clinical use since …",
//! optionally protecting the panel from deletion while the label stands.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::refusal_message;
use crate::api::graphql;
use crate::queries::{
    LabelVersion, RemoveVersionLabel, VersionLabels, label_version, remove_version_label,
    version_labels,
};
use crate::time::Time;

/// Labels people use most, offered as suggestions.
const SUGGESTED: [&str; 3] = ["validated", "in clinical use", "superseded"];

/// The labels of a panel's versions, with a form to add one (EDIT access).
#[component]
pub fn VersionLabelsSection(
    panel_id: String,
    current: i64,
    can_edit: bool,
    is_owner: bool,
) -> impl IntoView {
    let panel_id = StoredValue::new(panel_id);
    let labels = LocalResource::new(move || {
        let id = panel_id.get_value();
        async move {
            graphql::<VersionLabels>(version_labels::Variables { id })
                .await
                .map(|d| d.saved_panel.labels)
        }
    });
    let version = RwSignal::new(current);
    let label = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let protected = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let variables = label_version::Variables {
            panel_id: panel_id.get_value(),
            version: version.get_untracked(),
            label: label.get_untracked().trim().to_owned(),
            note: Some(note.get_untracked().trim().to_owned()).filter(|n| !n.is_empty()),
            protected: Some(protected.get_untracked()),
        };
        spawn_local(async move {
            match graphql::<LabelVersion>(variables).await {
                Ok(_) => {
                    label.set(String::new());
                    note.set(String::new());
                    protected.set(false);
                    error.set(None);
                    labels.refetch();
                }
                Err(e) => error.set(Some(refusal_message(&e))),
            }
        });
    };
    let remove = move |id: String| {
        spawn_local(async move {
            match graphql::<RemoveVersionLabel>(remove_version_label::Variables { id }).await {
                Ok(_) => {
                    error.set(None);
                    labels.refetch();
                }
                Err(e) => error.set(Some(refusal_message(&e))),
            }
        });
    };
    let list = move || {
        labels.get().map(|answer| match answer {
            Err(e) => view! { <p class="form-error" role="alert">{refusal_message(&e)}</p> }.into_any(),
            Ok(list) if list.is_empty() => {
                view! { <p class="muted" id="labels-empty">"No version is labelled yet."</p> }.into_any()
            }
            Ok(list) => {
                let items = list
                    .into_iter()
                    .map(|l| {
                        let id = l.id.clone();
                        let may_remove = can_edit && (!l.protected || is_owner);
                        let name = l.label.clone();
                        view! {
                            <li class="version-label" data-version=l.version data-label=l.label.clone()>
                                <span class="badge badge-label">{l.label.clone()}</span>
                                {format!(" version {}", l.version)}
                                {l.note.clone().map(|n| format!(" — {n}"))}
                                {l.protected.then(|| view! { <span class="badge">"protected"</span> })}
                                <span class="muted">" · " <Time at=l.created_at.clone() /></span>
                                {may_remove
                                    .then(|| {
                                        view! {
                                            " "
                                            <button
                                                type="button"
                                                class="button button-small"
                                                aria-label=format!("Remove the label {name} of version {}", l.version)
                                                on:click=move |_| remove(id.clone())
                                            >
                                                "Remove"
                                            </button>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="plain" id="version-labels">{items}</ul> }.into_any()
            }
        })
    };
    let versions = (1..=current)
        .rev()
        .map(|n| view! { <option value=n.to_string() selected=n == current>{format!("Version {n}")}</option> })
        .collect_view();
    let suggestions = SUGGESTED
        .iter()
        .map(|s| view! { <option value=*s></option> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="labels-heading">
            <h2 id="labels-heading">"Labels"</h2>
            {list}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert" id="label-error">{e}</p> })}
            {can_edit
                .then(|| {
                    view! {
                        <form class="inline-form" id="label-form" on:submit=add>
                            <label>
                                "Version"
                                <select
                                    id="label-version"
                                    on:change=move |ev| {
                                        if let Ok(n) = event_target_value(&ev).parse() {
                                            version.set(n);
                                        }
                                    }
                                >
                                    {versions}
                                </select>
                            </label>
                            <label>
                                "Label"
                                <input
                                    type="text"
                                    id="label-text"
                                    required
                                    list="label-suggestions"
                                    maxlength="60"
                                    prop:value=move || label.get()
                                    on:input=move |ev| label.set(event_target_value(&ev))
                                />
                            </label>
                            <datalist id="label-suggestions">{suggestions}</datalist>
                            <label>
                                "Note"
                                <input
                                    type="text"
                                    id="label-note"
                                    placeholder="e.g. since 2026-03-01"
                                    prop:value=move || note.get()
                                    on:input=move |ev| note.set(event_target_value(&ev))
                                />
                            </label>
                            <label class="inline">
                                <input
                                    type="checkbox"
                                    id="label-protected"
                                    prop:checked=move || protected.get()
                                    on:change=move |ev| protected.set(event_target_checked(&ev))
                                />
                                "Protect the panel from deletion"
                            </label>
                            <button type="submit" class="button">"Add label"</button>
                        </form>
                    }
                })}
        </section>
    }
}
