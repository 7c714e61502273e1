//! Admin operations on the PanelApp data this server holds: a refresh of the catalogues,
//! audited as CACHE_CLEAR with how many panels each instance now lists.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, Source};

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::panelapp::PanelAppService;

/// The PanelApp data this server holds, as admins manage it. Built once with the state.
#[derive(Clone)]
pub struct Catalogue {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
    pub(crate) panelapp: Arc<PanelAppService>,
}

impl Catalogue {
    /// Marks the cached data of `source` (or both instances) stale and fetches the catalogues
    /// again (admins only). Cached data stays servable if PanelApp is down.
    pub async fn refresh(&self, principal: &Principal, source: Option<Source>) -> AppResult<()> {
        principal.require_admin()?;
        let panels = self.panelapp.refresh(source).await?;
        let which = source.map_or("both instances", Source::display_name);
        let record = AuditRecord::new(
            AuditAction::CacheClear,
            format!("PanelApp cache refreshed ({which})"),
        )
        .resource(
            AuditResourceKind::Panelapp,
            source.map_or("all", Source::prefix),
        )
        .details(json!({ "panels": panels }));
        self.audit.record(&self.db, principal, record).await?;
        Ok(())
    }
}
