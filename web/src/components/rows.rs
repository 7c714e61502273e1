//! Paged rendering of long tables (issue 14.2): a 900-gene table draws one page of rows at a
//! time, so typing in its filter or scrolling never waits for thousands of DOM rows. The page
//! resets to the first when what is filtered changes.

use leptos::prelude::*;

/// Rows drawn per page.
pub const ROWS_PER_PAGE: usize = 200;

/// The page of a table: which rows to draw out of `total`.
#[derive(Clone, Copy)]
pub struct RowPage {
    pub page: RwSignal<usize>,
}

impl RowPage {
    pub fn new() -> Self {
        Self {
            page: RwSignal::new(0),
        }
    }

    /// The rows to skip for the current page of `total` rows (clamped into range).
    pub fn skip(&self, total: usize) -> usize {
        let last = total.saturating_sub(1) / ROWS_PER_PAGE;
        self.page.get().min(last) * ROWS_PER_PAGE
    }

    pub fn reset(&self) {
        self.page.set(0);
    }
}

impl Default for RowPage {
    fn default() -> Self {
        Self::new()
    }
}

/// "Rows 201–400 of 900" with Previous / Next; nothing when everything fits on one page.
#[component]
pub fn RowPager(
    rows: RowPage,
    #[prop(into)] total: Signal<usize>,
    /// Distinguishes the pagers of two tables on one page.
    id: &'static str,
) -> impl IntoView {
    let range = move || {
        let total = total.get();
        let from = rows.skip(total);
        (from, (from + ROWS_PER_PAGE).min(total), total)
    };
    view! {
        <Show when=move || { total.get() > ROWS_PER_PAGE }>
            <nav class="pager row-pager" id=id aria-label="Table pages">
                <button
                    type="button"
                    class="button button-small"
                    disabled=move || range().0 == 0
                    on:click=move |_| rows.page.update(|p| *p = p.saturating_sub(1))
                >
                    "Previous rows"
                </button>
                <span class="muted" aria-live="polite">
                    {move || {
                        let (from, to, total) = range();
                        format!("Rows {}–{to} of {total}", from + 1)
                    }}
                </span>
                <button
                    type="button"
                    class="button button-small"
                    disabled=move || { let (_, to, total) = range(); to >= total }
                    on:click=move |_| {
                        let (_, to, total) = range();
                        if to < total {
                            rows.page.set(to / ROWS_PER_PAGE);
                        }
                    }
                >
                    "Next rows"
                </button>
            </nav>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_clamped_into_the_rows() {
        let owner = Owner::new();
        owner.with(|| {
            let rows = RowPage::new();
            assert_eq!(rows.skip(900), 0);
            rows.page.set(4);
            assert_eq!(rows.skip(900), 800);
            assert_eq!(rows.skip(250), 200, "fewer rows: the last page");
            assert_eq!(rows.skip(0), 0);
        });
    }
}
