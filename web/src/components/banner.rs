//! Site-wide notices shown above every page: connectivity problems now, announcements later.
//!
//! Anything can show a banner through the [`Banners`] context. Banners are keyed, so showing a
//! banner under a key that is already shown replaces it instead of stacking a duplicate.
//!
//! A banner the reader closes stays closed: showing the same key with the same text again does
//! nothing, in this tab and — for banners that outlive a page load, such as admin announcements —
//! after a reload too (the closed keys and texts are kept in `localStorage`). Changed text under
//! the same key is news and shows again.

use std::collections::BTreeSet;

use leptos::prelude::*;
use shared::MessageType;

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// Severity; decides colour and whether screen readers are interrupted.
    pub kind: MessageType,
    /// The notice, one or two sentences.
    pub text: String,
    /// Whether the reader may close it (a condition that fixes itself should not be closable).
    pub dismissible: bool,
}

/// Where closed banners are remembered across page loads.
const CLOSED_STORAGE_KEY: &str = "panelmerge.closed-banners";

/// The banners currently shown, provided as context by the app shell.
#[derive(Debug, Clone, Copy)]
pub struct Banners {
    shown: RwSignal<Vec<(String, Banner)>>,
    /// `(key, text)` of every banner the reader closed.
    closed: StoredValue<Vec<(String, String)>>,
}

impl Banners {
    /// Creates the (empty) banner list and provides it to every component below.
    pub fn provide() -> Self {
        let banners = Self {
            shown: RwSignal::new(Vec::new()),
            closed: StoredValue::new(load_closed()),
        };
        provide_context(banners);
        banners
    }

    /// Shows `banner` under `key`, replacing whatever was shown under that key — unless the
    /// reader already closed this very banner.
    pub fn show(&self, key: &str, banner: Banner) {
        let closed = self
            .closed
            .with_value(|closed| closed.iter().any(|(k, t)| k == key && *t == banner.text));
        if closed {
            self.dismiss(key);
            return;
        }
        self.shown.update(|banners| {
            match banners.iter_mut().find(|(existing, _)| existing == key) {
                Some((_, shown)) if *shown == banner => {}
                Some((_, shown)) => *shown = banner,
                None => banners.push((key.to_owned(), banner)),
            }
        });
    }

    /// Removes the banner shown under `key`, if any (the condition behind it is over).
    pub fn dismiss(&self, key: &str) {
        if self
            .shown
            .with_untracked(|banners| banners.iter().any(|(k, _)| k == key))
        {
            self.shown
                .update(|banners| banners.retain(|(k, _)| k != key));
        }
    }

    /// The reader closed the banner under `key`: remove it and keep it closed.
    pub fn close(&self, key: &str) {
        let text = self.shown.with_untracked(|banners| {
            banners
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, b)| b.text.clone())
        });
        if let Some(text) = text {
            self.closed.update_value(|closed| {
                closed.retain(|(k, _)| k != key);
                closed.push((key.to_owned(), text));
            });
            self.closed.with_value(|closed| save_closed(closed));
        }
        self.dismiss(key);
    }

    /// Forgets closed banners whose key starts with `prefix` but is not in `current`: their
    /// notices are gone for good, so the memory of closing them need not be kept.
    pub fn forget_closed(&self, prefix: &str, current: &BTreeSet<String>) {
        let stale = self.closed.with_value(|closed| {
            closed
                .iter()
                .any(|(k, _)| k.starts_with(prefix) && !current.contains(k))
        });
        if stale {
            self.closed.update_value(|closed| {
                closed.retain(|(k, _)| !k.starts_with(prefix) || current.contains(k))
            });
            self.closed.with_value(|closed| save_closed(closed));
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Closed banners from earlier page loads; nothing when storage is unavailable or unreadable.
fn load_closed() -> Vec<(String, String)> {
    storage()
        .and_then(|s| s.get_item(CLOSED_STORAGE_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

fn save_closed(closed: &[(String, String)]) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(closed)) {
        // A full or disabled storage only costs the memory across reloads.
        let _ = storage.set_item(CLOSED_STORAGE_KEY, &json);
    }
}

/// The banner list provided by [`Banners::provide`].
pub fn use_banners() -> Banners {
    expect_context::<Banners>()
}

fn kind_class(kind: MessageType) -> &'static str {
    match kind {
        MessageType::Info => "banner banner-info",
        MessageType::Success => "banner banner-success",
        MessageType::Warning => "banner banner-warning",
        MessageType::Error => "banner banner-error",
    }
}

/// Renders the banners; warnings and errors are announced immediately (`role="alert"`).
#[component]
pub fn BannerArea() -> impl IntoView {
    let banners = use_banners();
    let shown = move || {
        banners
            .shown
            .get()
            .into_iter()
            .map(|(key, banner)| {
                let role = match banner.kind {
                    MessageType::Warning | MessageType::Error => "alert",
                    MessageType::Info | MessageType::Success => "status",
                };
                let close = banner.dismissible.then(|| {
                    view! {
                        <button
                            type="button"
                            class="banner-close"
                            aria-label="Dismiss this notice"
                            on:click=move |_| banners.close(&key)
                        >
                            "×"
                        </button>
                    }
                });
                view! {
                    <div class=kind_class(banner.kind) role=role>
                        <div class="container banner-inner">
                            <p>{banner.text}</p>
                            {close}
                        </div>
                    </div>
                }
            })
            .collect_view()
    };
    view! { <div class="banner-area">{shown}</div> }
}
