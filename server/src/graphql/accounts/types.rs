//! Account types of the API. Rows are not API types: the password hash can not leak.

use async_graphql::{ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{api_tokens, user};
use shared::{Role, TimeFormat};

use crate::auth::SessionRecord;
use crate::services::accounts::Profile;

/// An account. Personal fields are decrypted for the owner and for admins.
#[derive(SimpleObject, Clone)]
pub struct User {
    pub id: ID,
    pub username: String,
    pub email: String,
    pub role: Role,
    /// IANA time zone the user chose ("UTC" until they choose).
    pub timezone: String,
    pub time_format: TimeFormat,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub is_active: bool,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    pub login_count: i32,
    pub failed_login_attempts: i32,
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

impl User {
    pub fn from_row(row: &user::Model, profile: Profile) -> Self {
        Self {
            id: ID(row.id.to_string()),
            username: row.username.clone(),
            email: row.email.clone(),
            role: row.role,
            timezone: row.timezone_preference.clone(),
            time_format: row.time_format_preference,
            first_name: profile.first_name,
            last_name: profile.last_name,
            organization: profile.organization,
            is_active: row.is_active,
            must_change_password: row.must_change_password,
            created_at: row.created_at,
            last_login: row.last_login,
            login_count: row.login_count,
            failed_login_attempts: row.failed_login_attempts,
            locked_until: row.locked_until.filter(|t| *t > Utc::now()),
            is_verified: row.is_verified,
            temporary_password_expires_at: row
                .temp_password_expires_at
                .filter(|_| row.must_change_password),
            notify_security: row.notify_security,
            notify_shares: row.notify_shares,
        }
    }
}

#[derive(InputObject)]
pub struct RegisterInput {
    pub username: String,
    pub email: String,
    #[graphql(secret)]
    pub password: String,
    /// The browser's detected IANA zone; "UTC" when absent.
    pub timezone: Option<String>,
}

#[derive(InputObject)]
pub struct LoginInput {
    /// Username or e-mail.
    pub login: String,
    #[graphql(secret)]
    pub password: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    #[graphql(secret)]
    pub current_password: String,
    #[graphql(secret)]
    pub new_password: String,
}

/// Absent fields stay as they are; `null` clears a personal field.
#[derive(InputObject)]
pub struct ProfileInput {
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub organization: MaybeUndefined<String>,
    pub timezone: Option<String>,
    pub time_format: Option<TimeFormat>,
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub user: User,
}

/// A browser session of the current user.
#[derive(SimpleObject)]
pub struct Session {
    /// Opaque id to revoke it with.
    pub id: ID,
    /// The session this request uses.
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
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
    pub id: ID,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub active: bool,
    /// What the token may be used for.
    pub scopes: Vec<shared::TokenScope>,
}

impl From<api_tokens::Model> for ApiToken {
    fn from(row: api_tokens::Model) -> Self {
        let active = row.revoked_at.is_none() && row.expires_at.is_none_or(|e| e > Utc::now());
        Self {
            id: ID(row.id.to_string()),
            name: row.name,
            prefix: row.token_prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            active,
            scopes: crate::auth::tokens::Scopes::parse(&row.scopes).list(),
        }
    }
}

/// A new token: the secret is shown this once.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    pub id: ID,
    pub secret: String,
    pub token: ApiToken,
}

pub fn maybe(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
