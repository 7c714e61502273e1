//! The admins' view of the e-mail queue: what is waiting, sent or failed and why, and a retry
//! of a failed message.

use std::sync::Arc;

use chrono::Utc;
use entity::mail_outbox;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, MailStatus};
use tokio::sync::Notify;

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::paging::{Keyset, keyset_query, keyset_rows};

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
    ) -> AppResult<(Vec<mail_outbox::Model>, bool, u64)> {
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
        Ok((rows, more, total))
    }

    /// One queued message by id (admins only).
    pub async fn get(&self, principal: &Principal, id: i32) -> AppResult<mail_outbox::Model> {
        principal.require_admin()?;
        mail_outbox::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("e-mail {id}")))
    }

    /// Sends a FAILED (or waiting) message again now, with a fresh count of attempts.
    pub async fn retry(&self, principal: &Principal, id: i32) -> AppResult<mail_outbox::Model> {
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
        Ok(saved)
    }
}
