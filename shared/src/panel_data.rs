//! PanelApp panel content, normalised: what the PanelApp client produces and what the merge
//! engine, exports and saved panels consume (in the server and in the browser alike).

use serde::{Deserialize, Serialize};

use crate::{Confidence, EntityType, GeneSymbol, HgncId, PanelRef, PanelVersion, Source};

/// A genomic interval on one assembly, 1-based and inclusive as PanelApp and Ensembl give it.
/// (BED output subtracts one from `start`.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Locus {
    /// Chromosome without a `chr` prefix: "1".."22", "X", "Y", "MT".
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    /// Ensembl gene id for genes (from the highest Ensembl release PanelApp lists).
    pub ensembl_id: Option<String>,
}

/// What only STRs or regions carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntityDetails {
    #[default]
    Gene,
    Str {
        repeated_sequence: Option<String>,
        normal_repeats: Option<u32>,
        pathogenic_repeats: Option<u32>,
    },
    Region {
        verbose_name: Option<String>,
        type_of_variants: Option<String>,
        required_overlap_percentage: Option<u32>,
        haploinsufficiency_score: Option<String>,
        triplosensitivity_score: Option<String>,
    },
}

/// One gene, STR or region of a panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelEntity {
    pub entity_type: EntityType,
    /// `entity_name` as PanelApp gives it: a gene symbol, an STR name (`FXN_GAA`) or a region
    /// id (`ISCA-46304-Gain`).
    pub name: String,
    /// The current HGNC symbol of the gene (genes and STRs; `None` for regions).
    pub symbol: Option<GeneSymbol>,
    pub hgnc_id: Option<HgncId>,
    pub gene_name: Option<String>,
    /// HGNC aliases and previous symbols PanelApp lists for the gene.
    pub aliases: Vec<String>,
    /// Those of `aliases` that are previous symbols (`MLL2` of `KMT2D`).
    #[serde(default)]
    pub previous_symbols: Vec<String>,
    pub omim: Vec<String>,
    pub confidence: Confidence,
    pub mode_of_inheritance: Option<String>,
    pub mode_of_pathogenicity: Option<String>,
    pub penetrance: Option<String>,
    pub phenotypes: Vec<String>,
    pub evidence: Vec<String>,
    pub publications: Vec<String>,
    pub transcripts: Vec<String>,
    pub tags: Vec<String>,
    pub grch37: Option<Locus>,
    pub grch38: Option<Locus>,
    pub details: EntityDetails,
}

/// One version of one panel with all its entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelData {
    pub source: Source,
    pub id: u32,
    pub name: String,
    pub version: PanelVersion,
    /// When this version was created upstream (RFC 3339, as PanelApp gives it).
    pub version_created: Option<String>,
    pub disease_group: Option<String>,
    pub disease_sub_group: Option<String>,
    /// R-codes, HPO ids and disorder names.
    pub relevant_disorders: Vec<String>,
    /// Panel type names ("GMS Rare Disease Virtual", ...).
    pub types: Vec<String>,
    /// Australia only.
    pub description: Option<String>,
    /// Date (YYYY-MM-DD) this version was signed off, when it was.
    pub signed_off: Option<String>,
    pub entities: Vec<PanelEntity>,
}

impl PanelData {
    /// A version of a panel with a name and nothing else: no metadata, no entities.
    pub fn bare(source: Source, id: u32, name: &str, version: PanelVersion) -> Self {
        Self {
            source,
            id,
            name: name.to_owned(),
            version,
            version_created: None,
            disease_group: None,
            disease_sub_group: None,
            relevant_disorders: Vec::new(),
            types: Vec::new(),
            description: None,
            signed_off: None,
            entities: Vec::new(),
        }
    }

    pub fn panel_ref(&self) -> PanelRef {
        PanelRef::new(self.source, self.id)
    }

    /// "GB Clefting" / "AUS Achromatopsia": how the Flask exports labelled a panel.
    pub fn label(&self) -> String {
        format!("{} {}", self.source.export_label(), self.name)
    }

    /// Entity counts per confidence level: (green, amber, red, grey).
    pub fn counts(&self) -> ConfidenceCounts {
        let mut c = ConfidenceCounts::default();
        for e in &self.entities {
            match e.confidence {
                Confidence::Green => c.green += 1,
                Confidence::Amber => c.amber += 1,
                Confidence::Red => c.red += 1,
                Confidence::Grey => c.grey += 1,
            }
        }
        c
    }
}

/// Number of entities per evidence level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfidenceCounts {
    pub green: u32,
    pub amber: u32,
    pub red: u32,
    pub grey: u32,
}
