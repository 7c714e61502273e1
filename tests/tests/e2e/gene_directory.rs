//! The gene directory is always there and says what is true (issue 17, points 2 and 3; issue
//! 16, points 2 and 10): the server fills it by itself in the background and reports its
//! progress; symbols it can not verify are UNVERIFIED from upload to export (with why);
//! aliases and previous symbols map to the current symbol with the reason; gene look-ups say per
//! instance whether they answered; a panel whose details fail to load is not "no such panel".

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::Role;
use tests::client::error_code;
use tests::mock_panelapp::FaultKind;
use tests::{Backend, MockPanelApp, TestApp, TestConfig};

use crate::panelapp_shared::{SnapshotPanelApp, complete_snapshot};

const STATUS: &str = "{ panelAppStatus { source genesCompleteDate geneDirectory { automatic \
    running panelsRead panelsTotal failed complete lastCompleteSync lastError } } }";
const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id \
    genes { nodes { symbol hgncId row verification { status reason note } } } \
    diagnostics { row value kind reason message suggestion } } }";
const MERGE: &str = "query($input: MergeInput!) { mergePreview(input: $input) { \
    genes { nodes { symbol hgncId grch38 { chrom start } verification { status reason note } } } } }";
const CREATE: &str = "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }";
const EDIT: &str = "mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) \
    { currentVersion } }";
const SAVED: &str = "query($id: ID!, $v: Int) { savedPanel(id: $id) { \
    genes(version: $v) { nodes { symbol hgncId verification { status reason note } } } \
    unverifiedGenes(version: $v) { symbol } } }";
const EXPORT_MERGE: &str = "mutation($input: MergeInput!, $format: ExportFormat!) { \
    exportMerge(input: $input, format: $format, filename: \"Lab panel\") { url } }";
const EXPORT_SAVED: &str = "mutation($id: ID!, $v: Int, $format: ExportFormat!) { \
    exportSavedPanel(id: $id, version: $v, format: $format) { url } }";
const LOOKUP: &str = "query($s: String!) { geneLookup(symbol: $s) { symbol \
    hits { source panelId dataOrigin } \
    sources { source dataOrigin answered complete reason } } }";
const PANEL: &str =
    "query($src: PanelSource!, $id: Int!) { panel(source: $src, id: $id) { name } }";

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A complete snapshot (every listed panel has its detail) in which KMT2D lists MLL2 as a
/// previous symbol, as HGNC and PanelApp do.
fn snapshot_with_previous_symbols(dir: &Path) {
    complete_snapshot(dir);
    let file = dir.join("uk/panels/398.json");
    let mut panel: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let mut found = false;
    for gene in panel["genes"].as_array_mut().unwrap() {
        if gene["gene_data"]["hgnc_symbol"] == "KMT2D" {
            gene["gene_data"]["hgnc_previous_symbols"] = json!(["MLL2"]);
            found = true;
        }
    }
    assert!(found, "KMT2D is in UK 398");
    std::fs::write(&file, serde_json::to_vec(&panel).unwrap()).unwrap();
}

/// A server on `backend` that syncs the gene directory by itself from `upstream`.
async fn syncing_app(
    backend: Backend,
    upstream: &SnapshotPanelApp,
    share_with: Option<tests::SharedStore>,
) -> Option<TestApp> {
    TestApp::spawn(TestConfig {
        backend: Some(backend),
        panelapp: Some(upstream.urls()),
        share_with,
        vars: vars(&[("GENE_DIRECTORY_SYNC_INTERVAL", "3600")]),
        ..TestConfig::default()
    })
    .await
}

/// Waits (polling the API, at most a minute) until both instances' directories are complete.
async fn until_complete(app: &TestApp) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = app.client.data(STATUS, json!({})).await;
        let all = status["panelAppStatus"].as_array().unwrap();
        // Complete and no sync still running (a complete snapshot index can say "complete"
        // before the first sync has read anything).
        if all.iter().all(|s| {
            let d = &s["geneDirectory"];
            d["complete"] == true
                && d["running"] == false
                && d["panelsRead"] == d["panelsTotal"]
                && s["genesCompleteDate"].is_string()
        }) {
            return status;
        }
        assert!(Instant::now() < deadline, "never complete: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn panels_in(dir: &Path, instance: &str) -> i64 {
    std::fs::read_dir(dir.join(instance).join("panels"))
        .unwrap()
        .count() as i64
}

