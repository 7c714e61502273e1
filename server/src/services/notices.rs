//! Notices by e-mail, queued in the transaction of the event they report: an account locked
//! (to its owner), suspicious activity and new admins (to every active admin who has not
//! turned them off), a panel shared with you (to the recipient, unless turned off). Security
//! notices are capped at [`SECURITY_PER_HOUR`] so an attack does not become a mail flood.

use std::sync::Arc;
use std::time::Duration;

use entity::user;
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::MailKind;

use crate::backend::Backends;
use crate::crypto::Encryptor;
use crate::error::AppResult;
use crate::mail::{self, Mailer, Outgoing, templates};

/// Security notices (suspicious activity, new admins) sent per hour at most.
pub const SECURITY_PER_HOUR: u64 = 20;

async fn admins<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<(i32, String, String)>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(shared::Role::Admin))
        .filter(user::Column::IsActive.eq(true))
        .filter(user::Column::NotifySecurity.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email, u.username))
        .collect())
}

/// Notices by e-mail. Built once with the state.
#[derive(Clone)]
pub struct Notices {
    pub(crate) mailer: Arc<Mailer>,
    pub(crate) crypto: Arc<Encryptor>,
    pub(crate) backends: Backends,
}

impl Notices {
    async fn queue<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: i32,
        to: &str,
        kind: MailKind,
        rendered: templates::Rendered,
    ) -> AppResult<i32> {
        mail::enqueue(
            conn,
            &self.mailer,
            &self.crypto,
            Outgoing {
                user_id: Some(user_id),
                to: to.to_owned(),
                kind,
                rendered,
            },
        )
        .await
    }

    /// To the owner of an account that just locked.
    pub async fn account_locked<C: ConnectionTrait>(
        &self,
        conn: &C,
        account: &user::Model,
        failures: u64,
        lock: Duration,
    ) -> AppResult<()> {
        let rendered =
            templates::account_locked(self.mailer.site(), &account.username, failures, lock);
        self.queue(
            conn,
            account.id,
            &account.email,
            MailKind::AccountLocked,
            rendered,
        )
        .await?;
        Ok(())
    }

    /// Whether another security notice may go out this hour.
    async fn security_budget(&self) -> AppResult<bool> {
        let hit = self
            .backends
            .counters
            .hit("mailnotice:security", Duration::from_secs(3600))
            .await?;
        if hit.count > SECURITY_PER_HOUR {
            tracing::warn!("security notice not mailed: {SECURITY_PER_HOUR} this hour already");
            return Ok(false);
        }
        Ok(true)
    }

    /// Suspicious activity, to the admins who want security notices.
    pub async fn security<C: ConnectionTrait>(&self, conn: &C, what: &str) -> AppResult<()> {
        if !self.security_budget().await? {
            return Ok(());
        }
        for (id, email, name) in admins(conn).await? {
            let rendered = templates::suspicious_activity(self.mailer.site(), &name, what);
            self.queue(conn, id, &email, MailKind::SuspiciousActivity, rendered)
                .await?;
        }
        Ok(())
    }

    /// A new admin, to the admins who want security notices (the new one included).
    pub async fn new_admin<C: ConnectionTrait>(
        &self,
        conn: &C,
        who: &str,
        by: &str,
    ) -> AppResult<()> {
        if !self.security_budget().await? {
            return Ok(());
        }
        for (id, email, name) in admins(conn).await? {
            let rendered = templates::new_admin(self.mailer.site(), &name, who, by);
            self.queue(conn, id, &email, MailKind::NewAdmin, rendered)
                .await?;
        }
        Ok(())
    }

    /// A panel shared with `recipient`, unless they turned these notices off.
    pub async fn panel_shared<C: ConnectionTrait>(
        &self,
        conn: &C,
        recipient: i32,
        by: &str,
        panel: &str,
        permission: &str,
    ) -> AppResult<()> {
        let Some(to) = user::Entity::find_by_id(recipient).one(conn).await? else {
            return Ok(());
        };
        if !to.notify_shares || !to.is_active {
            return Ok(());
        }
        let rendered =
            templates::panel_shared(self.mailer.site(), &to.username, by, panel, permission);
        self.queue(conn, to.id, &to.email, MailKind::PanelShared, rendered)
            .await?;
        Ok(())
    }
}
