//! What a `<Transition>` shows while its data loads for the first time.

use leptos::prelude::*;

/// A screen-reader-announced loading line.
#[component]
pub fn Loading(
    /// What is loading, e.g. "Loading server facts…".
    #[prop(into)]
    label: String,
) -> impl IntoView {
    view! {
        <p class="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            {label}
        </p>
    }
}
