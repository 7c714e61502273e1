//! The web app's accounts and admin console in headless Chromium (tests/browser/*.mjs): the
//! scripts drive the real wasm app against a real server; these tests then check what the
//! server persisted.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shared::{AuditAction, Role, TimeFormat};

async fn user(app: &tests::TestApp, username: &str) -> Option<entity::user::Model> {
    entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq(username))
        .one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_registers_logs_in_and_shows_times_in_the_chosen_zone() {
    let app = tests::TestApp::web(None).await;
    tests::browser::run_script(
        "accounts_timezone.mjs",
        &app.address,
        &[("USERNAME", "dana"), ("PASSWORD", tests::PASSWORD)],
    )
    .await;
    if !tests::browser::ready() {
        return;
    }

    let dana = user(&app, "dana")
        .await
        .expect("the account was registered");
    assert_eq!(dana.timezone_preference, "Asia/Tokyo");
    assert_eq!(dana.time_format_preference, TimeFormat::H12);
    let tokens = entity::api_tokens::Entity::find()
        .filter(entity::api_tokens::Column::UserId.eq(dana.id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].name, "ci script");

    let mine = |rows: Vec<entity::audit_log::Model>| -> Vec<bool> {
        rows.into_iter()
            .filter(|row| {
                row.user_id == Some(dana.id)
                    || matches!(row.username.as_deref(), Some("dana" | "dana@example.org"))
            })
            .map(|row| row.success)
            .collect()
    };
    assert_eq!(
        mine(app.audit_rows(Some(AuditAction::Register)).await),
        [true]
    );
    assert_eq!(
        mine(app.audit_rows(Some(AuditAction::Logout)).await),
        [true]
    );
    // Logged in by registering, then once with a wrong password, then for real.
    let logins = mine(app.audit_rows(Some(AuditAction::Login)).await);
    assert!(
        logins.contains(&false) && logins.contains(&true),
        "{logins:?}"
    );
    assert!(!mine(app.audit_rows(Some(AuditAction::ProfileUpdate)).await).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_admin_sees_another_users_actions_live() {
    let app = tests::TestApp::web(None).await;
    app.create_user("root", Role::Admin).await;
    tests::browser::run_script(
        "admin_live_audit.mjs",
        &app.address,
        &[
            ("ADMIN_USER", "root"),
            ("OTHER_USER", "eve"),
            ("PASSWORD", tests::PASSWORD),
        ],
    )
    .await;
    if !tests::browser::ready() {
        return;
    }

    let eve = user(&app, "eve")
        .await
        .expect("eve registered in the browser");
    let denied: Vec<_> = app
        .audit_rows(Some(AuditAction::PrivilegeEscalation))
        .await
        .into_iter()
        .filter(|row| {
            row.user_id == Some(eve.id) && row.action_description.starts_with("audit CSV refused")
        })
        .collect();
    assert_eq!(denied.len(), 1, "exactly the one denied export");
    assert!(!denied[0].success);
    assert!(
        app.audit_rows(Some(AuditAction::DataExport))
            .await
            .iter()
            .any(|row| row.username.as_deref() == Some("root") && row.success),
        "the admin's CSV export is audited"
    );
    let eve = user(&app, "eve").await.unwrap();
    assert!(eve.must_change_password, "reset in the browser");
    assert!(
        app.audit_rows(Some(AuditAction::PasswordReset))
            .await
            .iter()
            .any(|row| row.success && row.resource_id.as_deref() == Some(&eve.id.to_string())),
        "the reset is audited against eve"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_admin_message_banner_appears_and_disappears_live() {
    let app = tests::TestApp::web(None).await;
    app.create_user("root", Role::Admin).await;
    tests::browser::run_script(
        "admin_banner.mjs",
        &app.address,
        &[("ADMIN_USER", "root"), ("PASSWORD", tests::PASSWORD)],
    )
    .await;
    if !tests::browser::ready() {
        return;
    }

    let messages = entity::admin_message::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let mut messages: Vec<_> = messages
        .into_iter()
        .map(|m| (m.title, m.message_type, m.is_active))
        .collect();
    messages.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        messages,
        vec![
            (
                "Maintenance tonight".to_owned(),
                shared::MessageType::Warning,
                false
            ),
            (
                "New panels available".to_owned(),
                shared::MessageType::Info,
                false
            ),
        ],
        "both created and both hidden by the admin"
    );
}

/// Issue 17.9: wrong passwords say how many attempts are left and for how long the lock will
/// last; the locking attempt says how long it lasts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_warns_before_the_lock_and_says_how_long_it_lasts() {
    let app = tests::TestApp::web(None).await;
    app.create_user("lena", Role::User).await;
    tests::browser::run_script(
        "login_lockout.mjs",
        &app.address,
        &[("USERNAME_UNDER_TEST", "lena")],
    )
    .await;
    let lena = user(&app, "lena").await.unwrap();
    assert_eq!(lena.failed_login_attempts, 5);
    assert!(lena.locked_until.is_some(), "locked in the database");
    assert_eq!(
        app.audit_rows(Some(AuditAction::AccountLockout))
            .await
            .len(),
        1
    );
}
