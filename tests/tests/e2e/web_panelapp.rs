//! The panel browser and the workbench with PanelApp panels (issues 3 and 4), in headless
//! Chromium against the mock PanelApp serving the real fixtures. Needs the PanelApp GraphQL
//! queries (`panels`, `panel`) of the PanelApp server module.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_searches_panels_and_merges_them_with_an_upload() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    tests::browser::run_script("panelapp.mjs", &app.address, &[]).await;
}

/// PanelApp down from the start: search results and the staleness banner say the data is the
/// bundled snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_warns_when_panelapp_data_comes_from_a_snapshot() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    mock.stop();
    tests::browser::run_script("panelapp_stale.mjs", &app.address, &[]).await;
}

/// The admin's PanelApp page: status per instance, refresh one and both; each refresh audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_admin_sees_and_refreshes_panelapp_data() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("root", shared::Role::Admin).await;
    tests::browser::run_script(
        "admin_panelapp.mjs",
        &app.address,
        &[("ADMIN_USER", "root"), ("PASSWORD", tests::PASSWORD)],
    )
    .await;
    if !tests::browser::ready() {
        return;
    }

    let refreshes: Vec<_> = app
        .audit_rows(Some(shared::AuditAction::CacheClear))
        .await
        .into_iter()
        .map(|row| (row.username, row.success, row.resource_id))
        .collect();
    let mut refreshed: Vec<_> = refreshes
        .iter()
        .filter(|(user, success, _)| user.as_deref() == Some("root") && *success)
        .filter_map(|(_, _, resource)| resource.clone())
        .collect();
    refreshed.sort();
    assert_eq!(
        refreshed,
        ["all", "uk"],
        "one successful audit row per refresh: {refreshes:?}"
    );
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
}
