//! The audit trail for admins: `auditLog` (filters, cursor pages) and `purgeAuditLog`.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use serde_json::Value;
use shared::{AuditAction, AuditResourceKind};

use super::ContextExt;
use super::node::{Kind, global_id, int_id};
use super::paging::{BoundedPage, PageArgs};
use crate::db::int;
use crate::error::AppError;
use crate::services::audit_log::{AuditQuery, OpenedEntry};

/// Which audit rows to show; every field narrows the result.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Rows of these accounts (user ids: global or the plain number); VALIDATION
    /// (`field: userIds`) for an id that is neither.
    pub user_ids: Option<Vec<ID>>,
    /// Rows recorded under these usernames (exact; `system:<job>` for the server's own jobs).
    pub usernames: Option<Vec<String>>,
    /// Any of these actions. PANEL_DOWNLOAD,
    /// USER_DELETE and MFA_EVENT are Flask-only (features PanelMerge does not have): they are
    /// never written here and only match rows imported from the Flask version. Downloads are
    /// FILE_ACCESS rows.
    pub actions: Option<Vec<AuditAction>>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only successful (true) or only failed (false) actions.
    pub success: Option<bool>,
    /// Rows about any of these kinds of thing (OTHER: rows imported from the Flask version
    /// about something PanelMerge has no kind for).
    pub resource_kinds: Option<Vec<AuditResourceKind>>,
    /// Rows whose `resourceType` is exactly this word (`saved_panel`, `user`, …, or a word of
    /// the Flask version such as `knowhow_article`); `resourceKinds` is the typed filter.
    pub resource_type: Option<String>,
    /// Rows about this one (with `resourceType`): the saved panel's, user's, … id as text.
    pub resource_id: Option<String>,
}

impl AuditFilter {
    pub fn into_query(self) -> Result<AuditQuery, AppError> {
        let user_ids = user_ids(&self.user_ids.unwrap_or_default())?;
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            return Err(AppError::invalid_field("to", "must be after `from`"));
        }
        Ok(AuditQuery {
            user_ids,
            usernames: self.usernames.unwrap_or_default(),
            actions: self.actions.unwrap_or_default(),
            from: self.from,
            to: self.to,
            success: self.success,
            resource_type: self.resource_type,
            resource_kinds: self.resource_kinds.unwrap_or_default(),
            resource_id: self.resource_id,
        })
    }
}

/// The kind of a row's stored resource word; none for no word (or Flask's empty one).
pub fn resource_kind(word: Option<&str>) -> Option<AuditResourceKind> {
    word.filter(|w| !w.is_empty())
        .map(AuditResourceKind::of_word)
}

/// One audit row; details and old/new values decrypted.
#[derive(SimpleObject)]
pub struct AuditEntry {
    /// The global id (see `Node`).
    #[graphql(owned)]
    pub id: ID,
    /// The row number; numbers grow with time, so a larger one is a later row.
    pub database_id: i32,
    /// What kind of action it was.
    pub action: AuditAction,
    /// The global id of the account that acted; null for anonymous visitors and the server's own jobs.
    pub user_id: Option<ID>,
    /// The account that acted, as it is now; null for anonymous visitors and the server's own
    /// jobs.
    pub user: Option<super::saved::types::Person>,
    /// The username at the time (`system:<job>` for the server's own jobs); null for anonymous
    /// visitors.
    pub username: Option<String>,
    /// What happened, in words.
    pub description: String,
    /// What kind of thing it concerned; null when nothing in particular.
    pub resource_kind: Option<AuditResourceKind>,
    /// The word the row records for its kind (`saved_panel`, `user`, `upload`, `api_token`, …;
    /// on rows imported from the Flask version, Flask's word, such as `knowhow_article` for a
    /// `resourceKind` of OTHER); null when nothing in particular.
    pub resource_type: Option<String>,
    /// Which one (the id as text); null when nothing in particular.
    pub resource_id: Option<String>,
    /// False for refused or failed actions.
    pub success: bool,
    /// Why it failed; null for successful actions.
    pub error_message: Option<String>,
    /// The client's address (behind `TRUSTED_PROXIES`, the forwarded one); null for the server's
    /// own jobs.
    pub ip_address: Option<String>,
    /// The client's `User-Agent`; null when none was sent.
    pub user_agent: Option<String>,
    /// How long the action took, in milliseconds; recorded for logins and uploads only, null
    /// otherwise.
    pub duration_ms: Option<i32>,
    /// When it happened (UTC; the web app shows it in the user's zone).
    pub at: DateTime<Utc>,
    /// Whether the action is a security event (see `AuditAction`); such rows are highlighted.
    pub security_event: bool,
    /// Structured details (decrypted), depending on the action: the upload's counts, a share's
    /// permission, the fields a query touched, …; null when none.
    pub details: Option<Json<Value>>,
    /// What a change replaced (decrypted), for changes that record it (a role, a status, …); null
    /// otherwise.
    pub old_values: Option<Json<Value>>,
    /// What a change set (decrypted); null when not recorded.
    pub new_values: Option<Json<Value>>,
}

/// The accounts a filter names (global ids or plain numbers): VALIDATION naming `userIds`
/// for an id that is not a user's.
pub(super) fn user_ids(ids: &[ID]) -> Result<Vec<i32>, AppError> {
    ids.iter()
        .map(|id| {
            int_id(id, Kind::User).map_err(|_| {
                AppError::invalid_field("userIds", format!("{:?} is not a user id", id.as_str()))
            })
        })
        .collect()
}

