//! The fallback of an `<ErrorBoundary>`: says what failed and offers to try again.

use leptos::prelude::*;

/// Lists the errors caught by an `<ErrorBoundary>`.
///
/// The messages come from [`crate::api::ApiError`]'s `Display`, which is written for people.
#[component]
pub fn ErrorView(
    /// The boundary's errors.
    errors: ArcRwSignal<Errors>,
    /// One sentence saying what could not be done.
    #[prop(into)]
    title: String,
    /// Called by the "Try again" button; without it there is no button.
    #[prop(optional)]
    retry: Option<Callback<()>>,
) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| view! { <li>{error.to_string()}</li> })
            .collect_view()
    };
    view! {
        <div class="error-view" role="alert">
            <p class="error-title">{title}</p>
            <ul class="error-messages">{messages}</ul>
            {retry
                .map(|retry| {
                    view! {
                        <button type="button" class="button" on:click=move |_| retry.run(())>
                            "Try again"
                        </button>
                    }
                })}
        </div>
    }
}
