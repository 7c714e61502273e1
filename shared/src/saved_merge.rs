//! Between merged lists and saved panels: a merge becomes a saved gene list (keeping each
//! gene's best rating, inheritance, phenotypes, coordinates, what every source said about it
//! and the conflicts between them), and a saved version becomes the merge result it was saved
//! from, which the exporters write exactly as they wrote the merge.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::merge::{
    GeneKey, GeneSource, MergeResult, MergedGene, OwnedMergeResult, SourceKind, SourceSummary,
    compute_overlap,
};
use crate::saved::{GeneOrigin, OriginKind, SavedGene, canonical};
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

fn origin_of(result: &MergeResult<'_>, s: &GeneSource<'_>) -> GeneOrigin {
    let summary = result.sources.get(s.source_index);
    let kind = match s.kind {
        SourceKind::Panel => OriginKind::Panel,
        SourceKind::Upload => OriginKind::Upload,
    };
    GeneOrigin {
        kind,
        label: s.label.to_string(),
        name: summary.map(|x| x.name.clone()),
        instance: summary.and_then(|x| x.source),
        panel_id: summary.and_then(|x| x.panel_id),
        version: summary.and_then(|x| x.version),
        upload_id: summary.and_then(|x| x.upload_id.clone()),
        row: s.upload_row,
        added_by: None,
        entity_name: s.entity_name.to_string(),
        confidence: s.confidence,
        list_type: s.list_type.to_string(),
        mode_of_inheritance: s.mode_of_inheritance.as_deref().map(str::to_owned),
        phenotypes: s.phenotypes.to_vec(),
        evidence: s.evidence.to_vec(),
        publications: s.publications.to_vec(),
    }
}

fn saved_gene(result: &MergeResult<'_>, gene: &MergedGene<'_>) -> Option<SavedGene> {
    let symbol = GeneSymbol::parse(&gene.symbol).ok()?;
    let mut out = SavedGene::new(symbol);
    out.entity_type = gene.entity_type;
    out.hgnc_id = gene.hgnc_id;
    out.grch37 = gene.grch37.clone();
    out.grch38 = gene.grch38.clone();
    if gene.symbol != out.symbol.as_str() {
        out.display_symbol = Some(gene.symbol.clone());
    }
    out.merge_key = Some(gene.key.clone());
    out.conflicts = gene.conflicts.clone();
    out.verification = Some(gene.verification.clone());
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
        out.origins.push(origin_of(result, s));
    }
    out.phenotypes = phenotypes.into_iter().collect();
    out.evidence = evidence.into_iter().collect();
    out.sources = sources.into_iter().collect();
    Some(out)
}

/// The saved gene list of a merge (rows whose name is not a valid symbol are skipped), each
/// gene with what every source said about it and the conflicts between them.
pub fn from_merge(result: &MergeResult<'_>) -> Vec<SavedGene> {
    canonical(
        &result
            .genes
            .iter()
            .filter_map(|g| saved_gene(result, g))
            .collect::<Vec<_>>(),
    )
}

/// One source of a saved version: the merge's summary of it, and how its data was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSource {
    #[serde(flatten)]
    pub summary: SourceSummary,
    /// How the data was obtained ("live", "cache", "snapshot …", "upload").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The panel version's date upstream, or when the list was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_date: Option<String>,
}

/// The label of the one source of genes saved before sources were recorded.
pub fn legacy_label(name: &str, version: u32) -> String {
    format!("{name} v{version} (saved panel; sources not recorded)")
}

fn legacy_origin(gene: &SavedGene, label: &str) -> GeneOrigin {
    GeneOrigin {
        kind: OriginKind::Upload,
        label: label.to_owned(),
        name: Some(label.to_owned()),
        instance: None,
        panel_id: None,
        version: None,
        upload_id: None,
        row: None,
        added_by: None,
        entity_name: gene.symbol.as_str().to_owned(),
        confidence: gene.effective_confidence(),
        list_type: gene
            .effective_confidence()
            .map_or("Custom", |c| c.label())
            .to_owned(),
        mode_of_inheritance: gene.mode_of_inheritance.clone(),
        phenotypes: gene.phenotypes.clone(),
        evidence: gene.evidence.clone(),
        publications: Vec::new(),
    }
}

/// The origins of a gene as shown: its recorded ones, or for a gene saved before sources were
/// recorded one origin naming the saved panel itself (labelled so).
pub fn origins_or_legacy(gene: &SavedGene, name: &str, version: u32) -> Vec<GeneOrigin> {
    if gene.origins.is_empty() {
        vec![legacy_origin(gene, &legacy_label(name, version))]
    } else {
        gene.origins.clone()
    }
}

