//! Who is calling: a browser session (HttpOnly cookie), an API token (`Authorization: Bearer`)
//! or an anonymous visitor (a visitor cookie, so uploads survive page loads).

pub mod cookies;
pub mod limits;
pub mod permissions;
pub mod sessions;
pub mod tokens;

use entity::user;
use http::HeaderMap;
use sea_orm::EntityTrait;
use shared::{Role, TokenScope};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub use sessions::SessionRecord;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthVia {
    /// A browser session; `key` is the stored digest of the cookie (never the cookie itself).
    Session { key: String },
    /// An API token, by id, with its scopes and expiry (a token mints nothing broader).
    Token {
        id: i32,
        scopes: tokens::Scopes,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// The authenticated user of a request, loaded fresh from the database each request so role
/// changes and deactivation take effect at once.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub role: Role,
    pub must_change_password: bool,
    pub via: AuthVia,
}

impl CurrentUser {
    pub fn session_key(&self) -> Option<&str> {
        match &self.via {
            AuthVia::Session { key } => Some(key),
            AuthVia::Token { .. } => None,
        }
    }
}

/// Proof of admin rights, required by admin-only services.
#[derive(Debug, Clone, Copy)]
pub struct AdminCap {
    pub user_id: i32,
}

impl AdminCap {
    /// The capability of the server's own command line (an operator with shell access).
    pub(crate) fn command_line() -> Self {
        Self { user_id: 0 }
    }
}

impl CurrentUser {
    /// The admin capability, or FORBIDDEN.
    pub fn admin(&self) -> AppResult<AdminCap> {
        self.require(permissions::Action::AdministerSite)?;
        Ok(AdminCap { user_id: self.id })
    }

    /// The role check of [`permissions::check`] for this user, and for an API token the
    /// scope the action needs.
    pub fn require(&self, action: permissions::Action) -> AppResult<permissions::Permit> {
        let permit = permissions::check(Some((self.id, self.role)), action)?;
        self.require_scope(action.scope())?;
        Ok(permit)
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

    /// FORBIDDEN unless the user has at least `role`.
    pub fn at_least(&self, role: Role) -> AppResult<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "this needs the {role} role or higher"
            )))
        }
    }
}

async fn active_user(state: &AppState, id: i32) -> AppResult<Option<user::Model>> {
    let found = user::Entity::find_by_id(id).one(&state.db).await?;
    Ok(found.filter(|u| u.is_active))
}

fn current(user: &user::Model, via: AuthVia) -> CurrentUser {
    CurrentUser {
        id: user.id,
        username: user.username.clone(),
        role: user.role,
        must_change_password: user.must_change_password,
        via,
    }
}

/// Resolves the caller from the request headers. A bearer token that is not valid is an
/// error (scripts must learn their token is wrong); a stale session cookie is not (the
/// browser is simply logged out).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> AppResult<Option<CurrentUser>> {
    if headers.contains_key(http::header::AUTHORIZATION) {
        // A script that sends an Authorization header means to authenticate: a value that is
        // not `Bearer <token>` is its mistake to hear about, not an anonymous request.
        let secret = bearer(headers).ok_or_else(|| {
            AppError::new(
                shared::ErrorCode::Unauthenticated,
                "the Authorization header must be `Bearer <API token>`",
            )
            .with("reason", "malformed_authorization")
        })?;
        let token = tokens::verify(state, &secret).await?;
        let user = active_user(state, token.user_id).await?.ok_or_else(|| {
            AppError::new(
                shared::ErrorCode::Unauthenticated,
                "the API token's account is deactivated",
            )
        })?;
        let via = AuthVia::Token {
            id: token.id,
            scopes: tokens::Scopes::parse(&token.scopes),
            expires_at: token.expires_at,
        };
        return Ok(Some(current(&user, via)));
    }
    let Some(cookie) = cookies::read(headers, cookies::SESSION) else {
        return Ok(None);
    };
    let Some((key, record)) = sessions::load(state, &cookie).await? else {
        return Ok(None);
    };
    match active_user(state, record.user_id).await? {
        Some(user) => Ok(Some(current(&user, AuthVia::Session { key }))),
        None => {
            // Deactivated or deleted since login: the session is void.
            sessions::revoke(state, &key, record.user_id).await?;
            Ok(None)
        }
    }
}

/// The `Authorization: Bearer <token>` value, if the header is one (one token, no spaces).
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then(|| token.to_owned())
}
