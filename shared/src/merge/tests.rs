//! Unit tests of the merge engine on small hand-made panels and lists.

use super::*;
use crate::upload::{GeneList, ListGene};
use crate::{
    Confidence, EntityDetails, EntityType, GeneSymbol, HgncId, Locus, PanelData, PanelEntity,
    PanelVersion, Source,
};

/// Merges and detaches the result, so inputs may be temporaries.
pub(super) fn merge(panels: &[PanelSelection<'_>], lists: &[GeneList]) -> MergeResult<'static> {
    super::merge(panels, lists).into_owned()
}

pub(super) fn gene(symbol: &str, hgnc: Option<u32>, confidence: Confidence) -> PanelEntity {
    PanelEntity {
        entity_type: EntityType::Gene,
        name: symbol.to_owned(),
        symbol: Some(GeneSymbol::parse(symbol).unwrap()),
        hgnc_id: hgnc.map(|n| HgncId::parse(&n.to_string()).unwrap()),
        gene_name: None,
        aliases: Vec::new(),
        previous_symbols: Vec::new(),
        omim: Vec::new(),
        confidence,
        mode_of_inheritance: None,
        mode_of_pathogenicity: None,
        penetrance: None,
        phenotypes: Vec::new(),
        evidence: Vec::new(),
        publications: Vec::new(),
        transcripts: Vec::new(),
        tags: Vec::new(),
        grch37: None,
        grch38: None,
        details: EntityDetails::Gene,
    }
}

pub(super) fn panel(source: Source, id: u32, name: &str, entities: Vec<PanelEntity>) -> PanelData {
    PanelData {
        version_created: Some("2026-01-01T00:00:00Z".to_owned()),
        entities,
        ..PanelData::bare(source, id, name, PanelVersion::new(1, 0))
    }
}

pub(super) fn list(id: &str, name: &str, genes: &[(&str, Option<u32>)]) -> GeneList {
    GeneList {
        id: id.to_owned(),
        name: name.to_owned(),
        genes: genes
            .iter()
            .map(|(s, h)| {
                ListGene::new(
                    GeneSymbol::parse(s).unwrap(),
                    h.map(|n| HgncId::parse(&n.to_string()).unwrap()),
                )
            })
            .collect(),
    }
}

fn symbols<'r>(result: &'r MergeResult<'_>) -> Vec<&'r str> {
    result.genes.iter().map(|g| g.symbol.as_str()).collect()
}

#[test]
fn genes_are_keyed_by_hgnc_id_and_carry_every_source() {
    let a = panel(
        Source::Uk,
        1,
        "Clefting",
        vec![
            gene("BRCA1", Some(1100), Confidence::Green),
            gene("TP53", Some(11998), Confidence::Amber),
        ],
    );
    let b = panel(
        Source::Au,
        7,
        "Cancer",
        vec![gene("BRCA1", Some(1100), Confidence::Red)],
    );
    let upload = list("u1", "My list", &[("brca1", None), ("NEWGENE", None)]);
    let all = SelectionFilter::everything();
    let result = merge(
        &[PanelSelection::new(&b, &all), PanelSelection::new(&a, &all)],
        &[upload],
    );
    assert_eq!(symbols(&result), ["BRCA1", "NEWGENE", "TP53"]);
    let brca1 = &result.genes[0];
    assert_eq!(brca1.key.to_string(), "HGNC:1100");
    let labels: Vec<_> = brca1.sources.iter().map(|s| &*s.label).collect();
    assert_eq!(
        labels,
        ["GB Clefting", "AUS Cancer", "My list"],
        "canonical order"
    );
    let types: Vec<_> = brca1.sources.iter().map(|s| &*s.list_type).collect();
    assert_eq!(types, ["Green", "Red", "User upload"]);
    assert_eq!(brca1.conflicts[0].kind, ConflictKind::Rating);
    assert_eq!(result.genes[1].key.to_string(), "symbol:NEWGENE");
    assert_eq!(result.sources[2].unique, 1);
    assert_eq!(result.sources[0].genes, 2);
    assert_eq!(result.sources[0].by_confidence.amber, 1);
}

#[test]
fn filters_pick_levels_and_entity_types() {
    let mut str_entity = gene("FXN", Some(3951), Confidence::Green);
    str_entity.entity_type = EntityType::Str;
    str_entity.name = "FXN_GAA".to_owned();
    let mut region = gene("X", None, Confidence::Green);
    region.entity_type = EntityType::Region;
    region.name = "ISCA-37404-Loss".to_owned();
    region.symbol = None;
    let p = panel(
        Source::Uk,
        1,
        "P",
        vec![
            gene("FXN", Some(3951), Confidence::Green),
            gene("GREY1", Some(5), Confidence::Grey),
            str_entity,
            region,
        ],
    );
    let green = SelectionFilter::green();
    let r = merge(&[PanelSelection::new(&p, &green)], &[]);
    assert_eq!(symbols(&r), ["FXN"]);
    let everything = SelectionFilter::everything();
    let r = merge(&[PanelSelection::new(&p, &everything)], &[]);
    assert_eq!(symbols(&r), ["FXN", "FXN_GAA", "GREY1", "ISCA-37404-Loss"]);
    let str_row = r.genes.iter().find(|g| g.symbol == "FXN_GAA").unwrap();
    assert_eq!(str_row.entity_type, EntityType::Str);
    assert_eq!(
        str_row.key,
        GeneKey::Str("FXN_GAA".into()),
        "an STR is not its gene"
    );
}

#[test]
fn duplicates_inside_one_panel_collapse_keeping_the_best_rating() {
    let mut plpbp = gene("PLPBP", Some(9457), Confidence::Grey);
    plpbp.phenotypes = vec!["Epilepsy".into()];
    let mut prosc = gene("PROSC", Some(9457), Confidence::Green);
    prosc.phenotypes = vec!["Epilepsy".into(), "Seizures".into()];
    let p = panel(Source::Uk, 402, "Epilepsy", vec![plpbp, prosc]);
    let all = SelectionFilter::everything();
    let r = merge(&[PanelSelection::new(&p, &all)], &[]);
    assert_eq!(r.total, 1);
    let row = &r.genes[0];
    assert_eq!(row.sources.len(), 1);
    assert_eq!(row.sources[0].confidence, Some(Confidence::Green));
    assert_eq!(*row.sources[0].phenotypes, ["Epilepsy", "Seizures"]);
    assert_eq!(r.sources[0].duplicates, 1);
    assert_eq!(r.sources[0].entities, 2);
    assert!(
        row.conflicts
            .iter()
            .any(|c| c.kind == ConflictKind::HgncSymbols && c.values == ["PLPBP", "PROSC"])
    );
    assert_eq!(row.symbol, "PLPBP", "tie → alphabetically first");
}

#[test]
fn conflicting_inheritance_and_shared_symbols_are_flagged() {
    let mut a = gene("ABC1", Some(10), Confidence::Green);
    a.mode_of_inheritance = Some("BIALLELIC, autosomal or pseudoautosomal".into());
    let mut b = gene("ABC1", Some(10), Confidence::Green);
    b.mode_of_inheritance = Some("MONOALLELIC, autosomal or pseudoautosomal".into());
    let mut c = gene("ABC1", Some(10), Confidence::Green);
    c.mode_of_inheritance = Some("Unknown".into());
    let other = gene("ABC1", Some(99), Confidence::Green);
    let p1 = panel(Source::Uk, 1, "One", vec![a]);
    let p2 = panel(Source::Uk, 2, "Two", vec![b]);
    let p3 = panel(Source::Uk, 3, "Three", vec![c, other]);
    let f = SelectionFilter::everything();
    let r = merge(
        &[
            PanelSelection::new(&p1, &f),
            PanelSelection::new(&p2, &f),
            PanelSelection::new(&p3, &f),
        ],
        &[list("u", "List", &[("ABC1", None)])],
    );
    assert_eq!(r.total, 3, "HGNC:10, HGNC:99 and the unresolvable symbol");
    let moi = r.genes[0]
        .conflicts
        .iter()
        .find(|c| c.kind == ConflictKind::ModeOfInheritance)
        .expect("moi conflict");
    assert_eq!(moi.values.len(), 2, "Unknown is not a conflicting value");
    for row in &r.genes {
        assert!(
            row.conflicts.iter().any(
                |c| c.kind == ConflictKind::SymbolHgncIds && c.values == ["HGNC:10", "HGNC:99"]
            ),
            "{row:?}"
        );
    }
}

#[test]
fn uploads_without_ids_join_the_panel_gene_of_their_symbol() {
    let p = panel(
        Source::Uk,
        1,
        "P",
        vec![gene("BRCA2", Some(1101), Confidence::Green)],
    );
    let f = SelectionFilter::green();
    let r = merge(
        &[PanelSelection::new(&p, &f)],
        &[list("u", "L", &[("BRCA2", None)])],
    );
    assert_eq!(r.total, 1);
    assert_eq!(r.genes[0].hgnc_id.unwrap().number(), 1101);
    assert_eq!(r.overlap.combinations[0].sources, [0, 1]);
    assert_eq!(r.overlap.pairwise, [[1, 1], [1, 1]]);
}

#[test]
fn overlap_counts_exclusive_sets_and_pairs() {
    let f = SelectionFilter::everything();
    let p = panel(
        Source::Uk,
        1,
        "P",
        vec![
            gene("A1", Some(1), Confidence::Green),
            gene("B1", Some(2), Confidence::Green),
            gene("C1", Some(3), Confidence::Green),
        ],
    );
    let r = merge(
        &[PanelSelection::new(&p, &f)],
        &[
            list(
                "u1",
                "L1",
                &[("B1", Some(2)), ("C1", Some(3)), ("D1", None)],
            ),
            list("u2", "L2", &[("C1", Some(3))]),
        ],
    );
    let sets: Vec<_> = r
        .overlap
        .combinations
        .iter()
        .map(|s| (s.sources.clone(), s.count))
        .collect();
    assert_eq!(
        sets,
        [
            (vec![0], 1),
            (vec![1], 1),
            (vec![0, 1], 1),
            (vec![0, 1, 2], 1)
        ]
    );
    assert_eq!(r.overlap.pairwise[0], [3, 2, 1]);
    assert_eq!(r.overlap.pairwise[1], [2, 3, 1]);
    assert_eq!(r.overlap.pairwise[2], [1, 1, 1]);
}

#[test]
fn same_labels_are_told_apart_and_same_panel_twice_takes_both_filters() {
    let mut v2 = panel(
        Source::Uk,
        1,
        "P",
        vec![gene("A1", Some(1), Confidence::Amber)],
    );
    v2.version = PanelVersion::new(2, 0);
    let v1 = panel(
        Source::Uk,
        1,
        "P",
        vec![gene("A1", Some(1), Confidence::Amber)],
    );
    let green = SelectionFilter::green();
    let amber = SelectionFilter::new(&[Confidence::Amber], &[EntityType::Gene]);
    let r = merge(
        &[
            PanelSelection::new(&v2, &green),
            PanelSelection::new(&v1, &green),
            PanelSelection::new(&v1, &amber),
        ],
        &[list("b", "Same", &[]), list("a", "Same", &[])],
    );
    let labels: Vec<_> = r.sources.iter().map(|s| &*s.label).collect();
    assert_eq!(labels, ["GB P v1.0", "GB P v2.0", "Same (1)", "Same (2)"]);
    assert_eq!(
        r.sources[0].confidence,
        [Confidence::Green, Confidence::Amber]
    );
    assert_eq!(r.total, 1, "v2 selected green only, v1 green and amber");
    assert_eq!(r.sources[2].upload_id.as_deref(), Some("a"));
}

#[test]
fn loci_come_from_the_first_source_that_has_them() {
    let mut with = gene("A1", Some(1), Confidence::Green);
    with.grch38 = Some(Locus {
        chrom: "1".into(),
        start: 100,
        end: 200,
        ensembl_id: None,
    });
    let p1 = panel(
        Source::Uk,
        1,
        "P1",
        vec![gene("A1", Some(1), Confidence::Green)],
    );
    let p2 = panel(Source::Uk, 2, "P2", vec![with]);
    let f = SelectionFilter::everything();
    let r = merge(
        &[PanelSelection::new(&p1, &f), PanelSelection::new(&p2, &f)],
        &[],
    );
    assert_eq!(r.genes[0].grch38.as_ref().unwrap().start, 100);
    assert!(r.genes[0].grch37.is_none());
}

#[test]
fn empty_inputs_give_an_empty_result() {
    let r = merge(&[], &[]);
    assert_eq!(r, MergeResult::default());
}

#[test]
fn results_serialise_for_the_browser() {
    let r = merge(&[], &[list("u", "L", &[("BRCA1", Some(1100))])]);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["genes"][0]["key"],
        serde_json::json!({"kind": "hgnc", "value": "HGNC:1100"})
    );
    assert_eq!(json["sources"][0]["kind"], "UPLOAD");
    let back: MergeResult = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
}
