//! The XLSX workbook in the Flask layout: `Combined list` first (GeneSymbol, Panel(s), List
//! type(s), then our extra columns), optionally one sheet per source, then `Provenance`.
//! Headers bold on the Flask blue with thin borders, autofilter, frozen header row.

use std::collections::HashSet;

use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Workbook, Worksheet};
use shared::merge::MergeResult;

use super::cells::{
    SOURCE_HEADER, chosen_header, chosen_row, combined_header, combined_header_with_lab,
    combined_row, combined_row_with_lab, neutralise, source_row,
};
use super::{ExportError, ExportRequest, Provenance};

pub(crate) const COMBINED_SHEET: &str = "Combined list";
pub(crate) const PROVENANCE_SHEET: &str = "Provenance";
/// The header fill of the Flask exports.
const HEADER_FILL: u32 = 0xDEEAF6;
const MAX_WIDTH: usize = 60;
/// Rows sampled for column widths (the Flask version looked at the first row only).
const WIDTH_SAMPLE: usize = 200;
/// Zip compression of the workbooks (1–9; rust_xlsxwriter's default is 6). Compressing the
/// sheet XML was most of an export's time; level 2 saves in ~0.6 of the time for files ~10 %
/// larger (BENCHMARKS.md, issue 18).
pub(crate) const ZIP_LEVEL: u8 = 2;

struct Styles {
    header: Format,
    cell: Format,
}

impl Styles {
    fn new() -> Self {
        Self {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(HEADER_FILL))
                .set_border(FormatBorder::Thin),
            cell: Format::new().set_border(FormatBorder::Thin),
        }
    }
}

/// Writes a header and rows, sizes the columns, adds the autofilter and freezes the header.
fn write_table<R: AsRef<[String]>>(
    sheet: &mut Worksheet,
    styles: &Styles,
    header: &[&str],
    rows: impl Iterator<Item = R>,
) -> Result<(), ExportError> {
    let n = header.len().max(1);
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for (col, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &styles.header)?;
    }
    let mut last_row = 0u32;
    for (i, row) in rows.enumerate() {
        let r = i as u32 + 1;
        for (col, value) in row.as_ref().iter().enumerate().take(widths.len()) {
            let value = neutralise(value);
            if i < WIDTH_SAMPLE {
                widths[col] = widths[col].max(value.chars().count());
            }
            sheet.write_string_with_format(r, col as u16, value.as_ref(), &styles.cell)?;
        }
        last_row = r;
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (width + 2).min(MAX_WIDTH) as f64)?;
    }
    sheet.autofilter(0, 0, last_row, (n - 1) as u16)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// An Excel-safe, unique sheet name (at most 31 characters, none of `[]:*?/\`).
fn sheet_name(label: &str, used: &mut HashSet<String>) -> String {
    let clean: String = label
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_matches('\'').trim();
    let base: String = if clean.is_empty() {
        "Source".to_owned()
    } else {
        clean
            .chars()
            .take(31)
            .collect::<String>()
            .trim_end()
            .to_owned()
    };
    let mut name = base.clone();
    let mut n = 2;
    while used.contains(&name.to_lowercase()) {
        let suffix = format!(" ({n})");
        let keep = 31 - suffix.chars().count();
        name = format!(
            "{}{suffix}",
            base.chars().take(keep).collect::<String>().trim_end()
        );
        n += 1;
    }
    used.insert(name.to_lowercase());
    name
}

