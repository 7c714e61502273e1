//! Every export format written and read back: XLSX with calamine, CSV with csv, BED against
//! the fixture coordinates minus one.

use std::collections::BTreeSet;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::TimeZone;
use serde_json::Value;
use shared::merge::{OwnedMergeResult, PanelSelection, SelectionFilter, merge};
use shared::panelapp::fixtures::{fixture_dir, fixture_panel};
use shared::upload::{GeneList, ListGene};
use shared::{ExportFormat, GeneSymbol, Source};

use super::*;

fn generated_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

/// Panels 635 (green genes) and 402 (everything) with an upload whose name is a formula.
fn fixture_merge() -> OwnedMergeResult {
    let p635 = fixture_panel("uk_panel_635_v2.18.json", Source::Uk);
    let p402 = fixture_panel("uk_panel_402_v8.125.json", Source::Uk);
    let green = SelectionFilter::green();
    let everything = SelectionFilter::everything();
    let upload = GeneList {
        id: "0b9a7c1e-upload".into(),
        name: "=HYPERLINK(\"http://evil\")".into(),
        genes: ["BRCA1", "MYLIST1"]
            .iter()
            .map(|s| ListGene::new(GeneSymbol::parse(s).unwrap(), None))
            .collect(),
    };
    merge(
        &[
            PanelSelection::new(&p635, &green),
            PanelSelection::new(&p402, &everything),
        ],
        &[upload],
    )
    .into_owned()
}

fn request(format: ExportFormat, result: OwnedMergeResult) -> ExportRequest {
    let provenance = Provenance::from_merge(&result, generated_at(), "9.9.9");
    ExportRequest {
        format,
        filename: Some("My panel".into()),
        per_source_sheets: true,
        chr_prefix: true,
        columns: Vec::new(),
        merge: result,
        provenance,
        original_panels: Vec::new(),
    }
}

fn text(data: &Data) -> String {
    match data {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[test]
fn xlsx_has_the_flask_layout_extra_columns_source_sheets_and_provenance() {
    let result = fixture_merge();
    let rendered = render(&request(ExportFormat::Xlsx, result.clone())).unwrap();
    assert_eq!(rendered.filename, "My panel.xlsx");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(rendered.bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Combined list",
            "GB Early onset or syndromic epi",
            "GB Inherited breast cancer and",
            "=HYPERLINK(\"http   evil\")",
            "Provenance"
        ]
    );
    let combined = book.worksheet_range("Combined list").unwrap();
    let rows: Vec<Vec<String>> = combined
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert_eq!(rows[0], combined_header());
    assert_eq!(rows[0][..3], ["GeneSymbol", "Panel(s)", "List type(s)"]);
    assert_eq!(rows.len(), result.total + 1);
    let brca1 = rows.iter().find(|r| r[0] == "BRCA1").unwrap();
    assert_eq!(
        brca1[1], "GB Inherited breast cancer and ovarian cancer, =HYPERLINK(\"http://evil\")",
        "a formula in the middle of a cell is inert"
    );
    assert_eq!(brca1[3], "HGNC:1100");
    assert_eq!(brca1[2], "Green, User upload");
    assert_eq!(brca1[5], "3, n/a");
    assert_eq!(brca1[7], "2.18, n/a");
    let scn1a = rows.iter().find(|r| r[0] == "SCN1A").unwrap();
    assert_eq!(scn1a[1], "GB Early onset or syndromic epilepsy");
    assert_eq!(scn1a[4], "gene");
    let mylist = rows.iter().find(|r| r[0] == "MYLIST1").unwrap();
    assert_eq!(mylist[2], "User upload");
    assert_eq!(mylist[5], "n/a");
    assert_eq!(
        mylist[1], "'=HYPERLINK(\"http://evil\")",
        "formula cells are neutralised"
    );
    assert!(rows.iter().all(|r| !r.iter().any(|c| c.starts_with('='))));
    let symbols: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    let mut sorted = symbols.clone();
    sorted.sort_by_key(|s| s.to_ascii_uppercase());
    assert_eq!(symbols, sorted, "sorted by symbol like the Flask sheet");

    let source = book
        .worksheet_range("GB Inherited breast cancer and")
        .unwrap();
    assert_eq!(source.height(), 8 + 1);
    assert_eq!(text(&source.rows().next().unwrap()[1]), "Entity name");

    let provenance = book.worksheet_range("Provenance").unwrap();
    let cells: Vec<String> = provenance.rows().flatten().map(text).collect();
    for expected in [
        "2026-03-01T12:00:00Z",
        "9.9.9",
        "635",
        "2.18",
        "8.125",
        "Green",
        "Green, Amber, Red, Grey",
        "GENE, STR, REGION",
        "0b9a7c1e-upload",
        "upload",
    ] {
        assert!(
            cells.iter().any(|c| c == expected),
            "{expected} missing: {cells:?}"
        );
    }
}

#[test]
fn csv_and_tsv_carry_the_combined_rows_with_formulas_neutralised() {
    let result = fixture_merge();
    let rendered = render(&request(ExportFormat::Csv, result.clone())).unwrap();
    assert_eq!(rendered.filename, "My panel.csv");
    assert!(rendered.content_type.starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(rendered.bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, combined_header());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), result.total);
    let mylist = records.iter().find(|r| &r[0] == "MYLIST1").unwrap();
    assert_eq!(&mylist[1], "'=HYPERLINK(\"http://evil\")");
    assert!(
        records
            .iter()
            .all(|r| r.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])))
    );
    let moi_conflict = records
        .iter()
        .filter(|r| r[9].contains("MODE_OF_INHERITANCE"))
        .count();
    let expected_conflicts = result
        .genes
        .iter()
        .filter(|g| {
            g.conflicts
                .iter()
                .any(|c| c.kind == shared::merge::ConflictKind::ModeOfInheritance)
        })
        .count();
    assert_eq!(moi_conflict, expected_conflicts);

    let tsv = render(&request(ExportFormat::Tsv, result.clone())).unwrap();
    let text = String::from_utf8(tsv.bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), result.total + 1);
    assert!(lines.iter().all(|l| l.split('\t').count() == 11));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("MYLIST1\t'=HYPERLINK(\"http://evil\")\tUser upload"))
    );
}

