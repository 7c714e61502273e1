//! The PanelApp service: catalogues, panel details and gene searches through the cache layer
//! ([`store`]: Redis, or memory plus an on-disk copy), stale-while-revalidate, single-flight,
//! snapshot fallback.
//!
//! Cache keys (under [`store::PREFIX`]):
//!
//! ```text
//! catalogue:<uk|au>              both lists of a catalogue and when they were fetched
//! panel:<uk|au>:<id>:<version>   a panel detail as PanelApp sent it (a version never changes)
//! panel:<uk|au>:<id>:current     which version is current, and when that was last checked
//! genes:<uk|au>:<SYMBOL>         PanelApp's gene search for a symbol
//! gene-index:<uk|au>             the genes of a whole catalogue (written by a sync)
//! counts:<uk|au>                 entities per evidence level of every panel read (newest version)
//! lease:<key>                    held (Redis only) while one instance asks PanelApp for <key>
//! invalidated:<uk|au>            when data of the instance was last declared stale
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::{Confidence, EntityType, PanelData, PanelVersion, Source};

mod catalogue;
mod counts;
mod directory;
mod flight;
mod freshness;
mod gene_search;
mod index;
mod leases;
mod panels;
mod store;
mod sync;

use super::client::{PanelAppClient, instance_name};
use super::genes::GeneDirectory;
use super::snapshot::Snapshot;
use super::{Catalogue, DataOrigin};
use crate::backend::Cache;
use crate::backend::bounded::BoundedLru;
use crate::config::Settings;
use crate::error::{AppError, AppResult};
pub use directory::DirectoryProgress;
use flight::Flights;
pub use gene_search::{GeneLookup, SourceAnswer};
use index::CatalogueIndex;
use leases::Leases;
use store::{PREFIX, Store};

use freshness::{Freshness, INVALIDATION_POLL};

/// One panel listing a gene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelGeneHit {
    pub source: Source,
    pub panel_id: u32,
    pub panel_name: String,
    pub panel_version: Option<PanelVersion>,
    pub entity_type: EntityType,
    pub entity_name: String,
    pub symbol: Option<String>,
    pub confidence: Confidence,
    pub mode_of_inheritance: Option<String>,
    pub phenotypes: Vec<String>,
    /// Set when the hit is served, not stored.
    #[serde(skip, default = "live")]
    pub origin: DataOrigin,
}

const fn live() -> DataOrigin {
    DataOrigin::Live
}

/// What serverInfo says about one instance.
#[derive(Debug, Clone)]
pub struct SourceStatus {
    pub source: Source,
    /// `None` until the catalogue was first needed.
    pub origin: Option<DataOrigin>,
    pub data_date: Option<DateTime<Utc>>,
    pub panel_count: usize,
    pub snapshot_date: Option<String>,
    /// Date of the catalogue the gene directory holds in full, when it does.
    pub genes_complete_date: Option<DateTime<Utc>>,
}

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub panels: usize,
    pub details: usize,
    pub failed: Vec<(u32, String)>,
    /// Distinct genes and STRs (by current symbol) in the catalogue's panels.
    pub genes: usize,
    /// Every panel's detail was read: unknown upload symbols can now be flagged.
    pub complete: bool,
}

/// Which version of a panel is current, and when PanelApp last said so.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Current {
    version: PanelVersion,
    checked_at: DateTime<Utc>,
}

