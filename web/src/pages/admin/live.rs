//! `/admin/live`: audit events as they are committed on any server instance, with filters
//! (action, outcome, security events, one user — chosen by clicking a name in the feed),
//! pause / resume, and security events highlighted.

use leptos::prelude::*;
use shared::AuditAction;

use super::{AdminNav, action_label};
use crate::queries::{AuditEvents, audit_events};
use crate::time::Time;
use crate::ws::{LiveEvent, Subscription, subscribe};

type Event = audit_events::AuditEventsAuditEvents;

/// How many events the feed keeps on screen.
const KEEP: usize = 200;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Connecting,
    Live,
    Reconnecting,
    Failed(String),
}

/// `/admin/live`.
#[component]
pub fn AdminLivePage() -> impl IntoView {
    let security_only = RwSignal::new(false);
    let success = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    // `(user id, username)` when the feed shows one user's events only.
    let only_user = RwSignal::new(None::<(String, String)>);
    let paused = RwSignal::new(false);
    let events = RwSignal::new(Vec::<Event>::new());
    let held = RwSignal::new(Vec::<Event>::new());
    let missed = RwSignal::new(0_i64);
    let status = RwSignal::new(Status::Connecting);
    let running = StoredValue::new_local(None::<Subscription>);

    // (Re)subscribe whenever the filters change; the previous socket is closed first.
    Effect::new(move |_| {
        let filter = audit_events::AuditEventFilter {
            actions: action
                .get()
                .parse::<AuditAction>()
                .ok()
                .map(|action| vec![action]),
            user_ids: only_user.get().map(|(id, _)| vec![id]),
            success: match success.get().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            security_only: security_only.get(),
        };
        if let Some(previous) = running.get_value() {
            previous.stop();
        }
        status.set(Status::Connecting);
        let subscription = subscribe::<AuditEvents>(
            audit_events::Variables {
                filter: Some(filter),
            },
            move |event| match event {
                LiveEvent::Connected => status.set(Status::Live),
                LiveEvent::Reconnecting => status.set(Status::Reconnecting),
                LiveEvent::Failed(error) => status.set(Status::Failed(error.to_string())),
                LiveEvent::Data(data) => {
                    let event = data.audit_events;
                    missed.update(|missed| *missed += event.missed_before);
                    let target = if paused.get_untracked() { held } else { events };
                    target.update(|list| {
                        list.insert(0, event);
                        list.truncate(KEEP);
                    });
                }
            },
        );
        running.set_value(Some(subscription));
    });
    on_cleanup(move || {
        if let Some(subscription) = running.try_get_value().flatten() {
            subscription.stop();
        }
    });

    let toggle_pause = move |_| {
        if paused.get_untracked() {
            let mut waiting = held.get_untracked();
            held.set(Vec::new());
            events.update(|list| {
                waiting.append(list);
                waiting.truncate(KEEP);
                *list = waiting;
            });
            paused.set(false);
        } else {
            paused.set(true);
        }
    };
    let status_line = move || match status.get() {
        Status::Connecting => ("status", "Connecting…".to_owned()),
        Status::Live if paused.get() => (
            "status paused",
            format!(
                "Paused; {} waiting.",
                crate::words::counted_len(held.with(Vec::len), "new event", "new events")
            ),
        ),
        Status::Live => ("status live", "Live".to_owned()),
        Status::Reconnecting => ("status", "Connection lost; reconnecting…".to_owned()),
        Status::Failed(message) => ("status failed", format!("Stopped: {message}")),
    };
    let action_options = AuditAction::written()
        .map(|action| view! { <option value=action.as_str() title=action.meaning()>{action_label(action)}</option> })
        .collect_view();
    let rows = move || {
        let only = only_user.get().map(|(id, _)| id);
        events
            .get()
            .into_iter()
            // Events received before the user filter was chosen stay in the list, hidden.
            .filter(|event| only.is_none() || event.user_id == only)
            .map(|event| {
                let class = if event.security_event {
                    "live-event security"
                } else if !event.success {
                    "live-event failed"
                } else {
                    "live-event"
                };
                view! {
                    <li class=class data-action=event.action.as_str()>
                        <Time at=event.at />
                        " "
                        <strong class="live-action">{action_label(event.action)}</strong>
                        " "
                        {user_link(event.user_id, event.username, only_user)}
                        " — "
                        <span>{event.description}</span>
                        {event.resource_type.map(|kind| {
                            let resource = match event.resource_id {
                                Some(id) => format!("{kind}:{id}"),
                                None => kind,
                            };
                            view! { " " <code>{resource}</code> }
                        })}
                        {(!event.success).then(|| view! { " " <span class="tag tag-error">"failed"</span> })}
                        {event.ip_address.map(|ip| view! { " " <span class="muted">{ip}</span> })}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <AdminNav />
        <h1>"Live audit feed"</h1>
        <div class="form form-row filters">
            <label>
                "Action"
                <select id="live-action" on:change=move |event| action.set(event_target_value(&event))>
                    <option value="">"Any"</option>
                    {action_options}
                </select>
            </label>
            <label>
                "Outcome"
                <select id="live-success" on:change=move |event| success.set(event_target_value(&event))>
                    <option value="">"Any"</option>
                    <option value="true">"Succeeded"</option>
                    <option value="false">"Failed"</option>
                </select>
            </label>
            <label class="checkbox">
                <input id="live-security-only" type="checkbox" bind:checked=security_only />
                "Security events only"
            </label>
            {move || only_user.get().map(|(_, name)| view! {
                <span class="filter-chip" id="live-user-filter">
                    "User: " <strong>{name}</strong>
                    <button
                        type="button"
                        class="link-button"
                        aria-label="Show every user's events"
                        on:click=move |_| only_user.set(None)
                    >
                        "×"
                    </button>
                </span>
            })}
            <button type="button" class="button" id="live-pause" on:click=toggle_pause>
                {move || if paused.get() { "Resume" } else { "Pause" }}
            </button>
            <button type="button" class="button" on:click=move |_| events.set(Vec::new())>"Clear"</button>
        </div>
        {move || {
            let (class, text) = status_line();
            view! { <p class=class id="live-status" role="status">{text}</p> }
        }}
        {move || {
            let missed = missed.get();
            (missed > 0).then(|| view! {
                <p class="form-error">
                    {format!(
                        "{} dropped because this page read too slowly.",
                        if missed == 1 { "1 event was".to_owned() } else { format!("{missed} events were") },
                    )}
                </p>
            })
        }}
        <ol class="live-feed" id="live-feed" aria-live="polite">{rows}</ol>
    }
}

/// The user an event names: a button that narrows the feed to that user, or "anonymous".
fn user_link(
    user_id: Option<String>,
    username: Option<String>,
    only_user: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let name = username.unwrap_or_else(|| "anonymous".to_owned());
    match user_id {
        Some(id) => {
            let label = name.clone();
            view! {
                <button
                    type="button"
                    class="link-button live-user"
                    title="Show only this user's events"
                    on:click=move |_| only_user.set(Some((id.clone(), label.clone())))
                >
                    {name}
                </button>
            }
            .into_any()
        }
        None => view! { <span class="live-user">{name}</span> }.into_any(),
    }
}
