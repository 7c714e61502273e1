//! `/admin/messages`: announcements shown to everyone as banners (create, edit, show / hide,
//! delete; optional expiry).

use leptos::prelude::*;
use shared::MessageType;
use wasm_bindgen::JsValue;

use super::AdminNav;
use crate::api::{ApiError, graphql};
use crate::components::outcome;
use crate::components::{Loaded, Table};
use crate::queries::{
    AllAdminMessages, CreateAdminMessage, DeleteAdminMessage, SetAdminMessageActive,
    UpdateAdminMessage, all_admin_messages, create_admin_message, delete_admin_message,
    set_admin_message_active, update_admin_message,
};
use crate::time::{MaybeTime, Time};

type MessageRow = all_admin_messages::AllAdminMessagesAllAdminMessages;

/// A `datetime-local` value (the browser's zone) as an RFC 3339 UTC instant.
fn local_to_utc(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    let date = js_sys::Date::new(&JsValue::from_str(value));
    (!date.get_time().is_nan())
        .then(|| date.to_iso_string().as_string())
        .flatten()
}

/// An RFC 3339 instant as a `datetime-local` value in the browser's zone.
fn utc_to_local(value: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(value));
    if date.get_time().is_nan() {
        return String::new();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

#[derive(Debug, Clone)]
enum MessageAction {
    Save(Option<String>, create_admin_message::AdminMessageInput),
    Active(String, bool),
    Delete(String),
}

async fn perform(action: MessageAction) -> Result<String, ApiError> {
    Ok(match action {
        MessageAction::Save(None, input) => {
            graphql::<CreateAdminMessage>(create_admin_message::Variables { input }).await?;
            "Message created.".to_owned()
        }
        MessageAction::Save(Some(id), input) => {
            let input = update_admin_message::AdminMessageInput {
                title: input.title,
                message: input.message,
                type_: input.type_,
                active: input.active,
                expires_at: input.expires_at,
            };
            graphql::<UpdateAdminMessage>(update_admin_message::Variables { id, input }).await?;
            "Message saved.".to_owned()
        }
        MessageAction::Active(id, active) => {
            graphql::<SetAdminMessageActive>(set_admin_message_active::Variables { id, active })
                .await?;
            if active {
                "Message shown."
            } else {
                "Message hidden."
            }
            .to_owned()
        }
        MessageAction::Delete(id) => {
            graphql::<DeleteAdminMessage>(delete_admin_message::Variables { id }).await?;
            "Message deleted.".to_owned()
        }
    })
}

/// `/admin/messages`.
#[component]
pub fn AdminMessagesPage() -> impl IntoView {
    let messages = LocalResource::new(|| async {
        graphql::<AllAdminMessages>(all_admin_messages::Variables)
            .await
            .map(|data| data.all_admin_messages)
    });
    let editing = RwSignal::new(None::<String>);
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let kind = RwSignal::new(MessageType::Info);
    let active = RwSignal::new(true);
    let expires = RwSignal::new(String::new());
    let reset_form = move || {
        editing.set(None);
        title.set(String::new());
        text.set(String::new());
        kind.set(MessageType::Info);
        active.set(true);
        expires.set(String::new());
    };
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let act = Action::new_local(move |action: &MessageAction| {
        let action = action.clone();
        let saving = matches!(action, MessageAction::Save(..));
        async move {
            let done = perform(action).await;
            if saving && done.is_ok() {
                reset_form();
            }
            result.set(Some(done));
            messages.refetch();
        }
    });
    let edit = move |message: &MessageRow| {
        editing.set(Some(message.id.clone()));
        title.set(message.title.clone());
        text.set(message.message.clone());
        kind.set(message.type_);
        active.set(message.active);
        expires.set(
            message
                .expires_at
                .as_deref()
                .map(utc_to_local)
                .unwrap_or_default(),
        );
    };
    let kind_options = move || {
        MessageType::ALL
            .iter()
            .map(|option| {
                view! {
                    <option value=option.as_str() selected=move || kind.get() == *option>
                        {option.as_str()}
                    </option>
                }
            })
            .collect_view()
    };
    let row = move |message: MessageRow| {
        let id = message.id.clone();
        let (toggle_id, delete_id) = (id.clone(), id.clone());
        let is_active = message.active;
        let for_edit = message.clone();
        view! {
            <tr class="message-row">
                <td class="message-title">{message.title}</td>
                <td>{message.message}</td>
                <td><span class=format!("tag tag-{}", message.type_.as_str().to_lowercase())>{message.type_.as_str()}</span></td>
                <td>{if message.visible { "shown" } else if is_active { "expired" } else { "hidden" }}</td>
                <td><MaybeTime at=message.expires_at none="never" /></td>
                <td><Time at=message.created_at /></td>
                <td class="actions">
                    <button type="button" class="button button-small" on:click=move |_| edit(&for_edit)>"Edit"</button>
                    <button
                        type="button"
                        class="button button-small"
                        on:click=move |_| { act.dispatch(MessageAction::Active(toggle_id.clone(), !is_active)); }
                    >
                        {if is_active { "Hide" } else { "Show" }}
                    </button>
                    <button
                        type="button"
                        class="button button-small button-danger"
                        on:click=move |_| { act.dispatch(MessageAction::Delete(delete_id.clone())); }
                    >
                        "Delete"
                    </button>
                </td>
            </tr>
        }
    };
    view! {
        <AdminNav />
        <h1>"Messages"</h1>
        <section class="card" aria-labelledby="message-form-heading">
            <h2 id="message-form-heading">
                {move || if editing.get().is_some() { "Edit message" } else { "New message" }}
            </h2>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    act.dispatch(MessageAction::Save(
                        editing.get_untracked(),
                        create_admin_message::AdminMessageInput {
                            title: title.get_untracked(),
                            message: text.get_untracked(),
                            type_: kind.get_untracked(),
                            active: active.get_untracked(),
                            expires_at: local_to_utc(&expires.get_untracked()),
                        },
                    ));
                }
            >
                <label>"Title" <input id="message-title" required bind:value=title /></label>
                <label>"Message" <textarea id="message-text" required bind:value=text></textarea></label>
                <div class="form-row">
                    <label>
                        "Type"
                        <select
                            id="message-type"
                            on:change=move |event| {
                                if let Ok(value) = event_target_value(&event).parse() {
                                    kind.set(value);
                                }
                            }
                        >
                            {kind_options}
                        </select>
                    </label>
                    <label>
                        "Expires (your browser's time, optional)"
                        <input id="message-expires" type="datetime-local" bind:value=expires />
                    </label>
                    <label class="checkbox">
                        <input id="message-active" type="checkbox" bind:checked=active />
                        "Shown"
                    </label>
                </div>
                {outcome(result)}
                <div class="actions">
                    <button type="submit" class="button button-primary" id="message-save" disabled=move || act.pending().get()>
                        {move || if editing.get().is_some() { "Save message" } else { "Create message" }}
                    </button>
                    {move || editing.get().map(|_| view! {
                        <button type="button" class="button" on:click=move |_| reset_form()>"Cancel"</button>
                    })}
                </div>
            </form>
        </section>
        <Loaded
            resource=messages
            loading="Loading messages…"
            error="The messages could not be loaded."
            view=move |list| view! {
                <Table id="messages" headers=&["Title", "Message", "Type", "State", "Expires", "Created", "Actions"]>
                    {list.into_iter().map(row).collect_view()}
                </Table>
            }
        />
    }
}
