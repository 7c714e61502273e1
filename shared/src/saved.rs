//! Saved panels' gene lists and the diff between two of them. The browser previews pending
//! edits with the same code the server uses to record versions and changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::merge::{Conflict, GeneKey};
use crate::{Confidence, EntityType, GeneSymbol, HgncId, PanelVersion, Source};

/// One gene (or STR / region) of a saved panel version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedGene {
    /// The key within a panel: the upper-cased symbol (or the STR / region name).
    pub symbol: GeneSymbol,
    #[serde(default = "default_type")]
    pub entity_type: EntityType,
    #[serde(default)]
    pub hgnc_id: Option<HgncId>,
    #[serde(default)]
    pub gene_name: Option<String>,
    /// The PanelApp rating this gene came with (None for genes from uploads or added by hand).
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// The lab's own rating, overriding `confidence` where set.
    #[serde(default)]
    pub custom_confidence: Option<Confidence>,
    #[serde(default)]
    pub mode_of_inheritance: Option<String>,
    #[serde(default)]
    pub phenotypes: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Where it came from: panel references such as `uk-402@8.125` and upload names.
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Coordinates (for BED exports of the saved panel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grch37: Option<crate::Locus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grch38: Option<crate::Locus>,
    /// The symbol as the sources write it (`C12orf57`), where it differs from `symbol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_symbol: Option<String>,
    /// The merged row's key (HGNC id, symbol, STR or region name), where the gene came from a
    /// merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_key: Option<GeneKey>,
    /// What every source said about the gene: PanelApp panel and version, rating, inheritance,
    /// upload and row, or who added it by hand. Empty for genes saved before sources were
    /// recorded (read as coming from the saved panel itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<GeneOrigin>,
    /// Where the sources disagree (two modes of inheritance, different ratings, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// How the symbol was checked against the gene directory when it was added (kept with
    /// the version). `None` for genes saved before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::Verification>,
}

/// What kind of source a saved gene came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OriginKind {
    /// A PanelApp panel version.
    Panel,
    /// An uploaded gene list.
    Upload,
    /// Added to the saved panel by hand.
    Manual,
}

/// How one source lists one gene of a saved panel: the merge's per-source record, kept with
/// the saved version so exports, the API and the browser show it exactly as the merge did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneOrigin {
    pub kind: OriginKind,
    /// The source's label in the merge (`GB Genetic epilepsy syndromes`, the upload's name,
    /// `Added by alice`); unique among the sources of a version.
    pub label: String,
    /// The panel's or the upload's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<PanelVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// 1-based row of the uploaded file the gene was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// Who added the gene by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    /// The entity name as the source wrote it.
    pub entity_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// "Green", "Amber", "Red", "Grey", "User upload" or "Added by hand".
    pub list_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_of_inheritance: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phenotypes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publications: Vec<String>,
}

/// The list type of a gene added by hand.
pub const MANUAL_LIST_TYPE: &str = "Added by hand";

impl GeneOrigin {
    /// A gene added by hand by `user`.
    pub fn manual(user: &str, symbol: &GeneSymbol) -> Self {
        Self {
            kind: OriginKind::Manual,
            label: format!("Added by {user}"),
            name: None,
            instance: None,
            panel_id: None,
            version: None,
            upload_id: None,
            row: None,
            added_by: Some(user.to_owned()),
            entity_name: symbol.as_str().to_owned(),
            confidence: None,
            list_type: MANUAL_LIST_TYPE.to_owned(),
            mode_of_inheritance: None,
            phenotypes: Vec::new(),
            evidence: Vec::new(),
            publications: Vec::new(),
        }
    }

    /// One line for diffs and change records: `GB Epilepsy (uk-402 v8.125, Green, AD)`,
    /// `my genes.csv (row 4)`, `Added by alice`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(instance), Some(id)) = (self.instance, self.panel_id) {
            match self.version {
                Some(v) => parts.push(format!("{}-{id} v{v}", instance.prefix())),
                None => parts.push(format!("{}-{id}", instance.prefix())),
            }
        }
        if let Some(row) = self.row {
            parts.push(format!("row {row}"));
        }
        if let Some(c) = self.confidence {
            parts.push(c.label().to_owned());
        }
        if let Some(m) = &self.mode_of_inheritance {
            parts.push(m.clone());
        }
        if parts.is_empty() {
            self.label.clone()
        } else {
            format!("{} ({})", self.label, parts.join(", "))
        }
    }
}

