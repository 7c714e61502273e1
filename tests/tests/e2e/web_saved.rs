//! Saved panels in the web app (issue 6): create, edit with a previewed diff, compare versions,
//! a refused stale edit, share a link and open it logged out — in headless Chromium.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_creates_edits_diffs_and_shares_a_saved_panel() {
    let app = tests::TestApp::spawn(tests::TestConfig {
        with_web_app: true,
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    app.create_user("carol", shared::Role::User).await;
    tests::browser::run_script(
        "saved_panels.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "carol"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// The upload-only workbench (no PanelApp needed): upload, diagnostics, in-browser merge,
/// download, save as panel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_workbench_merges_uploads_downloads_and_saves() {
    let app = tests::TestApp::spawn(tests::TestConfig {
        with_web_app: true,
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    app.create_user("dave", shared::Role::User).await;
    tests::browser::run_script(
        "workbench_upload.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "dave"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}
