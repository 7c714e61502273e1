//! Every mutation leaves an audit row, and every refusal is recorded (ACCESS_DENIED, or
//! PRIVILEGE_ESCALATION when a non-admin calls an admin-only field).
//!
//! Services write the domain-specific row of a successful change inside its transaction. This
//! extension watches each top-level field: a failed mutation (or a refused query) that
//! committed no row of its own gets a failure row here, so nothing escapes the trail. It is also
//! the central writer of the read and security actions:
//! * VIEW (a logged-in user opens a saved panel), PANEL_LIST (lists saved panels) and SEARCH
//!   (searches panels by name or gene), throttled to one row per user and key a minute;
//! * ERROR for INTERNAL errors (once per request);
//! * SECURITY_VIOLATION for a mutation sent over GET;
//! * SUSPICIOUS_ACTIVITY / DATA_BREACH_ATTEMPT from the security monitor: one caller collecting
//!   SUSPICIOUS_PROBES / BREACH_PROBES refused or not-found answers on saved panels in a minute.

use std::sync::Arc;

use std::sync::Mutex;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve,
    ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ServerResult, Value, Variables};
use shared::AuditResourceKind;
use shared::{AuditAction, ErrorCode};

use super::context::{RequestContext, Transport};
use crate::services::audit::{AuditRecord, PROBE_WINDOW};
use crate::state::AppState;

/// The audit action recorded for a mutation field. Every mutation of the schema has one (a
/// unit test walks the schema); an unknown name is logged and recorded as ADMIN_ACTION.
pub fn mutation_action(field: &str) -> AuditAction {
    known_mutation_action(field).unwrap_or_else(|| {
        tracing::warn!(%field, "a mutation without an audit action: recorded as ADMIN_ACTION");
        AuditAction::AdminAction
    })
}

/// The audit action of each mutation field; `None` for a name that is not a mutation.
fn known_mutation_action(field: &str) -> Option<AuditAction> {
    use AuditAction as A;
    Some(match field {
        "login" => A::Login,
        "logout" => A::Logout,
        "register" => A::Register,
        "changePassword" => A::PasswordChange,
        "updateProfile" | "saveWorkbench" => A::ProfileUpdate,
        "revokeSession" | "createApiToken" | "revokeApiToken" => A::SessionManagement,
        "refreshPanelApp" => A::CacheClear,
        "uploadGeneList" => A::PanelUpload,
        "removeUpload" => A::PanelDelete,
        "exportMerge" | "exportSavedPanel" | "exportSavedPanels" => A::DataExport,
        "createSavedPanel" | "restoreVersion" => A::PanelCreate,
        "updateSavedPanel" | "applyUpstreamUpdate" | "setSavedPanelStatus" | "commentOnPanel" => {
            A::PanelUpdate
        }
        "archiveSavedPanels" | "tagSavedPanels" | "labelVersion" | "removeVersionLabel" => {
            A::PanelUpdate
        }
        "deleteSavedPanel" | "deleteSavedPanels" => A::PanelDelete,
        "sharePanel" | "revokeShare" | "reissueShareLink" => A::PanelShare,
        "createTeam" | "addTeamMember" | "removeTeamMember" | "deleteTeam" => A::AdminAction,
        "createExportTemplate" => A::PanelExportTemplateCreate,
        "updateExportTemplate" => A::PanelExportTemplateUpdate,
        "deleteExportTemplate" => A::PanelExportTemplateDelete,
        "purgeAuditLog" => A::ComplianceEvent,
        "setUserRole" => A::RoleChange,
        "setUserActive" | "unlockUser" | "createUser" => A::UserUpdate,
        "resetUserPassword" | "requestPasswordReset" | "resetPassword" => A::PasswordReset,
        "requestEmailVerification"
        | "verifyEmail"
        | "requestEmailChange"
        | "confirmEmailChange"
        | "undoEmailChange"
        | "updateMailPreferences" => A::ProfileUpdate,
        "setUserVerified" => A::UserUpdate,
        "deleteUser" => A::UserDelete,
        "unblockIp"
        | "createAdminMessage"
        | "updateAdminMessage"
        | "setAdminMessageActive"
        | "deleteAdminMessage"
        | "retryMail"
        | "rotateEncryptionKey" => A::AdminAction,
        _ => return None,
    })
}

/// Mutations whose success is audited when their file is fetched (one FILE_ACCESS row naming the
/// user, see `services::downloads`), not when the link is prepared.
pub const AUDITED_ON_FETCH: &[&str] = &["exportMerge", "exportSavedPanel"];

