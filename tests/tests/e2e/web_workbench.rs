//! The workbench a lab can rely on (issue 17, points 4 and 5), in headless Chromium against the
//! mock PanelApp: the panel page's evidence and type choices are what "Add to workbench" adds;
//! the workbench comes back after a reload and in a new tab; an identical re-upload asks first.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_adds_what_the_panel_page_chooses() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    tests::browser::run_script("panel_choice.mjs", &app.address, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_workbench_survives_reload_and_new_tab_and_asks_before_a_copy() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    tests::browser::run_script("workbench_survives.mjs", &app.address, &[]).await;
}

/// Issue 17.6: leaving staged edits asks first; words a geneticist uses; delete asks and can be
/// undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_guards_staged_edits_and_deletes_only_when_confirmed() {
    let app = tests::TestApp::web(None).await;
    app.create_user("ines", shared::Role::User).await;
    tests::browser::run_script(
        "saved_edits.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "ines"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// Issue 17.9 (part): R-codes, selected tabs and toggles that look selected, a read-only notice
/// for a VIEW recipient.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shows_codes_selection_and_read_only_state() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("olga", shared::Role::User).await;
    app.create_user("viktor", shared::Role::User).await;
    tests::browser::run_script(
        "small_items.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "olga"),
            ("RECIPIENT_UNDER_TEST", "viktor"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}