async fn upload(client: &tests::GraphqlClient, name: &str, text: &str) -> Value {
    let (status, body) = client
        .multipart(
            UPLOAD,
            json!({ "file": null }),
            vec![("variables.file", name, text.as_bytes().to_vec())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["uploadGeneList"].clone()
}

fn by_symbol<'a>(genes: &'a Value, symbol: &str) -> &'a Value {
    genes
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["symbol"] == symbol)
        .unwrap_or_else(|| panic!("{symbol} not in {genes}"))
}

async fn download(app: &TestApp, link: &Value) -> Vec<u8> {
    let url = format!("{}{}", app.address, link["url"].as_str().unwrap());
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// The cell of `column` in the row of `symbol` of a CSV or TSV export.
fn cell(text: &str, separator: char, symbol: &str, column: &str) -> String {
    let rows: Vec<Vec<String>> = if separator == ',' {
        crate::provenance::csv_records(text)
    } else {
        text.lines()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    };
    let at = rows[0]
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no {column} in {:?}", rows[0]));
    rows.iter()
        .find(|r| r[0] == symbol)
        .unwrap_or_else(|| panic!("{symbol} not in {text}"))[at]
        .clone()
}

fn xlsx_cell(bytes: &[u8], symbol: &str, column: &str) -> String {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let at = rows[0].iter().position(|h| h == column).unwrap();
    rows.iter()
        .find(|r| r[0] == symbol)
        .unwrap_or_else(|| panic!("{symbol} not in the workbook"))[at]
        .clone()
}

/// No CLI: the server reads every panel of both instances by itself, reports its progress per
/// instance, and from then on an unknown symbol is "unknown to HGNC". With Redis, one of two
/// instances syncs; the other shows the result and loads the gene index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_fills_the_gene_directory_by_itself_and_reports_its_progress() {
    for backend in [Backend::Sqlite, Backend::PostgresRedis] {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("complete");
        complete_snapshot(&snap);
        let upstream = SnapshotPanelApp::start(snap.clone()).await;
        let Some(a) = syncing_app(backend, &upstream, None).await else {
            continue;
        };
        let b = match backend {
            Backend::PostgresRedis => Some(
                syncing_app(backend, &upstream, Some(a.store.clone()))
                    .await
                    .unwrap(),
            ),
            Backend::Sqlite => None,
        };
        let status = until_complete(&a).await;
        for (s, instance) in status["panelAppStatus"]
            .as_array()
            .unwrap()
            .iter()
            .zip(["uk", "au"])
        {
            let d = &s["geneDirectory"];
            let total = panels_in(&snap, instance);
            assert_eq!(d["automatic"], true, "{status}");
            assert_eq!(d["running"], false, "{status}");
            assert_eq!(
                (d["panelsRead"].as_i64(), d["panelsTotal"].as_i64()),
                (Some(total), Some(total)),
                "{status}"
            );
            assert_eq!(d["failed"], 0);
            assert!(d["lastCompleteSync"].is_string(), "{status}");
            assert_eq!(d["lastError"], Value::Null);
            assert!(s["genesCompleteDate"].is_string(), "{status}");
        }
        use server::genelists::upload::SymbolResolver;
        assert!(a.state.panelapp.genes().is_complete());
        // Every panel detail was asked of PanelApp once, even with two instances.
        if let Some(b) = &b {
            until_complete(b).await;
            assert!(b.state.panelapp.genes().is_complete());
        }
        for id in ["402", "398", "635"] {
            assert_eq!(
                upstream.calls_to(&format!("/uk/panels/{id}")),
                1,
                "{backend:?}: panel {id} read once"
            );
        }
        let list = upload(&a.client, "genes.txt", "BRCA1\nNOTAGENE9\n").await;
        let d = &list["diagnostics"];
        let flagged: Vec<_> = d
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "UNVERIFIED")
            .collect();
        assert_eq!(flagged.len(), 1, "{list}");
        assert_eq!(flagged[0]["value"], "NOTAGENE9");
        assert_eq!(flagged[0]["row"], 2);
        assert_eq!(flagged[0]["reason"], "UNKNOWN_TO_HGNC");
        // With Redis, a new instance does not read everything again: the directory is
        // complete and fresh in the shared cache.
        if backend == Backend::PostgresRedis {
            drop(b);
            let calls = upstream.calls_to("/panels/");
            let c = syncing_app(backend, &upstream, Some(a.store.clone()))
                .await
                .unwrap();
            until_complete(&c).await;
            assert!(c.state.panelapp.genes().is_complete());
            assert_eq!(upstream.calls_to("/panels/"), calls, "nothing re-read");
        }
    }
}