fn default_type() -> EntityType {
    EntityType::Gene
}

impl SavedGene {
    /// A bare gene with nothing but its symbol.
    pub fn new(symbol: GeneSymbol) -> Self {
        Self {
            symbol,
            entity_type: EntityType::Gene,
            hgnc_id: None,
            gene_name: None,
            confidence: None,
            custom_confidence: None,
            mode_of_inheritance: None,
            phenotypes: Vec::new(),
            evidence: Vec::new(),
            sources: Vec::new(),
            notes: None,
            grch37: None,
            grch38: None,
            display_symbol: None,
            merge_key: None,
            origins: Vec::new(),
            conflicts: Vec::new(),
            verification: None,
        }
    }

    /// How the symbol was checked: as recorded, else verified when a PanelApp panel listed
    /// it or an HGNC id is known.
    pub fn verification(&self) -> crate::Verification {
        if let Some(v) = &self.verification {
            return v.clone();
        }
        let from_panel = self.confidence.is_some()
            || self.entity_type != EntityType::Gene
            || self.origins.iter().any(|o| o.kind == OriginKind::Panel);
        crate::Verification::inferred(from_panel || self.hgnc_id.is_some())
    }

    /// The symbol as shown: the sources' spelling where recorded.
    pub fn shown_symbol(&self) -> &str {
        self.display_symbol
            .as_deref()
            .unwrap_or(self.symbol.as_str())
    }

    /// Whether the gene's sources were recorded (false for genes saved before they were).
    pub fn has_provenance(&self) -> bool {
        !self.origins.is_empty()
    }

    /// The rating that applies: the lab's own, else PanelApp's.
    pub fn effective_confidence(&self) -> Option<Confidence> {
        self.custom_confidence.or(self.confidence)
    }

    /// Each comparable field as (name, text); `None` for an empty field.
    pub fn fields(&self) -> [(GeneField, Option<String>); 12] {
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.join("; "));
        let locus = |l: &Option<crate::Locus>| {
            l.as_ref()
                .map(|l| format!("{}:{}-{}", l.chrom, l.start, l.end))
        };
        [
            (
                GeneField::EntityType,
                Some(self.entity_type.as_str().to_owned()),
            ),
            (GeneField::HgncId, self.hgnc_id.map(|h| h.to_string())),
            (GeneField::GeneName, self.gene_name.clone()),
            (
                GeneField::Confidence,
                self.confidence.map(|c| c.as_str().to_owned()),
            ),
            (
                GeneField::CustomConfidence,
                self.custom_confidence.map(|c| c.as_str().to_owned()),
            ),
            (
                GeneField::ModeOfInheritance,
                self.mode_of_inheritance.clone(),
            ),
            (GeneField::Phenotypes, list(&self.phenotypes)),
            (GeneField::Evidence, list(&self.evidence)),
            (
                GeneField::Sources,
                if self.origins.is_empty() {
                    list(&self.sources)
                } else {
                    Some(
                        self.origins
                            .iter()
                            .map(GeneOrigin::describe)
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                },
            ),
            (GeneField::Notes, self.notes.clone()),
            (GeneField::Grch37, locus(&self.grch37)),
            (GeneField::Grch38, locus(&self.grch38)),
        ]
    }
}

