//! Saving a merge keeps its provenance: a saved panel's genes keep every source (PanelApp
//! panel and version, rating, inheritance, upload and row) and conflict, through edits,
//! restore and every export format; and file names made from panel names keep their words.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use serde_json::{Value, json};
use shared::Role;
use tests::{GraphqlClient, TestApp, TestConfig};

const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id name } }";
const CREATE: &str = "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id currentVersion geneCount } }";
const EXPORT_MERGE: &str = "mutation($input: MergeInput!, $format: ExportFormat!) { \
    exportMerge(input: $input, format: $format, filename: \"Lab panel\", perSourceSheets: true) \
    { url filename rows } }";
const EXPORT_SAVED: &str = "mutation($id: ID!, $version: Int, $format: ExportFormat!, $filename: String) { \
    exportSavedPanel(id: $id, version: $version, format: $format, filename: $filename, perSourceSheets: true) \
    { url filename rows } }";
const GENES: &str = "query($id: ID!, $v: Int) { savedPanel(id: $id) { genes(version: $v) { nodes { symbol \
    customConfidence sourcesRecorded \
    sourceDetails { sourceIndex label kind source panelId version name confidence listType \
      modeOfInheritance uploadRow addedBy } \
    conflicts { kind message values } } } } }";

async fn download(app: &TestApp, link: &Value) -> (String, Vec<u8>) {
    let url = format!("{}{}", app.address, link["url"].as_str().unwrap());
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (disposition, response.bytes().await.unwrap().to_vec())
}

fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

fn gene<'a>(genes: &'a Value, symbol: &str) -> &'a Value {
    genes
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["symbol"] == symbol)
        .unwrap_or_else(|| panic!("{symbol} missing"))
}

/// The records of a CSV (RFC 4180 quoting).
pub(crate) fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

fn csv_row(csv: &str, symbol: &str) -> Vec<String> {
    csv_records(csv)
        .into_iter()
        .find(|r| r[0] == symbol)
        .unwrap_or_else(|| panic!("{symbol} not in {csv}"))
}

async fn export_saved(
    client: &GraphqlClient,
    id: &Value,
    version: Option<i64>,
    format: &str,
) -> Value {
    client
        .data(
            EXPORT_SAVED,
            json!({ "id": id, "version": version, "format": format }),
        )
        .await["exportSavedPanel"]
        .clone()
}

