//! `/saved/:id` — one saved panel: its facts, genes (with edit mode), versions, diff, sharing,
//! status, downloads, PanelApp updates and comments.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use super::comments::CommentsSection;
use super::common::{refusal_message, status_label, visibility_label};
use super::export::ExportButtons;
use super::genes::GenesSection;
use super::history::{DiffSection, VersionTimeline};
use super::labels::VersionLabelsSection;
use super::share::ShareDialog;
use super::upstream::UpstreamNotice;
use crate::api::graphql;
use crate::components::Loaded;
use crate::queries::{
    PanelStatus, SavedPanel, SavedPanelChanged, SavedPanelSourceType, SavedPanelVersionAuthor,
    SetSavedPanelStatus, saved_panel, saved_panel_changed, saved_panel_version_author,
    set_saved_panel_status,
};
use crate::time::Time;
use crate::ws::{LiveEvent, use_subscription};

use crate::queries::SavedPanelChangeKind;

/// What the live notice says.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LiveNotice {
    /// A co-editor's version was loaded.
    Updated(i64),
    /// A co-editor saved while this page has edits staged.
    WhileEditing(i64),
}

/// What the live updates need to know of the page: the current version it shows and whether
/// gene edits are staged. Provided by the panel page, kept up to date by its sections.
#[derive(Debug, Clone, Copy)]
pub struct PanelLive {
    pub current: RwSignal<i64>,
    pub editing: RwSignal<bool>,
    /// The subscription is connected.
    pub following: RwSignal<bool>,
}

impl PanelLive {
    fn provide() -> Self {
        let live = Self {
            current: RwSignal::new(0),
            editing: RwSignal::new(false),
            following: RwSignal::new(false),
        };
        provide_context(live);
        live
    }
}

type Panel = saved_panel::SavedPanelSavedPanel;

/// `/saved/:id`.
#[component]
pub fn SavedPanelPage() -> impl IntoView {
    view! {
        <PanelLoader />
    }
}

#[component]
fn PanelLoader() -> impl IntoView {
    let params = use_params_map();
    let viewing = RwSignal::new(None::<i64>);
    let panel = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        let version = viewing.get();
        async move {
            graphql::<SavedPanel>(saved_panel::Variables { id, version })
                .await
                .map(|d| d.saved_panel)
        }
    });
    let reload = Callback::new(move |()| panel.refetch());
    let live = PanelLive::provide();
    let notice = RwSignal::new(None::<LiveNotice>);
    let user = crate::auth::use_current_user();
    // Follow the panel live: a co-editor's new version reloads the page with a notice, or,
    // while this page has edits staged, only says so (the staged edits are never overwritten;
    // saving them is refused as stale until the new version is loaded).
    Effect::new(move |_| {
        let id = params.read().get("id").unwrap_or_default();
        let variables = saved_panel_changed::Variables { id: id.clone() };
        use_subscription::<SavedPanelChanged>(variables, move |event| {
            let data = match event {
                LiveEvent::Data(data) => data,
                LiveEvent::Connected => {
                    live.following.set(true);
                    return;
                }
                LiveEvent::Reconnecting | LiveEvent::Failed(_) => {
                    live.following.set(false);
                    return;
                }
            };
            let change = data.saved_panel_changed;
            let known = live.current.get_untracked();
            if change.kind != SavedPanelChangeKind::Version || change.version <= known {
                if change.kind == SavedPanelChangeKind::Status && !live.editing.get_untracked() {
                    panel.refetch();
                }
                return;
            }
            let id = id.clone();
            let me = user.me_untracked().map(|m| m.username);
            spawn_local(async move {
                let variables = saved_panel_version_author::Variables {
                    id,
                    number: change.version,
                };
                let author = graphql::<SavedPanelVersionAuthor>(variables)
                    .await
                    .ok()
                    .and_then(|d| d.saved_panel.version.created_by.map(|p| p.username));
                let own = author.is_some() && author == me;
                if live.editing.get_untracked() {
                    if !own {
                        notice.set(Some(LiveNotice::WhileEditing(change.version)));
                    }
                } else {
                    if !own {
                        notice.set(Some(LiveNotice::Updated(change.version)));
                    }
                    viewing.set(None);
                    panel.refetch();
                }
            });
        });
    });
    let notice_view = move || {
        notice.get().map(|n| match n {
            LiveNotice::Updated(version) => view! {
                <div class="notice live-notice" role="status" id="live-notice" data-version=version>
                    <p>
                        {format!(
                            "Updated live: a co-editor saved version {version}; the page now shows it."
                        )}
                    </p>
                    <button type="button" class="button button-small" on:click=move |_| notice.set(None)>
                        "OK"
                    </button>
                </div>
            }
            .into_any(),
            LiveNotice::WhileEditing(version) => view! {
                <div class="notice live-notice" role="alert" id="live-notice" data-version=version>
                    <p>
                        {format!(
                            "A co-editor saved version {version} while you were editing. Your \
                             changes are not saved and were not overwritten; saving them now \
                             would be refused because they are based on an older version. Copy \
                             what you need, then load version {version}."
                        )}
                    </p>
                    <button
                        type="button"
                        class="button button-small"
                        id="live-load"
                        on:click=move |_| {
                            notice.set(None);
                            live.editing.set(false);
                            viewing.set(None);
                            panel.refetch();
                        }
                    >
                        {format!("Load version {version} (drops your changes)")}
                    </button>
                </div>
            }
            .into_any(),
        })
    };
    view! {
        {notice_view}
        <Show when=move || live.following.get()>
            <p class="visually-hidden" id="live-following">"This page follows changes live."</p>
        </Show>
        <Loaded
            resource=panel
            loading="Loading the panel…"
            error="The panel could not be loaded."
            view=move |panel| view! { <PanelView panel viewing reload /> }
        />
    }
}

