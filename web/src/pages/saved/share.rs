//! The share dialog: share with a user, a team or a link (permission, expiry, re-sharing), and
//! the list of shares with "revoke".

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::error_message;
use super::ops::{
    MyTeams, RevokeShare, SavedPanelShares, SharePanel, SharePermission, ShareTarget, my_teams,
    revoke_share, saved_panel_shares, share_panel,
};
use crate::api::graphql;
use crate::components::{ErrorView, Loading};
use crate::time::MaybeTime;

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
    let user_id = RwSignal::new(String::new());
    let team_id = RwSignal::new(String::new());
    let permission = RwSignal::new(SharePermission::View);
    let expires = RwSignal::new(String::new());
    let can_reshare = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<String>);

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
        let input = share_panel::SharePanelInput {
            panel_id: panel_id.get_value(),
            user_id: (target == ShareTarget::User)
                .then(|| user_id.get_untracked().trim().to_owned()),
            team_id: (target == ShareTarget::Team).then(|| team_id.get_untracked()),
            link: target == ShareTarget::Link,
            permission: permission.get_untracked(),
            expires_at: (!expires.is_empty()).then(|| format!("{expires}T23:59:59Z")),
            can_reshare: can_reshare.get_untracked(),
        };
        error.set(None);
        link.set(None);
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
                                    on:change=move |_| target.set(t)
                                />
                                {target_label(t)}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <Show when=move || target.get() == ShareTarget::User>
                <label>
                    "User id"
                    <input
                        type="text"
                        id="share-user"
                        prop:value=move || user_id.get()
                        on:input=move |ev| user_id.set(event_target_value(&ev))
                    />
                </label>
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
                    {SharePermission::ALL
                        .iter()
                        .map(|p| view! { <option value=p.as_str()>{permission_label(*p)}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Expires (optional)"
                <input
                    type="date"
                    id="share-expires"
                    prop:value=move || expires.get()
                    on:input=move |ev| expires.set(event_target_value(&ev))
                />
            </label>
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
        <Transition fallback=|| view! { <Loading label="Loading shares…" /> }>
            <ErrorBoundary fallback=move |errors| {
                view! { <ErrorView errors title="The shares could not be loaded." /> }
            }>
                {move || Suspend::new(async move {
                    shares
                        .await
                        .map(|list| {
                            if list.is_empty() {
                                return view! { <p class="muted">"Not shared yet."</p> }.into_any();
                            }
                            let rows = list
                                .into_iter()
                                .map(|share| {
                                    let who = match share.target {
                                        ShareTarget::User => {
                                            format!("User {}", share.user_id.unwrap_or_default())
                                        }
                                        ShareTarget::Team => {
                                            format!("Team {}", share.team_id.unwrap_or_default())
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
                        })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
