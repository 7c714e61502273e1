//! The gene directory fills itself: on start and then every `GENE_DIRECTORY_SYNC_INTERVAL`,
//! a background task reads every panel of each instance's catalogue into the cache and
//! records the genes of the whole catalogue (a [`GeneIndex`]), so that uploads and genes added
//! by hand are verified without an admin running `panelmerge panelapp sync`.
//!
//! It is polite and resumable: at most `GENE_DIRECTORY_SYNC_CONCURRENCY` details at a time
//! through the PanelApp client (its own concurrency bound, backoff and `Retry-After`), only
//! the panels whose listed version is not cached yet are fetched (a restart carries on where
//! the last run stopped), and a failing PanelApp ends the run until the next try. It never
//! blocks a request: requests are served from the cache (or the snapshot) meanwhile.
//!
//! With Redis, one instance syncs (the lease `lease:directory-sync:<uk|au>`); the others show
//! its progress (`directory-sync:<uk|au>` in the shared cache) and load its gene index.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use shared::{ErrorCode, PanelData, Source};

use super::store::PREFIX;
use super::{PanelAppService, gene_index_key, lock};
use crate::panelapp::genes::GeneIndex;
use crate::shutdown::Shutdown;

/// After a run that PanelApp cut short, the next try waits this long (or the interval, if
/// shorter).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(15 * 60);
/// How often a waiting instance looks at the shared progress (another instance's sync).
const FOLLOW_EVERY: Duration = Duration::from_secs(5);

/// Where the background sync of one instance stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DirectoryProgress {
    /// A run is going on (here or, with Redis, on another instance).
    pub running: bool,
    /// Panels of the catalogue read so far in this run (cached or fetched).
    pub panels_read: usize,
    /// Panels in the catalogue of this run.
    pub panels_total: usize,
    /// Panels whose details could not be read in this run.
    pub failed: usize,
    pub started_at: Option<DateTime<Utc>>,
    /// When the last run that read every panel ended.
    pub last_complete: Option<DateTime<Utc>>,
    /// Why the last run ended early, if it did.
    pub last_error: Option<String>,
    /// When the next run is due.
    pub next_run: Option<DateTime<Utc>>,
}

fn progress_key(source: Source) -> String {
    format!("{PREFIX}directory-sync:{}", source.prefix())
}