#[test]
fn json_holds_provenance_sources_genes_and_overlap() {
    let result = fixture_merge();
    let rendered = render(&request(ExportFormat::Json, result.clone())).unwrap();
    let json: Value = serde_json::from_slice(&rendered.bytes).unwrap();
    assert_eq!(json["provenance"]["generated_at"], "2026-03-01T12:00:00Z");
    assert_eq!(
        json["provenance"]["sources"][0]["version"], "8.125",
        "panels by id"
    );
    assert_eq!(json["provenance"]["sources"][1]["version"], "2.18");
    assert_eq!(json["total"], result.total);
    assert_eq!(json["genes"].as_array().unwrap().len(), result.total);
    assert_eq!(json["overlap"]["pairwise"].as_array().unwrap().len(), 3);
}

/// `(chrom, start, end, name)` straight from the fixture JSON, start minus one.
type BedLine = (String, u64, u64, String);

fn expected_bed(assembly: &str) -> (BTreeSet<BedLine>, BTreeSet<String>) {
    let text = std::fs::read_to_string(fixture_dir().join("uk_panel_402_v8.125.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut lines = BTreeSet::new();
    let mut missing = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for e in json["genes"].as_array().unwrap() {
        // One line per HGNC id: the first entity's location (PROSC repeats PLPBP).
        if !ids.insert(e["gene_data"]["hgnc_id"].as_str().unwrap().to_owned()) {
            continue;
        }
        let releases = e["gene_data"]["ensembl_genes"][assembly]
            .as_object()
            .unwrap();
        let best = releases
            .iter()
            .max_by_key(|(k, _)| k.parse::<u32>().unwrap())
            .unwrap()
            .1;
        let location = best["location"].as_str().unwrap();
        let (chrom, range) = location.split_once(':').unwrap();
        let (start, end) = range.split_once('-').unwrap();
        let symbol = e["gene_data"]["hgnc_symbol"].as_str().unwrap().to_owned();
        let entry = (
            format!("chr{}", if chrom == "MT" { "M" } else { chrom }),
            start.parse::<u64>().unwrap() - 1,
            end.parse().unwrap(),
            symbol,
        );
        lines.insert(entry);
    }
    let key = format!("{}_coordinates", assembly.to_lowercase());
    for e in json["strs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["regions"].as_array().unwrap())
    {
        let name = e["entity_name"].as_str().unwrap().to_owned();
        match e[key.as_str()].as_array() {
            Some(pair) => {
                lines.insert((
                    format!("chr{}", e["chromosome"].as_str().unwrap()),
                    pair[0].as_u64().unwrap() - 1,
                    pair[1].as_u64().unwrap(),
                    name,
                ));
            }
            None => {
                missing.insert(name);
            }
        }
    }
    (lines, missing)
}

fn bed_of_402(format: ExportFormat, chr_prefix: bool) -> Rendered {
    let p402 = fixture_panel("uk_panel_402_v8.125.json", Source::Uk);
    let everything = SelectionFilter::everything();
    let result = merge(&[PanelSelection::new(&p402, &everything)], &[]).into_owned();
    let mut req = request(format, result);
    req.chr_prefix = chr_prefix;
    render(&req).unwrap()
}

#[test]
fn bed_matches_the_fixture_coordinates_minus_one_on_both_assemblies() {
    for (format, assembly) in [
        (ExportFormat::BedGrch37, "GRch37"),
        (ExportFormat::BedGrch38, "GRch38"),
    ] {
        let rendered = bed_of_402(format, true);
        let text = String::from_utf8(rendered.bytes).unwrap();
        let (expected, missing) = expected_bed(assembly);
        // The panel lists HGNC:9457 twice (PLPBP and PROSC): one merged row, one line (the
        // set above holds it once too).
        let data: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        let actual: BTreeSet<BedLine> = data
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                assert_eq!(f.len(), 4, "{l}");
                (
                    f[0].to_owned(),
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                    f[3].to_owned(),
                )
            })
            .collect();
        let only_actual: Vec<_> = actual.difference(&expected).collect();
        let only_expected: Vec<_> = expected.difference(&actual).collect();
        assert!(
            only_actual.is_empty() && only_expected.is_empty(),
            "{assembly}: extra {only_actual:?}, missing {only_expected:?}"
        );
        assert_eq!(data.len(), actual.len(), "no duplicate lines");
        let reported: BTreeSet<String> = rendered
            .report
            .without_coordinates
            .iter()
            .cloned()
            .collect();
        assert_eq!(reported, missing, "{assembly}");
        if !missing.is_empty() {
            let header = text.lines().nth(1).unwrap();
            assert!(header.starts_with(&format!("# {} entries without", missing.len())));
        }
        // Sorted: chromosome in natural order, then start.
        let rank = |c: &str| match c.trim_start_matches("chr") {
            "X" => 23,
            "Y" => 24,
            "M" => 25,
            n => n.parse::<u32>().unwrap(),
        };
        let keys: Vec<(u32, u64)> = data
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (rank(f[0]), f[1].parse().unwrap())
            })
            .collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{assembly} sorted");
        assert_eq!(
            rendered.filename,
            format!("My panel.{}", format.extension())
        );
    }
    let bare = String::from_utf8(bed_of_402(ExportFormat::BedGrch38, false).bytes).unwrap();
    assert!(
        bare.lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| !l.starts_with("chr"))
    );
}

