//! Reading uploaded gene lists: CSV, TSV, plain text (one symbol per line), XLSX and XLS —
//! decided by content, not by extension — into genes plus per-row diagnostics.
//!
//! The reader forgives what real files contain (BOMs, CRLF, quotes, blank rows, stray spaces,
//! lower case, repeats, Excel's date mangling) and reports every change it makes. It refuses,
//! with a specific [`UploadRejection`], what it must not read: oversized files, zip bombs,
//! binary garbage, tables without a recognisable gene column.

mod biff;
mod cfb;
mod delimited;
mod detect;
mod excel_names;
mod normalise;
mod table;
mod workbook;
mod zipguard;

#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

#[cfg(test)]
mod tests;

use shared::upload::{Diagnostic, DiagnosticKind, ListGene, UploadFormat, UploadRejection};
use shared::{GeneSymbol, HgncId};

pub use excel_names::{MONTH_GENES, MonthGene};
pub use table::GENE_HEADERS;

/// Maps a symbol (upper-cased) to its current HGNC symbol and id when it is a current symbol,
/// an alias or a previous symbol; `None` when unknown. The PanelApp gene index implements it;
/// any `Fn(&str) -> Option<(GeneSymbol, HgncId)>` does too.
pub trait SymbolResolver: Send + Sync {
    fn resolve(&self, symbol: &str) -> Option<(GeneSymbol, HgncId)>;

    /// Whether `None` from [`Self::resolve`] really means "unknown". A resolver that knows
    /// only part of HGNC (the genes of a few cached panels) says no, and uploads are then
    /// marked unchecked instead of flagging real genes as unknown.
    fn is_complete(&self) -> bool {
        true
    }

    /// Whether `symbol` (which [`Self::resolve`] maps to another symbol) is a previous
    /// symbol rather than an alias.
    fn is_previous(&self, _symbol: &str) -> bool {
        false
    }
}

impl<F> SymbolResolver for F
where
    F: Fn(&str) -> Option<(GeneSymbol, HgncId)> + Send + Sync,
{
    fn resolve(&self, symbol: &str) -> Option<(GeneSymbol, HgncId)> {
        self(symbol)
    }
}

/// Default [`UploadLimits::max_rows`].
pub const MAX_ROWS: usize = 100_000;
/// Default [`UploadLimits::max_cells`]: 100,000 rows of 20 columns.
pub const MAX_CELLS: u64 = 2_000_000;
/// Default [`UploadLimits::max_text_bytes`].
pub const MAX_TEXT_BYTES: u64 = 32 * 1024 * 1024;

/// Size limits of an upload.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest file (`settings.body.max_upload_bytes`, 10 MB by default).
    pub max_bytes: usize,
    /// Largest total uncompressed size of a zip-based workbook.
    pub max_uncompressed: u64,
    /// Most rows of the table read.
    pub max_rows: usize,
    /// Most cells of a workbook sheet's used rectangle (rows × columns between its first and
    /// last used cell), checked while the sheet is read and before anything of that size is
    /// allocated. An XLS workbook is read whole, so for XLS it bounds all sheets together.
    pub max_cells: u64,
    /// Most bytes of text (strings and formulas) a workbook's cells may decode to.
    pub max_text_bytes: u64,
    /// Longest cell, in characters (Excel's own limit).
    pub max_cell_chars: usize,
    /// Diagnostics kept per upload; the rest are counted in one `TRUNCATED` entry.
    pub max_diagnostics: usize,
}

impl UploadLimits {
    pub const fn with_max_bytes(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            max_uncompressed: 50 * 1024 * 1024,
            max_rows: MAX_ROWS,
            max_cells: MAX_CELLS,
            max_text_bytes: MAX_TEXT_BYTES,
            max_cell_chars: 32_767,
            max_diagnostics: 2_000,
        }
    }
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self::with_max_bytes(10 * 1024 * 1024)
    }
}

/// The caller's choices.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The gene column's header (case- and space-insensitive) or its 1-based number.
    pub column: Option<String>,
    /// The workbook sheet (case-insensitive); by default the first with a gene column.
    pub sheet: Option<String>,
}

/// A successfully read upload.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedUpload {
    pub format: UploadFormat,
    /// The sheet read (workbooks only) and every sheet of the workbook.
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
    /// The header of the column read (`None` for a headerless single column).
    pub column: Option<String>,
    /// Headers of the table read.
    pub columns: Vec<String>,
    /// Data rows read (blank rows included, the header excluded).
    pub rows: usize,
    pub genes: Vec<ListGene>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why an upload was refused; carries what the caller needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadError {
    pub reason: UploadRejection,
    pub message: String,
    /// The table's columns (for `NO_GENE_COLUMN`, `AMBIGUOUS_GENE_COLUMN`, `UNKNOWN_COLUMN`).
    pub columns: Vec<String>,
    /// The workbook's sheets (for `UNKNOWN_SHEET` and column errors in workbooks).
    pub sheets: Vec<String>,
    pub row: Option<u32>,
    pub limit: Option<u64>,
}

