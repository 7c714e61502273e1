//! Admin actions on accounts: unlock, role change, (de)activation, password reset. Each takes
//! the caller's [`Principal`] (ADMIN, checked here) and writes its audit row in the same transaction as the change.

use chrono::Utc;
use entity::user;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
};
use serde::Serialize;
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, Role};

use super::accounts::AccountView;
use super::audit::AuditRecord;
use crate::auth::Principal;
use crate::auth::tokens;
use crate::error::{AppError, AppResult, OrInternal};
use crate::events::Channel;
use crate::paging::{Place, RowPage, SortedBy, Span, read_span};

/// Published on [`Channel::Accounts`] so live connections of that user re-check their rights.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct AccountChanged {
    pub user_id: i32,
    pub reason: AccountChangeReason,
}

/// What changed about an account. Every reason makes live connections re-check the same way;
/// the reason is for logs and tests. The wire words are those of the events published before
/// this was an enum, so instances of both versions understand each other during an upgrade.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq)]
pub enum AccountChangeReason {
    /// A session logged out.
    #[serde(rename = "logout")]
    Logout,
    /// The user changed their password (every other session ended).
    #[serde(rename = "password changed")]
    PasswordChanged,
    /// The user revoked one of their sessions.
    #[serde(rename = "session revoked")]
    SessionRevoked,
    /// The password was reset, by an admin or through a mailed link.
    #[serde(rename = "password reset")]
    PasswordReset,
    /// An admin changed the role.
    #[serde(rename = "role")]
    RoleChanged,
    /// An admin deactivated the account.
    #[serde(rename = "deactivated")]
    Deactivated,
    /// The user confirmed their address.
    #[serde(rename = "address verified")]
    AddressVerified,
    /// An admin set whether the address counts as confirmed.
    #[serde(rename = "verification changed")]
    VerificationChanged,
    /// The user confirmed a new address.
    #[serde(rename = "address changed")]
    AddressChanged,
    /// The old address undid a change of address.
    #[serde(rename = "address change undone")]
    AddressChangeUndone,
}

/// The accounts whose username or e-mail contains `search` (all without one), unordered.
fn users_query(
    principal: &Principal,
    search: Option<&str>,
) -> AppResult<sea_orm::Select<user::Entity>> {
    principal.require_admin()?;
    let mut condition = Condition::all();
    if let Some(term) = search.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", term.to_lowercase().replace(['%', '_'], ""));
        condition = condition.add(
            Condition::any()
                .add(user::Column::Username.like(pattern.clone()))
                .add(user::Column::Email.like(pattern)),
        );
    }
    Ok(user::Entity::find().filter(condition))
}

/// Site administration of accounts: roles, activation, locks, blocks and resets. Built once with the state.
#[derive(Clone)]
pub struct Admin {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) audit: super::audit::Audit,
    pub(crate) events: crate::events::Events,
    pub(crate) crypto: std::sync::Arc<crate::crypto::Encryptor>,
    pub(crate) passwords: super::passwords::Passwords,
    pub(crate) mailer: std::sync::Arc<crate::mail::Mailer>,
    pub(crate) limits: crate::auth::limits::Limits,
    pub(crate) sessions: crate::auth::sessions::Sessions,
    pub(crate) notices: super::notices::Notices,
    pub(crate) mail: crate::config::MailSettings,
}

impl Admin {
    /// A page of the accounts whose username or e-mail address holds `search` (every account
    /// without one), lowest id first. Admins only.
    pub async fn users_page(
        &self,
        principal: &Principal,
        search: Option<&str>,
        span: Span<Place<i32>>,
    ) -> AppResult<RowPage<AccountView>> {
        let by_id = SortedBy {
            column: user::Column::Id,
            descending: false,
            id: user::Column::Id,
        };
        read_span(
            &self.db,
            users_query(principal, search)?,
            by_id,
            &span.map(Place::values),
        )
        .await?
        .try_map(|row| AccountView::of(&self.crypto, &row))
    }

    async fn load(&self, id: i32) -> AppResult<user::Model> {
        super::accounts::load_user(&self.db, id).await
    }

    async fn save_with_audit(
        &self,
        principal: &Principal,
        update: user::ActiveModel,
        record: AuditRecord,
    ) -> AppResult<AccountView> {
        let txn = crate::db::begin_write(&self.db).await?;
        let saved = update.update(&txn).await?;
        self.audit.commit(txn, principal, record).await?;
        AccountView::of(&self.crypto, &saved)
    }

