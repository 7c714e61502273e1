//! `auditEvents`: the live audit feed for admins, fanned out across instances. The stream ends
//! (with an error) when the admin's session ends, the account is deactivated or the role is
//! lost; a subscriber too slow to keep up is told how many events it missed.

use std::time::Duration;

use async_graphql::{Context, ID, InputObject, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entity::{api_tokens, user};
use futures::{Stream, StreamExt};
use sea_orm::EntityTrait;
use shared::{AuditAction, Role};

use super::ContextExt;
use crate::auth::{AuthVia, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::events::{Channel, Received};
use crate::services::admin::AccountChanged;
use crate::services::audit::AuditEvent as Event;
use crate::state::AppState;

/// How often a live subscription re-checks that its user may still listen.
pub const RECHECK_INTERVAL: Duration = Duration::from_secs(5);

/// Which live events to receive; every field narrows.
#[derive(InputObject, Default, Clone)]
pub struct AuditEventFilter {
    pub actions: Option<Vec<AuditAction>>,
    pub user_ids: Option<Vec<ID>>,
    pub success: Option<bool>,
    /// Only security events (lockouts, IP blocks, denied access, ...).
    #[graphql(default)]
    pub security_only: bool,
}

impl AuditEventFilter {
    fn matches(&self, e: &Event) -> bool {
        self.actions.as_ref().is_none_or(|a| a.contains(&e.action))
            && self.user_ids.as_ref().is_none_or(|ids| {
                e.user_id
                    .is_some_and(|u| ids.iter().any(|i| i.as_str() == u.to_string()))
            })
            && self.success.is_none_or(|s| s == e.success)
            && (!self.security_only || e.action.is_security_event())
    }
}

/// One live audit event.
#[derive(SimpleObject)]
pub struct AuditEvent {
    pub id: ID,
    pub action: AuditAction,
    pub user_id: Option<ID>,
    pub username: Option<String>,
    /// `type:id` of what it concerned, when anything.
    pub resource: Option<String>,
    pub description: String,
    pub success: bool,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
    pub security_event: bool,
    /// Events this subscriber missed just before this one because it read too slowly.
    pub missed_before: u64,
}

impl AuditEvent {
    fn new(e: Event, missed_before: u64) -> Self {
        let resource = match (&e.resource_type, &e.resource_id) {
            (Some(kind), Some(id)) => Some(format!("{kind}:{id}")),
            (Some(kind), None) => Some(kind.clone()),
            _ => None,
        };
        Self {
            id: ID(e.id.to_string()),
            action: e.action,
            user_id: e.user_id.map(|u| ID(u.to_string())),
            username: e.username,
            resource,
            description: e.description,
            success: e.success,
            ip: e.ip,
            at: e.at,
            security_event: e.action.is_security_event(),
            missed_before,
        }
    }
}

/// Whether `user` may still receive admin events: the session (or token) is alive and the
/// account is an active admin.
async fn still_admin(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    match &user.via {
        AuthVia::Session { key } => {
            if state.backends.sessions.get(key).await?.is_none() {
                return Err(AppError::unauthenticated().with("reason", "session_ended"));
            }
        }
        AuthVia::Token { id } => {
            let token = api_tokens::Entity::find_by_id(*id).one(&state.db).await?;
            let live = token.is_some_and(|t| {
                t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > Utc::now())
            });
            if !live {
                return Err(AppError::unauthenticated().with("reason", "token_revoked"));
            }
        }
    }
    let row = user::Entity::find_by_id(user.id).one(&state.db).await?;
    match row {
        Some(u) if u.is_active && u.role == Role::Admin => Ok(()),
        Some(u) if !u.is_active => Err(AppError::unauthenticated().with("reason", "deactivated")),
        _ => Err(AppError::forbidden("the ADMIN role was removed").with("reason", "role_lost")),
    }
}

#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// Audit events as they are committed, on any instance (admins only).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
    ) -> Result<impl Stream<Item = Result<AuditEvent>> + use<>> {
        let (user, _) = ctx.require_admin()?;
        let user = user.clone();
        let state = ctx.state().clone();
        let filter = filter.unwrap_or_default();
        let events = state.events.subscribe::<Event>(Channel::Audit).await?;
        let accounts = state
            .events
            .subscribe::<AccountChanged>(Channel::Accounts)
            .await?;
        Ok(async_stream::stream! {
            let mut events = Box::pin(events);
            let mut accounts = Box::pin(accounts);
            let mut recheck = tokio::time::interval(RECHECK_INTERVAL);
            recheck.tick().await;
            let mut missed = 0u64;
            loop {
                let check = tokio::select! {
                    event = events.next() => match event {
                        Some(Received::Event(e)) => {
                            if filter.matches(&e) {
                                yield Ok(AuditEvent::new(e, std::mem::take(&mut missed)));
                            }
                            false
                        }
                        Some(Received::Lagged(n)) => {
                            missed += n;
                            false
                        }
                        None => break,
                    },
                    change = accounts.next() => match change {
                        Some(Received::Event(c)) => c.user_id == user.id,
                        Some(Received::Lagged(_)) => true,
                        None => break,
                    },
                    _ = recheck.tick() => true,
                };
                if check && let Err(e) = still_admin(&state, &user).await {
                    yield Err(e.into());
                    break;
                }
            }
        })
    }
}
