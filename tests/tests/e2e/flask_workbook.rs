//! The Flask-compatible workbook (`XLSX_FLASK`) against the workbook Flask v1.5's "Generate"
//! wrote for UK 635 + 402 + 398, green and amber genes, with original panels
//! (tests/fixtures/flask-v1.5), from the same PanelApp fixtures the mock serves: sheet for
//! sheet, header for header, row for row, by cell value (styling is not compared). No cell
//! of that workbook depends on when it was made (Flask wrote no generation date into cells),
//! so every value is compared exactly.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use serde_json::{Value, json};
use shared::Role;
use tests::{TestApp, TestConfig, repo_root};

const EXPORT_MERGE: &str = "mutation($input: MergeInput!, $format: ExportFormat!, $sheets: Boolean) { \
    exportMerge(input: $input, format: $format, perSourceSheets: $sheets) { url filename rows } }";
const CREATE: &str = "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }";
const EXPORT_SAVED: &str = "mutation($id: ID!, $format: ExportFormat!) { \
    exportSavedPanel(id: $id, format: $format) { url filename rows } }";

type Sheets = Vec<(String, Vec<Vec<String>>)>;

/// Every sheet's cell values as text, in sheet order. A missing cell and an empty text cell
/// read the same (Flask wrote empty strings as empty cells), so trailing empties are dropped.
fn sheets(bytes: &[u8]) -> Sheets {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    let mut row: Vec<String> = r.iter().map(|c| c.to_string()).collect();
                    while row.last().is_some_and(String::is_empty) {
                        row.pop();
                    }
                    row
                })
                .collect();
            (name, rows)
        })
        .collect()
}

fn flask_workbook() -> Sheets {
    let path =
        repo_root().join("tests/fixtures/flask-v1.5/generate_uk635_uk402_uk398_green_amber.xlsx");
    sheets(&std::fs::read(path).unwrap())
}

/// Compares two workbooks sheet for sheet, header for header, row for row, naming the first
/// difference.
fn assert_same(ours: &Sheets, flask: &Sheets) {
    let names = |s: &Sheets| s.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(ours), names(flask), "sheet names");
    for ((name, our_rows), (_, flask_rows)) in ours.iter().zip(flask) {
        assert_eq!(our_rows[0], flask_rows[0], "header of {name}");
        for (i, (a, b)) in our_rows.iter().zip(flask_rows).enumerate() {
            assert_eq!(a, b, "{name} row {}", i + 1);
        }
        assert_eq!(our_rows.len(), flask_rows.len(), "rows of {name}");
    }
}

async fn download(app: &TestApp, link: &Value) -> Vec<u8> {
    let url = format!("{}{}", app.address, link["url"].as_str().unwrap());
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

fn flask_selection() -> Value {
    let panel = |id: u32, version: &str| {
        json!({ "source": "UK", "id": id, "version": version,
                "confidence": ["GREEN", "AMBER"], "types": ["GENE"] })
    };
    // Flask's panel slots 1, 2, 3.
    json!({ "panels": [panel(635, "2.18"), panel(402, "8.125"), panel(398, "8.78")] })
}

#[tokio::test]
async fn the_flask_layout_reads_as_the_workbook_flask_generated() {
    let mock = tests::MockPanelApp::start().await;
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let flask = flask_workbook();
    let input = flask_selection();

    // Anonymous, like Flask's Generate; original panels are included by default, as Flask's
    // "Include original panels" box was ticked by default.
    let link = app
        .client
        .data(
            EXPORT_MERGE,
            json!({ "input": input, "format": "XLSX_FLASK" }),
        )
        .await["exportMerge"]
        .clone();
    assert_eq!(link["rows"], 1240, "{link}");
    assert!(link["filename"].as_str().unwrap().ends_with(".xlsx"));
    let ours = sheets(&download(&app, &link).await);
    assert_same(&ours, &flask);
    // Spot checks of what the comparison covered: Flask's sheet names (27 characters of
    // the label, then the slot), a gene in two panels, the selection's list type.
    assert_eq!(ours[1].0, "GB Inherited breast cancer  (1)");
    let combined = &ours[0].1;
    assert_eq!(combined[0], ["GeneSymbol", "Panel(s)", "List type(s)"]);
    assert_eq!(ours[2].1.len(), 893, "every gene of UK 402, red ones too");

    // Without original panels: the combined list alone.
    let link = app
        .client
        .data(
            EXPORT_MERGE,
            json!({ "input": input, "format": "XLSX_FLASK", "sheets": false }),
        )
        .await["exportMerge"]
        .clone();
    let only = sheets(&download(&app, &link).await);
    assert_same(&only, &flask[..1].to_vec());

    // A saved panel of the same merge: the same combined list, except that a saved version
    // does not keep the order the panels were selected in (its sources are in PanelApp id
    // order), so panel names within a cell and the slot numbers of the sheet names follow
    // that order; its panel sheets hold the genes the version kept from each panel (green and
    // amber), with the cells Flask wrote.
    let lab = app.logged_in("scientist", Role::User).await;
    let created = lab
        .data(
            CREATE,
            json!({ "i": { "name": "Flask trio", "merge": input } }),
        )
        .await["createSavedPanel"]
        .clone();
    let link = lab
        .data(
            EXPORT_SAVED,
            json!({ "id": created["id"], "format": "XLSX_FLASK" }),
        )
        .await["exportSavedPanel"]
        .clone();
    let saved = sheets(&download(&app, &link).await);
    let unordered = |rows: &[Vec<String>]| -> Vec<Vec<Vec<String>>> {
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|cell| {
                        let mut parts: Vec<String> = cell.split(", ").map(str::to_owned).collect();
                        parts.sort();
                        parts
                    })
                    .collect()
            })
            .collect()
    };
    assert_eq!(saved[0].0, "Combined list");
    assert_eq!(unordered(&saved[0].1), unordered(&flask[0].1));
    let stem = |name: &str| name.rsplit_once(" (").map(|(s, _)| s.to_owned()).unwrap();
    let mut saved_panels: Vec<_> = saved[1..].iter().collect();
    saved_panels.sort_by_key(|(name, _)| stem(name));
    let mut flask_panels: Vec<_> = flask[1..].iter().collect();
    flask_panels.sort_by_key(|(name, _)| stem(name));
    assert_eq!(saved_panels.len(), flask_panels.len());
    for ((name, rows), (flask_name, flask_rows)) in saved_panels.into_iter().zip(flask_panels) {
        assert_eq!(stem(name), stem(flask_name));
        assert_eq!(rows[0], flask_rows[0], "header of {name}");
        let mut kept: Vec<&Vec<String>> = flask_rows[1..]
            .iter()
            .filter(|r| r[2] == "3" || r[2] == "2")
            .collect();
        let mut ours: Vec<&Vec<String>> = rows[1..].iter().collect();
        kept.sort();
        ours.sort();
        assert_eq!(ours, kept, "{name}");
    }
}
