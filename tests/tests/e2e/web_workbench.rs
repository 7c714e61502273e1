//! The workbench a lab can rely on (issue 17, points 4 and 5), in headless Chromium against the
//! mock PanelApp: the panel page's evidence and type choices are what "Add to workbench" adds;
//! the workbench comes back after a reload and in a new tab; an identical re-upload asks first.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_adds_what_the_panel_page_chooses() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    tests::browser::run_script("panel_choice.mjs", &app.address, &[]).await;
}

/// Issue 14.1: the workbench's picker finds "epilepsy" by name over both instances and adds
/// it with the keyboard alone (ARIA 1.2 combobox); the merged count is the server's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_workbench_picker_adds_a_panel_by_name() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    tests::browser::run_script("workbench_picker.mjs", &app.address, &[]).await;
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

/// Issue 17.5: logged in, the workbench is kept in the account and comes back after login in
/// another browser and after the browser's storage is cleared; a browser's own panels are
/// merged with the account's at login; stored entries about gone uploads are dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_keeps_the_workbench_in_the_account() {
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    app.create_user("wendy", shared::Role::User).await;
    tests::browser::run_script(
        "workbench_account.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "wendy"),
            ("PASSWORD_UNDER_TEST", tests::PASSWORD),
        ],
    )
    .await;
    // What the account holds, as stored: both panels, each saved with an audit row.
    let user = entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq("wendy"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let row = entity::workbenches::Entity::find_by_id(user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the workbench is kept");
    let content: serde_json::Value = serde_json::from_str(&row.content).unwrap();
    let mut ids: Vec<i64> = content["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["panelId"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, [402, 635], "{content}");
    let saves = app
        .audit_rows(Some(shared::AuditAction::ProfileUpdate))
        .await;
    assert!(
        saves.iter().any(|r| r.username.as_deref() == Some("wendy")
            && r.action_description
                .contains("workbench kept in the account: 2 panels")),
        "{saves:?}"
    );
}

/// Issue 17.9: the Duplicates column, Venn regions that filter the merged list, bars that
/// read as words, singular counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_filters_by_overlap_region_and_counts_duplicates() {
    let app = tests::TestApp::web(None).await;
    tests::browser::run_script("overlap_region.mjs", &app.address, &[]).await;
}
