//! The version timeline (view, restore) and the diff between any two versions.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::{error_message, summary_in_words};
use crate::api::graphql;
use crate::components::Loaded;
use crate::components::genes::confidence_badge;
use crate::queries::{
    RestoreVersion, SavedPanelDiff, restore_version, saved_panel, saved_panel_diff,
};
use crate::time::Time;
use crate::words::counted;

pub type Version = saved_panel::SavedPanelSavedPanelVersionsNodes;

/// Every version, newest first, with "view" and "restore".
#[component]
pub fn VersionTimeline(
    panel_id: String,
    versions: Vec<Version>,
    current: i64,
    can_edit: bool,
    viewing: RwSignal<Option<i64>>,
    reload: Callback<()>,
) -> impl IntoView {
    let panel_id = StoredValue::new(panel_id);
    let error = RwSignal::new(None::<String>);
    let items = versions
        .into_iter()
        .map(|version| {
            let number = version.number;
            let restore = (can_edit && number != current).then(|| {
                view! {
                    <button
                        type="button"
                        class="button button-small"
                        data-restore=number
                        on:click=move |_| {
                            let variables = restore_version::Variables {
                                id: panel_id.get_value(),
                                version: number,
                                based_on_version: Some(current),
                            };
                            spawn_local(async move {
                                match graphql::<RestoreVersion>(variables).await {
                                    Ok(_) => {
                                        viewing.set(None);
                                        reload.run(());
                                    }
                                    Err(err) => error.set(Some(error_message(&err))),
                                }
                            });
                        }
                    >
                        "Restore"
                    </button>
                }
            });
            let label = if number == current {
                format!("Version {number} (current)")
            } else {
                format!("Version {number}")
            };
            view! {
                <li data-version=number>
                    <p class="timeline-head">
                        <strong>{label}</strong>
                        <span class="muted">
                            " · "
                            <Time at=version.created_at.clone() />
                            {format!(" · {}", counted(version.gene_count, "gene", "genes"))}
                        </span>
                    </p>
                    {version.comment.map(|c| view! { <p class="timeline-comment">{c}</p> })}
                    {version
                        .changes_summary
                        .map(|s| {
                            view! { <p class="muted version-summary">{summary_in_words(&s)}</p> }
                        })}
                    <p class="timeline-actions">
                        <button
                            type="button"
                            class="button button-small"
                            on:click=move |_| {
                                viewing.set((number != current).then_some(number))
                            }
                        >
                            "View"
                        </button>
                        {restore}
                    </p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="versions-heading">
            <h2 id="versions-heading">"Versions"</h2>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <ol class="timeline" id="versions">{items}</ol>
        </section>
    }
}

/// Two version pickers and what changed between them.
#[component]
pub fn DiffSection(panel_id: String, current: i64) -> impl IntoView {
    let from = RwSignal::new((current - 1).max(1));
    let to = RwSignal::new(current);
    let panel_id = StoredValue::new(panel_id);
    let result = LocalResource::new(move || {
        let variables = saved_panel_diff::Variables {
            id: panel_id.get_value(),
            from: from.get(),
            to: to.get(),
        };
        async move {
            graphql::<SavedPanelDiff>(variables)
                .await
                .map(|d| d.saved_panel.diff)
        }
    });
    let picker = move |label: &'static str, id: &'static str, signal: RwSignal<i64>| {
        let options = (1..=current)
            .rev()
            .map(|n| {
                view! {
                    <option value=n.to_string() selected=move || signal.get() == n>
                        {format!("Version {n}")}
                    </option>
                }
            })
            .collect_view();
        view! {
            <label>
                {label}
                <select
                    id=id
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse() {
                            signal.set(n);
                        }
                    }
                >
                    {options}
                </select>
            </label>
        }
    };
    view! {
        <section class="card" aria-labelledby="diff-heading">
            <h2 id="diff-heading">"Compare versions"</h2>
            <div class="filters">
                {picker("From ", "diff-from", from)} {picker("To ", "diff-to", to)}
            </div>
            <Loaded
                resource=result
                loading="Comparing…"
                error="The versions could not be compared."
                view=move |diff| view! { <DiffView diff /> }
            />
        </section>
    }
}

#[component]
fn DiffView(diff: saved_panel_diff::SavedPanelDiffSavedPanelDiff) -> impl IntoView {
    if diff.added.is_empty() && diff.removed.is_empty() && diff.changed.is_empty() {
        return view! {
            <p id="diff-view" class="muted">
                "These versions have the same genes."
            </p>
        }
        .into_any();
    }
    let added = diff
        .added
        .into_iter()
        .map(|g| {
            view! {
                <li class="diff-added">
                    {format!("+ {} ", g.symbol)}
                    {confidence_badge(g.effective_confidence)}
                </li>
            }
        })
        .collect_view();
    let removed = diff
        .removed
        .into_iter()
        .map(|g| {
            view! {
                <li class="diff-removed">
                    {format!("− {} ", g.symbol)}
                    {confidence_badge(g.effective_confidence)}
                </li>
            }
        })
        .collect_view();
    let changed = diff
        .changed
        .into_iter()
        .map(|c| {
            view! {
                <tr class="diff-changed">
                    <th scope="row">{c.symbol}</th>
                    <td>{c.field.as_str()}</td>
                    <td>{c.old.unwrap_or_else(|| "—".to_owned())}</td>
                    <td>{c.new.unwrap_or_else(|| "—".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div id="diff-view" class="diff-view">
            <div>
                <h3>"Added"</h3>
                <ul class="diff-list" id="diff-added">{added}</ul>
            </div>
            <div>
                <h3>"Removed"</h3>
                <ul class="diff-list" id="diff-removed">{removed}</ul>
            </div>
            <div>
                <h3>"Changed"</h3>
                <table class="data-table" id="diff-changed">
                    <thead>
                        <tr>
                            <th scope="col">"Gene"</th>
                            <th scope="col">"Field"</th>
                            <th scope="col">"Before"</th>
                            <th scope="col">"After"</th>
                        </tr>
                    </thead>
                    <tbody>{changed}</tbody>
                </table>
            </div>
        </div>
    }
    .into_any()
}
