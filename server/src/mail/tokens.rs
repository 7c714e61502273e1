//! Single-use links sent by e-mail. The token is 32 random bytes; only its HMAC-SHA256 under
//! `SECRET_KEY` is stored, so a copy of the database opens no account. A token is used at most
//! once (a conditional update claims it), and a new token of the same purpose for the same
//! account retires the older ones.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use entity::mail_tokens;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::crypto::{Signer, random_token};
use crate::error::{AppError, AppResult, OrInternal};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ResetPassword,
    VerifyEmail,
    ChangeEmail,
    UndoEmailChange,
}

impl Purpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ResetPassword => "RESET_PASSWORD",
            Self::VerifyEmail => "VERIFY_EMAIL",
            Self::ChangeEmail => "CHANGE_EMAIL",
            Self::UndoEmailChange => "UNDO_EMAIL_CHANGE",
        }
    }
}

fn digest(signer: &Signer, token: &str) -> String {
    signer.digest_hex(&format!("mail-token:{}", token.trim()))
}

/// Creates a token for `user_id` (retiring unused ones of the same purpose) and returns it.
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    signer: &Signer,
    user_id: i32,
    purpose: Purpose,
    email: Option<&str>,
    ttl: Duration,
) -> AppResult<String> {
    let now = Utc::now();
    mail_tokens::Entity::update_many()
        .col_expr(mail_tokens::Column::UsedAt, Expr::value(now))
        .col_expr(mail_tokens::Column::UpdatedAt, Expr::value(now))
        .filter(mail_tokens::Column::UserId.eq(user_id))
        .filter(mail_tokens::Column::Purpose.eq(purpose.as_str()))
        .filter(mail_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    let token = random_token(32).or_internal("mail token")?;
    mail_tokens::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(digest(signer, &token)),
        email: Set(email.map(str::to_owned)),
        expires_at: Set(now + TimeDelta::from_std(ttl).unwrap_or(TimeDelta::hours(1))),
        used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// Why a link does not work: VALIDATION on the field `token`, with `reason` `unknown`,
/// `used` or `expired`.
pub fn refused(reason: &'static str) -> AppError {
    let message = match reason {
        "expired" => "this link has expired; ask for a new one",
        "used" => "this link was already used (each link works once); ask for a new one",
        _ => "this link is not valid; check that it was copied whole, or ask for a new one",
    };
    AppError::invalid_field("token", message).with("reason", reason)
}

/// The token's row if it is for `purpose`, unused and unexpired (nothing is changed).
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    signer: &Signer,
    purpose: Purpose,
    token: &str,
) -> AppResult<mail_tokens::Model> {
    let row = mail_tokens::Entity::find()
        .filter(mail_tokens::Column::TokenHash.eq(digest(signer, token)))
        .filter(mail_tokens::Column::Purpose.eq(purpose.as_str()))
        .one(conn)
        .await?
        .ok_or_else(|| refused("unknown"))?;
    if row.used_at.is_some() {
        return Err(refused("used"));
    }
    if row.expires_at <= Utc::now() {
        return Err(refused("expired"));
    }
    Ok(row)
}

/// Uses the token: checks it and marks it used, so a second use (even a concurrent one) is
/// refused.
pub async fn consume<C: ConnectionTrait>(
    conn: &C,
    signer: &Signer,
    purpose: Purpose,
    token: &str,
) -> AppResult<mail_tokens::Model> {
    let row = check(conn, signer, purpose, token).await?;
    let now = Utc::now();
    let claimed = mail_tokens::Entity::update_many()
        .col_expr(mail_tokens::Column::UsedAt, Expr::value(now))
        .col_expr(mail_tokens::Column::UpdatedAt, Expr::value(now))
        .filter(mail_tokens::Column::Id.eq(row.id))
        .filter(mail_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(refused("used"));
    }
    Ok(row)
}
