//! PanelApp UK and Australia: a polite client, a shared catalogue and panel cache with
//! stale-while-revalidate and single-flight, the bundled snapshot for when PanelApp can not be
//! reached, one search index over both catalogues, and the gene directory.

pub mod client;
pub mod genes;
pub mod search;
mod service;
pub mod snapshot;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use shared::panelapp::RawSummary;
use shared::{PanelData, PanelVersion, Source};

pub use service::{
    DirectoryProgress, GeneLookup, PanelAppService, PanelGeneHit, SourceAnswer, SourceStatus,
    SyncReport,
};
/// Where an answer's data came from (defined in `shared`, which the web app uses too).
pub use shared::panelapp::DataOrigin;

/// A panel of a catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSummary {
    pub source: Source,
    pub id: u32,
    pub name: String,
    pub version: PanelVersion,
    pub version_created: Option<String>,
    pub disease_group: Option<String>,
    pub disease_sub_group: Option<String>,
    pub relevant_disorders: Vec<String>,
    pub description: Option<String>,
    pub types: Vec<String>,
    pub type_slugs: Vec<String>,
    pub genes: u32,
    pub strs: u32,
    pub regions: u32,
    /// Date the current version was signed off, when it was.
    pub signed_off: Option<String>,
}

impl PanelSummary {
    pub fn from_raw(source: Source, raw: &RawSummary, signed: &[RawSummary]) -> Self {
        let version = raw.panel_version().unwrap_or(PanelVersion::new(0, 0));
        let signed_off = signed
            .iter()
            .find(|s| {
                s.id == raw.id
                    && s.version
                        .as_deref()
                        .and_then(|v| PanelVersion::parse(v).ok())
                        == Some(version)
            })
            .and_then(|s| s.signed_off.clone());
        let stats = raw.stats.clone().unwrap_or_default();
        Self {
            source,
            id: raw.id,
            name: raw
                .name
                .clone()
                .unwrap_or_else(|| format!("Panel {}", raw.id)),
            version,
            version_created: raw.version_created.clone(),
            disease_group: raw.disease_group.clone(),
            disease_sub_group: raw.disease_sub_group.clone(),
            relevant_disorders: raw.relevant_disorders.clone(),
            description: raw.description.clone(),
            types: raw.type_names(),
            type_slugs: raw.types.iter().filter_map(|t| t.slug.clone()).collect(),
            genes: stats.number_of_genes,
            strs: stats.number_of_strs,
            regions: stats.number_of_regions,
            signed_off,
        }
    }
}

/// One instance's catalogue.
#[derive(Debug)]
pub struct Catalogue {
    pub source: Source,
    pub panels: Vec<Arc<PanelSummary>>,
    /// When the data was fetched from PanelApp (or captured, for snapshots).
    pub fetched_at: DateTime<Utc>,
    pub from_snapshot: bool,
    /// The raw lists, for writing snapshots.
    pub raw: Vec<RawSummary>,
    pub raw_signed_off: Vec<RawSummary>,
}

impl Catalogue {
    pub fn new(
        source: Source,
        raw: Vec<RawSummary>,
        raw_signed_off: Vec<RawSummary>,
        fetched_at: DateTime<Utc>,
        from_snapshot: bool,
    ) -> Self {
        let panels = raw
            .iter()
            .map(|r| Arc::new(PanelSummary::from_raw(source, r, &raw_signed_off)))
            .collect();
        Self {
            source,
            panels,
            fetched_at,
            from_snapshot,
            raw,
            raw_signed_off,
        }
    }

    pub fn get(&self, id: u32) -> Option<&Arc<PanelSummary>> {
        self.panels.iter().find(|p| p.id == id)
    }
}

/// A panel with where it came from.
#[derive(Debug, Clone)]
pub struct PanelResult {
    pub data: Arc<PanelData>,
    pub origin: DataOrigin,
    /// When the data was fetched (or captured).
    pub data_date: DateTime<Utc>,
}

/// Parses a snapshot or manifest date ("2026-03-02" or RFC 3339).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
}
