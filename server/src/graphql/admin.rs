//! Account administration: `users`, `unlockUser`, `setUserRole`, `setUserActive`,
//! `resetUserPassword` (admins only).

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use shared::Role;

use super::ContextExt;
use super::accounts::int_id;
use super::accounts::types::User;
use super::audit::TotalCount;
use crate::error::AppError;
use crate::services::{accounts, admin};

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Accounts, by id, optionally filtered by username or e-mail (admins only).
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, User, TotalCount, EmptyFields>> {
        let (_, cap) = ctx.require_admin()?;
        let state = ctx.state();
        let max = state.settings.graphql.max_page_size;
        let first = super::paging::page_size(first, 50, max)?;
        let after_id = match after {
            Some(c) => Some(
                c.parse::<i32>()
                    .map_err(|_| AppError::invalid_field("after", "is not a cursor"))?,
            ),
            None => None,
        };
        let (rows, more, total) =
            admin::list_users(state, cap, search.as_deref(), after_id, first as u64).await?;
        let mut connection = Connection::with_additional_fields(
            after_id.is_some(),
            more,
            TotalCount { total_count: total },
        );
        for row in rows {
            let profile = accounts::profile(state, &row)?;
            connection
                .edges
                .push(Edge::new(row.id.to_string(), User::from_row(&row, profile)));
        }
        Ok(connection)
    }
}

/// A reset password, shown to the admin once.
#[derive(SimpleObject)]
pub struct PasswordReset {
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
    async fn unlock_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let (_, cap) = ctx.require_admin()?;
        let state = ctx.state();
        let row = admin::unlock(state, cap, &ctx.actor(), int_id(&id, "user")?).await?;
        Ok(User::from_row(&row, accounts::profile(state, &row)?))
    }

    /// Changes a user's role.
    async fn set_user_role(&self, ctx: &Context<'_>, id: ID, role: Role) -> Result<User> {
        let (_, cap) = ctx.require_admin()?;
        let state = ctx.state();
        let row = admin::set_role(state, cap, &ctx.actor(), int_id(&id, "user")?, role).await?;
        Ok(User::from_row(&row, accounts::profile(state, &row)?))
    }

    /// Activates or deactivates an account; deactivation ends its sessions and revokes its API
    /// tokens (reactivation does not bring them back).
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> Result<User> {
        let (_, cap) = ctx.require_admin()?;
        let state = ctx.state();
        let row = admin::set_active(state, cap, &ctx.actor(), int_id(&id, "user")?, active).await?;
        Ok(User::from_row(&row, accounts::profile(state, &row)?))
    }

    /// Lifts a brute-force block on an IP address (see security events).
    async fn unblock_ip(&self, ctx: &Context<'_>, ip: String) -> Result<bool> {
        let (_, cap) = ctx.require_admin()?;
        admin::unblock_ip(ctx.state(), cap, &ctx.actor(), &ip).await?;
        Ok(true)
    }

    /// Sets a temporary password the user must change at their next login; ends their sessions
    /// and revokes their API tokens.
    async fn reset_user_password(&self, ctx: &Context<'_>, id: ID) -> Result<PasswordReset> {
        let (_, cap) = ctx.require_admin()?;
        let state = ctx.state();
        let (row, temporary_password) =
            admin::reset_password(state, cap, &ctx.actor(), int_id(&id, "user")?).await?;
        Ok(PasswordReset {
            expires_at: row
                .temp_password_expires_at
                .unwrap_or_else(chrono::Utc::now),
            mailed: state.settings.mail.delivers(),
            user: User::from_row(&row, accounts::profile(state, &row)?),
            temporary_password,
        })
    }
}
