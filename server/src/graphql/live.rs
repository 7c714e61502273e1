//! Live subscriptions: [`guarded`], the one loop every subscription runs in (it ends the
//! subscription with an error when the caller's session ends, the account is deactivated or
//! its rights no longer allow it), and
//! `auditEvents`, the live audit feed for admins, fanned out across instances (a subscriber
//! too slow to keep up is told how many events it missed).

use async_graphql::{Context, ID, InputObject, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};

use futures::future::BoxFuture;
use futures::{Stream, StreamExt};

use shared::{AuditAction, Role};

use super::ContextExt;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::events::{Channel, Received};
use crate::services::admin::AccountChanged;
use crate::services::audit::AuditEvent as Event;
use crate::services::audit_log::FeedFilter;
use crate::state::AppState;

/// Which live events to receive; every field narrows.
#[derive(InputObject, Default, Clone)]
pub struct AuditEventFilter {
    /// Only these actions.
    pub actions: Option<Vec<AuditAction>>,
    /// Only actions of these accounts (user ids: global or the plain number).
    pub user_ids: Option<Vec<ID>>,
    /// Only successful (true) or only failed (false) actions.
    pub success: Option<bool>,
    /// Only security events (lockouts, IP blocks, denied access, ...).
    #[graphql(default)]
    pub security_only: bool,
}

impl AuditEventFilter {
    /// The filter with its user ids read (VALIDATION naming `userIds` for one that is not a
    /// user's, as the audit page's filter).
    fn into_feed(self) -> AppResult<FeedFilter> {
        let user_ids = self
            .user_ids
            .map(|ids| super::audit::user_ids(&ids))
            .transpose()?;
        Ok(FeedFilter {
            actions: self.actions,
            user_ids,
            success: self.success,
            security_only: self.security_only,
        })
    }
}

/// One live audit event.
#[derive(SimpleObject)]
pub struct AuditEvent {
    /// The global id of the audit entry it was recorded as (the `id` of that `AuditEntry` in
    /// `auditLog`; see `Node`).
    pub id: ID,
    /// What kind of action it was.
    pub action: AuditAction,
    /// The account that acted; null for anonymous visitors and the server's own jobs.
    pub user_id: Option<ID>,
    /// The username at the time; null for anonymous visitors.
    pub username: Option<String>,
    /// `type:id` of what it concerned, when anything.
    #[graphql(deprecation = "use resourceType and resourceId (as on AuditEntry)")]
    pub resource: Option<String>,
    /// What kind of thing it concerned, as on `AuditEntry`.
    pub resource_kind: Option<shared::AuditResourceKind>,
    /// The word the row records for its kind (`saved_panel`, `user`, `api_token`, …), as on
    /// `AuditEntry`.
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// What happened, in words.
    pub description: String,
    /// False for refused or failed actions.
    pub success: bool,
    /// The client's address.
    #[graphql(deprecation = "use ipAddress (as on AuditEntry)")]
    pub ip: Option<String>,
    /// The client's address.
    pub ip_address: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Whether the action is a security event (see `AuditAction`).
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
            id: super::node::global_id(super::node::Kind::AuditEntry, e.id),
            action: e.action,
            user_id: e
                .user_id
                .map(|u| super::node::global_id(super::node::Kind::User, u)),
            username: e.username,
            resource,
            resource_kind: super::audit::resource_kind(e.resource_type.as_deref()),
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            description: e.description,
            success: e.success,
            ip_address: e.ip.clone(),
            ip: e.ip,
            at: e.at,
            security_event: e.action.is_security_event(),
            missed_before,
        }
    }
}

/// What a live subscription checks again whenever its caller's account changes and every
/// `WS_RECHECK_INTERVAL`: given the caller as their account stands now, whether they may
/// still receive it.
pub type Authorise =
    Box<dyn Fn(AppState, Principal) -> BoxFuture<'static, AppResult<()>> + Send + Sync>;

/// A subscription that anyone may hear; only the caller's identity is re-checked.
pub fn anyone() -> Authorise {
    Box::new(|_, _| Box::pin(async { Ok(()) }))
}

/// A subscription for one role and above.
pub fn role_at_least(role: Role) -> Authorise {
    Box::new(move |_, principal| {
        Box::pin(async move {
            principal.require_user()?;
            principal
                .at_least(role)
                .map_err(|e| e.with("reason", "role_lost"))
        })
    })
}

/// The one loop every subscription runs in: relays `events` while the caller may listen.
/// Whenever the caller's account changes (logout, password change or reset, deactivation,
/// role change: [`AccountChanged`]) and every `WS_RECHECK_INTERVAL`, the identity is checked
/// again ([`crate::auth::Authenticator::refresh`]) and then `authorise`d; the first failure is sent as the
/// subscription's last item and ends it. Trouble reaching the stores ends nothing (the next
/// check decides).
pub async fn guarded<T, S>(
    ctx: &Context<'_>,
    authorise: Authorise,
    events: S,
) -> Result<impl Stream<Item = Result<T>> + use<T, S>>
where
    T: Send + 'static,
    S: Stream<Item = Result<T>> + Send + 'static,
{
    let state = ctx.state().clone();
    let mut principal = ctx.principal().clone();
    authorise(state.clone(), principal.clone()).await?;
    let accounts = match principal.user_id() {
        Some(_) => Some(
            state
                .events
                .subscribe::<AccountChanged>(Channel::Accounts)
                .await?,
        ),
        None => None,
    };
    let interval = state.settings.security.ws_recheck_interval;
    Ok(async_stream::stream! {
        let mut events = Box::pin(events);
        let mut accounts = accounts.map(Box::pin);
        let mut recheck = tokio::time::interval(interval);
        recheck.tick().await;
        loop {
            let check = tokio::select! {
                item = events.next() => match item {
                    Some(item) => {
                        // An error is a subscription's last word.
                        let failed = item.is_err();
                        yield item;
                        if failed {
                            break;
                        }
                        false
                    }
                    None => break,
                },
                change = async {
                    match accounts.as_mut() {
                        Some(a) => a.next().await,
                        None => std::future::pending().await,
                    }
                } => match change {
                    Some(Received::Event(c)) => principal.user_id() == Some(c.user_id),
                    Some(Received::Lagged(_)) => true,
                    None => {
                        accounts = None;
                        false
                    }
                },
                _ = recheck.tick() => true,
            };
            if !check {
                continue;
            }
            let fresh = match state.authenticator.refresh(&principal).await {
                Ok(Ok(fresh)) => fresh,
                Ok(Err(ended)) => {
                    yield Err(ended.into());
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e.message, "subscription re-check postponed");
                    continue;
                }
            };
            if let Err(e) = authorise(state.clone(), fresh.clone()).await {
                yield Err(e.into());
                break;
            }
            principal = fresh;
        }
    })
}

#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// Audit events as they are committed, on any instance (admins only). Ends with an error
    /// when the admin's session ends, the account is deactivated or the role is lost.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which events to receive; absent: every event.")] filter: Option<
            AuditEventFilter,
        >,
    ) -> Result<impl Stream<Item = Result<AuditEvent>> + use<>> {
        ctx.require_admin()?;
        let filter = filter.unwrap_or_default().into_feed()?;
        let feed = ctx
            .state()
            .audit_trail
            .feed(ctx.principal(), filter)
            .await?
            .map(|(e, missed)| Ok(AuditEvent::new(e, missed)));
        guarded(ctx, role_at_least(Role::Admin), feed).await
    }
}