    /// Saves an account change that takes away its credentials: every API token is revoked in
    /// the same transaction as the change and its audit row (which says how many); every session
    /// ends once it has committed.
    async fn save_revoking_credentials(
        &self,
        principal: &Principal,
        update: user::ActiveModel,
        record: AuditRecord,
    ) -> AppResult<AccountView> {
        let txn = crate::db::begin_write(&self.db).await?;
        let saved = update.update(&txn).await?;
        let revoked = tokens::revoke_all(&txn, saved.id, Utc::now()).await?;
        let record = record.details(json!({ "tokensRevoked": revoked }));
        self.audit.commit(txn, principal, record).await?;
        self.sessions.revoke_all(saved.id, None).await?;
        AccountView::of(&self.crypto, &saved)
    }

    /// Lifts a lockout and forgets the failed logins.
    pub async fn unlock(&self, principal: &Principal, id: i32) -> AppResult<AccountView> {
        principal.require_admin()?;
        let row = self.load(id).await?;
        self.limits.clear_account_failures(id).await?;
        let mut update: user::ActiveModel = row.clone().into();
        update.locked_until = Set(None);
        update.failed_login_attempts = Set(0);
        update.updated_at = Set(Utc::now());
        let record = AuditRecord::new(
            AuditAction::UserUpdate,
            format!("{} unlocked", row.username),
        )
        .resource(AuditResourceKind::User, id)
        .change(
            Some(json!({ "lockedUntil": row.locked_until })),
            Some(json!({ "lockedUntil": null })),
        );
        self.save_with_audit(principal, update, record).await
    }

    /// Changes a role. An admin can not demote themselves (there must be someone left to undo it).
    pub async fn set_role(
        &self,
        principal: &Principal,
        id: i32,
        role: Role,
    ) -> AppResult<AccountView> {
        principal.require_admin()?;
        if Some(id) == principal.user_id() && role != Role::Admin {
            return Err(AppError::forbidden(
                "admins can not remove their own ADMIN role",
            ));
        }
        let row = self.load(id).await?;
        let mut update: user::ActiveModel = row.clone().into();
        update.role = Set(role);
        update.updated_at = Set(Utc::now());
        let record = AuditRecord::new(
            AuditAction::RoleChange,
            format!("{} is now {role}", row.username),
        )
        .resource(AuditResourceKind::User, id)
        .change(
            Some(json!({ "role": row.role })),
            Some(json!({ "role": role })),
        );
        let txn = crate::db::begin_write(&self.db).await?;
        let saved = update.update(&txn).await?;
        let promoted = role == Role::Admin && row.role != Role::Admin;
        if promoted {
            let by = principal
                .audit_user()
                .1
                .unwrap_or_else(|| "an admin".into());
            self.notices.new_admin(&txn, &row.username, &by).await?;
        }
        self.audit.commit(txn, principal, record).await?;
        if promoted {
            self.mailer.wake();
        }
        self.events
            .publish(
                Channel::Accounts,
                &AccountChanged {
                    user_id: id,
                    reason: AccountChangeReason::RoleChanged,
                },
            )
            .await;
        AccountView::of(&self.crypto, &saved)
    }

    /// Activates or deactivates an account; deactivation ends every session and revokes every
    /// API token at once (reactivation does not bring them back).
    pub async fn set_active(
        &self,
        principal: &Principal,
        id: i32,
        active: bool,
    ) -> AppResult<AccountView> {
        principal.require_admin()?;
        if Some(id) == principal.user_id() && !active {
            return Err(AppError::forbidden("admins can not deactivate themselves"));
        }
        let row = self.load(id).await?;
        let mut update: user::ActiveModel = row.clone().into();
        update.is_active = Set(active);
        update.deactivated_at = Set((!active).then(Utc::now));
        update.updated_at = Set(Utc::now());
        let verb = if active { "activated" } else { "deactivated" };
        let record = AuditRecord::new(AuditAction::UserUpdate, format!("{} {verb}", row.username))
            .resource(AuditResourceKind::User, id)
            .change(
                Some(json!({ "isActive": row.is_active })),
                Some(json!({ "isActive": active })),
            );
        if active {
            return self.save_with_audit(principal, update, record).await;
        }
        let saved = self
            .save_revoking_credentials(principal, update, record)
            .await?;
        self.events
            .publish(
                Channel::Accounts,
                &AccountChanged {
                    user_id: id,
                    reason: AccountChangeReason::Deactivated,
                },
            )
            .await;
        Ok(saved)
    }

