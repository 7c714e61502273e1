//! The gene directory: every symbol, alias and previous symbol seen in cached or snapshot
//! panels, mapped to the current HGNC symbol and id. It resolves upload symbols
//! ([`SymbolResolver`]) and feeds the gene autocomplete.
//!
//! The directory knows which instances it holds in full: a `panelmerge panelapp sync` that
//! read every panel of a catalogue records a [`GeneIndex`], and a snapshot holding every
//! panel's detail counts too. Only then does an unknown upload symbol get flagged.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::{EntityType, GeneSymbol, HgncId, Locus, PanelData, Source};

use super::snapshot::Snapshot;
use crate::genelists::upload::SymbolResolver;
use shared::panelapp::parse_panel;

#[derive(Default)]
struct Inner {
    /// Upper-cased current symbol → (symbol, id).
    current: HashMap<String, (GeneSymbol, HgncId)>,
    /// Upper-cased alias or previous symbol → (symbol, id), when unambiguous.
    aliases: HashMap<String, Option<(GeneSymbol, HgncId)>>,
    /// Upper-cased previous symbols (the others of `aliases` are aliases).
    previous: std::collections::HashSet<String>,
    /// Coordinates on GRCh37 and GRCh38 by HGNC id, where a panel gave them.
    loci: HashMap<HgncId, (Option<Locus>, Option<Locus>)>,
    /// Upper-cased suggestion → shown text; current symbols sort before aliases.
    suggestions: BTreeMap<String, (bool, String)>,
}

/// One gene as a gene index stores it: its current symbol, HGNC id and aliases (previous
/// symbols included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneEntry {
    #[serde(rename = "s")]
    pub symbol: GeneSymbol,
    #[serde(rename = "h")]
    pub hgnc_id: HgncId,
    #[serde(rename = "a", default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Those of `aliases` that are previous symbols.
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<String>,
    /// Coordinates, where a panel gave them (filled into BED exports of uploaded genes).
    #[serde(rename = "g37", default, skip_serializing_if = "Option::is_none")]
    pub grch37: Option<Locus>,
    #[serde(rename = "g38", default, skip_serializing_if = "Option::is_none")]
    pub grch38: Option<Locus>,
}

/// The genes of every panel of one catalogue, as `panelmerge panelapp sync` records them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GeneIndex {
    pub source: Source,
    /// When the catalogue the index was built from was fetched.
    pub catalogue_date: DateTime<Utc>,
    /// Panels in that catalogue, and how many of their details were read.
    pub panels: usize,
    pub details: usize,
    pub genes: Vec<GeneEntry>,
}

impl GeneIndex {
    /// Whether every panel of the catalogue was read: then a symbol the index does not know
    /// is in no panel of that instance.
    pub fn complete(&self) -> bool {
        self.details == self.panels && self.panels > 0
    }

    /// Collects the genes and STRs of `panels` (one catalogue's details).
    pub fn build<'a>(
        source: Source,
        catalogue_date: DateTime<Utc>,
        panel_count: usize,
        panels: impl IntoIterator<Item = &'a PanelData>,
    ) -> Self {
        let mut by_symbol: BTreeMap<String, GeneEntry> = BTreeMap::new();
        let mut details = 0;
        for panel in panels {
            details += 1;
            for e in entries_of(panel) {
                let slot = by_symbol
                    .entry(e.symbol.as_str().to_owned())
                    .or_insert_with(|| GeneEntry {
                        aliases: Vec::new(),
                        previous: Vec::new(),
                        ..e.clone()
                    });
                if slot.grch37.is_none() {
                    slot.grch37 = e.grch37.clone();
                }
                if slot.grch38.is_none() {
                    slot.grch38 = e.grch38.clone();
                }
                for a in e.aliases {
                    if !slot.aliases.contains(&a) {
                        slot.aliases.push(a);
                    }
                }
                for p in e.previous {
                    if !slot.previous.contains(&p) {
                        slot.previous.push(p);
                    }
                }
            }
        }
        Self {
            source,
            catalogue_date,
            panels: panel_count,
            details,
            genes: by_symbol.into_values().collect(),
        }
    }
}

