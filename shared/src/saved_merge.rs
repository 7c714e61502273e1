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
