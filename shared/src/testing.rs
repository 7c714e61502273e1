//! A small reader of PanelApp panel-detail JSON into [`PanelData`], for tests and benchmarks
//! over the bundled fixtures. The production reader lives in the server's PanelApp client;
//! this one only needs to be right about the fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use crate::{
    Confidence, EntityDetails, EntityType, GeneSymbol, HgncId, Locus, PanelData, PanelEntity,
    PanelVersion, Source,
};

/// Directory of the bundled PanelApp fixtures (`tests/fixtures/panelapp`).
pub fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("fixtures")
        .join("panelapp")
}

/// Reads and parses one fixture file, e.g. `uk_panel_635_v2.18.json`.
pub fn fixture_panel(file: &str, source: Source) -> PanelData {
    let path = fixture_dir().join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).expect("fixture is JSON");
    panel_from_json(&json, source)
}

/// Every UK panel-detail fixture, parsed.
pub fn all_uk_panels() -> Vec<PanelData> {
    let mut files: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("uk_panel_") && n.ends_with(".json"))
        .collect();
    files.sort();
    files.iter().map(|f| fixture_panel(f, Source::Uk)).collect()
}

/// `base` repeated under new ids (10,000 apart per copy) until the panels hold at least
/// `target` entities: the large merge input of the benchmarks.
pub fn repeated(base: &[PanelData], target: usize) -> Vec<PanelData> {
    let mut out = Vec::new();
    let mut total = 0;
    let mut copy = 0u32;
    // A base without entities could never reach the target: one copy is all it gets.
    while total < target && (copy == 0 || total > 0) {
        for panel in base {
            let mut p = panel.clone();
            p.id += 10_000 * copy;
            total += p.entities.len();
            out.push(p);
        }
        copy += 1;
    }
    out
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The location of the highest Ensembl release: `"11:108093211-108239829"`.
fn ensembl_locus(gene_data: &Value, assembly: &str) -> Option<Locus> {
    let releases = gene_data.get("ensembl_genes")?.get(assembly)?.as_object()?;
    let (_, best) = releases
        .iter()
        .max_by_key(|(release, _)| release.parse::<u32>().unwrap_or(0))?;
    let location = best.get("location")?.as_str()?;
    let (chrom, range) = location.split_once(':')?;
    let (start, end) = range.split_once('-')?;
    Some(Locus {
        chrom: chrom.to_owned(),
        start: start.parse().ok()?,
        end: end.parse().ok()?,
        ensembl_id: best
            .get("ensembl_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn coordinates(entity: &Value, key: &str) -> Option<Locus> {
    let pair = entity.get(key)?.as_array()?;
    Some(Locus {
        chrom: entity.get("chromosome")?.as_str()?.to_owned(),
        start: pair.first()?.as_u64()?,
        end: pair.get(1)?.as_u64()?,
        ensembl_id: None,
    })
}

fn entity(e: &Value) -> PanelEntity {
    let entity_type =
        EntityType::from_panelapp(e["entity_type"].as_str().unwrap_or("")).expect("entity type");
    let gene_data = &e["gene_data"];
    let (grch37, grch38) = match entity_type {
        EntityType::Gene => (
            ensembl_locus(gene_data, "GRch37"),
            ensembl_locus(gene_data, "GRch38"),
        ),
        EntityType::Str | EntityType::Region => (
            coordinates(e, "grch37_coordinates"),
            coordinates(e, "grch38_coordinates"),
        ),
    };
    let details = match entity_type {
        EntityType::Gene => EntityDetails::Gene,
        EntityType::Str => EntityDetails::Str {
            repeated_sequence: text(&e["repeated_sequence"]),
            normal_repeats: e["normal_repeats"].as_u64().map(|n| n as u32),
            pathogenic_repeats: e["pathogenic_repeats"].as_u64().map(|n| n as u32),
        },
        EntityType::Region => EntityDetails::Region {
            verbose_name: text(&e["verbose_name"]),
            type_of_variants: text(&e["type_of_variants"]),
            required_overlap_percentage: e["required_overlap_percentage"]
                .as_u64()
                .map(|n| n as u32),
            haploinsufficiency_score: text(&e["haploinsufficiency_score"]),
            triplosensitivity_score: text(&e["triplosensitivity_score"]),
        },
    };
    PanelEntity {
        entity_type,
        name: e["entity_name"].as_str().unwrap_or_default().to_owned(),
        symbol: gene_data["hgnc_symbol"]
            .as_str()
            .and_then(|s| GeneSymbol::parse(s).ok()),
        hgnc_id: gene_data["hgnc_id"]
            .as_str()
            .and_then(|s| HgncId::parse(s).ok()),
        gene_name: text(&gene_data["gene_name"]),
        aliases: strings(&gene_data["alias"]),
        previous_symbols: strings(&gene_data["hgnc_previous_symbols"]),
        omim: strings(&gene_data["omim_gene"]),
        confidence: Confidence::from_panelapp(e["confidence_level"].as_str().unwrap_or(""))
            .expect("confidence level"),
        mode_of_inheritance: text(&e["mode_of_inheritance"]),
        mode_of_pathogenicity: text(&e["mode_of_pathogenicity"]),
        penetrance: text(&e["penetrance"]),
        phenotypes: strings(&e["phenotypes"]),
        evidence: strings(&e["evidence"]),
        publications: strings(&e["publications"]),
        transcripts: strings(&e["transcript"]),
        tags: strings(&e["tags"]),
        grch37,
        grch38,
        details,
    }
}

/// Parses a `/panels/{id}/` response.
pub fn panel_from_json(json: &Value, source: Source) -> PanelData {
    let entities = ["genes", "strs", "regions"]
        .iter()
        .flat_map(|k| json[*k].as_array().cloned().unwrap_or_default())
        .map(|e| entity(&e))
        .collect();
    PanelData {
        source,
        id: json["id"].as_u64().expect("panel id") as u32,
        name: json["name"].as_str().unwrap_or_default().to_owned(),
        version: PanelVersion::parse(json["version"].as_str().unwrap_or("")).expect("version"),
        version_created: text(&json["version_created"]),
        disease_group: text(&json["disease_group"]),
        disease_sub_group: text(&json["disease_sub_group"]),
        relevant_disorders: strings(&json["relevant_disorders"]),
        types: json["types"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        description: text(&json["description"]),
        signed_off: None,
        entities,
    }
}
