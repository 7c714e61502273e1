//! Account types of the API. Rows are not API types: the password hash can not leak.

use crate::services::api_tokens::TokenView;
use async_graphql::{ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};
use shared::{Role, TimeFormat};

use crate::auth::SessionRecord;
use crate::graphql::node::{Kind, global_id};
use crate::services::accounts::AccountView;

/// An account. Personal fields are decrypted for the owner and for admins.
#[derive(SimpleObject, Clone)]
pub struct User {
    /// The global id (see `Node`).
    #[graphql(owned)]
    pub id: ID,
    /// The account's number in this server's database.
    pub database_id: i32,
    /// Unique login name: 3 to 80 letters, digits, `.`, `_` or `-` (matched case-insensitively at
    /// login).
    pub username: String,
    /// E-mail address, lower-cased (only the user themself and admins see `User` objects).
    pub email: String,
    /// What the account may do.
    pub role: Role,
    /// IANA time zone the user chose ("UTC" until they choose).
    pub timezone: String,
    /// How the web app shows clock times to this user.
    pub time_format: TimeFormat,
    /// Given name (encrypted at rest); null when not given.
    pub first_name: Option<String>,
    /// Family name (encrypted at rest); null when not given.
    pub last_name: Option<String>,
    /// Organisation (encrypted at rest); null when not given.
    pub organization: Option<String>,
    /// False once an admin deactivated the account: it can not log in and its tokens are revoked.
    pub is_active: bool,
    /// True after an admin reset the password (or when an import from Flask asked for it): until
    /// `changePassword`, every operation but `me`, `changePassword` and `logout` is FORBIDDEN with
    /// `reason: password_change_required`.
    pub must_change_password: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The last successful login; null if the user never logged in.
    pub last_login: Option<DateTime<Utc>>,
    /// Successful logins so far.
    pub login_count: i32,
    /// Failed logins since the last successful one; reaching `MAX_LOGIN_ATTEMPTS` locks the
    /// account.
    pub failed_login_attempts: i32,
    /// Until when a login lockout lasts; null when the account is not locked (`unlockUser` lifts
    /// it).
    pub locked_until: Option<DateTime<Utc>>,
    /// The e-mail address is confirmed (by its link, a password reset, or an admin).
    pub is_verified: bool,
    /// When the admin-set temporary password stops working, while one is in force.
    pub temporary_password_expires_at: Option<DateTime<Utc>>,
    /// E-mail notices of security events (for admins: suspicious activity, new admins).
    pub notify_security: bool,
    /// An e-mail when a panel is shared with this user.
    pub notify_shares: bool,
}

impl From<AccountView> for User {
    fn from(a: AccountView) -> Self {
        Self {
            id: global_id(Kind::User, a.id),
            database_id: a.id,
            username: a.username,
            email: a.email,
            role: a.role,
            timezone: a.timezone,
            time_format: a.time_format,
            first_name: a.profile.first_name,
            last_name: a.profile.last_name,
            organization: a.profile.organization,
            is_active: a.is_active,
            must_change_password: a.must_change_password,
            created_at: a.created_at,
            last_login: a.last_login,
            login_count: a.login_count,
            failed_login_attempts: a.failed_login_attempts,
            locked_until: a.locked_until,
            is_verified: a.is_verified,
            temporary_password_expires_at: a.temporary_password_expires_at,
            notify_security: a.notify_security,
            notify_shares: a.notify_shares,
        }
    }
}

/// A new account (role USER).
#[derive(InputObject)]
pub struct RegisterInput {
    /// 3 to 80 letters, digits, `.`, `_` or `-`; VALIDATION (`field: username`) otherwise,
    /// CONFLICT when taken.
    pub username: String,
    /// A valid e-mail address, at most 120 characters; stored lower-cased.
    pub email: String,
    /// 8 to 1024 characters, not one of the most common passwords, not the username or e-mail
    /// (VALIDATION with `field: password` naming the rule).
    #[graphql(secret)]
    pub password: String,
    /// The browser's detected IANA zone; "UTC" when absent.
    pub timezone: Option<String>,
}

/// Credentials for `login`.
#[derive(InputObject)]
pub struct LoginInput {
    /// Username or e-mail.
    pub login: String,
    /// The account's password.
    #[graphql(secret)]
    pub password: String,
}

/// The current password and the new one.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now; a wrong one counts as a failed login.
    #[graphql(secret)]
    pub current_password: String,
    /// The new password, under the same rules as at registration (8 to 1024 characters, not common,
    /// not the username or e-mail).
    #[graphql(secret)]
    pub new_password: String,
}

/// Absent fields stay as they are; `null` clears a personal field.
#[derive(InputObject)]
pub struct ProfileInput {
    /// Given name, at most 200 characters; null clears it.
    pub first_name: MaybeUndefined<String>,
    /// Family name, at most 200 characters; null clears it.
    pub last_name: MaybeUndefined<String>,
    /// Organisation, at most 200 characters; null clears it.
    pub organization: MaybeUndefined<String>,
    /// An IANA time zone name (`Europe/London`); VALIDATION for an unknown one. Absent: unchanged.
    pub timezone: Option<String>,
    /// 24- or 12-hour clock. Absent: unchanged.
    pub time_format: Option<TimeFormat>,
}

/// The result of `register` or `login`; the session itself is an HttpOnly cookie.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The logged-in account.
    pub user: User,
}

/// A browser session of the current user.
#[derive(SimpleObject)]
pub struct Session {
    /// Opaque id to revoke it with.
    pub id: ID,
    /// The session this request uses.
    pub current: bool,
    /// When the session started (login).
    pub created_at: DateTime<Utc>,
    /// The last request of the session (updated at most every 30 seconds).
    pub last_seen_at: DateTime<Utc>,
    /// When it ends at the latest; a session idle for `SESSION_TIMEOUT` seconds ends earlier.
    pub expires_at: DateTime<Utc>,
    /// The address it logged in from; null when unknown.
    pub ip: Option<String>,
    /// The browser's `User-Agent` at login; null when none was sent.
    pub user_agent: Option<String>,
}

impl Session {
    pub fn new(key: String, record: SessionRecord, current: bool) -> Self {
        Self {
            id: ID(key),
            current,
            created_at: record.created_at,
            last_seen_at: record.last_seen_at,
            expires_at: record.expires_at,
            ip: record.ip,
            user_agent: record.user_agent,
        }
    }
}

/// A personal access token (never its secret).
#[derive(SimpleObject)]
pub struct ApiToken {
    /// The global id (see `Node`), for `revokeApiToken`.
    #[graphql(owned)]
    pub id: ID,
    /// The name given at creation (1 to 100 characters).
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last authenticated a request; null if never used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working; null: it does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked (by its owner, a password change, reset or deactivation); null while not
    /// revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Usable now: not revoked and not expired.
    pub active: bool,
    /// What the token may be used for.
    pub scopes: Vec<shared::TokenScope>,
}

impl From<TokenView> for ApiToken {
    fn from(t: TokenView) -> Self {
        Self {
            id: global_id(Kind::ApiToken, t.id),
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            active: t.active,
            scopes: t.scopes,
        }
    }
}

/// A new token: the secret is shown this once.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    /// The new token's id.
    pub id: ID,
    /// The secret (`pmt_…`) to send as `Authorization: Bearer <secret>`. Shown only here: it is
    /// stored as a hash and can not be read again.
    pub secret: String,
    /// The token as `apiTokens` lists it.
    pub token: ApiToken,
}

pub fn maybe(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
