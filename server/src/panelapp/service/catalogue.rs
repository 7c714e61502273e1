//! Catalogues: cache, stale-while-revalidate, refresh from PanelApp, snapshot fallback, and
//! the search index over both.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use shared::{PanelVersion, Source};

use super::{PanelAppService, catalogue_key};
use crate::error::{AppError, AppResult};
use crate::panelapp::client::instance_name;
use crate::panelapp::search::SearchFilter;
use crate::panelapp::{Catalogue, DataOrigin, PanelSummary, parse_date};
use shared::panelapp::RawSummary;

#[derive(Serialize, Deserialize)]
struct CachedCatalogue {
    fetched_at: DateTime<Utc>,
    panels: Vec<RawSummary>,
    signed_off: Vec<RawSummary>,
}

impl PanelAppService {
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
        self.follow_invalidation(source).await;
        let mut held = self.held_catalogue(source);
        if held.is_none()
            && let Some(c) = self.cached_catalogue(source).await
        {
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

    fn held_catalogue(&self, source: Source) -> Option<Arc<Catalogue>> {
        self.listing.held(source)
    }

    /// The catalogue in the cache (another instance, or an earlier run, may have put it there).
    async fn cached_catalogue(&self, source: Source) -> Option<Arc<Catalogue>> {
        let bytes = self.store.get(&catalogue_key(source)).await?;
        let cached = serde_json::from_slice::<CachedCatalogue>(&bytes).ok()?;
        Some(Arc::new(Catalogue::new(
            source,
            cached.panels,
            cached.signed_off,
            cached.fetched_at,
            false,
        )))
    }

    pub(super) fn snapshot_catalogue(&self, source: Source) -> AppResult<Arc<Catalogue>> {
        if let Some(c) = self.held_catalogue(source)
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
        self.listing.install(c);
        self.bump_generation();
    }

    /// In the background: a fresher copy from the cache (another instance refreshed it), or
    /// else PanelApp.
    fn revalidate_catalogue(self: &Arc<Self>, source: Source) {
        let this = self.clone();
        self.revalidate(source, catalogue_key(source), async move {
            let fresh_held = |this: &Self| {
                this.held_catalogue(source)
                    .is_some_and(|h| !h.from_snapshot && this.is_fresh(source, h.fetched_at))
            };
            if fresh_held(this.as_ref()) {
                return;
            }
            if let Some(c) = this.cached_catalogue(source).await
                && this.is_fresh(source, c.fetched_at)
            {
                if !fresh_held(this.as_ref()) {
                    this.install_catalogue(c);
                }
                return;
            }
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
        let this = self.clone();
        self.catalogue_flights
            .run(catalogue_key(source), move || {
                async move {
                    // Across instances: one asks PanelApp, the others take its catalogue from
                    // the cache (one fetched at another time than the one held now, or fresh).
                    let before = if this.store.shared_across_instances() {
                        this.cached_catalogue(source).await.map(|c| c.fetched_at)
                    } else {
                        None
                    };
                    let t = this.clone();
                    let ready = move || {
                        let t = t.clone();
                        async move {
                            t.cached_catalogue(source).await.filter(|c| {
                                Some(c.fetched_at) != before || t.is_fresh(source, c.fetched_at)
                            })
                        }
                    };
                    let c = this
                        .leases
                        .around(
                            &this.store,
                            &catalogue_key(source),
                            ready,
                            this.fetch_catalogue_upstream(source, progress),
                        )
                        .await?;
                    this.install_catalogue(c.clone());
                    // A sync run elsewhere (the CLI) may have left a newer gene index, and
                    // counts of panels read elsewhere.
                    this.load_gene_index(source).await;
                    this.load_counts(source).await;
                    Ok(c)
                }
                .boxed()
            })
            .await
    }

    /// Asks PanelApp for a catalogue and its signed-off list, and caches them.
    async fn fetch_catalogue_upstream(
        &self,
        source: Source,
        progress: Arc<dyn Fn(usize, Option<u64>) + Send + Sync>,
    ) -> AppResult<Arc<Catalogue>> {
        let client = self.client(source)?.clone();
        let fetched = async {
            let panels: Vec<RawSummary> = client
                .get_all("panels/", "panel list", progress.as_ref())
                .await?;
            let signed: Vec<RawSummary> = client
                .get_all("panels/signedoff/", "signed-off list", &|_, _| {})
                .await?;
            Ok::<_, crate::panelapp::client::UpstreamError>((panels, signed))
        }
        .await;
        let (panels, signed) = match fetched {
            Ok(v) => v,
            Err(e) => {
                self.freshness.failed(source);
                return Err(AppError::from(e));
            }
        };
        self.freshness.recovered(source);
        let cached = CachedCatalogue {
            fetched_at: Utc::now(),
            panels,
            signed_off: signed,
        };
        if let Ok(bytes) = serde_json::to_vec(&cached) {
            self.store.put(&catalogue_key(source), &bytes).await;
        }
        Ok(Arc::new(Catalogue::new(
            source,
            cached.panels,
            cached.signed_off,
            cached.fetched_at,
            false,
        )))
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
        for (c, _) in &loaded {
            self.follow_counts(c.source).await;
        }
        Ok((self.listing.search(query, filter), loaded))
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
}
