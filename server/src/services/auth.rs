//! Login, logout, password changes and API tokens, with lockout, brute-force blocks and an
//! audit row for every outcome.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::{api_tokens, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sea_orm::{TransactionTrait, sea_query::Expr};
use serde_json::json;
use shared::{AuditAction, ErrorCode};

use super::accounts::find_by_login;
use super::audit::{Actor, AuditRecord};
use super::passwords;
use crate::auth::{CurrentUser, limits, sessions, tokens};
use crate::error::{AppError, AppResult};
use crate::events::Channel;
use crate::services::admin::AccountChanged;
use crate::state::AppState;

/// Tells live connections of `user_id` to re-check their rights now.
async fn account_changed(state: &AppState, user_id: i32, reason: &str) {
    let event = AccountChanged {
        user_id,
        reason: reason.to_owned(),
    };
    state.events.publish(Channel::Accounts, &event).await;
}

/// The one answer for an unknown user and a wrong password, so neither reveals the other.
pub fn invalid_credentials() -> AppError {
    AppError::new(ErrorCode::Unauthenticated, "invalid login or password")
}

/// A successful login: the account and the new session's cookie value.
pub struct LoggedIn {
    pub user: user::Model,
    pub cookie: String,
    pub session_key: String,
}

fn locked(until: chrono::DateTime<Utc>) -> AppError {
    let wait = (until - Utc::now())
        .to_std()
        .unwrap_or(Duration::from_secs(1));
    AppError::new(
        ErrorCode::AccountLocked,
        "this account is locked after too many failed logins; try again later or ask an admin",
    )
    .with("retryAfter", wait.as_secs().max(1))
}

