//! GraphQL output types of gene lists: uploads with their diagnostics, merge results with
//! provenance and overlap, and download links.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use shared::merge::{
    Conflict, ConflictKind, GeneSource, MergeResult, MergedGene, Overlap, OverlapSet, SourceKind,
    SourceSummary,
};
use shared::upload::{Diagnostic, DiagnosticKind, ListGene};
use shared::{
    Confidence, ConfidenceCounts, EntityType, Locus, Source, UnverifiedReason, Verification,
    VerificationStatus,
};

use crate::db::int;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::paging::{self, Page, PageArgs};
use crate::services::downloads::Download;
use crate::services::uploads::UploadView;

/// One observation of the upload reader.
#[derive(SimpleObject)]
#[graphql(name = "UploadDiagnostic")]
pub struct UploadDiagnostic {
    /// 1-based row of the file; null for the whole file.
    pub row: Option<i32>,
    /// The cell's text as read.
    pub value: String,
    /// What was observed.
    pub kind: DiagnosticKind,
    /// What it means, in words.
    pub message: String,
    /// The probable intended gene, or how to fix the value.
    pub suggestion: Option<String>,
    /// `UNVERIFIED`: whether the symbol is unknown to HGNC or the gene directory is still
    /// incomplete.
    pub reason: Option<UnverifiedReason>,
}

/// How a gene symbol was checked against the gene directory (the genes of every PanelApp
/// panel the server has read, with their aliases and previous symbols).
#[derive(SimpleObject, Clone)]
pub struct GeneVerification {
    /// VERIFIED, ALIAS_MAPPED or UNVERIFIED.
    pub status: VerificationStatus,
    /// Set when `status` is `UNVERIFIED`.
    pub reason: Option<UnverifiedReason>,
    /// In words: `MLL2 → KMT2D (previous symbol)`, or why the symbol is unverified.
    pub note: Option<String>,
}

impl From<&Verification> for GeneVerification {
    fn from(v: &Verification) -> Self {
        Self {
            status: v.status,
            reason: v.reason,
            note: v.note.clone(),
        }
    }
}

impl From<&Diagnostic> for UploadDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        Self {
            row: d.row.map(int),
            value: d.value.clone(),
            kind: d.kind,
            message: d.message.clone(),
            suggestion: d.suggestion.clone(),
            reason: d.reason,
        }
    }
}

/// One gene of an uploaded list.
#[derive(SimpleObject, Clone)]
pub struct UploadedGene {
    /// The symbol as kept: upper-cased, an alias or previous symbol mapped to the current one.
    pub symbol: String,
    /// HGNC id (`HGNC:1234`), from the file or the gene directory; null when unknown.
    pub hgnc_id: Option<String>,
    /// The 1-based row of the file it was read from; null when not known.
    pub row: Option<i32>,
    /// Whether the symbol is a verified HGNC symbol, was mapped from an alias or previous
    /// symbol, or is unverified.
    pub verification: GeneVerification,
}

impl From<&ListGene> for UploadedGene {
    fn from(g: &ListGene) -> Self {
        Self {
            symbol: g.symbol.to_string(),
            hgnc_id: g.hgnc_id.map(|h| h.to_string()),
            row: g.row.map(int),
            verification: GeneVerification::from(&g.verification()),
        }
    }
}

/// An uploaded gene list.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct UploadedList {
    /// The global id (see `Node`), for `MergeInput.uploads`, `removeUpload` and
    /// `createSavedPanel(uploadId)`.
    #[graphql(owned)]
    pub id: ID,
    /// The file name without extension: the list's label in merges and exports.
    pub name: String,
    /// The file name as uploaded.
    pub filename: String,
    /// The file's format, read from the content, not the extension.
    pub format: shared::upload::UploadFormat,
    /// The workbook sheet the genes were read from; null for text files.
    pub sheet: Option<String>,
    /// Every sheet of the workbook.
    pub sheets: Vec<String>,
    /// The header of the column the genes were read from; null when the file has no header row.
    pub column: Option<String>,
    /// The headers of the table read.
    pub columns: Vec<String>,
    /// Data rows in the file (the header not counted).
    pub row_count: i32,
    /// Distinct genes read.
    pub gene_count: i32,
    #[graphql(skip)]
    pub genes: Vec<UploadedGene>,
    /// Everything the reader noticed: skipped rows, duplicates, mapped aliases, unverified symbols.
    pub diagnostics: Vec<UploadDiagnostic>,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
    /// When an anonymous visitor's upload is deleted; null for accounts.
    pub expires_at: Option<DateTime<Utc>>,
}

