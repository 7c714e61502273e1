//! Accounts: registration, login, sessions, profile, API tokens.

mod mutation;
mod query;
pub mod types;

pub use mutation::AccountsMutation;
pub use query::AccountsQuery;

use async_graphql::Context;

use super::ContextExt;
pub use super::node::int_id;
use crate::error::{AppError, AppResult};

/// `node(id:)` for a `User`: yourself, or anyone for an admin; others see a `Person`.
pub async fn user_node(ctx: &Context<'_>, id: i32) -> AppResult<types::User> {
    let me = ctx.require_user()?;
    if me.id() != id {
        ctx.principal().require_admin().map_err(|_| {
            AppError::forbidden("only admins see other accounts; ask for the Person instead")
        })?;
    }
    let state = ctx.state();
    let row = state
        .accounts
        .find(id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let profile = state.accounts.profile(&row)?;
    Ok(types::User::from_row(&row, profile))
}

/// `node(id:)` for an `ApiToken`: one of your own.
pub async fn token_node(ctx: &Context<'_>, id: i32) -> AppResult<types::ApiToken> {
    let token = ctx.state().api_tokens.one(ctx.principal(), id).await?;
    Ok(token.into())
}
