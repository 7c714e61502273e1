//! Reading the audit trail (admins): filters, cursor pages, CSV, and the retention purge.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use shared::AuditAction;
use shared::AuditResourceKind;

use super::audit::{Audit, AuditEvent, AuditRecord};
use super::audit_chain;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::paging::{Keyset, keyset_query, keyset_rows};

/// Which rows to show. Empty lists mean "any".
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user_ids: Vec<i32>,
    pub usernames: Vec<String>,
    pub actions: Vec<AuditAction>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub success: Option<bool>,
    /// Exactly this stored word (Flask's words too).
    pub resource_type: Option<String>,
    /// Any of these kinds ([`AuditResourceKind::Other`]: a word PanelMerge does not write).
    pub resource_kinds: Vec<AuditResourceKind>,
    pub resource_id: Option<String>,
}

impl AuditQuery {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if !self.user_ids.is_empty() {
            c = c.add(audit_log::Column::UserId.is_in(self.user_ids.clone()));
        }
        if !self.usernames.is_empty() {
            c = c.add(audit_log::Column::Username.is_in(self.usernames.clone()));
        }
        if !self.actions.is_empty() {
            c = c.add(audit_log::Column::ActionType.is_in(self.actions.clone()));
        }
        if let Some(from) = self.from {
            c = c.add(audit_log::Column::Timestamp.gte(from));
        }
        if let Some(to) = self.to {
            c = c.add(audit_log::Column::Timestamp.lt(to));
        }
        if let Some(success) = self.success {
            c = c.add(audit_log::Column::Success.eq(success));
        }
        if let Some(kind) = &self.resource_type {
            c = c.add(audit_log::Column::ResourceType.eq(kind.clone()));
        }
        if !self.resource_kinds.is_empty() {
            c = c.add(kinds_condition(&self.resource_kinds));
        }
        if let Some(id) = &self.resource_id {
            c = c.add(audit_log::Column::ResourceId.eq(id.clone()));
        }
        c
    }
}

/// Rows whose stored resource word is of one of `kinds`.
fn kinds_condition(kinds: &[AuditResourceKind]) -> Condition {
    let words: Vec<&str> = kinds
        .iter()
        .filter(|k| **k != AuditResourceKind::Other)
        .map(|k| k.word())
        .collect();
    let mut any = Condition::any();
    if !words.is_empty() {
        any = any.add(audit_log::Column::ResourceType.is_in(words));
    }
    if kinds.contains(&AuditResourceKind::Other) {
        let written: Vec<&str> = AuditResourceKind::written().map(|k| k.word()).collect();
        any = any.add(
            Condition::all()
                .add(audit_log::Column::ResourceType.is_not_null())
                .add(audit_log::Column::ResourceType.ne(""))
                .add(audit_log::Column::ResourceType.is_not_in(written)),
        );
    }
    any
}

/// The most matches the audit page counts: past it the total is "more than this". An exact
/// count of a million-row trail reads every matching index entry (72 ms on SQLite, hundreds
/// on PostgreSQL), on every page turn; a bounded one stops after this many.
pub const COUNT_BOUND: u64 = 10_000;

/// How many rows match a page's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// Exactly this many.
    Exact(u64),
    /// More than [`COUNT_BOUND`].
    MoreThan(u64),
}

/// Rows read per query while a CSV export streams (memory stays flat whatever the trail's
/// size).
const CSV_BATCH: u64 = 1000;

const CSV_HEADER: [&str; 16] = [
    "id",
    "timestamp_utc",
    "action",
    "success",
    "user_id",
    "username",
    "resource_type",
    "resource_id",
    "description",
    "ip_address",
    "user_agent",
    "duration_ms",
    "error",
    "details",
    "old_values",
    "new_values",
];

