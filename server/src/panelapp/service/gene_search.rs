//! Gene → panels across both instances, and the gene autocomplete.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use shared::{Confidence, EntityType, PanelData, Source};

use super::{PREFIX, PanelAppService, PanelGeneHit};
use crate::error::{AppError, AppResult};
use crate::panelapp::DataOrigin;
use shared::panelapp::{RawEntity, parse_panel};

/// PanelApp's gene search for one symbol in one instance, as cached.
#[derive(Serialize, Deserialize)]
struct CachedHits {
    fetched_at: DateTime<Utc>,
    hits: Vec<PanelGeneHit>,
}

fn genes_key(source: Source, symbol: &str) -> String {
    format!("{PREFIX}genes:{}:{symbol}", source.prefix())
}

/// PanelApp's hits, plus the cached panels' hits for panels PanelApp's answer lacks (a
/// cached gene search older than a panel read since).
fn with_local(mut remote: Vec<PanelGeneHit>, local: Vec<PanelGeneHit>) -> Vec<PanelGeneHit> {
    for hit in local {
        // The snapshot's panels may be old versions; PanelApp's answer is newer.
        if hit.origin != DataOrigin::Snapshot && !remote.iter().any(|r| r.panel_id == hit.panel_id)
        {
            remote.push(hit);
        }
    }
    remote
}

fn with_origin(mut hits: Vec<PanelGeneHit>, origin: DataOrigin) -> Vec<PanelGeneHit> {
    for h in &mut hits {
        h.origin = origin;
    }
    hits
}

/// How one instance answered a gene look-up.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceAnswer {
    pub source: Source,
    /// Where the answer came from; `Unavailable` when there was none.
    pub origin: DataOrigin,
    /// Whether the answer covers every panel of the instance (PanelApp's gene search, fresh
    /// or cached, or a complete gene directory); false when only some cached panels were
    /// searched.
    pub complete: bool,
    /// Why the answer is partial or missing, in words.
    pub reason: Option<String>,
}

/// A gene look-up: the panels found and how each instance answered.
#[derive(Debug, Clone)]
pub struct GeneLookup {
    /// The current symbol looked up (an alias or previous symbol is mapped first).
    pub symbol: String,
    pub hits: Vec<PanelGeneHit>,
    pub answers: Vec<SourceAnswer>,
}

impl PanelAppService {
    // ---- genes ----

    /// Panels listing `symbol` (a current symbol, alias or previous symbol) in both instances.
    pub async fn panels_by_gene(self: &Arc<Self>, symbol: &str) -> AppResult<Vec<PanelGeneHit>> {
        Ok(self.gene_lookup(symbol).await?.hits)
    }

    /// Panels listing `symbol` in both instances, and per instance whether it answered and
    /// from where. The gene directory of cached panels is searched first; PanelApp's gene
    /// search (cached, or asked) adds the panels not cached here.
    pub async fn gene_lookup(self: &Arc<Self>, symbol: &str) -> AppResult<GeneLookup> {
        use crate::genelists::upload::SymbolResolver;
        let wanted = symbol.trim().to_ascii_uppercase();
        if wanted.is_empty()
            || wanted.len() > 40
            || !wanted
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
        {
            return Err(AppError::invalid_field("symbol", "is not a gene symbol"));
        }
        let current = self
            .genes
            .resolve(&wanted)
            .map_or_else(|| wanted.clone(), |(s, _)| s.as_str().to_owned());
        let mut hits = Vec::new();
        let mut answers = Vec::new();
        for source in Source::ALL {
            let (found, answer) = self.gene_hits_of(*source, &current, &wanted).await;
            hits.extend(found);
            answers.push(answer);
        }
        Ok(GeneLookup {
            symbol: current,
            hits,
            answers,
        })
    }