/// Checks credentials and opens a session. Every outcome writes an audit row.
pub async fn login(
    state: &AppState,
    actor: &Actor,
    ip: IpAddr,
    login: &str,
    password: &str,
) -> AppResult<LoggedIn> {
    let started = Instant::now();
    if let Some(wait) = limits::ip_block(state, ip).await? {
        let record = AuditRecord::new(AuditAction::Login, "login refused: IP blocked")
            .failed("ip blocked")
            .details(json!({ "login": login }));
        state.audit.record(&state.db, actor, record).await?;
        return Err(AppError::rate_limited(wait).with("reason", "ip_blocked"));
    }
    let found = find_by_login(&state.db, login).await?;
    let ok = state
        .passwords
        .verify(password, found.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let as_user = |u: &user::Model| Actor {
        user_id: Some(u.id),
        username: Some(u.username.clone()),
        ..actor.clone()
    };
    if let Some(user) = &found
        && let Some(until) = user.locked_until.filter(|t| *t > Utc::now())
    {
        let record = AuditRecord::new(AuditAction::Login, "login refused: account locked")
            .resource("user", user.id)
            .failed("account locked")
            .duration(started.elapsed());
        state
            .audit
            .record(&state.db, &as_user(user), record)
            .await?;
        return Err(locked(until));
    }
    match (found, ok) {
        (Some(user), true) if user.is_active => {
            let user = super::werkzeug::upgrade(state, user, password).await?;
            succeed(state, actor, ip, user, started).await
        }
        (Some(user), true) => {
            let record = AuditRecord::new(AuditAction::Login, "login refused: account deactivated")
                .resource("user", user.id)
                .failed("account deactivated");
            state
                .audit
                .record(&state.db, &as_user(&user), record)
                .await?;
            Err(AppError::forbidden(
                "this account is deactivated; ask an admin",
            ))
        }
        (user, _) => fail(state, actor, ip, login, user, started).await,
    }
}

async fn succeed(
    state: &AppState,
    actor: &Actor,
    ip: IpAddr,
    user: user::Model,
    started: Instant,
) -> AppResult<LoggedIn> {
    limits::clear_account_failures(state, user.id).await?;
    let (cookie, session_key) = sessions::create(
        state,
        user.id,
        Some(ip.to_string()),
        actor.user_agent.clone(),
    )
    .await?;
    let txn = state.db.begin().await?;
    let mut update: user::ActiveModel = user.clone().into();
    update.last_login = Set(Some(Utc::now()));
    update.login_count = Set(user.login_count + 1);
    update.failed_login_attempts = Set(0);
    update.locked_until = Set(None);
    let user = update.update(&txn).await?;
    let acting = Actor {
        user_id: Some(user.id),
        username: Some(user.username.clone()),
        session_id: Some(session_key.chars().take(16).collect()),
        ..actor.clone()
    };
    state
        .audit
        .commit(
            txn,
            &acting,
            AuditRecord::new(AuditAction::Login, format!("{} logged in", user.username))
                .resource("user", user.id)
                .duration(started.elapsed()),
        )
        .await?;
    Ok(LoggedIn {
        user,
        cookie,
        session_key,
    })
}

async fn fail(
    state: &AppState,
    actor: &Actor,
    ip: IpAddr,
    login: &str,
    user: Option<user::Model>,
    started: Instant,
) -> AppResult<LoggedIn> {
    let outcome = limits::record_failure(state, ip, user.as_ref().map(|u| u.id)).await?;
    let mut events = Vec::new();
    let txn = state.db.begin().await?;
    let acting = Actor {
        user_id: user.as_ref().map(|u| u.id),
        username: user.as_ref().map(|u| u.username.clone()),
        ..actor.clone()
    };
    let mut lock_until = None;
    if let Some(u) = &user {
        let mut update: user::ActiveModel = u.clone().into();
        update.failed_login_attempts =
            Set(i32::try_from(outcome.account_failures).unwrap_or(i32::MAX));
        update.last_failed_login = Set(Some(Utc::now()));
        if outcome.account_locked {
            let lockout = chrono::TimeDelta::from_std(state.settings.security.lockout_duration)
                .unwrap_or(chrono::TimeDelta::minutes(15));
            lock_until = Some(Utc::now() + lockout);
            update.locked_until = Set(lock_until);
        }
        update.update(&txn).await?;
    }
    let mut record = AuditRecord::new(AuditAction::Login, "login failed")
        .failed("invalid credentials")
        .details(json!({ "login": login, "knownUser": user.is_some() }))
        .duration(started.elapsed());
    if let Some(u) = &user {
        record = record.resource("user", u.id);
    }
    events.push(state.audit.write(&txn, &acting, record).await?);
    if let (Some(u), Some(until)) = (&user, lock_until) {
        let record = AuditRecord::new(
            AuditAction::AccountLockout,
            format!("{} locked", u.username),
        )
        .resource("user", u.id)
        .details(json!({ "failures": outcome.account_failures, "until": until }));
        events.push(state.audit.write(&txn, &acting, record).await?);
    }
    if outcome.ip_blocked {
        let record = AuditRecord::new(AuditAction::BruteForceAttempt, format!("IP {ip} blocked"))
            .resource("ip", ip)
            .details(json!({ "threshold": state.settings.security.brute_force_threshold }));
        events.push(state.audit.write(&txn, &acting, record).await?);
    }
    txn.commit().await?;
    state.audit.publish(events).await;
    match lock_until {
        Some(until) => Err(locked(until)),
        None => Err(invalid_credentials()),
    }
}

/// Ends the caller's session.
pub async fn logout(state: &AppState, actor: &Actor, user: &CurrentUser) -> AppResult<()> {
    if let Some(key) = user.session_key() {
        sessions::revoke(state, key, user.id).await?;
    }
    let record = AuditRecord::new(AuditAction::Logout, format!("{} logged out", user.username))
        .resource("user", user.id);
    state.audit.record(&state.db, actor, record).await?;
    account_changed(state, user.id, "logout").await;
    Ok(())
}

/// Changes the password after checking the current one; every other session ends.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    current: &str,
    new: &str,
) -> AppResult<u64> {
    let row = user::Entity::find_by_id(user.id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    if !state
        .passwords
        .verify(current, Some(&row.password_hash))
        .await?
    {
        return Err(AppError::invalid_field(
            "currentPassword",
            "is not your current password",
        ));
    }
    passwords::check_policy(new, &row.username, &row.email)?;
    if current == new {
        return Err(AppError::invalid_field(
            "newPassword",
            "must differ from the current one",
        ));
    }
    let hash = state.passwords.hash(new).await?;
    let txn = state.db.begin().await?;
    let mut update: user::ActiveModel = row.into();
    update.password_hash = Set(hash);
    update.password_changed_at = Set(Some(Utc::now()));
    update.must_change_password = Set(false);
    update.updated_at = Set(Utc::now());
    update.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            actor,
            AuditRecord::new(
                AuditAction::PasswordChange,
                "password changed; other sessions ended",
            )
            .resource("user", user.id),
        )
        .await?;
    let ended = sessions::revoke_all(state, user.id, user.session_key()).await?;
    account_changed(state, user.id, "password changed").await;
    Ok(ended)
}

/// Ends one of the caller's own sessions.
pub async fn revoke_session(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    key: &str,
) -> AppResult<()> {
    let mine = sessions::list(state, user.id).await?;
    if !mine.iter().any(|(k, _)| k == key) {
        return Err(AppError::not_found("session"));
    }
    sessions::revoke(state, key, user.id).await?;
    let record = AuditRecord::new(AuditAction::SessionManagement, "session revoked")
        .resource("session", key.chars().take(16).collect::<String>());
    state.audit.record(&state.db, actor, record).await?;
    account_changed(state, user.id, "session revoked").await;
    Ok(())
}

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
