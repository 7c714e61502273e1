//! Merging the caller's panel selections and uploads on the server (previews for scripts,
//! and the input of every export): load every source or fail naming the missing one, run
//! the shared merge engine, and record where each source came from.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use shared::merge::{OwnedMergeResult, PanelSelection, SelectionFilter, merge};
use shared::{PanelData, PanelVersion, Source};

use super::uploads::{self, Uploads};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::genelists::export::Provenance;
use crate::genelists::upload::SymbolResolver;
use crate::panelapp::{DataOrigin, PanelAppService};

/// Most panels one merge may select.
pub const MAX_PANELS: usize = 50;
/// Most uploads one merge may include.
pub const MAX_UPLOADS: usize = 50;

/// One panel version, loaded.
#[derive(Debug, Clone)]
pub struct LoadedPanel {
    pub data: Arc<PanelData>,
    /// How it was obtained ("live", "cache", "snapshot 2026-03-01", …), for provenance.
    pub origin: String,
}

/// Where panel data comes from. The PanelApp client implements it; the services that need
/// panels hold one through `PanelSources`, and merges that select panels fail without one.
#[async_trait]
pub trait PanelLoader: Send + Sync {
    /// The panel at `version` (the current version when `None`). Errors name the panel.
    async fn panel(
        &self,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<LoadedPanel>;
}

/// PanelApp panels for merges, with where each came from.
#[async_trait::async_trait]
impl PanelLoader for Arc<PanelAppService> {
    async fn panel(
        &self,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<LoadedPanel> {
        let r = PanelAppService::panel(self, source, id, version).await?;
        let origin = match r.origin {
            DataOrigin::Live => "live".to_owned(),
            DataOrigin::Cache => "cache".to_owned(),
            DataOrigin::StaleCache => format!("stale cache {}", r.data_date.format("%Y-%m-%d")),
            DataOrigin::Snapshot => format!("snapshot {}", r.data_date.format("%Y-%m-%d")),
            DataOrigin::Unavailable => "unavailable".to_owned(),
        };
        Ok(LoadedPanel {
            data: r.data,
            origin,
        })
    }
}

/// One selected panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelRequest {
    pub source: Source,
    pub id: u32,
    pub version: Option<PanelVersion>,
    pub filter: SelectionFilter,
}

/// What to merge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeRequest {
    pub panels: Vec<PanelRequest>,
    /// Upload ids, the caller's own.
    pub uploads: Vec<String>,
}

/// A merge and the provenance of its sources.
#[derive(Debug, Clone)]
pub struct Merged {
    pub result: OwnedMergeResult,
    pub provenance: Provenance,
    /// The panel versions merged, whole, in selection order.
    pub panels: Vec<Arc<PanelData>>,
}

/// Where a server's panels and gene symbols come from, chosen once when the state is built:
/// PanelApp and its gene directory in a running server (`PanelSources::panelapp`), fixtures in
/// tests, nothing for a server without PanelApp access (merges of panels and upstream checks
/// then fail with UPSTREAM_UNAVAILABLE, and symbols stay unverified).
#[derive(Clone, Default)]
pub struct PanelSources {
    /// Panels for merges and for the upstream checks of saved panels.
    pub loader: Option<Arc<dyn PanelLoader>>,
    /// The gene directory that checks symbols: uploads' and those added to saved panels.
    pub symbols: Option<Arc<dyn SymbolResolver>>,
}

impl PanelSources {
    /// PanelApp's panels and gene directory.
    pub fn panelapp(service: &Arc<PanelAppService>) -> Self {
        let symbols: Arc<dyn SymbolResolver> = service.genes();
        Self {
            loader: Some(Arc::new(service.clone())),
            symbols: Some(symbols),
        }
    }
}

/// The merge of PanelApp panels and uploaded lists, as the API runs it. Built once with the state.
#[derive(Clone)]
pub struct Merges {
    pub(crate) uploads: Uploads,
    pub(crate) panelapp: Arc<PanelAppService>,
    pub(crate) loader: Option<Arc<dyn PanelLoader>>,
}

impl Merges {
    /// Where this server's panels come from (none without PanelApp access).
    pub(crate) fn loader(&self) -> Option<&dyn PanelLoader> {
        self.loader.as_deref()
    }

    /// The server's loader, for work that can not be done without one: UPSTREAM_UNAVAILABLE
    /// saying what could not be done (`so …`) on a server without PanelApp access.
    pub(crate) fn require_loader(&self, so: &str) -> AppResult<&dyn PanelLoader> {
        self.loader().ok_or_else(|| {
            AppError::upstream(
                "PanelApp",
                format!("this server has no PanelApp data source, so {so}"),
            )
        })
    }

    /// Loads every source and merges them. Uploads must be the caller's; panels come from the
    /// server's loader, and every selected panel must load or the merge fails naming it.
    #[tracing::instrument(skip_all, fields(panels = request.panels.len(), uploads = request.uploads.len()))]
    pub async fn run(&self, principal: &Principal, request: &MergeRequest) -> AppResult<Merged> {
        if request.panels.len() > MAX_PANELS {
            return Err(AppError::invalid_field(
                "panels",
                format!("at most {MAX_PANELS} panels can be merged at once"),
            ));
        }
        if request.uploads.len() > MAX_UPLOADS {
            return Err(AppError::invalid_field(
                "uploads",
                format!("at most {MAX_UPLOADS} uploads can be merged at once"),
            ));
        }
        let mut panels = Vec::with_capacity(request.panels.len());
        if !request.panels.is_empty() {
            let loader = self.require_loader("panels can not be merged; merge uploads only")?;
            for p in &request.panels {
                let loaded = loader.panel(p.source, p.id, p.version).await?;
                panels.push((loaded, p.filter.clone()));
            }
        }
        let views = self.uploads.lists(principal, &request.uploads).await?;
        let lists: Vec<_> = views.iter().map(uploads::UploadView::gene_list).collect();
        let selections: Vec<PanelSelection<'_>> = panels
            .iter()
            .map(|(loaded, filter)| PanelSelection::new(&loaded.data, filter))
            .collect();
        let mut result = merge(&selections, &lists).into_owned();
        // Genes only in uploads get the coordinates the gene directory holds (BED exports).
        let directory = self.panelapp.genes();
        for gene in &mut result.genes {
            if (gene.grch37.is_none() || gene.grch38.is_none())
                && let Some(id) = gene.hgnc_id
                && let Some((g37, g38)) = directory.loci(id)
            {
                gene.grch37 = gene.grch37.take().or(g37);
                gene.grch38 = gene.grch38.take().or(g38);
            }
        }
        let mut provenance = Provenance::from_merge(&result, Utc::now(), crate::VERSION);
        for (index, source) in result.sources.iter().enumerate() {
            let origin = panels.iter().find(|(loaded, _)| {
                Some(loaded.data.id) == source.panel_id
                    && Some(loaded.data.source) == source.source
                    && Some(loaded.data.version) == source.version
            });
            if let Some((loaded, _)) = origin {
                provenance.set_origin(index, loaded.origin.clone());
            }
            if let Some(view) = views
                .iter()
                .find(|v| source.upload_id.as_ref() == Some(&v.id))
            {
                provenance.set_data_date(index, view.created_at.to_rfc3339());
            }
        }
        let panels = panels.into_iter().map(|(loaded, _)| loaded.data).collect();
        Ok(Merged {
            result,
            provenance,
            panels,
        })
    }
}
