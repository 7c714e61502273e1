//! Login, logout, password changes and session management, with lockout, brute-force blocks
//! and an audit row for every outcome. API tokens are in [`super::api_tokens`].

use std::time::{Duration, Instant};

use chrono::Utc;
use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, ErrorCode};

use super::accounts::find_by_login;
use super::audit::AuditRecord;
use super::passwords;
use crate::auth::Principal;
use crate::auth::limits::{Attempt, Refusal, Subject};
use crate::auth::tokens;
use crate::db::int;
use crate::error::duration_words;
use crate::error::{AppError, AppResult};
use crate::events::Channel;
use crate::services::admin::{AccountChangeReason, AccountChanged};

/// A successful login: the account and the new session's cookie value.
pub struct LoggedIn {
    pub user: super::accounts::AccountView,
    pub cookie: String,
    pub session_key: String,
}

/// The answer to a wrong password (or unknown name) that did not lock the account yet: the
/// same for both, and it says how many attempts are left before the lock and how long the
/// lock lasts (`attemptsLeft`, `lockoutSeconds`), so the last attempt is never a surprise.
/// Unknown names are counted and locked like accounts, so this reveals nothing either.
pub fn wrong_credentials(attempts_left: u64, lockout: Duration) -> AppError {
    let attempts = if attempts_left == 1 {
        "1 attempt is left".to_owned()
    } else {
        format!("{attempts_left} attempts are left")
    };
    AppError::new(
        ErrorCode::Unauthenticated,
        format!(
            "invalid login or password; {attempts} before this account is locked for {}",
            duration_words(lockout)
        ),
    )
    .with("attemptsLeft", attempts_left)
    .with("lockoutSeconds", lockout.as_secs())
}

/// The one answer for a locked account and a locked unknown name, so a lockout does not
/// reveal which names exist; it says how long is left (`retryAfter`, in seconds).
pub fn locked(wait: Duration) -> AppError {
    AppError::new(
        ErrorCode::AccountLocked,
        format!(
            "this account is locked after too many failed logins; try again in {}, or ask an \
             admin to unlock it",
            duration_words(wait)
        ),
    )
    .with("retryAfter", wait.as_secs().max(1))
}

fn ip_blocked(wait: Duration) -> AppError {
    AppError::rate_limited(wait).with("reason", "ip_blocked")
}

/// The actor of a credential check: the account it is about, if any.
fn acting_as(principal: &Principal, user: Option<&user::Model>) -> Principal {
    match user {
        Some(u) => principal.claimant(u),
        None => principal.clone(),
    }
}

/// What a failed credential check left: a lock of this long, or this many attempts.
enum Checked {
    Locked(Duration),
    AttemptsLeft(u64),
}

/// Logging in and out, registration's first session, password changes and account events. Built once with the state.
#[derive(Clone)]
pub struct Authentication {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) audit: super::audit::Audit,
    pub(crate) events: crate::events::Events,
    pub(crate) passwords: super::passwords::Passwords,
    pub(crate) mailer: std::sync::Arc<crate::mail::Mailer>,
    pub(crate) limits: crate::auth::limits::Limits,
    pub(crate) sessions: crate::auth::sessions::Sessions,
    pub(crate) notices: super::notices::Notices,
    pub(crate) mail: crate::config::MailSettings,
    pub(crate) security: crate::config::SecuritySettings,
    pub(crate) email_addresses: super::email_address::EmailAddresses,
    pub(crate) crypto: std::sync::Arc<crate::crypto::Encryptor>,
}

impl Authentication {
    /// Tells live connections of `user_id` to re-check their rights now.
    async fn account_changed(&self, user_id: i32, reason: AccountChangeReason) {
        let event = AccountChanged { user_id, reason };
        self.events.publish(Channel::Accounts, &event).await;
    }

    /// Audits a credential check refused before the password was looked at and returns its
    /// error (RATE_LIMITED for a blocked IP, ACCOUNT_LOCKED for a locked account or name).
    async fn refuse(
        &self,
        principal: &Principal,
        action: AuditAction,
        what: &str,
        login: &str,
        user: Option<&user::Model>,
        refusal: Refusal,
    ) -> AppError {
        let (why, error) = match refusal {
            Refusal::IpBlocked(wait) => ("ip blocked", ip_blocked(wait)),
            Refusal::Locked(wait) => ("account locked", locked(wait)),
        };
        let mut record = AuditRecord::new(action, format!("{what} refused: {why}"))
            .failed(why)
            .details(json!({ "login": login, "knownUser": user.is_some() }));
        if let Some(u) = user {
            record = record.resource(AuditResourceKind::User, u.id);
        }
        match self
            .audit
            .record(&self.db, &acting_as(principal, user), record)
            .await
        {
            Ok(_) => error,
            Err(e) => e,
        }
    }

