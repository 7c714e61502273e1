//! API tokens for scripts: the secret is shown once; only its keyed digest is stored.

use chrono::{DateTime, Utc};
use entity::api_tokens;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use shared::{ErrorCode, TokenScope};

use crate::crypto::Signer;
use crate::error::{AppError, AppResult, OrInternal};

/// Every token starts with this, so secret scanners can recognise leaked ones.
pub const PREFIX: &str = "pmt_";
pub const MAX_NAME_LEN: usize = 100;

/// The scopes a token holds (a small set of [`TokenScope`]), stored as `READ,WRITE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// What a token gets when its creator names no scopes.
    pub const DEFAULT: Self = Self(0b011);

    const fn bit(scope: TokenScope) -> u8 {
        match scope {
            TokenScope::Read => 1,
            TokenScope::Write => 2,
            TokenScope::Admin => 4,
        }
    }

    pub fn of(scopes: &[TokenScope]) -> Self {
        Self(scopes.iter().fold(0, |bits, s| bits | Self::bit(*s)))
    }

    /// The stored form; values this version does not know grant nothing.
    pub fn parse(stored: &str) -> Self {
        Self::of(
            &stored
                .split(',')
                .filter_map(|s| s.parse().ok())
                .collect::<Vec<TokenScope>>(),
        )
    }

    pub const fn contains(self, scope: TokenScope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    /// Whether every scope of `other` is one of these.
    pub const fn covers(self, other: Self) -> bool {
        other.0 & !self.0 == 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn list(self) -> Vec<TokenScope> {
        TokenScope::ALL
            .iter()
            .copied()
            .filter(|s| self.contains(*s))
            .collect()
    }

    pub fn stored(self) -> String {
        self.list()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn digest(signer: &Signer, secret: &str) -> String {
    signer.digest_hex(&format!("api-token:{secret}"))
}

/// Revokes every live token of a user (a password change, an admin reset, deactivation), in
/// the caller's transaction; returns how many.
pub async fn revoke_all(
    conn: &impl sea_orm::ConnectionTrait,
    user_id: i32,
    at: DateTime<Utc>,
) -> AppResult<u64> {
    let updated = api_tokens::Entity::update_many()
        .col_expr(
            api_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(api_tokens::Column::UserId.eq(user_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(updated.rows_affected)
}

/// API tokens as authentication reads and writes them: stored by digest, never in clear. Built once with the state.
#[derive(Clone)]
pub struct Tokens {
    pub(crate) db: DatabaseConnection,
    pub(crate) signer: Signer,
}

impl Tokens {
    /// A new token: the stored row and the secret (returned to the user exactly once).
    pub async fn create(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        user_id: i32,
        name: &str,
        scopes: Scopes,
        expires_at: Option<DateTime<Utc>>,
    ) -> AppResult<(api_tokens::Model, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(AppError::invalid_field(
                "name",
                format!("must be 1 to {MAX_NAME_LEN} characters"),
            ));
        }
        let secret = format!(
            "{PREFIX}{}",
            crate::crypto::random_token(32).or_internal("token")?
        );
        let row = api_tokens::ActiveModel {
            user_id: Set(user_id),
            name: Set(name.to_owned()),
            token_prefix: Set(secret.chars().take(PREFIX.len() + 6).collect()),
            token_hash: Set(digest(&self.signer, &secret)),
            created_at: Set(Utc::now()),
            expires_at: Set(expires_at),
            scopes: Set(scopes.stored()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        Ok((row, secret))
    }

    /// The live token for a secret, or UNAUTHENTICATED. Records when it was last used.
    pub async fn verify(&self, secret: &str) -> AppResult<api_tokens::Model> {
        let invalid = || {
            AppError::new(
                ErrorCode::Unauthenticated,
                "the API token is invalid, expired or revoked",
            )
        };
        if !secret.starts_with(PREFIX) {
            return Err(invalid());
        }
        let row = api_tokens::Entity::find()
            .filter(api_tokens::Column::TokenHash.eq(digest(&self.signer, secret)))
            .one(&self.db)
            .await?
            .ok_or_else(invalid)?;
        let now = Utc::now();
        if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e <= now) {
            return Err(invalid());
        }
        let stale = row
            .last_used_at
            .is_none_or(|t| now - t > chrono::TimeDelta::seconds(60));
        if stale {
            let mut update: api_tokens::ActiveModel = row.clone().into();
            update.last_used_at = Set(Some(now));
            update.update(&self.db).await?;
        }
        Ok(row)
    }

    pub async fn list(&self, user_id: i32) -> AppResult<Vec<api_tokens::Model>> {
        Ok(api_tokens::Entity::find()
            .filter(api_tokens::Column::UserId.eq(user_id))
            .order_by_desc(api_tokens::Column::CreatedAt)
            .all(&self.db)
            .await?)
    }

    /// Token `id` when it belongs to `user_id`; `None` for anyone else's, as for none.
    pub async fn owned(&self, user_id: i32, id: i32) -> AppResult<Option<api_tokens::Model>> {
        Ok(api_tokens::Entity::find_by_id(id)
            .filter(api_tokens::Column::UserId.eq(user_id))
            .one(&self.db)
            .await?)
    }
}
