//! Writers of a merged list: XLSX (the Flask layout plus provenance), CSV, TSV, JSON and BED
//! per assembly. Pure: a [`MergeResult`] and its provenance in, bytes out.

mod bed;
mod cells;
mod delimited;
mod flask;
mod xlsx;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use shared::merge::{MergeResult, OwnedMergeResult, SourceKind};
use shared::{
    Confidence, EntityType, ExportColumn, ExportFormat, ExportSettings, PanelData, Source,
};

pub use cells::{combined_header, neutralise};

/// Where every source of an export came from, for the `Provenance` sheet and the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    pub generated_at: DateTime<Utc>,
    pub app_version: String,
    pub sources: Vec<ProvenanceSource>,
    /// Set when the export is of a saved panel version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_panel: Option<SavedPanelFacts>,
}

/// Which saved panel version an export is of, and the lab's own decisions on its genes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedPanelFacts {
    pub id: i32,
    pub name: String,
    pub version: i32,
    /// SHA-256 of the version's snapshot.
    pub sha256: Option<String>,
    pub saved_at: String,
    /// Genes the lab rated, annotated or gave another inheritance (extra columns of the
    /// combined list when any).
    pub lab: Vec<LabDecision>,
}

/// The lab's own decision on one gene of a saved panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabDecision {
    /// The row's symbol as exported.
    pub symbol: String,
    pub rating: Option<Confidence>,
    pub mode_of_inheritance: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvenanceSource {
    pub label: String,
    pub kind: SourceKind,
    pub instance: Option<Source>,
    /// The panel id or the upload id.
    pub id: String,
    pub version: Option<String>,
    /// The panel version's creation date upstream, or when the list was uploaded.
    pub data_date: Option<String>,
    pub levels: Vec<Confidence>,
    pub types: Vec<EntityType>,
    pub entities: usize,
    pub genes: usize,
    /// How the data was obtained (live PanelApp, cache, bundled snapshot, upload).
    pub origin: Option<String>,
}

impl Provenance {
    /// Provenance of a merge, from what the merge knows; add origins and upload dates with
    /// [`Self::set_origin`] and [`Self::set_data_date`].
    pub fn from_merge(
        result: &MergeResult,
        generated_at: DateTime<Utc>,
        app_version: &str,
    ) -> Self {
        let sources = result
            .sources
            .iter()
            .map(|s| ProvenanceSource {
                label: s.label.clone(),
                kind: s.kind,
                instance: s.source,
                id: match (s.panel_id, &s.upload_id) {
                    (Some(id), _) => id.to_string(),
                    (None, Some(id)) => id.clone(),
                    (None, None) => String::new(),
                },
                version: s.version.map(|v| v.to_string()),
                data_date: s.version_created.clone(),
                levels: s.confidence.clone(),
                types: s.types.clone(),
                entities: s.entities,
                genes: s.genes,
                origin: match s.kind {
                    SourceKind::Upload => Some("upload".to_owned()),
                    SourceKind::Panel => None,
                },
            })
            .collect();
        Self {
            generated_at,
            app_version: app_version.to_owned(),
            sources,
            saved_panel: None,
        }
    }

    pub fn set_origin(&mut self, index: usize, origin: impl Into<String>) {
        if let Some(s) = self.sources.get_mut(index) {
            s.origin = Some(origin.into());
        }
    }

    pub fn set_data_date(&mut self, index: usize, date: impl Into<String>) {
        if let Some(s) = self.sources.get_mut(index) {
            s.data_date = Some(date.into());
        }
    }

    pub fn generated_at_text(&self) -> String {
        self.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// What to write.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub format: ExportFormat,
    /// The caller's filename (sanitised; the format's extension is enforced).
    pub filename: Option<String>,
    /// XLSX: one extra sheet per source with its entities; XLSX_FLASK: Flask's "original
    /// panels" sheets.
    pub per_source_sheets: bool,
    /// BED: `chr1` rather than `1` (and `chrM` for `MT`).
    pub chr_prefix: bool,
    /// The combined list's columns, in order (an export template's choice); empty: every
    /// column, the lab's only when the saved panel has lab decisions.
    pub columns: Vec<ExportColumn>,
    pub merge: OwnedMergeResult,
    pub provenance: Provenance,
    /// The panel versions merged, whole, in the order they were selected (XLSX_FLASK's
    /// original-panel sheets list every gene of each, as Flask's did, in Flask's slot order).
    /// Empty for saved panels: their sheets list the genes the version kept from each panel.
    pub original_panels: Vec<Arc<PanelData>>,
}

impl ExportRequest {
    /// Applies an export template's settings: its format and options, its columns, and its row
    /// filters (by entity type, and by rating: the lab's own rating of a saved panel's gene,
    /// else the best rating any source gives). The merge's `total` follows the rows kept;
    /// its overlap still describes the whole merge.
    pub fn apply(&mut self, settings: &ExportSettings) {
        self.format = settings.format;
        self.per_source_sheets = settings.per_source_sheets;
        self.chr_prefix = settings.chr_prefix;
        self.columns = settings.columns.clone();
        if settings.keeps_everything() {
            return;
        }
        let lab: Vec<(String, Confidence)> = self
            .provenance
            .saved_panel
            .as_ref()
            .map(|s| {
                s.lab
                    .iter()
                    .filter_map(|d| d.rating.map(|r| (d.symbol.clone(), r)))
                    .collect()
            })
            .unwrap_or_default();
        self.merge.genes.retain(|gene| {
            let rating = lab
                .iter()
                .find(|(symbol, _)| *symbol == gene.symbol)
                .map(|(_, r)| *r)
                .or_else(|| {
                    gene.sources
                        .iter()
                        .filter_map(|s| s.confidence)
                        .max_by_key(|c| c.panelapp_level())
                });
            settings.keeps(gene.entity_type, rating)
        });
        self.merge.total = self.merge.genes.len();
    }
}

/// Facts about a written export that the caller must see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// Rows written (genes, STRs and regions).
    pub rows: usize,
    /// BED: rows without coordinates on the assembly (listed in the file's header too).
    pub without_coordinates: Vec<String>,
}

