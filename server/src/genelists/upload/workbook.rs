//! XLSX and XLS through calamine: any sheet (chosen by name, else the first with a gene
//! column), real date cells kept as dates, formulas noticed.
//!
//! Nothing is allocated in proportion to what a file merely claims. XLSX sheets are streamed
//! cell by cell ([`Xlsx::worksheet_cells_reader`]) into a sparse list whose used rectangle,
//! cell count and decoded text are checked at every cell; calamine's dense `Range` is never
//! built. XLS workbooks are read whole by calamine, so their compound file and record stream
//! are checked first ([`super::cfb`], [`super::biff`]) and calamine only ever sees the
//! checked stream, in a container we wrote.

use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};

use calamine::{
    Data, DataRef, Range, Reader, Xls, Xlsx, XlsxError, XlsxFormulaMetadata, expand_shared_formula,
};
use shared::upload::{UploadFormat, UploadRejection};

use super::delimited::{picked, too_many_rows};
use super::table::{Cell, Picked, Table, is_gene_header};
use super::{ParseOptions, UploadError, UploadLimits, biff, cfb, zipguard};

fn unreadable(e: impl std::fmt::Display) -> UploadError {
    UploadError::new(
        UploadRejection::Unreadable,
        format!("the workbook could not be read: {e}"),
    )
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The refusal of a sheet whose used rectangle is larger than the limit.
pub(crate) fn too_many_cells(rows: u64, columns: u64, limits: &UploadLimits) -> UploadError {
    UploadError::new(
        UploadRejection::SheetTooLarge,
        format!(
            "the sheet spans {} rows × {} columns; at most {} cells are read",
            thousands(rows),
            thousands(columns),
            thousands(limits.max_cells)
        ),
    )
    .limit(limits.max_cells)
}

/// The refusal of a workbook whose cells decode to more text than the limit.
pub(crate) fn too_much_text(limits: &UploadLimits) -> UploadError {
    UploadError::new(
        UploadRejection::SheetTooLarge,
        format!(
            "the workbook's cells hold more than {} bytes of text; at most that much is read",
            thousands(limits.max_text_bytes)
        ),
    )
    .limit(limits.max_text_bytes)
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
    let budget = ReadBudget::new(bytes);
    let spent = budget.spent.clone();
    let limit = budget.limit;
    let over = |e: UploadError| {
        if spent.get() > limit {
            UploadError::new(
                UploadRejection::SheetTooLarge,
                format!(
                    "reading the workbook's sheets took more than {} bytes of the archive \
                     ({READ_BUDGET_FACTOR} times its size: its sheets share their data); at \
                     most that much is read",
                    thousands(limit)
                ),
            )
            .limit(limit)
        } else {
            e
        }
    };
    let mut book: Xlsx<_> = Xlsx::new(budget).map_err(|e| over(unreadable(e)))?;
    let sheets = book.sheet_names();
    if options.sheet.is_none() && sheets.len() > MAX_SHEETS {
        return Err(UploadError {
            sheets: sheets.iter().take(MAX_SHEETS).cloned().collect(),
            ..UploadError::new(
                UploadRejection::SheetTooLarge,
                format!(
                    "the workbook has {} sheets; name the sheet to read (at most {MAX_SHEETS} \
                     are searched for a gene column)",
                    thousands(sheets.len() as u64)
                ),
            )
            .limit(MAX_SHEETS as u64)
        });
    }
    read_book(sheets, UploadFormat::Xlsx, options, limits, |name| {
        read_xlsx_sheet(&mut book, name, limits).map_err(&over)
    })
}

/// Sheets searched for a gene column when no sheet is named.
pub(crate) const MAX_SHEETS: usize = 1_000;
/// How many times over its own size an XLSX archive may be read: sheets are read one after
/// another, and many sheets of a workbook may name the same part.
pub(crate) const READ_BUDGET_FACTOR: u64 = 16;

/// The archive as calamine reads it, counting the bytes read; past the budget every read
/// fails, so no arrangement of sheets makes the reader decompress the same data forever.
struct ReadBudget<'a> {
    inner: Cursor<&'a [u8]>,
    spent: std::rc::Rc<std::cell::Cell<u64>>,
    limit: u64,
}