#[async_graphql::ComplexObject]
impl UploadedList {
    /// The genes read, in file order; all of them unless `first`/`last` ask for a page.
    async fn genes(
        &self,
        #[graphql(desc = "Genes from the start (file order), 1 to 50000.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Genes from the end, 1 to 50000.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> async_graphql::Result<Page<UploadedGene>> {
        let window = PageArgs::new(first, after, last, before).window(
            "uploadGenes",
            self.genes.len(),
            paging::MAX_IN_MEMORY,
            paging::MAX_IN_MEMORY,
        )?;
        Ok(window.connection(window.slice(&self.genes).iter().cloned()))
    }
}

impl From<UploadView> for UploadedList {
    fn from(v: UploadView) -> Self {
        Self {
            id: global_id(Kind::UploadedList, &v.id),
            name: v.name,
            filename: v.filename,
            format: v.format,
            sheet: v.sheet,
            sheets: v.content.sheets,
            column: v.column,
            columns: v.content.columns,
            row_count: v.row_count,
            gene_count: int(v.content.genes.len()),
            genes: v.content.genes.iter().map(UploadedGene::from).collect(),
            diagnostics: v
                .content
                .diagnostics
                .iter()
                .map(UploadDiagnostic::from)
                .collect(),
            created_at: v.created_at,
            expires_at: v.expires_at,
        }
    }
}

/// A genomic interval, 1-based inclusive as PanelApp gives it.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Locus")]
pub struct LocusOut {
    /// Chromosome without a `chr` prefix: "1" to "22", "X", "Y", "MT".
    pub chrom: String,
    /// First base, 1-based (BED exports write `start - 1`).
    pub start: i64,
    /// Last base, inclusive.
    pub end: i64,
    /// Ensembl gene id (`ENSG…`) for genes; null for regions and STRs without one.
    pub ensembl_id: Option<String>,
}

impl From<&Locus> for LocusOut {
    fn from(l: &Locus) -> Self {
        Self {
            chrom: l.chrom.clone(),
            start: i64::try_from(l.start).unwrap_or(i64::MAX),
            end: i64::try_from(l.end).unwrap_or(i64::MAX),
            ensembl_id: l.ensembl_id.clone(),
        }
    }
}

/// How one source lists a merged gene.
#[derive(SimpleObject, Clone)]
#[graphql(name = "GeneSource")]
pub struct GeneSourceOut {
    /// Position of the source in `MergeResult.sources`.
    pub source_index: i32,
    /// The source's label: `GB <panel name>`, `AUS <panel name>` or the upload's name.
    pub label: String,
    /// A PanelApp panel or an upload.
    pub kind: SourceKind,
    /// The PanelApp instance (panels only).
    pub source: Option<Source>,
    /// The panel's id (panels only; null for uploads).
    pub panel_id: Option<i32>,
    /// The exact panel version merged ("8.125"; panels only).
    pub version: Option<String>,
    /// The upload's id (uploads only; null for panels).
    pub upload_id: Option<ID>,
    /// The entity name as the source wrote it (an alias here shows what the source called the
    /// gene).
    pub entity_name: String,
    /// The gene's rating in that panel; null for uploads.
    pub confidence: Option<Confidence>,
    /// "Green", "Amber", "Red", "Grey", or "User upload" — the Flask exports' wording.
    pub list_type: String,
    /// Mode of inheritance as the panel words it; null for uploads or when not given.
    pub mode_of_inheritance: Option<String>,
    /// Phenotypes the panel lists for the gene (empty for uploads).
    pub phenotypes: Vec<String>,
    /// Evidence sources the panel lists for the gene (empty for uploads).
    pub evidence: Vec<String>,
    /// The panel's or the upload's name.
    pub name: Option<String>,
    /// Uploads: the 1-based row of the file the gene was read from.
    pub upload_row: Option<i32>,
    /// Genes added to a saved panel by hand: who added it.
    pub added_by: Option<String>,
}

