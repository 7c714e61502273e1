//! Site-wide notices shown above every page: connectivity problems now, announcements later.
//!
//! Anything can show a banner through the [`Banners`] context. Banners are keyed, so showing a
//! banner under a key that is already shown replaces it instead of stacking a duplicate.

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

/// The banners currently shown, provided as context by the app shell.
#[derive(Debug, Clone, Copy)]
pub struct Banners(RwSignal<Vec<(String, Banner)>>);

impl Banners {
    /// Creates the (empty) banner list and provides it to every component below.
    pub fn provide() -> Self {
        let banners = Self(RwSignal::new(Vec::new()));
        provide_context(banners);
        banners
    }

    /// Shows `banner` under `key`, replacing whatever was shown under that key.
    pub fn show(&self, key: &str, banner: Banner) {
        self.0.update(
            |banners| match banners.iter_mut().find(|(existing, _)| existing == key) {
                Some((_, shown)) if *shown == banner => {}
                Some((_, shown)) => *shown = banner,
                None => banners.push((key.to_owned(), banner)),
            },
        );
    }

    /// Removes the banner shown under `key`, if any.
    pub fn dismiss(&self, key: &str) {
        if self
            .0
            .with_untracked(|banners| banners.iter().any(|(k, _)| k == key))
        {
            self.0.update(|banners| banners.retain(|(k, _)| k != key));
        }
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
            .0
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
                            on:click=move |_| banners.dismiss(&key)
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
