//! CSV (RFC 4180 quoting) and TSV (no quoting: tabs and line breaks inside values become
//! spaces) of the combined list, formula cells neutralised.

use shared::merge::MergeResult;

use super::ExportError;
use super::cells::{combined_header, combined_row, neutralise};

pub(crate) fn csv(result: &MergeResult) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(result.genes.len() * 96));
    writer.write_record(combined_header())?;
    for gene in &result.genes {
        let row = combined_row(result, gene);
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

pub(crate) fn tsv(result: &MergeResult) -> Vec<u8> {
    let mut out = String::with_capacity(result.genes.len() * 96);
    out.push_str(&combined_header().join("\t"));
    out.push('\n');
    for gene in &result.genes {
        let row = combined_row(result, gene);
        let cells: Vec<String> = row.iter().map(|v| tsv_cell(v)).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out.into_bytes()
}
