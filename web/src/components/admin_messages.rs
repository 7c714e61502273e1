//! Admin announcements as banners, live: the `adminMessages` subscription sends the visible
//! list at once and again whenever a message is created, changed, deleted or expires, and the
//! banners follow it in every open browser.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::banner::{Banner, use_banners};
use crate::queries::{AdminMessagesLive, admin_messages_live};
use crate::ws::{LiveEvent, use_subscription};

const KEY_PREFIX: &str = "admin-message-";

fn key(id: &str) -> String {
    format!("{KEY_PREFIX}{id}")
}

/// Keeps the banner list in step with the announcements; renders nothing itself.
#[component]
pub fn LiveAdminMessages() -> impl IntoView {
    let banners = use_banners();
    let shown = StoredValue::new_local(BTreeSet::<String>::new());
    use_subscription::<AdminMessagesLive>(admin_messages_live::Variables, move |event| {
        let LiveEvent::Data(data) = event else {
            return;
        };
        let visible = data.admin_messages.visible;
        let now: BTreeSet<String> = visible.iter().map(|message| key(&message.id)).collect();
        for gone in shown.with_value(|shown| shown.difference(&now).cloned().collect::<Vec<_>>()) {
            banners.dismiss(&gone);
        }
        for message in visible {
            banners.show(
                &key(&message.id),
                Banner {
                    kind: message.type_,
                    text: format!("{}: {}", message.title, message.message),
                    dismissible: true,
                },
            );
        }
        banners.forget_closed(KEY_PREFIX, &now);
        shown.set_value(now);
    });
}