impl<'a> ReadBudget<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            inner: Cursor::new(bytes),
            spent: std::rc::Rc::default(),
            limit: (bytes.len() as u64)
                .saturating_mul(READ_BUDGET_FACTOR)
                .saturating_add(1024 * 1024),
        }
    }
}

impl Read for ReadBudget<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.spent.get() > self.limit {
            return Err(std::io::Error::other("the read budget is spent"));
        }
        let n = self.inner.read(buf)?;
        self.spent.set(self.spent.get() + n as u64);
        Ok(n)
    }
}

impl Seek for ReadBudget<'_> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

pub(crate) fn read_xls(
    bytes: &[u8],
    options: &ParseOptions,
    limits: &UploadLimits,
) -> Result<Picked, UploadError> {
    let stream = cfb::workbook_stream(bytes)?;
    biff::check(&stream, limits)?;
    let container = cfb::container(&stream);
    drop(stream);
    let mut book: Xls<_> = Xls::new(Cursor::new(container)).map_err(|e| {
        UploadError::new(
            UploadRejection::Unreadable,
            format!(
                "the file is an OLE2 compound document but not a readable Excel 97–2003 \
                 workbook (password-protected workbooks are OLE2 too): {e}"
            ),
        )
    })?;
    let sheets = book.sheet_names();
    read_book(sheets, UploadFormat::Xls, options, limits, |name| {
        let range = book.worksheet_range(name).map_err(unreadable)?;
        if range.is_empty() {
            return Ok(None);
        }
        let formulas = book.worksheet_formula(name).ok();
        to_table(&range, formulas.as_ref(), limits).map(Some)
    })
}

/// Picks the sheet and column; `read_sheet` gives a sheet's table, `None` when it is empty.
fn read_book(
    sheets: Vec<String>,
    format: UploadFormat,
    options: &ParseOptions,
    limits: &UploadLimits,
    mut read_sheet: impl FnMut(&str) -> Result<Option<Table>, UploadError>,
) -> Result<Picked, UploadError> {
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
        let Some(table) = read_sheet(name).map_err(with_sheets)? else {
            continue;
        };
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

/// The used rectangle of the cells seen so far, checked against the limits at every cell.
#[derive(Debug, Default)]
struct Extent {
    first: Option<(u32, u32)>,
    last: (u32, u32),
}

impl Extent {
    fn include(
        &mut self,
        (row, col): (u32, u32),
        limits: &UploadLimits,
    ) -> Result<(), UploadError> {
        let (first, last) = match self.first {
            None => ((row, col), (row, col)),
            Some(first) => (
                (first.0.min(row), first.1.min(col)),
                (self.last.0.max(row), self.last.1.max(col)),
            ),
        };
        let rows = u64::from(last.0 - first.0) + 1;
        let columns = u64::from(last.1 - first.1) + 1;
        if rows.saturating_mul(columns) > limits.max_cells {
            return Err(too_many_cells(rows, columns, limits));
        }
        if rows > limits.max_rows as u64 + 1 {
            return Err(too_many_rows(limits));
        }
        self.first = Some(first);
        self.last = last;
        Ok(())
    }
}

/// Decoded text read so far, against [`UploadLimits::max_text_bytes`].
struct TextBudget<'a> {
    used: u64,
    limits: &'a UploadLimits,
}

impl TextBudget<'_> {
    fn spend(&mut self, bytes: usize) -> Result<(), UploadError> {
        self.used = self.used.saturating_add(bytes as u64);
        if self.used > self.limits.max_text_bytes {
            return Err(too_much_text(self.limits));
        }
        Ok(())
    }
}

fn cell_too_long(row: u32, limits: &UploadLimits) -> UploadError {
    UploadError::new(
        UploadRejection::CellTooLong,
        format!(
            "row {row}: a cell has more than {} characters",
            limits.max_cell_chars
        ),
    )
    .row(row)
    .limit(limits.max_cell_chars as u64)
}

