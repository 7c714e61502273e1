//! The upload reader on real-world mess and hostile files.

mod props;
mod text;
mod workbook;

use shared::upload::DiagnosticKind;

use super::*;

pub(super) fn parse(bytes: &[u8], name: &str) -> Result<ParsedUpload, UploadError> {
    parse_upload(
        bytes,
        name,
        &ParseOptions::default(),
        &UploadLimits::default(),
        None,
    )
}

pub(super) fn with(
    bytes: &[u8],
    column: Option<&str>,
    sheet: Option<&str>,
) -> Result<ParsedUpload, UploadError> {
    let options = ParseOptions {
        column: column.map(str::to_owned),
        sheet: sheet.map(str::to_owned),
    };
    parse_upload(bytes, "list.xlsx", &options, &UploadLimits::default(), None)
}

pub(super) fn symbols(p: &ParsedUpload) -> Vec<&str> {
    p.genes.iter().map(|g| g.symbol.as_str()).collect()
}

pub(super) fn kinds(p: &ParsedUpload) -> Vec<DiagnosticKind> {
    p.diagnostics.iter().map(|d| d.kind).collect()
}

pub(super) fn find(p: &ParsedUpload, kind: DiagnosticKind) -> Vec<&Diagnostic> {
    p.diagnostics.iter().filter(|d| d.kind == kind).collect()
}
