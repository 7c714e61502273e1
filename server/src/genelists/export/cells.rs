//! The rows every tabular export shares, and formula-injection neutralisation.

use std::borrow::Cow;

use shared::merge::{GeneSource, MergeResult, MergedGene};
use shared::{EntityType, ExportColumn};

/// Neutralises a cell that a spreadsheet would run as a formula: values beginning with `=`,
/// `+`, `-`, `@`, tab or carriage return get a leading `'` (OWASP's CSV-injection advice).
pub fn neutralise(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The combined sheet's header: the Flask version's three columns, then ours.
pub fn combined_header() -> [&'static str; 11] {
    [
        "GeneSymbol",
        "Panel(s)",
        "List type(s)",
        "HGNC ID",
        "Entity type",
        "Confidence level(s)",
        "Mode(s) of inheritance",
        "Panel version(s)",
        "Sources",
        "Conflicts",
        "Verification",
    ]
}

const NOT_APPLICABLE: &str = "n/a";

pub(crate) fn entity_type_name(t: EntityType) -> &'static str {
    match t {
        EntityType::Gene => "gene",
        EntityType::Str => "str",
        EntityType::Region => "region",
    }
}

/// One combined row, not yet neutralised (writers neutralise each cell).
pub(crate) fn combined_row(result: &MergeResult<'_>, gene: &MergedGene<'_>) -> [String; 11] {
    let join = |f: &dyn Fn(&GeneSource<'_>) -> String| {
        gene.sources.iter().map(f).collect::<Vec<_>>().join(", ")
    };
    let mut inheritance: Vec<&str> = Vec::new();
    for s in &gene.sources {
        if let Some(m) = s.mode_of_inheritance.as_deref()
            && !inheritance.contains(&m)
        {
            inheritance.push(m);
        }
    }
    [
        gene.symbol.clone(),
        join(&|s| s.label.to_string()),
        join(&|s| s.list_type.to_string()),
        gene.hgnc_id.map(|h| h.to_string()).unwrap_or_default(),
        entity_type_name(gene.entity_type).to_owned(),
        join(&|s| {
            s.confidence
                .map(|c| c.panelapp_level().to_string())
                .unwrap_or_else(|| NOT_APPLICABLE.to_owned())
        }),
        inheritance.join("; "),
        join(&|s| {
            result
                .source(s.source_index)
                .and_then(|src| src.version)
                .map(|v| v.to_string())
                .unwrap_or_else(|| NOT_APPLICABLE.to_owned())
        }),
        gene.sources.len().to_string(),
        gene.conflicts
            .iter()
            .map(|c| format!("{}: {}", c.kind, c.message))
            .collect::<Vec<_>>()
            .join("; "),
        gene.verification.export_text(),
    ]
}

/// The extra columns of a saved-panel export whose lab rated, annotated or changed genes.
pub(crate) const LAB_HEADER: [&str; 3] = ["Lab rating", "Lab mode of inheritance", "Lab notes"];

/// The lab's cells of one combined row (empty where the lab decided nothing).
pub(crate) fn lab_cells(lab: &[super::LabDecision], gene: &MergedGene<'_>) -> [String; 3] {
    match lab.iter().find(|d| d.symbol == gene.symbol) {
        Some(d) => [
            d.rating.map(|c| c.label().to_owned()).unwrap_or_default(),
            d.mode_of_inheritance.clone().unwrap_or_default(),
            d.notes.clone().unwrap_or_default(),
        ],
        None => Default::default(),
    }
}

/// The combined header followed by the lab's columns.
pub(crate) fn combined_header_with_lab() -> [&'static str; 14] {
    let mut out = [""; 14];
    out[..11].copy_from_slice(&combined_header());
    out[11..].copy_from_slice(&LAB_HEADER);
    out
}

/// A combined row followed by the lab's cells.
pub(crate) fn combined_row_with_lab(
    result: &MergeResult<'_>,
    gene: &MergedGene<'_>,
    lab: &[super::LabDecision],
) -> [String; 14] {
    let mut out: [String; 14] = Default::default();
    for (slot, value) in out.iter_mut().zip(
        combined_row(result, gene)
            .into_iter()
            .chain(lab_cells(lab, gene)),
    ) {
        *slot = value;
    }
    out
}

/// The per-source sheet's header.
pub(crate) const SOURCE_HEADER: [&str; 10] = [
    "Entity type",
    "Entity name",
    "GeneSymbol",
    "HGNC ID",
    "List type",
    "Confidence level",
    "Mode of inheritance",
    "Phenotypes",
    "Evidence",
    "Publications",
];

/// One row of a per-source sheet.
pub(crate) fn source_row(gene: &MergedGene<'_>, s: &GeneSource<'_>) -> [String; 10] {
    [
        entity_type_name(gene.entity_type).to_owned(),
        s.entity_name.to_string(),
        gene.symbol.clone(),
        gene.hgnc_id.map(|h| h.to_string()).unwrap_or_default(),
        s.list_type.to_string(),
        s.confidence
            .map(|c| c.panelapp_level().to_string())
            .unwrap_or_else(|| NOT_APPLICABLE.to_owned()),
        s.mode_of_inheritance
            .as_deref()
            .unwrap_or_default()
            .to_owned(),
        s.phenotypes.join("; "),
        s.evidence.join("; "),
        s.publications.join("; "),
    ]
}

/// The header of the chosen columns.
pub(crate) fn chosen_header(columns: &[ExportColumn]) -> Vec<&'static str> {
    columns.iter().map(|c| c.header()).collect()
}

/// The chosen columns of one combined row (lab cells empty where the lab decided nothing or
/// the export is not of a saved panel).
pub(crate) fn chosen_row(
    result: &MergeResult<'_>,
    gene: &MergedGene<'_>,
    lab: Option<&[super::LabDecision]>,
    columns: &[ExportColumn],
) -> Vec<String> {
    let mut full = combined_row_with_lab(result, gene, lab.unwrap_or_default());
    columns
        .iter()
        .map(|c| {
            full.get_mut(c.position())
                .map(std::mem::take)
                .unwrap_or_default()
        })
        .collect()
}
