//! The gene directory: every symbol, alias and previous symbol seen in cached or snapshot
//! panels, mapped to the current HGNC symbol and id. It resolves upload symbols
//! ([`SymbolResolver`]) and feeds the gene autocomplete.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use shared::{EntityType, GeneSymbol, HgncId, PanelData};

use super::models::parse_panel;
use super::snapshot::Snapshot;
use crate::genelists::upload::SymbolResolver;

#[derive(Default)]
struct Inner {
    /// Upper-cased current symbol → (symbol, id).
    current: HashMap<String, (GeneSymbol, HgncId)>,
    /// Upper-cased alias or previous symbol → (symbol, id), when unambiguous.
    aliases: HashMap<String, Option<(GeneSymbol, HgncId)>>,
    /// Upper-cased suggestion → shown text; current symbols sort before aliases.
    suggestions: BTreeMap<String, (bool, String)>,
}

#[derive(Default)]
pub struct GeneDirectory {
    inner: RwLock<Inner>,
    /// A snapshot whose panels are added on first use (parsing it is not free).
    pending: std::sync::Mutex<Option<Arc<Snapshot>>>,
}

impl GeneDirectory {
    pub fn seeded_from(snapshot: Arc<Snapshot>) -> Self {
        Self {
            inner: RwLock::default(),
            pending: std::sync::Mutex::new(Some(snapshot)),
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
        }
    }

    /// Adds every gene and STR of `panel`.
    pub fn add(&self, panel: &PanelData) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        for e in &panel.entities {
            if e.entity_type == EntityType::Region {
                continue;
            }
            let (Some(symbol), Some(id)) = (&e.symbol, e.hgnc_id) else {
                continue;
            };
            let key = symbol.as_str().to_ascii_uppercase();
            inner
                .suggestions
                .insert(key.clone(), (true, symbol.as_str().to_owned()));
            inner.current.insert(key, (symbol.clone(), id));
            for alias in &e.aliases {
                let a = alias.trim().to_ascii_uppercase();
                if a.is_empty() || a == symbol.as_str() {
                    continue;
                }
                inner
                    .suggestions
                    .entry(a.clone())
                    .or_insert((false, alias.trim().to_owned()));
                let slot = inner.aliases.entry(a).or_insert(Some((symbol.clone(), id)));
                if slot.as_ref().is_some_and(|(_, known)| *known != id) {
                    *slot = None;
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.ensure_seeded();
        self.inner.read().map(|i| i.current.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// Current symbols the directory must know before its "unknown" is trusted: the union of
/// all PanelApp panels holds well over this (the AU Mendeliome alone lists ~6,000 genes),
/// the bundled snapshot's ~20 panels about 2,000.
pub const COMPLETE_AT: usize = 4000;

impl SymbolResolver for GeneDirectory {
    fn is_complete(&self) -> bool {
        self.len() >= COMPLETE_AT
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
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn resolves_aliases_and_suggests() {
        let dir = GeneDirectory::default();
        let p = shared::testing::fixture_panel("uk_panel_402_v8.125.json", shared::Source::Uk);
        dir.add(&p);
        let (s, id) = dir.resolve("aars").unwrap();
        assert_eq!((s.as_str(), id.to_string().as_str()), ("AARS", "HGNC:20"));
        assert_eq!(dir.resolve("AlaRS").unwrap().0.as_str(), "AARS");
        assert!(dir.resolve("NOTAGENE").is_none());
        let sugg = dir.suggest("aar", 5);
        assert_eq!(sugg[0], "AARS");
        assert!(!dir.is_complete(), "one panel is not all of HGNC");
    }
}