/// A disagreement between the sources of a gene.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Conflict")]
pub struct ConflictOut {
    /// What disagrees.
    pub kind: ConflictKind,
    /// The disagreement in words ("Sources give different modes of inheritance: …").
    pub message: String,
    /// The differing values, each once.
    pub values: Vec<String>,
}

impl From<&Conflict> for ConflictOut {
    fn from(c: &Conflict) -> Self {
        Self {
            kind: c.kind,
            message: c.message.clone(),
            values: c.values.clone(),
        }
    }
}

/// One row of a merged list.
#[derive(SimpleObject, Clone)]
#[graphql(name = "MergedGene")]
pub struct MergedGeneOut {
    /// `HGNC:1100`, `symbol:FOO1`, `str:FXN_GAA` or `region:ISCA-37404-Loss`.
    pub key: String,
    /// The current HGNC symbol (aliases and renamed symbols are one row), or the STR / region name.
    pub symbol: String,
    /// HGNC id (`HGNC:1100`); null when no source gives one.
    pub hgnc_id: Option<String>,
    /// Gene, STR or region.
    pub entity_type: EntityType,
    /// Every source that lists it, in source order (the provenance of the row).
    pub sources: Vec<GeneSourceOut>,
    /// Where the sources disagree (inheritance, rating, symbol or HGNC id); empty when they agree.
    pub conflicts: Vec<ConflictOut>,
    /// Position on GRCh37 (from a panel, else the gene directory); null when unknown.
    pub grch37: Option<LocusOut>,
    /// Position on GRCh38 (from a panel, else the gene directory); null when unknown.
    pub grch38: Option<LocusOut>,
    /// Whether the symbol is verified: genes of PanelApp panels are; genes only in uploads
    /// are as the upload's check found (`UNVERIFIED` ones need checking).
    pub verification: GeneVerification,
}

pub(crate) fn gene_source(result: &MergeResult<'_>, s: &GeneSource<'_>) -> GeneSourceOut {
    let summary = result.source(s.source_index);
    GeneSourceOut {
        source_index: int(s.source_index),
        label: s.label.to_string(),
        kind: s.kind,
        source: summary.and_then(|x| x.source),
        panel_id: summary.and_then(|x| x.panel_id).map(int),
        version: summary.and_then(|x| x.version).map(|v| v.to_string()),
        upload_id: summary
            .and_then(|x| x.upload_id.as_deref())
            .map(|key| global_id(Kind::UploadedList, key)),
        entity_name: s.entity_name.to_string(),
        confidence: s.confidence,
        list_type: s.list_type.to_string(),
        mode_of_inheritance: s.mode_of_inheritance.as_deref().map(str::to_owned),
        phenotypes: s.phenotypes.to_vec(),
        evidence: s.evidence.to_vec(),
        name: summary.map(|x| x.name.clone()),
        upload_row: s.upload_row.map(int),
        added_by: None,
    }
}

fn merged_gene(result: &MergeResult<'_>, g: &MergedGene<'_>) -> MergedGeneOut {
    MergedGeneOut {
        key: g.key.to_string(),
        symbol: g.symbol.clone(),
        hgnc_id: g.hgnc_id.map(|h| h.to_string()),
        entity_type: g.entity_type,
        sources: g.sources.iter().map(|s| gene_source(result, s)).collect(),
        conflicts: g.conflicts.iter().map(ConflictOut::from).collect(),
        grch37: g.grch37.as_ref().map(LocusOut::from),
        grch38: g.grch38.as_ref().map(LocusOut::from),
        verification: GeneVerification::from(&g.verification),
    }
}

