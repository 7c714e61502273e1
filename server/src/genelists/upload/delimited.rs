//! CSV, TSV and plain text (one symbol per line): the delimiter is read from the content.

use shared::upload::{Diagnostic, DiagnosticKind, UploadFormat, UploadRejection};

use super::table::{Cell, Picked, Table};
use super::{ParseOptions, UploadError, UploadLimits};

/// The delimiter of the leading lines: tab, else comma, else semicolon (European Excel),
/// else none (one value per line). Several lines are looked at because a title line may come
/// first.
fn delimiter(text: &str) -> (UploadFormat, u8) {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let any = |c: char| lines.iter().any(|l| l.contains(c));
    if any('\t') {
        (UploadFormat::Tsv, b'\t')
    } else if any(',') {
        (UploadFormat::Csv, b',')
    } else if any(';') {
        (UploadFormat::Csv, b';')
    } else {
        // A tab never occurs in these lines, so each line is one (possibly quoted) value.
        (UploadFormat::Text, b'\t')
    }
}

pub(crate) fn read(
    text: &str,
    options: &ParseOptions,
    limits: &UploadLimits,
) -> Result<Picked, UploadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // One line ending (CRLF and old-Mac CR become LF) so row numbers are plain line numbers.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let bytes = text.as_bytes();
    let (format, delimiter) = delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut line: u32 = 1;
    let mut counted_to = 0usize;
    let mut table = Table::default();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let row = e
                    .position()
                    .map(|p| p.line() as u32)
                    .unwrap_or(table.rows.len() as u32 + 1);
                return Err(UploadError::new(
                    UploadRejection::Unreadable,
                    format!("row {row} can not be read as {format}: {e}"),
                )
                .row(row));
            }
        }
        // The record starts where parsing began, after any blank lines csv skipped.
        let mut start = record.position().map_or(counted_to, |p| p.byte() as usize);
        while bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let start = start.clamp(counted_to, bytes.len());
        line += bytes[counted_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u32;
        counted_to = start;
        let row = line;
        // One row more than allowed besides the header proves the file is too long.
        if table.rows.len() > limits.max_rows {
            return Err(too_many_rows(limits));
        }
        let mut cells = Vec::with_capacity(record.len());
        for (column, field) in record.iter().enumerate() {
            if field.chars().count() > limits.max_cell_chars {
                return Err(UploadError::new(
                    UploadRejection::CellTooLong,
                    format!(
                        "row {row}, column {}: the cell has more than {} characters",
                        column + 1,
                        limits.max_cell_chars
                    ),
                )
                .row(row)
                .limit(limits.max_cell_chars as u64));
            }
            cells.push(if field.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(field.to_owned())
            });
        }
        table.rows.push((row, cells));
    }
    let mut picked = picked(format, table, options, limits)?;
    // Empty lines after the first value never became rows; count them as blank rows.
    let first_row = picked.values.first().map_or(u32::MAX, |(row, _)| *row);
    picked.blank_lines = text
        .lines()
        .enumerate()
        .filter(|(i, line)| *i as u32 + 1 > first_row && line.is_empty())
        .count();
    Ok(picked)
}

pub(crate) fn too_many_rows(limits: &UploadLimits) -> UploadError {
    UploadError::new(
        UploadRejection::TooManyRows,
        format!("the table has more than {} rows", limits.max_rows),
    )
    .limit(limits.max_rows as u64)
}

/// Chooses the column of a read table and collects its values.
pub(crate) fn picked(
    format: UploadFormat,
    table: Table,
    options: &ParseOptions,
    limits: &UploadLimits,
) -> Result<Picked, UploadError> {
    let choice = table.choose(options)?;
    let columns = table.headers();
    let values = table.column_values(&choice);
    if values.len() > limits.max_rows {
        return Err(too_many_rows(limits));
    }
    let mut notes = Vec::new();
    let above = table.rows_above_header();
    if choice.header
        && let (Some(first), Some(last)) = (above.first(), above.last())
    {
        notes.push(Diagnostic {
            row: Some(*first),
            value: String::new(),
            kind: DiagnosticKind::BlankRows,
            message: format!(
                "rows {first}–{last} above the header row were skipped (titles or notes)"
            ),
            suggestion: None,
            reason: None,
        });
    }
    Ok(Picked {
        format,
        sheet: None,
        sheets: Vec::new(),
        column: choice
            .header
            .then(|| columns.get(choice.index).cloned())
            .flatten(),
        columns,
        rows: values.len(),
        values,
        blank_lines: 0,
        notes,
    })
}
