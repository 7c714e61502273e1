//! E-mail addresses: verification (at registration and on request), the admins' say over the
//! verified state, and changes of address — confirmed from the new address, with a notice and
//! an undo link to the old one; until confirmed, the old address stays in force.

use chrono::Utc;
use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, MailKind};

use super::accounts::{find_by_login, parse_email};
use super::audit::AuditRecord;
use crate::auth::Principal;
use crate::auth::tokens as api_tokens;
use crate::error::{AppError, AppResult};
use crate::events::Channel;
use crate::mail::tokens::{self, Purpose};
use crate::mail::{self, Outgoing, templates};
use crate::services::admin::{AccountChangeReason, AccountChanged};

fn acting(principal: &Principal, user: &user::Model) -> Principal {
    principal.claimant(user)
}

fn reason_of(e: &AppError) -> String {
    e.extensions
        .get("reason")
        .and_then(|r| r.as_str())
        .unwrap_or("unknown")
        .to_owned()
}

/// E-mail addresses: verification, changes and their undo. Built once with the state.
#[derive(Clone)]
pub struct EmailAddresses {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) audit: super::audit::Audit,
    pub(crate) events: crate::events::Events,
    pub(crate) crypto: std::sync::Arc<crate::crypto::Encryptor>,
    pub(crate) signer: crate::crypto::Signer,
    pub(crate) mailer: std::sync::Arc<crate::mail::Mailer>,
    pub(crate) limits: crate::auth::limits::Limits,
    pub(crate) sessions: crate::auth::sessions::Sessions,
    pub(crate) mail: crate::config::MailSettings,
    pub(crate) passwords: super::passwords::Passwords,
}

impl EmailAddresses {
    async fn load(&self, id: i32) -> AppResult<user::Model> {
        super::accounts::load_user(&self.db, id).await
    }

    async fn publish(&self, user_id: i32, reason: AccountChangeReason) {
        let event = AccountChanged { user_id, reason };
        self.events.publish(Channel::Accounts, &event).await;
    }

    /// Queues a verification link for `user`'s current address (in the caller's transaction).
    pub async fn queue_verification<C: ConnectionTrait>(
        &self,
        conn: &C,
        user: &user::Model,
    ) -> AppResult<i32> {
        let ttl = self.mail.verify_ttl;
        let token = tokens::issue(
            conn,
            &self.signer,
            user.id,
            Purpose::VerifyEmail,
            Some(&user.email),
            ttl,
        )
        .await?;
        let link = self.mailer.link("verify-email", &token);
        mail::enqueue(
            conn,
            &self.mailer,
            &self.crypto,
            Outgoing {
                user_id: Some(user.id),
                to: user.email.clone(),
                kind: MailKind::VerifyEmail,
                rendered: templates::verify_email(self.mailer.site(), &user.username, &link, ttl),
            },
        )
        .await
    }

    /// Sends a new verification link to the caller's address.
    pub async fn request_verification(&self, principal: &Principal) -> AppResult<()> {
        let ip = principal.client_ip();
        let row = self.load(principal.require_user()?.id()).await?;
        if row.is_verified {
            return Err(AppError::conflict(
                "your e-mail address is already confirmed",
            ));
        }
        self.limits.check_mail_request(ip, &row.email).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mail_id = self.queue_verification(&txn, &row).await?;
        let record = AuditRecord::new(AuditAction::ProfileUpdate, "verification link queued")
            .resource(AuditResourceKind::User, row.id)
            .details(json!({ "mail": mail_id }));
        self.audit.commit(txn, principal, record).await?;
        self.mailer.wake();
        Ok(())
    }

    /// Audits a refused link and hands its error back.
    async fn refused(&self, principal: &Principal, what: &str, e: AppError) -> AppError {
        let reason = reason_of(&e);
        let record = AuditRecord::new(AuditAction::ProfileUpdate, format!("{what} link refused"))
            .failed(reason.clone())
            .details(json!({ "reason": reason }));
        match self.audit.record(&self.db, principal, record).await {
            Ok(_) => e,
            Err(failure) => failure,
        }
    }

    /// Uses up the link `token` for `purpose` in a new transaction and reads the account it
    /// is for; a refused link (unknown, used, expired) is audited as `what` link refused.
    async fn follow(
        &self,
        principal: &Principal,
        purpose: Purpose,
        what: &str,
        token: &str,
    ) -> AppResult<(
        sea_orm::DatabaseTransaction,
        entity::mail_tokens::Model,
        user::Model,
    )> {
        let txn = crate::db::begin_write(&self.db).await?;
        let row = match tokens::consume(&txn, &self.signer, purpose, token).await {
            Ok(row) => row,
            Err(e) => {
                drop(txn);
                return Err(self.refused(principal, what, e).await);
            }
        };
        let account = user::Entity::find_by_id(row.user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| tokens::refused("unknown"))?;
        Ok((txn, row, account))
    }

