//! Relay cursor paging for list pages: the current page's `after` cursor, the cursors of the
//! pages before it (so "Previous" goes back one page, not to the start), and the buttons.

use leptos::prelude::*;

/// Where a paged list is. Copy it into resources (read `after`) and into the [`Pager`].
#[derive(Clone, Copy)]
pub struct Pages {
    /// The cursor the current page starts after (`None`: the first page).
    pub after: RwSignal<Option<String>>,
    previous: RwSignal<Vec<Option<String>>>,
}

impl Pages {
    pub fn new() -> Self {
        Self {
            after: RwSignal::new(None),
            previous: RwSignal::new(Vec::new()),
        }
    }

    /// Back to the first page (when the filters change).
    pub fn reset(&self) {
        self.previous.set(Vec::new());
        self.after.set(None);
    }

    fn forward(&self, cursor: Option<String>) {
        self.previous.update(|s| s.push(self.after.get_untracked()));
        self.after.set(cursor);
    }

    fn back(&self) {
        let mut stack = self.previous.get_untracked();
        self.after.set(stack.pop().flatten());
        self.previous.set(stack);
    }
}

impl Default for Pages {
    fn default() -> Self {
        Self::new()
    }
}

/// "Previous" and "Next" for the page just loaded; `next` is its end cursor when there is a
/// next page.
#[component]
pub fn Pager(
    pages: Pages,
    next: Option<String>,
    /// Id of the "Next" button, for tests and skip links.
    #[prop(optional)]
    next_id: Option<&'static str>,
) -> impl IntoView {
    let has_previous = !pages.previous.with(Vec::is_empty);
    let no_next = next.is_none();
    view! {
        <nav class="pager" aria-label="Pages">
            <button
                type="button"
                class="button"
                disabled=!has_previous
                on:click=move |_| pages.back()
            >
                "Previous"
            </button>
            <button
                type="button"
                class="button"
                id=next_id
                disabled=no_next
                on:click=move |_| pages.forward(next.clone())
            >
                "Next"
            </button>
        </nav>
    }
}
