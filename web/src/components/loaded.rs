//! The scaffolding of every page part that shows loaded data: a loading line while the first
//! answer is on its way, the error with "Try again" when it fails, the data otherwise — and the
//! scrolling table most of that data is shown in.

use leptos::prelude::*;

use super::{ErrorView, Loading};
use crate::api::ApiError;

/// Shows what `resource` loads through `view`; while the first answer is on its way, `loading`;
/// when it fails, `error` with the reason and a "Try again" that loads it again.
#[component]
pub fn Loaded<T, V, F>(
    /// The data, as the GraphQL client answers it.
    resource: LocalResource<Result<T, ApiError>>,
    /// What is loading, e.g. "Loading users…".
    #[prop(into)]
    loading: String,
    /// One sentence for a failure, e.g. "The users could not be loaded."
    #[prop(into)]
    error: String,
    /// The loaded data, shown.
    view: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    let error = StoredValue::new(error);
    view! {
        <Transition fallback=move || view! { <Loading label=loading.clone() /> }>
            <ErrorBoundary fallback=move |errors| view! {
                <ErrorView
                    errors
                    title=error.get_value()
                    retry=Callback::new(move |()| resource.refetch())
                />
            }>
                {
                    let view = view.clone();
                    move || {
                        let view = view.clone();
                        Suspend::new(async move { resource.await.map(view) })
                    }
                }
            </ErrorBoundary>
        </Transition>
    }
}

/// A table with one header row, in a container that scrolls sideways on narrow screens.
#[component]
pub fn Table(
    /// The table's `id` (tests and in-page links find it by this).
    #[prop(into)]
    id: String,
    /// Column headings, left to right.
    headers: &'static [&'static str],
    /// The body rows.
    children: Children,
) -> impl IntoView {
    let headers = headers
        .iter()
        .map(|heading| view! { <th scope="col">{*heading}</th> })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="table" id=id>
                <thead>
                    <tr>{headers}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
