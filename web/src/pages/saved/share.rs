//! The share dialog: share with a user, a team or a link (permission, expiry, re-sharing), and
//! the list of shares with "revoke".

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::error_message;
use super::ops::{
    MyTeams, RevokeShare, SavedPanelShares, SharePanel, SharePermission, ShareTarget,
    ShareableUsers, my_teams, revoke_share, saved_panel_shares, share_panel, shareable_users,
};
use crate::api::graphql;
use crate::components::Loaded;
use crate::time::{MaybeTime, end_of_day_in_zone, reader_zone};

/// Fewest characters the person picker looks up (the server's minimum).
const MIN_LOOKUP: usize = 2;

/// A person picked to share with: (user id, username).
type Picked = Option<(String, String)>;

fn permission_label(permission: SharePermission) -> &'static str {
    match permission {
        SharePermission::View => "View",
        SharePermission::Comment => "Comment",
        SharePermission::Edit => "Edit",
        SharePermission::Admin => "Admin (may share)",
    }
}

fn target_label(target: ShareTarget) -> &'static str {
    match target {
        ShareTarget::User => "User",
        ShareTarget::Team => "Team",
        ShareTarget::Link => "Link",
    }
}

/// The "Share" button and its dialog.
#[component]
pub fn ShareDialog(panel_id: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let panel_id = StoredValue::new(panel_id);
    view! {
        <button type="button" class="button" id="share-button" on:click=move |_| open.set(true)>
            "Share"
        </button>
        <Show when=move || open.get()>
            <div class="dialog-backdrop">
                <div
                    class="dialog card"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="share-heading"
                    id="share-dialog"
                >
                    <div class="section-head">
                        <h2 id="share-heading">"Share this panel"</h2>
                        <button
                            type="button"
                            class="button button-small"
                            aria-label="Close"
                            on:click=move |_| open.set(false)
                        >
                            "Close"
                        </button>
                    </div>
                    <ShareForm panel_id=panel_id.get_value() />
                </div>
            </div>
        </Show>
    }
}

