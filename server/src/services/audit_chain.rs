//! The audit trail's hash chain and its write guard.
//!
//! Every row stores `prev_hash` (the hash of the row before it, in id order) and `hash`, the
//! SHA-256 of a canonical JSON array of `prev_hash` and the row's content exactly as stored
//! (sealed columns as their ciphertext, timestamps in microseconds). Writers serialise on the
//! chain: each takes the chain lock (PostgreSQL: a transaction-scoped advisory lock; both: an
//! update of the one-row `audit_chain_head`, which on SQLite takes the write lock) before reading
//! the head, so concurrent writers on any number of instances extend one chain.
//!
//! A retention purge deletes a prefix of the chain and records an anchor (the id and hash of the
//! last deleted row), so the chain after it still verifies. Rows written before the chain existed
//! have no hash; verification starts at the first chained row and counts those as unchained.
//!
//! Rows are insert-only: triggers refuse UPDATE and DELETE unless a maintenance window is open
//! in the same transaction ([`begin_maintenance`]), which only the purge and key rotation use.

use entity::audit_log;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde_json::json;

use crate::error::{AppError, AppResult};

/// The `prev_hash` of the first row of a chain that has never been purged.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The advisory lock key writers take on PostgreSQL ("PMAUDIT\0").
const LOCK_KEY: i64 = 0x504d_4155_4449_5400;

/// The hash of a row given its predecessor's hash. `id`, `prev_hash` and `hash` of `row` are
/// ignored (the predecessor is `prev`).
pub fn hash_of(prev: &str, row: &audit_log::Model) -> String {
    let canonical = json!([
        "panelmerge-audit-v1",
        prev,
        row.entry_uid,
        row.user_id,
        row.username,
        row.action_type.as_str(),
        row.action_description,
        row.resource_type,
        row.resource_id,
        row.ip_address,
        row.user_agent,
        row.session_id,
        row.details,
        row.old_values,
        row.new_values,
        row.success,
        row.error_message,
        row.duration_ms,
        row.timestamp.timestamp_micros(),
        row.created_at.timestamp_micros(),
    ]);
    crate::crypto::sha256_hex(canonical.to_string().as_bytes())
}

#[derive(Debug, FromQueryResult)]
struct Head {
    last_id: Option<i32>,
    hash: Option<String>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Anchor {
    pub after_id: i32,
    pub prev_hash: Option<String>,
}

async fn head<C: ConnectionTrait>(conn: &C) -> AppResult<Head> {
    let select = Query::select()
        .columns([Alias::new("last_id"), Alias::new("hash")])
        .from(Alias::new("audit_chain_head"))
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    Head::find_by_statement(conn.get_database_backend().build(&select))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal("audit_chain_head has no row (migration missing)"))
}

/// The newest anchor a purge left, if any.
pub async fn latest_anchor<C: ConnectionTrait>(conn: &C) -> AppResult<Option<Anchor>> {
    let select = Query::select()
        .columns([Alias::new("after_id"), Alias::new("prev_hash")])
        .from(Alias::new("audit_chain_anchor"))
        .order_by(Alias::new("id"), Order::Desc)
        .limit(1)
        .to_owned();
    Ok(
        Anchor::find_by_statement(conn.get_database_backend().build(&select))
            .one(conn)
            .await?,
    )
}

/// Where the chain starts: after the newest anchor, with its hash, or at the genesis.
async fn start<C: ConnectionTrait>(conn: &C) -> AppResult<(i32, String)> {
    Ok(match latest_anchor(conn).await? {
        Some(a) => (
            a.after_id,
            a.prev_hash.unwrap_or_else(|| GENESIS.to_owned()),
        ),
        None => (0, GENESIS.to_owned()),
    })
}

/// Takes the chain lock for the rest of `conn`'s transaction and returns the hash the next
/// row must chain to. Call it inside the transaction that inserts the row.
pub async fn lock<C: ConnectionTrait>(conn: &C) -> AppResult<String> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        conn.query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            [LOCK_KEY.into()],
        ))
        .await?;
    }
    let touch = Query::update()
        .table(Alias::new("audit_chain_head"))
        .value(Alias::new("writes"), Expr::col(Alias::new("writes")).add(1))
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    conn.execute(&touch).await?;
    match head(conn).await?.hash {
        Some(hash) => Ok(hash),
        None => Ok(start(conn).await?.1),
    }
}