/// The genes and STRs of a panel that carry a symbol and an HGNC id.
fn entries_of(panel: &PanelData) -> impl Iterator<Item = GeneEntry> + '_ {
    panel.entities.iter().filter_map(|e| {
        if e.entity_type == EntityType::Region {
            return None;
        }
        Some(GeneEntry {
            symbol: e.symbol.clone()?,
            hgnc_id: e.hgnc_id?,
            aliases: e.aliases.clone(),
            previous: e.previous_symbols.clone(),
            grch37: e.grch37.clone(),
            grch38: e.grch38.clone(),
        })
    })
}

#[derive(Default)]
pub struct GeneDirectory {
    inner: RwLock<Inner>,
    /// A snapshot whose panels are added on first use (parsing it is not free).
    pending: Mutex<Option<Arc<Snapshot>>>,
    /// The instances whose every panel must be known before "unknown" is trusted.
    required: Vec<Source>,
    /// Instances whose every current panel has been read (a complete sync or snapshot), with
    /// the date of that catalogue.
    complete: RwLock<HashMap<Source, DateTime<Utc>>>,
}

impl GeneDirectory {
    /// A directory that trusts "unknown" once every instance of `required` is complete.
    pub fn new(required: Vec<Source>) -> Self {
        Self {
            required,
            ..Self::default()
        }
    }

    /// Seeds the directory from a snapshot on first use. Instances whose catalogue the
    /// snapshot holds in full (every panel's detail) count as complete.
    pub fn seeded_from(snapshot: Arc<Snapshot>, required: Vec<Source>) -> Self {
        Self {
            pending: Mutex::new(Some(snapshot)),
            ..Self::new(required)
        }
    }

    fn ensure_seeded(&self) {
        let pending = self.pending.lock().map(|mut p| p.take()).unwrap_or(None);
        if let Some(snapshot) = pending {
            for (source, id) in snapshot.detail_ids() {
                if let Some(body) = snapshot.detail(source, id)
                    && let Ok(panel) = parse_panel(body, source)
                {
                    self.add(&panel);
                }
            }
            for source in Source::ALL {
                if snapshot.complete(*source) {
                    let date = snapshot
                        .date(*source)
                        .and_then(|d| super::parse_date(&d))
                        .unwrap_or_default();
                    self.mark_complete(*source, date);
                }
            }
        }
    }

    /// Adds every gene and STR of `panel`.
    pub fn add(&self, panel: &PanelData) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        for e in entries_of(panel) {
            inner.add(&e);
        }
    }

    /// Adds the genes of a gene index; a complete one makes its instance complete.
    pub fn add_index(&self, index: &GeneIndex) {
        {
            let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
            for e in &index.genes {
                inner.add(e);
            }
        }
        if index.complete() {
            self.mark_complete(index.source, index.catalogue_date);
        }
    }

    /// Records that every panel of `source`'s catalogue of `date` has been added.
    pub fn mark_complete(&self, source: Source, date: DateTime<Utc>) {
        let mut complete = self.complete.write().unwrap_or_else(|p| p.into_inner());
        let slot = complete.entry(source).or_insert(date);
        *slot = (*slot).max(date);
    }

    /// The date of the complete catalogue of `source` the directory holds, if any.
    pub fn complete_since(&self, source: Source) -> Option<DateTime<Utc>> {
        self.ensure_seeded();
        self.complete
            .read()
            .ok()
            .and_then(|c| c.get(&source).copied())
    }

    pub fn len(&self) -> usize {
        self.ensure_seeded();
        self.inner.read().map(|i| i.current.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The GRCh37 and GRCh38 coordinates a panel gave for the gene `id`.
    pub fn loci(&self, id: HgncId) -> Option<(Option<Locus>, Option<Locus>)> {
        self.ensure_seeded();
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.loci.get(&id).cloned()
    }

    /// Symbols and aliases starting with `prefix` (case-insensitive): current symbols first,
    /// shorter first.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<String> {
        self.ensure_seeded();
        let p = prefix.trim().to_ascii_uppercase();
        if p.is_empty() || limit == 0 {
            return Vec::new();
        }
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        let mut hits: Vec<(bool, &String)> = inner
            .suggestions
            .range(p.clone()..)
            .take_while(|(k, _)| k.starts_with(&p))
            .map(|(_, (current, shown))| (*current, shown))
            .collect();
        hits.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(a.1.len().cmp(&b.1.len()))
                .then(a.1.cmp(b.1))
        });
        hits.into_iter()
            .take(limit)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

