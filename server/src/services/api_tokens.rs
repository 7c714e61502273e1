//! Personal API tokens: created with their secret shown once, revoked one by one here, and
//! all at once when the account's password changes or it is reset or deactivated.

use chrono::{DateTime, Utc};
use entity::api_tokens;
use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, Role, TokenScope};

use super::audit::{Audit, AuditRecord};
use crate::auth::AuthVia;
use crate::auth::Principal;
use crate::auth::tokens::{Scopes, Tokens};
use crate::backend::Backends;
use crate::error::{AppError, AppResult};

/// How long a token lives when its creator does not say.
pub const DEFAULT_TOKEN_DAYS: u32 = 90;
/// The longest a token may live.
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// An API token as its owner sees it: never its secret or hash.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenView {
    pub id: i32,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Usable now: not revoked and not expired.
    pub active: bool,
    pub scopes: Vec<TokenScope>,
}

impl From<api_tokens::Model> for TokenView {
    fn from(row: api_tokens::Model) -> Self {
        let active = row.revoked_at.is_none() && row.expires_at.is_none_or(|e| e > Utc::now());
        Self {
            id: row.id,
            name: row.name,
            prefix: row.token_prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            active,
            scopes: Scopes::parse(&row.scopes).list(),
        }
    }
}

/// Personal API tokens as their owners manage them, and the audit of their use. Built once with the state.
#[derive(Clone)]
pub struct ApiTokens {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
    pub(crate) tokens: Tokens,
    pub(crate) backends: Backends,
    pub(crate) audit_window: Duration,
}

impl ApiTokens {
    /// The caller's own tokens, newest first.
    pub async fn mine(&self, principal: &Principal) -> AppResult<Vec<TokenView>> {
        let user = principal.require_user()?;
        let rows = self.tokens.list(user.id()).await?;
        Ok(rows.into_iter().map(TokenView::from).collect())
    }

    /// One of the caller's own tokens; NOT_FOUND for anyone else's, as for none.
    pub async fn one(&self, principal: &Principal, id: i32) -> AppResult<TokenView> {
        let user = principal.require_user()?;
        self.tokens
            .owned(user.id(), id)
            .await?
            .map(TokenView::from)
            .ok_or_else(|| AppError::not_found("API token"))
    }

    /// Creates an API token; the secret is returned once. Without `scopes` it may read and write
    /// (not administer); without `expires_in_days` it lives [`DEFAULT_TOKEN_DAYS`]. A token used
    /// to create another can not give it more scopes or a longer life than it has itself.
    pub async fn create_token(
        &self,
        principal: &Principal,
        name: &str,
        scopes: Option<&[TokenScope]>,
        expires_in_days: Option<u32>,
    ) -> AppResult<(TokenView, String)> {
        let user = principal.require_user()?;
        let days = expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(AppError::invalid_field(
                "expiresInDays",
                format!("must be between 1 and {MAX_TOKEN_DAYS} days"),
            ));
        }
        let expires_at = Utc::now() + chrono::TimeDelta::days(i64::from(days));
        let scopes = scopes.map_or(Scopes::DEFAULT, Scopes::of);
        if scopes.is_empty() {
            return Err(AppError::invalid_field(
                "scopes",
                "name at least one of READ, WRITE, ADMIN",
            ));
        }
        if scopes.contains(TokenScope::Admin) && user.role() != Role::Admin {
            return Err(AppError::forbidden(format!(
                "the ADMIN scope needs the ADMIN role; your role is {}",
                user.role()
            ))
            .with("field", "scopes")
            .with("reason", "scope_exceeds_role"));
        }
        if let AuthVia::Token {
            scopes: held,
            expires_at: held_until,
            ..
        } = user.via()
        {
            if !held.covers(scopes) {
                return Err(AppError::forbidden(format!(
                    "this API token holds {} and can not create a token with {}",
                    held.stored(),
                    scopes.stored()
                ))
                .with("field", "scopes")
                .with("reason", "exceeds_token_scope"));
            }
            if let Some(until) = held_until
                && expires_at > *until
            {
                return Err(AppError::forbidden(format!(
                    "this API token expires at {}; a token it creates must expire by then",
                    until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ))
                .with("field", "expiresInDays")
                .with("reason", "exceeds_token_expiry"));
            }
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let (row, secret) = self
            .tokens
            .create(&txn, user.id(), name, scopes, Some(expires_at))
            .await?;
        self
        .audit
        .commit(
            txn,
            principal,
            AuditRecord::new(
                AuditAction::SessionManagement,
                format!("API token {:?} created", row.name),
            )
            .resource(AuditResourceKind::ApiToken, row.id)
            .details(
                json!({ "name": row.name, "prefix": row.token_prefix, "expiresAt": expires_at, "scopes": scopes.list() }),
            ),
        )
        .await?;
        Ok((row.into(), secret))
    }