/// The walks of the trail a page takes: one per action when the filter names several (their
/// rows merged by id, their bounded counts added up: an entry has one action); otherwise the
/// filter itself. Each walk reads an index in page order and stops after a page. Read at once, the rows of several actions would be sorted whole
/// (SQLite, and PostgreSQL when it can not tell how many match), or the trail walked from its
/// newest row for matches that may be rare: failed logins and logouts, where logins seldom
/// fail, read every failure (0.36 s at a million rows on SQLite).
fn walks(query: &AuditQuery) -> Vec<AuditQuery> {
    let mut actions: Vec<AuditAction> = Vec::new();
    for action in &query.actions {
        if !actions.contains(action) {
            actions.push(*action);
        }
    }
    if actions.len() < 2 {
        return vec![query.clone()];
    }
    actions
        .into_iter()
        .map(|action| AuditQuery {
            actions: vec![action],
            ..query.clone()
        })
        .collect()
}

/// A page's rows: those matching `condition`, walked by id from the page's cursor.
fn page_query(condition: Condition, page: &Keyset) -> sea_orm::Select<audit_log::Entity> {
    keyset_query(
        audit_log::Entity::find().filter(condition),
        audit_log::Column::Id,
        page,
    )
}

/// How many rows match `condition`, counted up to [`COUNT_BOUND`] + 1.
fn count_query(condition: Condition) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::{Expr, SelectStatement};
    let matches = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Id)
        .filter(condition)
        .limit(COUNT_BOUND + 1)
        .into_query();
    SelectStatement::new()
        .expr_as(Expr::cust("COUNT(*)"), "matches")
        .from_subquery(matches, "bounded")
        .to_owned()
}

/// A chunk of the CSV body.
pub type CsvChunk = Result<bytes::Bytes, std::io::Error>;

/// An entry of the trail with its sealed values opened: the details, and what a change
/// replaced and set.
#[derive(Debug, Clone)]
pub struct OpenedEntry {
    pub id: i32,
    pub action: AuditAction,
    /// None for visitors, the system, and accounts removed since.
    pub user_id: Option<i32>,
    /// The name the row recorded for who acted.
    pub username: Option<String>,
    pub description: String,
    /// The word the row records for its kind of resource (Flask's word on imported rows).
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub success: bool,
    pub error_message: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub duration_ms: Option<i32>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub details: Option<Value>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
}

/// Which live audit events an admin receives; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only these actions.
    pub actions: Option<Vec<AuditAction>>,
    /// Only actions of these accounts.
    pub user_ids: Option<Vec<i32>>,
    /// Only successful (true) or only failed (false) actions.
    pub success: Option<bool>,
    /// Only security events (lockouts, IP blocks, denied access, ...).
    pub security_only: bool,
}

impl FeedFilter {
    pub fn matches(&self, e: &AuditEvent) -> bool {
        self.actions.as_ref().is_none_or(|a| a.contains(&e.action))
            && self
                .user_ids
                .as_ref()
                .is_none_or(|ids| e.user_id.is_some_and(|u| ids.contains(&u)))
            && self.success.is_none_or(|s| s == e.success)
            && (!self.security_only || e.action.is_security_event())
    }
}

/// The audit trail as admins read it: pages, single entries, the CSV export and the retention
/// purge. Built once with the state; holds what it reads and writes with.
#[derive(Clone, Debug)]
pub struct AuditTrail {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
    /// Where committed audit events arrive from every instance (the live feed).
    pub(crate) events: crate::events::Events,
    /// AUDIT_RETENTION_DAYS: no purge may delete rows younger than this.
    pub(crate) retention_days: u32,
}

impl AuditTrail {
    /// Audit events as they are committed on any instance, those `filter` lets through
    /// (admins only). Each comes with how many events this subscriber missed just before it
    /// (the bus drops events for a reader that falls behind).
    pub async fn feed(
        &self,
        principal: &Principal,
        filter: FeedFilter,
    ) -> AppResult<impl futures::Stream<Item = (AuditEvent, u64)> + Send + use<>> {
        principal.require_admin()?;
        let events = self
            .events
            .subscribe::<AuditEvent>(crate::events::Channel::Audit)
            .await?;
        Ok(async_stream::stream! {
            let mut missed = 0u64;
            for await event in events {
                match event {
                    crate::events::Received::Event(e) => {
                        if filter.matches(&e) {
                            yield (e, std::mem::take(&mut missed));
                        }
                    }
                    crate::events::Received::Lagged(n) => missed += n,
                }
            }
        })
    }

