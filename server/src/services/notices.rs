//! Notices by e-mail, queued in the transaction of the event they report: an account locked
//! (to its owner), suspicious activity and new admins (to every active admin who has not
//! turned them off), a panel shared with you (to the recipient, unless turned off). Security
//! notices are capped at [`SECURITY_PER_HOUR`] so an attack does not become a mail flood.

use std::time::Duration;

use entity::user;
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::MailKind;

use super::recovery::site;
use crate::error::AppResult;
use crate::mail::{self, Outgoing, templates};
use crate::state::AppState;

/// Security notices (suspicious activity, new admins) sent per hour at most.
pub const SECURITY_PER_HOUR: u64 = 20;

async fn queue<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    user_id: i32,
    to: &str,
    kind: MailKind,
    rendered: templates::Rendered,
) -> AppResult<i32> {
    mail::enqueue(
        conn,
        &state.mailer,
        &state.crypto,
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
    conn: &C,
    state: &AppState,
    account: &user::Model,
    failures: u64,
    lock: Duration,
) -> AppResult<()> {
    let rendered = templates::account_locked(site(state), &account.username, failures, lock);
    queue(
        conn,
        state,
        account.id,
        &account.email,
        MailKind::AccountLocked,
        rendered,
    )
    .await?;
    Ok(())
}

/// Whether another security notice may go out this hour.
async fn security_budget(state: &AppState) -> AppResult<bool> {
    let hit = state
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
pub async fn security<C: ConnectionTrait>(conn: &C, state: &AppState, what: &str) -> AppResult<()> {
    if !security_budget(state).await? {
        return Ok(());
    }
    for (id, email, name) in admins(conn).await? {
        let rendered = templates::suspicious_activity(site(state), &name, what);
        queue(
            conn,
            state,
            id,
            &email,
            MailKind::SuspiciousActivity,
            rendered,
        )
        .await?;
    }
    Ok(())
}

/// A new admin, to the admins who want security notices (the new one included).
pub async fn new_admin<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    who: &str,
    by: &str,
) -> AppResult<()> {
    if !security_budget(state).await? {
        return Ok(());
    }
    for (id, email, name) in admins(conn).await? {
        let rendered = templates::new_admin(site(state), &name, who, by);
        queue(conn, state, id, &email, MailKind::NewAdmin, rendered).await?;
    }
    Ok(())
}

/// A panel shared with `recipient`, unless they turned these notices off.
pub async fn panel_shared<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
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
    let rendered = templates::panel_shared(site(state), &to.username, by, panel, permission);
    queue(
        conn,
        state,
        to.id,
        &to.email,
        MailKind::PanelShared,
        rendered,
    )
    .await?;
    Ok(())
}

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
