//! Forgotten passwords: a single-use link by e-mail, then a new password. The request answers
//! the same whether or not the account exists (and takes about as long: both paths write one
//! audit row in one transaction); requests are limited per address and per client IP; every
//! step writes a PASSWORD_RESET row.

use chrono::Utc;
use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, MailKind};

use super::accounts::find_by_login;
use super::audit::AuditRecord;
use super::passwords;
use crate::auth::Principal;
use crate::auth::tokens as api_tokens;
use crate::error::{AppError, AppResult};
use crate::events::Channel;
use crate::mail::tokens::{self, Purpose};
use crate::mail::{self, Outgoing, templates};
use crate::services::admin::{AccountChangeReason, AccountChanged};

/// The password policy names its field `password`; here it is `newPassword`.
fn rename_field(mut e: AppError, field: &str) -> AppError {
    if e.extensions.contains_key("field") {
        e = e.with("field", field);
    }
    e
}

/// Password resets and temporary passwords. Built once with the state.
#[derive(Clone)]
pub struct Recovery {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) audit: super::audit::Audit,
    pub(crate) events: crate::events::Events,
    pub(crate) crypto: std::sync::Arc<crate::crypto::Encryptor>,
    pub(crate) signer: crate::crypto::Signer,
    pub(crate) passwords: super::passwords::Passwords,
    pub(crate) mailer: std::sync::Arc<crate::mail::Mailer>,
    pub(crate) limits: crate::auth::limits::Limits,
    pub(crate) sessions: crate::auth::sessions::Sessions,
    pub(crate) mail: crate::config::MailSettings,
}

impl Recovery {
    /// Sends a reset link to the account named `login` (username or address), if there is an
    /// active one. The answer is `Ok` either way.
    pub async fn request_reset(&self, principal: &Principal, login: &str) -> AppResult<()> {
        let ip = principal.client_ip();
        let login = login.trim();
        if login.is_empty() {
            return Err(AppError::invalid_field("login", "is empty"));
        }
        if login.chars().count() > 200 {
            return Err(AppError::invalid_field("login", "is too long"));
        }
        if let Err(e) = self.limits.check_mail_request(ip, login).await {
            let record =
                AuditRecord::new(AuditAction::PasswordReset, "reset request refused: limit")
                    .failed("rate limited");
            self.audit.record(&self.db, principal, record).await?;
            return Err(e);
        }
        let found = find_by_login(&self.db, login)
            .await?
            .filter(|u| u.is_active);
        let txn = crate::db::begin_write(&self.db).await?;
        let Some(user) = found else {
            let record = AuditRecord::new(
                AuditAction::PasswordReset,
                "reset requested for no active account; nothing sent",
            )
            .failed("no such active account")
            .details(json!({ "knownUser": false }));
            self.audit.commit(txn, principal, record).await?;
            return Ok(());
        };
        let ttl = self.mail.reset_ttl;
        let token = tokens::issue(
            &txn,
            &self.signer,
            user.id,
            Purpose::ResetPassword,
            Some(&user.email),
            ttl,
        )
        .await?;
        let link = self.mailer.link("reset-password", &token);
        let rendered = templates::password_reset(self.mailer.site(), &user.username, &link, ttl);
        let mail_id = mail::enqueue(
            &txn,
            &self.mailer,
            &self.crypto,
            Outgoing {
                user_id: Some(user.id),
                to: user.email.clone(),
                kind: MailKind::PasswordReset,
                rendered,
            },
        )
        .await?;
        let acting = principal.claimant(&user);
        let record = AuditRecord::new(
            AuditAction::PasswordReset,
            format!("reset link for {} queued", user.username),
        )
        .resource(AuditResourceKind::User, user.id)
        .details(json!({ "knownUser": true, "mail": mail_id, "expiresInSeconds": ttl.as_secs() }));
        self.audit.commit(txn, &acting, record).await?;
        self.mailer.wake();
        Ok(())
    }

    /// Sets a new password with a reset link: the link is used up, every session ends and every
    /// API token is revoked; the lockout is lifted and the address counts as confirmed (the link
    /// reached it).
    pub async fn reset_password(
        &self,
        principal: &Principal,
        token: &str,
        new_password: &str,
    ) -> AppResult<user::Model> {
        let ip = principal.client_ip();
        if let Some(wait) = self.limits.ip_block(ip).await? {
            return Err(AppError::rate_limited(wait).with("reason", "ip_blocked"));
        }
        let row = match tokens::check(&self.db, &self.signer, Purpose::ResetPassword, token).await {
            Ok(row) => row,
            Err(e) => {
                let reason = e
                    .extensions
                    .get("reason")
                    .and_then(|r| r.as_str())
                    .unwrap_or("unknown")
                    .to_owned();
                let record = AuditRecord::new(AuditAction::PasswordReset, "reset link refused")
                    .failed(reason.clone())
                    .details(json!({ "reason": reason }));
                self.audit.record(&self.db, principal, record).await?;
                return Err(e);
            }
        };
        let account = user::Entity::find_by_id(row.user_id)
            .one(&self.db)
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(|| tokens::refused("unknown"))?;
        passwords::check_policy(new_password, &account.username, &account.email)
            .map_err(|e| rename_field(e, "newPassword"))?;
        let hash = self.passwords.hash(new_password).await?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        tokens::consume(&txn, &self.signer, Purpose::ResetPassword, token).await?;
        let mut update: user::ActiveModel = account.clone().into();
        update.password_hash = Set(hash);
        update.password_changed_at = Set(Some(now));
        update.must_change_password = Set(false);
        update.temp_password_expires_at = Set(None);
        update.failed_login_attempts = Set(0);
        update.locked_until = Set(None);
        if row.email.as_deref() == Some(account.email.as_str()) {
            update.is_verified = Set(true);
        }
        update.updated_at = Set(now);
        let saved = update.update(&txn).await?;
        let revoked = api_tokens::revoke_all(&txn, account.id, now).await?;
        let acting = principal.claimant(&account);
        let record = AuditRecord::new(
            AuditAction::PasswordReset,
            format!(
                "password of {} reset by e-mail link; sessions and API tokens ended",
                account.username
            ),
        )
        .resource(AuditResourceKind::User, account.id)
        .details(json!({ "tokensRevoked": revoked }));
        self.audit.commit(txn, &acting, record).await?;
        self.sessions.revoke_all(account.id, None).await?;
        self.limits.clear_account_failures(account.id).await?;
        let event = AccountChanged {
            user_id: account.id,
            reason: AccountChangeReason::PasswordReset,
        };
        self.events.publish(Channel::Accounts, &event).await;
        Ok(saved)
    }
}
