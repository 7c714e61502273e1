//! Exports of a saved panel version: the version becomes the merge it was saved from (every
//! gene with its sources and conflicts, the sources with their versions and origins), so the
//! export reads exactly as the merge's did; the lab's own ratings, inheritance and notes are
//! extra columns, and the Provenance sheet names the saved version and its hash.

use chrono::Utc;
use entity::saved_panels;
use shared::saved::SavedGene;
use shared::saved_merge::{SavedSource, legacy_label, to_merge};
use shared::{ExportFormat, SharePermission};

use super::SavedPanels;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::genelists::export::{ExportRequest, LabDecision, Provenance, SavedPanelFacts};

/// How to write the export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub filename: Option<String>,
    pub per_source_sheets: bool,
    pub chr_prefix: bool,
}

/// The lab's decision on a gene: its own rating, an inheritance or rating other than its
/// sources give, its notes. `None` when it decided nothing.
fn lab_decision(gene: &SavedGene) -> Option<LabDecision> {
    let recorded = gene.has_provenance();
    let from_sources = gene
        .origins
        .iter()
        .find_map(|o| o.mode_of_inheritance.as_deref())
        .map(str::to_owned);
    let best = gene
        .origins
        .iter()
        .filter_map(|o| o.confidence)
        .max_by_key(|c| c.panelapp_level());
    let rating = gene
        .custom_confidence
        .or_else(|| gene.confidence.filter(|c| recorded && Some(*c) != best));
    let inheritance = gene
        .mode_of_inheritance
        .clone()
        .filter(|m| recorded && Some(m) != from_sources.as_ref());
    let rating = rating.filter(|_| recorded);
    if rating.is_none() && inheritance.is_none() && gene.notes.is_none() {
        return None;
    }
    Some(LabDecision {
        symbol: gene.shown_symbol().to_owned(),
        rating,
        mode_of_inheritance: inheritance,
        notes: gene.notes.clone(),
    })
}

/// At most this many saved panels in one bundled export.
pub const MOST_IN_BUNDLE: usize = 100;

impl SavedPanels {
    /// The export request of version `version` (absent: the current one) of panel `id`, for a
    /// caller who may view it (a link holder through `principal.with_link_token`).
    pub async fn export(
        &self,
        principal: &Principal,
        id: i32,
        version: Option<i32>,
        options: ExportOptions,
    ) -> AppResult<ExportRequest> {
        let (panel, _) = self.open(principal, id, SharePermission::View).await?;
        let number = version.unwrap_or(panel.current_version);
        self.export_request(&panel, number, options).await
    }

    /// The export requests of the current versions of several panels, for one bundle: each id
    /// once in the order given, 1 to [`MOST_IN_BUNDLE`] (VALIDATION on `ids` otherwise), each
    /// panel readable by the caller (NOT_FOUND / FORBIDDEN name the first that is not).
    pub async fn export_each(
        &self,
        principal: &Principal,
        ids: impl IntoIterator<Item = i32>,
        options: &ExportOptions,
    ) -> AppResult<Vec<ExportRequest>> {
        let unique = super::bulk::chosen_once(ids, MOST_IN_BUNDLE, "in one export")?;
        let mut requests = Vec::with_capacity(unique.len());
        for id in unique {
            requests.push(self.export(principal, id, None, options.clone()).await?);
        }
        Ok(requests)
    }

    /// The export request of version `number` of `panel` (access already checked).
    async fn export_request(
        &self,
        panel: &saved_panels::Model,
        number: i32,
        options: ExportOptions,
    ) -> AppResult<ExportRequest> {
        let (row, snapshot) = self.load_snapshot(panel.id, number).await?;
        let version = u32::try_from(number).unwrap_or(0);
        let (merge, sources) = to_merge(&snapshot.genes, &snapshot.sources, &panel.name, version);
        let mut provenance = Provenance::from_merge(&merge, Utc::now(), crate::VERSION);
        let legacy = legacy_label(&panel.name, version);
        for (index, source) in sources.iter().enumerate() {
            let SavedSource {
                summary,
                origin,
                data_date,
            } = source;
            if summary.label == legacy {
                provenance.set_origin(
                    index,
                    format!(
                        "saved panel {} version {number} (sha256 {})",
                        panel.id,
                        row.snapshot_hash.as_deref().unwrap_or_default()
                    ),
                );
                provenance.set_data_date(index, row.created_at.to_rfc3339());
                continue;
            }
            if let Some(origin) = origin {
                provenance.set_origin(index, origin.clone());
            }
            if let Some(date) = data_date {
                provenance.set_data_date(index, date.clone());
            }
        }
        provenance.saved_panel = Some(SavedPanelFacts {
            id: panel.id,
            name: panel.name.clone(),
            version: number,
            sha256: row.snapshot_hash.clone(),
            saved_at: row.created_at.to_rfc3339(),
            lab: shared::saved::canonical(&snapshot.genes)
                .iter()
                .filter_map(lab_decision)
                .collect(),
        });
        Ok(ExportRequest {
            format: options.format,
            filename: options
                .filename
                .or_else(|| Some(format!("{} v{number}", panel.name))),
            per_source_sheets: options.per_source_sheets,
            chr_prefix: options.chr_prefix,
            columns: Vec::new(),
            merge,
            provenance,
            original_panels: Vec::new(),
        })
    }
}