/// Entities per evidence level.
#[derive(SimpleObject)]
#[graphql(name = "ConfidenceCounts")]
pub struct ConfidenceCountsOut {
    /// Rated green (diagnostic grade).
    pub green: i32,
    /// Rated amber.
    pub amber: i32,
    /// Rated red.
    pub red: i32,
    /// Rated grey (not rated).
    pub grey: i32,
}

impl From<ConfidenceCounts> for ConfidenceCountsOut {
    fn from(c: ConfidenceCounts) -> Self {
        Self {
            green: int(c.green),
            amber: int(c.amber),
            red: int(c.red),
            grey: int(c.grey),
        }
    }
}

/// The `ConfidenceCounts` type answered in one pass (a catalogue panel's counts).
impl crate::graphql::plain::PlainFields for ConfidenceCounts {
    fn type_name(&self) -> &'static str {
        "ConfidenceCounts"
    }

    fn plain_field(&self, name: &str) -> Option<crate::graphql::plain::Plain<'_>> {
        let count = match name {
            "green" => self.green,
            "amber" => self.amber,
            "red" => self.red,
            "grey" => self.grey,
            _ => return None,
        };
        Some(crate::graphql::plain::Plain::Value(int(count).into()))
    }
}

/// One source of a merge and what it contributed.
#[derive(SimpleObject)]
#[graphql(name = "MergeSource")]
pub struct MergeSourceOut {
    /// Position in `MergeResult.sources` (`GeneSource.sourceIndex` and `OverlapSet.sources` point
    /// here).
    pub index: i32,
    /// `GB <panel name>`, `AUS <panel name>` or the upload's name; labels that would repeat get
    /// ` v8.125` (two versions of one panel) or ` (2)` (two uploads of one name).
    pub label: String,
    /// A PanelApp panel or an upload.
    pub kind: SourceKind,
    /// The panel's or the upload's name.
    pub name: String,
    /// The PanelApp instance (panels only; null for uploads).
    pub source: Option<Source>,
    /// The panel's id (panels only).
    pub panel_id: Option<i32>,
    /// The exact panel version merged ("8.125"; panels only).
    pub version: Option<String>,
    /// When the panel version was created upstream.
    pub version_created: Option<DateTime<Utc>>,
    /// The upload's id (uploads only).
    pub upload_id: Option<ID>,
    /// The evidence levels selected, green first (panels only; empty for uploads).
    pub confidence: Vec<Confidence>,
    /// The entity types selected (panels only; empty for uploads).
    pub types: Vec<EntityType>,
    /// Entities taken after the filters.
    pub entities: i32,
    /// Entities that repeated an earlier one of the same source (collapsed).
    pub duplicates: i32,
    /// Merged rows the source contributes to.
    pub genes: i32,
    /// Merged rows only this source contributes to.
    pub unique: i32,
    /// Contributed rows per rating in this source (panels only; zeros for uploads).
    pub by_confidence: ConfidenceCountsOut,
}

impl From<&SourceSummary> for MergeSourceOut {
    fn from(s: &SourceSummary) -> Self {
        Self {
            index: int(s.index),
            label: s.label.clone(),
            kind: s.kind,
            name: s.name.clone(),
            source: s.source,
            panel_id: s.panel_id.map(int),
            version: s.version.map(|v| v.to_string()),
            version_created: s
                .version_created
                .as_deref()
                .and_then(crate::graphql::scalars::parse_instant),
            upload_id: s
                .upload_id
                .as_deref()
                .map(|key| global_id(Kind::UploadedList, key)),
            confidence: s.confidence.clone(),
            types: s.types.clone(),
            entities: int(s.entities),
            duplicates: int(s.duplicates),
            genes: int(s.genes),
            unique: int(s.unique),
            by_confidence: s.by_confidence.into(),
        }
    }
}

