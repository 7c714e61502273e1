//! The sender: takes due messages from `mail_outbox`, claims each (so two instances never send
//! the same one), hands it to the transport, and records the outcome: SENT (the stored message
//! is cleared), or another attempt after a doubling delay, or FAILED after `MAIL_MAX_ATTEMPTS`.
//! Every outcome is an audit row (SYSTEM_SECURITY, naming the message and its kind, never the
//! recipient or the content): a message sent or written to the outbox directory, an attempt
//! that failed, a message given up. Admins see the whole queue in `mailOutbox`.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use entity::mail_outbox;
use lettre::Address;
use lettre::address::Envelope;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, MailStatus};

use super::audit::AuditRecord;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::mail::{Mailer, binding};
use crate::shutdown::Shutdown;

/// How often the queue is looked at without a wake-up (messages queued by another instance,
/// retries falling due).
const POLL: Duration = Duration::from_secs(5);
/// Messages claimed per pass.
const BATCH: u64 = 20;
/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// The wait before attempt `attempts + 1`: the first retry after `base`, doubling, at most an
/// hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 1u32 << Ord::min(attempts.saturating_sub(1), 16);
    Ord::min(base.saturating_mul(factor), MAX_DELAY)
}

/// The e-mail queue's worker: sends what is due, retries with backoff, records the outcome.
#[derive(Clone)]
pub struct MailWorker {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) audit: super::audit::Audit,
    pub(crate) crypto: std::sync::Arc<crate::crypto::Encryptor>,
    pub(crate) mailer: std::sync::Arc<Mailer>,
    pub(crate) mail: crate::config::MailSettings,
}

