//! Writers of a merged list: XLSX (the Flask layout plus provenance), CSV, TSV, JSON and BED
//! per assembly. Pure: a [`MergeResult`] and its provenance in, bytes out.

mod bed;
mod cells;
mod delimited;
mod xlsx;

#[cfg(test)]
mod tests;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use shared::merge::{MergeResult, OwnedMergeResult, SourceKind};
use shared::{Confidence, EntityType, ExportFormat, Source};

pub use cells::{combined_header, neutralise};

/// Where every source of an export came from, for the `Provenance` sheet and the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    pub generated_at: DateTime<Utc>,
    pub app_version: String,
    pub sources: Vec<ProvenanceSource>,
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
    /// XLSX: one extra sheet per source with its entities.
    pub per_source_sheets: bool,
    /// BED: `chr1` rather than `1` (and `chrM` for `MT`).
    pub chr_prefix: bool,
    pub merge: OwnedMergeResult,
    pub provenance: Provenance,
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
        ExportFormat::Csv => delimited::csv(&request.merge)?,
        ExportFormat::Tsv => delimited::tsv(&request.merge),
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

/// Longest filename kept (before the extension).
const MAX_FILENAME_STEM: usize = 100;

/// A safe download filename: letters, digits, space, `.`, `_`, `-`, `(`, `)` only, no leading
/// dots, at most 100 characters, ending in the format's extension.
pub fn sanitize_filename(
    requested: Option<&str>,
    format: ExportFormat,
    at: DateTime<Utc>,
) -> String {
    let ext = format.extension();
    let mut stem: String = requested
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Drop any extension the caller typed (ours is added below).
    for known in ExportFormat::ALL {
        let dotted = format!(".{}", known.extension());
        if stem
            .to_ascii_lowercase()
            .ends_with(&dotted.to_ascii_lowercase())
        {
            stem.truncate(stem.len() - dotted.len());
        }
    }
    let stem: String = stem
        .trim_matches(|c: char| c == '.' || c == ' ')
        .chars()
        .take(MAX_FILENAME_STEM)
        .collect();
    let stem = stem.trim_end();
    if stem.is_empty() || stem.chars().all(|c| c == '_') {
        return format!("panelmerge_gene_list_{}.{ext}", at.format("%Y-%m-%d"));
    }
    format!("{stem}.{ext}")
}