/// One XLSX sheet, streamed: the same table calamine's `worksheet_range` and
/// `worksheet_formula` would give, without ever allocating more than the limits allow.
fn read_xlsx_sheet<RS: Read + Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
    limits: &UploadLimits,
) -> Result<Option<Table>, UploadError> {
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // A chart sheet: nothing to read.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    let mut extent = Extent::default();
    let mut text = TextBudget { used: 0, limits };
    let mut values: Vec<((u32, u32), Cell)> = Vec::new();
    let mut formulas: HashMap<(u32, u32), String> = HashMap::new();
    // Shared formula templates by index, with the cell their references are relative to.
    let mut templates: HashMap<usize, (String, (u32, u32))> = HashMap::new();
    let mut records: u64 = 0;
    while let Some(record) = reader
        .next_cell_with_formula_metadata()
        .map_err(unreadable)?
    {
        // Styled empty cells cost nothing kept; count what is kept.
        if matches!(record.value, DataRef::Empty) && record.formula.is_none() {
            continue;
        }
        records += 1;
        if records > limits.max_cells {
            return Err(UploadError::new(
                UploadRejection::SheetTooLarge,
                format!(
                    "the sheet has more than {} cells; at most that many are read",
                    thousands(limits.max_cells)
                ),
            )
            .limit(limits.max_cells));
        }
        let pos = record.pos;
        let formula = match record.formula {
            Some(XlsxFormulaMetadata::Normal { formula }) => Some(formula),
            Some(XlsxFormulaMetadata::Shared {
                shared_index,
                range,
                formula,
            }) => {
                text.spend(formula.len())?;
                let start = range.map_or(pos, |r| r.start);
                templates.insert(shared_index, (formula.clone(), start));
                Some(formula)
            }
            Some(XlsxFormulaMetadata::SharedDerived { shared_index }) => {
                match templates.get(&shared_index) {
                    Some((template, start)) => {
                        text.spend(template.len() + 16)?;
                        Some(expand_shared_formula(template, *start, pos).map_err(unreadable)?)
                    }
                    None => None,
                }
            }
            Some(_) | None => None,
        };
        if let Some(formula) = formula.filter(|f| !f.trim().is_empty()) {
            text.spend(formula.len())?;
            formulas.insert(pos, formula);
        }
        if matches!(record.value, DataRef::Empty) {
            continue;
        }
        extent.include(pos, limits)?;
        let row = pos.0.saturating_add(1);
        let cell = convert_ref(record.value, row, limits, &mut text)?;
        values.push((pos, cell));
    }
    let Some(first) = extent.first else {
        return Ok(None);
    };
    let last = extent.last;
    let width = (last.1 - first.1) as usize + 1;
    let height = (last.0 - first.0) as usize + 1;
    // Within the limits checked above: at most `max_cells` cells.
    let mut rows: Vec<Vec<Cell>> = (0..height).map(|_| vec![Cell::Empty; width]).collect();
    for ((r, c), cell) in values {
        rows[(r - first.0) as usize][(c - first.1) as usize] = cell;
    }
    for ((r, c), formula) in formulas {
        if r < first.0 || r > last.0 || c < first.1 || c > last.1 {
            continue;
        }
        let slot = &mut rows[(r - first.0) as usize][(c - first.1) as usize];
        let value = std::mem::replace(slot, Cell::Empty);
        *slot = Cell::Formula {
            formula,
            value: Box::new(value),
        };
    }
    let mut table = Table::default();
    for (offset, mut cells) in rows.into_iter().enumerate() {
        // Trailing empty cells say nothing; a row keeps its cells up to its last used one.
        while matches!(cells.last(), Some(Cell::Empty)) {
            cells.pop();
        }
        table.rows.push((first.0 + offset as u32 + 1, cells));
    }
    Ok(Some(table))
}

fn convert_ref(
    data: DataRef<'_>,
    row: u32,
    limits: &UploadLimits,
    text: &mut TextBudget<'_>,
) -> Result<Cell, UploadError> {
    let string = |s: &str, text: &mut TextBudget<'_>| {
        text.spend(s.len())?;
        if s.chars().count() > limits.max_cell_chars {
            return Err(cell_too_long(row, limits));
        }
        Ok(Cell::Text(s.to_owned()))
    };
    Ok(match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => string(&s, text)?,
        DataRef::SharedString(s) => string(s, text)?,
        DataRef::DateTimeIso(s) => {
            text.spend(s.len())?;
            iso_date(&s).unwrap_or(Cell::Text(s))
        }
        DataRef::DurationIso(s) => {
            text.spend(s.len())?;
            Cell::Text(s)
        }
        other => convert(&Data::from(other), row, limits)?,
    })
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
                return Err(cell_too_long(row, limits));
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
