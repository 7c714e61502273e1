//! The merge of real panels 635 and 402 with an upload equals the union computed here
//! independently, straight from the PanelApp JSON.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::tests::{list, merge};
use super::*;
use crate::panelapp::fixtures::{fixture_dir, fixture_panel};
use crate::{Confidence, EntityType, Source};

fn raw(file: &str) -> Value {
    let text = std::fs::read_to_string(fixture_dir().join(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Key → labels, from the raw JSON: HGNC id for genes, `str:`/`region:` + name otherwise.
fn expected_from_json(
    json: &Value,
    label: &str,
    levels: &[&str],
    kinds: &[&str],
    into: &mut BTreeMap<String, BTreeSet<String>>,
) {
    for section in ["genes", "strs", "regions"] {
        for e in json[section].as_array().unwrap() {
            let kind = e["entity_type"].as_str().unwrap();
            let level = e["confidence_level"].as_str().unwrap();
            if !levels.contains(&level) || !kinds.contains(&kind) {
                continue;
            }
            let name = e["entity_name"].as_str().unwrap().to_ascii_uppercase();
            let key = match kind {
                "gene" => e["gene_data"]["hgnc_id"].as_str().unwrap().to_owned(),
                other => format!("{other}:{name}"),
            };
            into.entry(key).or_default().insert(label.to_owned());
        }
    }
}

#[test]
fn panels_635_and_402_with_an_upload_equal_the_independent_union() {
    let p635 = fixture_panel("uk_panel_635_v2.18.json", Source::Uk);
    let p402 = fixture_panel("uk_panel_402_v8.125.json", Source::Uk);
    let green = SelectionFilter::green();
    let everything = SelectionFilter::everything();
    // BRCA1 (no id) must join HGNC:1100 from panel 635; SCN1A with its id joins panel 402;
    // NOTAGENE1 is only in the upload; the lower-case repeat collapses.
    let upload = list(
        "u1",
        "Lab list",
        &[
            ("BRCA1", None),
            ("SCN1A", Some(10585)),
            ("NOTAGENE1", None),
            ("notagene1", None),
        ],
    );
    let result = merge(
        &[
            PanelSelection::new(&p402, &everything),
            PanelSelection::new(&p635, &green),
        ],
        &[upload],
    );

    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    expected_from_json(
        &raw("uk_panel_635_v2.18.json"),
        "GB Inherited breast cancer and ovarian cancer",
        &["3", "4"],
        &["gene"],
        &mut expected,
    );
    expected_from_json(
        &raw("uk_panel_402_v8.125.json"),
        "GB Early onset or syndromic epilepsy",
        &["4", "3", "2", "1", "0"],
        &["gene", "str", "region"],
        &mut expected,
    );
    for key in ["HGNC:1100", "HGNC:10585"] {
        expected
            .entry(key.to_owned())
            .or_default()
            .insert("Lab list".into());
    }
    expected
        .entry("symbol:NOTAGENE1".into())
        .or_default()
        .insert("Lab list".into());

    let actual: BTreeMap<String, BTreeSet<String>> = result
        .genes
        .iter()
        .map(|g| {
            let key = match &g.key {
                GeneKey::Str(name) => format!("str:{name}"),
                GeneKey::Region(name) => format!("region:{name}"),
                other => other.to_string(),
            };
            (key, g.sources.iter().map(|s| s.label.to_string()).collect())
        })
        .collect();
    assert_eq!(actual, expected);
    // Panel 402: 892 genes (PLPBP and PROSC are one HGNC id), 4 STRs and 19 regions.
    assert_eq!(result.total, expected.len());
    let epilepsy = &result.sources[0];
    assert_eq!(epilepsy.entities, 892 + 4 + 19);
    assert_eq!(epilepsy.duplicates, 1, "PLPBP and PROSC are one gene");
    assert_eq!(epilepsy.types, EntityType::ALL);
    assert_eq!(result.sources[1].confidence, [Confidence::Green]);
    let plpbp = result.genes.iter().find(|g| g.symbol == "PLPBP").unwrap();
    assert_eq!(plpbp.sources[0].confidence, Some(Confidence::Green));
    let brca1 = result.genes.iter().find(|g| g.symbol == "BRCA1").unwrap();
    assert_eq!(brca1.sources.len(), 2);
    assert!(brca1.grch38.is_some(), "coordinates come from the panel");
    let pairs = &result.overlap.pairwise;
    let shared_635_402 = result
        .genes
        .iter()
        .filter(|g| g.source_indices().starts_with(&[0, 1]))
        .count();
    assert_eq!(pairs[0][1], shared_635_402);
}