    /// One instance's answer: the cached panels' hits, with PanelApp's gene search for
    /// `current` (through the shared cache: fresh served; stale served and refreshed in the
    /// background; absent asked) adding the panels not cached here.
    async fn gene_hits_of(
        self: &Arc<Self>,
        source: Source,
        current: &str,
        asked: &str,
    ) -> (Vec<PanelGeneHit>, SourceAnswer) {
        let local = self.local_hits(source, current, asked);
        let directory_complete = self.genes.complete_since(source).is_some();
        let answer = |origin, complete, reason: Option<String>| SourceAnswer {
            source,
            origin,
            complete,
            reason,
        };
        if self.snapshot_only {
            return (
                local,
                answer(DataOrigin::Snapshot, directory_complete, None),
            );
        }
        let upstream = self.upstream_hits(source, current, asked).await;
        match upstream {
            Ok((remote, origin)) => (with_local(remote, local), answer(origin, true, None)),
            Err(e) if local.is_empty() && !directory_complete => (
                Vec::new(),
                answer(
                    DataOrigin::Unavailable,
                    false,
                    Some(format!(
                        "{} unreachable, no cached answer ({})",
                        source.display_name(),
                        e.message
                    )),
                ),
            ),
            Err(e) => {
                let origin = if local.iter().all(|h| h.origin == DataOrigin::Snapshot) {
                    DataOrigin::Snapshot
                } else {
                    DataOrigin::StaleCache
                };
                let reason = if directory_complete {
                    format!(
                        "{} unreachable ({}); answered from the gene directory, which holds \
                         every panel",
                        source.display_name(),
                        e.message
                    )
                } else {
                    format!(
                        "{} unreachable ({}); answered from the cached panels only, other \
                         panels may list the gene",
                        source.display_name(),
                        e.message
                    )
                };
                (local, answer(origin, directory_complete, Some(reason)))
            }
        }
    }

    /// PanelApp's gene search for `current`: cached (fresh or stale) or asked now.
    async fn upstream_hits(
        self: &Arc<Self>,
        source: Source,
        current: &str,
        asked: &str,
    ) -> AppResult<(Vec<PanelGeneHit>, DataOrigin)> {
        self.follow_invalidation(source).await;
        let key = genes_key(source, current);
        if let Some(cached) = self
            .store
            .get(&key)
            .await
            .and_then(|b| serde_json::from_slice::<CachedHits>(&b).ok())
        {
            let fresh = self.is_fresh(source, cached.fetched_at);
            if !fresh {
                let this = self.clone();
                let (c, a, k) = (current.to_owned(), asked.to_owned(), key.clone());
                self.revalidate(source, key.clone(), async move {
                    // Another instance may have refreshed it meanwhile.
                    let now_fresh = this
                        .store
                        .get(&k)
                        .await
                        .and_then(|b| serde_json::from_slice::<CachedHits>(&b).ok())
                        .is_some_and(|h| this.is_fresh(source, h.fetched_at));
                    if !now_fresh {
                        let _ = this.fetch_gene_hits(source, c, a).await;
                    }
                });
            }
            let origin = if fresh {
                DataOrigin::Cache
            } else {
                DataOrigin::StaleCache
            };
            return Ok((with_origin(cached.hits, origin), origin));
        }
        match self
            .fetch_gene_hits(source, current.to_owned(), asked.to_owned())
            .await
        {
            Ok(h) => Ok((h.as_ref().clone(), DataOrigin::Live)),
            Err(e) if e.code == shared::ErrorCode::NotFound => Ok((Vec::new(), DataOrigin::Live)),
            Err(e) => {
                tracing::warn!(error = %e.message, "PanelApp gene search failed; answering from cached panels");
                Err(e)
            }
        }
    }

    /// Asks PanelApp (one flight per instance and symbol) and caches the answer. Empty
    /// answers are cached too, but not on disk (anyone can ask for any symbol).
    async fn fetch_gene_hits(
        self: &Arc<Self>,
        source: Source,
        symbol: String,
        asked: String,
    ) -> AppResult<Arc<Vec<PanelGeneHit>>> {
        let key = genes_key(source, &symbol);
        let this = self.clone();
        self.hit_flights
            .run(key.clone(), move || {
                async move {
                    // Across instances: one asks PanelApp, the others take its answer from
                    // the cache (one fetched at another time than the one there now, or fresh).
                    let stored = |t: Arc<Self>, key: String| async move {
                        t.store
                            .get(&key)
                            .await
                            .and_then(|b| serde_json::from_slice::<CachedHits>(&b).ok())
                    };
                    let before = if this.store.shared_across_instances() {
                        stored(this.clone(), key.clone())
                            .await
                            .map(|c| c.fetched_at)
                    } else {
                        None
                    };
                    let (t, k) = (this.clone(), key.clone());
                    let ready = move || {
                        let (t, k) = (t.clone(), k.clone());
                        async move {
                            stored(t.clone(), k)
                                .await
                                .filter(|c| {
                                    Some(c.fetched_at) != before || t.is_fresh(source, c.fetched_at)
                                })
                                .map(|c| Arc::new(c.hits))
                        }
                    };
                    let upstream = async {
                        let client = this.client(source)?.clone();
                        let raw: Vec<RawEntity> = match client
                            .get_all(
                                &format!("genes/{symbol}/"),
                                &format!("gene {symbol}"),
                                &|_, _| {},
                            )
                            .await
                        {
                            Ok(raw) => raw,
                            Err(e) => {
                                let e = AppError::from(e);
                                if e.code != shared::ErrorCode::NotFound {
                                    return Err(e);
                                }
                                Vec::new()
                            }
                        };
                        let hits: Vec<PanelGeneHit> = raw
                            .into_iter()
                            .filter_map(|e| hit_of(source, e, &[&symbol, &asked], DataOrigin::Live))
                            .collect();
                        let cached = CachedHits {
                            fetched_at: Utc::now(),
                            hits,
                        };
                        if let Ok(bytes) = serde_json::to_vec(&cached) {
                            if cached.hits.is_empty() {
                                this.store.put_memory_only(&key, &bytes).await;
                            } else {
                                this.store.put(&key, &bytes).await;
                            }
                        }
                        Ok(Arc::new(cached.hits))
                    };
                    this.leases.around(&this.store, &key, ready, upstream).await
                }
                .boxed()
            })
            .await
    }

