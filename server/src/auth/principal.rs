//! The one answer to "who is calling": a [`Principal`] per request, job or command.
//!
//! Only authentication (this module's parent) turns a session or API token into an account
//! principal; the rest of the server can not make one up. Every service takes `&Principal`,
//! asks it for the permission it needs ([`Principal::require`], the role × action table of
//! [`super::permissions`] and the token's scopes) and hands it to the audit trail, which reads
//! who, from where and in which session from it.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use entity::user;
use shared::{Role, TokenScope};

use super::AuthVia;
use super::permissions::{self, Action, Permit};
use crate::error::{AppError, AppResult};

/// Counts the audit rows committed on behalf of one request, so the GraphQL layer knows
/// whether a failed operation still needs its own failure row.
#[derive(Debug, Clone, Default)]
pub struct AuditCounter(Arc<AtomicUsize>);

impl AuditCounter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl PartialEq for AuditCounter {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A signed-in account as loaded for this request (fresh from the database, so role changes
/// and deactivation take effect at once).
#[derive(Debug, Clone)]
pub struct Account {
    id: i32,
    username: String,
    role: Role,
    must_change_password: bool,
    via: AuthVia,
}

impl Account {
    pub(super) fn new(user: &user::Model, via: AuthVia) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            role: user.role,
            must_change_password: user.must_change_password,
            via,
        }
    }

