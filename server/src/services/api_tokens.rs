//! Personal API tokens: created with their secret shown once, revoked one by one here, and
//! all at once when the account's password changes or it is reset or deactivated.

use chrono::Utc;
use entity::api_tokens;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait, sea_query::Expr};
use serde_json::json;
use shared::AuditAction;

use super::audit::{Actor, AuditRecord};
use crate::auth::{CurrentUser, tokens};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Creates an API token; the secret is returned once.
pub async fn create_token(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    name: &str,
    expires_in_days: Option<u32>,
) -> AppResult<(api_tokens::Model, String)> {
    let expires_at = match expires_in_days {
        Some(0) | None => None,
        Some(days) if days > 3650 => {
            return Err(AppError::invalid_field(
                "expiresInDays",
                "must be at most 3650",
            ));
        }
        Some(days) => Some(Utc::now() + chrono::TimeDelta::days(i64::from(days))),
    };
    let txn = state.db.begin().await?;
    let (row, secret) = tokens::create(state, &txn, user.id, name, expires_at).await?;
    state
        .audit
        .commit(
            txn,
            actor,
            AuditRecord::new(
                AuditAction::SessionManagement,
                format!("API token {:?} created", row.name),
            )
            .resource("api_token", row.id)
            .details(
                json!({ "name": row.name, "prefix": row.token_prefix, "expiresAt": expires_at }),
            ),
        )
        .await?;
    Ok((row, secret))
}

/// Revokes one of the caller's tokens.
pub async fn revoke_token(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i32,
) -> AppResult<()> {
    let txn = state.db.begin().await?;
    let updated = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_tokens::Column::Id.eq(id))
        .filter(api_tokens::Column::UserId.eq(user.id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::not_found("API token"));
    }
    state
        .audit
        .commit(
            txn,
            actor,
            AuditRecord::new(AuditAction::SessionManagement, "API token revoked")
                .resource("api_token", id),
        )
        .await?;
    Ok(())
}
