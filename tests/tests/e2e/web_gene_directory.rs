//! Issue 17.2/17.3 in headless Chromium: an unknown symbol is visibly UNVERIFIED from upload to
//! export, and the gene look-up and the panel page say what is true when PanelApp fails.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use tests::mock_panelapp::FaultKind;
use tests::{MockPanelApp, TestApp, TestConfig};

use crate::panelapp_shared::{SnapshotPanelApp, complete_snapshot};

/// The server syncs its gene directory by itself (KMT2D with its previous symbol MLL2); the
/// browser uploads FAKEGENE7 and MLL2 and follows them to the saved panel's CSV.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shows_an_unknown_symbol_unverified_from_upload_to_export() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("complete");
    complete_snapshot(&snap);
    let file = snap.join("uk/panels/398.json");
    let mut panel: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    for gene in panel["genes"].as_array_mut().unwrap() {
        if gene["gene_data"]["hgnc_symbol"] == "KMT2D" {
            gene["gene_data"]["hgnc_previous_symbols"] = json!(["MLL2"]);
        }
    }
    std::fs::write(&file, serde_json::to_vec(&panel).unwrap()).unwrap();
    let upstream = SnapshotPanelApp::start(snap).await;
    let app = TestApp::spawn(TestConfig {
        with_web_app: true,
        panelapp: Some(upstream.urls()),
        vars: BTreeMap::from([("GENE_DIRECTORY_SYNC_INTERVAL".to_owned(), "3600".to_owned())]),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    use server::genelists::upload::SymbolResolver;
    while !app.state.panelapp.genes().is_complete() {
        assert!(
            Instant::now() < deadline,
            "the gene directory never completed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.create_user("scientist", shared::Role::User).await;
    tests::browser::run_script(
        "unverified.mjs",
        &app.address,
        &[
            ("PART", "upload"),
            ("USERNAME_UNDER_TEST", "scientist"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// PanelApp's gene search fails and UK 1141's details are missing: the page says the look-up
/// is unavailable (not "No panel lists this gene") and the panel could not be loaded, with a
/// retry (not "There is no such panel").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_says_when_panelapp_could_not_answer() {
    let mock = MockPanelApp::start().await;
    let app = TestApp::web(Some(mock.urls())).await;
    mock.fault("/genes/", FaultKind::Status(503), 1000);
    tests::browser::run_script("unverified.mjs", &app.address, &[("PART", "truthful")]).await;
}
