//! The line under a form that says how its last submission went.

use leptos::prelude::*;

use crate::api::ApiError;

/// A saved / failed line under a form.
pub fn outcome(
    value: RwSignal<Option<Result<String, ApiError>>>,
) -> impl Fn() -> Option<AnyView> + Copy {
    move || {
        value.get().map(|result| match result {
            Ok(message) => view! { <p class="form-ok" role="status">{message}</p> }.into_any(),
            Err(error) => {
                view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
            }
        })
    }
}
