//! Properties of the merge: order-independent, idempotent, union semantics, filters respected.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::tests::{gene, list, merge, panel};
use super::*;
use crate::upload::GeneList;
use crate::{Confidence, EntityType, PanelData, Source};

/// A consistent gene universe: symbol `G<n>` is always HGNC:<n+1>.
fn symbol(n: u32) -> String {
    format!("G{n}")
}

fn arb_panel(id: u32) -> impl Strategy<Value = PanelData> {
    (
        prop::sample::select(vec![Source::Uk, Source::Au]),
        prop::collection::vec((0u32..40, 0usize..4, 0usize..3, any::<bool>()), 0..25),
    )
        .prop_map(move |(source, raw)| {
            let entities = raw
                .into_iter()
                .map(|(n, level, kind, with_id)| {
                    let mut e = gene(&symbol(n), with_id.then_some(n + 1), Confidence::ALL[level]);
                    e.entity_type = EntityType::ALL[kind];
                    if e.entity_type == EntityType::Str {
                        e.name = format!("{}_CAG", symbol(n));
                    } else if e.entity_type == EntityType::Region {
                        e.name = format!("REGION-{n}");
                        e.symbol = None;
                        e.hgnc_id = None;
                    }
                    e
                })
                .collect();
            panel(source, id, &format!("Panel {id}"), entities)
        })
}

fn arb_filter() -> impl Strategy<Value = SelectionFilter> {
    (
        prop::sample::subsequence(Confidence::ALL.to_vec(), 0..=4),
        prop::sample::subsequence(EntityType::ALL.to_vec(), 0..=3),
    )
        .prop_map(|(c, t)| SelectionFilter::new(&c, &t))
}

fn arb_list(id: u32) -> impl Strategy<Value = GeneList> {
    prop::collection::vec((0u32..40, any::<bool>()), 0..20).prop_map(move |raw| {
        let genes: Vec<(String, Option<u32>)> = raw
            .into_iter()
            .map(|(n, with_id)| (symbol(n), with_id.then_some(n + 1)))
            .collect();
        let refs: Vec<(&str, Option<u32>)> = genes.iter().map(|(s, h)| (s.as_str(), *h)).collect();
        list(&format!("u{id}"), &format!("List {}", id % 2), &refs)
    })
}

type Inputs = (Vec<(PanelData, SelectionFilter)>, Vec<GeneList>);

fn arb_inputs() -> impl Strategy<Value = Inputs> {
    (
        prop::collection::vec(
            (1u32..6).prop_flat_map(|id| (arb_panel(id), arb_filter())),
            0..4,
        ),
        prop::collection::vec((0u32..4).prop_flat_map(arb_list), 0..3),
    )
        .prop_map(|(mut panels, lists)| {
            // One content per (source, id, version), as upstream guarantees.
            let mut seen = BTreeSet::new();
            panels.retain(|(p, _)| seen.insert((p.source, p.id)));
            let mut seen = BTreeSet::new();
            let lists = lists
                .into_iter()
                .filter(|l| seen.insert(l.id.clone()))
                .collect();
            (panels, lists)
        })
}

fn run(panels: &[(PanelData, SelectionFilter)], lists: &[GeneList]) -> MergeResult<'static> {
    let selections: Vec<_> = panels
        .iter()
        .map(|(p, f)| PanelSelection::new(p, f))
        .collect();
    merge(&selections, lists)
}

/// Symbol → labels of the sources listing it.
fn by_symbol(r: &MergeResult<'_>) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for g in &r.genes {
        let labels = map.entry(g.symbol.clone()).or_default();
        labels.extend(g.sources.iter().map(|s| s.label.to_string()));
    }
    map
}

fn base_label(s: &SourceSummary) -> String {
    match s.source {
        Some(source) => format!("{} {}", source.export_label(), s.name),
        None => s.name.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn order_of_inputs_does_not_matter((panels, lists) in arb_inputs(), seed in any::<u64>()) {
        let expected = run(&panels, &lists);
        let mut panels = panels;
        let mut lists = lists;
        panels.reverse();
        lists.reverse();
        let k = (seed as usize) % panels.len().max(1);
        let len = panels.len();
        panels.rotate_left(k.min(len));
        prop_assert_eq!(run(&panels, &lists), expected);
    }

    #[test]
    fn merging_inputs_twice_changes_nothing((panels, lists) in arb_inputs()) {
        let once = run(&panels, &lists);
        let twice_panels: Vec<_> = panels.iter().chain(panels.iter()).cloned().collect();
        let twice_lists: Vec<_> = lists.iter().chain(lists.iter()).cloned().collect();
        prop_assert_eq!(run(&twice_panels, &twice_lists), once);
    }

    #[test]
    fn a_merge_is_the_union_of_its_parts((panels, lists) in arb_inputs(), split in 0usize..8) {
        let cut = split.min(panels.len());
        let lcut = (split / 2).min(lists.len());
        let left = run(&panels[..cut], &lists[..lcut]);
        let right = run(&panels[cut..], &lists[lcut..]);
        let whole = run(&panels, &lists);
        let mut expected = by_symbol(&left);
        for (symbol, labels) in by_symbol(&right) {
            expected.entry(symbol).or_default().extend(labels);
        }
        // Labels are made unique per merge (two uploads of one name); compare when none was
        // renamed, so a label means the same source in every part.
        if whole.sources.iter().all(|s| s.label == base_label(s)) {
            prop_assert_eq!(by_symbol(&whole), expected);
        }
        prop_assert!(whole.total >= left.total.max(right.total));
        prop_assert!(whole.total <= left.total + right.total);
    }

    #[test]
    fn filters_are_respected((panels, lists) in arb_inputs()) {
        let r = run(&panels, &lists);
        for g in &r.genes {
            for s in &g.sources {
                let summary = &r.sources[s.source_index];
                if summary.kind == SourceKind::Panel {
                    let c = s.confidence.expect("panel rows are rated");
                    prop_assert!(summary.confidence.contains(&c));
                    prop_assert!(summary.types.contains(&g.entity_type));
                }
            }
        }
        // Every entity that passes a filter is in the result, under its source.
        for (p, f) in &panels {
            let index = r
                .sources
                .iter()
                .position(|s| s.panel_id == Some(p.id) && s.source == Some(p.source))
                .expect("every panel is a source");
            let wanted = p.entities.iter().filter(|e| f.accepts(e)).count();
            prop_assert_eq!(r.sources[index].entities, wanted);
            let rows = r.genes.iter().filter(|g| g.source_indices().contains(&index)).count();
            prop_assert_eq!(rows, r.sources[index].genes);
            prop_assert_eq!(wanted, rows + r.sources[index].duplicates);
        }
        let pair_sum: usize = r.overlap.combinations.iter().map(|c| c.count).sum();
        prop_assert_eq!(pair_sum, r.total);
    }
}