/// A field of a saved gene, as named in diffs and change records. Stored and serialised in
/// camelCase (`customConfidence`); the GraphQL form (`CUSTOM_CONFIDENCE`) is read too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "camelCase")]
pub enum GeneField {
    /// Gene, STR or region.
    #[serde(alias = "ENTITY_TYPE")]
    EntityType,
    /// The HGNC id (`HGNC:1100`).
    #[serde(alias = "HGNC_ID")]
    HgncId,
    /// The approved gene name.
    #[serde(alias = "GENE_NAME")]
    GeneName,
    /// The rating from the sources (green, amber, red, grey).
    #[serde(alias = "CONFIDENCE")]
    Confidence,
    /// A rating set on the saved panel, overriding the sources'.
    #[serde(alias = "CUSTOM_CONFIDENCE")]
    CustomConfidence,
    /// Mode of inheritance.
    #[serde(alias = "MODE_OF_INHERITANCE")]
    ModeOfInheritance,
    /// Phenotypes.
    #[serde(alias = "PHENOTYPES")]
    Phenotypes,
    /// Evidence.
    #[serde(alias = "EVIDENCE")]
    Evidence,
    /// The sources listing the gene (panels with versions, uploads).
    #[serde(alias = "SOURCES")]
    Sources,
    /// Free-text notes on the saved panel.
    #[serde(alias = "NOTES")]
    Notes,
    /// GRCh37 coordinates.
    #[serde(alias = "GRCH37")]
    Grch37,
    /// GRCh38 coordinates.
    #[serde(alias = "GRCH38")]
    Grch38,
}

impl GeneField {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EntityType => "entityType",
            Self::HgncId => "hgncId",
            Self::GeneName => "geneName",
            Self::Confidence => "confidence",
            Self::CustomConfidence => "customConfidence",
            Self::ModeOfInheritance => "modeOfInheritance",
            Self::Phenotypes => "phenotypes",
            Self::Evidence => "evidence",
            Self::Sources => "sources",
            Self::Notes => "notes",
            Self::Grch37 => "grch37",
            Self::Grch38 => "grch38",
        }
    }

    /// Whether a change of this field is a rating change (recorded as CONFIDENCE_CHANGED).
    pub const fn is_rating(self) -> bool {
        matches!(self, Self::Confidence | Self::CustomConfidence)
    }

    /// The field of this camelCase name (`customConfidence`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.as_str() == name)
    }

    /// Every field, in declaration order.
    pub const ALL: &'static [Self] = &[
        Self::EntityType,
        Self::HgncId,
        Self::GeneName,
        Self::Confidence,
        Self::CustomConfidence,
        Self::ModeOfInheritance,
        Self::Phenotypes,
        Self::Evidence,
        Self::Sources,
        Self::Notes,
        Self::Grch37,
        Self::Grch38,
    ];
}

closed_enum! {
    /// What a recorded change of a saved panel changed (`PanelChange.targetKind`).
    pub enum ChangeTargetKind ("change target kind") {
        /// A gene added or removed; the target is its symbol.
        Gene = "GENE",
        /// One field of a gene (`PanelChange.field`); the target is the gene's symbol.
        GeneField = "GENE_FIELD",
        /// A field of the saved panel itself (`PanelChange.metadataField`); the target is the
        /// saved panel's number.
        Metadata = "METADATA",
        /// The saved panel as a whole: its creation (and, on rows imported from the Flask
        /// version, metadata changes, which Flask recorded without the field).
        Panel = "PANEL",
        /// The PanelApp panel a saved panel follows; the target names it (`uk-402`).
        Source = "SOURCE",
        /// A target PanelMerge does not write: only on rows imported from the Flask version
        /// (`targetType` keeps Flask's word).
        Other = "OTHER",
    }
}

closed_enum! {
    /// A field of a saved panel itself, as named in metadata changes.
    pub enum PanelMetadataField ("panel metadata field") {
        /// The name.
        Name = "NAME",
        /// The description.
        Description = "DESCRIPTION",
        /// The tags.
        Tags = "TAGS",
        /// Who can see it.
        Visibility = "VISIBILITY",
        /// Active, draft, archived or deleted.
        Status = "STATUS",
    }
}

impl PanelMetadataField {
    /// The stored name (`name`, `status`, …).
    pub const fn word(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Description => "description",
            Self::Tags => "tags",
            Self::Visibility => "visibility",
            Self::Status => "status",
        }
    }
}

/// What a change changed, as recorded (`panel_changes.target_type`): `gene`, `gene.<field>`,
/// `metadata.<field>`, `panel` or `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeTarget {
    Gene,
    GeneField(GeneField),
    Metadata(PanelMetadataField),
    Panel,
    Source,
}

