//! The share dialog: share with a user, a team or a link (permission, expiry, re-sharing), and
//! the list of shares with "revoke".

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ErrorCode;

use super::common::error_message;
use crate::api::{ApiError, graphql};
use crate::components::Loaded;
use crate::queries::{
    MyTeams, ReissueShareLink, RevokeShare, SavedPanelShares, SharePanel, SharePermission,
    ShareTarget, ShareableUsers, my_teams, reissue_share_link, revoke_share, saved_panel_shares,
    share_panel, shareable_users,
};
use crate::time::{MaybeTime, end_of_day_in_zone, reader_zone};

/// Fewest characters the person picker looks up (the server's minimum).
const MIN_LOOKUP: usize = 2;

/// A person picked to share with: (user id, username).
type Picked = Option<(String, String)>;

pub fn permission_label(permission: SharePermission) -> &'static str {
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
    // What was typed in the person picker: an exact username is accepted without choosing.
    let typed = RwSignal::new(String::new());
    let team_id = RwSignal::new(String::new());
    let permission = RwSignal::new(SharePermission::View);
    let expires = RwSignal::new(String::new());
    let can_reshare = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<String>);
    // Whether the link shown replaced an earlier one (a re-issued link).
    let reissued = RwSignal::new(false);
    let zone = reader_zone();

    let shares = LocalResource::new(move || {
        let id = panel_id.get_value();
        async move {
            graphql::<SavedPanelShares>(saved_panel_shares::Variables { id })
                .await
                .map(|d| d.saved_panel.shares.nodes)
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
        reissued.set(false);
        let typed_name = typed.get_untracked().trim().to_owned();
        let (user_id, username) = match (target, picked.get_untracked()) {
            (ShareTarget::User, Some((id, _))) => (Some(id), None),
            // A username typed exactly is as good as one chosen from the list.
            (ShareTarget::User, None) if !typed_name.is_empty() => (None, Some(typed_name)),
            (ShareTarget::User, None) => {
                error.set(Some(
                    "Type the username of the person to share with, or choose them from the list."
                        .to_owned(),
                ));
                return;
            }
            _ => (None, None),
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
            username: username.clone(),
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
                Err(err) => error.set(Some(match (&err, &username) {
                    (
                        ApiError::Graphql {
                            code: Some(ErrorCode::NotFound),
                            ..
                        },
                        Some(name),
                    ) => format!(
                        "Nobody has the username \u{201c}{name}\u{201d}. Usernames must match \
                         exactly (capitals too); choose the person from the list to be sure."
                    ),
                    _ => error_message(&err),
                })),
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
                <PersonPicker picked typed />
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
        {move || link.get().map(|url| view! { <ShareLink url reissued=reissued.get() /> })}
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
                        let reissue_id = share.id.clone();
                        let usable = share.usable;
                        let is_link = share.target == ShareTarget::Link;
                        let new_link = (usable && is_link).then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="button button-small share-new-link"
                                    title="Make a new link for this share; the current link stops working"
                                    on:click=move |_| {
                                        let question = "PanelMerge keeps only a fingerprint of each link, so the \
                                            current link can not be shown again. Make a new link instead? \
                                            The current link stops working at once.";
                                        if !confirm(question) {
                                            return;
                                        }
                                        let id = reissue_id.clone();
                                        spawn_local(async move {
                                            match graphql::<ReissueShareLink>(reissue_share_link::Variables {
                                                    id,
                                                })
                                                .await
                                            {
                                                Ok(data) => {
                                                    let origin = window().location().origin().unwrap_or_default();
                                                    link.set(Some(format!("{origin}{}", data.reissue_share_link.link_path)));
                                                    reissued.set(true);
                                                    shares.refetch();
                                                }
                                                Err(err) => error.set(Some(error_message(&err))),
                                            }
                                        });
                                    }
                                >
                                    "New link"
                                </button>
                                " "
                            }
                        });
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
                                    {new_link}
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

/// Asks the visitor (the browser's own dialog); `false` when it can not be shown.
fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`); an error when the browser
/// has no clipboard or refuses.
async fn copy_to_clipboard(text: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let navigator = js_sys::Reflect::get(&window(), &"navigator".into())
        .map_err(|_| "this browser offers no clipboard here")?;
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined())
        .ok_or("this browser offers no clipboard here")?;
    let write = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("this browser offers no clipboard here")?;
    let promise = write
        .call1(&clipboard, &text.into())
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
        .ok_or("the clipboard could not be written")?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| "the browser did not allow it".to_owned())
}

/// A share link with its Copy button and what to do when it is lost.
#[component]
fn ShareLink(url: String, reissued: bool) -> impl IntoView {
    let copied = RwSignal::new(None::<String>);
    let value = StoredValue::new(url.clone());
    let copy = move |_| {
        let url = value.get_value();
        spawn_local(async move {
            let said = match copy_to_clipboard(&url).await {
                Ok(()) => "Copied.".to_owned(),
                Err(why) => format!("Could not copy ({why}); select the link and copy it."),
            };
            copied.set(Some(said));
        });
    };
    let note = if reissued {
        "This new link replaces the old one, which no longer works. Copy it now: PanelMerge \
         keeps only a fingerprint of each link, so it can not show it again (\u{201c}New link\u{201d} \
         makes another)."
    } else {
        "Copy it now: PanelMerge keeps only a fingerprint of each link, so it can not show it \
         again. If it is lost, \u{201c}New link\u{201d} in the list below makes a new one (the old \
         one then stops working)."
    };
    view! {
        <div class="share-link">
            <label for="share-link">"Anyone with this link can open the panel:"</label>
            <div class="share-link-row">
                <input
                    type="text"
                    id="share-link"
                    readonly
                    prop:value=url
                    on:focus=|ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                        {
                            input.select();
                        }
                    }
                />
                <button type="button" class="button" id="share-link-copy" on:click=copy>
                    "Copy"
                </button>
            </div>
            <p class="muted" id="share-link-note">{note}</p>
            <p role="status" id="share-link-copied">{move || copied.get()}</p>
        </div>
    }
}

/// A type-ahead person picker, an ARIA 1.2 combobox: matching people (by username, or a whole
/// e-mail address) are listed as you type; Down / Up move through them, Enter chooses, Escape
/// closes the list (and clears the text when it is closed). Choosing sets `picked`; `typed` is
/// the text, and a username typed exactly is accepted without choosing.
#[component]
fn PersonPicker(picked: RwSignal<Picked>, typed: RwSignal<String>) -> impl IntoView {
    let text = typed;
    if let Some((_, name)) = picked.get_untracked() {
        text.set(name);
    }
    let open = RwSignal::new(false);
    // The option the arrows are on (an index into the matches).
    let active = RwSignal::new(None::<usize>);
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
    let people = move || matches.get().and_then(Result::ok).unwrap_or_default();
    let choose = move |person: &shareable_users::ShareableUsersShareableUsers| {
        text.set(person.username.clone());
        picked.set(Some((person.id.clone(), person.username.clone())));
        open.set(false);
        active.set(None);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let list = people();
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                if !open.get_untracked() {
                    open.set(true);
                }
                if list.is_empty() {
                    return;
                }
                let last = list.len() - 1;
                let next = match (ev.key().as_str(), active.get_untracked()) {
                    ("ArrowDown", Some(i)) if i < last => i + 1,
                    ("ArrowDown", _) => 0,
                    (_, Some(i)) if i > 0 => i - 1,
                    _ => last,
                };
                active.set(Some(next));
            }
            "Enter" => {
                if let (true, Some(i)) = (open.get_untracked(), active.get_untracked())
                    && let Some(person) = list.get(i)
                {
                    // Choosing from the list does not submit the form.
                    ev.prevent_default();
                    choose(person);
                }
            }
            "Escape" => {
                ev.prevent_default();
                // Inside the share dialog, Escape closes the list first.
                ev.stop_propagation();
                if open.get_untracked() {
                    open.set(false);
                    active.set(None);
                } else {
                    text.set(String::new());
                    picked.set(None);
                }
            }
            _ => {}
        }
    };
    let option_id = |i: usize| format!("share-user-option-{i}");
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
                <ul class="picker-options" id="share-user-options" role="listbox" aria-label="People">
                    {list
                        .into_iter()
                        .enumerate()
                        .map(|(i, person)| {
                            let label = match &person.display_name {
                                Some(name) => format!("{} ({name})", person.username),
                                None => person.username.clone(),
                            };
                            view! {
                                <li
                                    role="option"
                                    class="picker-option"
                                    id=option_id(i)
                                    data-username=person.username.clone()
                                    aria-selected=move || (active.get() == Some(i)).to_string()
                                    // Keep the focus in the text box while choosing with the mouse.
                                    on:mousedown=|ev| ev.prevent_default()
                                    on:click=move |_| choose(&person)
                                >
                                    {label}
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
                    aria-activedescendant=move || active.get().map(option_id)
                    aria-describedby="share-user-hint"
                    placeholder="Username or e-mail address"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        picked.set(None);
                        active.set(None);
                        open.set(true);
                    }
                    on:keydown=on_key
                    on:blur=move |_| {
                        open.set(false);
                        active.set(None);
                    }
                />
            </label>
            <p class="muted" id="share-user-hint">
                "Type a username exactly, or choose from the list (Down and Up to move, Enter to choose)."
            </p>
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
