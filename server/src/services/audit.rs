//! The append-only audit trail: one row per mutation and per security event.
//!
//! Details and old/new values are encrypted, bound to their row's `entry_uid` (generated before
//! the insert: a row is inserted once and never updated). Each row extends the hash chain (see
//! [`super::audit_chain`]). Rows are written inside the caller's transaction; the matching live
//! event is published only after it commits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_log;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection};
use sea_orm::{EntityTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::{AuditAction, AuditResourceKind};

use super::audit_chain;
use crate::crypto::{Binding, Encryptor};
use crate::db::int;
use crate::error::{AppError, AppResult, OrInternal};
use crate::events::{Channel, Events};

pub use crate::auth::{AuditCounter, Principal};

/// Who an audit row names and from where: taken from the [`Principal`] of a live request, or
/// given as recorded elsewhere (rows imported from the Flask version, generated scale data).
/// Plain data, not a capability: it authorises nothing.
#[derive(Debug, Clone, Default)]
pub struct AuditOrigin {
    pub user_id: Option<i32>,
    pub username: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub session_id: Option<String>,
}

impl From<&Principal> for AuditOrigin {
    fn from(principal: &Principal) -> Self {
        let (user_id, username) = principal.audit_user();
        Self {
            user_id,
            username,
            ip: principal.ip().map(|ip| ip.to_string()),
            user_agent: principal.user_agent().map(str::to_owned),
            session_id: principal.audit_session(),
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

    /// What the row is about: its kind (stored as [`AuditResourceKind::word`]) and which one.
    pub fn resource(mut self, kind: AuditResourceKind, id: impl ToString) -> Self {
        debug_assert!(
            kind != AuditResourceKind::Other,
            "PanelMerge never writes OTHER"
        );
        self.resource_type = Some(kind.word().to_owned());
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
        self.duration_ms = Some(int(elapsed.as_millis()));
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

/// The row a sealed audit value is bound to: its `entry_uid` (generated before the insert, so a
/// row is written once), or the id for rows written before the hash chain existed.
pub fn binding_row(id: i32, entry_uid: Option<&str>) -> String {
    entry_uid.map_or_else(|| id.to_string(), str::to_owned)
}

/// Every column of `row` but the id, for an insert.
fn insertable(row: audit_log::Model) -> audit_log::ActiveModel {
    audit_log::ActiveModel {
        id: NotSet,
        user_id: Set(row.user_id),
        username: Set(row.username),
        action_type: Set(row.action_type),
        action_description: Set(row.action_description),
        resource_type: Set(row.resource_type),
        resource_id: Set(row.resource_id),
        ip_address: Set(row.ip_address),
        user_agent: Set(row.user_agent),
        session_id: Set(row.session_id),
        details: Set(row.details),
        old_values: Set(row.old_values),
        new_values: Set(row.new_values),
        success: Set(row.success),
        error_message: Set(row.error_message),
        duration_ms: Set(row.duration_ms),
        timestamp: Set(row.timestamp),
        created_at: Set(row.created_at),
        entry_uid: Set(row.entry_uid),
        prev_hash: Set(row.prev_hash),
        hash: Set(row.hash),
    }
}

/// Writes audit rows and publishes their events.
#[derive(Clone, Debug)]
pub struct Audit {
    crypto: Arc<Encryptor>,
    events: Events,
    memory: Arc<Mutex<Memory>>,
}

/// How long a read (VIEW, PANEL_LIST, SEARCH) is remembered: one row per user and key per window.
pub const READ_WINDOW: Duration = Duration::from_secs(60);
/// The security monitor's window and thresholds: refused or not-found probes on saved panels by
/// one caller within a minute.
pub const PROBE_WINDOW: Duration = Duration::from_secs(60);
pub const SUSPICIOUS_PROBES: u32 = 10;
pub const BREACH_PROBES: u32 = 30;
/// Entries kept before old ones are pruned (bounds memory).
const MEMORY_ENTRIES: usize = 10_000;

/// This instance's short-term memory: read throttling and the probe counters.
#[derive(Debug, Default)]
struct Memory {
    reads: HashMap<String, Instant>,
    probes: HashMap<String, (Instant, u32)>,
}

impl Memory {
    fn prune(&mut self, now: Instant) {
        if self.reads.len() > MEMORY_ENTRIES {
            self.reads
                .retain(|_, at| now.duration_since(*at) < READ_WINDOW);
        }
        if self.probes.len() > MEMORY_ENTRIES {
            self.probes
                .retain(|_, (start, _)| now.duration_since(*start) < PROBE_WINDOW);
        }
    }
}

pub const TABLE: &str = "audit_log";

impl Audit {
    pub fn new(crypto: Arc<Encryptor>, events: Events) -> Self {
        Self {
            crypto,
            events,
            memory: Arc::default(),
        }
    }

    /// Whether an event keyed `key` (user, action, resource) is the first in its [`READ_WINDOW`]
    /// on this instance, i.e. whether to write its row (reads and repeated violations are throttled).
    pub fn first_in_window(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory.prune(now);
        match memory.reads.get(key) {
            Some(at) if now.duration_since(*at) < READ_WINDOW => false,
            _ => {
                memory.reads.insert(key.to_owned(), now);
                true
            }
        }
    }

    /// Counts one refused or not-found probe by `who` and returns the security action to record
    /// when this probe reaches a threshold ([`SUSPICIOUS_PROBES`], [`BREACH_PROBES`]) within
    /// [`PROBE_WINDOW`], with the count.
    pub fn probe(&self, who: &str) -> Option<(AuditAction, u32)> {
        let now = Instant::now();
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory.prune(now);
        let entry = memory.probes.entry(who.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= PROBE_WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        match entry.1 {
            SUSPICIOUS_PROBES => Some((AuditAction::SuspiciousActivity, entry.1)),
            BREACH_PROBES => Some((AuditAction::DataBreachAttempt, entry.1)),
            _ => None,
        }
    }

    /// The row `record` by `origin` becomes, its values sealed, not yet chained.
    fn sealed_row(
        &self,
        origin: &AuditOrigin,
        record: &AuditRecord,
    ) -> AppResult<audit_log::Model> {
        // Microseconds: what PostgreSQL keeps, so the hash recomputes from the stored row.
        let now = record.at.unwrap_or_else(Utc::now).trunc_subsecs(6);
        let entry_uid = uuid::Uuid::new_v4().to_string();
        let seal = |column: &str, value: &Option<Value>| -> AppResult<Option<String>> {
            value
                .as_ref()
                .map(|v| {
                    let binding = Binding {
                        table: TABLE,
                        column,
                        row: &entry_uid,
                    };
                    self.crypto
                        .encrypt(&v.to_string(), binding)
                        .or_internal("audit encrypt")
                })
                .transpose()
        };
        Ok(audit_log::Model {
            id: 0,
            user_id: origin.user_id,
            username: origin.username.clone(),
            action_type: record.action,
            action_description: record.description.clone(),
            resource_type: record.resource_type.clone(),
            resource_id: record.resource_id.clone(),
            ip_address: origin.ip.clone(),
            user_agent: origin.user_agent.clone(),
            session_id: origin.session_id.clone(),
            details: seal("details", &record.details)?,
            old_values: seal("old_values", &record.old_values)?,
            new_values: seal("new_values", &record.new_values)?,
            success: record.success,
            error_message: record.error_message.clone(),
            duration_ms: record.duration_ms,
            timestamp: now,
            created_at: now,
            entry_uid: Some(entry_uid),
            prev_hash: None,
            hash: None,
        })
    }

    /// Writes one row inside the caller's transaction. Publish the returned event after
    /// commit with [`Self::publish`].
    pub async fn write<C: ConnectionTrait>(
        &self,
        conn: &C,
        principal: &Principal,
        record: AuditRecord,
    ) -> AppResult<AuditEvent> {
        let mut event = self
            .write_as(conn, &AuditOrigin::from(principal), record)
            .await?;
        event.counter = principal.counter().cloned();
        Ok(event)
    }

    /// [`Self::write`] for a row that names someone other than a live principal (rows imported
    /// from the Flask version keep their original user, address and session).
    pub async fn write_as<C: ConnectionTrait>(
        &self,
        conn: &C,
        origin: &AuditOrigin,
        record: AuditRecord,
    ) -> AppResult<AuditEvent> {
        let mut row = self.sealed_row(origin, &record)?;
        let now = row.timestamp;
        // Serialised from here to the caller's commit: one chain across writers and instances.
        let prev = audit_chain::lock(conn).await?;
        let hash = audit_chain::hash_of(&prev, &row);
        row.prev_hash = Some(prev);
        row.hash = Some(hash.clone());
        let inserted = insertable(row).insert(conn).await?;
        let id = inserted.id;
        audit_chain::advance(conn, id, &hash).await?;
        Ok(AuditEvent {
            id,
            action: record.action,
            user_id: origin.user_id,
            username: origin.username.clone(),
            resource_type: record.resource_type,
            resource_id: record.resource_id,
            description: record.description,
            success: record.success,
            ip: origin.ip.clone(),
            at: now,
            counter: None,
        })
    }

    /// Writes `rows` in order inside the caller's transaction, sealed and chained exactly as
    /// [`Self::write`] does, with multi-row inserts (bulk loads such as `seed-scale`). Nothing
    /// is published. Returns how many rows were written.
    pub async fn write_many<C: ConnectionTrait>(
        &self,
        conn: &C,
        rows: &[(AuditOrigin, AuditRecord)],
    ) -> AppResult<usize> {
        /// Rows per INSERT: 21 columns each stays under SQLite's bound on variables.
        const PER_INSERT: usize = 500;
        let Some(_) = rows.first() else {
            return Ok(0);
        };
        let mut prev = audit_chain::lock(conn).await?;
        for chunk in rows.chunks(PER_INSERT) {
            let mut models = Vec::with_capacity(chunk.len());
            for (origin, record) in chunk {
                let mut row = self.sealed_row(origin, record)?;
                let hash = audit_chain::hash_of(&prev, &row);
                row.prev_hash = Some(std::mem::replace(&mut prev, hash.clone()));
                row.hash = Some(hash);
                models.push(insertable(row));
            }
            audit_log::Entity::insert_many(models).exec(conn).await?;
        }
        let last = audit_log::Entity::find()
            .order_by_desc(audit_log::Column::Id)
            .one(conn)
            .await?
            .ok_or_else(|| AppError::internal("audit rows vanished during a bulk write"))?;
        audit_chain::advance(conn, last.id, &prev).await?;
        Ok(rows.len())
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
        principal: &Principal,
        record: AuditRecord,
    ) -> AppResult<AuditEvent> {
        let event = self.write(&txn, principal, record).await?;
        txn.commit().await?;
        self.publish([event.clone()]).await;
        Ok(event)
    }

    /// Writes one row in its own transaction and publishes it.
    pub async fn record(
        &self,
        db: &DatabaseConnection,
        principal: &Principal,
        record: AuditRecord,
    ) -> AppResult<AuditEvent> {
        self.commit(crate::db::begin_write(db).await?, principal, record)
            .await
    }

    /// Decrypts the sealed JSON columns of a row: (details, old values, new values).
    pub fn open(&self, row: &audit_log::Model) -> AppResult<[Option<Value>; 3]> {
        let row_id = binding_row(row.id, row.entry_uid.as_deref());
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
