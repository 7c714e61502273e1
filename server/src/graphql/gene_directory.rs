//! The gene directory over GraphQL: `geneLookup` (panels listing a gene, and per PanelApp
//! instance whether it answered and from where) and the background sync's progress
//! (`PanelAppStatus.geneDirectory`).

use async_graphql::{ComplexObject, Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::Source;

use super::ContextExt;
use super::panelapp::{PanelAppStatusOut, PanelGeneHitOut};
use crate::db::int;
use crate::panelapp::{DataOrigin, DirectoryProgress, SourceAnswer};

/// How one PanelApp instance answered a gene look-up.
#[derive(SimpleObject)]
pub struct GeneLookupSource {
    /// The PanelApp instance.
    pub source: Source,
    /// Where the answer came from; `UNAVAILABLE` when the instance could not be asked and
    /// nothing was cached: then no hit of that instance means nothing.
    pub data_origin: DataOrigin,
    /// Whether the instance answered at all.
    pub answered: bool,
    /// Whether the answer covers every panel of the instance (PanelApp's gene search, or a
    /// complete gene directory); false when only some cached panels could be searched.
    pub complete: bool,
    /// Why the answer is partial or missing (`PanelApp UK unreachable, no cached answer`).
    pub reason: Option<String>,
}

impl From<&SourceAnswer> for GeneLookupSource {
    fn from(a: &SourceAnswer) -> Self {
        Self {
            source: a.source,
            data_origin: a.origin,
            answered: a.origin != DataOrigin::Unavailable,
            complete: a.complete,
            reason: a.reason.clone(),
        }
    }
}

/// Panels listing a gene in both instances, and how each instance answered.
#[derive(SimpleObject)]
pub struct GeneLookup {
    /// The current symbol looked up (an alias or previous symbol asked for is mapped).
    pub symbol: String,
    /// Every panel (of either instance) listing the gene, with its rating there. Empty means "no
    /// panel lists it" only when every entry of `sources` is `complete`.
    pub hits: Vec<PanelGeneHitOut>,
    /// One per instance, UK first.
    pub sources: Vec<GeneLookupSource>,
}

/// Where the background sync of the gene directory stands for one instance.
#[derive(SimpleObject)]
pub struct GeneDirectoryStatus {
    /// Whether the server syncs the directory by itself (`GENE_DIRECTORY_SYNC_INTERVAL`).
    pub automatic: bool,
    /// A run is going on (on this instance or, with Redis, another).
    pub running: bool,
    /// Panels read in the current (or last) run.
    pub panels_read: i32,
    /// Panels in that run's catalogue.
    pub panels_total: i32,
    /// Panels whose details could not be read in that run.
    pub failed: i32,
    /// Whether the directory holds every panel of the instance's catalogue: only then does
    /// an unknown symbol mean "unknown to HGNC".
    pub complete: bool,
    /// When the last complete sync ended (or the catalogue it read was fetched).
    pub last_complete_sync: Option<DateTime<Utc>>,
    /// When the current (or last) run started; null when no run has started yet.
    pub started_at: Option<DateTime<Utc>>,
    /// Why the last run ended early.
    pub last_error: Option<String>,
    /// When the next automatic run is due; null when none is scheduled.
    pub next_sync: Option<DateTime<Utc>>,
}

impl GeneDirectoryStatus {
    fn new(p: DirectoryProgress, automatic: bool) -> Self {
        Self {
            automatic,
            running: p.running,
            panels_read: int(p.panels_read),
            panels_total: int(p.panels_total),
            failed: int(p.failed),
            complete: p.last_complete.is_some(),
            last_complete_sync: p.last_complete,
            started_at: p.started_at,
            last_error: p.last_error,
            next_sync: p.next_run,
        }
    }
}

#[ComplexObject]
impl PanelAppStatusOut {
    /// The gene directory of this instance: how complete it is and the background sync's
    /// progress.
    async fn gene_directory(&self, ctx: &Context<'_>) -> GeneDirectoryStatus {
        let service = &ctx.state().panelapp;
        GeneDirectoryStatus::new(
            service.directory_progress(self.source).await,
            service.directory_sync_automatic(),
        )
    }
}

#[derive(Default)]
pub struct GeneDirectoryQuery;

#[Object]
impl GeneDirectoryQuery {
    /// Panels of both instances listing a gene (its current symbol, an alias or a previous
    /// symbol), and per instance whether it answered and from where. The gene directory of
    /// cached panels is searched first; PanelApp's gene search adds panels not cached.
    async fn gene_lookup(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A gene symbol (case-insensitive): the current HGNC symbol, an alias or a previous symbol."
        )]
        symbol: String,
    ) -> Result<GeneLookup> {
        let found = ctx.state().panelapp.gene_lookup(&symbol).await?;
        Ok(GeneLookup {
            symbol: found.symbol,
            hits: found.hits.iter().map(PanelGeneHitOut::from).collect(),
            sources: found.answers.iter().map(GeneLookupSource::from).collect(),
        })
    }
}
