//! The scaffolding of every page part that shows loaded data: a loading line while the first
//! answer is on its way, the error with "Try again" when it fails, the data otherwise — and the
//! scrolling table most of that data is shown in.

use leptos::prelude::*;

use super::{ErrorView, Loading};
use crate::api::ApiError;

/// `resource.await` for a `Suspend`, except that a disposed resource is never ready.
///
/// Leptos can still poll the `Suspend` of a view that is being replaced after that view's owner,
/// and with it the resource, was disposed (seen when a panel page reloads while one of its
/// sections is loading). Awaiting a disposed resource panics, which stops the whole app; the
/// replaced view is dropped without being shown, so it may wait for ever.
pub async fn settled<T: Clone + 'static>(resource: LocalResource<T>) -> T {
    if resource.is_disposed() {
        std::future::pending::<()>().await;
    }
    resource.await
}

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
                        Suspend::new(async move { settled(resource).await.map(view) })
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

// On the host only: it needs an executor of its own (the browser has one).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::future::{Future, IntoFuture};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::pin::pin;
    use std::task::{Context, Waker};

    use any_spawner::Executor;
    use leptos::prelude::*;

    use super::settled;

    #[test]
    fn a_disposed_resource_is_never_ready_instead_of_stopping_the_app() {
        // Another test may have set it already; either way there is one.
        let _ = Executor::init_futures_executor();
        let owner = Owner::new();
        let resource = owner.with(|| LocalResource::new(|| async { 7 }));
        owner.cleanup();
        assert!(resource.is_disposed());

        // What a plain `.await` does: the panic that stopped the app in the browser.
        assert!(catch_unwind(AssertUnwindSafe(|| drop(resource.into_future()))).is_err());

        let mut waiting = pin!(settled(resource));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
    }
}
