//! PanelApp API v1 response bodies, read leniently (nulls, missing keys, any key order,
//! `transcript` as null or a list, `version` as a "major.minor" string), and their
//! conversion into [`PanelData`]. The server's PanelApp client, the snapshot reader, the
//! merge engine's tests and every benchmark parse with this one reader.

use std::collections::BTreeMap;

use crate::{
    Confidence, EntityDetails, EntityType, GeneSymbol, HgncId, Locus, PanelData, PanelEntity,
    PanelVersion, Source,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A DRF page: `{count, next, previous, results}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default = "Vec::new", deserialize_with = "null_vec")]
    pub results: Vec<T>,
}

/// A list item of `/panels/`, `/panels/signedoff/` or the `panel` of a gene-search hit.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct RawSummary {
    pub id: u32,
    #[serde(default, deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub disease_group: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub disease_sub_group: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub version: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub version_created: Option<String>,
    #[serde(default, deserialize_with = "strings")]
    pub relevant_disorders: Vec<String>,
    #[serde(default)]
    pub stats: Option<RawStats>,
    #[serde(default, deserialize_with = "null_vec")]
    pub types: Vec<RawType>,
    /// Signed-off list only: the date (YYYY-MM-DD).
    #[serde(default, deserialize_with = "text")]
    pub signed_off: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
pub struct RawStats {
    #[serde(default, deserialize_with = "count")]
    pub number_of_genes: u32,
    #[serde(default, deserialize_with = "count")]
    pub number_of_strs: u32,
    #[serde(default, deserialize_with = "count")]
    pub number_of_regions: u32,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct RawType {
    #[serde(default, deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub slug: Option<String>,
}

/// `/panels/{id}/`.
#[derive(Debug, Clone, Deserialize)]
pub struct RawPanel {
    #[serde(flatten)]
    pub summary: RawSummary,
    #[serde(default, deserialize_with = "null_vec")]
    pub genes: Vec<RawEntity>,
    #[serde(default, deserialize_with = "null_vec")]
    pub strs: Vec<RawEntity>,
    #[serde(default, deserialize_with = "null_vec")]
    pub regions: Vec<RawEntity>,
}

/// A gene, STR or region; also a `/genes/{symbol}/` hit (with its `panel`).
#[derive(Debug, Clone, Deserialize)]
pub struct RawEntity {
    #[serde(default, deserialize_with = "text")]
    pub entity_type: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub entity_name: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub confidence_level: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub mode_of_inheritance: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub mode_of_pathogenicity: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub penetrance: Option<String>,
    #[serde(default, deserialize_with = "strings")]
    pub phenotypes: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub evidence: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub publications: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub transcript: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub gene_data: Option<RawGeneData>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub chromosome: Option<String>,
    #[serde(default, deserialize_with = "coords")]
    pub grch37_coordinates: Option<(u64, u64)>,
    #[serde(default, deserialize_with = "coords")]
    pub grch38_coordinates: Option<(u64, u64)>,
    #[serde(default, deserialize_with = "text")]
    pub verbose_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub type_of_variants: Option<String>,
    #[serde(default, deserialize_with = "opt_count")]
    pub required_overlap_percentage: Option<u32>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub haploinsufficiency_score: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub triplosensitivity_score: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub repeated_sequence: Option<String>,
    #[serde(default, deserialize_with = "opt_count")]
    pub normal_repeats: Option<u32>,
    #[serde(default, deserialize_with = "opt_count")]
    pub pathogenic_repeats: Option<u32>,
    /// Gene-search hits only.
    #[serde(default)]
    pub panel: Option<RawSummary>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawGeneData {
    #[serde(default, deserialize_with = "text")]
    pub hgnc_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub hgnc_symbol: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub gene_symbol: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub gene_name: Option<String>,
    #[serde(default, deserialize_with = "strings")]
    pub alias: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub hgnc_previous_symbols: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub omim_gene: Vec<String>,
    /// `{"GRch37": {"82": {"location": "16:1-2", "ensembl_id": "ENSG…"}}, "GRch38": {…}}`.
    #[serde(default)]
    pub ensembl_genes: Option<Value>,
}

impl RawGeneData {
    /// The location on `assembly` ("GRch37"/"GRch38", any casing) from the highest release.
    pub fn locus(&self, assembly: &str) -> Option<Locus> {
        let genes = self.ensembl_genes.as_ref()?.as_object()?;
        let releases = genes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(assembly))?
            .1
            .as_object()?;
        let (_, best) = releases
            .iter()
            .filter_map(|(release, v)| Some((release.trim().parse::<u32>().ok()?, v)))
            .filter(|(_, v)| v.get("location").and_then(Value::as_str).is_some())
            .max_by_key(|(release, _)| *release)?;
        let location = best.get("location")?.as_str()?;
        let (chrom, range) = location.trim().rsplit_once(':')?;
        let (start, end) = range.split_once('-')?;
        Some(Locus {
            chrom: normalise_chrom(chrom),
            start: start.trim().parse().ok()?,
            end: end.trim().parse().ok()?,
            ensembl_id: best
                .get("ensembl_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// The current HGNC symbol.
    pub fn symbol(&self) -> Option<GeneSymbol> {
        self.hgnc_symbol
            .as_deref()
            .or(self.gene_symbol.as_deref())
            .and_then(|s| GeneSymbol::parse(s).ok())
    }

    pub fn hgnc(&self) -> Option<HgncId> {
        self.hgnc_id.as_deref().and_then(|s| HgncId::parse(s).ok())
    }
}

fn normalise_chrom(chrom: &str) -> String {
    let c = chrom.trim();
    let c = c
        .strip_prefix("chr")
        .or_else(|| c.strip_prefix("CHR"))
        .unwrap_or(c);
    if c.eq_ignore_ascii_case("M") {
        "MT".to_owned()
    } else {
        c.to_ascii_uppercase()
    }
}

/// Why a body could not be turned into panel data.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

impl RawSummary {
    pub fn panel_version(&self) -> Result<PanelVersion, ModelError> {
        let raw = self.version.as_deref().unwrap_or("0.0");
        PanelVersion::parse(raw)
            .map_err(|e| ModelError(format!("panel {}: bad version {raw:?}: {e}", self.id)))
    }

    pub fn type_names(&self) -> Vec<String> {
        self.types.iter().filter_map(|t| t.name.clone()).collect()
    }
}

impl RawEntity {
    fn into_entity(self, fallback: EntityType) -> Result<PanelEntity, ModelError> {
        let entity_type = self
            .entity_type
            .as_deref()
            .and_then(|t| EntityType::from_panelapp(t).ok())
            .unwrap_or(fallback);
        let name = self
            .entity_name
            .clone()
            .ok_or_else(|| ModelError("an entity has no entity_name".to_owned()))?;
        let level = self.confidence_level.as_deref().unwrap_or("0");
        let confidence =
            Confidence::from_panelapp(level).map_err(|e| ModelError(format!("{name}: {e:?}")))?;
        let gene = self.gene_data.unwrap_or_default();
        let symbol = match entity_type {
            EntityType::Region => None,
            EntityType::Gene => gene.symbol().or_else(|| GeneSymbol::parse(&name).ok()),
            EntityType::Str => gene.symbol(),
        };
        let coords = |c: Option<(u64, u64)>| {
            let chrom = self.chromosome.as_deref()?;
            let (start, end) = c?;
            Some(Locus {
                chrom: normalise_chrom(chrom),
                start,
                end,
                ensembl_id: None,
            })
        };
        let (grch37, grch38) = match entity_type {
            EntityType::Gene => (gene.locus("GRch37"), gene.locus("GRch38")),
            _ => (
                coords(self.grch37_coordinates),
                coords(self.grch38_coordinates),
            ),
        };
        let details = match entity_type {
            EntityType::Gene => EntityDetails::Gene,
            EntityType::Str => EntityDetails::Str {
                repeated_sequence: self.repeated_sequence,
                normal_repeats: self.normal_repeats,
                pathogenic_repeats: self.pathogenic_repeats,
            },
            EntityType::Region => EntityDetails::Region {
                verbose_name: self.verbose_name,
                type_of_variants: self.type_of_variants,
                required_overlap_percentage: self.required_overlap_percentage,
                haploinsufficiency_score: self.haploinsufficiency_score,
                triplosensitivity_score: self.triplosensitivity_score,
            },
        };
        let mut aliases = gene.alias.clone();
        aliases.extend(gene.hgnc_previous_symbols.iter().cloned());
        Ok(PanelEntity {
            entity_type,
            name,
            hgnc_id: gene.hgnc(),
            symbol,
            gene_name: gene.gene_name,
            aliases,
            previous_symbols: gene.hgnc_previous_symbols.clone(),
            omim: gene.omim_gene,
            confidence,
            mode_of_inheritance: self.mode_of_inheritance,
            mode_of_pathogenicity: self.mode_of_pathogenicity,
            penetrance: self.penetrance,
            phenotypes: self.phenotypes,
            evidence: self.evidence,
            publications: self.publications,
            transcripts: self.transcript,
            tags: self.tags,
            grch37,
            grch38,
            details,
        })
    }
}

impl RawPanel {
    /// Normalises a panel detail; `signed_off` comes from the signed-off list.
    pub fn into_panel(self, source: Source) -> Result<PanelData, ModelError> {
        let version = self.summary.panel_version()?;
        let types = self.summary.type_names();
        let s = self.summary;
        let mut entities =
            Vec::with_capacity(self.genes.len() + self.strs.len() + self.regions.len());
        for (list, kind) in [
            (self.genes, EntityType::Gene),
            (self.strs, EntityType::Str),
            (self.regions, EntityType::Region),
        ] {
            for e in list {
                entities.push(e.into_entity(kind)?);
            }
        }
        Ok(PanelData {
            source,
            id: s.id,
            name: s.name.unwrap_or_else(|| format!("Panel {}", s.id)),
            version,
            version_created: s.version_created,
            disease_group: s.disease_group,
            disease_sub_group: s.disease_sub_group,
            relevant_disorders: s.relevant_disorders,
            types,
            description: s.description,
            signed_off: s.signed_off,
            entities,
        })
    }
}

/// Parses a panel-detail body.
pub fn parse_panel(body: &[u8], source: Source) -> Result<PanelData, ModelError> {
    let raw: RawPanel = serde_json::from_slice(body)
        .map_err(|e| ModelError(format!("malformed panel body: {e}")))?;
    raw.into_panel(source)
}

// ---- lenient field readers ----

fn null_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A trimmed, non-empty string; numbers become their text.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar_text(d)
}

fn scalar_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A list of strings; null, a single string, or non-string items are tolerated.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Value::String(s) if !s.trim().is_empty() => vec![s.trim().to_owned()],
        _ => Vec::new(),
    })
}

fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    Ok(opt_count(d)?.unwrap_or(0))
}

fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(number(&Value::deserialize(d)?).and_then(|n| u32::try_from(n).ok()))
}

fn coords<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(u64, u64)>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(v) if v.len() == 2 => {
            Some((number(&v[0]), number(&v[1]))).and_then(|(a, b)| Some((a?, b?)))
        }
        _ => None,
    })
}

/// Signed-off dates of a signed-off list: panel id → (version, date).
pub fn signed_off_map(items: &[RawSummary]) -> BTreeMap<u32, (Option<String>, String)> {
    items
        .iter()
        .filter_map(|s| Some((s.id, (s.version.clone(), s.signed_off.clone()?))))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(crate::panelapp::fixtures::fixture_dir().join(name)).unwrap()
    }

    #[test]
    fn panel_402_has_every_entity() {
        let p = parse_panel(&fixture("uk_panel_402_v8.125.json"), Source::Uk).unwrap();
        let n = |t| p.entities.iter().filter(|e| e.entity_type == t).count();
        assert_eq!(
            (
                n(EntityType::Gene),
                n(EntityType::Str),
                n(EntityType::Region)
            ),
            (892, 4, 19)
        );
        assert_eq!(p.version, PanelVersion::new(8, 125));
        let aars = p.entities.iter().find(|e| e.name == "AARS").unwrap();
        assert_eq!(aars.hgnc_id, Some(HgncId::parse("HGNC:20").unwrap()));
        assert_eq!(aars.grch38.as_ref().unwrap().start, 70252295);
        let region = p
            .entities
            .iter()
            .find(|e| e.name == "ISCA-37404-Loss")
            .unwrap();
        assert!(region.grch37.is_none());
        assert_eq!(region.grch38.as_ref().unwrap().chrom, "15");
    }

    #[test]
    fn highest_release_wins_and_odd_shapes_are_tolerated() {
        let body = br#"{"id": 7, "version": "6.20", "name": null, "genes": [
            {"entity_name": "X1", "confidence_level": 3, "transcript": ["NM_1"],
             "gene_data": {"hgnc_symbol": "X1", "alias": null, "ensembl_genes": {"GRCh38": {
               "90": {"location": "1:10-20", "ensembl_id": "OLD"},
               "115": {"location": "chr1:11-21", "ensembl_id": "NEW"}}}}},
            {"entity_name": "X2", "confidence_level": "0", "transcript": null}
        ], "strs": null}"#;
        let p = parse_panel(body, Source::Au).unwrap();
        assert_eq!(p.version.to_string(), "6.20");
        let l = p.entities[0].grch38.as_ref().unwrap();
        assert_eq!((l.start, l.ensembl_id.as_deref()), (11, Some("NEW")));
        assert_eq!(p.entities[0].transcripts, ["NM_1"]);
        assert_eq!(p.entities[1].confidence, Confidence::Grey);
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(parse_panel(b"{\"count\": 3, \"results\": [", Source::Uk).is_err());
        assert!(parse_panel(b"[]", Source::Uk).is_err());
        assert!(parse_panel(br#"{"id": 1, "version": "x.y"}"#, Source::Uk).is_err());
    }
}