/// A written export.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub filename: String,
    pub content_type: &'static str,
    pub report: ExportReport,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes the export. CPU-bound: call it from a blocking task.
pub fn render(request: &ExportRequest) -> Result<Rendered, ExportError> {
    let format = request.format;
    let filename = sanitize_filename(
        request.filename.as_deref(),
        format,
        request.provenance.generated_at,
    );
    let mut report = ExportReport {
        rows: request.merge.genes.len(),
        without_coordinates: Vec::new(),
    };
    let bytes = match format {
        ExportFormat::Xlsx => xlsx::write(request)?,
        ExportFormat::XlsxFlask => {
            let (bytes, rows) = flask::write(request)?;
            report.rows = rows;
            bytes
        }
        ExportFormat::Csv => delimited::csv(&request.merge, lab(request), &request.columns)?,
        ExportFormat::Tsv => delimited::tsv(&request.merge, lab(request), &request.columns),
        ExportFormat::Json => json(request)?,
        ExportFormat::BedGrch37 | ExportFormat::BedGrch38 => {
            let assembly = format.assembly().unwrap_or(shared::Assembly::GRCh38);
            let (bytes, missing) = bed::write(request, assembly);
            report.rows -= missing.len();
            report.without_coordinates = missing;
            bytes
        }
    };
    Ok(Rendered {
        bytes,
        filename,
        content_type: format.content_type(),
        report,
    })
}

/// The lab's decisions of a saved-panel export, when there are any.
pub(crate) fn lab(request: &ExportRequest) -> Option<&[LabDecision]> {
    request
        .provenance
        .saved_panel
        .as_ref()
        .map(|s| s.lab.as_slice())
        .filter(|l| !l.is_empty())
}

fn json(request: &ExportRequest) -> Result<Vec<u8>, ExportError> {
    #[derive(Serialize)]
    struct Document<'a> {
        provenance: &'a Provenance,
        #[serde(flatten)]
        merge: &'a OwnedMergeResult,
    }
    Ok(serde_json::to_vec_pretty(&Document {
        provenance: &request.provenance,
        merge: &request.merge,
    })?)
}

/// Longest filename kept (before the extension), in characters.
const MAX_FILENAME_STEM: usize = 120;

/// Names Windows reserves for devices (with any extension).
const RESERVED_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A safe download filename that keeps the words: path separators (`/`, `\`) and the
/// characters file systems reserve (`<>:"|?*`) become `-`, control and invisible formatting
/// characters are dropped, runs of separators collapse, Unicode letters and spaces stay,
/// no leading or trailing dots or spaces, at most 120 characters (cut at a word boundary where
/// possible), never a Windows device name, ending in the format's extension.
/// `R15/trio panel v3` gives `R15-trio panel v3.csv`.
pub fn sanitize_filename(
    requested: Option<&str>,
    format: ExportFormat,
    at: DateTime<Utc>,
) -> String {
    let ext = format.extension();
    let mut stem = String::new();
    for c in requested.unwrap_or("").chars() {
        let mapped = match c {
            '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*' => Some('-'),
            c if c.is_control() => Some(' '),
            // Bidirectional overrides and other invisible formatting characters.
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}' => None,
            c if c.is_whitespace() => Some(' '),
            c => Some(c),
        };
        let Some(c) = mapped else { continue };
        // Collapse runs: "a / b" gives "a - b", "a//b" gives "a-b", "a  b" gives "a b".
        match (stem.chars().last(), c) {
            (Some(' '), ' ') | (Some('-'), '-') => {}
            _ => stem.push(c),
        }
    }
    // Drop any extension the caller typed (ours is added below).
    for known in ExportFormat::ALL {
        let dotted = format!(".{}", known.extension());
        if stem.len() >= dotted.len()
            && stem.is_char_boundary(stem.len() - dotted.len())
            && stem[stem.len() - dotted.len()..].eq_ignore_ascii_case(&dotted)
        {
            stem.truncate(stem.len() - dotted.len());
        }
    }
    let trim = |s: &str| -> String {
        s.trim_matches(|c: char| c == '.' || c == ' ' || c == '-')
            .to_owned()
    };
    let mut stem = trim(&stem);
    if stem.chars().count() > MAX_FILENAME_STEM {
        let cut: String = stem.chars().take(MAX_FILENAME_STEM).collect();
        // Cut at the last space when that keeps most of the name.
        stem = match cut.rfind(' ') {
            Some(i) if cut[..i].chars().count() > MAX_FILENAME_STEM / 2 => trim(&cut[..i]),
            _ => trim(&cut),
        };
    }
    if stem.is_empty() || !stem.chars().any(char::is_alphanumeric) {
        return format!("panelmerge_gene_list_{}.{ext}", at.format("%Y-%m-%d"));
    }
    let base = stem
        .split('.')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    if RESERVED_NAMES.contains(&base.as_str()) {
        stem = format!("_{stem}");
    }
    format!("{stem}.{ext}")
}

/// The `Content-Disposition` of a download: `filename` is the ASCII fallback (other
/// characters become `_`), `filename*` (RFC 6266 / 5987) the full UTF-8 name.
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(filename.len() * 3);
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}
