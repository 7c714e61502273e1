//! E-mail: forgotten passwords, address verification and changes, notice preferences, and
//! the admins' view of the outbox.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::{MailKind, MailStatus};

use super::ContextExt;
use super::accounts::types::User;
use super::node::{Kind, global_id, int_id};
use super::paging::{Page, PageArgs};
use crate::services::outbox::QueuedMail;

/// A queued e-mail, as admins see it (never its content: it may hold a single-use link).
#[derive(SimpleObject)]
pub struct MailMessage {
    /// The global id (see `Node`), for `retryMail`.
    #[graphql(owned)]
    pub id: ID,
    /// What the message is about.
    pub kind: MailKind,
    /// The address it is for.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// Waiting, being sent, sent or given up.
    pub status: MailStatus,
    /// Sends tried so far.
    pub attempts: i32,
    /// The relay's (or the outbox directory's) answer to the last failed try.
    pub last_error: Option<String>,
    /// When the next try is due (PENDING), or until when a SENDING claim holds.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the relay (or the outbox directory) took it; null until then.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

impl From<QueuedMail> for MailMessage {
    fn from(m: QueuedMail) -> Self {
        Self {
            id: global_id(Kind::MailMessage, m.id),
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            next_attempt_at: m.next_attempt_at,
            sent_at: m.sent_at,
            created_at: m.created_at,
        }
    }
}

/// How the server sends e-mail (admins only).
#[derive(SimpleObject)]
pub struct MailTransportInfo {
    /// "SMTP mail.example.org:587 (STARTTLS)" or "outbox directory data/outbox".
    pub transport: String,
    /// Messages leave the machine (an SMTP relay is configured and not suppressed).
    pub delivers: bool,
    /// The start of every link in e-mail.
    pub public_url: String,
    /// Whether accounts must confirm their address before they can log in
    /// (`REQUIRE_EMAIL_VERIFICATION`).
    pub require_email_verification: bool,
}

/// `node(id:)` for a `MailMessage`: admins only.
pub async fn message_node(ctx: &Context<'_>, id: i32) -> crate::error::AppResult<MailMessage> {
    ctx.require_admin()?;
    Ok(ctx.state().outbox.get(ctx.principal(), id).await?.into())
}

#[derive(Default)]
pub struct MailQuery;

#[Object]
impl MailQuery {
    /// Queued, sent and failed e-mail, newest first (admins only).
    #[graphql(
        complexity = "first.or(last).unwrap_or(50).clamp(1, 100) as usize * child_complexity"
    )]
    async fn mail_outbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only messages in this state; absent: all.")] status: Option<MailStatus>,
        #[graphql(desc = "Messages from the newest, 1 to the maximum page size; default 50.")]
        first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to continue after (older messages).")]
        after: Option<String>,
        #[graphql(desc = "Messages from the oldest, 1 to the maximum page size.")] last: Option<
            i32,
        >,
        #[graphql(desc = "The `cursor` of the edge to continue before (newer messages).")]
        before: Option<String>,
    ) -> Result<Page<MailMessage>> {
        ctx.require_admin()?;
        let state = ctx.state();
        let max = state.settings.graphql.max_page_size;
        let page =
            PageArgs::new(first, after, last, before).keyset("mailOutbox", 50.min(max), max)?;
        let (rows, more, total) = state.outbox.list(ctx.principal(), status, &page).await?;
        Ok(page.connection(
            rows.into_iter().map(|row| (row.id, MailMessage::from(row))),
            more,
            total,
        ))
    }

    /// How e-mail leaves this server (admins only).
    async fn mail_transport(&self, ctx: &Context<'_>) -> Result<MailTransportInfo> {
        ctx.require_admin()?;
        let state = ctx.state();
        Ok(MailTransportInfo {
            transport: state.mailer.transport.describe(),
            delivers: state.settings.mail.delivers(),
            public_url: state.mailer.public_url().to_owned(),
            require_email_verification: state.settings.mail.require_verification,
        })
    }
}

/// A new password set with the token of a reset link.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The token from the e-mailed link (after `#token=`).
    #[graphql(secret)]
    pub token: String,
    /// The new password (the password rules apply: VALIDATION naming the rule).
    #[graphql(secret)]
    pub new_password: String,
}