/// The notice at the top of a panel with genes whose symbol is not verified.
fn unverified_notice(genes: &[super::genes::Gene]) -> Option<AnyView> {
    let unverified: Vec<&str> = genes
        .iter()
        .filter(|g| g.verification.status == shared::VerificationStatus::Unverified)
        .map(|g| g.symbol.as_str())
        .collect();
    if unverified.is_empty() {
        return None;
    }
    let (count, verb) = if unverified.len() == 1 {
        ("1 gene".to_owned(), "is")
    } else {
        (format!("{} genes", unverified.len()), "are")
    };
    Some(
        view! {
            <p class="notice" role="alert" id="unverified-notice">
                {format!(
                    "This panel has UNVERIFIED gene symbols: {count} {verb} not a known HGNC \
                     symbol, or not in the gene directory when added ({}). Check them before \
                     using the panel.",
                    unverified.join(", ")
                )}
            </p>
        }
        .into_any(),
    )
}

#[component]
fn PanelView(panel: Panel, viewing: RwSignal<Option<i64>>, reload: Callback<()>) -> impl IntoView {
    let current = panel.current_version;
    if let Some(live) = use_context::<PanelLive>() {
        live.current.set(current);
    }
    let shown = viewing.get_untracked().unwrap_or(current);
    let is_current = shown == current;
    let tags = panel.tags.join(", ");
    let unverified = unverified_notice(&panel.genes.nodes);
    let old_notice = (!is_current).then(|| {
        view! {
            <div class="notice" role="status" id="old-version-notice">
                <p>{format!("You are looking at version {shown}; the current one is {current}.")}</p>
                <button type="button" class="button" on:click=move |_| viewing.set(None)>
                    "Back to the current version"
                </button>
            </div>
        }
    });
    let status = panel.is_owner.then(|| {
        view! {
            <StatusControl
                panel_id=panel.id.clone()
                name=panel.name.clone()
                status=panel.status
                reload
            />
        }
    });
    let share = panel
        .can_share
        .then(|| view! { <ShareDialog panel_id=panel.id.clone() /> });
    let source = panel.source_type.map(|s| {
        let what = match s {
            SavedPanelSourceType::Merge => "a merge",
            SavedPanelSourceType::Upload => "an upload",
            SavedPanelSourceType::Manual => "genes entered by hand",
            SavedPanelSourceType::Empty => "nothing yet",
            SavedPanelSourceType::PanelApp => "PanelApp panels (imported)",
            SavedPanelSourceType::Other => "an imported list",
        };
        format!(" · built from {what}")
    });
    view! {
        <section class="page-head">
            <h1 id="panel-name">{panel.name.clone()}</h1>
            <p class="badges">
                <span class="badge" id="panel-status">{status_label(panel.status)}</span>
                <span class="badge">{visibility_label(panel.visibility)}</span>
            </p>
        </section>
        <p class="lead">{panel.description.clone().unwrap_or_default()}</p>
        <p class="muted" id="panel-facts">
            {format!(
                "Version {current} · {} · owner {} · updated ",
                crate::words::counted(panel.gene_count, "gene", "genes"),
                panel.owner.username.clone(),
            )}
            <Time at=panel.updated_at.clone() />
            {source}
        </p>
        {unverified}
        {(!tags.is_empty()).then(|| view! { <p class="tags">{format!("Tags: {tags}")}</p> })}
        {old_notice}
        {(!panel.can_edit)
            .then(|| {
                let what = if panel.can_comment {
                    "You can view this panel and comment on it, but not change it"
                } else {
                    "You can view this panel, but not change it"
                };
                let owner = Some(panel.owner.username.clone())
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| "its owner".to_owned());
                let viewer_role = crate::auth::use_current_user()
                    .me_untracked()
                    .is_some_and(|m| m.role == shared::Role::Viewer);
                let how = if viewer_role {
                    "Your account has the Viewer role, which reads and comments but never edits, \
                     whatever a share grants; ask an administrator for the User role."
                        .to_owned()
                } else {
                    format!("Ask {owner} for edit access to make changes.")
                };
                view! {
                    <p class="notice" role="status" id="read-only-notice">
                        {format!("Read-only: {what}. {how}")}
                    </p>
                }
            })}
        <UpstreamNotice panel_id=panel.id.clone() current can_edit=panel.can_edit reload />
        <div class="actions">{share} {status}</div>
        <ExportButtons panel_id=panel.id.clone() version=Some(shown) />
        <GenesSection
            panel_id=panel.id.clone()
            genes=panel.genes.nodes
            editable=panel.can_edit && is_current
            based_on=current
            reload
        />
        <div class="stack">
            <VersionTimeline
                panel_id=panel.id.clone()
                versions=panel.versions.nodes
                current
                can_edit=panel.can_edit
                viewing
                reload
            />
            <VersionLabelsSection
                panel_id=panel.id.clone()
                current
                can_edit=panel.can_edit
                is_owner=panel.is_owner
            />
            <DiffSection panel_id=panel.id.clone() current />
        </div>
        <CommentsSection panel_id=panel.id.clone() version=shown can_comment=panel.can_comment />
    }
}

