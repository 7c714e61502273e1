//! Inputs and outputs of the merge engine. Everything is serde so the browser can hold, send
//! and receive the same values the server uses.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{
    Confidence, ConfidenceCounts, EntityType, GeneSymbol, HgncId, Locus, PanelData, PanelEntity,
    PanelVersion, Source,
};

/// Which entities of a panel to take: evidence levels and entity types.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SelectionFilter {
    pub confidence: Vec<Confidence>,
    pub types: Vec<EntityType>,
}

impl SelectionFilter {
    pub fn new(confidence: &[Confidence], types: &[EntityType]) -> Self {
        let mut filter = Self {
            confidence: confidence.to_vec(),
            types: types.to_vec(),
        };
        filter.normalise();
        filter
    }

    /// The Flask preset "Green genes".
    pub fn green() -> Self {
        Self::new(&[Confidence::Green], &[EntityType::Gene])
    }

    /// The Flask preset "Green and Amber genes".
    pub fn green_and_amber() -> Self {
        Self::new(&[Confidence::Green, Confidence::Amber], &[EntityType::Gene])
    }

    /// The Flask preset "Whole gene panel" (green, amber and red genes).
    pub fn whole_panel() -> Self {
        Self::new(
            &[Confidence::Green, Confidence::Amber, Confidence::Red],
            &[EntityType::Gene],
        )
    }

    /// Every level (grey included) and every entity type.
    pub fn everything() -> Self {
        Self::new(Confidence::ALL, EntityType::ALL)
    }

    /// Whether an entity passes the filter.
    pub fn accepts(&self, entity: &PanelEntity) -> bool {
        self.confidence.contains(&entity.confidence) && self.types.contains(&entity.entity_type)
    }

    /// The union of two filters (a panel selected twice takes what either selection takes).
    pub fn union(&self, other: &Self) -> Self {
        let mut merged = self.clone();
        merged.confidence.extend(other.confidence.iter().copied());
        merged.types.extend(other.types.iter().copied());
        merged.normalise();
        merged
    }

    /// Sorts (green first, genes first) and removes repeats.
    fn normalise(&mut self) {
        self.confidence
            .sort_by_key(|c| std::cmp::Reverse(c.panelapp_level()));
        self.confidence.dedup();
        self.types.sort_by_key(|t| entity_order(*t));
        self.types.dedup();
    }
}

pub(crate) fn entity_order(t: EntityType) -> u8 {
    match t {
        EntityType::Gene => 0,
        EntityType::Str => 1,
        EntityType::Region => 2,
    }
}

/// One panel (one version of it) with what to take from it.
#[derive(Debug, Clone)]
pub struct PanelSelection<'a> {
    pub panel: &'a PanelData,
    pub filter: SelectionFilter,
}

impl<'a> PanelSelection<'a> {
    pub fn new(panel: &'a PanelData, filter: &SelectionFilter) -> Self {
        Self {
            panel,
            filter: filter.clone(),
        }
    }
}

/// What a merged row is keyed by: the HGNC id, else the upper-cased symbol; STRs and regions
/// by their entity name (an STR of a gene is not the gene).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum GeneKey {
    Hgnc(HgncId),
    Symbol(GeneSymbol),
    Str(String),
    Region(String),
}

impl GeneKey {
    pub fn entity_type(&self) -> EntityType {
        match self {
            Self::Hgnc(_) | Self::Symbol(_) => EntityType::Gene,
            Self::Str(_) => EntityType::Str,
            Self::Region(_) => EntityType::Region,
        }
    }
}

impl fmt::Display for GeneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hgnc(id) => write!(f, "{id}"),
            Self::Symbol(s) => write!(f, "symbol:{s}"),
            Self::Str(name) => write!(f, "str:{name}"),
            Self::Region(name) => write!(f, "region:{name}"),
        }
    }
}

closed_enum! {
    /// Where a merged source came from.
    #[cfg_attr(feature = "graphql", graphql(name = "MergeSourceKind"))]
    pub enum SourceKind ("merge source kind") {
        /// A version of a PanelApp panel.
        Panel = "PANEL",
        /// An uploaded gene list.
        Upload = "UPLOAD",
    }
}

/// One source of a merge (a panel version or an uploaded list) and what it contributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// Position in [`MergeResult::sources`]; [`GeneSource::source_index`] points here.
    pub index: usize,
    /// `GB <panel name>`, `AUS <panel name>` or the upload's name (made unique if needed).
    pub label: String,
    pub kind: SourceKind,
    /// The panel's or the upload's name.
    pub name: String,
    pub source: Option<Source>,
    pub panel_id: Option<u32>,
    pub version: Option<PanelVersion>,
    /// When the panel version was created upstream (the data date).
    pub version_created: Option<String>,
    pub upload_id: Option<String>,
    /// Selected evidence levels (panels only).
    pub confidence: Vec<Confidence>,
    /// Selected entity types (panels only; uploads are genes).
    pub types: Vec<EntityType>,
    /// Entities taken from the source after the filters.
    pub entities: usize,
    /// Entities that repeated an earlier entity of the same source and were collapsed.
    pub duplicates: usize,
    /// Merged rows the source contributes to.
    pub genes: usize,
    /// Merged rows only this source contributes to.
    pub unique: usize,
    /// Contributed rows per evidence level (panels only).
    pub by_confidence: ConfidenceCounts,
}