impl Inner {
    fn add(&mut self, e: &GeneEntry) {
        let symbol = &e.symbol;
        let id = e.hgnc_id;
        let key = symbol.as_str().to_ascii_uppercase();
        self.suggestions
            .insert(key.clone(), (true, symbol.as_str().to_owned()));
        self.current.insert(key, (symbol.clone(), id));
        if e.grch37.is_some() || e.grch38.is_some() {
            let slot = self.loci.entry(id).or_default();
            if slot.0.is_none() {
                slot.0 = e.grch37.clone();
            }
            if slot.1.is_none() {
                slot.1 = e.grch38.clone();
            }
        }
        for alias in &e.aliases {
            let a = alias.trim().to_ascii_uppercase();
            if a.is_empty() || a == symbol.as_str() {
                continue;
            }
            self.suggestions
                .entry(a.clone())
                .or_insert((false, alias.trim().to_owned()));
            let slot = self
                .aliases
                .entry(a.clone())
                .or_insert(Some((symbol.clone(), id)));
            if slot.as_ref().is_some_and(|(_, known)| *known != id) {
                *slot = None;
            }
            if e.previous.iter().any(|p| p.trim().eq_ignore_ascii_case(&a)) {
                self.previous.insert(a);
            }
        }
    }
}

impl SymbolResolver for GeneDirectory {
    /// Complete once every required instance's whole catalogue has been read (a complete
    /// `panelmerge panelapp sync`, or a snapshot holding every panel): "unknown" then means
    /// "in no PanelApp panel". Never from the bundled snapshot's few panels.
    fn is_complete(&self) -> bool {
        self.ensure_seeded();
        let complete = self.complete.read().unwrap_or_else(|p| p.into_inner());
        !self.required.is_empty() && self.required.iter().all(|s| complete.contains_key(s))
    }

    fn resolve(&self, symbol: &str) -> Option<(GeneSymbol, HgncId)> {
        self.ensure_seeded();
        let key = symbol.trim().to_ascii_uppercase();
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        if let Some(hit) = inner.current.get(&key) {
            return Some(hit.clone());
        }
        inner.aliases.get(&key).cloned().flatten()
    }