impl ChangeTarget {
    /// The recorded word.
    pub fn word(self) -> String {
        match self {
            Self::Gene => "gene".to_owned(),
            Self::GeneField(field) => format!("gene.{}", field.as_str()),
            Self::Metadata(field) => format!("metadata.{}", field.word()),
            Self::Panel => "panel".to_owned(),
            Self::Source => "source".to_owned(),
        }
    }

    /// The target a recorded word names; none for words PanelMerge does not write.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "gene" => Some(Self::Gene),
            "panel" => Some(Self::Panel),
            "source" => Some(Self::Source),
            _ => {
                if let Some(name) = word.strip_prefix("gene.") {
                    GeneField::from_name(name).map(Self::GeneField)
                } else {
                    let name = word.strip_prefix("metadata.")?;
                    PanelMetadataField::ALL
                        .iter()
                        .copied()
                        .find(|f| f.word() == name)
                        .map(Self::Metadata)
                }
            }
        }
    }

    /// Its kind, as GraphQL shows it.
    pub const fn kind(self) -> ChangeTargetKind {
        match self {
            Self::Gene => ChangeTargetKind::Gene,
            Self::GeneField(_) => ChangeTargetKind::GeneField,
            Self::Metadata(_) => ChangeTargetKind::Metadata,
            Self::Panel => ChangeTargetKind::Panel,
            Self::Source => ChangeTargetKind::Source,
        }
    }
}

/// One changed field of a gene present in both lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub symbol: GeneSymbol,
    pub field: GeneField,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What turns one gene list into another.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GeneDiff {
    /// Genes only in the new list (whole records, so the diff can be applied).
    pub added: Vec<SavedGene>,
    /// Genes only in the old list.
    pub removed: Vec<SavedGene>,
    /// Per-field changes of genes in both, by symbol then field.
    pub changed: Vec<FieldChange>,
    /// The new records of the changed genes (to apply the diff exactly).
    pub changed_genes: Vec<SavedGene>,
}

impl GeneDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

fn by_symbol(genes: &[SavedGene]) -> BTreeMap<&GeneSymbol, &SavedGene> {
    genes.iter().map(|g| (&g.symbol, g)).collect()
}

/// The difference between `old` and `new`. Symbols are unique within a list (the last record
/// wins when they are not).
pub fn diff(old: &[SavedGene], new: &[SavedGene]) -> GeneDiff {
    let before = by_symbol(old);
    let after = by_symbol(new);
    let mut result = GeneDiff::default();
    for (symbol, gene) in &after {
        match before.get(symbol) {
            None => result.added.push((*gene).clone()),
            Some(previous) if previous != gene => {
                let old_fields = previous.fields();
                for ((field, old), (_, new)) in old_fields.into_iter().zip(gene.fields()) {
                    if old != new {
                        result.changed.push(FieldChange {
                            symbol: (*symbol).clone(),
                            field,
                            old,
                            new,
                        });
                    }
                }
                result.changed_genes.push((*gene).clone());
            }
            Some(_) => {}
        }
    }
    result.removed = before
        .iter()
        .filter(|(s, _)| !after.contains_key(*s))
        .map(|(_, g)| (*g).clone())
        .collect();
    result
}

/// Applies a diff made by [`diff`] to the list it was made from; the result is the other list,
/// in canonical order.
pub fn apply(diff: &GeneDiff, base: &[SavedGene]) -> Vec<SavedGene> {
    let mut genes: BTreeMap<GeneSymbol, SavedGene> =
        base.iter().map(|g| (g.symbol.clone(), g.clone())).collect();
    for gene in &diff.removed {
        genes.remove(&gene.symbol);
    }
    for gene in diff.added.iter().chain(&diff.changed_genes) {
        genes.insert(gene.symbol.clone(), gene.clone());
    }
    genes.into_values().collect()
}

/// The canonical form of a gene list: sorted by symbol, one record per symbol (last wins).
pub fn canonical(genes: &[SavedGene]) -> Vec<SavedGene> {
    let map: BTreeMap<GeneSymbol, SavedGene> = genes
        .iter()
        .map(|g| (g.symbol.clone(), g.clone()))
        .collect();
    map.into_values().collect()
}

