//! User accounts: creation (registration and the first admin) with validated fields, and the
//! encrypted profile.

use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, ErrorCode, Role, TimeFormat};

use super::audit::AuditRecord;
use super::passwords;
use crate::auth::Principal;
use crate::crypto::Binding;
use crate::error::{AppError, AppResult, OrInternal};

pub const MAX_USERNAME_LEN: usize = 80;
pub const MAX_EMAIL_LEN: usize = 120;
pub const MAX_PROFILE_FIELD_LEN: usize = 200;

/// A validated username: 3–80 letters, digits, `.`, `_` or `-`.
pub fn parse_username(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    let len = name.chars().count();
    if !(3..=MAX_USERNAME_LEN).contains(&len) {
        return Err(AppError::invalid_field(
            "username",
            format!("must be 3 to {MAX_USERNAME_LEN} characters"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::invalid_field(
            "username",
            "may contain only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(name.to_owned())
}

/// A validated, lower-cased e-mail address.
pub fn parse_email(raw: &str) -> AppResult<String> {
    let email = raw.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_LEN {
        return Err(AppError::invalid_field(
            "email",
            format!("must be at most {MAX_EMAIL_LEN} characters"),
        ));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        return Err(AppError::invalid_field(
            "email",
            "is not a valid e-mail address",
        ));
    }
    Ok(email)
}

/// A validated IANA time zone name.
pub fn parse_timezone(raw: &str) -> AppResult<String> {
    let tz = raw.trim();
    tz.parse::<chrono_tz::Tz>()
        .map(|zone| zone.name().to_owned())
        .map_err(|_| {
            AppError::invalid_field("timezone", format!("{tz:?} is not an IANA time zone"))
        })
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub role: Role,
    pub timezone: Option<String>,
}

/// The usernames of the accounts `ids` (one statement; none for no ids).
pub async fn usernames<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i32>,
) -> AppResult<std::collections::HashMap<i32, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect())
}

/// The account `id`, or NOT_FOUND naming it.
pub async fn load_user<C: ConnectionTrait>(conn: &C, id: i32) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {id}")))
}

/// Finds a user by username (case-insensitive) or e-mail.
pub async fn find_by_login<C: ConnectionTrait>(
    conn: &C,
    login: &str,
) -> AppResult<Option<user::Model>> {
    let lower = login.trim().to_lowercase();
    Ok(user::Entity::find()
        .filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(user::Column::Username))).eq(lower.clone()))
                .add(user::Column::Email.eq(lower)),
        )
        .one(conn)
        .await?)
}

/// The answer when the e-mail address is taken: it does not say the address has an account.
fn email_unavailable() -> AppError {
    AppError::conflict(
        "this username or e-mail address can not be used for a new account; \
         if you already have an account, log in",
    )
}

/// The decrypted personal fields of an account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
}

impl Profile {
    /// First and last name as one ("Bobby Tables"); `None` when neither was given.
    pub fn display_name(self) -> Option<String> {
        let name = [self.first_name, self.last_name]
            .into_iter()
            .flatten()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    }
}

/// An account as its owner and admins see it: personal fields decrypted, never the password
/// hash; a lockout or a temporary password only while it is in force.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    pub id: i32,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub timezone: String,
    pub time_format: TimeFormat,
    pub profile: Profile,
    pub is_active: bool,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    pub login_count: i32,
    pub failed_login_attempts: i32,
    /// Until when a lockout lasts; `None` when the account is not locked now.
    pub locked_until: Option<DateTime<Utc>>,
    pub is_verified: bool,
    /// When the admin-set temporary password stops working, while one is in force.
    pub temporary_password_expires_at: Option<DateTime<Utc>>,
    pub notify_security: bool,
    pub notify_shares: bool,
}

const PROFILE_FIELDS: [&str; 3] = ["first_name", "last_name", "organization"];

fn binding<'a>(column: &'a str, row: &'a str) -> Binding<'a> {
    Binding {
        table: "user",
        column,
        row,
    }
}

