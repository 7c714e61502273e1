//! `panelmerge rotate-key`: re-encrypts every sensitive value under a new key, in one
//! transaction, so a failure leaves everything under the old key.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};

use crate::crypto::{Binding, Encryptor};
use crate::error::{AppError, AppResult, OrInternal};

/// Every encrypted column: (table, column). The binding's row is the row id, except for the
/// append-only `panel_changes`, bound to their natural key.
pub const ENCRYPTED_COLUMNS: &[(&str, &str)] = &[
    ("user", "first_name"),
    ("user", "last_name"),
    ("user", "organization"),
    ("audit_log", "details"),
    ("audit_log", "old_values"),
    ("audit_log", "new_values"),
    ("panel_changes", "old_value"),
    ("panel_changes", "new_value"),
];

#[derive(FromQueryResult)]
struct Sealed {
    id: i32,
    value: String,
}

/// The binding row of a `panel_changes` value: its natural key (see `crypto::panel_change_row`).
#[derive(FromQueryResult)]
struct ChangeKey {
    panel_id: i32,
    version_id: Option<i32>,
    change_type: String,
    target_type: Option<String>,
    target_id: Option<String>,
}

async fn change_binding(txn: &impl ConnectionTrait, id: i32) -> AppResult<String> {
    let select = Query::select()
        .columns(
            [
                "panel_id",
                "version_id",
                "change_type",
                "target_type",
                "target_id",
            ]
            .map(Alias::new),
        )
        .from(Alias::new("panel_changes"))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    let key = ChangeKey::find_by_statement(txn.get_database_backend().build(&select))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(format!("panel change {id} vanished")))?;
    Ok(crate::crypto::panel_change_row(
        key.panel_id,
        key.version_id,
        &key.change_type,
        key.target_type.as_deref().unwrap_or(""),
        key.target_id.as_deref().unwrap_or(""),
    ))
}

/// The binding row of a sealed audit value: its `entry_uid`, or the id for older rows.
async fn audit_binding(txn: &impl ConnectionTrait, id: i32) -> AppResult<String> {
    use sea_orm::EntityTrait;
    let row = entity::audit_log::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(format!("audit row {id} vanished")))?;
    Ok(super::audit::binding_row(row.id, row.entry_uid.as_deref()))
}

/// Re-encrypts every value with `to` (decrypting with `from`, which knows the current and
/// previous keys). Returns how many values were rewritten.
pub async fn rotate(db: &DatabaseConnection, from: &Encryptor, to: &Encryptor) -> AppResult<u64> {
    let txn = crate::db::begin_write(db).await?;
    let backend = txn.get_database_backend();
    // Sealed audit columns are rewritten, so the chain is relinked: only from a chain that
    // verifies, so rotation never launders a tampered trail.
    super::audit_chain::lock(&txn).await?;
    let chain = super::audit_chain::verify(&txn).await?;
    if let Some((row, problem)) = chain.problem {
        return Err(AppError::internal(format!(
            "the audit chain does not verify (row {row}: {problem}); run `panelmerge audit verify`"
        )));
    }
    super::audit_chain::begin_maintenance(&txn, "key rotation").await?;
    let mut rewritten = 0;
    for (table, column) in ENCRYPTED_COLUMNS {
        let select = Query::select()
            .expr_as(Expr::col(Alias::new("id")), Alias::new("id"))
            .expr_as(Expr::col(Alias::new(*column)), Alias::new("value"))
            .from(Alias::new(*table))
            .and_where(Expr::col(Alias::new(*column)).is_not_null())
            .to_owned();
        let rows = Sealed::find_by_statement(backend.build(&select))
            .all(&txn)
            .await?;
        for row in rows {
            let id = if *table == "panel_changes" {
                change_binding(&txn, row.id).await?
            } else if *table == super::audit::TABLE {
                audit_binding(&txn, row.id).await?
            } else {
                row.id.to_string()
            };
            let binding = Binding {
                table,
                column,
                row: &id,
            };
            let plain = from.decrypt(&row.value, binding).map_err(|e| {
                AppError::internal(format!("{table}.{column} row {id} does not decrypt: {e}"))
            })?;
            let sealed = to.encrypt(&plain, binding).or_internal("encrypt")?;
            let update = Query::update()
                .table(Alias::new(*table))
                .value(Alias::new(*column), sealed)
                .and_where(Expr::col(Alias::new("id")).eq(row.id))
                .to_owned();
            txn.execute(&update).await?;
            rewritten += 1;
        }
    }
    super::audit_chain::rechain(&txn).await?;
    super::audit_chain::end_maintenance(&txn).await?;
    txn.commit().await?;
    Ok(rewritten)
}