    pub fn id(&self) -> i32 {
        self.id
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn must_change_password(&self) -> bool {
        self.must_change_password
    }

    /// How the account proved itself: a session or an API token.
    pub fn via(&self) -> &AuthVia {
        &self.via
    }

    /// The stored digest of the session cookie, for a browser session.
    pub fn session_key(&self) -> Option<&str> {
        match &self.via {
            AuthVia::Session { key } => Some(key),
            AuthVia::Token { .. } => None,
        }
    }

    /// The API token's id, for a script.
    pub fn token_id(&self) -> Option<i32> {
        match &self.via {
            AuthVia::Token { id, .. } => Some(*id),
            AuthVia::Session { .. } => None,
        }
    }

    /// FORBIDDEN when the caller is an API token without `scope` (browser sessions hold
    /// every scope their role allows).
    pub fn require_scope(&self, scope: TokenScope) -> AppResult<()> {
        match &self.via {
            AuthVia::Token { scopes, .. } if !scopes.contains(scope) => Err(AppError::forbidden(
                format!("this API token lacks the {scope} scope; create a token with it"),
            )
            .with("reason", "token_scope")
            .with("requiredScope", scope.as_str())),
            _ => Ok(()),
        }
    }

    /// FORBIDDEN while an admin-set or expired password must be changed first.
    fn require_password_current(&self) -> AppResult<()> {
        if self.must_change_password {
            return Err(AppError::forbidden("change your password first")
                .with("reason", "password_change_required"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Who {
    /// An anonymous visitor, with the id of their visitor cookie when they have one.
    Visitor { visitor_id: Option<String> },
    /// A signed-in account.
    Account(Account),
    /// Somebody proving who they are (a login, a reset or verification link): audit rows name
    /// the account, but it holds no more than a visitor until the proof is complete.
    Claimant {
        user_id: i32,
        username: String,
        visitor_id: Option<String>,
    },
    /// The server itself: a command at the shell or a scheduled job. The operator with shell
    /// access to the server and its database may do anything.
    System { what: String },
}

/// Who is calling, from where, with what rights. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Principal {
    who: Who,
    ip: Option<IpAddr>,
    user_agent: Option<String>,
    /// The share link presented with a saved-panel request, if any.
    link_token: Option<String>,
    counter: Option<AuditCounter>,
}

impl Principal {
    fn of(who: Who) -> Self {
        Self {
            who,
            ip: None,
            user_agent: None,
            link_token: None,
            counter: None,
        }
    }

    /// An anonymous visitor (the id of their visitor cookie, so their uploads survive page
    /// loads). A visitor holds only what the permission table grants anonymous callers.
    pub fn visitor(visitor_id: Option<String>) -> Self {
        Self::of(Who::Visitor { visitor_id })
    }

    /// The server itself, for commands at the shell and background jobs (`what` names them in
    /// the audit trail as `system:<what>`).
    pub(crate) fn system(what: &str) -> Self {
        Self::of(Who::System {
            what: what.to_owned(),
        })
    }

    /// [`Self::system`] for the integration tests' harness (built only with `test-support`,
    /// never in a release server).
    #[cfg(feature = "test-support")]
    pub fn test_harness(what: &str) -> Self {
        Self::system(what)
    }

    /// The operator at the shell acting as `user` (seeding demo data for named accounts): the
    /// account's own role and rights, audited as that account.
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn command_line_as(user: &user::Model) -> Self {
        Self::of(Who::Account(Account::new(
            user,
            AuthVia::Session { key: String::new() },
        )))
    }

    /// A test's signed-in account, without a session.
    #[cfg(test)]
    pub(crate) fn test_account(user: &user::Model) -> Self {
        Self::command_line_as(user)
    }

    /// The same request, now attributed to `user` who is proving who they are (login, a
    /// reset or verification link). Rights stay a visitor's.
    pub fn claimant(&self, user: &user::Model) -> Self {
        Self {
            who: Who::Claimant {
                user_id: user.id,
                username: user.username.clone(),
                visitor_id: self.visitor_id().map(str::to_owned),
            },
            ..self.clone()
        }
    }

    /// The principal a successful login makes of this request: `user` in the new session
    /// `session_key` (for the login's own audit row; later requests authenticate by cookie).
    pub(crate) fn logged_in(&self, user: &user::Model, session_key: &str) -> Self {
        Self {
            who: Who::Account(Account::new(
                user,
                AuthVia::Session {
                    key: session_key.to_owned(),
                },
            )),
            ..self.clone()
        }
    }

    /// The same principal with the request's origin attached.
    pub fn from_request(
        mut self,
        ip: Option<IpAddr>,
        user_agent: Option<String>,
        counter: AuditCounter,
    ) -> Self {
        self.ip = ip;
        self.user_agent = user_agent;
        self.counter = Some(counter);
        self
    }

    /// The same principal presenting a saved panel's share link.
    pub fn with_link_token(&self, token: Option<String>) -> Self {
        Self {
            link_token: token,
            ..self.clone()
        }
    }

    /// The same request as `account` (authenticated, or re-validated by [`super::refresh`]).
    pub(super) fn with_account(&self, account: Account) -> Self {
        Self {
            who: Who::Account(account),
            ..self.clone()
        }
    }

    /// The signed-in account, if any.
    pub fn signed_in(&self) -> Option<&Account> {
        match &self.who {
            Who::Account(account) => Some(account),
            _ => None,
        }
    }

    /// The account id of a signed-in caller.
    pub fn user_id(&self) -> Option<i32> {
        self.signed_in().map(Account::id)
    }

    /// The role of a signed-in caller (`None`: anonymous, a claimant or the server itself).
    pub fn role(&self) -> Option<Role> {
        self.signed_in().map(Account::role)
    }

    /// The signed-in account's id and role.
    pub fn account_role(&self) -> Option<(i32, Role)> {
        self.signed_in().map(|a| (a.id, a.role))
    }

    /// The account and role the permission table judges (the server itself counts as an
    /// admin).
    pub fn acting_role(&self) -> Option<(i32, Role)> {
        match &self.who {
            Who::Account(a) => Some((a.id, a.role)),
            Who::System { .. } => Some((0, Role::Admin)),
            _ => None,
        }
    }

    /// The anonymous visitor's id (their cookie).
    pub fn visitor_id(&self) -> Option<&str> {
        match &self.who {
            Who::Visitor { visitor_id } | Who::Claimant { visitor_id, .. } => visitor_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the caller can own anything (an account, or a visitor with a cookie).
    pub fn can_own(&self) -> bool {
        self.user_id().is_some() || self.visitor_id().is_some()
    }

    /// Whether this is the server itself.
    pub fn is_system(&self) -> bool {
        matches!(self.who, Who::System { .. })
    }

    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The address rate limits and IP blocks count against: the request's, or loopback when
    /// there is none (the server itself, the command line).
    pub fn client_ip(&self) -> IpAddr {
        self.ip.unwrap_or(IpAddr::from([127, 0, 0, 1]))
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    pub fn link_token(&self) -> Option<&str> {
        self.link_token.as_deref()
    }

    /// The audit counter of the request this principal acts in.
    pub fn counter(&self) -> Option<&AuditCounter> {
        self.counter.as_ref()
    }

    /// Who the audit trail names: the account (signed in or claimed), or `system:<what>`.
    pub fn audit_user(&self) -> (Option<i32>, Option<String>) {
        match &self.who {
            Who::Account(a) => (Some(a.id), Some(a.username.clone())),
            Who::Claimant {
                user_id, username, ..
            } => (Some(*user_id), Some(username.clone())),
            Who::System { what } => (None, Some(format!("system:{what}"))),
            Who::Visitor { .. } => (None, None),
        }
    }

    /// The session the audit trail names: the first 16 characters of the session digest.
    pub fn audit_session(&self) -> Option<String> {
        self.signed_in()
            .and_then(Account::session_key)
            .filter(|k| !k.is_empty())
            .map(|k| k.chars().take(16).collect())
    }

    /// The signed-in account, or UNAUTHENTICATED; FORBIDDEN while a password change is due.
    pub fn require_user(&self) -> AppResult<&Account> {
        let account = self.require_login()?;
        account.require_password_current()?;
        Ok(account)
    }

    /// The signed-in account even while a password change is due (for `me`,
    /// `changePassword`, `logout`).
    pub fn require_login(&self) -> AppResult<&Account> {
        self.signed_in().ok_or_else(AppError::unauthenticated)
    }

    /// The role check of the permission table for `action`: UNAUTHENTICATED for anonymous
    /// callers of account-only actions, FORBIDDEN naming the role needed otherwise, FORBIDDEN
    /// while a password change is due, and for an API token the scope the action needs.
    pub fn require(&self, action: Action) -> AppResult<Permit> {
        let permit = permissions::check(self.acting_role(), action)?;
        if let Some(account) = self.signed_in() {
            if !action.rule().anonymous {
                account.require_password_current()?;
            }
            account.require_scope(action.scope())?;
        }
        Ok(permit)
    }

    /// Site administration: the ADMIN role (or the server itself), else UNAUTHENTICATED /
    /// FORBIDDEN.
    pub fn require_admin(&self) -> AppResult<Permit> {
        if !self.is_system() {
            self.require_user()?;
        }
        self.require(Action::AdministerSite)
    }

    /// FORBIDDEN unless a signed-in caller has at least `role`.
    pub fn at_least(&self, role: Role) -> AppResult<()> {
        match self.role() {
            Some(mine) if mine >= role => Ok(()),
            Some(_) => Err(AppError::forbidden(format!(
                "this needs the {role} role or higher"
            ))),
            None => Err(AppError::unauthenticated()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(role: Role, must_change_password: bool) -> user::Model {
        let now = chrono::Utc::now();
        user::Model {
            id: 7,
            username: "ada".into(),
            email: "ada@example.org".into(),
            password_hash: String::new(),
            first_name: None,
            last_name: None,
            organization: None,
            role,
            is_active: true,
            is_verified: true,
            login_count: 0,
            last_login: None,
            created_at: now,
            updated_at: now,
            failed_login_attempts: 0,
            locked_until: None,
            last_failed_login: None,
            password_changed_at: None,
            timezone_preference: "UTC".into(),
            time_format_preference: shared::TimeFormat::default(),
            must_change_password,
            deactivated_at: None,
            temp_password_expires_at: None,
            notify_security: true,
            notify_shares: true,
        }
    }

    #[test]
    fn a_visitor_holds_only_anonymous_rights() {
        let visitor = Principal::visitor(Some("v1".into()));
        assert_eq!(visitor.user_id(), None);
        assert_eq!(visitor.visitor_id(), Some("v1"));
        assert!(visitor.can_own());
        let err = visitor.require(Action::AdministerSite).unwrap_err();
        assert_eq!(err.code, shared::ErrorCode::Unauthenticated);
        assert!(visitor.require(Action::BrowseCatalogue).is_ok());
    }

    #[test]
    fn a_claimant_is_named_in_the_audit_but_holds_a_visitors_rights() {
        let visitor = Principal::visitor(Some("v1".into()));
        let claimant = visitor.claimant(&model(Role::Admin, false));
        assert_eq!(claimant.audit_user(), (Some(7), Some("ada".into())));
        assert_eq!(claimant.user_id(), None);
        assert_eq!(claimant.visitor_id(), Some("v1"));
        assert!(claimant.require_admin().is_err());
    }

    #[test]
    fn a_due_password_change_blocks_account_actions_but_not_public_ones() {
        let p = Principal::test_account(&model(Role::Admin, true));
        assert!(p.require_login().is_ok());
        let err = p.require_user().unwrap_err();
        assert_eq!(err.code, shared::ErrorCode::Forbidden);
        assert!(p.require_admin().is_err());
        assert!(p.require(Action::BrowseCatalogue).is_ok());
    }

    #[test]
    fn roles_come_from_the_table_and_the_server_itself_is_an_admin() {
        let viewer = Principal::test_account(&model(Role::Viewer, false));
        let err = viewer.require_admin().unwrap_err();
        assert_eq!(err.code, shared::ErrorCode::Forbidden);
        assert!(viewer.at_least(Role::Viewer).is_ok());
        assert!(viewer.at_least(Role::Editor).is_err());
        let system = Principal::system("test");
        assert!(system.require_admin().is_ok());
        assert_eq!(system.audit_user(), (None, Some("system:test".into())));
        assert_eq!(system.user_id(), None);
    }
}
