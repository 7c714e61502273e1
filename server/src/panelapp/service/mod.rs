//! The PanelApp service: catalogues and panel details through the cache backend (Redis, or
//! memory plus an on-disk copy), stale-while-revalidate, single-flight, snapshot fallback.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use serde::{Deserialize, Serialize};
use shared::{Confidence, EntityType, PanelData, PanelVersion, Source};

mod gene_search;
mod sync;

use super::client::{PanelAppClient, instance_name};
use super::genes::GeneDirectory;
use super::models::{RawSummary, parse_panel};
use super::search::{SearchFilter, SearchIndex};
use super::snapshot::Snapshot;
use super::{Catalogue, DataOrigin, PanelResult, PanelSummary, parse_date};
use crate::backend::Cache;
use crate::config::Settings;
use crate::error::{AppError, AppResult};

const PREFIX: &str = "panelapp:v1:";
/// After a failed refresh, background refreshes of that source wait this long.
const RETRY_COOLDOWN: Duration = Duration::from_secs(30);

#[derive(Clone)]
enum FlightOut {
    Catalogue(Arc<Catalogue>),
    Panel(Arc<PanelData>, DateTime<Utc>),
    Hits(Arc<Vec<PanelGeneHit>>),
}

type Flight = Shared<BoxFuture<'static, Result<FlightOut, AppError>>>;

/// One panel listing a gene.
#[derive(Debug, Clone, PartialEq)]
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
    pub origin: DataOrigin,
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
}

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub panels: usize,
    pub details: usize,
    pub failed: Vec<(u32, String)>,
}

#[derive(Serialize, Deserialize)]
struct CachedCatalogue {
    fetched_at: DateTime<Utc>,
    panels: Vec<RawSummary>,
    signed_off: Vec<RawSummary>,
}

pub struct PanelAppService {
    ttl: Duration,
    clients: HashMap<Source, PanelAppClient>,
    cache: Arc<dyn Cache>,
    /// On-disk copy of the cache (when there is no Redis).
    disk: Option<PathBuf>,
    snapshot: Arc<Snapshot>,
    snapshot_only: bool,
    catalogues: RwLock<HashMap<Source, Arc<Catalogue>>>,
    index: RwLock<Arc<SearchIndex>>,
    genes: Arc<GeneDirectory>,
    /// Parsed panels by cache key, with their fetch time.
    parsed: Mutex<HashMap<String, Dated<Arc<PanelData>>>>,
    gene_hits: Mutex<HashMap<String, Dated<Arc<Vec<PanelGeneHit>>>>>,
    flights: Mutex<HashMap<String, Flight>>,
    failed_at: Mutex<HashMap<Source, Instant>>,
    /// Data fetched before this (per source) counts as stale (`refreshPanelApp`).
    invalidated: Mutex<HashMap<Source, DateTime<Utc>>>,
}

/// A value and when it was fetched.
type Dated<T> = (DateTime<Utc>, T);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn panel_key(source: Source, id: u32, version: Option<PanelVersion>) -> String {
    match version {
        Some(v) => format!("{PREFIX}panel:{}:{id}:{v}", source.prefix()),
        None => format!("{PREFIX}panel:{}:{id}:latest", source.prefix()),
    }
}

