//! Between merged lists and saved panels: a merge becomes a saved gene list (keeping each
//! gene's best rating, inheritance, phenotypes, coordinates and source references), and a
//! saved version becomes a one-source merge result the exporters write.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::merge::{
    GeneKey, GeneSource, MergeResult, MergedGene, Overlap, OwnedMergeResult, SourceKind,
    SourceSummary,
};
use crate::saved::{SavedGene, canonical};
use crate::{Confidence, ConfidenceCounts, GeneSymbol};

/// How a merge source is referred to in a saved gene: `uk-402@8.125` or `upload:<name>`.
pub fn source_reference(source: &SourceSummary) -> String {
    match (source.kind, source.source, source.panel_id) {
        (SourceKind::Panel, Some(instance), Some(id)) => match source.version {
            Some(v) => format!("{}-{id}@{v}", instance.prefix()),
            None => format!("{}-{id}", instance.prefix()),
        },
        _ => format!("upload:{}", source.name),
    }
}

fn best(a: Option<Confidence>, b: Option<Confidence>) -> Option<Confidence> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.panelapp_level() > x.panelapp_level() {
            y
        } else {
            x
        }),
        (x, y) => x.or(y),
    }
}

fn saved_gene(result: &MergeResult<'_>, gene: &MergedGene<'_>) -> Option<SavedGene> {
    let symbol = GeneSymbol::parse(&gene.symbol).ok()?;
    let mut out = SavedGene::new(symbol);
    out.entity_type = gene.entity_type;
    out.hgnc_id = gene.hgnc_id;
    out.grch37 = gene.grch37.clone();
    out.grch38 = gene.grch38.clone();
    let mut phenotypes = BTreeSet::new();
    let mut evidence = BTreeSet::new();
    let mut sources = BTreeSet::new();
    for s in &gene.sources {
        out.confidence = best(out.confidence, s.confidence);
        if out.mode_of_inheritance.is_none() {
            out.mode_of_inheritance = s
                .mode_of_inheritance
                .as_deref()
                .filter(|m| !m.trim().is_empty())
                .map(str::to_owned);
        }
        phenotypes.extend(s.phenotypes.iter().cloned());
        evidence.extend(s.evidence.iter().cloned());
        if let Some(summary) = result.sources.get(s.source_index) {
            sources.insert(source_reference(summary));
        }
    }
    out.phenotypes = phenotypes.into_iter().collect();
    out.evidence = evidence.into_iter().collect();
    out.sources = sources.into_iter().collect();
    Some(out)
}

/// The saved gene list of a merge (rows whose name is not a valid symbol are skipped).
pub fn from_merge(result: &MergeResult<'_>) -> Vec<SavedGene> {
    canonical(
        &result
            .genes
            .iter()
            .filter_map(|g| saved_gene(result, g))
            .collect::<Vec<_>>(),
    )
}

/// A saved version as a one-source merge result (label: `name vN`), for the exporters.
pub fn to_merge(genes: &[SavedGene], name: &str, version: u32) -> OwnedMergeResult {
    let label: Arc<str> = Arc::from(format!("{name} v{version}"));
    let list_type = |g: &SavedGene| {
        g.effective_confidence()
            .map_or("Custom", |c| c.label())
            .to_owned()
    };
    let rows: Vec<MergedGene<'static>> = canonical(genes)
        .into_iter()
        .map(|g| MergedGene {
            key: match g.hgnc_id {
                Some(h) => GeneKey::Hgnc(h),
                None => GeneKey::Symbol(g.symbol.clone()),
            },
            symbol: g.symbol.as_str().to_owned(),
            hgnc_id: g.hgnc_id,
            entity_type: g.entity_type,
            sources: vec![GeneSource {
                source_index: 0,
                label: label.clone(),
                kind: SourceKind::Upload,
                entity_name: g.symbol.as_str().to_owned().into(),
                confidence: g.effective_confidence(),
                list_type: list_type(&g).into(),
                mode_of_inheritance: g.mode_of_inheritance.clone().map(Into::into),
                phenotypes: g.phenotypes.clone().into(),
                evidence: g.evidence.clone().into(),
                publications: Vec::new().into(),
            }],
            conflicts: Vec::new(),
            grch37: g.grch37.clone(),
            grch38: g.grch38.clone(),
        })
        .collect();
    let mut counts = ConfidenceCounts::default();
    for g in genes {
        match g.effective_confidence() {
            Some(Confidence::Green) => counts.green += 1,
            Some(Confidence::Amber) => counts.amber += 1,
            Some(Confidence::Red) => counts.red += 1,
            Some(Confidence::Grey) => counts.grey += 1,
            None => {}
        }
    }
    let total = rows.len();
    let summary = SourceSummary {
        index: 0,
        label: label.to_string(),
        kind: SourceKind::Upload,
        name: format!("{name} v{version}"),
        source: None,
        panel_id: None,
        version: None,
        version_created: None,
        upload_id: None,
        confidence: Vec::new(),
        types: Vec::new(),
        entities: total,
        duplicates: 0,
        genes: total,
        unique: total,
        by_confidence: counts,
    };
    MergeResult {
        total,
        sources: vec![summary],
        genes: rows,
        overlap: Overlap {
            combinations: Vec::new(),
            pairwise: vec![vec![total]],
        },
    }
}

