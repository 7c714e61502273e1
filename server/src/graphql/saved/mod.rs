//! Saved panels: listing, one panel with versions / genes / diffs / changes / shares, edits,
//! restore, status, sharing, comments, and the live `savedPanelChanged` subscription.

mod bulk;
mod live;
mod mutation;
pub(crate) mod panel;
mod query;
pub mod types;
#[cfg(test)]
mod upstream_tests;

pub use bulk::SavedPanelBulkMutation;
pub use live::SavedPanelSubscription;
pub use mutation::SavedPanelMutation;
pub use query::SavedPanelQuery;

use async_graphql::Context;

use super::ContextExt;
use crate::auth::permissions::Action;
use crate::error::{AppError, AppResult};
use shared::SharePermission;
use types::{PanelChange, PanelComment, PanelVersion, Person, SavedPanel, Share};

/// `node(id:)` for a `SavedPanel`: as `savedPanel(id:)`.
pub async fn saved_panel_node(ctx: &Context<'_>, id: i32) -> AppResult<SavedPanel> {
    ctx.require(Action::ViewSavedPanel)?;
    let seen = ctx
        .state()
        .saved
        .view(ctx.principal(), id, SharePermission::View)
        .await?;
    Ok(seen.into())
}

/// `node(id:)` for a `PanelVersion`: whoever may view its panel.
pub async fn version_node(ctx: &Context<'_>, id: i32) -> AppResult<PanelVersion> {
    ctx.require(Action::ViewSavedPanel)?;
    let row = ctx
        .state()
        .saved
        .visible_version(ctx.principal(), id)
        .await?;
    Ok(row.into())
}

/// `node(id:)` for a `PanelChange`: whoever may view its panel.
pub async fn change_node(ctx: &Context<'_>, id: i32) -> AppResult<PanelChange> {
    ctx.require(Action::ViewSavedPanel)?;
    let change = ctx
        .state()
        .saved
        .visible_change(ctx.principal(), id)
        .await?;
    Ok(change.into())
}

/// `node(id:)` for a `PanelComment`: whoever may view its panel.
pub async fn comment_node(ctx: &Context<'_>, id: i32) -> AppResult<PanelComment> {
    ctx.require(Action::ViewSavedPanel)?;
    let row = ctx
        .state()
        .saved
        .visible_comment(ctx.principal(), id)
        .await?;
    Ok(row.into())
}

/// `node(id:)` for a `Share`: whoever may share its panel (as `SavedPanel.shares`).
pub async fn share_node(ctx: &Context<'_>, id: i32) -> AppResult<Share> {
    ctx.require(Action::ViewSavedPanel)?;
    let share = ctx.state().saved.visible_share(ctx.principal(), id).await?;
    Ok(share.into())
}

/// `node(id:)` for a `VersionLabel`: whoever may view its panel.
pub async fn label_node(ctx: &Context<'_>, id: i32) -> AppResult<panel::VersionLabel> {
    ctx.require(Action::ViewSavedPanel)?;
    let row = ctx.state().saved.visible_label(ctx.principal(), id).await?;
    Ok(row.into())
}

/// `node(id:)` for a `Person`: any signed-in caller may see an active account's public face.
pub async fn person_node(ctx: &Context<'_>, id: i32) -> AppResult<Person> {
    ctx.require_user()?;
    let name = ctx
        .state()
        .accounts
        .username(id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    Ok(Person::new(id, &name))
}