pub struct PanelAppService {
    /// Whether cached data may be served as it is (TTL, invalidations, cool-down after a
    /// failure, one background revalidation per key).
    freshness: Freshness,
    clients: HashMap<Source, PanelAppClient>,
    store: Store,
    snapshot: Arc<Snapshot>,
    snapshot_only: bool,
    /// The catalogues held and the search index over them.
    listing: CatalogueIndex,
    genes: Arc<GeneDirectory>,
    /// Parsed panel versions, with when they were fetched; bounded by the bytes of their
    /// PanelApp answers (`PANEL_CACHE_MAX_BYTES`), least recently used dropped first (any
    /// visitor can ask for any historical version).
    parsed: Mutex<BoundedLru<VersionKey, Dated<Arc<PanelData>>>>,
    /// The current version of each panel asked for.
    current: Mutex<HashMap<(Source, u32), Current>>,
    /// The newest gene index date loaded per source.
    gene_index_loaded: Mutex<HashMap<Source, DateTime<Utc>>>,
    /// One PanelApp call per key in this process, per kind of answer.
    catalogue_flights: Flights<Arc<Catalogue>>,
    panel_flights: Flights<(Arc<PanelData>, DateTime<Utc>)>,
    hit_flights: Flights<Arc<Vec<PanelGeneHit>>>,
    /// One PanelApp call per key across the instances sharing Redis.
    leases: Leases,
    /// Entities per evidence level of the panels read, by source (see [`counts`]).
    counts: counts::Counts,
    /// Becomes true once the start-up work (disk sweep, gene indexes) is done.
    started: tokio::sync::watch::Sender<bool>,
    /// `GENE_DIRECTORY_SYNC_INTERVAL` (`None`: no background sync).
    directory_sync_interval: Option<Duration>,
    /// `GENE_DIRECTORY_SYNC_CONCURRENCY`.
    directory_sync_concurrency: usize,
    /// This instance's view of the background sync, per source.
    directory: Mutex<HashMap<Source, DirectoryProgress>>,
    /// Bumped whenever what a listing or a panel answer shows may have changed here (a
    /// catalogue installed, counts learnt, data invalidated): answers cached by the HTTP
    /// layer (`http::response_cache`) are valid only for the generation they were made in.
    generation: std::sync::atomic::AtomicU64,
}

/// A value and when it was fetched.
type Dated<T> = (DateTime<Utc>, T);

/// A panel version: instance, panel id, version.
type VersionKey = (Source, u32, PanelVersion);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn panel_key(source: Source, id: u32, version: PanelVersion) -> String {
    format!("{PREFIX}panel:{}:{id}:{version}", source.prefix())
}

fn current_key(source: Source, id: u32) -> String {
    format!("{PREFIX}panel:{}:{id}:current", source.prefix())
}

fn catalogue_key(source: Source) -> String {
    format!("{PREFIX}catalogue:{}", source.prefix())
}

fn invalidated_key(source: Source) -> String {
    format!("{PREFIX}invalidated:{}", source.prefix())
}

fn gene_index_key(source: Source) -> String {
    format!("{PREFIX}gene-index:{}", source.prefix())
}

