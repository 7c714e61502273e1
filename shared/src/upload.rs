//! Uploaded gene lists as the merge engine, the server and the browser see them: the genes
//! read from a file, and what the reader noticed on the way (per-row diagnostics).

use serde::{Deserialize, Serialize};

use crate::{GeneSymbol, HgncId, UnverifiedReason, Verification};

/// The "List type(s)" wording of an uploaded list in exports. The Flask version labelled every
/// gene of an uploaded file `User upload` (and used the file's name as the panel name), so
/// users' downstream filters keep working.
pub const UPLOAD_LIST_TYPE: &str = "User upload";

/// One gene of an uploaded list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListGene {
    /// The current symbol (after upper-casing and alias resolution).
    pub symbol: GeneSymbol,
    /// Known when the symbol was resolved against the gene index.
    pub hgnc_id: Option<HgncId>,
    /// 1-based row of the file the gene was read from (the first occurrence).
    pub row: Option<u32>,
    /// How the symbol was checked; `None` in lists stored before it was kept (then an HGNC
    /// id means verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

impl ListGene {
    pub fn new(symbol: GeneSymbol, hgnc_id: Option<HgncId>) -> Self {
        Self {
            symbol,
            hgnc_id,
            row: None,
            verification: None,
        }
    }

    /// How the symbol was checked (inferred from the HGNC id for older lists).
    pub fn verification(&self) -> Verification {
        self.verification
            .clone()
            .unwrap_or_else(|| Verification::inferred(self.hgnc_id.is_some()))
    }
}

/// An uploaded list as the merge engine takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneList {
    /// The upload's id (a UUID).
    pub id: String,
    /// Shown as the "panel" name in merges and exports (the file name without extension).
    pub name: String,
    pub genes: Vec<ListGene>,
}

closed_enum! {
    /// What the upload reader noticed about one value (or about the whole file).
    pub enum DiagnosticKind ("diagnostic kind") {
        /// Upper-cased and/or trimmed: `brca1 ` became `BRCA1`.
        Normalised = "NORMALISED",
        /// An alias or previous symbol mapped to the current HGNC symbol.
        Alias = "ALIAS",
        /// The gene was already listed on an earlier row; kept once.
        Duplicate = "DUPLICATE",
        /// Not a known HGNC symbol, alias or previous symbol; kept, but check it. No longer
        /// produced (see `UNVERIFIED`); kept for uploads read before.
        UnknownSymbol = "UNKNOWN_SYMBOL",
        /// The symbol could not be verified against the gene directory: `reason` says whether
        /// it is unknown to HGNC or the directory is still incomplete. Kept, but check it.
        Unverified = "UNVERIFIED",
        /// Excel turned a gene symbol into a date (`SEPT2` → `2-Sep`); the probable gene is
        /// suggested.
        ExcelDate = "EXCEL_DATE",
        /// Excel turned an identifier into a number (`2.31E+13`); not used.
        ExcelNumber = "EXCEL_NUMBER",
        /// A spreadsheet formula (`=…`, `+…`, `-…`, `@…`); never used as a gene.
        Formula = "FORMULA",
        /// Not a valid gene symbol; not used.
        InvalidSymbol = "INVALID_SYMBOL",
        /// One cell held several symbols (`BRCA1, BRCA2`); each was used.
        Split = "SPLIT",
        /// The file was not UTF-8; it was read as Windows-1252.
        Encoding = "ENCODING",
        /// The file's extension does not match its content; the content decided.
        FormatMismatch = "FORMAT_MISMATCH",
        /// Blank rows were skipped.
        BlankRows = "BLANK_ROWS",
        /// Symbols were not checked against HGNC. No longer produced (uploads are always
        /// checked against the gene directory); kept for uploads read before.
        Unchecked = "UNCHECKED",
        /// More diagnostics than are kept; the rest are summarised.
        Truncated = "TRUNCATED",
    }
}

impl DiagnosticKind {
    /// Whether the value was left out of the list.
    pub const fn excludes_value(self) -> bool {
        matches!(
            self,
            Self::ExcelNumber | Self::Formula | Self::InvalidSymbol
        )
    }
}

/// One observation of the upload reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// 1-based row in the file (the header is row 1 when there is one); `None` for the file.
    pub row: Option<u32>,
    /// The value as it was in the file.
    pub value: String,
    pub kind: DiagnosticKind,
    /// What happened, in a sentence.
    pub message: String,
    /// The probable intended gene or the fix, when there is one.
    pub suggestion: Option<String>,
    /// `UNVERIFIED`: why the symbol could not be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnverifiedReason>,
}

closed_enum! {
    /// File formats an upload can have (decided by content, not by extension).
    pub enum UploadFormat ("upload format") {
        /// Comma-separated values with a header row.
        Csv = "CSV",
        /// Tab-separated values with a header row.
        Tsv = "TSV",
        /// Plain text: one symbol per line.
        Text = "TEXT",
        /// An Excel workbook (Office Open XML, `.xlsx`).
        Xlsx = "XLSX",
        /// A legacy Excel workbook (BIFF, `.xls`).
        Xls = "XLS",
    }
}

closed_enum! {
    /// Why an upload was refused: sent as `extensions.reason` next to the error code.
    pub enum UploadRejection ("upload rejection") {
        FileTooLarge = "FILE_TOO_LARGE",
        EmptyFile = "EMPTY_FILE",
        /// Binary content that is neither a spreadsheet nor text.
        UnsupportedContent = "UNSUPPORTED_CONTENT",
        /// A ZIP archive that is not an Excel workbook.
        NotAWorkbook = "NOT_A_WORKBOOK",
        /// Declares or expands to more than the uncompressed limit.
        ZipBomb = "ZIP_BOMB",
        /// A spreadsheet that could not be read (damaged or encrypted).
        Unreadable = "UNREADABLE",
        TooManyRows = "TOO_MANY_ROWS",
        CellTooLong = "CELL_TOO_LONG",
        /// A workbook sheet spanning, holding or decoding to more than the reader's limits.
        SheetTooLarge = "SHEET_TOO_LARGE",
        NoGeneColumn = "NO_GENE_COLUMN",
        AmbiguousGeneColumn = "AMBIGUOUS_GENE_COLUMN",
        UnknownColumn = "UNKNOWN_COLUMN",
        UnknownSheet = "UNKNOWN_SHEET",
        NoGenes = "NO_GENES",
        TooManyUploads = "TOO_MANY_UPLOADS",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_reasons_use_screaming_case() {
        assert_eq!(DiagnosticKind::ExcelDate.as_str(), "EXCEL_DATE");
        assert_eq!(UploadRejection::ZipBomb.to_string(), "ZIP_BOMB");
        assert_eq!(
            "no_gene_column".parse::<UploadRejection>().unwrap(),
            UploadRejection::NoGeneColumn
        );
        assert!(DiagnosticKind::Formula.excludes_value());
        assert!(!DiagnosticKind::Alias.excludes_value());
    }

    #[test]
    fn lists_round_trip_through_json() {
        let list = GeneList {
            id: "u1".into(),
            name: "My genes".into(),
            genes: vec![ListGene::new(
                GeneSymbol::parse("brca1").unwrap(),
                Some(HgncId::parse("HGNC:1100").unwrap()),
            )],
        };
        let json = serde_json::to_string(&list).unwrap();
        assert!(json.contains("\"BRCA1\""), "{json}");
        assert_eq!(serde_json::from_str::<GeneList>(&json).unwrap(), list);
    }
}
