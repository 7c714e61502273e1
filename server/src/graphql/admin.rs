//! Account administration: `users`, `unlockUser`, `setUserRole`, `setUserActive`,
//! `resetUserPassword` (admins only).

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use shared::Role;

use super::ContextExt;
use super::accounts::types::User;
use super::paging::{Page, PageArgs};
use crate::graphql::node::{Kind, int_id};
use crate::paging::Place;

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Accounts, by id, optionally filtered by username or e-mail (admins only; 50 per page
    /// unless `first`/`last` say otherwise, at most GRAPHQL_MAX_PAGE_SIZE).
    #[graphql(
        complexity = "first.or(last).unwrap_or(50).clamp(1, 100) as usize * child_complexity"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Part of a username or e-mail address; absent or blank: every account.")]
        search: Option<String>,
        #[graphql(
            desc = "Accounts from the start (lowest id), 1 to the maximum page size (100 by default); default 50."
        )]
        first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Accounts from the end (highest id), 1 to the maximum page size.")]
        last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<User>> {
        ctx.require_admin()?;
        let state = ctx.state();
        let max = state.settings.graphql.max_page_size;
        let (span, places) =
            PageArgs::new(first, after, last, before).placed("users", 50.min(max), max)?;
        let read = state
            .admin
            .users_page(ctx.principal(), search.as_deref(), places)
            .await?;
        let users = read.rows.into_iter().map(|account| {
            let key = Place {
                value: account.id,
                id: account.id,
            }
            .to_key();
            (key, User::from(account))
        });
        Ok(span.connection(users, read.more, read.total))
    }
}

/// A reset password, shown to the admin once.
#[derive(SimpleObject)]
pub struct PasswordReset {
    /// The account, as it is now.
    pub user: User,
    /// Give this to the user; they must change it at their next login, before it expires.
    pub temporary_password: String,
    /// When the temporary password stops working (`TEMP_PASSWORD_EXPIRATION_HOURS`).
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Whether it was also queued to the user's address (only with an SMTP relay configured).
    pub mailed: bool,
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Lifts a login lockout.
    async fn unlock_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id; NOT_FOUND when there is no such user.")] id: ID,
    ) -> Result<User> {
        ctx.require_admin()?;
        let state = ctx.state();
        let row = state
            .admin
            .unlock(ctx.principal(), int_id(&id, Kind::User)?)
            .await?;
        Ok(User::from(row))
    }

    /// Changes a user's role.
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id; NOT_FOUND when there is no such user.")] id: ID,
        #[graphql(desc = "The new role. Admins can not remove their own ADMIN role (FORBIDDEN).")]
        role: Role,
    ) -> Result<User> {
        ctx.require_admin()?;
        let state = ctx.state();
        let row = state
            .admin
            .set_role(ctx.principal(), int_id(&id, Kind::User)?, role)
            .await?;
        Ok(User::from(row))
    }

    /// Activates or deactivates an account; deactivation ends its sessions and revokes its API
    /// tokens (reactivation does not bring them back).
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id; NOT_FOUND when there is no such user.")] id: ID,
        #[graphql(
            desc = "True to activate, false to deactivate. Admins can not deactivate themselves (FORBIDDEN)."
        )]
        active: bool,
    ) -> Result<User> {
        ctx.require_admin()?;
        let state = ctx.state();
        let row = state
            .admin
            .set_active(ctx.principal(), int_id(&id, Kind::User)?, active)
            .await?;
        Ok(User::from(row))
    }

    /// Lifts a brute-force block on an IP address (see security events).
    async fn unblock_ip(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "An IPv4 or IPv6 address as text; VALIDATION (`field: ip`) for anything else. Unblocking an address that is not blocked succeeds."
        )]
        ip: String,
    ) -> Result<bool> {
        ctx.require_admin()?;
        ctx.state().admin.unblock_ip(ctx.principal(), &ip).await?;
        Ok(true)
    }

    /// Sets a temporary password the user must change at their next login; ends their sessions
    /// and revokes their API tokens.
    async fn reset_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id; NOT_FOUND when there is no such user.")] id: ID,
    ) -> Result<PasswordReset> {
        ctx.require_admin()?;
        let state = ctx.state();
        let (row, temporary_password) = state
            .admin
            .reset_password(ctx.principal(), int_id(&id, Kind::User)?)
            .await?;
        Ok(PasswordReset {
            expires_at: row
                .temporary_password_expires_at
                .unwrap_or_else(chrono::Utc::now),
            mailed: state.settings.mail.delivers(),
            user: User::from(row),
            temporary_password,
        })
    }
}