    /// Confirms an address with its verification link (no login needed: the link is the proof).
    pub async fn verify(&self, principal: &Principal, token: &str) -> AppResult<user::Model> {
        let (txn, row, account) = self
            .follow(principal, Purpose::VerifyEmail, "verification", token)
            .await?;
        if row.email.as_deref() != Some(account.email.as_str()) {
            // The address changed since the link was sent.
            drop(txn);
            return Err(self
                .refused(principal, "verification", tokens::refused("used"))
                .await);
        }
        let mut update: user::ActiveModel = account.clone().into();
        update.is_verified = Set(true);
        update.updated_at = Set(Utc::now());
        let saved = update.update(&txn).await?;
        let record = AuditRecord::new(
            AuditAction::ProfileUpdate,
            format!("address of {} confirmed", account.username),
        )
        .resource(AuditResourceKind::User, account.id)
        .change(
            Some(json!({ "isVerified": account.is_verified })),
            Some(json!({ "isVerified": true })),
        );
        self.audit
            .commit(txn, &acting(principal, &account), record)
            .await?;
        self.publish(account.id, AccountChangeReason::AddressVerified)
            .await;
        Ok(saved)
    }

    /// An admin marks an address confirmed or not.
    pub async fn set_verified(
        &self,
        principal: &Principal,
        id: i32,
        verified: bool,
    ) -> AppResult<super::accounts::AccountView> {
        principal.require_admin()?;
        let row = self.load(id).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: user::ActiveModel = row.clone().into();
        update.is_verified = Set(verified);
        update.updated_at = Set(Utc::now());
        let saved = update.update(&txn).await?;
        let verb = if verified { "confirmed" } else { "unconfirmed" };
        let record = AuditRecord::new(
            AuditAction::UserUpdate,
            format!("address of {} marked {verb}", row.username),
        )
        .resource(AuditResourceKind::User, id)
        .change(
            Some(json!({ "isVerified": row.is_verified })),
            Some(json!({ "isVerified": verified })),
        );
        self.audit.commit(txn, principal, record).await?;
        self.publish(id, AccountChangeReason::VerificationChanged)
            .await;
        super::accounts::AccountView::of(&self.crypto, &saved)
    }

    /// Starts a change of address: checks the current password, then sends a confirmation link
    /// to `new_email`. An address another account uses gets no mail and the same answer (the
    /// caller learns nothing about other accounts).
    pub async fn request_change(
        &self,
        principal: &Principal,
        new_email: &str,
        current_password: &str,
    ) -> AppResult<()> {
        let ip = principal.client_ip();
        let row = self.load(principal.require_user()?.id()).await?;
        let new_email = parse_email(new_email).map_err(|e| e.with("field", "newEmail"))?;
        if new_email == row.email {
            return Err(AppError::invalid_field(
                "newEmail",
                "is already your address",
            ));
        }
        self.limits.check_mail_request(ip, &new_email).await?;
        if !self
            .passwords
            .verify(current_password, Some(&row.password_hash))
            .await?
        {
            let record = AuditRecord::new(
                AuditAction::ProfileUpdate,
                "change of address refused: wrong password",
            )
            .resource(AuditResourceKind::User, row.id)
            .failed("invalid credentials");
            self.audit.record(&self.db, principal, record).await?;
            return Err(AppError::invalid_field(
                "currentPassword",
                "is not your current password",
            ));
        }
        let taken = find_by_login(&self.db, &new_email).await?.is_some();
        let txn = crate::db::begin_write(&self.db).await?;
        let mut details = json!({ "taken": taken });
        if !taken {
            let ttl = self.mail.verify_ttl;
            let token = tokens::issue(
                &txn,
                &self.signer,
                row.id,
                Purpose::ChangeEmail,
                Some(&new_email),
                ttl,
            )
            .await?;
            let link = self.mailer.link("confirm-email", &token);
            let mail_id = mail::enqueue(
                &txn,
                &self.mailer,
                &self.crypto,
                Outgoing {
                    user_id: Some(row.id),
                    to: new_email.clone(),
                    kind: MailKind::ConfirmEmailChange,
                    rendered: templates::confirm_email_change(
                        self.mailer.site(),
                        &row.username,
                        &link,
                        ttl,
                    ),
                },
            )
            .await?;
            details = json!({ "taken": false, "mail": mail_id });
        }
        let record = AuditRecord::new(
            AuditAction::ProfileUpdate,
            "change of address requested; confirmation link queued to the new address",
        )
        .resource(AuditResourceKind::User, row.id)
        .details(details)
        .change(None, Some(json!({ "requestedEmail": new_email })));
        self.audit.commit(txn, principal, record).await?;
        self.mailer.wake();
        Ok(())
    }