/// A profile change: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileChanges {
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub organization: Option<Option<String>>,
    pub timezone: Option<String>,
    pub time_format: Option<TimeFormat>,
}

fn clean_field(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_PROFILE_FIELD_LEN {
        return Err(AppError::invalid_field(
            field,
            format!("must be at most {MAX_PROFILE_FIELD_LEN} characters"),
        ));
    }
    Ok(Some(v))
}

/// Accounts: registration, profiles and who may see whom. Built once with the state.
#[derive(Clone)]
pub struct Accounts {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) audit: super::audit::Audit,
    pub(crate) crypto: std::sync::Arc<crate::crypto::Encryptor>,
    pub(crate) passwords: super::passwords::Passwords,
    pub(crate) mailer: std::sync::Arc<crate::mail::Mailer>,
    pub(crate) limits: crate::auth::limits::Limits,
    pub(crate) security: crate::config::SecuritySettings,
    pub(crate) email_addresses: super::email_address::EmailAddresses,
}

/// A new account's row, active and unverified, with every column said: none is left to the
/// database's defaults, which an `INSERT … RETURNING` on SQLite once gave back as NULL for
/// `notify_security` (added with a default by migration 000024) and so failed the insert.
/// Every way an account is made (sign-up, an admin, the Flask import, `seed-scale`) starts
/// from it.
pub fn new_user_row(
    username: String,
    email: String,
    password_hash: String,
    role: Role,
    now: DateTime<Utc>,
) -> user::ActiveModel {
    user::ActiveModel {
        id: NotSet,
        username: Set(username),
        email: Set(email),
        password_hash: Set(password_hash),
        first_name: Set(None),
        last_name: Set(None),
        organization: Set(None),
        role: Set(role),
        is_active: Set(true),
        is_verified: Set(false),
        login_count: Set(0),
        last_login: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        failed_login_attempts: Set(0),
        locked_until: Set(None),
        last_failed_login: Set(None),
        password_changed_at: Set(Some(now)),
        timezone_preference: Set("UTC".to_owned()),
        time_format_preference: Set(TimeFormat::H24),
        must_change_password: Set(false),
        deactivated_at: Set(None),
        temp_password_expires_at: Set(None),
        notify_security: Set(true),
        notify_shares: Set(true),
    }
}

impl AccountView {
    /// A user row as the API shows it (its profile decrypted).
    pub(crate) fn of(crypto: &crate::crypto::Encryptor, row: &user::Model) -> AppResult<Self> {
        let now = Utc::now();
        Ok(AccountView {
            id: row.id,
            username: row.username.clone(),
            email: row.email.clone(),
            role: row.role,
            timezone: row.timezone_preference.clone(),
            time_format: row.time_format_preference,
            profile: profile_of(crypto, row)?,
            is_active: row.is_active,
            must_change_password: row.must_change_password,
            created_at: row.created_at,
            last_login: row.last_login,
            login_count: row.login_count,
            failed_login_attempts: row.failed_login_attempts,
            locked_until: row.locked_until.filter(|t| *t > now),
            is_verified: row.is_verified,
            temporary_password_expires_at: row
                .temp_password_expires_at
                .filter(|_| row.must_change_password),
            notify_security: row.notify_security,
            notify_shares: row.notify_shares,
        })
    }
}

/// Decrypts the profile of a user row.
fn profile_of(crypto: &crate::crypto::Encryptor, user: &user::Model) -> AppResult<Profile> {
    let row = user.id.to_string();
    let open = |column: &str, value: &Option<String>| {
        crypto
            .decrypt_opt(value.as_deref(), binding(column, &row))
            .or_internal("profile decrypt")
    };
    Ok(Profile {
        first_name: open(PROFILE_FIELDS[0], &user.first_name)?,
        last_name: open(PROFILE_FIELDS[1], &user.last_name)?,
        organization: open(PROFILE_FIELDS[2], &user.organization)?,
    })
}