/// Records `id` with `hash` as the chain's newest row (under [`lock`]).
pub async fn advance<C: ConnectionTrait>(conn: &C, id: i32, hash: &str) -> AppResult<()> {
    let update = Query::update()
        .table(Alias::new("audit_chain_head"))
        .value(Alias::new("last_id"), id)
        .value(Alias::new("hash"), hash)
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    conn.execute(&update).await?;
    Ok(())
}

/// Opens the maintenance window of the current transaction: UPDATE and DELETE on the audit
/// tables are allowed until [`end_maintenance`] or the end of the transaction.
pub async fn begin_maintenance<C: ConnectionTrait>(conn: &C, reason: &str) -> AppResult<()> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        conn.execute_unprepared("SET LOCAL panelmerge.audit_maintenance = 'on'")
            .await?;
    } else {
        let insert = Query::insert()
            .into_table(Alias::new("audit_maintenance"))
            .columns([Alias::new("reason")])
            .values_panic([reason.into()])
            .to_owned();
        conn.execute(&insert).await?;
    }
    Ok(())
}

/// Closes the maintenance window opened by [`begin_maintenance`].
pub async fn end_maintenance<C: ConnectionTrait>(conn: &C) -> AppResult<()> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared("SET LOCAL panelmerge.audit_maintenance = 'off'")
            .await?;
    } else {
        conn.execute_unprepared("DELETE FROM audit_maintenance")
            .await?;
    }
    Ok(())
}

/// Records a purge: rows up to `after_id` are gone and the chain resumes from `prev_hash`
/// (the hash of row `after_id`; `None` when it was written before the chain existed).
pub async fn record_anchor<C: ConnectionTrait>(
    conn: &C,
    after_id: i32,
    prev_hash: Option<&str>,
    reason: &str,
) -> AppResult<()> {
    let insert = Query::insert()
        .into_table(Alias::new("audit_chain_anchor"))
        .columns([
            Alias::new("after_id"),
            Alias::new("prev_hash"),
            Alias::new("reason"),
        ])
        .values_panic([
            after_id.into(),
            prev_hash.map(str::to_owned).into(),
            reason.into(),
        ])
        .to_owned();
    conn.execute(&insert).await?;
    Ok(())
}

/// What `audit verify` found.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Chained rows whose hash and link were checked.
    pub checked: u64,
    /// Rows written before the chain existed (not covered).
    pub unchained: u64,
    /// The chain starts after this row (a purge's anchor), 0 when never purged.
    pub starts_after: i32,
    /// The newest row and its hash.
    pub head: Option<(i32, String)>,
    /// The first problem found: (row id, what is wrong).
    pub problem: Option<(i32, String)>,
}

const BATCH: u64 = 1000;

/// Walks the whole chain and reports the first changed, inserted or deleted row.
pub async fn verify<C: ConnectionTrait>(conn: &C) -> AppResult<Verification> {
    walk(conn, false).await
}

/// Recomputes every link after the sealed columns were rewritten (key rotation). Runs inside a
/// maintenance window; refuses when the chain does not verify first.
pub async fn rechain<C: ConnectionTrait>(conn: &C) -> AppResult<u64> {
    let report = walk(conn, true).await?;
    if let Some((row, problem)) = report.problem {
        return Err(AppError::internal(format!(
            "the audit chain could not be relinked at row {row}: {problem}"
        )));
    }
    Ok(report.checked)
}