/// A change of e-mail address, confirmed from the new address before it takes effect.
#[derive(InputObject)]
pub struct EmailChangeInput {
    /// The new address; it stays unconfirmed until the link mailed to it is opened.
    pub new_email: String,
    /// The account's current password.
    #[graphql(secret)]
    pub current_password: String,
}

#[derive(Default)]
pub struct MailMutation;

#[Object]
impl MailMutation {
    /// Sends a password-reset link to the account with this username or e-mail address, if
    /// there is an active one. The answer is `true` either way (it does not tell whether the
    /// account exists); RATE_LIMITED after `MAIL_REQUESTS_PER_HOUR` requests for one address
    /// or from one client.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A username or an e-mail address.")] login: String,
    ) -> Result<bool> {
        ctx.state()
            .recovery
            .request_reset(ctx.principal(), &login)
            .await?;
        Ok(true)
    }

    /// Sets a new password with the token of a reset link. The link works once; every session
    /// and API token of the account ends. VALIDATION on `token` with `reason` `expired`,
    /// `used` or `unknown` when the link does not work.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the link and the new password.")]
        input: ResetPasswordInput,
    ) -> Result<bool> {
        ctx.state()
            .recovery
            .reset_password(ctx.principal(), &input.token, &input.new_password)
            .await?;
        Ok(true)
    }

    /// Sends a new link to confirm your e-mail address.
    async fn request_email_verification(&self, ctx: &Context<'_>) -> Result<bool> {
        ctx.require_login()?;
        ctx.state()
            .email_addresses
            .request_verification(ctx.principal())
            .await?;
        Ok(true)
    }

    /// Confirms an e-mail address with the token of its link (no login needed).
    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret, desc = "The token from the confirmation link.")] token: String,
    ) -> Result<bool> {
        ctx.state()
            .email_addresses
            .verify(ctx.principal(), &token)
            .await?;
        Ok(true)
    }

    /// Starts a change of your address: a confirmation link goes to the new address; the old
    /// one stays in force until it is followed.
    async fn request_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new address and the current password.")] input: EmailChangeInput,
    ) -> Result<bool> {
        ctx.require_user()?;
        ctx.state()
            .email_addresses
            .request_change(ctx.principal(), &input.new_email, &input.current_password)
            .await?;
        Ok(true)
    }

    /// Confirms a change of address with the token sent to the new address; the old address
    /// gets a notice with an undo link.
    async fn confirm_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret, desc = "The token from the link mailed to the new address.")]
        token: String,
    ) -> Result<bool> {
        ctx.state()
            .email_addresses
            .confirm_change(ctx.principal(), &token)
            .await?;
        Ok(true)
    }

    /// Undoes a change of address with the token sent to the old address: the old address is
    /// back, and every session and API token of the account ends.
    async fn undo_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret, desc = "The token from the notice mailed to the old address.")]
        token: String,
    ) -> Result<bool> {
        ctx.state()
            .email_addresses
            .undo_change(ctx.principal(), &token)
            .await?;
        Ok(true)
    }

    /// Chooses which notices you get by e-mail (absent: unchanged).
    async fn update_mail_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Security notices for admins (IP blocks, new admins); absent: unchanged."
        )]
        notify_security: Option<bool>,
        #[graphql(desc = "A notice when a panel is shared with you; absent: unchanged.")]
        notify_shares: Option<bool>,
    ) -> Result<User> {
        ctx.require_user()?;
        let state = ctx.state();
        let row = state
            .email_addresses
            .set_preferences(ctx.principal(), notify_security, notify_shares)
            .await?;
        Ok(User::from(row))
    }

    /// Marks a user's address confirmed or not (admins only).
    async fn set_user_verified(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id (global or the plain number).")] id: ID,
        #[graphql(desc = "Confirmed (true) or not (false).")] verified: bool,
    ) -> Result<User> {
        ctx.require_admin()?;
        let state = ctx.state();
        let id = int_id(&id, Kind::User)?;
        let row = state
            .email_addresses
            .set_verified(ctx.principal(), id, verified)
            .await?;
        Ok(User::from(row))
    }

    /// Sends a failed (or waiting) e-mail again now (admins only).
    async fn retry_mail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message's id (`MailMessage.id`).")] id: ID,
    ) -> Result<MailMessage> {
        ctx.require_admin()?;
        let id = int_id(&id, Kind::MailMessage)?;
        let row = ctx.state().outbox.retry(ctx.principal(), id).await?;
        Ok(row.into())
    }
}
