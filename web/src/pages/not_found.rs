//! The page for every path no route matches.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// Any unknown path — says so and leads back home.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let location = use_location();
    view! {
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>
                "There is no page at " <code>{move || location.pathname.get()}</code>
                ". It may have moved, or the link may be mistyped."
            </p>
            <p>
                <A href="/">"Go to the home page"</A>
            </p>
        </section>
    }
}
