//! Accounts: registration, login, sessions, profile, API tokens.

mod mutation;
mod query;
pub mod types;

pub use mutation::AccountsMutation;
pub use query::AccountsQuery;

use async_graphql::Context;

use super::ContextExt;
pub use super::node::int_id;
use crate::error::AppResult;

/// `node(id:)` for a `User`: yourself, or anyone for an admin; others see a `Person`.
pub async fn user_node(ctx: &Context<'_>, id: i32) -> AppResult<types::User> {
    Ok(ctx
        .state()
        .accounts
        .account(ctx.principal(), id)
        .await?
        .into())
}

/// `node(id:)` for an `ApiToken`: one of your own.
pub async fn token_node(ctx: &Context<'_>, id: i32) -> AppResult<types::ApiToken> {
    let token = ctx.state().api_tokens.one(ctx.principal(), id).await?;
    Ok(token.into())
}