    /// One keyset page of the filtered trail, newest first; whether more rows exist in the
    /// direction read; and how many match the filter (counted up to [`COUNT_BOUND`]).
    ///
    /// A time range is first turned into the range of ids its rows have (one index-only read of
    /// the timestamp index), so the page walks the primary key backwards from the range's newest
    /// row and stops after the page, instead of reading the whole range and sorting it by id. The
    /// timestamp conditions stay on the query: rows copied in from Flask carry their original
    /// times under new ids, so ids and times need not agree.
    pub async fn page(
        &self,
        principal: &Principal,
        query: &AuditQuery,
        page: &Keyset,
    ) -> AppResult<(Vec<OpenedEntry>, bool, Total)> {
        principal.require_admin()?;
        let mut range = None;
        if query.from.is_some() || query.to.is_some() {
            match self.id_range(query).await? {
                Some(ids) => range = Some(ids),
                None => return Ok((Vec::new(), false, Total::Exact(0))),
            }
        }
        let condition = |query: &AuditQuery| match range {
            Some((lowest, highest)) => query
                .condition()
                .add(audit_log::Column::Id.between(lowest, highest)),
            None => query.condition(),
        };
        let walks = walks(query);
        let mut counted = 0;
        let mut rows = Vec::new();
        for walk in &walks {
            counted += self.bounded_count(condition(walk)).await?;
            rows.extend(page_query(condition(walk), page).all(&self.db).await?);
        }
        let total = if counted > COUNT_BOUND {
            Total::MoreThan(COUNT_BOUND)
        } else {
            Total::Exact(counted)
        };
        if walks.len() > 1 {
            if page.backwards {
                rows.sort_unstable_by_key(|row| row.id);
            } else {
                rows.sort_unstable_by_key(|row| std::cmp::Reverse(row.id));
            }
            rows.truncate(usize::try_from(page.limit + 1).unwrap_or(usize::MAX));
        }
        let (rows, more) = keyset_rows(page, rows);
        let entries = rows
            .into_iter()
            .map(|row| self.opened(row))
            .collect::<AppResult<_>>()?;
        Ok((entries, more, total))
    }

    /// `row` with its sealed values decrypted.
    fn opened(&self, row: audit_log::Model) -> AppResult<OpenedEntry> {
        let [details, old_values, new_values] = self.audit.open(&row)?;
        Ok(OpenedEntry {
            id: row.id,
            action: row.action_type,
            user_id: row.user_id,
            username: row.username,
            description: row.action_description,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            success: row.success,
            error_message: row.error_message,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            duration_ms: row.duration_ms,
            at: row.timestamp,
            details,
            old_values,
            new_values,
        })
    }

    /// The lowest and highest id of the rows inside the query's time range; `None` when none is.
    ///
    /// The range's ids are read in a sub-query with a `LIMIT` no range reaches, a fence neither
    /// planner looks through: left to itself, PostgreSQL answers `MIN(id)` / `MAX(id)` by walking the primary key
    /// from either end until a row falls in the range, which for a month a year ago is most of the
    /// table (712 ms at a million rows). Fenced, both read the range from the `(timestamp, id)`
    /// index alone.
    async fn id_range(&self, query: &AuditQuery) -> AppResult<Option<(i32, i32)>> {
        use sea_orm::sea_query::{Alias, Expr, Func, SelectStatement};
        use sea_orm::{ConnectionTrait, QueryTrait};
        let mut range = Condition::all();
        if let Some(from) = query.from {
            range = range.add(audit_log::Column::Timestamp.gte(from));
        }
        if let Some(to) = query.to {
            range = range.add(audit_log::Column::Timestamp.lt(to));
        }
        let ids = audit_log::Entity::find()
            .select_only()
            .column(audit_log::Column::Id)
            .filter(range)
            .limit(i64::MAX.unsigned_abs())
            .into_query();
        let id = || Expr::col((Alias::new("ranged"), audit_log::Column::Id));
        let statement = SelectStatement::new()
            .expr_as(Func::min(id()), "lowest")
            .expr_as(Func::max(id()), "highest")
            .from_subquery(ids, "ranged")
            .to_owned();
        let Some(row) = self.db.query_one(&statement).await? else {
            return Ok(None);
        };
        let lowest: Option<i32> = row.try_get("", "lowest")?;
        let highest: Option<i32> = row.try_get("", "highest")?;
        Ok(lowest.zip(highest))
    }

