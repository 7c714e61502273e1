//! The audit trail for admins: `auditLog` (filters, cursor pages) and `purgeAuditLog`.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use serde_json::Value;
use shared::AuditAction;

use super::ContextExt;
use super::node::{Kind, global_id, int_id};
use super::paging::{Page, PageArgs};
use crate::error::AppError;
use crate::services::audit_log::{self as trail, AuditQuery};

/// Which audit rows to show; every field narrows the result.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    pub user_ids: Option<Vec<ID>>,
    pub usernames: Option<Vec<String>>,
    /// Any of these actions. PANEL_DOWNLOAD, PANEL_EXPORT_TEMPLATE_CREATE/UPDATE/DELETE,
    /// USER_DELETE and MFA_EVENT are Flask-only (features PanelMerge does not have): they are
    /// never written here and only match rows imported from the Flask version. Downloads are
    /// FILE_ACCESS rows.
    pub actions: Option<Vec<AuditAction>>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
    pub success: Option<bool>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
}

impl AuditFilter {
    pub fn into_query(self) -> Result<AuditQuery, AppError> {
        let user_ids = self
            .user_ids
            .unwrap_or_default()
            .iter()
            .map(|id| {
                int_id(id, Kind::User).map_err(|_| {
                    AppError::invalid_field(
                        "userIds",
                        format!("{:?} is not a user id", id.as_str()),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
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
            resource_id: self.resource_id,
        })
    }
}

/// One audit row; details and old/new values decrypted.
#[derive(SimpleObject)]
pub struct AuditEntry {
    /// The global id (see `Node`).
    #[graphql(owned)]
    pub id: ID,
    /// The entry's number in the trail (ascending with time).
    pub database_id: i32,
    pub action: AuditAction,
    /// The global id of the account that acted.
    pub user_id: Option<ID>,
    pub username: Option<String>,
    pub description: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub success: bool,
    pub error_message: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub duration_ms: Option<i32>,
    /// When it happened (UTC; the web app shows it in the user's zone).
    pub at: DateTime<Utc>,
    pub security_event: bool,
    pub details: Option<Json<Value>>,
    pub old_values: Option<Json<Value>>,
    pub new_values: Option<Json<Value>>,
}

impl AuditEntry {
    fn new(row: entity::audit_log::Model, [details, old, new]: [Option<Value>; 3]) -> Self {
        Self {
            id: global_id(Kind::AuditEntry, row.id),
            database_id: row.id,
            action: row.action_type,
            user_id: row.user_id.map(|id| global_id(Kind::User, id)),
            username: row.username,
            description: row.action_description,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            success: row.success,
            error_message: row.error_message,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            duration_ms: row.duration_ms,
            at: row.timestamp,
            security_event: row.action_type.is_security_event(),
            details: details.map(Json),
            old_values: old.map(Json),
            new_values: new.map(Json),
        }
    }
}

/// `node(id:)` for an `AuditEntry`: admins only.
pub async fn entry_node(ctx: &Context<'_>, id: i32) -> crate::error::AppResult<AuditEntry> {
    let (_, admin) = ctx.require_admin()?;
    let state = ctx.state();
    let row = trail::entry(state, admin, id).await?;
    let opened = state.audit.open(&row)?;
    Ok(AuditEntry::new(row, opened))
}

#[derive(Default)]
pub struct AuditQueryRoot;

#[Object]
impl AuditQueryRoot {
    /// The audit trail, newest first (admins only; 50 per page unless `first`/`last` say
    /// otherwise, at most GRAPHQL_MAX_PAGE_SIZE). Pages are read by entry, so they stay put
    /// while new entries arrive.
    #[graphql(
        complexity = "first.or(last).unwrap_or(50).clamp(1, 100) as usize * child_complexity"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries; every field narrows.")] filter: Option<AuditFilter>,
        #[graphql(desc = "Entries from the newest (or after `after`).")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to continue after (older entries).")]
        after: Option<String>,
        #[graphql(desc = "Entries from the oldest (or before `before`).")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to continue before (newer entries).")]
        before: Option<String>,
    ) -> Result<Page<AuditEntry>> {
        let (_, admin) = ctx.require_admin()?;
        let state = ctx.state();
        let max = state.settings.graphql.max_page_size;
        let page =
            PageArgs::new(first, after, last, before).keyset("auditLog", 50.min(max), max)?;
        let query = filter.unwrap_or_default().into_query()?;
        let (rows, more, total) = trail::page(state, admin, &query, &page).await?;
        let entries = rows
            .into_iter()
            .map(|row| {
                let opened = state.audit.open(&row)?;
                Ok((row.id, AuditEntry::new(row, opened)))
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(page.connection(entries, more, total))
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
        older_than_days: Option<i32>,
    ) -> Result<i32> {
        let (_, admin) = ctx.require_admin()?;
        let state = ctx.state();
        let days = match older_than_days {
            Some(d) => u32::try_from(d)
                .map_err(|_| AppError::invalid_field("olderThanDays", "must be positive"))?,
            None => state.settings.audit_retention_days,
        };
        let deleted = trail::purge(state, admin, &ctx.actor(), days).await?;
        Ok(i32::try_from(deleted).unwrap_or(i32::MAX))
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
