//! Admin operations on the PanelApp data this server holds: a refresh of the catalogues,
//! audited as CACHE_CLEAR with how many panels each instance now lists.

use serde_json::json;
use shared::{AuditAction, Source};

use super::audit::AuditRecord;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::state::AppState;

/// Marks the cached data of `source` (or both instances) stale and fetches the catalogues
/// again (admins only). Cached data stays servable if PanelApp is down.
pub async fn refresh(
    state: &AppState,
    principal: &Principal,
    source: Option<Source>,
) -> AppResult<()> {
    principal.require_admin()?;
    let panels = state.panelapp.refresh(source).await?;
    let which = source.map_or("both instances", Source::display_name);
    let record = AuditRecord::new(
        AuditAction::CacheClear,
        format!("PanelApp cache refreshed ({which})"),
    )
    .resource("panelapp", source.map_or("all", Source::prefix))
    .details(json!({ "panels": panels }));
    state.audit.record(&state.db, principal, record).await?;
    Ok(())
}