/// The canonical JSON of a gene list: what a version's snapshot and hash are computed from.
/// Field order is fixed by the struct, list order by [`canonical`], so equal lists give equal
/// bytes.
pub fn canonical_json(genes: &[SavedGene]) -> Vec<u8> {
    serde_json::to_vec(&canonical(genes)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gene(symbol: &str) -> SavedGene {
        SavedGene::new(GeneSymbol::parse(symbol).unwrap())
    }

    #[test]
    fn change_targets_round_trip_through_their_recorded_words() {
        let mut targets = vec![
            ChangeTarget::Gene,
            ChangeTarget::Panel,
            ChangeTarget::Source,
        ];
        targets.extend(GeneField::ALL.iter().copied().map(ChangeTarget::GeneField));
        targets.extend(
            PanelMetadataField::ALL
                .iter()
                .copied()
                .map(ChangeTarget::Metadata),
        );
        for target in targets {
            assert_eq!(
                ChangeTarget::parse(&target.word()),
                Some(target),
                "{target:?}"
            );
        }
        assert_eq!(
            ChangeTarget::GeneField(GeneField::CustomConfidence).word(),
            "gene.customConfidence"
        );
        assert_eq!(
            ChangeTarget::Metadata(PanelMetadataField::Status).word(),
            "metadata.status"
        );
        for unknown in ["", "gene.colour", "metadata.owner", "genes", "GENE"] {
            assert_eq!(ChangeTarget::parse(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn diff_names_added_removed_and_changed_fields() {
        let mut brca1 = gene("BRCA1");
        brca1.confidence = Some(Confidence::Green);
        let old = vec![brca1.clone(), gene("TP53")];
        let mut brca1_amber = brca1.clone();
        brca1_amber.custom_confidence = Some(Confidence::Amber);
        brca1_amber.notes = Some("lab decision".into());
        let new = vec![brca1_amber, gene("PALB2")];
        let d = diff(&old, &new);
        assert_eq!(
            d.added
                .iter()
                .map(|g| g.symbol.as_str())
                .collect::<Vec<_>>(),
            ["PALB2"]
        );
        assert_eq!(
            d.removed
                .iter()
                .map(|g| g.symbol.as_str())
                .collect::<Vec<_>>(),
            ["TP53"]
        );
        let fields: Vec<_> = d
            .changed
            .iter()
            .map(|c| (c.symbol.as_str(), c.field, c.new.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("BRCA1", GeneField::CustomConfidence, Some("AMBER")),
                ("BRCA1", GeneField::Notes, Some("lab decision"))
            ]
        );
        assert!(GeneField::CustomConfidence.is_rating());
        assert_eq!(apply(&d, &old), canonical(&new));
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn canonical_json_ignores_order_and_duplicates() {
        let a = vec![gene("TP53"), gene("BRCA1")];
        let b = vec![gene("BRCA1"), gene("TP53"), gene("TP53")];
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }

    fn arb_gene() -> impl Strategy<Value = SavedGene> {
        (
            prop::sample::select(vec![
                "BRCA1", "BRCA2", "TP53", "PALB2", "ATM", "CHEK2", "PKD1", "MLH1",
            ]),
            prop::option::of(prop::sample::select(Confidence::ALL.to_vec())),
            prop::option::of(prop::sample::select(Confidence::ALL.to_vec())),
            prop::option::of("[a-z ]{0,12}"),
            prop::collection::vec("[A-Za-z]{1,6}", 0..3),
        )
            .prop_map(
                |(symbol, confidence, custom, notes, phenotypes)| SavedGene {
                    confidence,
                    custom_confidence: custom,
                    notes,
                    phenotypes,
                    ..gene(symbol)
                },
            )
    }

    proptest! {
        #[test]
        fn applying_a_diff_gives_the_other_list(a in prop::collection::vec(arb_gene(), 0..8), b in prop::collection::vec(arb_gene(), 0..8)) {
            let d = diff(&a, &b);
            prop_assert_eq!(apply(&d, &a), canonical(&b));
            let back = diff(&b, &a);
            prop_assert_eq!(apply(&back, &b), canonical(&a));
            prop_assert_eq!(d.added.len(), back.removed.len());
        }
    }
}