    /// Confirms a change of address with the link sent to the new one: the new address is in
    /// force (and confirmed), and the old one gets a notice with an undo link.
    pub async fn confirm_change(
        &self,
        principal: &Principal,
        token: &str,
    ) -> AppResult<user::Model> {
        let (txn, row, account) = self
            .follow(principal, Purpose::ChangeEmail, "change-of-address", token)
            .await?;
        let new_email = row.email.clone().unwrap_or_default();
        if find_by_login(&txn, &new_email).await?.is_some() {
            return Err(AppError::conflict(
                "this address is in use by another account now; ask for a new link with another \
             address",
            ));
        }
        let old_email = account.email.clone();
        let mut update: user::ActiveModel = account.clone().into();
        update.email = Set(new_email.clone());
        update.is_verified = Set(true);
        update.updated_at = Set(Utc::now());
        let saved = update.update(&txn).await?;
        let undo_ttl = self.mail.verify_ttl * 7;
        let undo = tokens::issue(
            &txn,
            &self.signer,
            account.id,
            Purpose::UndoEmailChange,
            Some(&old_email),
            undo_ttl,
        )
        .await?;
        let link = self.mailer.link("undo-email-change", &undo);
        let mail_id = mail::enqueue(
            &txn,
            &self.mailer,
            &self.crypto,
            Outgoing {
                user_id: Some(account.id),
                to: old_email.clone(),
                kind: MailKind::EmailChanged,
                rendered: templates::email_changed(
                    self.mailer.site(),
                    &account.username,
                    &new_email,
                    &link,
                    undo_ttl,
                ),
            },
        )
        .await?;
        let record = AuditRecord::new(
            AuditAction::ProfileUpdate,
            format!("address of {} changed", account.username),
        )
        .resource(AuditResourceKind::User, account.id)
        .change(
            Some(json!({ "email": old_email })),
            Some(json!({ "email": new_email })),
        )
        .details(json!({ "noticeToOldAddress": mail_id }));
        self.audit
            .commit(txn, &acting(principal, &account), record)
            .await?;
        self.mailer.wake();
        self.publish(account.id, AccountChangeReason::AddressChanged)
            .await;
        Ok(saved)
    }

    /// Undoes a change of address from the notice sent to the old one: the old address is back
    /// (and confirmed), every session ends and every API token is revoked, since whoever made the
    /// change may hold them.
    pub async fn undo_change(&self, principal: &Principal, token: &str) -> AppResult<user::Model> {
        let (txn, row, account) = self
            .follow(principal, Purpose::UndoEmailChange, "undo", token)
            .await?;
        let old_email = row.email.clone().unwrap_or_default();
        if old_email != account.email && find_by_login(&txn, &old_email).await?.is_some() {
            return Err(AppError::conflict(
                "the old address is in use by another account now; ask an admin",
            ));
        }
        let now = Utc::now();
        let mut update: user::ActiveModel = account.clone().into();
        update.email = Set(old_email.clone());
        update.is_verified = Set(true);
        update.updated_at = Set(now);
        let saved = update.update(&txn).await?;
        let revoked = api_tokens::revoke_all(&txn, account.id, now).await?;
        let record = AuditRecord::new(
        AuditAction::SecurityViolation,
        format!(
            "change of address of {} undone from the old address; sessions and API tokens ended",
            account.username
        ),
    )
    .resource(AuditResourceKind::User, account.id)
    .change(
        Some(json!({ "email": account.email })),
        Some(json!({ "email": old_email })),
    )
    .details(json!({ "tokensRevoked": revoked }));
        self.audit
            .commit(txn, &acting(principal, &account), record)
            .await?;
        self.sessions.revoke_all(account.id, None).await?;
        self.publish(account.id, AccountChangeReason::AddressChangeUndone)
            .await;
        Ok(saved)
    }

    /// The caller's choice of notices by e-mail.
    pub async fn set_preferences(
        &self,
        principal: &Principal,
        security: Option<bool>,
        shares: Option<bool>,
    ) -> AppResult<super::accounts::AccountView> {
        let row = self.load(principal.require_user()?.id()).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: user::ActiveModel = row.clone().into();
        if let Some(v) = security {
            update.notify_security = Set(v);
        }
        if let Some(v) = shares {
            update.notify_shares = Set(v);
        }
        update.updated_at = Set(Utc::now());
        let saved = update.update(&txn).await?;
        let record = AuditRecord::new(AuditAction::ProfileUpdate, "e-mail notices changed")
        .resource(AuditResourceKind::User, row.id)
        .change(
            Some(json!({ "notifySecurity": row.notify_security, "notifyShares": row.notify_shares })),
            Some(json!({ "notifySecurity": saved.notify_security, "notifyShares": saved.notify_shares })),
        );
        self.audit.commit(txn, principal, record).await?;
        super::accounts::AccountView::of(&self.crypto, &saved)
    }
}