/// Active, draft or archived from a list; "Delete" is a button that asks first and says how to
/// undo; a deleted panel says so at the top with "Restore" — for the owner.
#[component]
fn StatusControl(
    panel_id: String,
    name: String,
    status: PanelStatus,
    reload: Callback<()>,
) -> impl IntoView {
    let panel_id = StoredValue::new(panel_id);
    let error = RwSignal::new(None::<String>);
    let set_status = move |status: PanelStatus| {
        let variables = set_saved_panel_status::Variables {
            id: panel_id.get_value(),
            status,
        };
        spawn_local(async move {
            match graphql::<SetSavedPanelStatus>(variables).await {
                Ok(_) => reload.run(()),
                Err(err) => error.set(Some(refusal_message(&err))),
            }
        });
    };
    let error_view = move || {
        error
            .get()
            .map(|e| view! { <p class="form-error" role="alert">{e}</p> })
    };
    if status == PanelStatus::Deleted {
        return view! {
            <div class="notice" role="status" id="deleted-notice">
                <p>
                    "This panel is deleted: it is hidden from your lists and from everyone it \
                     was shared with. Restoring it brings it back as it was."
                </p>
                <button
                    type="button"
                    class="button button-primary"
                    id="restore-panel"
                    on:click=move |_| set_status(PanelStatus::Active)
                >
                    "Restore"
                </button>
            </div>
            {error_view}
        }
        .into_any();
    }
    let options = [
        PanelStatus::Active,
        PanelStatus::Draft,
        PanelStatus::Archived,
    ]
    .iter()
    .map(|s| {
        view! {
            <option value=s.as_str() selected=*s == status>
                {status_label(*s)}
            </option>
        }
    })
    .collect_view();
    let question = format!(
        "Delete \u{201c}{name}\u{201d}? It disappears from your lists and from everyone it is \
         shared with. You can undo this: choose \u{201c}Deleted\u{201d} in the status filter of \
         Saved panels, open the panel and press \u{201c}Restore\u{201d}."
    );
    view! {
        <label>
            "Status "
            <select
                id="panel-status-select"
                on:change=move |ev| {
                    if let Ok(status) = event_target_value(&ev).parse::<PanelStatus>() {
                        set_status(status);
                    }
                }
            >
                {options}
            </select>
        </label>
        <button
            type="button"
            class="button button-danger"
            id="delete-panel"
            on:click=move |_| {
                let sure = web_sys::window()
                    .and_then(|w| w.confirm_with_message(&question).ok())
                    .unwrap_or(false);
                if sure {
                    set_status(PanelStatus::Deleted);
                }
            }
        >
            "Delete…"
        </button>
        {error_view}
    }
    .into_any()
}
