use async_graphql::{Context, ID, Object, Result};

use super::int_id;
use super::types::{
    AuthPayload, ChangePasswordInput, CreatedApiToken, LoginInput, ProfileInput, RegisterInput,
    User, maybe,
};
use crate::auth::cookies;
use crate::db::int;
use crate::graphql::ContextExt;
use crate::services::accounts::{NewUser, ProfileChanges};
use shared::{Role, TokenScope};

#[derive(Default)]
pub struct AccountsMutation;

/// Hands the visitor's anonymous uploads to the account that just logged in.
async fn claim_uploads(ctx: &Context<'_>, user_id: i32) -> Result<()> {
    if let Some(visitor) = ctx.principal().visitor_id() {
        ctx.state().uploads.claim(visitor, user_id).await?;
    }
    Ok(())
}

fn set_session_cookie(ctx: &Context<'_>, cookie: &str) {
    let secure = ctx.state().settings.security.secure_cookies;
    ctx.request()
        .set_cookie(cookies::set(cookies::SESSION, cookie, None, secure));
}

#[Object]
impl AccountsMutation {
    /// Creates an account (role USER) and logs it in. A taken username is said; a taken
    /// e-mail address is not (the answer does not tell whether an address has an account),
    /// and either counts toward the IP's brute-force block.
    async fn register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account's username, e-mail, password and time zone.")]
        input: RegisterInput,
    ) -> Result<AuthPayload> {
        let state = ctx.state();
        let new = NewUser {
            username: input.username,
            email: input.email,
            password: input.password,
            role: Role::User,
            timezone: input.timezone,
        };
        let row = state.accounts.register(ctx.principal(), new).await?;
        let (cookie, _) = state
            .sessions
            .create(
                row.id,
                ctx.principal().ip().map(|ip| ip.to_string()),
                ctx.principal().user_agent().map(str::to_owned),
            )
            .await?;
        set_session_cookie(ctx, &cookie);
        claim_uploads(ctx, row.id).await?;
        Ok(AuthPayload { user: row.into() })
    }

    /// Logs in by username or e-mail; starts a new session (the old one, if any, ends).
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Username or e-mail and password. A wrong pair is UNAUTHENTICATED with `attemptsLeft` and `lockoutSeconds`; a locked account is ACCOUNT_LOCKED with `retryAfter` (seconds)."
        )]
        input: LoginInput,
    ) -> Result<AuthPayload> {
        let state = ctx.state();
        let logged = state
            .authentication
            .login(ctx.principal(), &input.login, &input.password)
            .await?;
        if let Some(previous) = ctx
            .principal()
            .signed_in()
            .and_then(|u| u.session_key().map(|k| (u.id(), k.to_owned())))
        {
            state.sessions.revoke(&previous.1, previous.0).await?;
        }
        set_session_cookie(ctx, &logged.cookie);
        claim_uploads(ctx, logged.user.id).await?;
        Ok(AuthPayload {
            user: logged.user.into(),
        })
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        ctx.require_login()?;
        ctx.state().authentication.logout(ctx.principal()).await?;
        let secure = ctx.state().settings.security.secure_cookies;
        ctx.request()
            .set_cookie(cookies::clear(cookies::SESSION, secure));
        Ok(true)
    }

    /// Changes the password; every other session and every API token of the account ends.
    /// Returns how many sessions ended. A wrong current password counts toward the lockout
    /// like a failed login (ACCOUNT_LOCKED after `MAX_LOGIN_ATTEMPTS`).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The current password and the new one. A wrong current password is VALIDATION (`field: currentPassword`, `attemptsLeft`) and counts toward the lockout; a new one breaking the rules is VALIDATION (`field: password`), one equal to the current VALIDATION (`field: newPassword`)."
        )]
        input: ChangePasswordInput,
    ) -> Result<i32> {
        ctx.require_login()?;
        let ended = ctx
            .state()
            .authentication
            .change_password(
                ctx.principal(),
                &input.current_password,
                &input.new_password,
            )
            .await?;
        Ok(int(ended))
    }

    /// Updates names, organisation (encrypted at rest), time zone and time format.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to change; absent ones stay as they are.")]
        input: ProfileInput,
    ) -> Result<User> {
        let user = ctx.require_user()?;
        let state = ctx.state();
        let changes = ProfileChanges {
            first_name: maybe(input.first_name),
            last_name: maybe(input.last_name),
            organization: maybe(input.organization),
            timezone: input.timezone,
            time_format: input.time_format,
        };
        let row = state
            .accounts
            .update_profile(ctx.principal(), user.id(), changes)
            .await?;
        Ok(row.into())
    }

    /// Ends one of your sessions (another browser, say).
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The session's `id` from `mySessions`; NOT_FOUND when it is not one of yours."
        )]
        id: ID,
    ) -> Result<bool> {
        ctx.require_user()?;
        ctx.state()
            .authentication
            .revoke_session(ctx.principal(), id.as_str())
            .await?;
        Ok(true)
    }

    /// Creates a personal API token for scripts (`Authorization: Bearer <secret>`). The
    /// secret is shown only in this answer. `scopes` defaults to READ and WRITE (ADMIN needs
    /// the ADMIN role); `expiresInDays` (1 to 3650) to 90. A token can not create a token
    /// with more scopes or a longer life than its own.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A name to recognise the token by (1 to 100 characters).")] name: String,
        #[graphql(
            desc = "What the token may do; default READ and WRITE. ADMIN needs the ADMIN role (FORBIDDEN, `reason: scope_exceeds_role`); a token creating a token can not add scopes (`reason: exceeds_token_scope`)."
        )]
        scopes: Option<Vec<TokenScope>>,
        #[graphql(
            desc = "Lifetime in days, 1 to 3650 (VALIDATION otherwise); default 90. A token creating a token can not outlive itself (FORBIDDEN, `reason: exceeds_token_expiry`)."
        )]
        expires_in_days: Option<u32>,
    ) -> Result<CreatedApiToken> {
        ctx.require_user()?;
        let (token, secret) = ctx
            .state()
            .api_tokens
            .create_token(ctx.principal(), &name, scopes.as_deref(), expires_in_days)
            .await?;
        Ok(CreatedApiToken {
            id: crate::graphql::node::global_id(crate::graphql::node::Kind::ApiToken, token.id),
            secret,
            token: token.into(),
        })
    }

    /// Revokes one of your API tokens.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The token's `id` from `apiTokens`; NOT_FOUND when it is not one of yours."
        )]
        id: ID,
    ) -> Result<bool> {
        ctx.require_user()?;
        let id = int_id(&id, crate::graphql::node::Kind::ApiToken)?;
        ctx.state()
            .api_tokens
            .revoke_token(ctx.principal(), id)
            .await?;
        Ok(true)
    }
}