impl PanelAppService {
    /// The service for a server. `redis` says whether `cache` is shared (no disk copy then).
    pub fn new(
        settings: &Settings,
        cache: Arc<dyn Cache>,
        redis: bool,
    ) -> anyhow::Result<Arc<Self>> {
        let p = &settings.panelapp;
        let (snapshot, snapshot_only) = match &p.snapshot_dir {
            Some(dir) => (Snapshot::read_dir(dir)?, true),
            None => (Snapshot::bundled(), false),
        };
        let mut clients = HashMap::new();
        if !snapshot_only {
            for source in Source::ALL {
                clients.insert(*source, PanelAppClient::new(*source, p)?);
            }
        }
        // Uploads trust "unknown" once every instance served is known in full.
        let required: Vec<Source> = if snapshot_only {
            Source::ALL
                .iter()
                .copied()
                .filter(|s| snapshot.panels(*s).is_some())
                .collect()
        } else {
            Source::ALL.to_vec()
        };
        let disk = (!redis).then(|| settings.data_dir.join("panelapp-cache"));
        let snapshot = Arc::new(snapshot);
        let this = Arc::new(Self {
            freshness: Freshness::new(p.cache_ttl),
            clients,
            store: Store::new(cache, redis, disk, p.cache_retention).with_local(
                crate::backend::MemoryBackend::with_limits((&settings.caches).into()),
            ),
            genes: Arc::new(GeneDirectory::seeded_from(snapshot.clone(), required)),
            snapshot,
            snapshot_only,
            listing: CatalogueIndex::default(),
            parsed: Mutex::new(BoundedLru::new(
                settings.caches.panel_cache_bytes,
                usize::MAX,
            )),
            current: Mutex::default(),
            gene_index_loaded: Mutex::default(),
            catalogue_flights: Flights::default(),
            panel_flights: Flights::default(),
            hit_flights: Flights::default(),
            leases: Leases::for_client(p.timeout, p.max_retries),
            counts: counts::Counts::default(),
            started: tokio::sync::watch::Sender::new(false),
            directory_sync_interval: p.directory_sync_interval,
            directory_sync_concurrency: p.directory_sync_concurrency,
            directory: Mutex::default(),
            generation: std::sync::atomic::AtomicU64::new(0),
        });
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let service = this.clone();
                rt.spawn(async move {
                    if !service.snapshot_only {
                        let s = service.clone();
                        let _ = tokio::task::spawn_blocking(move || s.store.sweep_disk()).await;
                        for source in Source::ALL {
                            service.load_gene_index(*source).await;
                            service.load_counts(*source).await;
                        }
                    }
                    service.started.send_replace(true);
                });
                if !snapshot_only {
                    // Writes new counts to the cache, coalescing bursts (a sync reads hundreds).
                    let weak = Arc::downgrade(&this);
                    let wake = this.counts.wake();
                    rt.spawn(async move {
                        loop {
                            wake.notified().await;
                            let Some(service) = weak.upgrade() else { break };
                            service.flush_dirty_counts().await;
                        }
                    });
                }
            }
            Err(_) => {
                this.started.send_replace(true);
            }
        }
        Ok(this)
    }

    /// Waits for the start-up work: expired disk entries removed, the gene indexes and panel
    /// counts of earlier runs loaded (uploads flag unknown symbols only after that).
    pub async fn started(&self) {
        let mut rx = self.started.subscribe();
        let _ = rx.wait_for(|done| *done).await;
    }

    /// Whether the shared cache (Redis) failed a moment ago and is being bypassed: PanelApp
    /// data then comes from this process's memory and from PanelApp.
    pub fn cache_degraded(&self) -> bool {
        self.store.shared_down()
    }

    /// The parsed panel versions held in memory: `(versions, bytes, bound in bytes)`.
    pub fn parsed_cache_usage(&self) -> (usize, usize, usize) {
        let parsed = lock(&self.parsed);
        (parsed.len(), parsed.weight(), parsed.max_weight())
    }

    /// The data generation (see the field): equal generations mean equal catalogue answers,
    /// apart from the passing of time (freshness), which callers bound themselves.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Marks every answer cached so far as outdated.
    pub(super) fn bump_generation(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The symbol resolver and autocomplete source.
    pub fn genes(&self) -> Arc<GeneDirectory> {
        self.genes.clone()
    }

    pub fn snapshot_only(&self) -> bool {
        self.snapshot_only
    }

    pub fn snapshot_label(&self) -> &str {
        &self.snapshot.label
    }

    /// How long cached PanelApp data is kept (`PANELAPP_CACHE_RETENTION`).
    pub fn retention(&self) -> Duration {
        self.store.retention()
    }

    fn client(&self, source: Source) -> AppResult<&PanelAppClient> {
        self.clients.get(&source).ok_or_else(|| {
            AppError::upstream(
                instance_name(source),
                "this server serves a snapshot only (PANELAPP_SNAPSHOT)",
            )
        })
    }

    /// Everything of `source` fetched before now is stale, here and (through the cache) on
    /// every other instance.
    async fn invalidate(&self, source: Source) {
        let now = Utc::now();
        self.freshness.invalidate(source, now);
        self.bump_generation();
        self.store
            .put_memory_only(&invalidated_key(source), now.to_rfc3339().as_bytes())
            .await;
    }

    /// Picks up an invalidation made on another instance (the marker is read at most every
    /// [`INVALIDATION_POLL`]).
    async fn follow_invalidation(&self, source: Source) {
        if self.snapshot_only || !self.freshness.marker_due(source) {
            return;
        }
        let Some(bytes) = self.store.get(&invalidated_key(source)).await else {
            return;
        };
        let Some(at) = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        else {
            return;
        };
        if self.freshness.learn(source, at.with_timezone(&Utc)) {
            self.bump_generation();
        }
    }

    fn is_fresh(&self, source: Source, fetched_at: DateTime<Utc>) -> bool {
        self.freshness.is_fresh(source, fetched_at)
    }

    /// Runs `work` in the background unless a revalidation of `key` is already running
    /// (stale answers do not each start one) or the last refresh of `source` just failed.
    fn revalidate<F>(&self, source: Source, key: String, work: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        if self.snapshot_only {
            return;
        }
        let Some(done) = self.freshness.begin_revalidation(source, key) else {
            return;
        };
        tokio::spawn(async move {
            let _done = done;
            work.await;
        });
    }
}