    /// Checks credentials and opens a session. Every outcome writes an audit row.
    ///
    /// A locked account and an unknown name locked after as many failures answer alike, and
    /// neither verifies a password then; otherwise an unknown name verifies a decoy hash, so it
    /// takes as long as a wrong password.
    pub async fn login(
        &self,
        principal: &Principal,
        login: &str,
        password: &str,
    ) -> AppResult<LoggedIn> {
        let ip = principal.client_ip();
        let started = Instant::now();
        let found = find_by_login(&self.db, login).await?;
        let subject = Subject::of(found.as_ref().map(|u| u.id), login);
        let locked_until = found.as_ref().and_then(|u| u.locked_until);
        let attempt = match self.limits.reserve(ip, &subject, locked_until).await? {
            Ok(attempt) => attempt,
            Err(refusal) => {
                let error = self
                    .refuse(
                        principal,
                        AuditAction::Login,
                        "login",
                        login,
                        found.as_ref(),
                        refusal,
                    )
                    .await;
                return Err(error);
            }
        };
        let ok = self
            .passwords
            .verify(password, found.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        match (found, ok) {
            (Some(user), true) if user.is_active => {
                if let Some(refusal) = self.entry_refused(&user) {
                    attempt.abandoned(&self.limits).await?;
                    let mut record = AuditRecord::new(AuditAction::Login, "login refused")
                        .resource(AuditResourceKind::User, user.id)
                        .failed(refusal.message.clone());
                    let txn = crate::db::begin_write(&self.db).await?;
                    // The right password of an unconfirmed account: a fresh link goes out (within
                    // the mail limits), so nobody is shut out for good.
                    let resend = refusal.code == ErrorCode::EmailNotVerified
                        && self
                            .limits
                            .check_mail_request(ip, &user.email)
                            .await
                            .is_ok();
                    if resend {
                        let mail = self.email_addresses.queue_verification(&txn, &user).await?;
                        record = record.details(json!({ "verificationMail": mail }));
                    }
                    self.audit
                        .commit(txn, &acting_as(principal, Some(&user)), record)
                        .await?;
                    if resend {
                        self.mailer.wake();
                    }
                    return Err(refusal);
                }
                attempt.succeeded(&self.limits).await?;
                let user =
                    super::werkzeug::upgrade(&self.db, &self.passwords, user, password).await?;
                self.succeed(principal, user, started).await
            }
            (Some(user), true) => {
                attempt.abandoned(&self.limits).await?;
                let record =
                    AuditRecord::new(AuditAction::Login, "login refused: account deactivated")
                        .resource(AuditResourceKind::User, user.id)
                        .failed("account deactivated");
                self.audit
                    .record(&self.db, &acting_as(principal, Some(&user)), record)
                    .await?;
                Err(AppError::forbidden(
                    "this account is deactivated; ask an admin",
                ))
            }
            (user, _) => {
                let record = AuditRecord::new(AuditAction::Login, "login failed")
                    .failed("invalid credentials")
                    .duration(started.elapsed());
                match self
                    .failed_check(principal, login, attempt, user.as_ref(), record)
                    .await?
                {
                    Checked::Locked(wait) => Err(locked(wait)),
                    Checked::AttemptsLeft(left) => {
                        Err(wrong_credentials(left, self.security.lockout_duration))
                    }
                }
            }
        }
    }

    /// Why a right password still does not let `user` in: an admin-set temporary password whose
    /// time ran out (PASSWORD_EXPIRED), or an unconfirmed address while
    /// `REQUIRE_EMAIL_VERIFICATION` is on (EMAIL_NOT_VERIFIED).
    fn entry_refused(&self, user: &user::Model) -> Option<AppError> {
        if user.must_change_password
            && user
                .temp_password_expires_at
                .is_some_and(|until| until <= Utc::now())
        {
            return Some(AppError::new(
                ErrorCode::PasswordExpired,
                "this temporary password has expired; use \"Forgot password?\" or ask an admin \
             for a new one",
            ));
        }
        if self.mail.require_verification && !user.is_verified {
            return Some(
                AppError::new(
                    ErrorCode::EmailNotVerified,
                    "confirm your e-mail address first: follow the link we sent you, or ask for a \
                 new one",
                )
                .with("email", user.email.clone()),
            );
        }
        None
    }

    async fn succeed(
        &self,
        principal: &Principal,
        user: user::Model,
        started: Instant,
    ) -> AppResult<LoggedIn> {
        let ip = principal.client_ip();
        let (cookie, session_key) = self
            .sessions
            .create(
                user.id,
                Some(ip.to_string()),
                principal.user_agent().map(str::to_owned),
            )
            .await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: user::ActiveModel = user.clone().into();
        update.last_login = Set(Some(Utc::now()));
        update.login_count = Set(user.login_count + 1);
        update.failed_login_attempts = Set(0);
        update.locked_until = Set(None);
        let user = update.update(&txn).await?;
        let acting = principal.logged_in(&user, &session_key);
        self.audit
            .commit(
                txn,
                &acting,
                AuditRecord::new(AuditAction::Login, format!("{} logged in", user.username))
                    .resource(AuditResourceKind::User, user.id)
                    .duration(started.elapsed()),
            )
            .await?;
        Ok(LoggedIn {
            user: super::accounts::AccountView::of(&self.crypto, &user)?,
            cookie,
            session_key,
        })
    }

    /// Records a failed credential check (a wrong password at login or at a password change):
    /// the counters, the account row, `record` plus ACCOUNT_LOCKOUT and BRUTE_FORCE_ATTEMPT rows
    /// when this failure reached a limit, in one transaction. Returns how long the account (or
    /// unknown name) is now locked, if this failure locked it, or how many attempts are left.
    async fn failed_check(
        &self,
        principal: &Principal,
        login: &str,
        attempt: Attempt,
        user: Option<&user::Model>,
        mut record: AuditRecord,
    ) -> AppResult<Checked> {
        let ip = principal.client_ip();
        let outcome = attempt.failed(&self.limits).await?;
        let lockout = self.security.lockout_duration;
        let mut events = Vec::new();
        let txn = crate::db::begin_write(&self.db).await?;
        let acting = acting_as(principal, user);
        if let Some(u) = user {
            let mut update: user::ActiveModel = u.clone().into();
            update.failed_login_attempts = Set(int(outcome.account_failures));
            update.last_failed_login = Set(Some(Utc::now()));
            if outcome.account_locked {
                let span =
                    chrono::TimeDelta::from_std(lockout).unwrap_or(chrono::TimeDelta::minutes(15));
                update.locked_until = Set(Some(Utc::now() + span));
            }
            update.update(&txn).await?;
            record = record.resource(AuditResourceKind::User, u.id);
        }
        record = record.details(json!({ "login": login, "knownUser": user.is_some() }));
        events.push(self.audit.write(&txn, &acting, record).await?);
        if outcome.account_locked {
            let (what, resource) = match user {
                Some(u) => (format!("{} locked", u.username), Some(u.id)),
                None => ("login name locked (no such account)".to_owned(), None),
            };
            let mut record = AuditRecord::new(AuditAction::AccountLockout, what).details(json!({
                "failures": outcome.account_failures,
                "seconds": lockout.as_secs(),
                "knownUser": user.is_some(),
            }));
            if let Some(id) = resource {
                record = record.resource(AuditResourceKind::User, id);
            }
            events.push(self.audit.write(&txn, &acting, record).await?);
            if let Some(u) = user {
                self.notices
                    .account_locked(&txn, u, outcome.account_failures, lockout)
                    .await?;
            }
        }
        if outcome.ip_blocked {
            let record =
                AuditRecord::new(AuditAction::BruteForceAttempt, format!("IP {ip} blocked"))
                    .resource(AuditResourceKind::Ip, ip)
                    .details(json!({ "threshold": self.security.brute_force_threshold }));
            events.push(self.audit.write(&txn, &acting, record).await?);
            let what = format!(
                "IP {ip} was blocked after {} failed logins",
                self.security.brute_force_threshold
            );
            self.notices.security(&txn, &what).await?;
        }
        txn.commit().await?;
        self.audit.publish(events).await;
        if outcome.account_locked || outcome.ip_blocked {
            self.mailer.wake();
        }
        Ok(if outcome.account_locked {
            Checked::Locked(lockout)
        } else {
            let max = u64::from(self.security.max_login_attempts);
            Checked::AttemptsLeft(max.saturating_sub(outcome.account_failures).max(1))
        })
    }

    /// Ends the caller's session.
    pub async fn logout(&self, principal: &Principal) -> AppResult<()> {
        let user = principal.require_login()?;
        if let Some(key) = user.session_key() {
            self.sessions.revoke(key, user.id()).await?;
        }
        let record = AuditRecord::new(
            AuditAction::Logout,
            format!("{} logged out", user.username()),
        )
        .resource(AuditResourceKind::User, user.id());
        self.audit.record(&self.db, principal, record).await?;
        self.account_changed(user.id(), AccountChangeReason::Logout)
            .await;
        Ok(())
    }

    /// Changes the password after checking the current one; every other session and every API
    /// token of the account ends. Returns how many sessions ended.
    ///
    /// The current password is checked like a login: a wrong one counts toward the account's
    /// lockout and the IP's block, and a locked account or blocked IP is refused unverified.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> AppResult<u64> {
        let ip = principal.client_ip();
        let me = principal.require_login()?;
        let row = user::Entity::find_by_id(me.id())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        let subject = Subject::Account(row.id);
        let attempt = match self.limits.reserve(ip, &subject, row.locked_until).await? {
            Ok(attempt) => attempt,
            Err(refusal) => {
                let error = self
                    .refuse(
                        principal,
                        AuditAction::PasswordChange,
                        "password change",
                        &row.username,
                        Some(&row),
                        refusal,
                    )
                    .await;
                return Err(error);
            }
        };
        if !self
            .passwords
            .verify(current, Some(&row.password_hash))
            .await?
        {
            let record = AuditRecord::new(
                AuditAction::PasswordChange,
                "password change refused: wrong current password",
            )
            .failed("invalid credentials");
            let lock = self.failed_check(principal, &row.username, attempt, Some(&row), record);
            return Err(match lock.await? {
                Checked::Locked(wait) => locked(wait),
                Checked::AttemptsLeft(left) => AppError::invalid_field(
                    "currentPassword",
                    format!(
                        "is not your current password; {left} more wrong {} the account for {}",
                        if left == 1 { "one locks" } else { "ones lock" },
                        duration_words(self.security.lockout_duration)
                    ),
                )
                .with("attemptsLeft", left),
            });
        }
        attempt.succeeded(&self.limits).await?;
        passwords::check_policy(new, &row.username, &row.email)?;
        if current == new {
            return Err(AppError::invalid_field(
                "newPassword",
                "must differ from the current one",
            ));
        }
        let hash = self.passwords.hash(new).await?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: user::ActiveModel = row.into();
        update.password_hash = Set(hash);
        update.password_changed_at = Set(Some(now));
        update.must_change_password = Set(false);
        update.temp_password_expires_at = Set(None);
        update.failed_login_attempts = Set(0);
        update.locked_until = Set(None);
        update.updated_at = Set(now);
        update.update(&txn).await?;
        let tokens_revoked = tokens::revoke_all(&txn, me.id(), now).await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PasswordChange,
                    "password changed; other sessions and all API tokens ended",
                )
                .resource(AuditResourceKind::User, me.id())
                .details(json!({ "tokensRevoked": tokens_revoked })),
            )
            .await?;
        let ended = self.sessions.revoke_all(me.id(), me.session_key()).await?;
        self.account_changed(me.id(), AccountChangeReason::PasswordChanged)
            .await;
        Ok(ended)
    }

    /// Ends one of the caller's own sessions.
    pub async fn revoke_session(&self, principal: &Principal, key: &str) -> AppResult<()> {
        let user = principal.require_user()?;
        let mine = self.sessions.list(user.id()).await?;
        if !mine.iter().any(|(k, _)| k == key) {
            return Err(AppError::not_found("session"));
        }
        self.sessions.revoke(key, user.id()).await?;
        let record = AuditRecord::new(AuditAction::SessionManagement, "session revoked").resource(
            AuditResourceKind::Session,
            key.chars().take(16).collect::<String>(),
        );
        self.audit.record(&self.db, principal, record).await?;
        self.account_changed(user.id(), AccountChangeReason::SessionRevoked)
            .await;
        Ok(())
    }
}