/// Rows listed by exactly these sources (UpSet bars).
#[derive(SimpleObject)]
#[graphql(name = "OverlapSet")]
pub struct OverlapSetOut {
    /// The `MergeSource.index` of each source of the combination, ascending.
    pub sources: Vec<i32>,
    /// Rows listed by exactly these sources and no other.
    pub count: i32,
}

/// The overlap between sources.
#[derive(SimpleObject)]
#[graphql(name = "Overlap")]
pub struct OverlapOut {
    /// Exclusive intersections, largest first.
    pub combinations: Vec<OverlapSetOut>,
    /// `pairwise[i][j]`: rows in both source i and source j; `[i][i]`: rows in source i.
    pub pairwise: Vec<Vec<i32>>,
}

impl From<&Overlap> for OverlapOut {
    fn from(o: &Overlap) -> Self {
        Self {
            combinations: o
                .combinations
                .iter()
                .map(|c: &OverlapSet| OverlapSetOut {
                    sources: c.sources.iter().map(|&i| int(i)).collect(),
                    count: int(c.count),
                })
                .collect(),
            pairwise: o
                .pairwise
                .iter()
                .map(|row| row.iter().map(|&n| int(n)).collect())
                .collect(),
        }
    }
}

/// A merged list: one row per gene with every source, conflicts, counts and overlap.
#[derive(SimpleObject)]
#[graphql(name = "MergeResult", complex)]
pub struct MergeResultOut {
    /// Number of merged rows.
    pub total: i32,
    /// Every source with what it contributed, in a fixed order: panels by instance (UK first), id
    /// and version (a panel version selected twice is one source taking what either selection
    /// takes), then uploads by name.
    pub sources: Vec<MergeSourceOut>,
    #[graphql(skip)]
    pub genes: Vec<MergedGeneOut>,
    /// How the sources overlap.
    pub overlap: OverlapOut,
}

#[async_graphql::ComplexObject]
impl MergeResultOut {
    /// The merged genes by symbol; all of them unless `first`/`last` ask for a page.
    async fn genes(
        &self,
        #[graphql(desc = "Genes from the start (by symbol), 1 to 50000.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Genes from the end, 1 to 50000.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> async_graphql::Result<Page<MergedGeneOut>> {
        let window = PageArgs::new(first, after, last, before).window(
            "mergedGenes",
            self.genes.len(),
            paging::MAX_IN_MEMORY,
            paging::MAX_IN_MEMORY,
        )?;
        Ok(window.connection(window.slice(&self.genes).iter().cloned()))
    }
}

impl From<&MergeResult<'_>> for MergeResultOut {
    fn from(r: &MergeResult<'_>) -> Self {
        Self {
            total: int(r.total),
            sources: r.sources.iter().map(MergeSourceOut::from).collect(),
            genes: r.genes.iter().map(|g| merged_gene(r, g)).collect(),
            overlap: (&r.overlap).into(),
        }
    }
}

/// A signed, short-lived link to a prepared export.
#[derive(SimpleObject)]
#[graphql(name = "Download")]
pub struct DownloadOut {
    /// Path on this server (`/download/…`); a plain GET downloads the file.
    pub url: String,
    /// The file's name: the requested name made safe (or `panelmerge_gene_list_<date>`), with the
    /// format's extension.
    pub filename: String,
    /// When the link stops working (`DOWNLOAD_LINK_TTL` after it was made, 5 minutes by default).
    pub expires_at: DateTime<Utc>,
    /// Rows written to the file.
    pub rows: i32,
    /// BED only: rows without coordinates on the assembly (listed in the file's header too).
    pub without_coordinates: Vec<String>,
}

impl From<Download> for DownloadOut {
    fn from(d: Download) -> Self {
        Self {
            url: d.url,
            filename: d.filename,
            expires_at: d.expires_at,
            rows: int(d.report.rows),
            without_coordinates: d.report.without_coordinates,
        }
    }
}