/// The genes one PanelApp panel version contributes under `filter`, as saved genes without
/// source references (so two versions of one panel compare by content alone).
pub fn upstream_genes(
    panel: &crate::PanelData,
    filter: &crate::merge::SelectionFilter,
) -> Vec<SavedGene> {
    let selection = [crate::merge::PanelSelection::new(panel, filter)];
    let result = crate::merge::merge(&selection, &[]);
    let mut genes = from_merge(&result);
    for gene in &mut genes {
        gene.sources.clear();
    }
    genes
}

/// One upstream source moving from `old_ref` (e.g. `uk-402@8.125`) to `new_ref`, with the
/// genes it contributed at each version (from [`upstream_genes`]).
#[derive(Debug, Clone)]
pub struct UpstreamMove<'a> {
    pub old_ref: &'a str,
    pub new_ref: &'a str,
    pub old: &'a [SavedGene],
    pub new: &'a [SavedGene],
}

/// Applies an upstream move to a saved gene list, keeping the lab's own work:
///
/// - genes added upstream are added (unless the panel already has them: they gain the source);
/// - genes removed upstream lose the source, and leave the panel when no other source keeps them;
/// - fields that changed upstream (rating, inheritance, phenotypes, evidence, coordinates,
///   identifiers) are taken over; the lab's custom rating and notes stay;
/// - genes the lab removed while they were upstream stay removed;
/// - every reference to `old_ref` becomes `new_ref`.
pub fn apply_upstream(current: &[SavedGene], moved: &UpstreamMove<'_>) -> Vec<SavedGene> {
    use std::collections::BTreeMap;
    let old: BTreeMap<&GeneSymbol, &SavedGene> = moved.old.iter().map(|g| (&g.symbol, g)).collect();
    let new: BTreeMap<&GeneSymbol, &SavedGene> = moved.new.iter().map(|g| (&g.symbol, g)).collect();
    let retag = |sources: &mut Vec<String>, keep: bool| {
        sources.retain(|s| s != moved.old_ref && s != moved.new_ref);
        if keep {
            sources.push(moved.new_ref.to_owned());
        }
        sources.sort();
        sources.dedup();
    };
    let mut out = Vec::with_capacity(current.len() + moved.new.len());
    for gene in current {
        let mut gene = gene.clone();
        match (old.get(&gene.symbol), new.get(&gene.symbol)) {
            (Some(_), None) => {
                // Removed upstream: drop the source; the gene goes when nothing else keeps it.
                let had = gene.sources.iter().any(|s| s == moved.old_ref);
                retag(&mut gene.sources, false);
                if had && gene.sources.is_empty() {
                    continue;
                }
            }
            (before, Some(after)) => {
                take_upstream_fields(&mut gene, before.copied(), after);
                retag(&mut gene.sources, true);
            }
            (None, None) => {
                if gene.sources.iter().any(|s| s == moved.old_ref) {
                    retag(&mut gene.sources, false);
                }
            }
        }
        out.push(gene);
    }
    let present: std::collections::BTreeSet<GeneSymbol> =
        current.iter().map(|g| g.symbol.clone()).collect();
    for (symbol, gene) in &new {
        if !present.contains(*symbol) && !old.contains_key(symbol) {
            let mut added = (*gene).clone();
            added.sources = vec![moved.new_ref.to_owned()];
            out.push(added);
        }
    }
    canonical(&out)
}

