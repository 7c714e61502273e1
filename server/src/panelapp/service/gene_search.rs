//! Gene → panels across both instances, and the gene autocomplete.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use futures::FutureExt;
use shared::{Confidence, EntityType, PanelData, Source};

use super::{FlightOut, PREFIX, PanelAppService, PanelGeneHit, lock};
use crate::error::{AppError, AppResult};
use crate::panelapp::DataOrigin;
use crate::panelapp::models::{RawEntity, parse_panel};

impl PanelAppService {
    // ---- genes ----

    /// Panels listing `symbol` (a current symbol, alias or previous symbol) in both instances.
    pub async fn panels_by_gene(self: &Arc<Self>, symbol: &str) -> AppResult<Vec<PanelGeneHit>> {
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
        let mut all = Vec::new();
        for source in Source::ALL {
            all.extend(
                self.gene_hits_of(*source, &current, &wanted)
                    .await?
                    .iter()
                    .cloned(),
            );
        }
        Ok(all)
    }

    async fn gene_hits_of(
        self: &Arc<Self>,
        source: Source,
        current: &str,
        asked: &str,
    ) -> AppResult<Arc<Vec<PanelGeneHit>>> {
        let key = format!("{PREFIX}genes:{}:{current}", source.prefix());
        if let Some((at, hits)) = lock(&self.gene_hits).get(&key).cloned()
            && self.is_fresh(source, at)
        {
            return Ok(hits);
        }
        if self.snapshot_only {
            return Ok(Arc::new(self.local_hits(source, current, asked)));
        }
        let symbol = current.to_owned();
        let asked_owned = asked.to_owned();
        let fetched = self
            .single_flight(key.clone(), move |this| {
                async move {
                    let client = this.client(source)?.clone();
                    let raw: Vec<RawEntity> = client
                        .get_all(
                            &format!("genes/{symbol}/"),
                            &format!("gene {symbol}"),
                            &|_, _| {},
                        )
                        .await
                        .map_err(AppError::from)?;
                    let hits: Vec<PanelGeneHit> = raw
                        .into_iter()
                        .filter_map(|e| {
                            hit_of(source, e, &[&symbol, &asked_owned], DataOrigin::Live)
                        })
                        .collect();
                    let hits = Arc::new(hits);
                    lock(&this.gene_hits).insert(key, (Utc::now(), hits.clone()));
                    Ok(FlightOut::Hits(hits))
                }
                .boxed()
            })
            .await;
        match fetched {
            Ok(FlightOut::Hits(h)) => Ok(h),
            Ok(_) => Err(AppError::internal("unexpected PanelApp flight result")),
            Err(e) if e.code == shared::ErrorCode::NotFound => Ok(Arc::default()),
            Err(e) => {
                tracing::warn!(error = %e.message, "PanelApp gene search failed; answering from cached panels");
                Ok(Arc::new(self.local_hits(source, current, asked)))
            }
        }
    }

    /// Gene hits from parsed (cached) panels and the snapshot.
    fn local_hits(&self, source: Source, current: &str, asked: &str) -> Vec<PanelGeneHit> {
        let mut panels: HashMap<u32, (Arc<PanelData>, DataOrigin)> = HashMap::new();
        for (key, (_, p)) in lock(&self.parsed).iter() {
            if p.source == source && key.ends_with(":latest") {
                panels.insert(p.id, (p.clone(), DataOrigin::StaleCache));
            }
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