impl From<OpenedEntry> for AuditEntry {
    fn from(entry: OpenedEntry) -> Self {
        Self {
            id: global_id(Kind::AuditEntry, entry.id),
            database_id: entry.id,
            action: entry.action,
            user_id: entry.user_id.map(|id| global_id(Kind::User, id)),
            user: entry.user_id.map(super::saved::types::Person::lazy),
            username: entry.username,
            description: entry.description,
            resource_kind: resource_kind(entry.resource_type.as_deref()),
            resource_type: entry.resource_type,
            resource_id: entry.resource_id,
            success: entry.success,
            error_message: entry.error_message,
            ip_address: entry.ip_address,
            user_agent: entry.user_agent,
            duration_ms: entry.duration_ms,
            at: entry.at,
            security_event: entry.action.is_security_event(),
            details: entry.details.map(Json),
            old_values: entry.old_values.map(Json),
            new_values: entry.new_values.map(Json),
        }
    }
}

/// `node(id:)` for an `AuditEntry`: admins only.
pub async fn entry_node(ctx: &Context<'_>, id: i32) -> crate::error::AppResult<AuditEntry> {
    ctx.require_admin()?;
    let entry = ctx.state().audit_trail.entry(ctx.principal(), id).await?;
    Ok(entry.into())
}

#[derive(Default)]
pub struct AuditQueryRoot;

#[Object]
impl AuditQueryRoot {
    /// The audit trail, newest first (admins only; 50 per page unless `first`/`last` say
    /// otherwise, at most GRAPHQL_MAX_PAGE_SIZE). Pages are read by entry, so they stay put
    /// while new entries arrive. `totalCount` counts up to 10,000 matches
    /// (`totalCountIsExact` says whether there are more).
    #[graphql(
        complexity = "first.or(last).unwrap_or(50).clamp(1, 100) as usize * child_complexity"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which rows; absent: every row.")] filter: Option<AuditFilter>,
        #[graphql(
            desc = "Entries from the newest (or after `after`), 1 to the maximum page size (100 by default); default 50."
        )]
        first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to continue after (older entries).")]
        after: Option<String>,
        #[graphql(desc = "Entries from the oldest (or before `before`).")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to continue before (newer entries).")]
        before: Option<String>,
    ) -> Result<BoundedPage<AuditEntry>> {
        ctx.require_admin()?;
        let state = ctx.state();
        let max = state.settings.graphql.max_page_size;
        let page =
            PageArgs::new(first, after, last, before).keyset("auditLog", 50.min(max), max)?;
        let query = filter.unwrap_or_default().into_query()?;
        let (rows, more, total) = state
            .audit_trail
            .page(ctx.principal(), &query, &page)
            .await?;
        let entries = rows
            .into_iter()
            .map(|entry| (entry.id, AuditEntry::from(entry)));
        Ok(page.bounded_connection(entries, more, total))
    }
}

#[derive(Default)]
pub struct AuditMutation;

#[Object]
impl AuditMutation {
    /// Deletes audit rows older than `olderThanDays` (default AUDIT_RETENTION_DAYS, and never
    /// fewer: VALIDATION naming the configured minimum). The purge itself is audited and the
    /// hash chain's new start recorded, so `panelmerge audit verify` still passes. Returns how
    /// many rows were deleted. Admins only.
    async fn purge_audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Age in days of the rows to delete; default and minimum `AUDIT_RETENTION_DAYS` (VALIDATION naming the minimum when lower or negative)."
        )]
        older_than_days: Option<i32>,
    ) -> Result<i32> {
        ctx.require_admin()?;
        let state = ctx.state();
        let days = match older_than_days {
            Some(d) => u32::try_from(d)
                .map_err(|_| AppError::invalid_field("olderThanDays", "must be positive"))?,
            None => state.settings.audit_retention_days,
        };
        let deleted = state.audit_trail.purge(ctx.principal(), days).await?;
        Ok(int(deleted))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::registry::{MetaInputValue, MetaType, Registry};
    use async_graphql::{OutputType, SubscriptionType};

    /// Every password, token and secret argument or input field is `#[graphql(secret)]`, so
    /// tracing and logging print `"<secret>"` instead of its value.
    #[test]
    fn every_password_token_and_secret_input_is_marked_secret() {
        let mut registry = Registry::default();
        <crate::graphql::Query as OutputType>::create_type_info(&mut registry);
        <crate::graphql::Mutation as OutputType>::create_type_info(&mut registry);
        <crate::graphql::Subscription as SubscriptionType>::create_type_info(&mut registry);
        let sensitive = |name: &str| {
            let name = name.to_ascii_lowercase();
            ["password", "token", "secret"]
                .iter()
                .any(|word| name.contains(word))
        };
        let mut seen = Vec::new();
        let mut missing = Vec::new();
        let mut check = |place: String, value: &MetaInputValue| {
            if sensitive(&value.name) {
                seen.push(place.clone());
                if !value.is_secret {
                    missing.push(place);
                }
            }
        };
        for (type_name, ty) in &registry.types {
            match ty {
                MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => {
                    for (field_name, field) in fields {
                        for (arg_name, arg) in &field.args {
                            check(format!("{type_name}.{field_name}({arg_name})"), arg);
                        }
                    }
                }
                MetaType::InputObject { input_fields, .. } => {
                    for (name, value) in input_fields {
                        check(format!("{type_name}.{name}"), value);
                    }
                }
                _ => {}
            }
        }
        assert!(missing.is_empty(), "not marked secret: {missing:?}");
        for expected in [
            "LoginInput.password",
            "RegisterInput.password",
            "ChangePasswordInput.currentPassword",
            "ChangePasswordInput.newPassword",
            "Query.sharedPanel(token)",
        ] {
            assert!(
                seen.iter().any(|s| s == expected),
                "{expected} not found in {seen:?}"
            );
        }
    }
}
