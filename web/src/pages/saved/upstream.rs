//! The upstream-update notice of a saved panel built from PanelApp: which sources PanelApp has
//! moved on from, what that changes, and (for editors) "Apply update". Loaded apart from the
//! panel so a slow PanelApp never delays the page; sources that could not be checked are
//! mentioned quietly.

use super::common::{DiffList, FieldLine, SaveError};
use crate::api::{ApiError, graphql};
use crate::components::settled;
use crate::queries::{
    ApplyUpstreamUpdate, SavedPanelUpstream, apply_upstream_update, saved_panel_upstream,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

pub type Source = saved_panel_upstream::SavedPanelUpstreamSavedPanelUpstream;
type Diff = saved_panel_upstream::SavedPanelUpstreamSavedPanelUpstreamDiff;

/// The notice's sentence for a source PanelApp has moved on from, e.g. "PanelApp has version
/// 3.1 of GB Cardiomyopathy; this panel holds 2.0."
pub fn behind_sentence(source: &Source) -> Option<String> {
    if !source.behind {
        return None;
    }
    let latest = source
        .latest_version
        .as_deref()
        .unwrap_or("a newer version");
    let held = source
        .saved_version
        .as_deref()
        .unwrap_or("an unknown version");
    Some(format!(
        "PanelApp has version {latest} of {}; this panel holds {held}.",
        source.label
    ))
}

/// The quiet line for a source that could not be checked.
pub fn unchecked_sentence(source: &Source) -> Option<String> {
    source.error.as_ref().map(|error| {
        format!(
            "{} could not be checked against PanelApp: {error}",
            source.label
        )
    })
}

/// "2 added, 1 removed, 3 changed" for one source's upstream diff.
pub fn diff_summary(diff: &Diff) -> String {
    format!(
        "{} added, {} removed, {} changed",
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len()
    )
}

/// Loads the upstream state of `panel_id` and shows the notice when a source is behind.
#[component]
pub fn UpstreamNotice(
    panel_id: String,
    /// The panel's current version (the update is based on it).
    current: i64,
    can_edit: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let id = StoredValue::new(panel_id);
    let upstream = LocalResource::new(move || async move {
        graphql::<SavedPanelUpstream>(saved_panel_upstream::Variables { id: id.get_value() })
            .await
            .map(|d| d.saved_panel.upstream)
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match settled(upstream).await {
                    Ok(sources) => {
                        view! { <UpstreamView sources panel_id=id.get_value() current can_edit reload /> }
                            .into_any()
                    }
                    // PanelApp trouble must not get in the way of the panel.
                    Err(error) => {
                        view! {
                            <p class="muted" id="upstream-unchecked">
                                {format!("PanelApp updates could not be checked: {error}")}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn UpstreamView(
    sources: Vec<Source>,
    panel_id: String,
    current: i64,
    can_edit: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let unchecked: Vec<String> = sources.iter().filter_map(unchecked_sentence).collect();
    let unchecked = (!unchecked.is_empty()).then(|| {
        let lines = unchecked
            .into_iter()
            .map(|line| view! { <li>{line}</li> })
            .collect_view();
        view! { <ul class="muted" id="upstream-unchecked">{lines}</ul> }
    });
    let behind: Vec<Source> = sources.into_iter().filter(|s| s.behind).collect();
    if behind.is_empty() {
        return unchecked.into_any();
    }
    let sentences = behind
        .iter()
        .filter_map(behind_sentence)
        .map(|s| view! { <p>{s}</p> })
        .collect_view();
    let diffs = behind
        .into_iter()
        .map(|source| {
            let summary = diff_summary(&source.diff);
            view! {
                <details class="upstream-diff">
                    <summary>{format!("{}: {summary}", source.label)}</summary>
                    <UpstreamDiff diff=source.diff />
                </details>
            }
        })
        .collect_view();
    let apply = can_edit.then(|| view! { <ApplyButton panel_id current reload /> });
    view! {
        <div class="notice" role="status" id="upstream-notice">
            {sentences}
            <div id="upstream-diff">{diffs}</div>
            {apply}
        </div>
        {unchecked}
    }
    .into_any()
}

#[component]
fn UpstreamDiff(diff: Diff) -> impl IntoView {
    let changed = diff
        .changed
        .into_iter()
        .map(|c| FieldLine {
            symbol: c.symbol,
            field: c.field.as_str().to_owned(),
            old: c.old,
            new: c.new,
        })
        .collect();
    view! {
        <DiffList
            added=diff.added.into_iter().map(|g| g.symbol).collect()
            removed=diff.removed.into_iter().map(|g| g.symbol).collect()
            changed
        />
    }
}

/// "Apply update": one new version with every pending upstream change.
#[component]
fn ApplyButton(panel_id: String, current: i64, reload: Callback<()>) -> impl IntoView {
    let panel_id = StoredValue::new(panel_id);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let apply = move |_| {
        busy.set(true);
        error.set(None);
        let variables = apply_upstream_update::Variables {
            id: panel_id.get_value(),
            based_on_version: current,
            // The server writes the comment: which sources moved, from and to which version.
            comment: None,
        };
        spawn_local(async move {
            match graphql::<ApplyUpstreamUpdate>(variables).await {
                Ok(_) => reload.run(()),
                Err(err) => {
                    error.set(Some(err));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <button
            type="button"
            class="button button-primary"
            id="apply-upstream"
            disabled=move || busy.get()
            on:click=apply
        >
            {move || if busy.get() { "Applying…" } else { "Apply update" }}
        </button>
        <SaveError id="apply-upstream-error" error reload />
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saved_panel_upstream::{
        SavedPanelUpstreamSavedPanelUpstreamDiffAdded as Added,
        SavedPanelUpstreamSavedPanelUpstreamDiffChanged as Changed,
    };

    fn source(behind: bool) -> Source {
        Source {
            panel_id: 749,
            label: "GB Cardiomyopathy".into(),
            saved_version: Some("2.0".into()),
            latest_version: Some("3.1".into()),
            latest_created: None,
            origin: Some("live".into()),
            behind,
            error: None,
            confidence: vec![],
            diff: Diff {
                added: vec![Added {
                    symbol: "TTN".into(),
                }],
                removed: vec![],
                changed: vec![Changed {
                    symbol: "MYH7".into(),
                    field: shared::saved::GeneField::Confidence,
                    old: Some("AMBER".into()),
                    new: Some("GREEN".into()),
                }],
            },
        }
    }

    #[test]
    fn a_source_behind_upstream_names_both_versions() {
        assert_eq!(
            behind_sentence(&source(true)).as_deref(),
            Some("PanelApp has version 3.1 of GB Cardiomyopathy; this panel holds 2.0.")
        );
        assert_eq!(behind_sentence(&source(false)), None);
        assert_eq!(
            diff_summary(&source(true).diff),
            "1 added, 0 removed, 1 changed"
        );
    }

    #[test]
    fn unchecked_sources_say_why() {
        let mut unchecked = source(false);
        unchecked.latest_version = None;
        unchecked.error = Some("PanelApp timed out".into());
        assert_eq!(
            unchecked_sentence(&unchecked).as_deref(),
            Some("GB Cardiomyopathy could not be checked against PanelApp: PanelApp timed out")
        );
        assert_eq!(unchecked_sentence(&source(true)), None);
    }
}
