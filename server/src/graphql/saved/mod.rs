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
use crate::saved;
use shared::SharePermission;
use types::{PanelChange, PanelComment, PanelVersion, Person, SavedPanel, Share};

/// `node(id:)` for a `SavedPanel`: as `savedPanel(id:)`.
pub async fn saved_panel_node(ctx: &Context<'_>, id: i32) -> AppResult<SavedPanel> {
    ctx.require(Action::ViewSavedPanel)?;
    let state = ctx.state();
    let (row, access) = state
        .saved
        .open(ctx.principal(), id, SharePermission::View)
        .await?;
    let owner = query::owner_name(state, row.owner_id).await?;
    Ok(SavedPanel { row, access, owner })
}

/// `node(id:)` for a `PanelVersion`: whoever may view its panel.
pub async fn version_node(ctx: &Context<'_>, id: i32) -> AppResult<PanelVersion> {
    ctx.require(Action::ViewSavedPanel)?;
    let state = ctx.state();
    let version = state.saved.version_by_id(id).await?;
    state
        .saved
        .open(ctx.principal(), version.panel_id, SharePermission::View)
        .await?;
    Ok(version.into())
}

/// `node(id:)` for a `PanelChange`: whoever may view its panel.
pub async fn change_node(ctx: &Context<'_>, id: i32) -> AppResult<PanelChange> {
    ctx.require(Action::ViewSavedPanel)?;
    let state = ctx.state();
    let row = state.saved.change_by_id(id).await?;
    state
        .saved
        .open(ctx.principal(), row.panel_id, SharePermission::View)
        .await?;
    let version = match row.version_id {
        Some(v) => Some(state.saved.version_by_id(v).await?.version_number),
        None => None,
    };
    PanelChange::open(state, row, version)
}

/// `node(id:)` for a `PanelComment`: whoever may view its panel.
pub async fn comment_node(ctx: &Context<'_>, id: i32) -> AppResult<PanelComment> {
    ctx.require(Action::ViewSavedPanel)?;
    let state = ctx.state();
    let row = state.saved.comment_by_id(id).await?;
    state
        .saved
        .open(ctx.principal(), row.panel_id, SharePermission::View)
        .await?;
    Ok(row.into())
}

/// `node(id:)` for a `Share`: whoever may share its panel (as `SavedPanel.shares`).
pub async fn share_node(ctx: &Context<'_>, id: i32) -> AppResult<Share> {
    ctx.require(Action::ViewSavedPanel)?;
    let state = ctx.state();
    let row = state.saved.share_by_id(id).await?;
    let (_, access) = state
        .saved
        .open(ctx.principal(), row.panel_id, SharePermission::View)
        .await?;
    if !access.can_share {
        return Err(AppError::forbidden(
            "only those who may share a panel see its shares",
        ));
    }
    let mut named = Share::named(state, vec![row]).await?;
    named.pop().ok_or_else(|| AppError::not_found("share"))
}

/// `node(id:)` for a `VersionLabel`: whoever may view its panel.
pub async fn label_node(ctx: &Context<'_>, id: i32) -> AppResult<panel::VersionLabel> {
    ctx.require(Action::ViewSavedPanel)?;
    let state = ctx.state();
    let row = saved::labels::by_id(&state.db, id).await?;
    state
        .saved
        .open(ctx.principal(), row.panel_id, SharePermission::View)
        .await?;
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