    /// Revokes one of the caller's tokens.
    pub async fn revoke_token(&self, principal: &Principal, id: i32) -> AppResult<()> {
        let user = principal.require_user()?;
        let txn = crate::db::begin_write(&self.db).await?;
        let updated = api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(api_tokens::Column::Id.eq(id))
            .filter(api_tokens::Column::UserId.eq(user.id()))
            .filter(api_tokens::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(AppError::not_found("API token"));
        }
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(AuditAction::SessionManagement, "API token revoked")
                    .resource(AuditResourceKind::ApiToken, id),
            )
            .await?;
        Ok(())
    }

    /// Scripts using API tokens leave API_ACCESS rows: one per request that changes something
    /// (`writes`) or fails, and for successful reads one per token and `API_ACCESS_AUDIT_WINDOW`
    /// (a sample, shared by every instance through the counters backend; its details say how it
    /// was sampled). Requests not made with a token leave nothing here.
    pub async fn audit_use(
        &self,
        principal: &Principal,
        operations: Vec<String>,
        writes: bool,
        ok: bool,
    ) {
        let Some(id) = principal.signed_in().and_then(|a| a.token_id()) else {
            return;
        };
        let window = self.audit_window;
        let sampled = ok && !writes && !window.is_zero();
        if sampled {
            match self
                .backends
                .counters
                .hit(&format!("audit:api:{id}"), window)
                .await
            {
                Ok(hit) if hit.count > 1 => return,
                Ok(_) => {}
                // Better one row too many than a request without a trace.
                Err(e) => tracing::warn!(error = %e, "API access sampling unavailable"),
            }
        }
        let mut details = serde_json::json!({ "operations": operations, "writes": writes });
        if sampled {
            details["sampledPerSeconds"] = window.as_secs().into();
        }
        let description = if sampled {
            format!(
                "API token used (reads: one row per token every {} s)",
                window.as_secs()
            )
        } else {
            "API token used".to_owned()
        };
        let mut record = AuditRecord::new(AuditAction::ApiAccess, description)
            .resource(AuditResourceKind::ApiToken, id)
            .details(details);
        if !ok {
            record = record.failed("the request had errors");
        }
        if let Err(e) = self.audit.record(&self.db, principal, record).await {
            tracing::error!(error = %e.message, "API access not audited");
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::ErrorCode;

    use crate::state::AppState;

    /// A token is read by its owner alone: someone else's id answers as a missing one does,
    /// and the read is one statement however many tokens the caller has.
    #[tokio::test]
    async fn one_token_is_read_for_its_owner_only() {
        let (state, _dir) = AppState::for_tests().await;
        let (_, alice) = state.test_user("alice").await;
        let (_, bob) = state.test_user("bob").await;
        let tokens = &state.api_tokens;
        let (first, _) = tokens
            .create_token(&alice, "first", None, None)
            .await
            .unwrap();
        let (second, _) = tokens
            .create_token(&alice, "second", None, Some(7))
            .await
            .unwrap();
        let before = state.statements.load(std::sync::atomic::Ordering::Relaxed);
        let read = tokens.one(&alice, second.id).await.unwrap();
        let used = state.statements.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert_eq!(read, second);
        assert_eq!(read.name, "second");
        assert_eq!(used, 1, "one statement for one token");
        assert_eq!(tokens.one(&alice, first.id).await.unwrap().name, "first");
        let theirs = tokens.one(&bob, first.id).await.unwrap_err();
        assert_eq!(theirs.code, ErrorCode::NotFound);
        let none = tokens.one(&alice, second.id + 100).await.unwrap_err();
        assert_eq!(none.code, ErrorCode::NotFound);
        assert_eq!(none.message, theirs.message, "someone else's reads as none");
    }
}