/// UK 402 + UK 398 (the real fixtures, through the real PanelApp client and a mock PanelApp)
/// plus an in-house CSV: the merge's exports and the saved panel's exports are the same cell
/// by cell, CREBBP's two modes of inheritance stay a conflict, the upload row is kept, and
/// edits, restore and diff keep every other gene's sources.
#[tokio::test]
async fn a_saved_merge_exports_exactly_what_the_merge_exported() {
    let mock = tests::MockPanelApp::start().await;
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let lab = app.logged_in("scientist", Role::User).await;
    let (_, uploaded) = lab
        .multipart(
            UPLOAD,
            json!({ "file": null }),
            vec![(
                "variables.file",
                "in-house.csv",
                b"Gene\nCREBBP\nBRCA1\nSCN1A\n".to_vec(),
            )],
        )
        .await;
    let upload_id = uploaded["data"]["uploadGeneList"]["id"].clone();
    assert!(upload_id.is_string(), "{uploaded}");
    let input = json!({ "panels": [
        { "source": "UK", "id": 402, "version": "8.125", "confidence": ["GREEN", "AMBER"] },
        { "source": "UK", "id": 398, "version": "8.78", "confidence": ["GREEN", "AMBER"] }
    ], "uploads": [upload_id] });

    let created = lab
        .data(
            CREATE,
            json!({ "i": { "name": "Epilepsy and immunodeficiency", "merge": input } }),
        )
        .await["createSavedPanel"]
        .clone();
    let id = created["id"].clone();

    // The API: every gene's sources and conflicts, typed.
    let genes = lab.data(GENES, json!({ "id": id })).await["savedPanel"]["genes"]["nodes"].clone();
    let crebbp = gene(&genes, "CREBBP");
    assert_eq!(crebbp["sourcesRecorded"], true);
    let details = crebbp["sourceDetails"].as_array().unwrap();
    let described: Vec<_> = details
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap(),
                d["panelId"].as_i64(),
                d["version"].as_str(),
                d["confidence"].as_str(),
                d["uploadRow"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            ("PANEL", Some(398), Some("8.78"), Some("GREEN"), None),
            ("PANEL", Some(402), Some("8.125"), Some("GREEN"), None),
            ("UPLOAD", None, None, None, Some(2)),
        ],
        "{crebbp:#}"
    );
    assert_eq!(details[2]["name"], "in-house");
    assert_eq!(
        details[0]["modeOfInheritance"],
        "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown"
    );
    assert_eq!(crebbp["conflicts"][0]["kind"], "MODE_OF_INHERITANCE");
    assert_eq!(
        crebbp["conflicts"][0]["values"].as_array().unwrap().len(),
        2
    );
    assert_eq!(gene(&genes, "BRCA1")["sourceDetails"][0]["uploadRow"], 3);

    // Exports: the merge's (made now, from the same data) against the saved panel's.
    for format in ["XLSX", "CSV", "TSV", "JSON", "BED_GRCH38"] {
        let merged = lab
            .data(EXPORT_MERGE, json!({ "input": input, "format": format }))
            .await["exportMerge"]
            .clone();
        let saved = export_saved(&lab, &id, None, format).await;
        assert_eq!(merged["rows"], saved["rows"], "{format}");
        let (_, merged_bytes) = download(&app, &merged).await;
        let (_, saved_bytes) = download(&app, &saved).await;
        match format {
            "XLSX" => {
                let a = sheets(&merged_bytes);
                let b = sheets(&saved_bytes);
                let names = |s: &[(String, Vec<Vec<String>>)]| {
                    s.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
                };
                // No sheet is named after the saved panel: the names are the sources'.
                assert_eq!(names(&a), names(&b));
                assert_eq!(names(&a).len(), 5, "{:?}", names(&a));
                for ((name, rows_a), (_, rows_b)) in a.iter().zip(&b) {
                    if name == "Provenance" {
                        // Row 0 is the generation time; the saved export adds the saved
                        // version's facts below the sources table. The Origin column says
                        // how each panel's data was obtained: the saved panel keeps what its
                        // own merge used ("live"), while this later merge was served from
                        // the cache. Every other cell is the same.
                        let origin = rows_a[5].iter().position(|h| h == "Origin").unwrap();
                        let mask = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
                            rows.iter()
                                .map(|r| {
                                    let mut r = r.clone();
                                    r[origin].clear();
                                    r
                                })
                                .collect()
                        };
                        assert_eq!(mask(&rows_a[1..]), mask(&rows_b[1..rows_a.len()]), "{name}");
                        let origins = |rows: &[Vec<String>]| -> Vec<String> {
                            rows[6..9].iter().map(|r| r[origin].clone()).collect()
                        };
                        assert_eq!(origins(rows_a), ["cache", "cache", "upload"]);
                        assert_eq!(origins(rows_b), ["live", "live", "upload"]);
                        let extra: Vec<&str> = rows_b[rows_a.len()..]
                            .iter()
                            .filter(|r| !r[0].is_empty())
                            .map(|r| r[0].as_str())
                            .collect();
                        assert_eq!(
                            extra,
                            [
                                "Saved panel",
                                "Saved panel version",
                                "Version saved at (UTC)",
                                "Version SHA-256"
                            ]
                        );
                    } else {
                        assert_eq!(rows_a, rows_b, "sheet {name}");
                    }
                }
                let combined = &b[0].1;
                let header = &combined[0];
                let row = combined.iter().find(|r| r[0] == "CREBBP").unwrap();
                let col = |title: &str| header.iter().position(|h| h == title).unwrap();
                assert_eq!(row[col("Panel version(s)")], "8.78, 8.125, n/a");
                assert!(row[col("Conflicts")].starts_with("MODE_OF_INHERITANCE"));
                assert_eq!(row[col("Sources")], "3");
            }
            "CSV" | "TSV" => {
                assert_eq!(
                    String::from_utf8(merged_bytes.clone()).unwrap(),
                    String::from_utf8(saved_bytes).unwrap(),
                    "{format}"
                );
                if format == "CSV" {
                    let text = String::from_utf8(merged_bytes).unwrap();
                    let row = csv_row(&text, "CREBBP");
                    assert!(row[1].contains("in-house"), "{row:?}");
                    assert!(row[9].contains("MODE_OF_INHERITANCE"), "{row:?}");
                }
            }
            "JSON" => {
                let a: Value = serde_json::from_slice(&merged_bytes).unwrap();
                let b: Value = serde_json::from_slice(&saved_bytes).unwrap();
                for key in ["total", "sources", "genes", "overlap"] {
                    assert_eq!(a[key], b[key], "{key}");
                }
                // As in the Provenance sheet, only the origin of the panels' data differs.
                let without_origin = |v: &Value| -> Value {
                    let mut v = v["provenance"]["sources"].clone();
                    for s in v.as_array_mut().unwrap() {
                        s.as_object_mut().unwrap().remove("origin");
                    }
                    v
                };
                assert_eq!(without_origin(&a), without_origin(&b));
                assert_eq!(b["provenance"]["sources"][0]["origin"], "live");
                assert_eq!(b["provenance"]["saved_panel"]["version"], 1);
                let brca1 = b["genes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|g| g["symbol"] == "BRCA1")
                    .unwrap();
                assert_eq!(brca1["sources"][0]["upload_row"], 3);
            }
            _ => {
                let text = |b: &[u8]| {
                    String::from_utf8(b.to_vec())
                        .unwrap()
                        .lines()
                        .skip(1)
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                };
                assert_eq!(text(&merged_bytes), text(&saved_bytes), "{format}");
            }
        }
    }
    let v1_csv = download(&app, &export_saved(&lab, &id, Some(1), "CSV").await)
        .await
        .1;

    // Edits keep every other gene's sources; a gene added by hand says who added it.
    lab.data(
        "mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion } }",
        json!({ "id": id, "i": { "basedOnVersion": 1, "comment": "lab review",
            "addGenes": [{ "symbol": "ZNF99" }],
            "updateGenes": [{ "symbol": "CREBBP", "customConfidence": "AMBER", "notes": "reviewed" }] } }),
    )
    .await;
    let v2 =
        lab.data(GENES, json!({ "id": id, "v": 2 })).await["savedPanel"]["genes"]["nodes"].clone();
    let crebbp2 = gene(&v2, "CREBBP");
    assert_eq!(crebbp2["sourceDetails"], crebbp["sourceDetails"]);
    assert_eq!(crebbp2["conflicts"], crebbp["conflicts"]);
    assert_eq!(crebbp2["customConfidence"], "AMBER");
    let znf = gene(&v2, "ZNF99");
    assert_eq!(znf["sourceDetails"][0]["label"], "Added by scientist");
    assert_eq!(znf["sourceDetails"][0]["addedBy"], "scientist");
    assert_eq!(znf["sourceDetails"][0]["listType"], "Added by hand");
    let v2_csv = String::from_utf8(
        download(&app, &export_saved(&lab, &id, Some(2), "CSV").await)
            .await
            .1,
    )
    .unwrap();
    assert!(
        v2_csv.starts_with(
            "GeneSymbol,Panel(s),List type(s),HGNC ID,Entity type,Confidence level(s),\
             Mode(s) of inheritance,Panel version(s),Sources,Conflicts,Verification,\
             Lab rating,Lab mode of inheritance,Lab notes"
        ),
        "{v2_csv}"
    );
    let row = csv_row(&v2_csv, "CREBBP");
    assert_eq!(row[7], "8.78, 8.125, n/a");
    assert!(row[9].contains("MODE_OF_INHERITANCE"));
    assert_eq!(row[10], "VERIFIED");
    assert_eq!(row[11..], ["Amber", "", "reviewed"]);
    let row = csv_row(&v2_csv, "ZNF99");
    assert_eq!(row[1..3], ["Added by scientist", "Added by hand"]);

    // The diff names the change; restoring version 1 gives its exports back exactly.
    let diff = lab
        .data(
            "query($id: ID!) { savedPanel(id: $id) { diff(from: 1, to: 2) { added { symbol } changed { symbol field } } } }",
            json!({ "id": id }),
        )
        .await["savedPanel"]["diff"]
        .clone();
    assert_eq!(diff["added"], json!([{ "symbol": "ZNF99" }]));
    assert!(
        diff["changed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["symbol"] == "CREBBP"),
        "{diff}"
    );
    lab.data(
        "mutation($id: ID!) { restoreVersion(id: $id, version: 1) { currentVersion } }",
        json!({ "id": id }),
    )
    .await;
    let v3_csv = download(&app, &export_saved(&lab, &id, Some(3), "CSV").await)
        .await
        .1;
    assert_eq!(
        String::from_utf8(v3_csv).unwrap(),
        String::from_utf8(v1_csv).unwrap()
    );
}

