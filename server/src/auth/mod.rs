//! Who is calling: a browser session (HttpOnly cookie), an API token (`Authorization: Bearer`)
//! or an anonymous visitor (a visitor cookie, so uploads survive page loads).

pub mod cookies;
pub mod limits;
pub mod permissions;
pub mod principal;
pub mod sessions;
pub mod tokens;

use chrono::Utc;
use entity::{api_tokens, user};
use http::HeaderMap;
use sea_orm::EntityTrait;

use crate::error::{AppError, AppResult};

pub use principal::{Account, AuditCounter, Principal};
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

/// The `Authorization: Bearer <token>` value, if the header is one (one token, no spaces).
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then(|| token.to_owned())
}

/// Who is calling: a session cookie or an API token read into a Principal, and read again for long-lived connections. Built once with the state.
#[derive(Clone)]
pub struct Authenticator {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) sessions: sessions::Sessions,
    pub(crate) tokens: tokens::Tokens,
    /// The session store, read directly to see a session end.
    pub(crate) backends: crate::backend::Backends,
}

impl Authenticator {
    async fn active_user(&self, id: i32) -> AppResult<Option<user::Model>> {
        let found = user::Entity::find_by_id(id).one(&self.db).await?;
        Ok(found.filter(|u| u.is_active))
    }

    /// Resolves the caller from the request headers. A bearer token that is not valid is an
    /// error (scripts must learn their token is wrong); a stale session cookie is not (the
    /// browser is simply logged out).
    /// `visitor` is the anonymous principal of the request (its origin and visitor cookie); the
    /// answer is that principal signed in, or unchanged.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        visitor: &Principal,
    ) -> AppResult<Principal> {
        Ok(match self.account(headers).await? {
            Some(account) => visitor.with_account(account),
            None => visitor.clone(),
        })
    }

    async fn account(&self, headers: &HeaderMap) -> AppResult<Option<Account>> {
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
            let token = self.tokens.verify(&secret).await?;
            let user = self.active_user(token.user_id).await?.ok_or_else(|| {
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
            return Ok(Some(Account::new(&user, via)));
        }
        let Some(cookie) = cookies::read(headers, cookies::SESSION) else {
            return Ok(None);
        };
        let Some((key, record)) = self.sessions.load(&cookie).await? else {
            return Ok(None);
        };
        match self.active_user(record.user_id).await? {
            Some(user) => Ok(Some(Account::new(&user, AuthVia::Session { key }))),
            None => {
                // Deactivated or deleted since login: the session is void.
                self.sessions.revoke(&key, record.user_id).await?;
                Ok(None)
            }
        }
    }

    /// Checks that a principal's identity still holds: the session (or API token) is alive and the
    /// account active. The result is the principal as the account stands now (role,
    /// `must_change_password`), or UNAUTHENTICATED naming why (`reason`: `session_ended`,
    /// `token_revoked`, `deactivated`). A visitor stays a visitor. The outer error is trouble
    /// reaching the stores, which proves nothing either way.
    pub async fn refresh(&self, principal: &Principal) -> AppResult<Result<Principal, AppError>> {
        let Some(account) = principal.signed_in() else {
            return Ok(Ok(principal.clone()));
        };
        let ended = |reason: &str, message: &str| {
            Ok(Err(AppError::new(
                shared::ErrorCode::Unauthenticated,
                message,
            )
            .with("reason", reason)))
        };
        match account.via() {
            AuthVia::Session { key } => {
                let record = self
                    .backends
                    .sessions
                    .get(key)
                    .await?
                    .and_then(|bytes| serde_json::from_slice::<SessionRecord>(&bytes).ok());
                let live =
                    record.is_some_and(|r| r.user_id == account.id() && r.expires_at > Utc::now());
                if !live {
                    return ended("session_ended", "your session has ended; log in again");
                }
            }
            AuthVia::Token { id, .. } => {
                let token = api_tokens::Entity::find_by_id(*id).one(&self.db).await?;
                let live = token.is_some_and(|t| {
                    t.user_id == account.id()
                        && t.revoked_at.is_none()
                        && t.expires_at.is_none_or(|e| e > Utc::now())
                });
                if !live {
                    return ended(
                        "token_revoked",
                        "the API token is invalid, expired or revoked",
                    );
                }
            }
        }
        match self.active_user(account.id()).await? {
            Some(row) => Ok(Ok(
                principal.with_account(Account::new(&row, account.via().clone()))
            )),
            None => ended("deactivated", "the account is deactivated"),
        }
    }
}
