//! The workbook the Flask version's "Generate" wrote (v1.5), cell for cell, so scripts that
//! read those files read ours unchanged:
//!
//! - `Combined list`: `GeneSymbol`, `Panel(s)`, `List type(s)`; one row per entity name as
//!   the sources wrote it (not per HGNC id), sorted by code point; `Panel(s)` the labels
//!   (`GB <panel name>`, `AUS <panel name>`, the upload's file name without its extension)
//!   and `List type(s)` the *selection* of each source (`Green and Amber genes`, `User
//!   upload`), both joined with `, ` in source order, uploads last.
//! - With original panels: one sheet per selected panel, named `<label, first 27
//!   characters> (<n>)`, holding every gene of the panel version (whatever was selected) in
//!   PanelApp's order with `entity_type`, `entity_name`, `confidence_level`, `publications`,
//!   `evidence`, `phenotypes`, `mode_of_inheritance` (lists joined with `, `); then one sheet
//!   per upload (its name, first 31 characters) with its `Genes` in file order.
//!
//! No provenance sheet and no extra columns: that is what the default workbook is for.
//! Values are written as text cells, as Flask wrote them (text cells are never evaluated,
//! so they need no formula neutralising).

use std::collections::{BTreeMap, HashSet};

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet};
use shared::merge::{GeneSource, MergeResult, SourceKind, SourceSummary};
use shared::{Confidence, EntityType, PanelData};

use super::{ExportError, ExportRequest};

pub(crate) const COMBINED_SHEET: &str = "Combined list";
pub(crate) const COMBINED_HEADER: [&str; 3] = ["GeneSymbol", "Panel(s)", "List type(s)"];
pub(crate) const PANEL_HEADER: [&str; 7] = [
    "entity_type",
    "entity_name",
    "confidence_level",
    "publications",
    "evidence",
    "phenotypes",
    "mode_of_inheritance",
];
pub(crate) const UPLOAD_HEADER: [&str; 1] = ["Genes"];
/// Flask's list type of an uploaded list.
pub(crate) const USER_UPLOAD: &str = "User upload";
/// The characters Flask removed from sheet names.
const SHEET_NAME_REMOVED: [char; 7] = ['\\', '/', '*', '?', ':', '[', ']'];
/// The header fill of the Flask exports.
const HEADER_FILL: u32 = 0xDEEAF6;
const MAX_WIDTH: usize = 80;

/// Flask's name for what was taken from a panel: its five list types for genes, and for
/// selections Flask did not offer (grey, STRs, regions, other level sets) the levels and
/// types in the same words ("Green and Grey genes and STRs").
pub fn list_type(levels: &[Confidence], types: &[EntityType]) -> String {
    use Confidence::{Amber, Green, Grey, Red};
    if types == [EntityType::Gene] {
        let preset = match levels {
            [Green] => Some("Green genes"),
            [Green, Amber] => Some("Green and Amber genes"),
            [Amber] => Some("Amber genes"),
            [Red] => Some("Red genes"),
            [Green, Amber, Red] => Some("Whole gene panel"),
            _ => None,
        };
        if let Some(name) = preset {
            return name.to_owned();
        }
    }
    let level_names: Vec<&str> = levels
        .iter()
        .map(|c| match c {
            Green => "Green",
            Amber => "Amber",
            Red => "Red",
            Grey => "Grey",
        })
        .collect();
    let type_names: Vec<&str> = types
        .iter()
        .map(|t| match t {
            EntityType::Gene => "genes",
            EntityType::Str => "STRs",
            EntityType::Region => "regions",
        })
        .collect();
    format!("{} {}", and_list(&level_names), and_list(&type_names))
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// How Flask named a source in `Panel(s)` and its list type.
fn flask_source(summary: &SourceSummary) -> (String, String) {
    match summary.kind {
        SourceKind::Panel => (
            summary.label.clone(),
            list_type(&summary.confidence, &summary.types),
        ),
        SourceKind::Upload => (upload_name(&summary.label), USER_UPLOAD.to_owned()),
    }
}

/// Flask named an upload by its file name without the extension, at most 31 characters.
fn upload_name(label: &str) -> String {
    let stem = match label.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => label,
    };
    stem.chars().take(31).collect()
}

