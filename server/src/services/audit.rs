//! The append-only audit trail: one row per mutation and per security event.
//!
//! Details and old/new values are encrypted, bound to their row. Rows are written inside the
//! caller's transaction; the matching live event is published only after it commits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection};
use sea_orm::{EntityTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::AuditAction;

use crate::crypto::{Binding, Encryptor};
use crate::error::{AppError, AppResult, OrInternal};
use crate::events::{Channel, Events};

/// Counts the audit rows committed on behalf of one request, so the GraphQL layer knows
/// whether a failed operation still needs its own failure row.
#[derive(Debug, Clone, Default)]
pub struct AuditCounter(Arc<AtomicUsize>);

impl AuditCounter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl PartialEq for AuditCounter {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Who did it and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub username: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub session_id: Option<String>,
    /// The request this actor acts in, if any.
    pub counter: Option<AuditCounter>,
}

impl Actor {
    /// The server itself (CLI commands, scheduled jobs).
    pub fn system(what: &str) -> Self {
        Self {
            username: Some(format!("system:{what}")),
            ..Self::default()
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub action: AuditAction,
    pub description: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub success: bool,
    pub error_message: Option<String>,
    pub details: Option<Value>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
    pub duration_ms: Option<i32>,
    /// When it happened, if not now (rows imported from the Flask version).
    pub at: Option<DateTime<Utc>>,
}

impl AuditRecord {
    pub fn new(action: AuditAction, description: impl Into<String>) -> Self {
        Self {
            action,
            description: description.into(),
            resource_type: None,
            resource_id: None,
            success: true,
            error_message: None,
            details: None,
            old_values: None,
            new_values: None,
            duration_ms: None,
            at: None,
        }
    }

    pub fn resource(mut self, kind: &str, id: impl ToString) -> Self {
        self.resource_type = Some(kind.to_owned());
        self.resource_id = Some(id.to_string());
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn change(mut self, old: Option<Value>, new: Option<Value>) -> Self {
        self.old_values = old;
        self.new_values = new;
        self
    }

    pub fn failed(mut self, error: impl Into<String>) -> Self {
        self.success = false;
        self.error_message = Some(error.into());
        self
    }

    pub fn duration(mut self, elapsed: std::time::Duration) -> Self {
        self.duration_ms = Some(i32::try_from(elapsed.as_millis()).unwrap_or(i32::MAX));
        self
    }
}

/// The live form of an audit row, as subscribers receive it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    pub id: i32,
    pub action: AuditAction,
    pub user_id: Option<i32>,
    pub username: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub description: String,
    pub success: bool,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
    #[serde(skip)]
    pub counter: Option<AuditCounter>,
}

/// Writes audit rows and publishes their events.
#[derive(Clone, Debug)]
pub struct Audit {
    crypto: Arc<Encryptor>,
    events: Events,
}

pub const TABLE: &str = "audit_log";

impl Audit {
    pub fn new(crypto: Arc<Encryptor>, events: Events) -> Self {
        Self { crypto, events }
    }

    /// Writes one row inside the caller's transaction. Publish the returned event after
    /// commit with [`Self::publish`].
    pub async fn write<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &Actor,
        record: AuditRecord,
    ) -> AppResult<AuditEvent> {
        let now = record.at.unwrap_or_else(Utc::now);
        let row = audit_log::ActiveModel {
            user_id: Set(actor.user_id),
            username: Set(actor.username.clone()),
            action_type: Set(record.action),
            action_description: Set(record.description.clone()),
            resource_type: Set(record.resource_type.clone()),
            resource_id: Set(record.resource_id.clone()),
            ip_address: Set(actor.ip.clone()),
            user_agent: Set(actor.user_agent.clone()),
            session_id: Set(actor.session_id.clone()),
            details: Set(None),
            old_values: Set(None),
            new_values: Set(None),
            success: Set(record.success),
            error_message: Set(record.error_message.clone()),
            duration_ms: Set(record.duration_ms),
            timestamp: Set(now),
            ..Default::default()
        };
        let inserted = row.insert(conn).await?;
        let id = inserted.id;
        if record.details.is_some() || record.old_values.is_some() || record.new_values.is_some() {
            let row_id = id.to_string();
            let seal = |column: &str, value: &Option<Value>| -> AppResult<Option<String>> {
                value
                    .as_ref()
                    .map(|v| {
                        let binding = Binding {
                            table: TABLE,
                            column,
                            row: &row_id,
                        };
                        self.crypto
                            .encrypt(&v.to_string(), binding)
                            .or_internal("audit encrypt")
                    })
                    .transpose()
            };
            let mut update: audit_log::ActiveModel = inserted.into();
            update.details = Set(seal("details", &record.details)?);
            update.old_values = Set(seal("old_values", &record.old_values)?);
            update.new_values = Set(seal("new_values", &record.new_values)?);
            update.update(conn).await?;
        }
        Ok(AuditEvent {
            id,
            action: record.action,
            user_id: actor.user_id,
            username: actor.username.clone(),
            resource_type: record.resource_type,
            resource_id: record.resource_id,
            description: record.description,
            success: record.success,
            ip: actor.ip.clone(),
            at: now,
            counter: actor.counter.clone(),
        })
    }

    /// Publishes committed audit events to live subscribers on every instance.
    pub async fn publish(&self, events: impl IntoIterator<Item = AuditEvent>) {
        for event in events {
            if let Some(counter) = &event.counter {
                counter.add();
            }
            self.events.publish(Channel::Audit, &event).await;
        }
    }

    /// Writes the row of a change inside `txn`, commits it, then publishes the event: the
    /// last step of every audited write.
    pub async fn commit(
        &self,
        txn: sea_orm::DatabaseTransaction,
        actor: &Actor,
        record: AuditRecord,
    ) -> AppResult<AuditEvent> {
        let event = self.write(&txn, actor, record).await?;
        txn.commit().await?;
        self.publish([event.clone()]).await;
        Ok(event)
    }

    /// Writes one row in its own transaction and publishes it.
    pub async fn record(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
        record: AuditRecord,
    ) -> AppResult<AuditEvent> {
        self.commit(db.begin().await?, actor, record).await
    }

    /// Decrypts the sealed JSON columns of a row: (details, old values, new values).
    pub fn open(&self, row: &audit_log::Model) -> AppResult<[Option<Value>; 3]> {
        let row_id = row.id.to_string();
        let open = |column: &str, stored: &Option<String>| -> AppResult<Option<Value>> {
            let Some(stored) = stored else {
                return Ok(None);
            };
            let binding = Binding {
                table: TABLE,
                column,
                row: &row_id,
            };
            let plain = self
                .crypto
                .decrypt(stored, binding)
                .or_internal("audit decrypt")?;
            serde_json::from_str(&plain)
                .map(Some)
                .or_internal("audit json")
        };
        Ok([
            open("details", &row.details)?,
            open("old_values", &row.old_values)?,
            open("new_values", &row.new_values)?,
        ])
    }

    /// Reads back one row by id (used by `check` to prove a write round-trips).
    pub async fn find(&self, db: &DatabaseConnection, id: i32) -> AppResult<audit_log::Model> {
        audit_log::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("audit row {id}")))
    }
}