#[component]
fn ShareForm(panel_id: String) -> impl IntoView {
    let panel_id = StoredValue::new(panel_id);
    let target = RwSignal::new(ShareTarget::Link);
    let picked = RwSignal::new(None::<(String, String)>);
    let team_id = RwSignal::new(String::new());
    let permission = RwSignal::new(SharePermission::View);
    let expires = RwSignal::new(String::new());
    let can_reshare = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<String>);
    let zone = reader_zone();

    let shares = LocalResource::new(move || {
        let id = panel_id.get_value();
        async move {
            graphql::<SavedPanelShares>(saved_panel_shares::Variables { id })
                .await
                .map(|d| d.saved_panel.shares)
        }
    });
    let teams = LocalResource::new(|| async {
        graphql::<MyTeams>(my_teams::Variables)
            .await
            .map(|d| d.my_teams)
            .unwrap_or_default()
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let target = target.get_untracked();
        let expires = expires.get_untracked();
        error.set(None);
        link.set(None);
        let user_id = match (target, picked.get_untracked()) {
            (ShareTarget::User, Some((id, _))) => Some(id),
            (ShareTarget::User, None) => {
                error.set(Some(
                    "Choose the person to share with from the list.".to_owned(),
                ));
                return;
            }
            _ => None,
        };
        // The chosen day ends at 23:59:59 in the reader's own zone.
        let expires_at = if expires.is_empty() {
            None
        } else {
            let zone = zone.with_untracked(|(zone, _)| zone.clone());
            match end_of_day_in_zone(&expires, &zone) {
                Some(at) => Some(at),
                None => {
                    error.set(Some(format!("{expires} is not a date.")));
                    return;
                }
            }
        };
        let input = share_panel::SharePanelInput {
            panel_id: panel_id.get_value(),
            user_id,
            username: None,
            team_id: (target == ShareTarget::Team).then(|| team_id.get_untracked()),
            link: target == ShareTarget::Link,
            permission: permission.get_untracked(),
            expires_at,
            can_reshare: Some(can_reshare.get_untracked()),
        };
        spawn_local(async move {
            match graphql::<SharePanel>(share_panel::Variables { input }).await {
                Ok(data) => {
                    if let Some(path) = data.share_panel.link_path {
                        let origin = window().location().origin().unwrap_or_default();
                        link.set(Some(format!("{origin}{path}")));
                    }
                    shares.refetch();
                }
                Err(err) => error.set(Some(error_message(&err))),
            }
        });
    };

    let team_options = move || {
        teams.get().map(|teams| {
            teams
                .into_iter()
                .map(|t| view! { <option value=t.id.clone()>{t.name.clone()}</option> })
                .collect_view()
        })
    };

    view! {
        <form class="form" id="share-form" on:submit=submit>
            <fieldset>
                <legend>"Share with"</legend>
                {[ShareTarget::Link, ShareTarget::User, ShareTarget::Team]
                    .into_iter()
                    .map(|t| {
                        view! {
                            <label class="inline">
                                <input
                                    type="radio"
                                    name="share-target"
                                    value=target_label(t)
                                    prop:checked=move || target.get() == t
                                    on:change=move |_| {
                                        target.set(t);
                                        // A link grants VIEW or COMMENT only.
                                        if t == ShareTarget::Link
                                            && permission.get_untracked() > SharePermission::Comment
                                        {
                                            permission.set(SharePermission::View);
                                        }
                                    }
                                />
                                {target_label(t)}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <Show when=move || target.get() == ShareTarget::User>
                <PersonPicker picked />
            </Show>
            <Show when=move || target.get() == ShareTarget::Team>
                <label>
                    "Team"
                    <select
                        id="share-team"
                        on:change=move |ev| team_id.set(event_target_value(&ev))
                    >
                        <option value="">"Choose a team"</option>
                        <Suspense>{team_options}</Suspense>
                    </select>
                </label>
            </Show>
            <label>
                "Permission"
                <select
                    id="share-permission"
                    on:change=move |ev| {
                        if let Ok(p) = event_target_value(&ev).parse() {
                            permission.set(p);
                        }
                    }
                >
                    {move || {
                        let link = target.get() == ShareTarget::Link;
                        SharePermission::ALL
                            .iter()
                            .copied()
                            .filter(|p| !link || *p <= SharePermission::Comment)
                            .map(|p| {
                                view! {
                                    <option value=p.as_str() selected=move || permission.get() == p>
                                        {permission_label(p)}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <label>
                "Expires (optional)"
                <input
                    type="date"
                    id="share-expires"
                    aria-describedby="share-expires-hint"
                    prop:value=move || expires.get()
                    on:input=move |ev| expires.set(event_target_value(&ev))
                />
            </label>
            <p class="muted" id="share-expires-hint">
                {move || {
                    zone.with(|(zone, _)| format!("Access ends at the end of that day, {zone} time."))
                }}
            </p>
            <label class="inline">
                <input
                    type="checkbox"
                    prop:checked=move || can_reshare.get()
                    on:change=move |ev| can_reshare.set(event_target_checked(&ev))
                />
                "May share it further"
            </label>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <button type="submit" class="button button-primary" id="share-submit">
                "Share"
            </button>
        </form>
        {move || {
            link.get()
                .map(|url| {
                    view! {
                        <label class="share-link">
                            "Anyone with this link can open the panel:"
                            <input type="text" id="share-link" readonly prop:value=url />
                        </label>
                    }
                })
        }}
        <h3>"Current shares"</h3>
        <Loaded
            resource=shares
            loading="Loading shares…"
            error="The shares could not be loaded."
            view=move |list| {
                if list.is_empty() {
                    return view! { <p class="muted">"Not shared yet."</p> }.into_any();
                }
                let rows = list
                    .into_iter()
                    .map(|share| {
                        let who = match share.target {
                            ShareTarget::User => {
                                share
                                    .username
                                    .clone()
                                    .or_else(|| {
                                        share.user_id.clone().map(|id| format!("User {id}"))
                                    })
                                    .unwrap_or_default()
                            }
                            ShareTarget::Team => {
                                share
                                    .team_name
                                    .clone()
                                    .map(|name| format!("Team {name}"))
                                    .or_else(|| {
                                        share.team_id.clone().map(|id| format!("Team {id}"))
                                    })
                                    .unwrap_or_default()
                            }
                            ShareTarget::Link => "Link".to_owned(),
                        };
                        let id = share.id.clone();
                        let usable = share.usable;
                        view! {
                            <tr>
                                <td>{who}</td>
                                <td>{permission_label(share.permission)}</td>
                                <td>{if share.can_reshare { "yes" } else { "no" }}</td>
                                <td>
                                    <MaybeTime at=share.expires_at.clone() none="never" />
                                </td>
                                <td>{share.access_count}</td>
                                <td>
                                    {if usable {
                                        view! {
                                            <button
                                                type="button"
                                                class="button button-small"
                                                on:click=move |_| {
                                                    let id = id.clone();
                                                    spawn_local(async move {
                                                        match graphql::<RevokeShare>(revoke_share::Variables {
                                                                id,
                                                            })
                                                            .await
                                                        {
                                                            Ok(_) => shares.refetch(),
                                                            Err(err) => error.set(Some(error_message(&err))),
                                                        }
                                                    });
                                                }
                                            >
                                                "Revoke"
                                            </button>
                                        }
                                            .into_any()
                                    } else {
                                        view! { <span class="muted">"Ended"</span> }
                                            .into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="data-table" id="shares-table">
                        <thead>
                            <tr>
                                <th scope="col">"With"</th>
                                <th scope="col">"Permission"</th>
                                <th scope="col">"Re-share"</th>
                                <th scope="col">"Expires"</th>
                                <th scope="col">"Opened"</th>
                                <th scope="col">
                                    <span class="visually-hidden">"Revoke"</span>
                                </th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
        />
    }
}

/// A type-ahead person picker: matching people (by username, or a whole e-mail address) are
/// listed as you type; choosing one sets `picked`.
#[component]
fn PersonPicker(picked: RwSignal<Picked>) -> impl IntoView {
    let text = RwSignal::new(
        picked
            .get_untracked()
            .map(|(_, name)| name)
            .unwrap_or_default(),
    );
    let open = RwSignal::new(false);
    let matches = LocalResource::new(move || {
        let query = text.get().trim().to_owned();
        async move {
            if query.chars().count() < MIN_LOOKUP {
                return Ok(Vec::new());
            }
            graphql::<ShareableUsers>(shareable_users::Variables {
                query,
                limit: Some(8),
            })
            .await
            .map(|d| d.shareable_users)
        }
    });
    let options = move || {
        if !open.get() {
            return None;
        }
        let found = matches.get()?;
        let view = match found {
            Err(err) => view! { <p class="form-error">{error_message(&err)}</p> }.into_any(),
            Ok(list) if list.is_empty() => {
                let short = text.with(|t| t.trim().chars().count() < MIN_LOOKUP);
                let note = if short {
                    "Type at least two letters of a username, or a whole e-mail address."
                } else {
                    "Nobody matches."
                };
                view! { <p class="muted" id="share-user-none">{note}</p> }.into_any()
            }
            Ok(list) => view! {
                <ul class="picker-options" id="share-user-options" role="listbox">
                    {list
                        .into_iter()
                        .map(|person| {
                            let label = match &person.display_name {
                                Some(name) => format!("{} ({name})", person.username),
                                None => person.username.clone(),
                            };
                            let choice = (person.id.clone(), person.username.clone());
                            view! {
                                <li role="option" aria-selected="false">
                                    <button
                                        type="button"
                                        class="picker-option"
                                        data-username=person.username.clone()
                                        on:click=move |_| {
                                            text.set(choice.1.clone());
                                            picked.set(Some(choice.clone()));
                                            open.set(false);
                                        }
                                    >
                                        {label}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        };
        Some(view)
    };
    view! {
        <div class="picker">
            <label>
                "Person"
                <input
                    type="text"
                    id="share-user"
                    role="combobox"
                    autocomplete="off"
                    aria-autocomplete="list"
                    aria-controls="share-user-options"
                    aria-expanded=move || open.get().to_string()
                    placeholder="Username or e-mail address"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        picked.set(None);
                        open.set(true);
                    }
                />
            </label>
            {options}
            {move || {
                picked
                    .get()
                    .map(|(_, name)| {
                        view! {
                            <p class="picker-chosen" id="share-user-chosen">
                                "Sharing with " <strong>{name}</strong>
                            </p>
                        }
                    })
            }}
        </div>
    }
}
