//! Saved panels: listing, one panel with versions / genes / diffs / changes / shares, edits,
//! restore, status, sharing, comments, and the live `savedPanelChanged` subscription.

mod live;
mod mutation;
mod panel;
mod query;
pub mod types;
#[cfg(test)]
mod upstream_tests;

pub use live::SavedPanelSubscription;
pub use mutation::SavedPanelMutation;
pub use query::SavedPanelQuery;

use async_graphql::Context;

use super::ContextExt;
use crate::saved::access::Viewer;

/// The caller as a saved-panel viewer.
pub fn viewer(ctx: &Context<'_>) -> Viewer {
    Viewer {
        user: ctx.current_user().map(|u| (u.id, u.role)),
        link_token: None,
    }
}