    fn is_previous(&self, symbol: &str) -> bool {
        self.ensure_seeded();
        let key = symbol.trim().to_ascii_uppercase();
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.previous.contains(&key)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn resolves_aliases_and_suggests() {
        let dir = GeneDirectory::default();
        let p = shared::panelapp::fixtures::fixture_panel(
            "uk_panel_402_v8.125.json",
            shared::Source::Uk,
        );
        dir.add(&p);
        let (s, id) = dir.resolve("aars").unwrap();
        assert_eq!((s.as_str(), id.to_string().as_str()), ("AARS", "HGNC:20"));
        assert_eq!(dir.resolve("AlaRS").unwrap().0.as_str(), "AARS");
        assert!(dir.resolve("NOTAGENE").is_none());
        let sugg = dir.suggest("aar", 5);
        assert_eq!(sugg[0], "AARS");
        assert!(!dir.is_complete(), "one panel is not all of HGNC");
    }

    fn index(source: Source, panels: &[&PanelData], of: usize) -> GeneIndex {
        GeneIndex::build(source, chrono::Utc::now(), of, panels.iter().copied())
    }

    #[test]
    fn complete_only_when_every_required_catalogue_was_read() {
        let p402 =
            shared::panelapp::fixtures::fixture_panel("uk_panel_402_v8.125.json", Source::Uk);
        let p635 = shared::panelapp::fixtures::fixture_panel("uk_panel_635_v2.18.json", Source::Uk);
        let dir = GeneDirectory::new(vec![Source::Uk, Source::Au]);
        // Two of three panels: the genes are known, "unknown" is not trusted.
        let partial = index(Source::Uk, &[&p402, &p635], 3);
        assert!(!partial.complete());
        dir.add_index(&partial);
        assert!(dir.resolve("BRCA1").is_some());
        assert!(!dir.is_complete());
        // The whole UK catalogue, but not Australia's.
        let uk = index(Source::Uk, &[&p402, &p635], 2);
        assert!(uk.complete());
        dir.add_index(&uk);
        assert!(dir.complete_since(Source::Uk).is_some());
        assert!(!dir.is_complete(), "Australia is still unknown");
        let au = shared::panelapp::fixtures::fixture_panel("aus_panel_3149.json", Source::Au);
        dir.add_index(&index(Source::Au, &[&au], 1));
        assert!(dir.is_complete());
        // Only UK required (e.g. a snapshot of the UK instance only).
        let uk_only = GeneDirectory::new(vec![Source::Uk]);
        uk_only.add_index(&uk);
        assert!(uk_only.is_complete());
        assert!(!GeneDirectory::new(Vec::new()).is_complete());
    }

    #[test]
    fn gene_indexes_round_trip_and_resolve_aliases() {
        let p402 =
            shared::panelapp::fixtures::fixture_panel("uk_panel_402_v8.125.json", Source::Uk);
        let idx = index(Source::Uk, &[&p402], 1);
        let text = serde_json::to_string(&idx).unwrap();
        let back: GeneIndex = serde_json::from_str(&text).unwrap();
        assert_eq!(back.genes, idx.genes);
        let dir = GeneDirectory::new(vec![Source::Uk]);
        dir.add_index(&back);
        assert_eq!(dir.resolve("AlaRS").unwrap().0.as_str(), "AARS");
        assert!(dir.is_complete());
    }

    #[test]
    fn previous_symbols_are_told_from_aliases_and_coordinates_are_kept() {
        let mut p =
            shared::panelapp::fixtures::fixture_panel("uk_panel_398_v8.78.json", Source::Uk);
        let kmt2d = p
            .entities
            .iter_mut()
            .find(|e| e.symbol.as_ref().is_some_and(|s| s.as_str() == "KMT2D"))
            .unwrap();
        kmt2d.aliases.push("MLL2".into());
        kmt2d.previous_symbols.push("MLL2".into());
        let check = |dir: &GeneDirectory| {
            assert_eq!(dir.resolve("mll2").unwrap().0.as_str(), "KMT2D");
            assert!(dir.is_previous("mll2"));
            assert!(!dir.is_previous("ALR"), "an alias");
            let id = dir.resolve("KMT2D").unwrap().1;
            let (g37, g38) = dir.loci(id).unwrap();
            assert!(g37.is_some() || g38.is_some());
        };
        let dir = GeneDirectory::default();
        dir.add(&p);
        check(&dir);
        // Through a gene index (what a sync stores) too.
        let text = serde_json::to_string(&index(Source::Uk, &[&p], 1)).unwrap();
        let back: GeneIndex = serde_json::from_str(&text).unwrap();
        let dir = GeneDirectory::new(vec![Source::Uk]);
        dir.add_index(&back);
        check(&dir);
    }

    #[test]
    fn the_bundled_snapshot_never_makes_it_complete() {
        let dir = GeneDirectory::seeded_from(Arc::new(Snapshot::bundled()), Source::ALL.to_vec());
        assert!(dir.len() > 1000, "{}", dir.len());
        assert!(!dir.is_complete());
    }
}