fn provenance_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    provenance: &Provenance,
    result: &MergeResult,
) -> Result<(), ExportError> {
    let facts = [
        ("Generated at (UTC)", provenance.generated_at_text()),
        ("PanelMerge version", provenance.app_version.clone()),
        ("Rows in the combined list", result.total.to_string()),
        ("Sources", provenance.sources.len().to_string()),
    ];
    for (row, (key, value)) in facts.iter().enumerate() {
        sheet.write_string_with_format(row as u32, 0, *key, &styles.header)?;
        sheet.write_string_with_format(row as u32, 1, neutralise(value).as_ref(), &styles.cell)?;
    }
    let header = [
        "Source",
        "Kind",
        "Instance",
        "Panel or upload ID",
        "Version",
        "Data date",
        "Selected levels",
        "Entity types",
        "Entities taken",
        "Rows contributed",
        "Origin",
    ];
    let top = facts.len() as u32 + 1;
    for (col, title) in header.iter().enumerate() {
        sheet.write_string_with_format(top, col as u16, *title, &styles.header)?;
    }
    for (i, s) in provenance.sources.iter().enumerate() {
        let join = |v: Vec<&str>| v.join(", ");
        let values = [
            s.label.clone(),
            s.kind.to_string(),
            s.instance
                .map(|x| x.display_name().to_owned())
                .unwrap_or_default(),
            s.id.clone(),
            s.version.clone().unwrap_or_default(),
            s.data_date.clone().unwrap_or_default(),
            join(s.levels.iter().map(|c| c.label()).collect()),
            join(s.types.iter().map(|t| t.as_str()).collect()),
            s.entities.to_string(),
            s.genes.to_string(),
            s.origin.clone().unwrap_or_default(),
        ];
        for (col, value) in values.iter().enumerate() {
            sheet.write_string_with_format(
                top + 1 + i as u32,
                col as u16,
                neutralise(value).as_ref(),
                &styles.cell,
            )?;
        }
    }
    if let Some(saved) = &provenance.saved_panel {
        // After the sources, so the rows above read exactly as in the merge's export.
        let below = top + 2 + provenance.sources.len() as u32;
        let facts = [
            ("Saved panel", format!("{} (id {})", saved.name, saved.id)),
            ("Saved panel version", saved.version.to_string()),
            ("Version saved at (UTC)", saved.saved_at.clone()),
            ("Version SHA-256", saved.sha256.clone().unwrap_or_default()),
        ];
        for (row, (key, value)) in facts.iter().enumerate() {
            sheet.write_string_with_format(below + row as u32, 0, *key, &styles.header)?;
            sheet.write_string_with_format(
                below + row as u32,
                1,
                neutralise(value).as_ref(),
                &styles.cell,
            )?;
        }
    }
    for (col, width) in [28, 12, 20, 38, 10, 28, 28, 18, 14, 16, 16]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(col as u16, *width as f64)?;
    }
    Ok(())
}

pub(crate) fn write(request: &ExportRequest) -> Result<Vec<u8>, ExportError> {
    let result = &request.merge;
    let styles = Styles::new();
    let mut book = Workbook::new();
    book.set_zip_compression_level(ZIP_LEVEL);
    book.set_properties(
        &DocProperties::new()
            .set_title("PanelMerge gene list")
            .set_author("PanelMerge"),
    );
    let mut used: HashSet<String> = [COMBINED_SHEET, PROVENANCE_SHEET]
        .iter()
        .map(|s| s.to_lowercase())
        .collect();

    let combined = book.add_worksheet().set_name(COMBINED_SHEET)?;
    let columns = &request.columns;
    match super::lab(request) {
        _ if !columns.is_empty() => write_table(
            combined,
            &styles,
            &chosen_header(columns),
            result
                .genes
                .iter()
                .map(|g| chosen_row(result, g, super::lab(request), columns)),
        )?,
        Some(lab) => write_table(
            combined,
            &styles,
            &combined_header_with_lab(),
            result
                .genes
                .iter()
                .map(|g| combined_row_with_lab(result, g, lab)),
        )?,
        None => write_table(
            combined,
            &styles,
            &combined_header(),
            result.genes.iter().map(|g| combined_row(result, g)),
        )?,
    }

    if request.per_source_sheets {
        for source in &result.sources {
            let name = sheet_name(&source.label, &mut used);
            let sheet = book.add_worksheet().set_name(name)?;
            let rows = result.genes.iter().filter_map(|g| {
                g.sources
                    .iter()
                    .find(|s| s.source_index == source.index)
                    .map(|s| source_row(g, s))
            });
            write_table(sheet, &styles, &SOURCE_HEADER, rows)?;
        }
    }

    let sheet = book.add_worksheet().set_name(PROVENANCE_SHEET)?;
    provenance_sheet(sheet, &styles, &request.provenance, result)?;
    Ok(book.save_to_buffer()?)
}