    /// Sets a random temporary password that must be changed at the next login; every session of
    /// the account ends and every API token is revoked. Returns the temporary password (shown to the admin once).
    pub async fn reset_password(
        &self,
        principal: &Principal,
        id: i32,
    ) -> AppResult<(AccountView, String)> {
        principal.require_admin()?;
        let row = self.load(id).await?;
        let temporary = crate::crypto::random_token(12).or_internal("temporary password")?;
        let hash = self.passwords.hash(&temporary).await?;
        let ttl = self.mail.temp_password_ttl;
        let now = Utc::now();
        let expires =
            now + chrono::TimeDelta::from_std(ttl).unwrap_or(chrono::TimeDelta::hours(24));
        let mut update: user::ActiveModel = row.clone().into();
        update.password_hash = Set(hash);
        update.must_change_password = Set(true);
        update.temp_password_expires_at = Set(Some(expires));
        update.password_changed_at = Set(Some(now));
        update.locked_until = Set(None);
        update.failed_login_attempts = Set(0);
        update.updated_at = Set(now);
        // Mailed only when it leaves the machine: an outbox file would be one more copy of it.
        let mailed = self.mail.delivers();
        let txn = crate::db::begin_write(&self.db).await?;
        let saved = update.update(&txn).await?;
        let revoked = tokens::revoke_all(&txn, saved.id, now).await?;
        let mail_id = if mailed {
            let rendered = crate::mail::templates::temporary_password(
                self.mailer.site(),
                &row.username,
                &temporary,
                ttl,
            );
            Some(
                crate::mail::enqueue(
                    &txn,
                    &self.mailer,
                    &self.crypto,
                    crate::mail::Outgoing {
                        user_id: Some(row.id),
                        to: row.email.clone(),
                        kind: shared::MailKind::TemporaryPassword,
                        rendered,
                    },
                )
                .await?,
            )
        } else {
            None
        };
        let record = AuditRecord::new(
            AuditAction::PasswordReset,
            format!("password of {} reset", row.username),
        )
        .resource(AuditResourceKind::User, id)
        .details(json!({
            "tokensRevoked": revoked,
            "expiresAt": expires,
            "mail": mail_id,
        }));
        self.audit.commit(txn, principal, record).await?;
        self.sessions.revoke_all(saved.id, None).await?;
        if mailed {
            self.mailer.wake();
        }
        self.limits.clear_account_failures(id).await?;
        self.events
            .publish(
                Channel::Accounts,
                &AccountChanged {
                    user_id: id,
                    reason: AccountChangeReason::PasswordReset,
                },
            )
            .await;
        Ok((AccountView::of(&self.crypto, &saved)?, temporary))
    }

    /// Lifts a brute-force block on an IP address.
    pub async fn unblock_ip(&self, principal: &Principal, ip: &str) -> AppResult<()> {
        principal.require_admin()?;
        let ip: std::net::IpAddr = ip
            .trim()
            .parse()
            .map_err(|_| AppError::invalid_field("ip", format!("{ip:?} is not an IP address")))?;
        let was_blocked = self.limits.ip_block(ip).await?.is_some();
        self.limits.clear_ip_block(ip).await?;
        let record = AuditRecord::new(AuditAction::AdminAction, format!("IP {ip} unblocked"))
            .resource(AuditResourceKind::Ip, ip)
            .details(json!({ "wasBlocked": was_blocked }));
        self.audit.record(&self.db, principal, record).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_changes_keep_their_wire_words() {
        let event = AccountChanged {
            user_id: 7,
            reason: AccountChangeReason::PasswordChanged,
        };
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(text, r#"{"user_id":7,"reason":"password changed"}"#);
        // An event published by an instance of the previous version still decodes.
        let old: AccountChanged = serde_json::from_str(r#"{"user_id":7,"reason":"role"}"#).unwrap();
        assert_eq!(old.reason, AccountChangeReason::RoleChanged);
        assert!(serde_json::from_str::<AccountChanged>(r#"{"user_id":7,"reason":"x"}"#).is_err());
    }
}
