//! What a resolver knows about the request it serves, and the capability checks that gate it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use http::HeaderValue;

use crate::auth::permissions::{Action, Permit};
use crate::auth::{Account, AuditCounter, Principal};
use crate::error::{AppError, AppResult};
use crate::services::accounts::Accounts;
use crate::state::AppState;

/// How the operation arrived; mutations are refused over GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Get,
    Post,
    WebSocket,
}

/// The usernames of the people an answer names, read together: one query per batch instead of
/// one per person (an audit page's `user`, a version list's `createdBy`, changes' `changedBy`).
pub struct Usernames(Accounts);

impl Loader<i32> for Usernames {
    type Value = String;
    type Error = Arc<AppError>;

    async fn load(&self, ids: &[i32]) -> Result<HashMap<i32, String>, Self::Error> {
        self.0.usernames(ids.to_vec()).await.map_err(Arc::new)
    }
}

/// The request's [`Usernames`] loader, made when the answer first names someone.
#[derive(Default)]
pub struct People(OnceLock<DataLoader<Usernames>>);

impl std::fmt::Debug for People {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("People")
            .field("loading", &self.0.get().is_some())
            .finish()
    }
}

/// Per-request facts, attached as GraphQL request data by the HTTP layer.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub transport: Transport,
    /// Who is calling, from where (an account, or an anonymous visitor by cookie).
    pub principal: Principal,
    /// Where the caller stands against the request limits (for the `RateLimit` headers).
    pub quota: Option<crate::auth::limits::Quota>,
    /// `Set-Cookie` values resolvers want on the response (login, logout).
    pub set_cookies: Arc<Mutex<Vec<HeaderValue>>>,
    /// Set when the request holds a mutation (the API_ACCESS audit samples only reads).
    pub writes: Arc<std::sync::atomic::AtomicBool>,
    /// Usernames read for this request (see [`Usernames`]).
    people: Arc<People>,
}

impl RequestContext {
    /// The context of an anonymous request from `ip` (the visitor cookie, if any, given
    /// later with [`Self::with_visitor`]; the account once authenticated).
    pub fn new(transport: Transport, ip: Option<IpAddr>, user_agent: Option<String>) -> Self {
        Self {
            transport,
            principal: Principal::visitor(None).from_request(
                ip,
                user_agent,
                AuditCounter::default(),
            ),
            quota: None,
            set_cookies: Arc::default(),
            writes: Arc::default(),
            people: Arc::default(),
        }
    }

    /// The context of one operation on a WebSocket: `principal` as it stands now, with a
    /// fresh audit counter.
    pub fn for_operation(transport: Transport, principal: &Principal) -> Self {
        Self {
            transport,
            principal: principal.clone().from_request(
                principal.ip(),
                principal.user_agent().map(str::to_owned),
                AuditCounter::default(),
            ),
            quota: None,
            set_cookies: Arc::default(),
            writes: Arc::default(),
            people: Arc::default(),
        }
    }

    /// The username of account `id` (empty for an account since deleted), read together with
    /// the others this request asks for.
    pub async fn username(&self, state: &AppState, id: i32) -> AppResult<String> {
        let loader = self
            .people
            .0
            .get_or_init(|| DataLoader::new(Usernames(state.accounts.clone()), tokio::spawn));
        let name = loader.load_one(id).await.map_err(|e| (*e).clone())?;
        Ok(name.unwrap_or_default())
    }

    /// The same context for a known anonymous visitor.
    pub fn with_visitor(mut self, visitor_id: Option<String>) -> Self {
        let origin = &self.principal;
        self.principal = Principal::visitor(visitor_id).from_request(
            origin.ip(),
            origin.user_agent().map(str::to_owned),
            origin.counter().cloned().unwrap_or_default(),
        );
        self
    }

    /// Queues a `Set-Cookie` header for the HTTP response.
    pub fn set_cookie(&self, value: HeaderValue) {
        self.set_cookies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(value);
    }

    /// Who is calling.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Option<&Account> {
        self.principal.signed_in()
    }

    /// The audit rows committed for this request so far.
    pub fn audit_rows(&self) -> usize {
        self.principal.counter().map_or(0, AuditCounter::get)
    }
}

/// Typed access to the state, the request and its [`Principal`] from a resolver. The checks
/// are the principal's own ([`Principal::require`] and friends).
pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn request(&self) -> &RequestContext;

    /// Who is calling.
    fn principal(&self) -> &Principal {
        &self.request().principal
    }

    /// The signed-in account, or UNAUTHENTICATED; FORBIDDEN while a password change is due.
    fn require_user(&self) -> AppResult<&Account> {
        self.principal().require_user()
    }

    /// The signed-in account even while a password change is due (for `me`,
    /// `changePassword`, `logout`).
    fn require_login(&self) -> AppResult<&Account> {
        self.principal().require_login()
    }

    /// The role check of the permission table (`auth::permissions`) for `action`.
    fn require(&self, action: Action) -> AppResult<Permit> {
        self.principal().require(action)
    }

    /// Site administration, or UNAUTHENTICATED / FORBIDDEN.
    fn require_admin(&self) -> AppResult<&Account> {
        self.principal().require_admin()?;
        self.principal().require_user()
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
