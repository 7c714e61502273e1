//! Admin messages: banners for everyone (`adminMessages`), their management (admins), and the
//! live `adminMessages` subscription.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use shared::{BannerChange, MessageType};

use super::ContextExt;
use super::accounts::int_id;
use crate::services::messages::{Announcement, Banners, MessageDraft};

/// A site announcement.
#[derive(SimpleObject, Clone)]
pub struct AdminMessage {
    /// The global id (see `Node`), for `updateAdminMessage`, `setAdminMessageActive` and
    /// `deleteAdminMessage`.
    #[graphql(owned)]
    pub id: ID,
    /// Short heading, 1 to 200 characters.
    pub title: String,
    /// The text, 1 to 5000 characters.
    pub message: String,
    /// Severity: how the banner looks.
    #[graphql(name = "type")]
    pub message_type: MessageType,
    /// Switched on by an admin (it may still have expired; see `visible`).
    pub active: bool,
    /// Shown until then (UTC); null: until switched off.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed (created, edited, switched on or off).
    pub updated_at: DateTime<Utc>,
    /// Active and not expired: shown as a banner right now.
    pub visible: bool,
}

impl From<Announcement> for AdminMessage {
    fn from(m: Announcement) -> Self {
        Self {
            id: super::node::global_id(super::node::Kind::AdminMessage, m.id),
            title: m.title,
            message: m.message,
            message_type: m.message_type,
            active: m.active,
            expires_at: m.expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            visible: m.visible,
        }
    }
}

/// An announcement to create, or to replace an existing one with.
#[derive(InputObject)]
pub struct AdminMessageInput {
    /// Short heading, 1 to 200 characters (VALIDATION otherwise).
    pub title: String,
    /// The text, 1 to 5000 characters (VALIDATION otherwise).
    pub message: String,
    /// Severity: how the banner looks.
    #[graphql(name = "type")]
    pub message_type: MessageType,
    /// Shown at once (default) or kept switched off.
    #[graphql(default = true)]
    pub active: bool,
    /// When it stops being shown; must be in the future (VALIDATION otherwise). Null: until
    /// switched off.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<AdminMessageInput> for MessageDraft {
    fn from(i: AdminMessageInput) -> Self {
        Self {
            title: i.title,
            message: i.message,
            message_type: i.message_type,
            is_active: i.active,
            expires_at: i.expires_at,
        }
    }
}

/// `node(id:)` for an `AdminMessage`: any one for admins, the visible ones for everyone.
pub async fn message_node(ctx: &Context<'_>, id: i32) -> crate::error::AppResult<AdminMessage> {
    Ok(ctx.state().messages.one(ctx.principal(), id).await?.into())
}

#[derive(Default)]
pub struct MessagesQuery;

#[Object]
impl MessagesQuery {
    /// Announcements to show now (active, not expired), newest first. Everyone may read them.
    async fn admin_messages(&self, ctx: &Context<'_>) -> Result<Vec<AdminMessage>> {
        Ok(ctx
            .state()
            .messages
            .visible()
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Every announcement, including inactive and expired ones (admins only).
    async fn all_admin_messages(&self, ctx: &Context<'_>) -> Result<Vec<AdminMessage>> {
        ctx.require_admin()?;
        Ok(ctx
            .state()
            .messages
            .all(ctx.principal())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(Default)]
pub struct MessagesMutation;

#[Object]
impl MessagesMutation {
    /// Creates an announcement; when active it is shown to everyone at once (`adminMessages`
    /// subscription). Admins only.
    async fn create_admin_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement.")] input: AdminMessageInput,
    ) -> Result<AdminMessage> {
        ctx.require_admin()?;
        Ok(ctx
            .state()
            .messages
            .create(ctx.principal(), input.into())
            .await?
            .into())
    }

    /// Replaces an announcement's title, text, type, activity and expiry. Admins only.
    async fn update_admin_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message's id; NOT_FOUND when there is no such message.")] id: ID,
        #[graphql(desc = "Everything the message should now say.")] input: AdminMessageInput,
    ) -> Result<AdminMessage> {
        ctx.require_admin()?;
        let id = int_id(&id, super::node::Kind::AdminMessage)?;
        Ok(ctx
            .state()
            .messages
            .update(ctx.principal(), id, input.into())
            .await?
            .into())
    }

    /// Shows or hides a message.
    async fn set_admin_message_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message's id; NOT_FOUND when there is no such message.")] id: ID,
        #[graphql(desc = "True to show it, false to hide it.")] active: bool,
    ) -> Result<AdminMessage> {
        ctx.require_admin()?;
        let id = int_id(&id, super::node::Kind::AdminMessage)?;
        Ok(ctx
            .state()
            .messages
            .set_active(ctx.principal(), id, active)
            .await?
            .into())
    }

    /// Deletes an announcement for good (hiding it with `setAdminMessageActive` keeps it). Admins
    /// only.
    async fn delete_admin_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message's id; NOT_FOUND when there is no such message.")] id: ID,
    ) -> Result<bool> {
        ctx.require_admin()?;
        let id = int_id(&id, super::node::Kind::AdminMessage)?;
        ctx.state().messages.delete(ctx.principal(), id).await?;
        Ok(true)
    }
}

/// The banners to show now, and what changed.
#[derive(SimpleObject)]
pub struct BannerUpdate {
    /// Why this update was sent.
    pub change: BannerChange,
    /// The message that changed (null for the initial list).
    pub message_id: Option<ID>,
    /// Everything to show now.
    pub visible: Vec<AdminMessage>,
}

impl From<Banners> for BannerUpdate {
    fn from(b: Banners) -> Self {
        Self {
            change: b.change,
            message_id: b
                .message_id
                .map(|i| super::node::global_id(super::node::Kind::AdminMessage, i)),
            visible: b.visible.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Default)]
pub struct MessagesSubscription;

#[Subscription]
impl MessagesSubscription {
    /// The banner list, sent at once and again whenever a message is created, changed,
    /// deleted or expires (expiry needs no restart and no new request). Everyone may listen.
    async fn admin_messages(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<BannerUpdate>> + use<>> {
        let banners = ctx
            .state()
            .messages
            .banners()
            .await?
            .map(|b| Ok(BannerUpdate::from(b)));
        // Everyone may listen; a logged-in listener's session is still re-checked.
        super::live::guarded(ctx, super::live::anyone(), banners).await
    }
}