#[test]
fn filenames_are_sanitised_and_get_the_format_extension() {
    let at = generated_at();
    let f = |name: Option<&str>, format| sanitize_filename(name, format, at);
    // Path separators become dashes: the words stay, nothing escapes the name.
    assert_eq!(
        f(Some("R15/trio panel v3"), ExportFormat::Csv),
        "R15-trio panel v3.csv"
    );
    assert_eq!(
        f(Some("R15 (epilepsy/trio) panel v3"), ExportFormat::Csv),
        "R15 (epilepsy-trio) panel v3.csv"
    );
    assert_eq!(
        f(Some("../../etc/passwd"), ExportFormat::Xlsx),
        "etc-passwd.xlsx"
    );
    assert_eq!(
        f(Some("C:\\x\\genes.xlsx"), ExportFormat::Xlsx),
        "C-x-genes.xlsx"
    );
    // Reserved and control characters; invisible bidirectional overrides are dropped.
    assert_eq!(f(Some("a\r\nb\"c|d?*<>"), ExportFormat::Csv), "a b-c-d.csv");
    assert_eq!(
        f(Some("gene\u{202E}vsc.exe"), ExportFormat::Csv),
        "genevsc.exe.csv"
    );
    // Unicode letters stay.
    assert_eq!(
        f(Some("Épilepsie – panel ü"), ExportFormat::Tsv),
        "Épilepsie – panel ü.tsv"
    );
    assert_eq!(f(Some("..hidden"), ExportFormat::Tsv), "hidden.tsv");
    assert_eq!(f(Some("CON"), ExportFormat::Csv), "_CON.csv");
    assert_eq!(
        f(Some("panel.GRCh38.bed"), ExportFormat::BedGrch38),
        "panel.GRCh38.bed"
    );
    assert_eq!(f(Some("panel.csv"), ExportFormat::Json), "panel.json");
    for blank in ["   ", "///", "..", "\u{202E}"] {
        assert_eq!(
            f(Some(blank), ExportFormat::Xlsx),
            "panelmerge_gene_list_2026-03-01.xlsx"
        );
    }
    assert_eq!(
        f(None, ExportFormat::Csv),
        "panelmerge_gene_list_2026-03-01.csv"
    );
    // Bounded, at a word boundary where there is one.
    assert_eq!(f(Some(&"x".repeat(500)), ExportFormat::Csv).len(), 120 + 4);
    let words = "panel ".repeat(40);
    let long = f(Some(&words), ExportFormat::Csv);
    assert!(long.chars().count() <= 124, "{long}");
    assert!(long.ends_with("panel.csv"), "{long}");
    let unicode = f(Some(&"é".repeat(300)), ExportFormat::Csv);
    assert_eq!(unicode.chars().count(), 120 + 4);
}