impl Accounts {
    /// Self-registration from `ip`: refused while the IP is blocked; a taken username or e-mail
    /// address counts against the IP's brute-force budget (BRUTE_FORCE_THRESHOLD) like a failed
    /// login, so addresses can not be probed in bulk.
    pub async fn register(&self, principal: &Principal, new: NewUser) -> AppResult<AccountView> {
        let ip = principal.client_ip();
        if let Some(wait) = self.limits.ip_block(ip).await? {
            let record =
                AuditRecord::new(AuditAction::Register, "registration refused: IP blocked")
                    .failed("ip blocked");
            self.audit.record(&self.db, principal, record).await?;
            return Err(AppError::rate_limited(wait).with("reason", "ip_blocked"));
        }
        let error = match self.create_user(principal, new).await {
            Err(e) if e.code == ErrorCode::Conflict => e,
            Err(other) => return Err(other),
            Ok(row) => return self.view(&row),
        };
        let blocked = self.limits.count_ip_failure(ip).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mut events = vec![
            self.audit
                .write(
                    &txn,
                    principal,
                    AuditRecord::new(AuditAction::Register, "registration refused: name taken")
                        .failed(error.message.clone()),
                )
                .await?,
        ];
        if blocked {
            let record =
                AuditRecord::new(AuditAction::BruteForceAttempt, format!("IP {ip} blocked"))
                    .resource(AuditResourceKind::Ip, ip)
                    .details(json!({ "threshold": self.security.brute_force_threshold }));
            events.push(self.audit.write(&txn, principal, record).await?);
        }
        txn.commit().await?;
        self.audit.publish(events).await;
        Err(error)
    }

