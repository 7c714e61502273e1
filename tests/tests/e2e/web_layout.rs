//! The web app's layouts and accessibility (issue 14), in headless Chromium against a real
//! server and the mock PanelApp.

/// Issue 14.2: at 1280 px the 900-gene saved panel's table uses the page's width, shows every
/// column un-clipped with a sticky header and paged rows; the overlap picture's texts never
/// overlap for 2 to 5 sources (also at 390 px), 6 get the UpSet bars; at 390 px no page
/// scrolls sideways, the workbench with six panels and an upload included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_layouts_use_the_screen_and_never_clip_or_collide() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("lena", shared::Role::User).await;
    tests::browser::run_script(
        "layouts.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "lena"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// Issue 14.3: the home page for a visitor (what it does, "Start a gene list") and for a user
/// (recent panels, panels shared with them, PanelApp updates waiting); server facts are on the
/// admin page only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_home_page_is_for_people_and_server_facts_are_for_admins() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("nora", shared::Role::User).await;
    app.create_user("omar", shared::Role::User).await;
    app.create_user("root", shared::Role::Admin).await;
    assert_eq!(
        mock.publish_version("uk", 277, tests::mock_panelapp::ivf_moves_on),
        "1.4"
    );
    tests::browser::run_script(
        "home.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "nora"),
            ("OTHER_UNDER_TEST", "omar"),
            ("ADMIN_UNDER_TEST", "root"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// Runs `accessibility.mjs` for one half of the app (`visitors` or `accounts`).
async fn axe_over(part: &str) {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("ally", shared::Role::User).await;
    app.create_user("adam", shared::Role::Admin).await;
    tests::browser::run_script(
        "accessibility.mjs",
        &app.address,
        &[
            ("A11Y_PART", part),
            ("USERNAME_UNDER_TEST", "ally"),
            ("ADMIN_UNDER_TEST", "adam"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// Issue 14.6: axe-core (npm, pinned in tests/browser) finds no serious or critical violation
/// on any visitor page (e-mailed links and a bad share link included) nor on the workbench with
/// the picker open, two panels and a chosen region; every finding is reported with its rule,
/// elements and page. The main workflows run by keyboard alone: the skip link, the picker
/// (type, arrow, Enter), evidence boxes (Space), adding by id, an overlap region (Tab, Enter),
/// logging in and saving the merge as a panel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_axe_finds_no_serious_violation_for_visitors_and_keys_suffice() {
    axe_over("visitors").await;
}

/// Issue 14.6: axe-core finds no serious or critical violation on a user's pages (home,
/// library with its bulk bar, a saved panel with two versions, its diff, share dialog and edit
/// mode, new panel, teams, a team, profile, the workbench), a panel opened through its share
/// link, every admin page, and the main pages at 390 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_axe_finds_no_serious_violation_for_users_and_admins() {
    axe_over("accounts").await;
}

/// Issue 14.4: a VIEWER is offered no upload, save, new panel, team creation, edit or share
/// (and is told why); a USER is offered them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_viewer_sees_no_save_share_or_upload() {
    let app = tests::TestApp::web(None).await;
    app.create_user("uma", shared::Role::User).await;
    app.create_user("vera", shared::Role::Viewer).await;
    tests::browser::run_script(
        "roles.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "uma"),
            ("VIEWER_UNDER_TEST", "vera"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// Issue 14.4: two browsers on one saved panel see each other's saves live; staged edits are
/// never silently overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_two_editors_see_each_others_saves_live() {
    let app = tests::TestApp::web(None).await;
    app.create_user("amy", shared::Role::User).await;
    app.create_user("ben", shared::Role::User).await;
    tests::browser::run_script(
        "live_panel.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "amy"),
            ("EDITOR_UNDER_TEST", "ben"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// Issue 14.5: the library's bulk actions in the browser: one zip with one file per selected
/// panel, tag, archive, delete (asked first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_library_bulk_exports_tags_archives_and_deletes() {
    let app = tests::TestApp::web(None).await;
    app.create_user("lib", shared::Role::User).await;
    tests::browser::run_script(
        "library.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "lib"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
}

/// Issue 14.7: the screenshot script renders every main page at 1280 px. With
/// `UPDATE_SCREENSHOTS=1` it writes them to docs/screenshots/ (`make screenshots`); otherwise
/// into a temporary directory, so CI proves the script still works without touching the tree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_screenshots_of_the_main_pages() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("clara", shared::Role::User).await;
    let temp = tempfile::tempdir().unwrap();
    let dir = if std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        tests::repo_root().join("docs/screenshots")
    } else {
        temp.path().to_path_buf()
    };
    tests::browser::run_script(
        "screenshots.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "clara"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
            ("SCREENSHOT_DIR", dir.to_str().unwrap()),
        ],
    )
    .await;
}
