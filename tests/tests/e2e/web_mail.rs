//! E-mail in the web app (tests/browser/mail_flows.mjs): forgot password → the mail in the
//! outbox directory (no relay configured) → a new password → log in; change of address →
//! confirm → log in with the new address. Then what the server persisted.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shared::{AuditAction, Role};
use tests::{TestApp, TestConfig};

const NEW_PASSWORD: &str = "a fresh passphrase for erin";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_resets_a_forgotten_password_and_changes_the_address() {
    let app = TestApp::spawn(TestConfig {
        with_web_app: true,
        ..TestConfig::default()
    })
    .await
    .unwrap();
    app.create_user("erin", Role::User).await;
    let outbox = app.data_dir.path().join("outbox");
    tests::browser::run_script(
        "mail_flows.mjs",
        &app.address,
        &[
            ("USERNAME_UNDER_TEST", "erin"),
            ("NEW_PASSWORD", NEW_PASSWORD),
            ("NEW_EMAIL", "erin.new@example.org"),
            ("OUTBOX_DIR", outbox.to_str().unwrap()),
        ],
    )
    .await;
    if !tests::browser::ready() {
        return;
    }
    let erin = entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq("erin"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(erin.email, "erin.new@example.org");
    assert!(erin.is_verified);
    // The new password is the one in force.
    app.new_client().login("erin", NEW_PASSWORD).await;
    let resets: Vec<_> = app
        .audit_rows(Some(AuditAction::PasswordReset))
        .await
        .into_iter()
        .filter(|r| {
            r.user_id == Some(erin.id) || r.resource_id.as_deref() == Some(&erin.id.to_string())
        })
        .map(|r| r.success)
        .collect();
    assert!(
        resets.len() >= 2 && resets.iter().filter(|s| **s).count() == 2,
        "{resets:?}"
    );
    // The old address was told, with an undo link.
    let files: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.contains("To: erin@example.org") && f.contains("undo-email-change")),
        "{files:#?}"
    );
}