/// How one source lists one merged gene. Text is borrowed from the panels merged (no copy
/// per entity, which keeps a 60,000-entity merge fast); [`MergeResult::into_owned`] detaches
/// a result from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneSource<'a> {
    pub source_index: usize,
    /// The source's label (shared with [`SourceSummary::label`]).
    pub label: Arc<str>,
    pub kind: SourceKind,
    /// The entity name as the source wrote it.
    pub entity_name: Cow<'a, str>,
    /// `None` for uploads.
    pub confidence: Option<Confidence>,
    /// "Green", "Amber", "Red", "Grey" or "User upload" (the Flask wording).
    pub list_type: Cow<'static, str>,
    pub mode_of_inheritance: Option<Cow<'a, str>>,
    pub phenotypes: Cow<'a, [String]>,
    pub evidence: Cow<'a, [String]>,
    pub publications: Cow<'a, [String]>,
    /// Uploads: the 1-based row of the file the gene was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_row: Option<u32>,
}

impl GeneSource<'_> {
    pub fn into_owned(self) -> GeneSource<'static> {
        GeneSource {
            source_index: self.source_index,
            label: self.label,
            kind: self.kind,
            entity_name: Cow::Owned(self.entity_name.into_owned()),
            confidence: self.confidence,
            list_type: self.list_type,
            mode_of_inheritance: self.mode_of_inheritance.map(|m| Cow::Owned(m.into_owned())),
            phenotypes: Cow::Owned(self.phenotypes.into_owned()),
            evidence: Cow::Owned(self.evidence.into_owned()),
            publications: Cow::Owned(self.publications.into_owned()),
            upload_row: self.upload_row,
        }
    }
}

closed_enum! {
    /// What disagrees between the sources of one merged gene.
    pub enum ConflictKind ("conflict kind") {
        /// Sources give different modes of inheritance.
        ModeOfInheritance = "MODE_OF_INHERITANCE",
        /// Panels rate the gene differently (green in one, red in another).
        Rating = "RATING",
        /// The symbol belongs to more than one HGNC id among the sources.
        SymbolHgncIds = "SYMBOL_HGNC_IDS",
        /// Sources name the same HGNC id with different symbols.
        HgncSymbols = "HGNC_SYMBOLS",
    }
}

/// A disagreement between sources, with the values involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub kind: ConflictKind,
    pub message: String,
    pub values: Vec<String>,
}

/// One row of the merged list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedGene<'a> {
    pub key: GeneKey,
    /// The gene symbol, or the STR / region name.
    pub symbol: String,
    pub hgnc_id: Option<HgncId>,
    pub entity_type: EntityType,
    /// Every source that lists the gene, in source order.
    pub sources: Vec<GeneSource<'a>>,
    pub conflicts: Vec<Conflict>,
    pub grch37: Option<Locus>,
    pub grch38: Option<Locus>,
    /// Whether the symbol is a verified HGNC symbol: genes of PanelApp panels are; genes
    /// only in uploads (or added by hand) are as their lists say.
    #[serde(default = "crate::Verification::verified")]
    pub verification: crate::Verification,
}

impl MergedGene<'_> {
    /// Indices of the contributing sources, ascending.
    pub fn source_indices(&self) -> Vec<usize> {
        self.sources.iter().map(|s| s.source_index).collect()
    }

    pub fn into_owned(self) -> MergedGene<'static> {
        MergedGene {
            key: self.key,
            symbol: self.symbol,
            hgnc_id: self.hgnc_id,
            entity_type: self.entity_type,
            sources: self
                .sources
                .into_iter()
                .map(GeneSource::into_owned)
                .collect(),
            conflicts: self.conflicts,
            grch37: self.grch37,
            grch38: self.grch38,
            verification: self.verification,
        }
    }
}

/// An exclusive intersection (UpSet style): rows listed by exactly these sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlapSet {
    pub sources: Vec<usize>,
    pub count: usize,
}

/// The overlap between sources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlap {
    /// Exclusive intersections, largest first.
    pub combinations: Vec<OverlapSet>,
    /// `pairwise[i][j]`: rows listed by both source i and source j (`[i][i]`: by source i).
    pub pairwise: Vec<Vec<usize>>,
}

/// The merged list with its provenance. Borrows text from the merged panels; use
/// [`Self::into_owned`] to keep it longer than they live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeResult<'a> {
    /// Number of merged rows.
    pub total: usize,
    pub sources: Vec<SourceSummary>,
    /// Sorted by symbol (ignoring case), then key.
    pub genes: Vec<MergedGene<'a>>,
    pub overlap: Overlap,
}

/// A merge result that owns all its text.
pub type OwnedMergeResult = MergeResult<'static>;

impl MergeResult<'_> {
    /// Copies the borrowed text, so the result outlives the panels it was merged from.
    pub fn into_owned(self) -> OwnedMergeResult {
        MergeResult {
            total: self.total,
            sources: self.sources,
            genes: self.genes.into_iter().map(MergedGene::into_owned).collect(),
            overlap: self.overlap,
        }
    }

    pub fn source(&self, index: usize) -> Option<&SourceSummary> {
        self.sources.get(index)
    }

    /// Locus of a row on an assembly.
    pub fn locus<'g>(
        gene: &'g MergedGene<'_>,
        assembly: crate::export::Assembly,
    ) -> Option<&'g Locus> {
        match assembly {
            crate::export::Assembly::GRCh37 => gene.grch37.as_ref(),
            crate::export::Assembly::GRCh38 => gene.grch38.as_ref(),
        }
    }
}