impl MailWorker {
    /// Runs until shutdown.
    pub fn spawn(self, shutdown: Shutdown) {
        tracing::info!(transport = %self.mailer.transport.describe(), "e-mail sender started");
        let wake = self.mailer.wake_handle();
        let this = self;
        tokio::spawn(async move {
            loop {
                if let Err(e) = this.run_due().await {
                    tracing::warn!(error = %e.describe(), "e-mail queue pass failed");
                }
                let wait = Ord::min(this.next_due().await.unwrap_or(POLL), POLL);
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                    () = shutdown.wait() => return,
                }
            }
        });
    }

    /// How long until the next waiting message falls due, if one waits.
    async fn next_due(&self) -> Option<Duration> {
        let next = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Status.is_in([MailStatus::Pending, MailStatus::Sending]))
            .order_by_asc(mail_outbox::Column::NextAttemptAt)
            .one(&self.db)
            .await
            .ok()??;
        Some(
            (next.next_attempt_at - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO),
        )
    }

    /// Sends every message that is due now; returns how many were attempted.
    pub async fn run_due(&self) -> AppResult<usize> {
        let mut done = 0;
        loop {
            let now = Utc::now();
            let due = mail_outbox::Entity::find()
                .filter(
                    mail_outbox::Column::Status.is_in([MailStatus::Pending, MailStatus::Sending]),
                )
                .filter(mail_outbox::Column::NextAttemptAt.lte(now))
                .order_by_asc(mail_outbox::Column::Id)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            if due.is_empty() {
                return Ok(done);
            }
            for row in due {
                if self.claim(&row).await? {
                    self.attempt(row).await?;
                    done += 1;
                }
            }
        }
    }

    /// Marks `row` SENDING for this instance: the attempt count is its version, so only one
    /// claimer wins. A SENDING row whose lease ran out (its sender died) is claimed again.
    async fn claim(&self, row: &mail_outbox::Model) -> AppResult<bool> {
        let timeout = self
            .mail
            .smtp
            .as_ref()
            .map_or(Duration::from_secs(30), |s| s.timeout);
        let lease = TimeDelta::from_std(timeout * 4 + Duration::from_secs(60))
            .unwrap_or(TimeDelta::minutes(5));
        let result = mail_outbox::Entity::update_many()
            .col_expr(
                mail_outbox::Column::Status,
                Expr::value(MailStatus::Sending),
            )
            .col_expr(
                mail_outbox::Column::Attempts,
                Expr::col(mail_outbox::Column::Attempts).add(1),
            )
            .col_expr(
                mail_outbox::Column::NextAttemptAt,
                Expr::value(Utc::now() + lease),
            )
            .col_expr(mail_outbox::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(mail_outbox::Column::Id.eq(row.id))
            .filter(mail_outbox::Column::Attempts.eq(row.attempts))
            .filter(mail_outbox::Column::Status.eq(row.status))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    fn envelope(&self, recipient: &str) -> Result<Envelope, String> {
        let to: Address = recipient
            .parse()
            .map_err(|e| format!("recipient {recipient:?}: {e}"))?;
        Envelope::new(Some(self.mailer.sender().email.clone()), vec![to])
            .map_err(|e| format!("envelope: {e}"))
    }

    async fn attempt(&self, row: mail_outbox::Model) -> AppResult<()> {
        let attempts = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
        let raw = match &row.message {
            Some(sealed) => self
                .crypto
                .decrypt(sealed, binding(&row.id.to_string()))
                .map_err(|e| format!("the stored message can not be opened: {e}")),
            None => Err("the stored message is gone".to_owned()),
        };
        let file_name = format!(
            "{}-{:06}-{}.eml",
            row.created_at.format("%Y%m%dT%H%M%S"),
            row.id,
            row.kind.as_str().to_ascii_lowercase()
        );
        let outcome = match (raw, self.envelope(&row.recipient)) {
            (Ok(raw), Ok(envelope)) => {
                self.mailer
                    .transport
                    .send(&envelope, raw.as_bytes(), &file_name)
                    .await
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        let principal = Principal::system("mail");
        let now = Utc::now();
        match outcome {
            Ok(path) => {
                if let Some(path) = &path {
                    tracing::info!(
                        id = row.id,
                        kind = %row.kind,
                        path = %path.display(),
                        "e-mail written to the outbox directory (no SMTP relay configured)"
                    );
                } else {
                    tracing::info!(id = row.id, kind = %row.kind, "e-mail sent");
                }
                let update = mail_outbox::ActiveModel {
                    id: sea_orm::ActiveValue::Unchanged(row.id),
                    status: sea_orm::ActiveValue::Set(MailStatus::Sent),
                    message: sea_orm::ActiveValue::Set(None),
                    last_error: sea_orm::ActiveValue::Set(None),
                    sent_at: sea_orm::ActiveValue::Set(Some(now)),
                    updated_at: sea_orm::ActiveValue::Set(now),
                    ..Default::default()
                };
                let (what, delivery) = match &path {
                    Some(_) => ("written to the outbox directory", "outbox"),
                    None => ("sent", "smtp"),
                };
                let record = AuditRecord::new(
                    AuditAction::SystemSecurity,
                    format!("e-mail {} ({}) {what}", row.id, row.kind),
                )
                .resource(AuditResourceKind::Mail, row.id)
                .details(json!({ "kind": row.kind, "attempt": attempts, "delivery": delivery }));
                self.save(&principal, update, record).await
            }
            Err(error) => {
                let give_up = attempts >= self.mail.max_attempts;
                let delay = backoff(self.mail.retry_delay, attempts);
                tracing::warn!(
                    id = row.id,
                    kind = %row.kind,
                    attempt = attempts,
                    give_up,
                    error = %error,
                    "e-mail not sent"
                );
                let next = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::hours(1));
                let update = mail_outbox::ActiveModel {
                    id: sea_orm::ActiveValue::Unchanged(row.id),
                    status: sea_orm::ActiveValue::Set(if give_up {
                        MailStatus::Failed
                    } else {
                        MailStatus::Pending
                    }),
                    last_error: sea_orm::ActiveValue::Set(Some(error.clone())),
                    next_attempt_at: sea_orm::ActiveValue::Set(next),
                    updated_at: sea_orm::ActiveValue::Set(now),
                    ..Default::default()
                };
                let what = if give_up {
                    format!(
                        "e-mail {} ({}) failed; given up after {attempts} attempts",
                        row.id, row.kind
                    )
                } else {
                    format!(
                        "e-mail {} ({}) not sent (attempt {attempts}); retry in {}",
                        row.id,
                        row.kind,
                        crate::error::duration_words(delay)
                    )
                };
                let record = AuditRecord::new(AuditAction::SystemSecurity, what)
                    .resource(AuditResourceKind::Mail, row.id)
                    .failed(error)
                    .details(json!({ "kind": row.kind, "attempt": attempts, "gaveUp": give_up }));
                self.save(&principal, update, record).await
            }
        }
    }

    async fn save(
        &self,
        principal: &Principal,
        update: mail_outbox::ActiveModel,
        record: AuditRecord,
    ) -> AppResult<()> {
        use sea_orm::ActiveModelTrait;
        let txn = crate::db::begin_write(&self.db).await?;
        update.update(&txn).await?;
        self.audit.commit(txn, principal, record).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 3), Duration::from_secs(120));
        assert_eq!(backoff(base, 12), MAX_DELAY);
        assert_eq!(backoff(base, 1000), MAX_DELAY);
    }
}
