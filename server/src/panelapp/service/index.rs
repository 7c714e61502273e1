//! The catalogues this process holds and the one search index over all of them. A listing
//! or a search reads both without copying (each is an `Arc` swapped whole); only installing a
//! catalogue (a refresh, a snapshot, the cache of another instance) rebuilds the index.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use shared::Source;

use crate::panelapp::search::{SearchFilter, SearchIndex};
use crate::panelapp::{Catalogue, PanelSummary};

#[derive(Default)]
pub(super) struct CatalogueIndex {
    held: RwLock<HashMap<Source, Arc<Catalogue>>>,
    index: RwLock<Arc<SearchIndex>>,
    /// One install at a time: two installs racing could otherwise leave the index of the
    /// older set of catalogues in place (each builds from what it saw held).
    installing: Mutex<()>,
}

impl CatalogueIndex {
    /// The catalogue of `source` held now.
    pub(super) fn held(&self, source: Source) -> Option<Arc<Catalogue>> {
        self.held
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&source)
            .cloned()
    }

    /// Holds `catalogue` in place of the one of its source, and indexes every catalogue held
    /// (UK first, then Australia: the order of equal-ranked search results).
    pub(super) fn install(&self, catalogue: Arc<Catalogue>) {
        let _one = self.installing.lock().unwrap_or_else(|p| p.into_inner());
        let panels: Vec<Arc<PanelSummary>> = {
            let mut held = self.held.write().unwrap_or_else(|p| p.into_inner());
            held.insert(catalogue.source, catalogue);
            let mut sources: Vec<&Arc<Catalogue>> = held.values().collect();
            sources.sort_by_key(|c| c.source);
            sources
                .iter()
                .flat_map(|c| c.panels.iter().cloned())
                .collect()
        };
        let index = Arc::new(SearchIndex::build(panels));
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = index;
    }

    /// The panels of the held catalogues that match, best first.
    pub(super) fn search(
        &self,
        query: Option<&str>,
        filter: &SearchFilter,
    ) -> Vec<Arc<PanelSummary>> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner()).clone();
        index.search(query, filter)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::panelapp::snapshot::Snapshot;

    fn bundled(source: Source, keep: usize) -> Arc<Catalogue> {
        let snap = Snapshot::bundled();
        let mut panels = snap.panels(source).unwrap();
        panels.truncate(keep);
        Arc::new(Catalogue::new(
            source,
            panels,
            snap.signed_off(source),
            chrono::Utc::now(),
            true,
        ))
    }

    fn ids(panels: &[Arc<PanelSummary>]) -> Vec<(Source, u32)> {
        panels.iter().map(|p| (p.source, p.id)).collect()
    }

    #[test]
    fn the_index_covers_every_catalogue_held_and_follows_replacements() {
        let index = CatalogueIndex::default();
        let all = SearchFilter::default();
        assert!(index.search(None, &all).is_empty(), "nothing held yet");
        assert!(index.held(Source::Uk).is_none());

        let uk = bundled(Source::Uk, usize::MAX);
        index.install(uk.clone());
        assert_eq!(index.search(None, &all).len(), uk.panels.len());
        assert!(Arc::ptr_eq(&index.held(Source::Uk).unwrap(), &uk));

        let au = bundled(Source::Au, usize::MAX);
        index.install(au.clone());
        let both = index.search(None, &all);
        assert_eq!(both.len(), uk.panels.len() + au.panels.len());
        let uk_only = SearchFilter {
            source: Some(Source::Uk),
            ..SearchFilter::default()
        };
        assert!(
            index
                .search(None, &uk_only)
                .iter()
                .all(|p| p.source == Source::Uk)
        );
        assert!(
            index
                .search(Some("epilepsy"), &all)
                .iter()
                .any(|p| (p.source, p.id) == (Source::Uk, 402)),
            "the text search reads the new index"
        );

        // A refresh of UK with fewer panels replaces UK's and keeps Australia's.
        let smaller = bundled(Source::Uk, 5);
        index.install(smaller.clone());
        let now = index.search(None, &all);
        assert_eq!(now.len(), 5 + au.panels.len());
        let uk_ids: Vec<_> = ids(&now)
            .into_iter()
            .filter(|(s, _)| *s == Source::Uk)
            .collect();
        let mut expected = ids(&smaller.panels);
        expected.sort();
        let mut got = uk_ids;
        got.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn installs_from_many_threads_leave_an_index_of_everything_held() {
        let index = Arc::new(CatalogueIndex::default());
        let uk = bundled(Source::Uk, usize::MAX);
        let au = bundled(Source::Au, usize::MAX);
        std::thread::scope(|s| {
            for round in 0..8 {
                let (index, c) = (&index, if round % 2 == 0 { &uk } else { &au });
                s.spawn(move || index.install(c.clone()));
            }
        });
        assert_eq!(
            index.search(None, &SearchFilter::default()).len(),
            uk.panels.len() + au.panels.len()
        );
    }
}