impl UploadError {
    pub(crate) fn new(reason: UploadRejection, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
            columns: Vec::new(),
            sheets: Vec::new(),
            row: None,
            limit: None,
        }
    }

    pub(crate) fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    pub(crate) fn row(mut self, row: u32) -> Self {
        self.row = Some(row);
        self
    }
}

/// The format an extension claims, if it is one we know.
fn claimed_format(filename: &str) -> Option<UploadFormat> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(UploadFormat::Csv),
        "tsv" | "tab" => Some(UploadFormat::Tsv),
        "txt" | "text" | "list" => Some(UploadFormat::Text),
        "xlsx" | "xlsm" => Some(UploadFormat::Xlsx),
        "xls" => Some(UploadFormat::Xls),
        _ => None,
    }
}

fn is_spreadsheet(format: UploadFormat) -> bool {
    matches!(format, UploadFormat::Xlsx | UploadFormat::Xls)
}

/// Reads an uploaded file. CPU-bound: call it from a blocking task.
pub fn parse_upload(
    bytes: &[u8],
    filename: &str,
    options: &ParseOptions,
    limits: &UploadLimits,
    resolver: Option<&dyn SymbolResolver>,
) -> Result<ParsedUpload, UploadError> {
    if bytes.len() > limits.max_bytes {
        return Err(UploadError::new(
            UploadRejection::FileTooLarge,
            format!(
                "the file has {} bytes; at most {} are accepted",
                bytes.len(),
                limits.max_bytes
            ),
        )
        .limit(limits.max_bytes as u64));
    }
    let content = detect::sniff(bytes)?;
    let mut picked = match content {
        detect::Content::Zip => guarded(|| workbook::read_xlsx(bytes, options, limits))?,
        detect::Content::Ole => guarded(|| workbook::read_xls(bytes, options, limits))?,
        detect::Content::Text { text, latin1 } => {
            let mut picked = delimited::read(&text, options, limits)?;
            if latin1 {
                picked.notes.push(file_note(
                    DiagnosticKind::Encoding,
                    "the file is not UTF-8; it was read as Windows-1252 (check accented names)",
                ));
            }
            picked
        }
    };
    if let Some(claimed) = claimed_format(filename) {
        let differs = is_spreadsheet(claimed) != is_spreadsheet(picked.format)
            || (is_spreadsheet(claimed) && claimed != picked.format);
        if differs {
            picked.notes.push(file_note(
                DiagnosticKind::FormatMismatch,
                &format!(
                    "the file is named .{} but its content is {}; it was read as {}",
                    filename.rsplit_once('.').map(|(_, e)| e).unwrap_or(""),
                    picked.format,
                    picked.format
                ),
            ));
        }
    }
    let outcome = normalise::normalise(
        &picked.values,
        picked.blank_lines,
        resolver,
        limits.max_diagnostics,
    );
    if outcome.genes.is_empty() {
        let mut err = UploadError::new(
            UploadRejection::NoGenes,
            format!(
                "no gene symbols were found in {}",
                picked
                    .column
                    .as_deref()
                    .map(|c| format!("column {c:?}"))
                    .unwrap_or_else(|| "the file".to_owned())
            ),
        );
        err.columns = picked.columns.clone();
        err.sheets = picked.sheets.clone();
        return Err(err);
    }
    let mut diagnostics = picked.notes;
    diagnostics.extend(outcome.diagnostics);
    Ok(ParsedUpload {
        format: picked.format,
        sheet: picked.sheet,
        sheets: picked.sheets,
        column: picked.column,
        columns: picked.columns,
        rows: picked.rows,
        genes: outcome.genes,
        diagnostics,
    })
}

/// Runs a workbook reader, turning a panic of the third-party reader on a damaged file into a
/// clear refusal (the limits above are checked before it allocates, so a panic is the only
/// other way it can fail).
fn guarded(
    read: impl FnOnce() -> Result<table::Picked, UploadError>,
) -> Result<table::Picked, UploadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(UploadError::new(
            UploadRejection::Unreadable,
            "the workbook is damaged: its content could not be read",
        ))
    })
}

fn file_note(kind: DiagnosticKind, message: &str) -> Diagnostic {
    Diagnostic {
        row: None,
        value: String::new(),
        kind,
        message: message.to_owned(),
        suggestion: None,
        reason: None,
    }
}