/// The `Combined list` rows: entity name → (panels, list types).
/// `order` is the source indices in Flask's order (panels by slot, then uploads).
fn combined_rows(result: &MergeResult<'_>, order: &[usize]) -> Vec<[String; 3]> {
    let rank = |index: usize| order.iter().position(|i| *i == index).unwrap_or(usize::MAX);
    // (rank, source index) per entity name.
    let mut by_name: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for gene in &result.genes {
        for s in &gene.sources {
            by_name
                .entry(s.entity_name.as_ref())
                .or_default()
                .push((rank(s.source_index), s.source_index));
        }
    }
    let names: Vec<(String, String)> = result.sources.iter().map(flask_source).collect();
    by_name
        .into_iter()
        .map(|(name, mut entries)| {
            entries.sort();
            entries.dedup();
            let named: Vec<&(String, String)> =
                entries.iter().filter_map(|(_, i)| names.get(*i)).collect();
            let join = |part: fn(&(String, String)) -> &str| {
                named.iter().map(|n| part(n)).collect::<Vec<_>>().join(", ")
            };
            [name.to_owned(), join(panel_of), join(list_of)]
        })
        .collect()
}

fn panel_of(named: &(String, String)) -> &str {
    &named.0
}

fn list_of(named: &(String, String)) -> &str {
    &named.1
}

/// Flask's sheet name of the `n`th selected panel.
fn panel_sheet_name(label: &str, n: usize) -> String {
    let head: String = label.chars().take(27).collect();
    strip_sheet_chars(&format!("{head} ({n})"))
}

fn strip_sheet_chars(name: &str) -> String {
    name.chars()
        .filter(|c| !SHEET_NAME_REMOVED.contains(c))
        .collect()
}

/// A name Excel accepts and no other sheet has (Flask's names are kept whenever they are).
fn unique_sheet_name(wanted: String, used: &mut HashSet<String>) -> String {
    let mut name = wanted.trim_matches('\'').to_owned();
    if name.is_empty() {
        name = "Sheet".to_owned();
    }
    let base = name.clone();
    let mut n = 2;
    while used.contains(&name.to_lowercase()) {
        let suffix = format!("~{n}");
        let keep = 31usize.saturating_sub(suffix.chars().count());
        name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        n += 1;
    }
    used.insert(name.to_lowercase());
    name
}

/// One row of an original-panel sheet from PanelApp's entity.
fn panel_row(e: &shared::PanelEntity) -> [String; 7] {
    [
        "gene".to_owned(),
        e.name.clone(),
        e.confidence.panelapp_level().to_string(),
        e.publications.join(", "),
        e.evidence.join(", "),
        e.phenotypes.join(", "),
        e.mode_of_inheritance.clone().unwrap_or_default(),
    ]
}

/// The same row from what a source said about a merged gene (saved panels, whose full
/// upstream panel is not kept).
fn source_row(s: &GeneSource<'_>) -> [String; 7] {
    [
        super::cells::entity_type_name(EntityType::Gene).to_owned(),
        s.entity_name.to_string(),
        s.confidence
            .map(|c| c.panelapp_level().to_string())
            .unwrap_or_default(),
        s.publications.join(", "),
        s.evidence.join(", "),
        s.phenotypes.join(", "),
        s.mode_of_inheritance
            .as_deref()
            .unwrap_or_default()
            .to_owned(),
    ]
}

/// The panel sources in the order they were selected (Flask's slots): the order of the loaded
/// panels when the request carries them (the merge keeps its sources in a canonical order),
/// else the merge's order (saved panels do not keep the selection order).
fn panel_order(request: &ExportRequest) -> Vec<&SourceSummary> {
    let panels = || {
        request
            .merge
            .sources
            .iter()
            .filter(|s| s.kind == SourceKind::Panel)
    };
    let mut out: Vec<&SourceSummary> = Vec::new();
    for loaded in &request.original_panels {
        let found = panels().find(|s| {
            Some(loaded.source) == s.source
                && Some(loaded.id) == s.panel_id
                && Some(loaded.version) == s.version
        });
        if let Some(s) = found
            && !out.iter().any(|o| o.index == s.index)
        {
            out.push(s);
        }
    }
    for s in panels() {
        if !out.iter().any(|o| o.index == s.index) {
            out.push(s);
        }
    }
    out
}

/// The loaded panel version behind a panel source, if the request carries it.
fn original<'a>(request: &'a ExportRequest, summary: &SourceSummary) -> Option<&'a PanelData> {
    request
        .original_panels
        .iter()
        .map(|p| p.as_ref())
        .find(|p| {
            Some(p.source) == summary.source
                && Some(p.id) == summary.panel_id
                && Some(p.version) == summary.version
        })
}

struct Styles {
    header: Format,
    cell: Format,
}

/// Writes a header and rows (empty values leave the cell empty, as Flask's did), sizes the
/// columns and adds the autofilter.
fn write_table<const N: usize>(
    sheet: &mut Worksheet,
    styles: &Styles,
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<(), ExportError> {
    let mut widths: [usize; N] = header.map(|h| h.chars().count());
    for (col, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &styles.header)?;
    }
    let mut last_row = 0u32;
    for (i, row) in rows.enumerate() {
        let r = i as u32 + 1;
        for (col, value) in row.iter().enumerate() {
            if i == 0 {
                // Flask sized each column by its header and first row.
                widths[col] = widths[col].max(value.chars().count());
            }
            if value.is_empty() {
                sheet.write_blank(r, col as u16, &styles.cell)?;
            } else {
                sheet.write_string_with_format(r, col as u16, value, &styles.cell)?;
            }
        }
        last_row = r;
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (width + 2).min(MAX_WIDTH) as f64)?;
    }
    sheet.autofilter(0, 0, last_row, (N - 1) as u16)?;
    Ok(())
}