impl PanelAppService {
    /// Starts the background sync of the gene directory (unless `GENE_DIRECTORY_SYNC_INTERVAL`
    /// is `off` or only a snapshot is served). Ends with `shutdown`.
    pub fn spawn_directory_sync(self: &Arc<Self>, shutdown: Shutdown) {
        let Some(interval) = self.directory_sync_interval else {
            return;
        };
        if self.snapshot_only {
            return;
        }
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            if let Some(s) = weak.upgrade() {
                s.started().await;
            }
            loop {
                let Some(service) = weak.upgrade() else { break };
                let wait = tokio::select! {
                    wait = service.directory_round(interval) => wait,
                    () = shutdown.wait() => break,
                };
                drop(service);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = shutdown.wait() => break,
                }
            }
        });
    }

    /// Syncs each instance that is due; returns how long to wait before looking again.
    async fn directory_round(self: &Arc<Self>, interval: Duration) -> Duration {
        let mut wait = interval;
        for source in Source::ALL {
            let source = *source;
            // Another instance may have finished a run: take its gene index.
            self.follow_directory(source).await;
            let last = self.genes.complete_since(source);
            let due =
                last.is_none_or(|at| (Utc::now() - at).to_std().unwrap_or_default() >= interval);
            let until_due = |p: &DirectoryProgress| {
                p.next_run
                    .and_then(|n| (n - Utc::now()).to_std().ok())
                    .unwrap_or_default()
            };
            let progress = self.directory_progress(source).await;
            if !due || (progress.last_error.is_some() && !until_due(&progress).is_zero()) {
                let left = if due {
                    until_due(&progress)
                } else {
                    let interval = chrono::Duration::from_std(interval).unwrap_or_default();
                    last.and_then(|at| (at + interval - Utc::now()).to_std().ok())
                        .unwrap_or_default()
                };
                wait = wait.min(left.max(Duration::from_secs(1)));
                continue;
            }
            let key = progress_key(source);
            let round = self
                .leases
                .exclusive(&self.store, &key, self.sync_directory(source, interval))
                .await;
            // `None`: another instance syncs; look again soon for its result.
            wait = wait.min(round.unwrap_or(FOLLOW_EVERY));
        }
        wait
    }

    /// Whether the server syncs the gene directory by itself.
    pub fn directory_sync_automatic(&self) -> bool {
        self.directory_sync_interval.is_some() && !self.snapshot_only
    }

    /// Where the background sync of `source` stands (this instance's run, or another's).
    pub async fn directory_progress(&self, source: Source) -> DirectoryProgress {
        let here = lock(&self.directory).get(&source).cloned();
        if let Some(p) = &here
            && p.running
        {
            return p.clone();
        }
        let shared = self
            .store
            .get(&progress_key(source))
            .await
            .and_then(|b| serde_json::from_slice::<DirectoryProgress>(&b).ok());
        // Another instance finished a run: its gene index is this instance's too.
        if let Some(done) = shared.as_ref().and_then(|p| p.last_complete)
            && self.store.shared_across_instances()
            && self.genes.complete_since(source).is_none_or(|at| at < done)
        {
            self.load_gene_index(source).await;
        }
        let mut p = match (here, shared) {
            (Some(a), Some(b)) => {
                if b.running || b.started_at > a.started_at {
                    b
                } else {
                    a
                }
            }
            (a, b) => a.or(b).unwrap_or_default(),
        };
        // Complete is what this instance's directory holds.
        p.last_complete = self.genes.complete_since(source);
        p
    }

    async fn set_progress(&self, source: Source, p: &DirectoryProgress, share: bool) {
        lock(&self.directory).insert(source, p.clone());
        if share && let Ok(bytes) = serde_json::to_vec(p) {
            self.store
                .put_memory_only(&progress_key(source), &bytes)
                .await;
        }
    }

    /// Loads the gene index another instance's finished run left in the shared cache.
    async fn follow_directory(&self, source: Source) {
        if !self.store.shared_across_instances() {
            return;
        }
        let shared = self
            .store
            .get(&progress_key(source))
            .await
            .and_then(|b| serde_json::from_slice::<DirectoryProgress>(&b).ok());
        if let Some(done) = shared.and_then(|p| p.last_complete)
            && self.genes.complete_since(source).is_none_or(|at| at < done)
        {
            self.load_gene_index(source).await;
        }
    }

    /// One run for `source`; returns how long to wait before the next look.
    async fn sync_directory(self: &Arc<Self>, source: Source, interval: Duration) -> Duration {
        let started = Utc::now();
        let mut progress = DirectoryProgress {
            running: true,
            started_at: Some(started),
            last_complete: self.genes.complete_since(source),
            ..DirectoryProgress::default()
        };
        self.set_progress(source, &progress, true).await;
        tracing::info!(
            source = source.display_name(),
            "gene directory sync started"
        );
        let outcome = self.read_every_panel(source, &mut progress).await;
        progress.running = false;
        let wait = match outcome {
            Ok(index) => {
                let complete = index.complete();
                let genes = index.genes.len();
                if let Ok(bytes) = serde_json::to_vec(&index) {
                    self.store.put(&gene_index_key(source), &bytes).await;
                }
                self.genes.add_index(&index);
                self.bump_generation();
                lock(&self.gene_index_loaded).insert(source, index.catalogue_date);
                if complete {
                    progress.last_complete = self.genes.complete_since(source);
                    progress.last_error = None;
                } else {
                    progress.last_error = Some(format!(
                        "{} of {} panels could not be read",
                        progress.failed, progress.panels_total
                    ));
                }
                tracing::info!(
                    source = source.display_name(),
                    panels = progress.panels_total,
                    read = progress.panels_read,
                    genes,
                    complete,
                    "gene directory sync finished"
                );
                if complete {
                    interval
                } else {
                    interval.min(RETRY_AFTER_FAILURE)
                }
            }
            Err(message) => {
                tracing::warn!(
                    source = source.display_name(),
                    error = %message,
                    "gene directory sync stopped; it carries on later"
                );
                progress.last_error = Some(message);
                interval.min(RETRY_AFTER_FAILURE)
            }
        };
        progress.next_run = chrono::Duration::from_std(wait)
            .ok()
            .map(|w| Utc::now() + w);
        self.set_progress(source, &progress, true).await;
        wait
    }

    /// Reads the catalogue and every panel's current version (from the cache when that
    /// version is there, else from PanelApp), updating `progress`. Fails when PanelApp does
    /// not answer (the panels read so far stay cached for the next run).
    async fn read_every_panel(
        self: &Arc<Self>,
        source: Source,
        progress: &mut DirectoryProgress,
    ) -> Result<GeneIndex, String> {
        let catalogue = match self.catalogue(source).await {
            Ok((c, origin))
                if !c.from_snapshot && origin != crate::panelapp::DataOrigin::StaleCache =>
            {
                c
            }
            _ => self
                .refresh_catalogue(source, Arc::new(|_, _| {}))
                .await
                .map_err(|e| e.message)?,
        };
        let total = catalogue.panels.len();
        progress.panels_total = total;
        self.set_progress(source, progress, true).await;
        let mut panels: Vec<Arc<PanelData>> = Vec::with_capacity(total);
        let mut failed = 0;
        let mut stream = futures::stream::iter(catalogue.panels.iter().cloned())
            .map(|summary| {
                let this = self.clone();
                async move {
                    match this
                        .cached_version(source, summary.id, summary.version)
                        .await
                    {
                        Some((_, data)) => Ok(data),
                        None => this
                            .fetch_panel(source, summary.id, None)
                            .await
                            .map(|(d, _)| d),
                    }
                }
            })
            .buffer_unordered(self.directory_sync_concurrency);
        let mut last_shared = 0;
        while let Some(out) = stream.next().await {
            match out {
                Ok(data) => panels.push(data),
                // A panel the catalogue lists but PanelApp does not serve: the run goes on.
                Err(e) if e.code == ErrorCode::NotFound => failed += 1,
                Err(e) => {
                    progress.failed = failed + 1;
                    progress.panels_read = panels.len();
                    return Err(e.message);
                }
            }
            progress.panels_read = panels.len();
            progress.failed = failed;
            // Shared every few panels (Redis round trips), kept here for each.
            let share = panels.len() + failed - last_shared >= 10;
            if share {
                last_shared = panels.len() + failed;
            }
            self.set_progress(source, progress, share).await;
        }
        Ok(GeneIndex::build(
            source,
            catalogue.fetched_at,
            total,
            panels.iter().map(|d| d.as_ref()),
        ))
    }
}
