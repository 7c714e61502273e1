//! What a resolver knows about the request it serves, and the capability checks that gate it.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use async_graphql::Context;
use http::HeaderValue;

use crate::auth::permissions::{self, Action, Permit};
use crate::auth::{AdminCap, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::services::Caller;
use crate::services::audit::{Actor, AuditCounter};
use crate::state::AppState;

/// How the operation arrived; mutations are refused over GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Get,
    Post,
    WebSocket,
}

/// Per-request facts, attached as GraphQL request data by the HTTP layer.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub transport: Transport,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// The logged-in user (session cookie or API token), if any.
    pub user: Option<CurrentUser>,
    /// The anonymous visitor id (cookie), so visitors' uploads survive page loads.
    pub visitor_id: Option<String>,
    /// Where the caller stands against the request limits (for the `RateLimit` headers).
    pub quota: Option<crate::auth::limits::Quota>,
    /// `Set-Cookie` values resolvers want on the response (login, logout).
    pub set_cookies: Arc<Mutex<Vec<HeaderValue>>>,
    /// Audit rows committed for this request.
    pub audit_counter: AuditCounter,
    /// Set when the request holds a mutation (the API_ACCESS audit samples only reads).
    pub writes: Arc<std::sync::atomic::AtomicBool>,
}

impl RequestContext {
    pub fn new(transport: Transport, ip: Option<IpAddr>, user_agent: Option<String>) -> Self {
        Self {
            transport,
            ip,
            user_agent,
            user: None,
            visitor_id: None,
            quota: None,
            set_cookies: Arc::default(),
            audit_counter: AuditCounter::default(),
            writes: Arc::default(),
        }
    }

    /// The same context for a known anonymous visitor.
    pub fn with_visitor(mut self, visitor_id: Option<String>) -> Self {
        self.visitor_id = visitor_id;
        self
    }

    /// Queues a `Set-Cookie` header for the HTTP response.
    pub fn set_cookie(&self, value: HeaderValue) {
        self.set_cookies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(value);
    }

    /// The actor for audit rows written on behalf of this request.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.as_ref().map(|u| u.id),
            username: self.user.as_ref().map(|u| u.username.clone()),
            ip: self.ip.map(|ip| ip.to_string()),
            user_agent: self.user_agent.clone(),
            session_id: self
                .user
                .as_ref()
                .and_then(|u| u.session_key())
                .map(|k| k.chars().take(16).collect()),
            counter: Some(self.audit_counter.clone()),
        }
    }

    pub fn caller(&self) -> Caller {
        Caller {
            user_id: self.user.as_ref().map(|u| u.id),
            visitor_id: self.visitor_id.clone(),
        }
    }

    /// The client address; loopback when unknown (in-process calls).
    pub fn client_ip(&self) -> IpAddr {
        self.ip.unwrap_or(IpAddr::from([127, 0, 0, 1]))
    }
}

/// Typed access to the state, the request and the caller's capabilities from a resolver.
pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn request(&self) -> &RequestContext;

    fn actor(&self) -> Actor {
        self.request().actor()
    }

    fn caller(&self) -> Caller {
        self.request().caller()
    }

    fn current_user(&self) -> Option<&CurrentUser> {
        self.request().user.as_ref()
    }

    /// The logged-in user, or UNAUTHENTICATED; FORBIDDEN while a password change is due.
    fn require_user(&self) -> AppResult<&CurrentUser> {
        let user = self.require_login()?;
        if user.must_change_password {
            return Err(AppError::forbidden("change your password first")
                .with("reason", "password_change_required"));
        }
        Ok(user)
    }

    /// The logged-in user even while a password change is due (for `me`, `changePassword`,
    /// `logout`).
    fn require_login(&self) -> AppResult<&CurrentUser> {
        self.current_user().ok_or_else(AppError::unauthenticated)
    }

    /// The role check of the permission table (`auth::permissions`) for `action`:
    /// UNAUTHENTICATED for anonymous callers of account-only actions, FORBIDDEN naming the role
    /// needed otherwise, and FORBIDDEN while a password change is due.
    fn require(&self, action: Action) -> AppResult<Permit> {
        let user = self.current_user();
        let permit = permissions::check(user.map(|u| (u.id, u.role)), action)?;
        if !action.rule().anonymous {
            self.require_user()?;
        }
        if let Some(user) = user {
            user.require_scope(action.scope())?;
        }
        Ok(permit)
    }

    /// The admin capability, or UNAUTHENTICATED / FORBIDDEN.
    fn require_admin(&self) -> AppResult<(&CurrentUser, AdminCap)> {
        let user = self.require_user()?;
        Ok((user, user.admin()?))
    }
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        // Both are attached by `build_schema` / the HTTP layer for every execution path.
        self.data_unchecked::<AppState>()
    }

    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }
}