/// Writes the workbook; also returns the rows of its `Combined list`.
pub(crate) fn write(request: &ExportRequest) -> Result<(Vec<u8>, usize), ExportError> {
    let result = &request.merge;
    let styles = Styles {
        header: Format::new()
            .set_bold()
            .set_background_color(Color::RGB(HEADER_FILL))
            .set_border(FormatBorder::Thin),
        cell: Format::new().set_border(FormatBorder::Thin),
    };
    let mut book = Workbook::new();
    book.set_zip_compression_level(super::xlsx::ZIP_LEVEL);
    let mut used: HashSet<String> = HashSet::from([COMBINED_SHEET.to_lowercase()]);
    let combined = book.add_worksheet().set_name(COMBINED_SHEET)?;
    let panels = panel_order(request);
    let uploads: Vec<&SourceSummary> = result
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Upload)
        .collect();
    let order: Vec<usize> = panels.iter().chain(&uploads).map(|s| s.index).collect();
    let rows = combined_rows(result, &order);
    let combined_len = rows.len();
    write_table(combined, &styles, COMBINED_HEADER, rows.into_iter())?;
    if !request.per_source_sheets {
        return Ok((book.save_to_buffer()?, combined_len));
    }
    for (n, summary) in panels.into_iter().enumerate() {
        let rows: Vec<[String; 7]> = match original(request, summary) {
            Some(panel) => panel
                .entities
                .iter()
                .filter(|e| e.entity_type == EntityType::Gene)
                .map(panel_row)
                .collect(),
            None => result
                .genes
                .iter()
                .filter(|g| g.entity_type == EntityType::Gene)
                .filter_map(|g| g.sources.iter().find(|s| s.source_index == summary.index))
                .map(source_row)
                .collect(),
        };
        // Flask skipped panels without genes but still counted them.
        if rows.is_empty() {
            continue;
        }
        let name = unique_sheet_name(panel_sheet_name(&summary.label, n + 1), &mut used);
        let sheet = book.add_worksheet().set_name(name)?;
        write_table(sheet, &styles, PANEL_HEADER, rows.into_iter())?;
    }
    for summary in uploads {
        let mut genes: Vec<(u32, String)> = result
            .genes
            .iter()
            .filter_map(|g| g.sources.iter().find(|s| s.source_index == summary.index))
            .map(|s| (s.upload_row.unwrap_or(u32::MAX), s.entity_name.to_string()))
            .collect();
        genes.sort();
        let name = unique_sheet_name(strip_sheet_chars(&upload_name(&summary.label)), &mut used);
        let sheet = book.add_worksheet().set_name(name)?;
        write_table(
            sheet,
            &styles,
            UPLOAD_HEADER,
            genes.into_iter().map(|(_, g)| [g]),
        )?;
    }
    Ok((book.save_to_buffer()?, combined_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_types_use_flask_words() {
        use Confidence::*;
        let genes = [EntityType::Gene];
        assert_eq!(list_type(&[Green], &genes), "Green genes");
        assert_eq!(list_type(&[Green, Amber], &genes), "Green and Amber genes");
        assert_eq!(list_type(&[Amber], &genes), "Amber genes");
        assert_eq!(list_type(&[Red], &genes), "Red genes");
        assert_eq!(list_type(&[Green, Amber, Red], &genes), "Whole gene panel");
        assert_eq!(
            list_type(&[Green, Grey], &[EntityType::Gene, EntityType::Str]),
            "Green and Grey genes and STRs"
        );
        assert_eq!(
            list_type(&[Green, Amber, Red], EntityType::ALL),
            "Green, Amber and Red genes, STRs and regions"
        );
    }

    #[test]
    fn sheet_names_follow_flask() {
        assert_eq!(
            panel_sheet_name("GB Inherited breast cancer and ovarian cancer", 1),
            "GB Inherited breast cancer  (1)"
        );
        assert_eq!(panel_sheet_name("AUS R/S: a*b?", 12), "AUS RS ab (12)");
        assert_eq!(upload_name("lab_cardiac_extras.csv"), "lab_cardiac_extras");
        assert_eq!(upload_name("no extension"), "no extension");
        let mut used = HashSet::from(["combined list".to_owned()]);
        assert_eq!(
            unique_sheet_name("Combined list".into(), &mut used),
            "Combined list~2"
        );
    }
}