#[test]
fn content_disposition_has_an_ascii_fallback_and_the_utf8_name() {
    assert_eq!(
        content_disposition("R15-trio panel v3.csv"),
        "attachment; filename=\"R15-trio panel v3.csv\"; filename*=UTF-8''R15-trio%20panel%20v3.csv"
    );
    assert_eq!(
        content_disposition("Épilepsie.csv"),
        "attachment; filename=\"_pilepsie.csv\"; filename*=UTF-8''%C3%89pilepsie.csv"
    );
}

#[test]
fn neutralise_prefixes_only_formula_starts() {
    for bad in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
        assert_eq!(neutralise(bad), format!("'{bad}"));
    }
    for fine in ["BRCA1", "a=b", "", "GB Clefting"] {
        assert_eq!(neutralise(fine), fine);
    }
}

/// The Flask layout of UK 635 + 402 + 398 (green and amber genes, through the real PanelApp
/// parser) against the workbook Flask's Generate wrote from the same fixtures, cell for cell
/// (the e2e test does the same through the server).
#[test]
fn the_flask_layout_matches_the_workbook_flask_wrote() {
    let panel = |file: &str| {
        let bytes = std::fs::read(fixture_dir().join(file)).unwrap();
        std::sync::Arc::new(shared::panelapp::parse_panel(&bytes, Source::Uk).unwrap())
    };
    let panels = [
        panel("uk_panel_635_v2.18.json"),
        panel("uk_panel_402_v8.125.json"),
        panel("uk_panel_398_v8.78.json"),
    ];
    let filter = SelectionFilter::green_and_amber();
    let selections: Vec<_> = panels
        .iter()
        .map(|p| PanelSelection::new(p, &filter))
        .collect();
    let result = merge(&selections, &[]).into_owned();
    let mut request = request(ExportFormat::XlsxFlask, result);
    request.original_panels = panels.to_vec();
    let rendered = render(&request).unwrap();
    assert_eq!(rendered.report.rows, 1240);
    let read = |bytes: Vec<u8>| -> Vec<(String, Vec<Vec<String>>)> {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        book.sheet_names()
            .into_iter()
            .map(|name| {
                let range = book.worksheet_range(&name).unwrap();
                let rows = range
                    .rows()
                    .map(|r| {
                        let mut row: Vec<String> = r.iter().map(text).collect();
                        while row.last().is_some_and(String::is_empty) {
                            row.pop();
                        }
                        row
                    })
                    .collect();
                (name, rows)
            })
            .collect()
    };
    let flask = read(
        std::fs::read(
            fixture_dir().join("../flask-v1.5/generate_uk635_uk402_uk398_green_amber.xlsx"),
        )
        .unwrap(),
    );
    let ours = read(rendered.bytes);
    let names =
        |s: &[(String, Vec<Vec<String>>)]| s.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ours), names(&flask));
    for ((name, a), (_, b)) in ours.iter().zip(&flask) {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert_eq!(x, y, "{name} row {}", i + 1);
        }
        assert_eq!(a.len(), b.len(), "rows of {name}");
    }
}