async fn walk<C: ConnectionTrait>(conn: &C, rewrite: bool) -> AppResult<Verification> {
    let (starts_after, mut expected) = start(conn).await?;
    let mut report = Verification {
        starts_after,
        ..Verification::default()
    };
    if let Some(stray) = audit_log::Entity::find()
        .filter(audit_log::Column::Id.lte(starts_after))
        .order_by_asc(audit_log::Column::Id)
        .one(conn)
        .await?
    {
        report.problem = Some((
            stray.id,
            format!(
                "row {} precedes the chain start a purge recorded (after row {starts_after}): \
                 it was inserted afterwards",
                stray.id
            ),
        ));
        return Ok(report);
    }
    let mut cursor = starts_after;
    let mut previous: Option<i32> = None;
    loop {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(cursor))
            .order_by_asc(audit_log::Column::Id)
            .limit(BATCH)
            .all(conn)
            .await?;
        let Some(last) = rows.last() else { break };
        cursor = last.id;
        for row in rows {
            let Some(stored) = row.hash.clone() else {
                if previous.is_some() {
                    report.problem = Some((
                        row.id,
                        format!(
                            "row {} has no hash but follows chained rows: it was inserted \
                             outside the server or its hash was erased",
                            row.id
                        ),
                    ));
                    return Ok(report);
                }
                report.unchained += 1;
                continue;
            };
            let link = row.prev_hash.clone().unwrap_or_default();
            if rewrite {
                let hash = hash_of(&expected, &row);
                if link != expected || stored != hash {
                    let update = Query::update()
                        .table(Alias::new("audit_log"))
                        .value(Alias::new("prev_hash"), expected.clone())
                        .value(Alias::new("hash"), hash.clone())
                        .and_where(Expr::col(Alias::new("id")).eq(row.id))
                        .to_owned();
                    conn.execute(&update).await?;
                }
                expected = hash;
            } else {
                if hash_of(&link, &row) != stored {
                    report.problem = Some((
                        row.id,
                        format!(
                            "row {} was changed: its content no longer matches its hash",
                            row.id
                        ),
                    ));
                    return Ok(report);
                }
                if link != expected {
                    let message = match previous {
                        Some(prev) => format!(
                            "row {} does not follow row {prev}: a row between them was deleted, \
                             or row {} was inserted",
                            row.id, row.id
                        ),
                        None if starts_after > 0 => format!(
                            "row {} does not follow the chain start a purge recorded (after row \
                             {starts_after}): rows before it were deleted, or it was inserted",
                            row.id
                        ),
                        None => format!(
                            "row {} is the first chained row but does not start the chain: rows \
                             before it were deleted, or it was inserted",
                            row.id
                        ),
                    };
                    report.problem = Some((row.id, message));
                    return Ok(report);
                }
                expected = stored;
            }
            previous = Some(row.id);
            report.checked += 1;
            report.head = Some((row.id, expected.clone()));
        }
    }
    let recorded = head(conn).await?;
    if rewrite {
        if let Some((id, hash)) = &report.head {
            advance(conn, *id, hash).await?;
        }
        return Ok(report);
    }
    if let Some(last_id) = recorded.last_id {
        let actual = report.head.as_ref().map(|(id, _)| *id).unwrap_or(0);
        if actual < last_id {
            report.problem = Some((
                last_id,
                format!(
                    "row {last_id} (the newest row the chain head records) is missing: the \
                     newest rows after row {actual} were deleted"
                ),
            ));
        } else if actual > last_id {
            report.problem = Some((
                actual,
                format!(
                    "row {actual} comes after the newest row the chain head records \
                     ({last_id}): it was inserted outside the server"
                ),
            ));
        } else if report.head.as_ref().map(|(_, h)| h) != recorded.hash.as_ref() {
            report.problem = Some((
                last_id,
                format!("row {last_id}: its hash differs from the one the chain head records"),
            ));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn row() -> audit_log::Model {
        let at = chrono::Utc
            .timestamp_opt(1_765_000_000, 123_456_000)
            .unwrap();
        audit_log::Model {
            id: 7,
            user_id: Some(3),
            username: Some("ada".into()),
            action_type: shared::AuditAction::Login,
            action_description: "logged in".into(),
            resource_type: None,
            resource_id: None,
            ip_address: Some("127.0.0.1".into()),
            user_agent: None,
            session_id: None,
            details: Some("sealed".into()),
            old_values: None,
            new_values: None,
            success: true,
            error_message: None,
            duration_ms: None,
            timestamp: at,
            created_at: at,
            entry_uid: Some("u".into()),
            prev_hash: None,
            hash: None,
        }
    }

    #[test]
    fn hashes_cover_content_and_link_but_not_the_id() {
        let a = hash_of(GENESIS, &row());
        assert_eq!(a.len(), 64);
        let mut moved = row();
        moved.id = 99;
        assert_eq!(hash_of(GENESIS, &moved), a);
        let mut changed = row();
        changed.username = Some("eve".into());
        assert_ne!(hash_of(GENESIS, &changed), a);
        let mut resealed = row();
        resealed.details = Some("sealed2".into());
        assert_ne!(hash_of(GENESIS, &resealed), a);
        assert_ne!(hash_of(&a, &row()), a);
    }
}
