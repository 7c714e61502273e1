//! The panel browser and the workbench with PanelApp panels (issues 3 and 4), in headless
//! Chromium against the mock PanelApp serving the real fixtures. Needs the PanelApp GraphQL
//! queries (`panels`, `panel`) of the PanelApp server module.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_searches_panels_and_merges_them_with_an_upload() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::spawn(tests::TestConfig {
        with_web_app: true,
        panelapp: Some(mock.urls()),
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    tests::browser::run_script("panelapp.mjs", &app.address, &[]).await;
}

/// PanelApp down from the start: search results and the staleness banner say the data is the
/// bundled snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_warns_when_panelapp_data_comes_from_a_snapshot() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::spawn(tests::TestConfig {
        with_web_app: true,
        panelapp: Some(mock.urls()),
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    mock.stop();
    tests::browser::run_script("panelapp_stale.mjs", &app.address, &[]).await;
}
