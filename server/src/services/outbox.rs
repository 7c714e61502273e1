//! The admins' view of the e-mail queue: what is waiting, sent or failed and why, and a retry
//! of a failed message.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::mail_outbox;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, MailKind, MailStatus};
use tokio::sync::Notify;

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::paging::{Keyset, keyset_query, keyset_rows};

/// A queued e-mail as admins see it: never its content, which may hold a single-use link.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedMail {
    pub id: i32,
    pub kind: MailKind,
    pub recipient: String,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// When the next try is due (PENDING) or until when a SENDING claim holds; `None` once it
    /// is sent or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<mail_outbox::Model> for QueuedMail {
    fn from(row: mail_outbox::Model) -> Self {
        let waiting = matches!(row.status, MailStatus::Pending | MailStatus::Sending);
        Self {
            id: row.id,
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            status: row.status,
            attempts: row.attempts,
            last_error: row.last_error,
            next_attempt_at: waiting.then_some(row.next_attempt_at),
            sent_at: row.sent_at,
            created_at: row.created_at,
        }
    }
}

/// The e-mail queue as admins see it. Built once with the state; `wake` is the mail worker's wake-up call.
#[derive(Clone, Debug)]
pub struct Outbox {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
    pub(crate) wake: Arc<Notify>,
}

impl Outbox {
    /// A page of queued messages, newest first, optionally of one status.
    pub async fn list(
        &self,
        principal: &Principal,
        status: Option<MailStatus>,
        page: &Keyset,
    ) -> AppResult<(Vec<QueuedMail>, bool, u64)> {
        principal.require_admin()?;
        let mut condition = Condition::all();
        if let Some(status) = status {
            condition = condition.add(mail_outbox::Column::Status.eq(status));
        }
        let total = mail_outbox::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let select = mail_outbox::Entity::find().filter(condition);
        let rows = keyset_query(select, mail_outbox::Column::Id, page)
            .all(&self.db)
            .await?;
        let (rows, more) = keyset_rows(page, rows);
        Ok((rows.into_iter().map(Into::into).collect(), more, total))
    }

    /// One queued message by id (admins only).
    pub async fn get(&self, principal: &Principal, id: i32) -> AppResult<QueuedMail> {
        principal.require_admin()?;
        mail_outbox::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(QueuedMail::from)
            .ok_or_else(|| AppError::not_found(format!("e-mail {id}")))
    }

    /// Sends a FAILED (or waiting) message again now, with a fresh count of attempts.
    pub async fn retry(&self, principal: &Principal, id: i32) -> AppResult<QueuedMail> {
        principal.require_admin()?;
        let row = mail_outbox::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("e-mail {id}")))?;
        match row.status {
            MailStatus::Failed | MailStatus::Pending => {}
            other => {
                return Err(AppError::conflict(format!(
                    "e-mail {id} is {other}; only a failed or waiting message can be retried"
                ))
                .with("status", other.as_str()));
            }
        }
        if row.message.is_none() {
            return Err(AppError::conflict(format!(
                "e-mail {id} has no stored message left to send"
            )));
        }
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: mail_outbox::ActiveModel = row.clone().into();
        update.status = Set(MailStatus::Pending);
        update.attempts = Set(0);
        update.next_attempt_at = Set(now);
        update.updated_at = Set(now);
        let saved = update.update(&txn).await?;
        let record = AuditRecord::new(
        AuditAction::AdminAction,
        format!("e-mail {id} ({}) queued for another try", row.kind),
    )
    .resource(AuditResourceKind::Mail, id)
    .details(json!({ "previousStatus": row.status, "attempts": row.attempts, "lastError": row.last_error }));
        self.audit.commit(txn, principal, record).await?;
        self.wake.notify_one();
        Ok(saved.into())
    }
}