/// Takes over the fields that changed upstream between `before` (None: the gene is new
/// upstream, so every upstream field counts as changed) and `after`.
fn take_upstream_fields(gene: &mut SavedGene, before: Option<&SavedGene>, after: &SavedGene) {
    macro_rules! take {
        ($($field:ident),*) => {$(
            if before.is_none_or(|b| b.$field != after.$field) {
                gene.$field = after.$field.clone();
            }
        )*};
    }
    take!(
        entity_type,
        hgnc_id,
        gene_name,
        confidence,
        mode_of_inheritance,
        phenotypes,
        evidence,
        grch37,
        grch38
    );
}

#[cfg(test)]
mod upstream_tests {
    use super::*;

    fn gene(symbol: &str, confidence: Confidence, sources: &[&str]) -> SavedGene {
        let mut g = SavedGene::new(GeneSymbol::parse(symbol).unwrap());
        g.confidence = Some(confidence);
        g.sources = sources.iter().map(|s| (*s).to_owned()).collect();
        g
    }

    fn symbols(genes: &[SavedGene]) -> Vec<&str> {
        genes.iter().map(|g| g.symbol.as_str()).collect()
    }

    #[test]
    fn upstream_additions_removals_and_rating_changes_are_applied() {
        let old = [
            gene("AAA1", Confidence::Green, &[]),
            gene("BBB1", Confidence::Green, &[]),
            gene("CCC1", Confidence::Amber, &[]),
        ];
        let new = [
            gene("AAA1", Confidence::Green, &[]),
            gene("CCC1", Confidence::Green, &[]),
            gene("DDD1", Confidence::Green, &[]),
        ];
        let mut custom = gene("CCC1", Confidence::Amber, &["uk-1@1.0"]);
        custom.notes = Some("lab note".into());
        custom.custom_confidence = Some(Confidence::Red);
        let current = [
            gene("AAA1", Confidence::Green, &["uk-1@1.0"]),
            gene("BBB1", Confidence::Green, &["uk-1@1.0"]),
            custom,
            gene("ZZZ1", Confidence::Green, &["upload:mine"]),
        ];
        let moved = UpstreamMove {
            old_ref: "uk-1@1.0",
            new_ref: "uk-1@1.1",
            old: &old,
            new: &new,
        };
        let out = apply_upstream(&current, &moved);
        assert_eq!(symbols(&out), ["AAA1", "CCC1", "DDD1", "ZZZ1"]);
        let ccc = &out[1];
        assert_eq!(
            ccc.confidence,
            Some(Confidence::Green),
            "upstream rating taken"
        );
        assert_eq!(
            ccc.custom_confidence,
            Some(Confidence::Red),
            "lab rating kept"
        );
        assert_eq!(ccc.notes.as_deref(), Some("lab note"));
        assert_eq!(ccc.sources, ["uk-1@1.1"]);
        assert_eq!(out[2].sources, ["uk-1@1.1"]);
        assert_eq!(out[3].sources, ["upload:mine"], "other sources untouched");
    }

    #[test]
    fn genes_kept_by_other_sources_or_removed_by_the_lab_stay_that_way() {
        let old = [
            gene("AAA1", Confidence::Green, &[]),
            gene("BBB1", Confidence::Green, &[]),
        ];
        let new = [gene("BBB1", Confidence::Green, &[])];
        // AAA1 also came from an upload; BBB1 was removed by the lab.
        let current = [gene("AAA1", Confidence::Green, &["uk-1@1.0", "upload:x"])];
        let moved = UpstreamMove {
            old_ref: "uk-1@1.0",
            new_ref: "uk-1@1.1",
            old: &old,
            new: &new,
        };
        let out = apply_upstream(&current, &moved);
        assert_eq!(symbols(&out), ["AAA1"]);
        assert_eq!(out[0].sources, ["upload:x"]);
        // Applying the same move twice changes nothing more.
        assert_eq!(apply_upstream(&out, &moved), out);
    }
}