/// FAKEGENE7 in an upload and NOTREAL99 added by hand are UNVERIFIED in the diagnostics, the
/// merge, the saved panel (every version, with `unverifiedGenes` for the notice) and every
/// export; MLL2 maps to KMT2D with the reason; BRCA1 from the upload alone gets its coordinates
/// from the directory for BED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unverified_symbols_are_marked_from_upload_to_export() {
    for backend in [Backend::Sqlite, Backend::PostgresRedis] {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("complete");
        snapshot_with_previous_symbols(&snap);
        let upstream = SnapshotPanelApp::start(snap.clone()).await;
        let Some(app) = syncing_app(backend, &upstream, None).await else {
            continue;
        };
        until_complete(&app).await;
        let lab = app.logged_in("scientist", Role::User).await;
        let list = upload(&lab, "in-house.csv", "Gene\nBRCA1\nFAKEGENE7\nMLL2\n").await;
        let diagnostics = list["diagnostics"].as_array().unwrap();
        let fake = diagnostics
            .iter()
            .find(|d| d["value"] == "FAKEGENE7")
            .unwrap_or_else(|| panic!("{list}"));
        assert_eq!(
            (&fake["kind"], fake["row"].as_i64(), &fake["reason"]),
            (&json!("UNVERIFIED"), Some(3), &json!("UNKNOWN_TO_HGNC")),
            "{fake}"
        );
        let mll2 = diagnostics.iter().find(|d| d["value"] == "MLL2").unwrap();
        assert_eq!(mll2["kind"], "ALIAS");
        assert_eq!(mll2["message"], "MLL2 → KMT2D (previous symbol)");
        assert_eq!(mll2["suggestion"], "KMT2D");
        let genes = &list["genes"]["nodes"];
        assert_eq!(
            by_symbol(genes, "FAKEGENE7")["verification"]["status"],
            "UNVERIFIED"
        );
        assert_eq!(
            by_symbol(genes, "KMT2D")["verification"],
            json!({ "status": "ALIAS_MAPPED", "reason": null,
                    "note": "MLL2 → KMT2D (previous symbol)" })
        );
        assert_eq!(
            by_symbol(genes, "BRCA1")["verification"]["status"],
            "VERIFIED"
        );

        let upload_id = list["id"].clone();
        let input = json!({
            "panels": [{ "source": "UK", "id": 635, "confidence": ["GREEN", "AMBER", "RED"] }],
            "uploads": [upload_id]
        });
        let merged = lab.data(MERGE, json!({ "input": input })).await;
        let genes = &merged["mergePreview"]["genes"]["nodes"];
        let fake = by_symbol(genes, "FAKEGENE7");
        assert_eq!(fake["verification"]["status"], "UNVERIFIED");
        assert_eq!(fake["verification"]["reason"], "UNKNOWN_TO_HGNC");
        assert_eq!(
            by_symbol(genes, "KMT2D")["verification"]["note"],
            "MLL2 → KMT2D (previous symbol)"
        );
        assert_eq!(
            by_symbol(genes, "BRCA1")["verification"]["status"],
            "VERIFIED"
        );

        // Saved, then NOTREAL99 and the previous symbol MLL2 added by hand.
        let created = lab
            .data(
                CREATE,
                json!({ "i": { "name": "Trio panel", "merge": input } }),
            )
            .await;
        let id = created["createSavedPanel"]["id"].clone();
        let edited = lab
            .data(
                EDIT,
                json!({ "id": id, "i": { "basedOnVersion": 1, "comment": "by hand",
                    "addGenes": [{ "symbol": "NOTREAL99" }] } }),
            )
            .await;
        assert_eq!(edited["updateSavedPanel"]["currentVersion"], 2);
        let v2 = lab.data(SAVED, json!({ "id": id, "v": 2 })).await;
        let genes = &v2["savedPanel"]["genes"]["nodes"];
        assert_eq!(
            by_symbol(genes, "NOTREAL99")["verification"],
            json!({ "status": "UNVERIFIED", "reason": "UNKNOWN_TO_HGNC",
                    "note": "NOTREAL99 is not a known HGNC symbol, alias or previous symbol (the gene directory is complete)" })
        );
        assert_eq!(
            by_symbol(genes, "FAKEGENE7")["verification"]["status"],
            "UNVERIFIED"
        );
        let mut flagged: Vec<_> = v2["savedPanel"]["unverifiedGenes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["symbol"].as_str().unwrap().to_owned())
            .collect();
        flagged.sort();
        assert_eq!(flagged, ["FAKEGENE7", "NOTREAL99"]);
        // KMT2D (uploaded as MLL2) keeps its mapping and reason in the saved version.
        assert_eq!(
            by_symbol(genes, "KMT2D")["verification"]["status"],
            "ALIAS_MAPPED"
        );
        // Version 1 keeps its own flags.
        let v1 = lab.data(SAVED, json!({ "id": id, "v": 1 })).await;
        assert_eq!(
            v1["savedPanel"]["unverifiedGenes"],
            json!([{ "symbol": "FAKEGENE7" }])
        );

        // Every export carries the marker: merge and saved panel, CSV, TSV and Excel.
        let note = "UNVERIFIED: FAKEGENE7 is not a known HGNC symbol, alias or previous symbol \
                    (the gene directory is complete)";
        for (format, separator) in [("CSV", ','), ("TSV", '\t')] {
            let link = lab
                .data(EXPORT_MERGE, json!({ "input": input, "format": format }))
                .await;
            let text = String::from_utf8(download(&app, &link["exportMerge"]).await).unwrap();
            assert_eq!(cell(&text, separator, "FAKEGENE7", "Verification"), note);
            assert_eq!(cell(&text, separator, "BRCA1", "Verification"), "VERIFIED");
            let link = lab
                .data(EXPORT_SAVED, json!({ "id": id, "v": 2, "format": format }))
                .await;
            let text = String::from_utf8(download(&app, &link["exportSavedPanel"]).await).unwrap();
            assert_eq!(cell(&text, separator, "FAKEGENE7", "Verification"), note);
            assert!(
                cell(&text, separator, "NOTREAL99", "Verification").starts_with("UNVERIFIED: "),
                "{text}"
            );
            assert_eq!(
                cell(&text, separator, "KMT2D", "Verification"),
                "ALIAS_MAPPED: MLL2 → KMT2D (previous symbol)"
            );
        }
        let link = lab
            .data(EXPORT_SAVED, json!({ "id": id, "v": 2, "format": "XLSX" }))
            .await;
        let book = download(&app, &link["exportSavedPanel"]).await;
        assert_eq!(xlsx_cell(&book, "FAKEGENE7", "Verification"), note);
        assert_eq!(xlsx_cell(&book, "BRCA1", "Verification"), "VERIFIED");
        // BED: BRCA1 came from the upload only here (UK 635 is not in this merge's BED check
        // when it lists BRCA1 itself), so check an upload-only merge: coordinates come from
        // the gene directory; FAKEGENE7 has none and is listed as missing.
        let upload_only = json!({ "panels": [], "uploads": [upload_id] });
        let merged = lab.data(MERGE, json!({ "input": upload_only })).await;
        let brca1 = by_symbol(&merged["mergePreview"]["genes"]["nodes"], "BRCA1");
        assert_eq!(brca1["grch38"]["chrom"], "17", "{brca1}");
        let link = lab
            .data(
                EXPORT_MERGE,
                json!({ "input": upload_only, "format": "BED_GRCH38" }),
            )
            .await;
        let bed = String::from_utf8(download(&app, &link["exportMerge"]).await).unwrap();
        assert!(
            bed.lines()
                .any(|l| l.starts_with("chr17\t") && l.contains("BRCA1")),
            "{bed}"
        );
        assert!(
            bed.contains("FAKEGENE7"),
            "listed as without coordinates: {bed}"
        );
    }
}