    /// Counts the rows matching `condition`, stopping after [`COUNT_BOUND`] + 1.
    async fn bounded_count(&self, condition: Condition) -> AppResult<u64> {
        use sea_orm::ConnectionTrait;
        Ok(match self.db.query_one(&count_query(condition)).await? {
            Some(row) => u64::try_from(row.try_get::<i64>("", "matches")?).unwrap_or(0),
            None => 0,
        })
    }

    /// One entry of the trail by id.
    pub async fn entry(&self, principal: &Principal, id: i32) -> AppResult<OpenedEntry> {
        principal.require_admin()?;
        let row = audit_log::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found("audit entry"))?;
        self.opened(row)
    }

    /// The filtered trail as CSV (newest first), decrypted details included, streamed in batches
    /// of [`CSV_BATCH`] rows read by id (keyset), so the export of any number of rows holds one
    /// batch in memory. It holds the rows that existed when it started. Audited DATA_EXPORT (with
    /// the number of rows) before the first byte is sent.
    pub async fn csv(
        &self,
        principal: &Principal,
        query: &AuditQuery,
    ) -> AppResult<impl futures::Stream<Item = CsvChunk> + Send + use<>> {
        principal.require_admin()?;
        let newest: Option<i32> = audit_log::Entity::find()
            .select_only()
            .column_as(audit_log::Column::Id.max(), "newest")
            .into_tuple::<Option<i32>>()
            .one(&self.db)
            .await?
            .flatten();
        let upto = newest.unwrap_or(0);
        let rows = audit_log::Entity::find()
            .filter(query.condition().add(audit_log::Column::Id.lte(upto)))
            .count(&self.db)
            .await?;
        let record = AuditRecord::new(AuditAction::DataExport, "audit log exported as CSV")
            .resource(AuditResourceKind::AuditLog, "csv")
            .details(json!({ "rows": rows }));
        self.audit.record(&self.db, principal, record).await?;
        let (trail, query) = (self.clone(), query.clone());
        let failed = |e: AppError| std::io::Error::other(e.message);
        Ok(async_stream::try_stream! {
            let mut header = csv::Writer::from_writer(Vec::new());
            header.write_record(CSV_HEADER).map_err(std::io::Error::other)?;
            yield bytes::Bytes::from(header.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?);
            let mut before = upto.checked_add(1).filter(|_| newest.is_some());
            while let Some(below) = before {
                let batch = audit_log::Entity::find()
                    .filter(
                        query
                            .condition()
                            .add(audit_log::Column::Id.lt(below)),
                    )
                    .order_by_desc(audit_log::Column::Id)
                    .limit(CSV_BATCH)
                    .all(&trail.db)
                    .await
                    .map_err(|e| failed(e.into()))?;
                before = match batch.last() {
                    Some(last) if batch.len() as u64 == CSV_BATCH => Some(last.id),
                    _ => None,
                };
                let chunk = trail.csv_rows(&batch).map_err(failed)?;
                if !chunk.is_empty() {
                    yield bytes::Bytes::from(chunk);
                }
            }
        })
    }

    fn csv_rows(&self, rows: &[audit_log::Model]) -> AppResult<Vec<u8>> {
        let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
        for row in rows {
            let [details, old, new] = self.audit.open(row)?;
            let text = |v: Option<Value>| v.map(|v| v.to_string()).unwrap_or_default();
            let record = [
                row.id.to_string(),
                row.timestamp.to_rfc3339(),
                row.action_type.as_str().to_owned(),
                row.success.to_string(),
                row.user_id.map(|v| v.to_string()).unwrap_or_default(),
                row.username.clone().unwrap_or_default(),
                row.resource_type.clone().unwrap_or_default(),
                row.resource_id.clone().unwrap_or_default(),
                row.action_description.clone(),
                row.ip_address.clone().unwrap_or_default(),
                row.user_agent.clone().unwrap_or_default(),
                row.duration_ms.map(|v| v.to_string()).unwrap_or_default(),
                row.error_message.clone().unwrap_or_default(),
                text(details),
                text(old),
                text(new),
            ];
            out.write_record(record.iter().map(|cell| neutralise(cell)))
                .map_err(AppError::internal)?;
        }
        out.into_inner()
            .map_err(|e| AppError::internal(e.to_string()))
    }

    /// Deletes rows older than `days`, which may not be below AUDIT_RETENTION_DAYS (VALIDATION
    /// naming the configured minimum). Only a prefix of the hash chain is deleted (rows up to the
    /// first one inside the retention period), inside the triggers' maintenance window, and an
    /// anchor records where the chain now starts. The purge itself is audited in the same
    /// transaction, so its row survives. Returns how many rows were deleted.
    pub async fn purge(&self, principal: &Principal, days: u32) -> AppResult<u64> {
        principal.require_admin()?;
        let minimum = self.retention_days;
        if days < minimum {
            return Err(AppError::invalid_field(
                "olderThanDays",
                format!(
                    "must be at least {minimum} days (AUDIT_RETENTION_DAYS): audit rows are kept \
                 for the configured retention period"
                ),
            ));
        }
        let cutoff = Utc::now() - chrono::TimeDelta::days(i64::from(days));
        let txn = crate::db::begin_write(&self.db).await?;
        audit_chain::lock(&txn).await?;
        let first_kept = audit_log::Entity::find()
            .filter(audit_log::Column::Timestamp.gte(cutoff))
            .order_by_asc(audit_log::Column::Id)
            .one(&txn)
            .await?
            .map(|row| row.id);
        let mut last = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
        if let Some(first_kept) = first_kept {
            last = last.filter(audit_log::Column::Id.lt(first_kept));
        }
        let last_deleted = last.one(&txn).await?;
        let mut deleted = 0;
        if let Some(last) = &last_deleted {
            audit_chain::begin_maintenance(&txn, "retention purge").await?;
            deleted = audit_log::Entity::delete_many()
                .filter(audit_log::Column::Id.lte(last.id))
                .exec(&txn)
                .await?
                .rows_affected;
            audit_chain::record_anchor(
                &txn,
                last.id,
                last.hash.as_deref(),
                &format!("retention purge: older than {days} days"),
            )
            .await?;
            audit_chain::end_maintenance(&txn).await?;
        }
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::ComplianceEvent,
                    format!("audit rows older than {days} days purged"),
                )
                .resource(AuditResourceKind::AuditLog, "retention")
                .details(json!({
                    "olderThanDays": days,
                    "retentionDays": minimum,
                    "cutoff": cutoff,
                    "deleted": deleted,
                    "chainStartsAfter": last_deleted.as_ref().map(|row| row.id),
                })),
            )
            .await?;
        Ok(deleted)
    }
}

