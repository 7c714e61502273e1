//! The merge itself: canonical sources → keyed entries → rows → counts and overlap.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::overlap;
use super::row::{MoiIndex, RowAcc};
use super::types::{
    GeneKey, MergeResult, MergedGene, PanelSelection, SelectionFilter, SourceKind, SourceSummary,
};
use crate::upload::{GeneList, ListGene};
use crate::{
    Confidence, ConfidenceCounts, EntityType, GeneSymbol, HgncId, PanelData, PanelEntity,
    PanelVersion, Source,
};

/// Merges panel selections and uploaded lists into one list. See the module documentation.
/// The result borrows text from the inputs ([`MergeResult::into_owned`] detaches it).
pub fn merge<'a>(panels: &[PanelSelection<'a>], uploads: &'a [GeneList]) -> MergeResult<'a> {
    let inputs = canonical_sources(panels, uploads);
    let mut sources: Vec<SourceSummary> = inputs.iter().map(Input::summary).collect();
    make_labels_unique(&mut sources);

    let mut entries = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        input.entries(index, &mut entries, &mut sources[index]);
    }
    if entries.iter().any(|e| matches!(e.key, GeneKey::Symbol(_))) {
        rekey_symbols(&mut entries);
    }

    let labels: Vec<Arc<str>> = sources
        .iter()
        .map(|s| Arc::from(s.label.as_str()))
        .collect();
    let mut moi = MoiIndex::default();
    let mut rows: HashMap<GeneKey, RowAcc<'a>> = HashMap::new();
    for entry in entries {
        let label = &labels[entry.source];
        let duplicate = match rows.get_mut(&entry.key) {
            Some(acc) => acc.add(&entry, label, &mut moi),
            None => {
                let mut acc = RowAcc::default();
                acc.add(&entry, label, &mut moi);
                rows.insert(entry.key, acc);
                false
            }
        };
        if duplicate {
            sources[entry.source].duplicates += 1;
        }
    }

    let ambiguous = ambiguous_symbols(&rows);
    let mut genes: Vec<MergedGene<'a>> = rows
        .into_iter()
        .map(|(key, acc)| acc.finish(key, &ambiguous, &moi))
        .collect();
    // By symbol ignoring case (`C12orf57` among the `C12…`), then by key.
    genes.sort_by_cached_key(|g| (g.symbol.to_ascii_uppercase(), g.key.clone()));

    for gene in &genes {
        let only_one = gene.sources.len() == 1;
        for contribution in &gene.sources {
            let summary = &mut sources[contribution.source_index];
            summary.genes += 1;
            if only_one {
                summary.unique += 1;
            }
            match contribution.confidence {
                Some(Confidence::Green) => summary.by_confidence.green += 1,
                Some(Confidence::Amber) => summary.by_confidence.amber += 1,
                Some(Confidence::Red) => summary.by_confidence.red += 1,
                Some(Confidence::Grey) => summary.by_confidence.grey += 1,
                None => {}
            }
        }
    }
    let overlap = overlap::compute(&genes, sources.len());
    MergeResult {
        total: genes.len(),
        sources,
        genes,
        overlap,
    }
}

