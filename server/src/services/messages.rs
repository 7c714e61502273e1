//! Admin messages: announcements shown as banners to everyone while active and not expired.
//! Every change is audited and published (after commit) so open browsers update live.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::admin_message;
use futures::{Stream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, BannerChange, MessageType};

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::events::{Channel, Events, Received};

pub const MAX_TITLE_LEN: usize = 200;
pub const MAX_MESSAGE_LEN: usize = 5000;

/// What changed, as published on [`Channel::AdminMessages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageChange {
    Created,
    Updated,
    Deleted,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MessageEvent {
    pub change: MessageChange,
    pub id: i32,
}

/// The fields of a message an admin writes.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    pub title: String,
    pub message: String,
    pub message_type: MessageType,
    pub is_active: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

fn validate(draft: &MessageDraft) -> AppResult<(String, String)> {
    let title = draft.title.trim().to_owned();
    let message = draft.message.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_LEN {
        return Err(AppError::invalid_field(
            "title",
            format!("must be 1 to {MAX_TITLE_LEN} characters"),
        ));
    }
    if message.is_empty() || message.chars().count() > MAX_MESSAGE_LEN {
        return Err(AppError::invalid_field(
            "message",
            format!("must be 1 to {MAX_MESSAGE_LEN} characters"),
        ));
    }
    if draft.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(AppError::invalid_field(
            "expiresAt",
            "must be in the future",
        ));
    }
    Ok((title, message))
}

fn snapshot(row: &admin_message::Model) -> serde_json::Value {
    json!({
        "title": row.title, "message": row.message, "type": row.message_type,
        "active": row.is_active, "expiresAt": row.expires_at,
    })
}

/// A site announcement as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Announcement {
    pub id: i32,
    pub title: String,
    pub message: String,
    pub message_type: MessageType,
    /// Switched on by an admin (it may still have expired: see `visible`).
    pub active: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Active and not expired when read: shown as a banner now.
    pub visible: bool,
}

impl From<admin_message::Model> for Announcement {
    fn from(row: admin_message::Model) -> Self {
        let visible = row.is_active && row.expires_at.is_none_or(|t| t > Utc::now());
        Self {
            id: row.id,
            title: row.title,
            message: row.message,
            message_type: row.message_type,
            active: row.is_active,
            expires_at: row.expires_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            visible,
        }
    }
}

fn announcements(rows: Vec<admin_message::Model>) -> Vec<Announcement> {
    rows.into_iter().map(Announcement::from).collect()
}

/// The banners to show now, and why they were sent (the `adminMessages` subscription).
#[derive(Debug, Clone)]
pub struct Banners {
    pub change: BannerChange,
    /// The message that changed (none for the initial list and after missed events).
    pub message_id: Option<i32>,
    /// Active and not expired, newest first.
    pub visible: Vec<Announcement>,
}

impl Banners {
    /// The message that expires next, and when.
    fn next_expiry(&self) -> Option<(DateTime<Utc>, i32)> {
        self.visible
            .iter()
            .filter_map(|m| m.expires_at.map(|t| (t, m.id)))
            .min_by_key(|(t, _)| *t)
    }
}

/// Site messages from admins (banners): reading, writing, and their live events. Built once with the state.
#[derive(Clone, Debug)]
pub struct Messages {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
    pub(crate) events: Events,
}

impl Messages {
    /// Messages shown now: active and not expired, newest first.
    pub async fn visible(&self) -> AppResult<Vec<Announcement>> {
        let now = Utc::now();
        let rows = admin_message::Entity::find()
            .filter(admin_message::Column::IsActive.eq(true))
            .filter(
                Condition::any()
                    .add(admin_message::Column::ExpiresAt.is_null())
                    .add(admin_message::Column::ExpiresAt.gt(now)),
            )
            .order_by_desc(admin_message::Column::CreatedAt)
            .all(&self.db)
            .await?;
        Ok(announcements(rows))
    }

    /// Every message, for the admin page.
    pub async fn all(&self, principal: &Principal) -> AppResult<Vec<Announcement>> {
        principal.require_admin()?;
        let rows = admin_message::Entity::find()
            .order_by_desc(admin_message::Column::CreatedAt)
            .all(&self.db)
            .await?;
        Ok(announcements(rows))
    }

    /// One message: any to admins, to everyone else only while it is shown (NOT_FOUND
    /// otherwise, as for no such message).
    pub async fn one(&self, principal: &Principal, id: i32) -> AppResult<Announcement> {
        let message = Announcement::from(self.load(id).await?);
        if message.visible || principal.require_admin().is_ok() {
            Ok(message)
        } else {
            Err(AppError::not_found(format!("admin message {id}")))
        }
    }

