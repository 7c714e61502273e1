use async_graphql::{Context, Object, Result};

use super::types::{ApiToken, Session, User};
use crate::graphql::ContextExt;

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The logged-in user, or null for a visitor.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let me = ctx.state().accounts.me(ctx.principal()).await?;
        Ok(me.map(User::from))
    }

    /// The current user's live sessions, newest first.
    async fn my_sessions(&self, ctx: &Context<'_>) -> Result<Vec<Session>> {
        let user = ctx.require_user()?;
        let current = user.session_key().map(str::to_owned);
        let list = ctx.state().sessions.list(user.id()).await?;
        Ok(list
            .into_iter()
            .map(|(key, record)| {
                let is_current = current.as_deref() == Some(key.as_str());
                Session::new(key, record, is_current)
            })
            .collect())
    }

    /// The current user's API tokens (never their secrets).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let tokens = ctx.state().api_tokens.mine(ctx.principal()).await?;
        Ok(tokens.into_iter().map(ApiToken::from).collect())
    }

    /// Every IANA time zone name, for pickers.
    async fn timezones(&self) -> Vec<&'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
    }
}
