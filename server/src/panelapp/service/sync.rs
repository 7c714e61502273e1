//! Refresh, sync and snapshot dumps.

use std::sync::Arc;

use chrono::Utc;

use super::{PanelAppService, SourceStatus, SyncReport, lock};
use crate::error::AppResult;
use crate::panelapp::DataOrigin;
use crate::panelapp::snapshot::SourceDump;
use shared::Source;

impl PanelAppService {
    // ---- refresh, sync, snapshot ----

    /// `refreshPanelApp`: everything cached for `source` (or both) becomes stale and the
    /// catalogues are fetched again. Cached data stays servable when PanelApp is down.
    pub async fn refresh(self: &Arc<Self>, source: Option<Source>) -> AppResult<usize> {
        let sources: Vec<Source> = source.map_or_else(|| Source::ALL.to_vec(), |s| vec![s]);
        let now = Utc::now();
        for s in &sources {
            lock(&self.invalidated).insert(*s, now);
            lock(&self.failed_at).remove(s);
        }
        lock(&self.gene_hits).clear();
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

    /// Fetches a catalogue and every panel detail into the cache (`panelapp sync`).
    /// `progress` gets `(done, total)`.
    pub async fn sync(
        self: &Arc<Self>,
        source: Source,
        progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
    ) -> AppResult<SyncReport> {
        lock(&self.invalidated).insert(source, Utc::now());
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
        for (id, r) in results {
            match r {
                Ok(_) => report.details += 1,
                Err(e) => report.failed.push((id, e.message)),
            }
        }
        Ok(report)
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
        let held = self
            .catalogues
            .read()
            .map(|c| c.clone())
            .unwrap_or_default();
        Source::ALL
            .iter()
            .map(|s| {
                let c = held.get(s);
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
                }
            })
            .collect()
    }
}