    /// Gene hits from parsed (cached) panels and the snapshot.
    fn local_hits(&self, source: Source, current: &str, asked: &str) -> Vec<PanelGeneHit> {
        let mut panels: HashMap<u32, (Arc<PanelData>, DataOrigin)> = HashMap::new();
        for p in self.parsed_current(source) {
            panels.insert(p.id, (p, DataOrigin::StaleCache));
        }
        for (s, id) in self.snapshot.detail_ids() {
            if s == source
                && !panels.contains_key(&id)
                && let Some(body) = self.snapshot.detail(s, id)
                && let Ok(p) = parse_panel(body, s)
            {
                panels.insert(id, (Arc::new(p), DataOrigin::Snapshot));
            }
        }
        let mut hits = Vec::new();
        let mut ids: Vec<_> = panels.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some((p, origin)) = panels.get(&id) else {
                continue;
            };
            for e in &p.entities {
                let names = std::iter::once(e.name.as_str())
                    .chain(e.symbol.as_ref().map(|s| s.as_str()))
                    .chain(e.aliases.iter().map(String::as_str));
                if e.entity_type != EntityType::Region
                    && names
                        .clone()
                        .any(|n| n.eq_ignore_ascii_case(current) || n.eq_ignore_ascii_case(asked))
                {
                    hits.push(PanelGeneHit {
                        source,
                        panel_id: p.id,
                        panel_name: p.name.clone(),
                        panel_version: Some(p.version),
                        entity_type: e.entity_type,
                        entity_name: e.name.clone(),
                        symbol: e.symbol.as_ref().map(|s| s.as_str().to_owned()),
                        confidence: e.confidence,
                        mode_of_inheritance: e.mode_of_inheritance.clone(),
                        phenotypes: e.phenotypes.clone(),
                        origin: *origin,
                    });
                }
            }
        }
        hits
    }

    /// Gene autocomplete.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<String> {
        self.genes.suggest(prefix, limit)
    }
}

fn hit_of(
    source: Source,
    e: RawEntity,
    names: &[&str],
    origin: DataOrigin,
) -> Option<PanelGeneHit> {
    let panel = e.panel.clone()?;
    let gene = e.gene_data.clone().unwrap_or_default();
    let symbol = gene.symbol().map(|s| s.as_str().to_owned());
    let entity_name = e.entity_name.clone()?;
    let matches = names.iter().any(|n| {
        entity_name.eq_ignore_ascii_case(n)
            || symbol.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(n))
            || gene
                .alias
                .iter()
                .chain(gene.hgnc_previous_symbols.iter())
                .any(|a| a.eq_ignore_ascii_case(n))
    });
    // PanelApp matched the name server-side; keep what it says even without gene_data.
    if !matches && e.gene_data.is_some() {
        return None;
    }
    Some(PanelGeneHit {
        source,
        panel_id: panel.id,
        panel_name: panel.name.clone().unwrap_or_default(),
        panel_version: panel.panel_version().ok(),
        entity_type: e
            .entity_type
            .as_deref()
            .and_then(|t| EntityType::from_panelapp(t).ok())
            .unwrap_or(EntityType::Gene),
        entity_name,
        symbol,
        confidence: e
            .confidence_level
            .as_deref()
            .and_then(|c| Confidence::from_panelapp(c).ok())
            .unwrap_or(Confidence::Grey),
        mode_of_inheritance: e.mode_of_inheritance,
        phenotypes: e.phenotypes,
        origin,
    })
}