/// Top-level fields that take a saved panel id or share token: FORBIDDEN / NOT_FOUND answers to
/// them count as probes for the security monitor.
const PROBED_FIELDS: &[&str] = &[
    "savedPanel",
    "sharedPanel",
    "updateSavedPanel",
    "applyUpstreamUpdate",
    "restoreVersion",
    "setSavedPanelStatus",
    "sharePanel",
    "exportSavedPanel",
    "exportSavedPanels",
    "labelVersion",
    "removeVersionLabel",
    "revokeShare",
    "reissueShareLink",
    "commentOnPanel",
    "archiveSavedPanels",
    "deleteSavedPanels",
    "tagSavedPanels",
];

/// Read fields audited for logged-in users (throttled: one row per user and key a minute).
const READ_FIELDS: &[&str] = &["savedPanel", "savedPanels", "panels", "panelsByGene"];

pub struct AuditEveryOperation;

impl ExtensionFactory for AuditEveryOperation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditExtension::default())
    }
}

#[derive(Default)]
struct AuditExtension {
    /// The request's variables, kept only when it reads an audited field (for its arguments).
    variables: Mutex<Option<Variables>>,
}

fn code_of(error: &async_graphql::ServerError) -> Option<ErrorCode> {
    let ext = error.extensions.as_ref()?;
    match ext.get("code")? {
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Whether a FORBIDDEN error is the refusal of an admin-only field.
fn needs_admin(error: &async_graphql::ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("requiredRole"))
        .is_some_and(|v| matches!(v, Value::String(s) if s == "ADMIN"))
}

async fn write(state: &AppState, request: &RequestContext, record: AuditRecord, what: &str) {
    if let Err(e) = state.record_audit(request.principal(), record).await {
        tracing::error!(%what, error = %e.message, "audit row not written");
    }
}

/// Audit rows name rows by their number or key, whichever form of id the request used.
fn row_key(id: String) -> String {
    super::node::parse_global(&id).map_or(id, |(_, key)| key)
}

/// What a mutation acts on, as (resource type, argument that names it; `a.b` for a field of
/// an input object), so a failed mutation's row names its resource too.
pub fn mutation_resource(field: &str) -> Option<(AuditResourceKind, &'static str)> {
    Some(match field {
        "revokeSession" => (AuditResourceKind::Session, "id"),
        "revokeApiToken" => (AuditResourceKind::ApiToken, "id"),
        "unlockUser" | "setUserRole" | "setUserActive" | "resetUserPassword" => {
            (AuditResourceKind::User, "id")
        }
        "unblockIp" => (AuditResourceKind::Ip, "ip"),
        "updateAdminMessage" | "setAdminMessageActive" | "deleteAdminMessage" => {
            (AuditResourceKind::AdminMessage, "id")
        }
        "updateSavedPanel"
        | "applyUpstreamUpdate"
        | "restoreVersion"
        | "setSavedPanelStatus"
        | "exportSavedPanel" => (AuditResourceKind::SavedPanel, "id"),
        "sharePanel" => (AuditResourceKind::SavedPanel, "input.panelId"),
        "commentOnPanel" => (AuditResourceKind::SavedPanel, "panelId"),
        "revokeShare" | "reissueShareLink" => (AuditResourceKind::PanelShare, "id"),
        "addTeamMember" | "removeTeamMember" | "deleteTeam" => (AuditResourceKind::Team, "teamId"),
        "removeUpload" => (AuditResourceKind::Upload, "id"),
        "login" => (AuditResourceKind::User, "input.login"),
        _ => return None,
    })
}

impl AuditExtension {
    /// The resource a mutation names in its arguments, as (type, id), if any.
    fn mutation_target(&self, info: &ResolveInfo<'_>) -> Option<(AuditResourceKind, String)> {
        let (kind, path) = mutation_resource(info.name)?;
        let mut parts = path.split('.');
        let mut value = self.argument(info, parts.next()?)?;
        for key in parts {
            value = match value {
                Value::Object(mut map) => map.shift_remove(key)?,
                _ => return None,
            };
        }
        let id = match value {
            Value::String(s) => row_key(s.chars().take(200).collect()),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some((kind, id))
    }

    /// The value of argument `name` of the current field, variables resolved.
    fn argument(&self, info: &ResolveInfo<'_>, name: &str) -> Option<Value> {
        let (_, value) = info
            .field
            .arguments
            .iter()
            .find(|(arg, _)| arg.node.as_str() == name)?;
        let variables = self.variables.lock().unwrap_or_else(|p| p.into_inner());
        value
            .node
            .clone()
            .into_const_with(|var| {
                Ok::<_, ()>(
                    variables
                        .as_ref()
                        .and_then(|v| v.get(&var).cloned())
                        .unwrap_or(Value::Null),
                )
            })
            .ok()
    }

    /// The throttle key and row of a successful audited read by `user_id`, if any.
    fn read_record(&self, info: &ResolveInfo<'_>, user_id: i32) -> Option<(String, AuditRecord)> {
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s.trim().chars().take(200).collect::<String>()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        match info.name {
            "savedPanel" => {
                let id = row_key(text(self.argument(info, "id"))?);
                Some((
                    format!("view:{user_id}:{id}"),
                    AuditRecord::new(AuditAction::View, format!("opened saved panel {id}"))
                        .resource(AuditResourceKind::SavedPanel, &id),
                ))
            }
            "savedPanels" => Some((
                format!("list:{user_id}"),
                AuditRecord::new(AuditAction::PanelList, "listed saved panels")
                    .resource(AuditResourceKind::SavedPanel, "list"),
            )),
            "panels" => {
                let term = text(self.argument(info, "search")).filter(|t| !t.is_empty())?;
                Some((
                    format!("search:{user_id}:panels:{term}"),
                    AuditRecord::new(AuditAction::Search, format!("searched panels for {term:?}"))
                        .resource(AuditResourceKind::PanelSearch, "panels")
                        .details(serde_json::json!({ "field": "panels", "search": term })),
                ))
            }
            "panelsByGene" => {
                let symbol = text(self.argument(info, "symbol")).filter(|t| !t.is_empty())?;
                Some((
                    format!("search:{user_id}:gene:{symbol}"),
                    AuditRecord::new(
                        AuditAction::Search,
                        format!("searched panels listing gene {symbol}"),
                    )
                    .resource(AuditResourceKind::PanelSearch, "panelsByGene")
                    .details(serde_json::json!({ "field": "panelsByGene", "symbol": symbol })),
                ))
            }
            _ => None,
        }
    }
}

#[async_trait::async_trait]
impl Extension for AuditExtension {
    /// A mutation sent over GET is refused by the request guard; it is recorded here as a
    /// SECURITY_VIOLATION (a cross-site request forgery attempt, typically).
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if READ_FIELDS.iter().any(|field| query.contains(field)) {
            *self.variables.lock().unwrap_or_else(|p| p.into_inner()) = Some(variables.clone());
        }
        if let (Some(request), Some(state)) =
            (ctx.data_opt::<RequestContext>(), ctx.data_opt::<AppState>())
            && request.transport == Transport::Get
        {
            let kinds: Vec<&str> = document
                .operations
                .iter()
                .filter(|(_, op)| op.node.ty != OperationType::Query)
                .map(|(_, op)| match op.node.ty {
                    OperationType::Mutation => "mutation",
                    _ => "subscription",
                })
                .collect();
            if !kinds.is_empty()
                && state
                    .audit
                    .first_in_window(&format!("get-mutation:{}", request.principal().client_ip()))
            {
                let record = AuditRecord::new(
                    AuditAction::SecurityViolation,
                    format!("{} sent over GET refused", kinds.join(", ")),
                )
                .failed("only queries are allowed over GET")
                .details(serde_json::json!({ "reason": "mutation_over_get", "operations": kinds }));
                write(state, request, record, "mutation over GET").await;
            }
        }
        Ok(document)
    }

    /// INTERNAL errors anywhere in the response are recorded once per request as ERROR.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        let response = next.run(ctx, operation_name).await;
        let internal: Vec<&async_graphql::ServerError> = response
            .errors
            .iter()
            .filter(|e| code_of(e) == Some(ErrorCode::Internal))
            .collect();
        if let (false, Some(request), Some(state)) = (
            internal.is_empty(),
            ctx.data_opt::<RequestContext>(),
            ctx.data_opt::<AppState>(),
        ) {
            let paths: Vec<String> = internal
                .iter()
                .map(|e| {
                    e.path
                        .iter()
                        .map(|p| match p {
                            async_graphql::PathSegment::Field(name) => name.clone(),
                            async_graphql::PathSegment::Index(i) => i.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .collect();
            let record = AuditRecord::new(
                AuditAction::Error,
                format!("internal error in {}", paths.join(", ")),
            )
            .failed(internal[0].message.clone())
            .details(serde_json::json!({
                "operation": operation_name,
                "paths": paths,
                "errors": internal.len(),
            }));
            write(state, request, record, "internal error").await;
        }
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Every field of every answer passes here: only root fields are audited, so the
        // others leave at once (looking up the request's data per field cost ~2 % of a page).
        let top =
            matches!(info.parent_type, "Mutation" | "Query") && info.path_node.parent.is_none();
        if !top {
            return next.run(ctx, info).await;
        }
        let (Some(request), Some(state)) =
            (ctx.data_opt::<RequestContext>(), ctx.data_opt::<AppState>())
        else {
            return next.run(ctx, info).await;
        };
        let field = info.name.to_owned();
        let is_mutation = info.parent_type == "Mutation";
        let read = match (&request.account(), is_mutation) {
            (Some(user), false) => self.read_record(&info, user.id()),
            _ => None,
        };
        let target = if is_mutation {
            self.mutation_target(&info)
        } else {
            None
        };
        let before = request.audit_rows();
        let result = next.run(ctx, info).await;
        let wrote_own_row = request.audit_rows() > before;
        let mut records = Vec::new();
        match &result {
            Err(e) => {
                let code = code_of(e);
                match code {
                    Some(ErrorCode::Forbidden) if request.account().is_some() && needs_admin(e) => {
                        records.push(
                            AuditRecord::new(
                                AuditAction::PrivilegeEscalation,
                                format!("{field} refused: it needs the ADMIN role"),
                            )
                            .failed(e.message.clone())
                            .details(serde_json::json!({ "field": field })),
                        );
                    }
                    Some(ErrorCode::Forbidden) => records.push(
                        AuditRecord::new(AuditAction::AccessDenied, format!("{field} refused"))
                            .failed(e.message.clone())
                            .details(serde_json::json!({ "field": field })),
                    ),
                    // Recorded once per request as ERROR by `execute`.
                    Some(ErrorCode::Internal) => {}
                    _ if is_mutation && !wrote_own_row => {
                        records.push(
                            AuditRecord::new(mutation_action(&field), format!("{field} failed"))
                                .failed(e.message.clone())
                                .details(serde_json::json!({ "field": field, "code": code.map(|c| c.as_str()) })),
                        );
                    }
                    _ => {}
                }
                if PROBED_FIELDS.contains(&field.as_str())
                    && matches!(code, Some(ErrorCode::Forbidden | ErrorCode::NotFound))
                {
                    let who = match &request.account() {
                        Some(user) => format!("user:{}", user.id()),
                        None => format!("ip:{}", request.principal().client_ip()),
                    };
                    if let Some((action, count)) = state.audit.probe(&who) {
                        records.push(
                            AuditRecord::new(
                                action,
                                format!(
                                    "{count} refused or unknown saved-panel look-ups within a \
                                     minute"
                                ),
                            )
                            .failed(e.message.clone())
                            .details(serde_json::json!({
                                "probes": count,
                                "windowSeconds": PROBE_WINDOW.as_secs(),
                                "lastField": field,
                            })),
                        );
                    }
                }
            }
            Ok(_) if is_mutation && !wrote_own_row => {
                if !AUDITED_ON_FETCH.contains(&field.as_str()) {
                    tracing::warn!(%field, "mutation succeeded without an audit row; writing a generic one");
                    records.push(AuditRecord::new(
                        mutation_action(&field),
                        format!("{field} succeeded"),
                    ));
                }
            }
            Ok(_) => {
                if let Some((key, record)) = read
                    && state.audit.first_in_window(&key)
                {
                    records.push(record);
                }
            }
        }
        for mut record in records {
            // A refused or failed mutation names what it was aimed at.
            if let (Err(_), Some((kind, id)), None) = (&result, &target, &record.resource_type) {
                record = record.resource(*kind, id);
            }
            write(state, request, record, &field).await;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mutation_of_the_schema_has_its_audit_action() {
        let sdl = crate::graphql::sdl();
        let start = sdl.find("type Mutation {").expect("a Mutation type");
        let body = &sdl[start..start + sdl[start..].find("\n}").expect("its end")];
        // Field names: one tab deep, outside description blocks (arguments are two deep).
        let mut in_description = false;
        let mut fields: Vec<&str> = Vec::new();
        for line in body.lines().skip(1) {
            if line.trim() == "\"\"\"" {
                in_description = !in_description;
            } else if !in_description
                && let Some(rest) = line.strip_prefix('\t')
                && rest.starts_with(|c: char| c.is_ascii_lowercase())
            {
                fields.extend(rest.split(['(', ':']).next());
            }
        }
        assert!(fields.len() > 40, "{fields:?}");
        let unknown: Vec<_> = fields
            .iter()
            .filter(|f| known_mutation_action(f).is_none())
            .collect();
        assert!(
            unknown.is_empty(),
            "mutations without an audit action: {unknown:?}"
        );
    }
}
