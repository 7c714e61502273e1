//! Saved panels in the web app (issue 6): create, edit with a previewed diff, compare versions,
//! a refused stale edit, share a link and open it logged out — in headless Chromium.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_creates_edits_diffs_and_shares_a_saved_panel() {
    let app = tests::TestApp::web(None).await;
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
    let app = tests::TestApp::web(None).await;
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

/// Sharing with a colleague picked by name (type-ahead), an expiry that ends the chosen day in
/// the owner's own zone, and a custom rating cleared back to PanelApp's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shares_with_a_person_picked_by_name() {
    let app = tests::TestApp::web(None).await;
    app.create_user("gwen", shared::Role::User).await;
    app.create_user("erin", shared::Role::User).await;
    app.create_user("erik", shared::Role::User).await;
    tests::browser::run_script(
        "saved_sharing.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "gwen"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
            ("RECIPIENT_UNDER_TEST", "erin"),
        ],
    )
    .await;
}

/// PanelApp moves on: the mock publishes UK panel 277 (Idiopathic ventricular fibrillation)
/// 1.4 with KCNJ8 dropped, SCN5A promoted to green and KCNH2 added. A saved panel merged from
/// 1.3 shows the upstream notice with that diff; applying it makes a version of SOURCE_UPDATED
/// changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shows_and_applies_an_upstream_update() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("hana", shared::Role::User).await;
    let version = mock.publish_version("uk", 277, tests::mock_panelapp::ivf_moves_on);
    assert_eq!(version, "1.4");
    tests::browser::run_script(
        "saved_upstream.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "hana"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
    assert!(
        mock.calls("/uk/api/v1/panels/277/?version=1.3") >= 1,
        "the saved version was read by version: {:?}",
        mock.all_calls()
    );
}

/// Issue 17.9: the share picker from the keyboard (ARIA combobox) and by an exactly typed
/// username; a share link with a Copy button, replaced by a new one when lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shares_from_the_keyboard_and_reissues_a_link() {
    let app = tests::TestApp::web(None).await;
    for name in ["kim", "erin", "erik", "bea"] {
        app.create_user(name, shared::Role::User).await;
    }
    tests::browser::run_script(
        "share_keyboard.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "kim"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
            ("RECIPIENTS_UNDER_TEST", "erin,erik,bea"),
        ],
    )
    .await;
    // The share rows as stored: the re-issued link is one share (its digest replaced), audited.
    let shares = app.audit_rows(Some(shared::AuditAction::PanelShare)).await;
    let descriptions: Vec<&str> = shares
        .iter()
        .map(|r| r.action_description.as_str())
        .collect();
    assert!(
        descriptions
            .iter()
            .any(|d| d.contains("given a new link; the previous link no longer works")),
        "{descriptions:?}"
    );
    assert!(
        descriptions
            .iter()
            .any(|d| d.contains("shared with user bea at COMMENT")),
        "{descriptions:?}"
    );
}

/// Export templates (issue 14.5): from the library to `/templates`, a template made with the
/// form, and a saved panel downloaded with it (its columns, its rating filter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_creates_an_export_template_and_downloads_with_it() {
    let app = tests::TestApp::web(None).await;
    app.create_user("tilda", shared::Role::User).await;
    tests::browser::run_script(
        "export_templates.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "tilda"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}
