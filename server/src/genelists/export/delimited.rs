//! CSV (RFC 4180 quoting) and TSV (no quoting: tabs and line breaks inside values become
//! spaces) of the combined list, formula cells neutralised.

use shared::ExportColumn;
use shared::merge::MergeResult;

use super::cells::{
    chosen_header, chosen_row, combined_header, combined_header_with_lab, combined_row, lab_cells,
    neutralise,
};
use super::{ExportError, LabDecision};

/// The header and rows: the chosen columns (a template's), else the combined list, then the
/// lab's columns when there are any.
fn table<'r>(
    result: &'r MergeResult,
    lab: Option<&'r [LabDecision]>,
    columns: &'r [ExportColumn],
) -> (Vec<&'static str>, impl Iterator<Item = Vec<String>> + 'r) {
    let header = match lab {
        _ if !columns.is_empty() => chosen_header(columns),
        Some(_) => combined_header_with_lab().to_vec(),
        None => combined_header().to_vec(),
    };
    let rows = result.genes.iter().map(move |gene| {
        if !columns.is_empty() {
            return chosen_row(result, gene, lab, columns);
        }
        let mut row = combined_row(result, gene).to_vec();
        if let Some(lab) = lab {
            row.extend(lab_cells(lab, gene));
        }
        row
    });
    (header, rows)
}

pub(crate) fn csv(
    result: &MergeResult,
    lab: Option<&[LabDecision]>,
    columns: &[ExportColumn],
) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(result.genes.len() * 96));
    let (header, rows) = table(result, lab, columns);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|v| neutralise(v).into_owned()))?;
    }
    writer
        .into_inner()
        .map_err(|e| ExportError::Io(std::io::Error::other(e.to_string())))
}

fn tsv_cell(value: &str) -> String {
    neutralise(value)
        .chars()
        .map(|c| {
            if matches!(c, '\t' | '\r' | '\n') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

pub(crate) fn tsv(
    result: &MergeResult,
    lab: Option<&[LabDecision]>,
    columns: &[ExportColumn],
) -> Vec<u8> {
    let mut out = String::with_capacity(result.genes.len() * 96);
    let (header, rows) = table(result, lab, columns);
    out.push_str(&header.join("\t"));
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| tsv_cell(v)).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out.into_bytes()
}