fn summary_of(origin: &GeneOrigin, index: usize) -> SourceSummary {
    SourceSummary {
        index,
        label: origin.label.clone(),
        kind: match origin.kind {
            OriginKind::Panel => SourceKind::Panel,
            OriginKind::Upload | OriginKind::Manual => SourceKind::Upload,
        },
        name: origin.name.clone().unwrap_or_else(|| origin.label.clone()),
        source: origin.instance,
        panel_id: origin.panel_id,
        version: origin.version,
        version_created: None,
        upload_id: origin.upload_id.clone(),
        confidence: Vec::new(),
        types: Vec::new(),
        entities: 0,
        duplicates: 0,
        genes: 0,
        unique: 0,
        by_confidence: ConfidenceCounts::default(),
    }
}

/// The sources of a gene list: the recorded ones still used (in their order), then any other
/// source the genes name (added by hand, or the saved panel itself for genes saved before
/// sources were recorded), with their counts recomputed from the genes.
pub fn sources_of(
    genes: &[SavedGene],
    recorded: &[SavedSource],
    name: &str,
    version: u32,
) -> Vec<SavedSource> {
    to_merge(genes, recorded, name, version).1
}

/// A saved version as the merge result it was saved from, for the exporters: every gene with
/// its sources and conflicts, the sources in their recorded order (aligned with the returned
/// [`SavedSource`]s), counts and overlap recomputed from the genes. Genes saved before
/// sources were recorded come from one source naming the saved panel (`name vN`).
pub fn to_merge(
    genes: &[SavedGene],
    recorded: &[SavedSource],
    name: &str,
    version: u32,
) -> (OwnedMergeResult, Vec<SavedSource>) {
    let genes = canonical(genes);
    let mut sources: Vec<SavedSource> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for source in recorded {
        if index_of.contains_key(&source.summary.label) {
            continue;
        }
        index_of.insert(source.summary.label.clone(), sources.len());
        sources.push(source.clone());
    }
    let mut extra: Vec<SavedSource> = Vec::new();
    let mut rows: Vec<MergedGene<'static>> = Vec::with_capacity(genes.len());
    let mut labels: HashMap<String, Arc<str>> = HashMap::new();
    for gene in &genes {
        let mut contributions: Vec<(usize, GeneSource<'static>)> = Vec::new();
        for origin in origins_or_legacy(gene, name, version) {
            let index = match index_of.get(&origin.label) {
                Some(i) => *i,
                None => {
                    let i = recorded.len().max(sources.len()) + extra.len() + 1_000_000;
                    index_of.insert(origin.label.clone(), i);
                    extra.push(SavedSource {
                        summary: summary_of(&origin, i),
                        origin: Some(match origin.kind {
                            OriginKind::Manual => "added by hand".to_owned(),
                            _ => "saved panel (sources not recorded)".to_owned(),
                        }),
                        data_date: None,
                    });
                    i
                }
            };
            let label = labels
                .entry(origin.label.clone())
                .or_insert_with(|| Arc::from(origin.label.as_str()))
                .clone();
            contributions.push((
                index,
                GeneSource {
                    source_index: index,
                    label,
                    kind: match origin.kind {
                        OriginKind::Panel => SourceKind::Panel,
                        OriginKind::Upload | OriginKind::Manual => SourceKind::Upload,
                    },
                    entity_name: Cow::Owned(origin.entity_name),
                    confidence: origin.confidence,
                    list_type: Cow::Owned(origin.list_type),
                    mode_of_inheritance: origin.mode_of_inheritance.map(Cow::Owned),
                    phenotypes: Cow::Owned(origin.phenotypes),
                    evidence: Cow::Owned(origin.evidence),
                    publications: Cow::Owned(origin.publications),
                    upload_row: origin.row,
                },
            ));
        }
        rows.push(MergedGene {
            key: gene
                .merge_key
                .clone()
                .unwrap_or_else(|| match gene.hgnc_id {
                    Some(h) => GeneKey::Hgnc(h),
                    None => GeneKey::Symbol(gene.symbol.clone()),
                }),
            symbol: gene.shown_symbol().to_owned(),
            hgnc_id: gene.hgnc_id,
            entity_type: gene.entity_type,
            sources: contributions.into_iter().map(|(_, s)| s).collect(),
            conflicts: gene.conflicts.clone(),
            grch37: gene.grch37.clone(),
            grch38: gene.grch38.clone(),
            verification: gene.verification(),
        });
    }
    // Sources no gene names any more are left out; the others are numbered in order (the
    // recorded ones first, then the others by label).
    let mut used: BTreeSet<usize> = BTreeSet::new();
    for row in &rows {
        used.extend(row.sources.iter().map(|s| s.source_index));
    }
    extra.sort_by(|a, b| a.summary.label.cmp(&b.summary.label));
    let mut renumber: HashMap<usize, usize> = HashMap::new();
    let mut kept: Vec<SavedSource> = Vec::new();
    for (old, source) in sources
        .into_iter()
        .enumerate()
        .chain(extra.into_iter().map(|s| (s.summary.index, s)))
    {
        if !used.contains(&old) {
            continue;
        }
        renumber.insert(old, kept.len());
        kept.push(source);
    }
    for (i, source) in kept.iter_mut().enumerate() {
        let s = &mut source.summary;
        s.index = i;
        s.genes = 0;
        s.unique = 0;
        s.by_confidence = ConfidenceCounts::default();
    }
    for row in &mut rows {
        for s in &mut row.sources {
            s.source_index = renumber.get(&s.source_index).copied().unwrap_or(0);
        }
        row.sources.sort_by_key(|s| s.source_index);
        let only_one = row.sources.len() == 1;
        for s in &row.sources {
            let Some(summary) = kept.get_mut(s.source_index).map(|k| &mut k.summary) else {
                continue;
            };
            summary.genes += 1;
            if only_one {
                summary.unique += 1;
            }
            match s.confidence {
                Some(Confidence::Green) => summary.by_confidence.green += 1,
                Some(Confidence::Amber) => summary.by_confidence.amber += 1,
                Some(Confidence::Red) => summary.by_confidence.red += 1,
                Some(Confidence::Grey) => summary.by_confidence.grey += 1,
                None => {}
            }
        }
    }
    for source in &mut kept {
        if source.summary.entities == 0 {
            source.summary.entities = source.summary.genes;
        }
    }
    let overlap = compute_overlap(&rows, kept.len());
    let result = MergeResult {
        total: rows.len(),
        sources: kept.iter().map(|s| s.summary.clone()).collect(),
        genes: rows,
        overlap,
    };
    (result, kept)
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
        gene.origins.clear();
        gene.conflicts.clear();
        gene.merge_key = None;
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
    // A recorded origin of the moving panel, as the template of origins of genes new upstream.
    let template = current
        .iter()
        .flat_map(|g| &g.origins)
        .find(|o| origin_reference(o).as_deref() == Some(moved.old_ref))
        .cloned();
    let mut out = Vec::with_capacity(current.len() + moved.new.len());
    for gene in current {
        let mut gene = gene.clone();
        match (old.get(&gene.symbol), new.get(&gene.symbol)) {
            (Some(_), None) => {
                // Removed upstream: drop the source; the gene goes when nothing else keeps it.
                let had = gene.sources.iter().any(|s| s == moved.old_ref);
                retag(&mut gene.sources, false);
                gene.origins
                    .retain(|o| origin_reference(o).as_deref() != Some(moved.old_ref));
                if had && gene.sources.is_empty() {
                    continue;
                }
            }
            (before, Some(after)) => {
                take_upstream_fields(&mut gene, before.copied(), after);
                retag(&mut gene.sources, true);
                for origin in &mut gene.origins {
                    if origin_reference(origin).as_deref() == Some(moved.old_ref) {
                        move_origin(origin, moved.new_ref, after);
                    }
                }
            }
            (None, None) => {
                if gene.sources.iter().any(|s| s == moved.old_ref) {
                    retag(&mut gene.sources, false);
                    gene.origins
                        .retain(|o| origin_reference(o).as_deref() != Some(moved.old_ref));
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
            if let Some(template) = &template {
                let mut origin = template.clone();
                origin.entity_name = gene.shown_symbol().to_owned();
                move_origin(&mut origin, moved.new_ref, gene);
                added.origins = vec![origin];
            }
            out.push(added);
        }
    }
    canonical(&out)
}

/// `uk-402@8.125` for an origin from a PanelApp panel version.
pub fn origin_reference(origin: &GeneOrigin) -> Option<String> {
    let (Some(instance), Some(id)) = (origin.instance, origin.panel_id) else {
        return None;
    };
    Some(match origin.version {
        Some(v) => format!("{}-{id}@{v}", instance.prefix()),
        None => format!("{}-{id}", instance.prefix()),
    })
}

/// An origin moved to `new_ref`'s version, saying what the panel says there.
fn move_origin(origin: &mut GeneOrigin, new_ref: &str, after: &SavedGene) {
    origin.version = new_ref
        .rsplit_once('@')
        .and_then(|(_, v)| crate::PanelVersion::parse(v).ok());
    origin.confidence = after.confidence;
    if let Some(c) = after.confidence {
        origin.list_type = c.label().to_owned();
    }
    origin.mode_of_inheritance = after.mode_of_inheritance.clone();
    origin.phenotypes = after.phenotypes.clone();
    origin.evidence = after.evidence.clone();
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