/// A source in canonical order.
enum Input<'a> {
    Panel(&'a PanelData, SelectionFilter),
    Upload(&'a GeneList),
}

fn canonical_sources<'a>(panels: &[PanelSelection<'a>], uploads: &'a [GeneList]) -> Vec<Input<'a>> {
    let mut by_version: BTreeMap<(Source, u32, PanelVersion), (&'a PanelData, SelectionFilter)> =
        BTreeMap::new();
    for selection in panels {
        let p = selection.panel;
        by_version
            .entry((p.source, p.id, p.version))
            .and_modify(|(_, filter)| *filter = filter.union(&selection.filter))
            .or_insert_with(|| (p, selection.filter.union(&selection.filter)));
    }
    let mut lists: BTreeMap<&str, &'a GeneList> = BTreeMap::new();
    for list in uploads {
        lists.entry(list.id.as_str()).or_insert(list);
    }
    let mut lists: Vec<&'a GeneList> = lists.into_values().collect();
    lists.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    by_version
        .into_values()
        .map(|(panel, filter)| Input::Panel(panel, filter))
        .chain(lists.into_iter().map(Input::Upload))
        .collect()
}

impl<'a> Input<'a> {
    fn summary(&self) -> SourceSummary {
        let base = SourceSummary {
            index: 0,
            label: String::new(),
            kind: SourceKind::Panel,
            name: String::new(),
            source: None,
            panel_id: None,
            version: None,
            version_created: None,
            upload_id: None,
            confidence: Vec::new(),
            types: Vec::new(),
            entities: 0,
            duplicates: 0,
            genes: 0,
            unique: 0,
            by_confidence: ConfidenceCounts::default(),
        };
        match self {
            Self::Panel(p, filter) => SourceSummary {
                label: p.label(),
                name: p.name.clone(),
                source: Some(p.source),
                panel_id: Some(p.id),
                version: Some(p.version),
                version_created: p.version_created.clone(),
                confidence: filter.confidence.clone(),
                types: filter.types.clone(),
                ..base
            },
            Self::Upload(list) => SourceSummary {
                label: list.name.clone(),
                kind: SourceKind::Upload,
                name: list.name.clone(),
                upload_id: Some(list.id.clone()),
                types: vec![EntityType::Gene],
                ..base
            },
        }
    }

    fn entries(&self, index: usize, out: &mut Vec<Entry<'a>>, summary: &mut SourceSummary) {
        summary.index = index;
        match self {
            Self::Panel(panel, filter) => {
                for entity in panel.entities.iter().filter(|e| filter.accepts(e)) {
                    if let Some(key) = panel_key(entity) {
                        summary.entities += 1;
                        out.push(Entry {
                            source: index,
                            key,
                            item: Item::Panel(entity),
                        });
                    }
                }
            }
            Self::Upload(list) => {
                for gene in &list.genes {
                    summary.entities += 1;
                    let key = match gene.hgnc_id {
                        Some(id) => GeneKey::Hgnc(id),
                        None => GeneKey::Symbol(gene.symbol.clone()),
                    };
                    out.push(Entry {
                        source: index,
                        key,
                        item: Item::Upload(gene),
                    });
                }
            }
        }
    }
}

/// Same labels (two versions of one panel, two uploads of one file) get told apart.
fn make_labels_unique(sources: &mut [SourceSummary]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in sources.iter() {
        *seen.entry(s.label.clone()).or_default() += 1;
    }
    let mut nth: HashMap<String, usize> = HashMap::new();
    for s in sources.iter_mut() {
        if seen.get(&s.label).copied().unwrap_or(0) < 2 {
            continue;
        }
        let n = nth.entry(s.label.clone()).or_default();
        *n += 1;
        s.label = match (s.kind, s.version) {
            (SourceKind::Panel, Some(v)) => format!("{} v{v}", s.label),
            _ => format!("{} ({n})", s.label),
        };
    }
}

fn panel_key(entity: &PanelEntity) -> Option<GeneKey> {
    match entity.entity_type {
        EntityType::Gene => match (&entity.hgnc_id, &entity.symbol) {
            (Some(id), _) => Some(GeneKey::Hgnc(*id)),
            (None, Some(symbol)) => Some(GeneKey::Symbol(symbol.clone())),
            (None, None) => GeneSymbol::parse(&entity.name).ok().map(GeneKey::Symbol),
        },
        EntityType::Str => Some(GeneKey::Str(entity.name.trim().to_ascii_uppercase())),
        EntityType::Region => Some(GeneKey::Region(entity.name.trim().to_ascii_uppercase())),
    }
}

#[derive(Clone, Copy)]
pub(super) enum Item<'a> {
    Panel(&'a PanelEntity),
    Upload(&'a ListGene),
}

pub(super) struct Entry<'a> {
    pub(super) source: usize,
    pub(super) key: GeneKey,
    pub(super) item: Item<'a>,
}

impl<'a> Entry<'a> {
    pub(super) fn symbol(&self) -> Option<&'a GeneSymbol> {
        match self.item {
            Item::Panel(e) => e.symbol.as_ref(),
            Item::Upload(g) => Some(&g.symbol),
        }
    }

    pub(super) fn hgnc_id(&self) -> Option<HgncId> {
        match &self.item {
            Item::Panel(e) => e.hgnc_id,
            Item::Upload(g) => g.hgnc_id,
        }
    }
}

/// The HGNC ids one symbol is used for: almost always one.
enum Ids {
    One(HgncId),
    Many,
}

/// Gives symbol-only genes the HGNC id the other sources know for that symbol (symbols used
/// for several HGNC ids stay apart; [`ambiguous_symbols`] flags them).
fn rekey_symbols(entries: &mut [Entry<'_>]) {
    let mut ids: HashMap<&str, Ids> = HashMap::new();
    for e in entries.iter() {
        if let (GeneKey::Hgnc(id), Some(symbol)) = (&e.key, e.symbol()) {
            match ids.get(symbol.as_str()) {
                None => {
                    ids.insert(symbol.as_str(), Ids::One(*id));
                }
                Some(Ids::One(first)) if first != id => {
                    ids.insert(symbol.as_str(), Ids::Many);
                }
                Some(_) => {}
            }
        }
    }
    for e in entries.iter_mut() {
        if let GeneKey::Symbol(symbol) = &e.key
            && let Some(Ids::One(id)) = ids.get(symbol.as_str())
        {
            e.key = GeneKey::Hgnc(*id);
        }
    }
}

/// Symbols the sources use for more than one HGNC id, with those ids.
fn ambiguous_symbols<'a>(
    rows: &HashMap<GeneKey, RowAcc<'a>>,
) -> HashMap<&'a str, BTreeSet<HgncId>> {
    let mut ids: HashMap<&'a str, BTreeSet<HgncId>> = HashMap::new();
    for (key, row) in rows {
        if let GeneKey::Hgnc(id) = key {
            for symbol in row.symbols() {
                ids.entry(symbol).or_default().insert(*id);
            }
        }
    }
    ids.retain(|_, set| set.len() > 1);
    ids
}