/// PanelApp down and nothing cached: the look-up says per instance that it did not answer
/// (never a silent empty list); genes of the bundled snapshot's panels are answered from there
/// and marked partial.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gene_lookups_say_whether_each_instance_answered() {
    let mock = MockPanelApp::start().await;
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    // Up: PanelApp answers (LIVE), complete.
    let up = app.client.data(LOOKUP, json!({ "s": "PKD1" })).await;
    let sources = &up["geneLookup"]["sources"];
    assert_eq!(sources[0]["dataOrigin"], "LIVE", "{up}");
    assert_eq!(sources[1]["dataOrigin"], "LIVE", "{up}");
    assert!(
        sources
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["answered"] == true && s["complete"] == true)
    );
    // Down.
    mock.fault("/genes/", FaultKind::Status(503), 100);
    let down = app.client.data(LOOKUP, json!({ "s": "TTN" })).await;
    let found = &down["geneLookup"];
    assert_eq!(found["hits"], json!([]), "{down}");
    for (s, (code, name)) in found["sources"]
        .as_array()
        .unwrap()
        .iter()
        .zip([("UK", "PanelApp UK"), ("AU", "PanelApp Australia")])
    {
        assert_eq!(s["source"], code);
        assert_eq!(s["dataOrigin"], "UNAVAILABLE", "{down}");
        assert_eq!(s["answered"], false);
        let reason = s["reason"].as_str().unwrap();
        assert!(
            reason.contains(&format!("{name} unreachable, no cached answer")),
            "{reason}"
        );
    }
    // SCN1A is in a panel of the bundled snapshot: answered from there, and said to be partial.
    let partial = app.client.data(LOOKUP, json!({ "s": "SCN1A" })).await;
    let uk = &partial["geneLookup"]["sources"][0];
    assert_eq!(uk["dataOrigin"], "SNAPSHOT", "{partial}");
    assert_eq!(
        (uk["answered"].as_bool(), uk["complete"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(
        uk["reason"]
            .as_str()
            .unwrap()
            .contains("other panels may list the gene")
    );
    assert!(
        partial["geneLookup"]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["panelId"] == 402),
        "{partial}"
    );
    // panelsByGene keeps answering the hits alone.
    let hits = app
        .client
        .data("{ panelsByGene(symbol: \"TTN\") { panelId } }", json!({}))
        .await;
    assert_eq!(hits["panelsByGene"], json!([]));
}

/// UK 1141 is in the catalogue (69 genes) but its details can not be loaded: the API says
/// UPSTREAM_UNAVAILABLE with the reason, never "no such panel"; a panel PanelApp does not list
/// is NOT_FOUND.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_panel_that_fails_to_load_is_not_reported_missing() {
    let mock = MockPanelApp::start().await;
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    // The catalogue is read first (as the panel browser does).
    app.client
        .data("{ panels(source: UK, first: 1) { totalCount } }", json!({}))
        .await;
    let failed = app
        .client
        .query(PANEL, json!({ "src": "UK", "id": 1141 }))
        .await;
    assert_eq!(
        error_code(&failed),
        Some("UPSTREAM_UNAVAILABLE"),
        "{failed}"
    );
    let message = failed["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "PanelApp UK: panel 1141 is listed in the catalogue, but its details could not be \
             loaded"
        ),
        "{message}"
    );
    assert!(
        failed["errors"][0]["extensions"]["reason"].is_string(),
        "{failed}"
    );
    assert_eq!(failed["data"]["panel"], Value::Null);
    // A server error is the same, with PanelApp's reason.
    mock.fault("/panels/402/", FaultKind::Status(500), 100);
    let failed = app
        .client
        .query(PANEL, json!({ "src": "UK", "id": 402 }))
        .await;
    // (The bundled snapshot holds 402: served from there, marked SNAPSHOT.)
    assert!(failed.get("errors").is_none(), "{failed}");
    let missing = app
        .client
        .query(PANEL, json!({ "src": "UK", "id": 999_999 }))
        .await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");
    assert_eq!(
        missing["errors"][0]["message"],
        "PanelApp UK panel 999999 not found"
    );
}