    /// Creates an account and writes its audit row in one transaction.
    pub async fn create_user(&self, principal: &Principal, new: NewUser) -> AppResult<user::Model> {
        let username = parse_username(&new.username)?;
        let email = parse_email(&new.email)?;
        passwords::check_policy(&new.password, &username, &email)?;
        let timezone = match new
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(tz) => parse_timezone(tz)?,
            None => "UTC".to_owned(),
        };
        if find_by_login(&self.db, &username).await?.is_some() {
            return Err(AppError::conflict("this username is taken").with("field", "username"));
        }
        if find_by_login(&self.db, &email).await?.is_some() {
            // Usernames are public; whether an address has an account is not.
            return Err(email_unavailable());
        }
        let hash = self.passwords.hash(&new.password).await?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let model = user::ActiveModel {
            timezone_preference: Set(timezone),
            ..new_user_row(username.clone(), email.clone(), hash, new.role, now)
        }
        .insert(&txn)
        .await?;
        // Someone (an admin or the CLI) creating an account is USER_CREATE; signing up is REGISTER.
        let signing_up = principal.user_id().is_none() && !principal.is_system();
        let action = if signing_up {
            AuditAction::Register
        } else {
            AuditAction::UserCreate
        };
        let acting = if signing_up {
            principal.claimant(&model)
        } else {
            principal.clone()
        };
        // Someone signing up gets a link to confirm the address, queued with the account.
        let verification = if action == AuditAction::Register {
            Some(
                self.email_addresses
                    .queue_verification(&txn, &model)
                    .await?,
            )
        } else {
            None
        };
        self.audit
            .commit(
                txn,
                &acting,
                AuditRecord::new(action, format!("account {username} created"))
                    .resource(AuditResourceKind::User, model.id)
                    .change(
                        None,
                        Some(json!({ "username": username, "email": email, "role": new.role })),
                    )
                    .details(json!({ "verificationMail": verification })),
            )
            .await?;
        if verification.is_some() {
            self.mailer.wake();
        }
        Ok(model)
    }

    /// Decrypts the profile of a user row.
    pub fn profile(&self, user: &user::Model) -> AppResult<Profile> {
        profile_of(&self.crypto, user)
    }

    /// The account `id`, if it exists (callers decide who may see it).
    pub async fn find(&self, id: i32) -> AppResult<Option<user::Model>> {
        Ok(user::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// A user row as the API shows it (its profile decrypted).
    pub(crate) fn view(&self, row: &user::Model) -> AppResult<AccountView> {
        AccountView::of(&self.crypto, row)
    }

    /// Account `id` for the caller: their own, or anyone's for an admin (FORBIDDEN otherwise:
    /// others are seen as a `Person`); NOT_FOUND when there is none.
    pub async fn account(&self, principal: &Principal, id: i32) -> AppResult<AccountView> {
        let me = principal.require_user()?;
        if me.id() != id {
            principal.require_admin().map_err(|_| {
                AppError::forbidden("only admins see other accounts; ask for the Person instead")
            })?;
        }
        let row = self
            .find(id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        self.view(&row)
    }

    /// The signed-in caller's own account; `None` for a visitor, or when the account is gone.
    pub async fn me(&self, principal: &Principal) -> AppResult<Option<AccountView>> {
        let Some(me) = principal.signed_in() else {
            return Ok(None);
        };
        match self.find(me.id()).await? {
            Some(row) => Ok(Some(self.view(&row)?)),
            None => Ok(None),
        }
    }

    /// The usernames of accounts `ids` (ids without an account are left out).
    pub async fn usernames(
        &self,
        ids: Vec<i32>,
    ) -> AppResult<std::collections::HashMap<i32, String>> {
        usernames(&self.db, ids).await
    }

    pub async fn username(&self, id: i32) -> AppResult<Option<String>> {
        Ok(user::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(|u| u.username))
    }

    /// The first and last name of `person` as `viewer` may see it: the person themselves, their
    /// team mates and admins see it; everyone else (and visitors) gets `None`.
    pub async fn display_name(
        &self,
        viewer: Option<(i32, Role)>,
        person: i32,
    ) -> AppResult<Option<String>> {
        let Some((viewer, role)) = viewer else {
            return Ok(None);
        };
        let allowed = viewer == person
            || role == Role::Admin
            || self.team_mates(viewer, &[person]).await?.contains(&person);
        if !allowed {
            return Ok(None);
        }
        let Some(row) = user::Entity::find_by_id(person).one(&self.db).await? else {
            return Ok(None);
        };
        Ok(self.profile(&row)?.display_name())
    }

    /// The accounts among `others` that are in a team with `viewer`: the people whose names
    /// (first and last, decrypted) `viewer` may see. Everyone else is shown by username only.
    pub async fn team_mates(
        &self,
        viewer: i32,
        others: &[i32],
    ) -> AppResult<std::collections::HashSet<i32>> {
        use entity::team_members;
        if others.is_empty() {
            return Ok(Default::default());
        }
        let teams = super::teams::team_ids(&self.db, viewer).await?;
        if teams.is_empty() {
            return Ok(Default::default());
        }
        Ok(team_members::Entity::find()
            .filter(team_members::Column::TeamId.is_in(teams))
            .filter(team_members::Column::UserId.is_in(others.to_vec()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect())
    }

    /// Updates the profile (personal fields encrypted at rest) with one audit row.
    pub async fn update_profile(
        &self,
        principal: &Principal,
        user_id: i32,
        changes: ProfileChanges,
    ) -> AppResult<AccountView> {
        let txn = crate::db::begin_write(&self.db).await?;
        let current = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        let before = self.profile(&current)?;
        let row = user_id.to_string();
        let mut update: user::ActiveModel = current.clone().into();
        let mut changed = serde_json::Map::new();
        let fields = [
            (
                PROFILE_FIELDS[0],
                "firstName",
                changes.first_name,
                before.first_name,
            ),
            (
                PROFILE_FIELDS[1],
                "lastName",
                changes.last_name,
                before.last_name,
            ),
            (
                PROFILE_FIELDS[2],
                "organization",
                changes.organization,
                before.organization,
            ),
        ];
        for (column, field, change, old) in fields {
            let Some(new) = change else { continue };
            let new = clean_field(field, new)?;
            if new == old {
                continue;
            }
            let sealed = self
                .crypto
                .encrypt_opt(new.as_deref(), binding(column, &row))
                .or_internal("profile encrypt")?;
            match column {
                "first_name" => update.first_name = Set(sealed),
                "last_name" => update.last_name = Set(sealed),
                _ => update.organization = Set(sealed),
            }
            changed.insert(field.to_owned(), json!({ "old": old, "new": new }));
        }
        if let Some(tz) = changes.timezone {
            let tz = parse_timezone(&tz)?;
            if tz != current.timezone_preference {
                changed.insert(
                    "timezone".into(),
                    json!({ "old": current.timezone_preference, "new": tz }),
                );
                update.timezone_preference = Set(tz);
            }
        }
        if let Some(format) = changes.time_format
            && format != current.time_format_preference
        {
            changed.insert(
                "timeFormat".into(),
                json!({ "old": current.time_format_preference.as_str(), "new": format.as_str() }),
            );
            update.time_format_preference = Set(format);
        }
        update.updated_at = Set(Utc::now());
        let saved = update.update(&txn).await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(AuditAction::ProfileUpdate, "profile updated")
                    .resource(AuditResourceKind::User, user_id)
                    .details(json!({ "changed": changed })),
            )
            .await?;
        self.view(&saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_emails_and_zones_are_validated() {
        assert_eq!(parse_username(" ada.l ").unwrap(), "ada.l");
        assert!(parse_username("ab").is_err());
        assert!(parse_username("ada lovelace").is_err());
        assert!(parse_username("<script>").is_err());
        assert_eq!(parse_email(" Ada@Example.ORG ").unwrap(), "ada@example.org");
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a@b@c.org",
            "a b@c.org",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_timezone("Australia/Melbourne").unwrap(),
            "Australia/Melbourne"
        );
        let err = parse_timezone("Mars/Olympus").unwrap_err();
        assert_eq!(err.extensions["field"], "timezone");
    }

    /// An account is its owner's and admins' to read; a lockout or a temporary password shows
    /// only while it is in force, and the profile comes decrypted.
    #[tokio::test]
    async fn accounts_are_read_by_their_owner_and_admins_with_only_what_is_in_force() {
        let (state, _dir) = crate::state::AppState::for_tests().await;
        let (alice_row, alice) = state.test_user("alice").await;
        let (bob_row, _) = state.test_user("bob").await;
        let (_, admin) = state.test_user_as("root", Role::Admin).await;

        let own = state.accounts.account(&alice, alice_row.id).await.unwrap();
        assert_eq!((own.id, own.username.as_str()), (alice_row.id, "alice"));
        let refused = state
            .accounts
            .account(&alice, bob_row.id)
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
        let seen = state.accounts.account(&admin, bob_row.id).await.unwrap();
        assert_eq!(seen.email, "bob@example.org");
        let missing = state.accounts.account(&admin, 9999).await.unwrap_err();
        assert_eq!(missing.code, ErrorCode::NotFound);
        let me = state.accounts.me(&alice).await.unwrap().unwrap();
        assert_eq!(me, own);
        assert_eq!(
            state.accounts.me(&Principal::visitor(None)).await.unwrap(),
            None
        );

        let hour = chrono::TimeDelta::hours(1);
        let mut row = alice_row.clone();
        row.locked_until = Some(Utc::now() - hour);
        row.temp_password_expires_at = Some(Utc::now() + hour);
        row.must_change_password = false;
        let lapsed = state.accounts.view(&row).unwrap();
        assert_eq!(lapsed.locked_until, None, "a lockout that has ended");
        assert_eq!(
            lapsed.temporary_password_expires_at, None,
            "no temporary password due"
        );
        row.locked_until = Some(Utc::now() + hour);
        row.must_change_password = true;
        let locked = state.accounts.view(&row).unwrap();
        assert_eq!(locked.locked_until, row.locked_until);
        assert_eq!(
            locked.temporary_password_expires_at,
            row.temp_password_expires_at
        );
    }
}