fn catalogue_key(source: Source) -> String {
    format!("{PREFIX}catalogue:{}", source.prefix())
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
        let disk = (!redis).then(|| settings.data_dir.join("panelapp-cache"));
        let snapshot = Arc::new(snapshot);
        Ok(Arc::new(Self {
            ttl: p.cache_ttl,
            clients,
            cache,
            disk,
            genes: Arc::new(GeneDirectory::seeded_from(snapshot.clone())),
            snapshot,
            snapshot_only,
            catalogues: RwLock::default(),
            index: RwLock::default(),
            parsed: Mutex::default(),
            gene_hits: Mutex::default(),
            flights: Mutex::default(),
            failed_at: Mutex::default(),
            invalidated: Mutex::default(),
        }))
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

    fn client(&self, source: Source) -> AppResult<&PanelAppClient> {
        self.clients.get(&source).ok_or_else(|| {
            AppError::upstream(
                instance_name(source),
                "this server serves a snapshot only (PANELAPP_SNAPSHOT)",
            )
        })
    }

    /// Whether a refresh of `source` failed a moment ago (background refreshes wait).
    fn cooling_down(&self, source: Source) -> bool {
        lock(&self.failed_at)
            .get(&source)
            .is_some_and(|t| t.elapsed() < RETRY_COOLDOWN)
    }

    fn is_fresh(&self, source: Source, fetched_at: DateTime<Utc>) -> bool {
        let age = (Utc::now() - fetched_at).to_std().unwrap_or_default();
        let invalidated = lock(&self.invalidated).get(&source).copied();
        age < self.ttl && invalidated.is_none_or(|at| fetched_at > at)
    }

    // ---- cache backend + disk copy ----

    fn disk_path(&self, key: &str) -> Option<PathBuf> {
        self.disk
            .as_ref()
            .map(|d| d.join(key.replace([':', '/'], "_")))
    }

    async fn cache_get(&self, key: &str) -> Option<Vec<u8>> {
        match self.cache.get(key).await {
            Ok(Some(v)) => return Some(v),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, key, "PanelApp cache read failed"),
        }
        let path = self.disk_path(key)?;
        let bytes = tokio::fs::read(path).await.ok()?;
        let _ = self.cache.set(key, &bytes, None).await;
        Some(bytes)
    }

    async fn cache_put(&self, key: &str, value: &[u8]) {
        // Kept well past the TTL so stale data can still be served when PanelApp is down.
        let keep = self
            .ttl
            .saturating_mul(30)
            .max(Duration::from_secs(30 * 86400));
        if let Err(e) = self.cache.set(key, value, Some(keep)).await {
            tracing::warn!(error = %e, key, "PanelApp cache write failed");
        }
        if let Some(path) = self.disk_path(key) {
            if let Some(dir) = path.parent() {
                let _ = tokio::fs::create_dir_all(dir).await;
            }
            let tmp = path.with_extension("tmp");
            let written = tokio::fs::write(&tmp, value).await.is_ok()
                && tokio::fs::rename(&tmp, &path).await.is_ok();
            if !written {
                tracing::warn!(path = %path.display(), "PanelApp disk cache write failed");
            }
        }
    }

    // ---- single flight ----

    async fn single_flight(
        self: &Arc<Self>,
        key: String,
        work: impl FnOnce(Arc<Self>) -> BoxFuture<'static, Result<FlightOut, AppError>>,
    ) -> Result<FlightOut, AppError> {
        let flight = {
            let mut flights = lock(&self.flights);
            match flights.get(&key) {
                Some(f) => f.clone(),
                None => {
                    let this = self.clone();
                    let fut = work(this.clone());
                    let k = key.clone();
                    let handle = tokio::spawn(async move {
                        let out = fut.await;
                        lock(&this.flights).remove(&k);
                        out
                    });
                    let f: Flight = async move {
                        handle
                            .await
                            .map_err(|e| AppError::internal(format!("PanelApp task: {e}")))?
                    }
                    .boxed()
                    .shared();
                    flights.insert(key, f.clone());
                    f
                }
            }
        };
        flight.await
    }

    // ---- catalogues ----

    /// A catalogue and where it came from. Never fails when a snapshot has the source.
    pub async fn catalogue(
        self: &Arc<Self>,
        source: Source,
    ) -> AppResult<(Arc<Catalogue>, DataOrigin)> {
        if self.snapshot_only {
            return self
                .snapshot_catalogue(source)
                .map(|c| (c, DataOrigin::Snapshot));
        }
        let mut held = self
            .catalogues
            .read()
            .ok()
            .and_then(|c| c.get(&source).cloned());
        if held.is_none()
            && let Some(bytes) = self.cache_get(&catalogue_key(source)).await
            && let Ok(cached) = serde_json::from_slice::<CachedCatalogue>(&bytes)
        {
            let c = Arc::new(Catalogue::new(
                source,
                cached.panels,
                cached.signed_off,
                cached.fetched_at,
                false,
            ));
            self.install_catalogue(c.clone());
            held = Some(c);
        }
        if let Some(c) = held {
            if !c.from_snapshot && self.is_fresh(source, c.fetched_at) {
                return Ok((c, DataOrigin::Cache));
            }
            self.revalidate_catalogue(source);
            let origin = if c.from_snapshot {
                DataOrigin::Snapshot
            } else {
                DataOrigin::StaleCache
            };
            return Ok((c, origin));
        }
        match self.refresh_catalogue(source, Arc::new(|_, _| {})).await {
            Ok(c) => Ok((c, DataOrigin::Live)),
            Err(e) => {
                tracing::warn!(error = %e.message, "PanelApp catalogue unavailable; serving the snapshot");
                let c = self.snapshot_catalogue(source).map_err(|_| e)?;
                self.install_catalogue(c.clone());
                Ok((c, DataOrigin::Snapshot))
            }
        }
    }

    fn snapshot_catalogue(&self, source: Source) -> AppResult<Arc<Catalogue>> {
        if let Some(c) = self
            .catalogues
            .read()
            .ok()
            .and_then(|c| c.get(&source).cloned())
            && c.from_snapshot
        {
            return Ok(c);
        }
        let panels = self.snapshot.panels(source).ok_or_else(|| {
            AppError::upstream(
                instance_name(source),
                "unreachable, and no snapshot holds its panels",
            )
        })?;
        let date = self
            .snapshot
            .date(source)
            .and_then(|d| parse_date(&d))
            .unwrap_or_default();
        let c = Arc::new(Catalogue::new(
            source,
            panels,
            self.snapshot.signed_off(source),
            date,
            true,
        ));
        if self.snapshot_only {
            self.install_catalogue(c.clone());
        }
        Ok(c)
    }

    fn install_catalogue(&self, c: Arc<Catalogue>) {
        let all: Vec<Arc<PanelSummary>> = {
            let Ok(mut map) = self.catalogues.write() else {
                return;
            };
            map.insert(c.source, c);
            let mut sources: Vec<_> = map.values().cloned().collect();
            sources.sort_by_key(|c| c.source);
            sources
                .iter()
                .flat_map(|c| c.panels.iter().cloned())
                .collect()
        };
        let index = Arc::new(SearchIndex::build(all));
        if let Ok(mut slot) = self.index.write() {
            *slot = index;
        }
    }

    fn revalidate_catalogue(self: &Arc<Self>, source: Source) {
        if self.snapshot_only || self.cooling_down(source) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.refresh_catalogue(source, Arc::new(|_, _| {})).await {
                tracing::warn!(error = %e.message, "background PanelApp refresh failed");
            }
        });
    }

    /// Fetches a catalogue and its signed-off list from PanelApp (one flight per source),
    /// then caches and indexes it. `progress` gets `(panels so far, count)`.
    pub async fn refresh_catalogue(
        self: &Arc<Self>,
        source: Source,
        progress: Arc<dyn Fn(usize, Option<u64>) + Send + Sync>,
    ) -> AppResult<Arc<Catalogue>> {
        self.client(source)?;
        let out = self
            .single_flight(catalogue_key(source), move |this| {
                async move {
                    let client = this.client(source)?.clone();
                    let fetched = async {
                        let panels: Vec<RawSummary> = client
                            .get_all("panels/", "panel list", progress.as_ref())
                            .await?;
                        let signed: Vec<RawSummary> = client
                            .get_all("panels/signedoff/", "signed-off list", &|_, _| {})
                            .await?;
                        Ok::<_, super::client::UpstreamError>((panels, signed))
                    }
                    .await;
                    let (panels, signed) = match fetched {
                        Ok(v) => v,
                        Err(e) => {
                            lock(&this.failed_at).insert(source, Instant::now());
                            return Err(AppError::from(e));
                        }
                    };
                    lock(&this.failed_at).remove(&source);
                    let cached = CachedCatalogue {
                        fetched_at: Utc::now(),
                        panels,
                        signed_off: signed,
                    };
                    if let Ok(bytes) = serde_json::to_vec(&cached) {
                        this.cache_put(&catalogue_key(source), &bytes).await;
                    }
                    let c = Arc::new(Catalogue::new(
                        source,
                        cached.panels,
                        cached.signed_off,
                        cached.fetched_at,
                        false,
                    ));
                    this.install_catalogue(c.clone());
                    Ok(FlightOut::Catalogue(c))
                }
                .boxed()
            })
            .await?;
        match out {
            FlightOut::Catalogue(c) => Ok(c),
            _ => Err(AppError::internal("unexpected PanelApp flight result")),
        }
    }

    /// Both catalogues (or one), loaded concurrently. With both, one instance that can not
    /// be served (unreachable and in no snapshot) is left out rather than failing the other.
    pub async fn catalogues(
        self: &Arc<Self>,
        only: Option<Source>,
    ) -> AppResult<Vec<(Arc<Catalogue>, DataOrigin)>> {
        if let Some(s) = only {
            return Ok(vec![self.catalogue(s).await?]);
        }
        let results =
            futures::future::join_all(Source::ALL.iter().map(|s| self.catalogue(*s))).await;
        let mut loaded = Vec::new();
        let mut first_error = None;
        for r in results {
            match r {
                Ok(c) => loaded.push(c),
                Err(e) => {
                    tracing::warn!(error = %e.message, "a PanelApp catalogue is unavailable");
                    first_error.get_or_insert(e);
                }
            }
        }
        match (loaded.is_empty(), first_error) {
            (true, Some(e)) => Err(e),
            _ => Ok(loaded),
        }
    }

    /// Search over both catalogues.
    pub async fn search(
        self: &Arc<Self>,
        query: Option<&str>,
        filter: &SearchFilter,
    ) -> AppResult<(Vec<Arc<PanelSummary>>, Vec<(Arc<Catalogue>, DataOrigin)>)> {
        let loaded = self.catalogues(filter.source).await?;
        let index = self.index.read().map(|i| i.clone()).unwrap_or_default();
        Ok((index.search(query, filter), loaded))
    }

    /// The current version of a panel, from its catalogue.
    pub async fn current_version(
        self: &Arc<Self>,
        source: Source,
        id: u32,
    ) -> AppResult<PanelVersion> {
        let (c, _) = self.catalogue(source).await?;
        c.get(id)
            .map(|p| p.version)
            .ok_or_else(|| AppError::not_found(format!("{} panel {id}", source.display_name())))
    }

    // ---- panels ----

    /// Entities per evidence level of one panel version, when this instance has already
    /// parsed that version (memory only: listing a page of results does no I/O for it).
    pub fn known_counts(
        &self,
        source: Source,
        id: u32,
        version: PanelVersion,
    ) -> Option<shared::ConfidenceCounts> {
        lock(&self.parsed)
            .get(&panel_key(source, id, Some(version)))
            .map(|(_, data)| data.counts())
    }

    /// A panel at `version` (the current one when `None`).
    pub async fn panel(
        self: &Arc<Self>,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<PanelResult> {
        if self.snapshot_only {
            return self.snapshot_panel(source, id, version);
        }
        let key = panel_key(source, id, version);
        if let Some((fetched_at, data)) = self.cached_panel(source, &key).await {
            let fresh = version.is_some() || self.is_fresh(source, fetched_at);
            if fresh {
                return Ok(PanelResult {
                    data,
                    origin: DataOrigin::Cache,
                    data_date: fetched_at,
                });
            }
            if !self.cooling_down(source) {
                let this = self.clone();
                tokio::spawn(async move {
                    let _ = this.fetch_panel(source, id, version).await;
                });
            }
            return Ok(PanelResult {
                data,
                origin: DataOrigin::StaleCache,
                data_date: fetched_at,
            });
        }
        match self.fetch_panel(source, id, version).await {
            Ok((data, at)) => Ok(PanelResult {
                data,
                origin: DataOrigin::Live,
                data_date: at,
            }),
            Err(e) if e.code == shared::ErrorCode::NotFound => Err(e),
            Err(e) => self.snapshot_panel(source, id, version).map_err(|_| e),
        }
    }

    async fn cached_panel(
        &self,
        source: Source,
        key: &str,
    ) -> Option<(DateTime<Utc>, Arc<PanelData>)> {
        if let Some(hit) = lock(&self.parsed).get(key).cloned() {
            return Some(hit);
        }
        let bytes = self.cache_get(key).await?;
        let (at, body) = split_envelope(&bytes)?;
        let data = Arc::new(parse_panel(body, source).ok()?);
        lock(&self.parsed).insert(key.to_owned(), (at, data.clone()));
        Some((at, data))
    }

    fn snapshot_panel(
        &self,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<PanelResult> {
        let missing = || {
            AppError::upstream(
                instance_name(source),
                format!(
                    "panel {id} is not available (PanelApp unreachable and not in the snapshot)"
                ),
            )
        };
        let body = self.snapshot.detail(source, id).ok_or_else(missing)?;
        let mut data = parse_panel(body, source).map_err(|e| AppError::internal(e.0))?;
        if version.is_some_and(|v| v != data.version) {
            return Err(missing());
        }
        let signed = self.snapshot.signed_off(source);
        data.signed_off = PanelSummary::from_raw(source, &summary_of(&data), &signed).signed_off;
        let date = self
            .snapshot
            .date(source)
            .and_then(|d| parse_date(&d))
            .unwrap_or_default();
        Ok(PanelResult {
            data: Arc::new(data),
            origin: DataOrigin::Snapshot,
            data_date: date,
        })
    }

    async fn fetch_panel(
        self: &Arc<Self>,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<(Arc<PanelData>, DateTime<Utc>)> {
        self.client(source)?;
        let key = panel_key(source, id, version);
        let out = self
            .single_flight(key.clone(), move |this| {
                async move {
                    let client = this.client(source)?.clone();
                    let path = match version {
                        Some(v) => format!("panels/{id}/?version={v}"),
                        None => format!("panels/{id}/"),
                    };
                    let url = client.url(&path).map_err(AppError::from)?;
                    let what = format!("panel {id}");
                    let body = client
                        .get_bytes(&url, &what)
                        .await
                        .map_err(AppError::from)?;
                    let mut data = parse_panel(&body, source).map_err(|e| {
                        AppError::upstream(
                            client.instance(),
                            format!("malformed response for {what}: {e}"),
                        )
                    })?;
                    if let Some(c) = this
                        .catalogues
                        .read()
                        .ok()
                        .and_then(|c| c.get(&source).cloned())
                        && let Some(summary) = c.get(id)
                        && summary.version == data.version
                    {
                        data.signed_off = summary.signed_off.clone();
                    }
                    let at = Utc::now();
                    let mut envelope = at.to_rfc3339().into_bytes();
                    envelope.push(b'\n');
                    envelope.extend_from_slice(&body);
                    let data = Arc::new(data);
                    this.genes.add(&data);
                    let exact = panel_key(source, id, Some(data.version));
                    this.cache_put(&exact, &envelope).await;
                    lock(&this.parsed).insert(exact, (at, data.clone()));
                    if version.is_none() {
                        this.cache_put(&key, &envelope).await;
                        lock(&this.parsed).insert(key, (at, data.clone()));
                    }
                    Ok(FlightOut::Panel(data, at))
                }
                .boxed()
            })
            .await?;
        match out {
            FlightOut::Panel(d, at) => Ok((d, at)),
            _ => Err(AppError::internal("unexpected PanelApp flight result")),
        }
    }

    /// The raw detail body of the current version (cache, PanelApp, then snapshot).
    async fn raw_detail(self: &Arc<Self>, source: Source, id: u32) -> Option<Vec<u8>> {
        let key = panel_key(source, id, None);
        if self.cache_get(&key).await.is_none() {
            let _ = self.fetch_panel(source, id, None).await;
        }
        match self.cache_get(&key).await {
            Some(bytes) => split_envelope(&bytes).map(|(_, b)| b.to_vec()),
            None => self.snapshot.detail(source, id).map(<[u8]>::to_vec),
        }
    }
}

/// `fetched_at\n<body>` → its parts.
fn split_envelope(bytes: &[u8]) -> Option<(DateTime<Utc>, &[u8])> {
    let newline = bytes.iter().position(|b| *b == b'\n')?;
    let at = std::str::from_utf8(&bytes[..newline]).ok()?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((at, &bytes[newline + 1..]))
}

fn summary_of(p: &PanelData) -> RawSummary {
    RawSummary {
        id: p.id,
        name: Some(p.name.clone()),
        disease_group: None,
        disease_sub_group: None,
        description: None,
        status: None,
        version: Some(p.version.to_string()),
        version_created: None,
        relevant_disorders: Vec::new(),
        stats: None,
        types: Vec::new(),
        signed_off: None,
    }
}

// ---- adapters for the rest of the server ----

#[async_trait::async_trait]
impl crate::services::merge::PanelLoader for Arc<PanelAppService> {
    async fn panel(
        &self,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<crate::services::merge::LoadedPanel> {
        let r = PanelAppService::panel(self, source, id, version).await?;
        let origin = match r.origin {
            DataOrigin::Live => "live".to_owned(),
            DataOrigin::Cache => "cache".to_owned(),
            DataOrigin::StaleCache => format!("stale cache {}", r.data_date.format("%Y-%m-%d")),
            DataOrigin::Snapshot => format!("snapshot {}", r.data_date.format("%Y-%m-%d")),
        };
        Ok(crate::services::merge::LoadedPanel {
            data: r.data,
            origin,
        })
    }
}
