//! XLSX and XLS through calamine: any sheet (chosen by name, else the first with a gene
//! column), real date cells kept as dates, formulas noticed.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, Range, Reader, Xls, Xlsx};
use shared::upload::{UploadFormat, UploadRejection};

use super::delimited::{picked, too_many_rows};
use super::table::{Cell, Picked, Table, is_gene_header};
use super::{ParseOptions, UploadError, UploadLimits, zipguard};

fn unreadable(e: impl std::fmt::Display) -> UploadError {
    UploadError::new(
        UploadRejection::Unreadable,
        format!("the workbook could not be read: {e}"),
    )
}

pub(crate) fn read_xlsx(
    bytes: &[u8],
    options: &ParseOptions,
    limits: &UploadLimits,
) -> Result<Picked, UploadError> {
    let names = zipguard::check(bytes, limits.max_uncompressed)?;
    if !names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("xl/workbook.xml"))
    {
        return Err(UploadError::new(
            UploadRejection::NotAWorkbook,
            "the file is a ZIP archive but not an Excel workbook (XLSX)",
        ));
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    read_book(&mut book, UploadFormat::Xlsx, options, limits)
}

pub(crate) fn read_xls(
    bytes: &[u8],
    options: &ParseOptions,
    limits: &UploadLimits,
) -> Result<Picked, UploadError> {
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| {
        UploadError::new(
            UploadRejection::Unreadable,
            format!(
                "the file is an OLE2 compound document but not a readable Excel 97–2003 \
                 workbook (password-protected workbooks are OLE2 too): {e}"
            ),
        )
    })?;
    read_book(&mut book, UploadFormat::Xls, options, limits)
}

fn read_book<RS, R>(
    book: &mut R,
    format: UploadFormat,
    options: &ParseOptions,
    limits: &UploadLimits,
) -> Result<Picked, UploadError>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let sheets = book.sheet_names();
    let with_sheets = |mut e: UploadError| {
        e.sheets = sheets.clone();
        e
    };
    let candidates: Vec<String> = match options.sheet.as_deref().map(str::trim) {
        Some(wanted) => {
            let found = sheets
                .iter()
                .find(|s| s.trim().eq_ignore_ascii_case(wanted))
                .cloned()
                .ok_or_else(|| {
                    with_sheets(UploadError::new(
                        UploadRejection::UnknownSheet,
                        format!(
                            "there is no sheet {wanted:?}; the sheets are: {}",
                            sheets.join(", ")
                        ),
                    ))
                })?;
            vec![found]
        }
        None => sheets.clone(),
    };
    // Without a named sheet: the first sheet whose gene column was found by its header; else
    // the first whose lone column holds a symbol; else the first sheet's error.
    let mut fallback = None;
    let mut first_error = None;
    for name in &candidates {
        let range = book.worksheet_range(name).map_err(unreadable)?;
        if range.is_empty() {
            continue;
        }
        let formulas = book.worksheet_formula(name).ok();
        let table = to_table(&range, formulas.as_ref(), limits)?;
        match picked(format, table, options, limits) {
            Ok(mut p) => {
                p.sheet = Some(name.clone());
                p.sheets = sheets.clone();
                let by_header = p.column.as_deref().is_some_and(is_gene_header);
                if by_header || options.column.is_some() || options.sheet.is_some() {
                    return Ok(p);
                }
                let holds_symbol = p.values.iter().any(
                    |(_, c)| matches!(c, Cell::Text(t) if shared::GeneSymbol::parse(t).is_ok()),
                );
                if holds_symbol && fallback.is_none() {
                    fallback = Some(p);
                }
            }
            // An explicit choice of column or sheet is final; otherwise try the next sheet.
            Err(e) if options.column.is_some() || options.sheet.is_some() => {
                return Err(with_sheets(e));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(p) = fallback {
        return Ok(p);
    }
    Err(with_sheets(first_error.unwrap_or_else(|| {
        UploadError::new(
            UploadRejection::NoGeneColumn,
            format!(
                "no sheet has a gene column; name the sheet and column (the sheets are: {})",
                sheets.join(", ")
            ),
        )
    })))
}

fn to_table(
    range: &Range<Data>,
    formulas: Option<&Range<String>>,
    limits: &UploadLimits,
) -> Result<Table, UploadError> {
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    if range.height() > limits.max_rows + 1 {
        return Err(too_many_rows(limits));
    }
    let mut table = Table::default();
    for (offset, cells) in range.rows().enumerate() {
        let row = start_row + offset as u32 + 1;
        let mut out = Vec::with_capacity(cells.len());
        for (col, data) in cells.iter().enumerate() {
            let mut cell = convert(data, row, limits)?;
            let absolute = (start_row + offset as u32, start_col + col as u32);
            if let Some(formula) = formulas
                .and_then(|f| f.get_value(absolute))
                .filter(|f| !f.trim().is_empty())
            {
                cell = Cell::Formula {
                    formula: formula.clone(),
                    value: Box::new(cell),
                };
            }
            out.push(cell);
        }
        table.rows.push((row, out));
    }
    Ok(table)
}

fn convert(data: &Data, row: u32, limits: &UploadLimits) -> Result<Cell, UploadError> {
    Ok(match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => {
            if s.chars().count() > limits.max_cell_chars {
                return Err(UploadError::new(
                    UploadRejection::CellTooLong,
                    format!(
                        "row {row}: a cell has more than {} characters",
                        limits.max_cell_chars
                    ),
                )
                .row(row)
                .limit(limits.max_cell_chars as u64));
            }
            Cell::Text(s.clone())
        }
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (year, month, day, ..) = dt.to_ymd_hms_milli();
            Cell::Date { year, month, day }
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) => iso_date(s).unwrap_or_else(|| Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    })
}

fn iso_date(s: &str) -> Option<Cell> {
    let date = s.get(..10)?;
    let mut parts = date.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Some(Cell::Date { year, month, day })
}
