//! Refresh, sync and snapshot dumps.

use std::sync::Arc;

use super::{PanelAppService, SourceStatus, SyncReport, gene_index_key, lock};
use crate::error::AppResult;
use crate::panelapp::DataOrigin;
use crate::panelapp::genes::GeneIndex;
use crate::panelapp::snapshot::SourceDump;
use shared::Source;

impl PanelAppService {
    // ---- refresh, sync, snapshot ----

    /// `refreshPanelApp`: everything cached for `source` (or both) becomes stale and the
    /// catalogues are fetched again. Cached data stays servable when PanelApp is down.
    pub async fn refresh(self: &Arc<Self>, source: Option<Source>) -> AppResult<usize> {
        let sources: Vec<Source> = source.map_or_else(|| Source::ALL.to_vec(), |s| vec![s]);
        for s in &sources {
            self.invalidate(*s).await;
            self.freshness.recovered(*s);
        }
        let mut total = 0;
        for s in sources {
            total += self
                .refresh_catalogue(s, Arc::new(|_, _| {}))
                .await?
                .panels
                .len();
        }
        Ok(total)
    }

    /// Fetches a catalogue and every panel detail into the cache (`panelapp sync`), then
    /// records the genes of the whole catalogue (a [`GeneIndex`]) — complete when every
    /// detail was read, which is what lets uploads flag unknown symbols.
    /// `progress` gets `(done, total)`.
    pub async fn sync(
        self: &Arc<Self>,
        source: Source,
        progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
    ) -> AppResult<SyncReport> {
        self.invalidate(source).await;
        let c = self.refresh_catalogue(source, Arc::new(|_, _| {})).await?;
        let total = c.panels.len();
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let results = futures::future::join_all(c.panels.iter().map(|p| {
            let id = p.id;
            let done = done.clone();
            let progress = progress.clone();
            async move {
                let r = self.fetch_panel(source, id, None).await;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total);
                (id, r)
            }
        }))
        .await;
        let mut report = SyncReport {
            panels: total,
            ..SyncReport::default()
        };
        let mut read = Vec::new();
        for (id, r) in results {
            match r {
                Ok((data, _)) => {
                    report.details += 1;
                    read.push(data);
                }
                Err(e) => report.failed.push((id, e.message)),
            }
        }
        let index = GeneIndex::build(source, c.fetched_at, total, read.iter().map(|d| d.as_ref()));
        report.genes = index.genes.len();
        report.complete = index.complete();
        if let Ok(bytes) = serde_json::to_vec(&index) {
            self.store.put(&gene_index_key(source), &bytes).await;
        }
        self.genes.add_index(&index);
        self.bump_generation();
        lock(&self.gene_index_loaded).insert(source, index.catalogue_date);
        // Written now, not in the background: the CLI exits after a sync.
        self.flush_counts(source).await;
        Ok(report)
    }

    /// Adds the gene index a sync left in the cache, when newer than the one loaded.
    pub(super) async fn load_gene_index(&self, source: Source) {
        let Some(bytes) = self.store.get(&gene_index_key(source)).await else {
            return;
        };
        let index: GeneIndex = match serde_json::from_slice(&bytes) {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable PanelApp gene index ignored");
                return;
            }
        };
        {
            let mut loaded = lock(&self.gene_index_loaded);
            if loaded
                .get(&source)
                .is_some_and(|at| *at >= index.catalogue_date)
            {
                return;
            }
            loaded.insert(source, index.catalogue_date);
        }
        self.genes.add_index(&index);
        self.bump_generation();
        tracing::info!(
            source = source.display_name(),
            genes = index.genes.len(),
            complete = index.complete(),
            "PanelApp gene index loaded"
        );
    }

    /// What a snapshot of `source` holds: the catalogue and every detail available.
    pub async fn dump(self: &Arc<Self>, source: Source) -> AppResult<SourceDump> {
        let (c, _) = self.catalogue(source).await?;
        let mut details = Vec::new();
        for p in &c.panels {
            if let Some(body) = self.raw_detail(source, p.id).await {
                details.push((p.id, body));
            }
        }
        Ok(SourceDump {
            source,
            date: c.fetched_at.to_rfc3339(),
            panels: c.raw.clone(),
            signed_off: c.raw_signed_off.clone(),
            details,
        })
    }

    /// What serverInfo reports.
    pub fn status(&self) -> Vec<SourceStatus> {
        Source::ALL
            .iter()
            .map(|s| {
                let held = self.listing.held(*s);
                let c = held.as_ref();
                SourceStatus {
                    source: *s,
                    origin: c.map(|c| {
                        if c.from_snapshot {
                            DataOrigin::Snapshot
                        } else if self.is_fresh(*s, c.fetched_at) {
                            DataOrigin::Cache
                        } else {
                            DataOrigin::StaleCache
                        }
                    }),
                    data_date: c.map(|c| c.fetched_at),
                    panel_count: c.map_or(0, |c| c.panels.len()),
                    snapshot_date: self.snapshot.date(*s),
                    genes_complete_date: self.genes.complete_since(*s),
                }
            })
            .collect()
    }
}