    /// The banner list now, then again after every change and whenever a shown message
    /// expires (no event is needed for a message to stop showing); ends when the event stream
    /// does. A list that can not be read is sent empty and logged.
    pub async fn banners(&self) -> AppResult<impl Stream<Item = Banners> + Send + use<>> {
        let events = self
            .events
            .subscribe::<MessageEvent>(Channel::AdminMessages)
            .await?;
        let messages = self.clone();
        Ok(async_stream::stream! {
            let mut events = Box::pin(events);
            let mut current = messages.banner_list(BannerChange::Initial, None).await;
            loop {
                let expiry = current.next_expiry();
                yield current;
                // A little after the expiry, so the message is no longer visible when read.
                let expired = async {
                    match expiry {
                        Some((t, _)) => {
                            let wait = (t - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                            tokio::time::sleep(wait + Duration::from_millis(20)).await;
                        }
                        None => std::future::pending().await,
                    }
                };
                current = tokio::select! {
                    event = events.next() => match event {
                        Some(Received::Event(e)) => {
                            let change = match e.change {
                                MessageChange::Created => BannerChange::Created,
                                MessageChange::Updated => BannerChange::Updated,
                                MessageChange::Deleted => BannerChange::Deleted,
                            };
                            messages.banner_list(change, Some(e.id)).await
                        }
                        Some(Received::Lagged(_)) => {
                            messages.banner_list(BannerChange::Updated, None).await
                        }
                        None => break,
                    },
                    () = expired => {
                        messages.banner_list(BannerChange::Expired, expiry.map(|(_, id)| id)).await
                    }
                };
            }
        })
    }

    async fn banner_list(&self, change: BannerChange, message_id: Option<i32>) -> Banners {
        let visible = self.visible().await.unwrap_or_else(|e| {
            tracing::error!(error = %e.message, "banner list not loaded");
            Vec::new()
        });
        Banners {
            change,
            message_id,
            visible,
        }
    }

    async fn publish(&self, change: MessageChange, id: i32) {
        self.events
            .publish(Channel::AdminMessages, &MessageEvent { change, id })
            .await;
    }

    pub async fn create(
        &self,
        principal: &Principal,
        draft: MessageDraft,
    ) -> AppResult<Announcement> {
        principal.require_admin()?;
        let (title, message) = validate(&draft)?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let row = admin_message::ActiveModel {
            title: Set(title),
            message: Set(message),
            message_type: Set(draft.message_type),
            is_active: Set(draft.is_active),
            created_by_id: Set(principal.user_id()),
            created_at: Set(now),
            updated_at: Set(now),
            expires_at: Set(draft.expires_at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::AdminAction,
                    format!("admin message {:?} created", row.title),
                )
                .resource(AuditResourceKind::AdminMessage, row.id)
                .change(None, Some(snapshot(&row))),
            )
            .await?;
        self.publish(MessageChange::Created, row.id).await;
        Ok(row.into())
    }

    async fn load(&self, id: i32) -> AppResult<admin_message::Model> {
        admin_message::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("admin message {id}")))
    }

    /// Replaces a message's fields (also how it is switched on or off).
    pub async fn update(
        &self,
        principal: &Principal,
        id: i32,
        draft: MessageDraft,
    ) -> AppResult<Announcement> {
        principal.require_admin()?;
        let (title, message) = validate(&draft)?;
        let current = self.load(id).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: admin_message::ActiveModel = current.clone().into();
        update.title = Set(title);
        update.message = Set(message);
        update.message_type = Set(draft.message_type);
        update.is_active = Set(draft.is_active);
        update.expires_at = Set(draft.expires_at);
        update.updated_at = Set(Utc::now());
        let row = update.update(&txn).await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::AdminAction,
                    format!("admin message {id} updated"),
                )
                .resource(AuditResourceKind::AdminMessage, id)
                .change(Some(snapshot(&current)), Some(snapshot(&row))),
            )
            .await?;
        self.publish(MessageChange::Updated, id).await;
        Ok(row.into())
    }

    pub async fn set_active(
        &self,
        principal: &Principal,
        id: i32,
        active: bool,
    ) -> AppResult<Announcement> {
        principal.require_admin()?;
        let current = self.load(id).await?;
        let draft = MessageDraft {
            title: current.title,
            message: current.message,
            message_type: current.message_type,
            is_active: active,
            // Re-activating an expired message needs a new expiry; keep a past one only when
            // switching off.
            expires_at: current.expires_at.filter(|t| !active || *t > Utc::now()),
        };
        self.update(principal, id, draft).await
    }

    pub async fn delete(&self, principal: &Principal, id: i32) -> AppResult<()> {
        principal.require_admin()?;
        let current = self.load(id).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        admin_message::Entity::delete_by_id(id).exec(&txn).await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::AdminAction,
                    format!("admin message {id} deleted"),
                )
                .resource(AuditResourceKind::AdminMessage, id)
                .change(Some(snapshot(&current)), None),
            )
            .await?;
        self.publish(MessageChange::Deleted, id).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use shared::{ErrorCode, MessageType};

    use super::MessageDraft;
    use crate::auth::Principal;
    use crate::state::AppState;

    /// A message switched off is an admin's to read; everyone else reads it only while it is
    /// shown, and `visible` says which it is.
    #[tokio::test]
    async fn a_hidden_message_is_read_by_admins_only() {
        let (state, _dir) = AppState::for_tests().await;
        let admin = Principal::system("test");
        let (_, user) = state.test_user("reader").await;
        let visitor = Principal::visitor(None);
        let draft = MessageDraft {
            title: " Maintenance ".into(),
            message: "Down at noon".into(),
            message_type: MessageType::Warning,
            is_active: false,
            expires_at: None,
        };
        let hidden = state.messages.create(&admin, draft).await.unwrap();
        assert_eq!(hidden.title, "Maintenance");
        assert!(!hidden.active && !hidden.visible);

        let seen = state.messages.one(&admin, hidden.id).await.unwrap();
        assert_eq!(seen, hidden);
        for who in [&user, &visitor] {
            let err = state.messages.one(who, hidden.id).await.unwrap_err();
            assert_eq!(err.code, ErrorCode::NotFound);
        }
        assert!(state.messages.visible().await.unwrap().is_empty());

        let shown = state
            .messages
            .set_active(&admin, hidden.id, true)
            .await
            .unwrap();
        assert!(shown.active && shown.visible);
        let read = state.messages.one(&visitor, hidden.id).await.unwrap();
        assert_eq!(read.id, hidden.id);
        assert!(read.visible);
        assert_eq!(state.messages.visible().await.unwrap(), [read]);
        let err = state.messages.one(&admin, hidden.id + 1).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
    }
}