/// Cells a spreadsheet would run as formulas get a leading apostrophe.
fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::services::audit::AuditOrigin;
    use sea_orm::{ActiveModelTrait, ConnectionTrait, QueryTrait, Statement, TransactionTrait};

    /// The plan SQLite makes for `statement` (its `detail` lines).
    async fn plan(db: &DatabaseConnection, statement: sea_orm::Statement) -> String {
        let explain = Statement {
            sql: format!("EXPLAIN QUERY PLAN {}", statement.sql),
            ..statement
        };
        db.query_all_raw(explain)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", "detail").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The audit page's combined filters read the indexes made for them, on SQLite too, where
    /// the planner otherwise walked the index of every failure looking for failed logins and
    /// logouts (correlated columns: here, as in `seed-scale`, logins never fail), and find
    /// exactly the rows that match.
    #[tokio::test]
    async fn combined_filters_read_their_own_indexes_and_find_their_rows() {
        let (state, _dir) = crate::state::AppState::for_tests().await;
        let mut users = Vec::new();
        for n in 0..10 {
            let row = crate::services::accounts::new_user_row(
                format!("user{n}"),
                format!("user{n}@example.org"),
                "hash".to_owned(),
                shared::Role::User,
                chrono::Utc::now(),
            )
            .insert(&state.db)
            .await
            .unwrap();
            users.push(row);
        }
        const ACTIONS: [AuditAction; 5] = [
            AuditAction::Login,
            AuditAction::Search,
            AuditAction::Logout,
            AuditAction::View,
            AuditAction::ApiAccess,
        ];
        let rows: Vec<_> = (0..10_000usize)
            .map(|i| {
                let user = &users[i % users.len()];
                let action = ACTIONS[i % ACTIONS.len()];
                let mut record = AuditRecord::new(action, "seeded");
                if action == AuditAction::ApiAccess {
                    record = record.failed("refused");
                }
                let origin = AuditOrigin {
                    user_id: Some(user.id),
                    username: Some(user.username.clone()),
                    ip: None,
                    user_agent: None,
                    session_id: None,
                };
                (origin, record)
            })
            .collect();
        let txn = state.db.begin().await.unwrap();
        state.audit.write_many(&txn, &rows).await.unwrap();
        txn.commit().await.unwrap();
        crate::db::optimize(&state.db).await.unwrap();

        let backend = state.db.get_database_backend();
        let page = Keyset {
            list: "auditLog",
            after: None,
            before: None,
            backwards: false,
            limit: 50,
        };
        let cases = [
            (
                "failed logins and logouts",
                AuditQuery {
                    actions: vec![AuditAction::Login, AuditAction::Logout],
                    success: Some(false),
                    ..AuditQuery::default()
                },
                "idx_audit_log_action_outcome",
                0,
            ),
            (
                "failed API calls",
                AuditQuery {
                    actions: vec![AuditAction::ApiAccess],
                    success: Some(false),
                    ..AuditQuery::default()
                },
                "idx_audit_log_action_outcome",
                2000,
            ),
            (
                "a user's failures",
                AuditQuery {
                    user_ids: vec![users[4].id],
                    success: Some(false),
                    ..AuditQuery::default()
                },
                "idx_audit_log_user_",
                1000,
            ),
            (
                "a user's failed logins",
                AuditQuery {
                    user_ids: vec![users[4].id],
                    actions: vec![AuditAction::Login],
                    success: Some(false),
                    ..AuditQuery::default()
                },
                "_outcome",
                0,
            ),
        ];
        let admin = crate::auth::Principal::system("test");
        for (what, query, index, matching) in cases {
            let statements: Vec<_> = walks(&query)
                .iter()
                .flat_map(|walk| {
                    [
                        backend.build(&count_query(walk.condition())),
                        page_query(walk.condition(), &page).build(backend),
                    ]
                })
                .collect();
            for statement in statements {
                let plan = plan(&state.db, statement.clone()).await;
                assert!(plan.contains(index), "{what}: {}\n{plan}", statement.sql);
                assert!(
                    !plan.contains("idx_audit_log_success_id") && !plan.contains("SCAN audit_log"),
                    "{what} walks the trail: {}\n{plan}",
                    statement.sql
                );
            }
            let (rows, more, total) = state.audit_trail.page(&admin, &query, &page).await.unwrap();
            assert_eq!(total, Total::Exact(matching), "{what}");
            assert_eq!(rows.len(), matching.min(50) as usize, "{what}");
            assert_eq!(more, matching > 50, "{what}");
            assert!(
                rows.iter().all(|r| !r.success
                    && (query.actions.is_empty() || query.actions.contains(&r.action))
                    && (query.user_ids.is_empty()
                        || r.user_id.is_some_and(|u| query.user_ids.contains(&u)))),
                "{what}: {rows:?}"
            );
            assert!(
                rows.windows(2).all(|w| w[0].id > w[1].id),
                "{what}: newest first"
            );
        }
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("LOGIN"), "LOGIN");
    }
}