/// A saved panel whose genes were saved before sources were recorded (a version-1 snapshot
/// written the old way) still exports, naming the saved panel as the clearly labelled source.
#[tokio::test]
async fn versions_saved_without_sources_still_export_labelled_as_the_saved_panel() {
    let app = TestApp::sqlite().await;
    let lab = app.logged_in("scientist", Role::User).await;
    let id = lab
        .data(
            CREATE,
            json!({ "i": { "name": "Old panel", "genes": [
                { "symbol": "BRCA1", "confidence": "GREEN", "sources": ["uk-635@2.18"] }
            ] } }),
        )
        .await["createSavedPanel"]["id"]
        .clone();
    // Rewrite version 1 as an old server stored it: genes without origins, format 1.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let row = entity::panel_versions::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut old = shared::saved::SavedGene::new(shared::GeneSymbol::parse("BRCA1").unwrap());
    old.confidence = Some(shared::Confidence::Green);
    old.sources = vec!["uk-635@2.18".into()];
    let (blob, hash) = server::saved::snapshot::encode(&[old]).unwrap();
    let mut update: entity::panel_versions::ActiveModel = row.into();
    update.snapshot = Set(Some(blob));
    update.snapshot_hash = Set(Some(hash));
    update.snapshot_format = Set(1);
    update.update(&app.state.db).await.unwrap();

    let genes = lab.data(GENES, json!({ "id": id })).await["savedPanel"]["genes"]["nodes"].clone();
    let brca1 = gene(&genes, "BRCA1");
    assert_eq!(brca1["sourcesRecorded"], false);
    assert_eq!(
        brca1["sourceDetails"][0]["label"],
        "Old panel v1 (saved panel; sources not recorded)"
    );
    let csv = String::from_utf8(
        download(&app, &export_saved(&lab, &id, None, "CSV").await)
            .await
            .1,
    )
    .unwrap();
    let row = csv_row(&csv, "BRCA1");
    assert_eq!(row[1], "Old panel v1 (saved panel; sources not recorded)");
    assert_eq!(row[2], "Green");
}

