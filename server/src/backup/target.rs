//! The target of a restore: whether it holds data, emptying it, and its sequences afterwards.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement};

use super::schema::{self, Kind, Table, quote};

/// Tables of the target that hold rows (a migration's own seed rows do not count).
pub async fn occupied(db: &DatabaseConnection) -> anyhow::Result<Vec<(String, i64)>> {
    let mut found = Vec::new();
    for table in schema::tables(db).await? {
        // The chain head's one row is created by its migration; it counts once it points at
        // a row.
        let filter = if table.name == "audit_chain_head" {
            " WHERE last_id IS NOT NULL"
        } else {
            ""
        };
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {}{filter}", quote(&table.name)),
            ))
            .await?;
        let n = row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if n > 0 {
            found.push((table.name, n));
        }
    }
    Ok(found)
}

/// Removes every row of `tables` (children first), inside the audit maintenance window.
pub async fn clear(txn: &DatabaseTransaction, tables: &[Table]) -> anyhow::Result<()> {
    crate::services::audit_chain::begin_maintenance(txn, "restore from backup")
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    for table in tables.iter().rev() {
        txn.execute_unprepared(&format!("DELETE FROM {}", quote(&table.name)))
            .await
            .with_context(|| format!("emptying {}", table.name))?;
    }
    crate::services::audit_chain::end_maintenance(txn)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    Ok(())
}

/// PostgreSQL: every serial column's sequence continues after the restored ids.
pub async fn reset_sequences(txn: &DatabaseTransaction, tables: &[Table]) -> anyhow::Result<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in tables {
        for column in &table.columns {
            if !matches!(column.kind, Kind::Int | Kind::BigInt) {
                continue;
            }
            let sequence = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_get_serial_sequence($1, $2) AS s",
                    [quote(&table.name).into(), column.name.clone().into()],
                ))
                .await?
                .and_then(|r| r.try_get::<Option<String>>("", "s").ok().flatten());
            let Some(sequence) = sequence else { continue };
            txn.query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!(
                    "SELECT setval($1, COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                    quote(&column.name),
                    quote(&table.name)
                ),
                [sequence.into()],
            ))
            .await
            .with_context(|| format!("resetting the sequence of {}.{}", table.name, column.name))?;
        }
    }
    Ok(())
}
