//! Every mutation leaves an audit row, and every refusal is recorded as ACCESS_DENIED.
//!
//! Services write the domain-specific row of a successful change inside its transaction. This
//! extension watches each top-level field: a failed mutation (or a refused query) that
//! committed no row of its own gets a failure row here, so nothing escapes the trail.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{ServerResult, Value};
use shared::{AuditAction, ErrorCode};

use super::context::RequestContext;
use crate::services::audit::AuditRecord;
use crate::state::AppState;

/// The audit action recorded for a mutation field.
pub fn mutation_action(field: &str) -> AuditAction {
    use AuditAction as A;
    match field {
        "login" => A::Login,
        "logout" => A::Logout,
        "register" => A::Register,
        "changePassword" => A::PasswordChange,
        "updateProfile" => A::ProfileUpdate,
        "revokeSession" | "createApiToken" | "revokeApiToken" => A::SessionManagement,
        "refreshPanelApp" => A::CacheClear,
        "uploadGeneList" => A::PanelUpload,
        "removeUpload" => A::FileAccess,
        "exportMerge" | "exportSavedPanel" => A::DataExport,
        "createSavedPanel" | "restoreVersion" => A::PanelCreate,
        "updateSavedPanel" | "applyUpstreamUpdate" | "setSavedPanelStatus" | "commentOnPanel" => {
            A::PanelUpdate
        }
        "deleteSavedPanel" => A::PanelDelete,
        "sharePanel" | "revokeShare" => A::PanelShare,
        "createTeam" | "addTeamMember" | "removeTeamMember" | "deleteTeam" => A::AdminAction,
        "purgeAuditLog" => A::ComplianceEvent,
        "setUserRole" => A::RoleChange,
        "setUserActive" | "unlockUser" | "createUser" => A::UserUpdate,
        "resetUserPassword" => A::PasswordReset,
        "deleteUser" => A::UserDelete,
        _ => A::AdminAction,
    }
}

pub struct AuditEveryOperation;

impl ExtensionFactory for AuditEveryOperation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditExtension)
    }
}

struct AuditExtension;

fn code_of(error: &async_graphql::ServerError) -> Option<ErrorCode> {
    let ext = error.extensions.as_ref()?;
    match ext.get("code")? {
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[async_trait::async_trait]
impl Extension for AuditExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let top =
            matches!(info.parent_type, "Mutation" | "Query") && info.path_node.parent.is_none();
        let (Some(request), Some(state), true) = (
            ctx.data_opt::<RequestContext>(),
            ctx.data_opt::<AppState>(),
            top,
        ) else {
            return next.run(ctx, info).await;
        };
        let field = info.name.to_owned();
        let is_mutation = info.parent_type == "Mutation";
        let before = request.audit_counter.get();
        let result = next.run(ctx, info).await;
        let wrote_own_row = request.audit_counter.get() > before;
        let record = match (&result, is_mutation) {
            (Err(e), _) if code_of(e) == Some(ErrorCode::Forbidden) => Some(
                AuditRecord::new(AuditAction::AccessDenied, format!("{field} refused"))
                    .failed(e.message.clone())
                    .details(serde_json::json!({ "field": field })),
            ),
            (Err(e), true) if !wrote_own_row => Some(
                AuditRecord::new(mutation_action(&field), format!("{field} failed"))
                    .failed(e.message.clone())
                    .details(serde_json::json!({ "field": field, "code": code_of(e).map(|c| c.as_str()) })),
            ),
            (Ok(_), true) if !wrote_own_row => {
                tracing::warn!(%field, "mutation succeeded without an audit row; writing a generic one");
                Some(AuditRecord::new(mutation_action(&field), format!("{field} succeeded")))
            }
            _ => None,
        };
        if let Some(record) = record
            && let Err(e) = state
                .audit
                .record(&state.db, &request.actor(), record)
                .await
        {
            tracing::error!(%field, error = %e.message, "audit row for an operation not written");
        }
        result
    }
}