/// "R15/trio panel v3" downloads as "R15-trio panel v3.csv" (not a cut-off name), in both
/// `filename` and `filename*`, and the audit row records the same full name.
#[tokio::test]
async fn panel_names_with_slashes_keep_their_words_in_file_names() {
    let app = TestApp::sqlite().await;
    let lab = app.logged_in("scientist", Role::User).await;
    let id = lab
        .data(
            CREATE,
            json!({ "i": { "name": "R15/trio panel v3", "genes": [{ "symbol": "BRCA1" }] } }),
        )
        .await["createSavedPanel"]["id"]
        .clone();
    let named = lab
        .data(
            EXPORT_SAVED,
            json!({ "id": id, "format": "CSV", "filename": "R15/trio panel v3" }),
        )
        .await["exportSavedPanel"]
        .clone();
    assert_eq!(named["filename"], "R15-trio panel v3.csv");
    let (disposition, _) = download(&app, &named).await;
    assert_eq!(
        disposition,
        "attachment; filename=\"R15-trio panel v3.csv\"; filename*=UTF-8''R15-trio%20panel%20v3.csv"
    );
    // Without a filename, the panel's name and version.
    let default = export_saved(&lab, &id, None, "XLSX").await;
    assert_eq!(default["filename"], "R15-trio panel v3 v1.xlsx");
    let (disposition, _) = download(&app, &default).await;
    assert!(
        disposition.ends_with("filename*=UTF-8''R15-trio%20panel%20v3%20v1.xlsx"),
        "{disposition}"
    );
    // Unicode letters stay, in filename*; the ASCII fallback replaces them.
    let unicode = lab
        .data(
            EXPORT_SAVED,
            json!({ "id": id, "format": "CSV", "filename": "Épilepsie/trio" }),
        )
        .await["exportSavedPanel"]
        .clone();
    assert_eq!(unicode["filename"], "Épilepsie-trio.csv");
    let (disposition, _) = download(&app, &unicode).await;
    assert_eq!(
        disposition,
        "attachment; filename=\"_pilepsie-trio.csv\"; filename*=UTF-8''%C3%89pilepsie-trio.csv"
    );
    // The audit trail names the same full file.
    let rows = app.audit_rows(None).await;
    for name in ["R15-trio panel v3.csv", "R15-trio panel v3 v1.xlsx"] {
        assert!(
            rows.iter()
                .any(|r| r.resource_id.as_deref() == Some(name)
                    || r.action_description.contains(name)),
            "no audit row names {name}: {:?}",
            rows.iter()
                .map(|r| (&r.action_description, &r.resource_id))
                .collect::<Vec<_>>()
        );
    }
}
