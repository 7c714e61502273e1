//! Accounts, sessions and API tokens.

use std::time::Duration;

use serde_json::json;
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{PASSWORD, TestApp, TestConfig, on_both_backends};

const ME: &str = "{ me { id username email role timezone timeFormat firstName organization } }";
const REGISTER: &str =
    "mutation($i: RegisterInput!) { register(input: $i) { user { id username role timezone } } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";

fn register_vars(username: &str, password: &str) -> serde_json::Value {
    json!({ "i": { "username": username, "email": format!("{username}@example.org"), "password": password, "timezone": "Europe/London" } })
}

on_both_backends!(register_logs_in_and_is_audited, |app: TestApp| async move {
    let data = app
        .client
        .data(REGISTER, register_vars("ada", PASSWORD))
        .await;
    assert_eq!(data["register"]["user"]["role"], "USER");
    assert_eq!(data["register"]["user"]["timezone"], "Europe/London");
    let me = app.client.data(ME, json!({})).await;
    assert_eq!(me["me"]["username"], "ada");
    assert_eq!(me["me"]["email"], "ada@example.org");
    let rows = app.audit_rows(Some(AuditAction::Register)).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].username.as_deref(), Some("ada"));
    assert!(rows[0].success);

    // The same name again, and a common password, are refused with specific errors.
    let other = app.new_client();
    let body = other.query(REGISTER, register_vars("ADA", PASSWORD)).await;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "username");
    let body = other
        .query(REGISTER, register_vars("grace", "password1"))
        .await;
    assert_eq!(error_code(&body), Some("VALIDATION"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "password");
    let body = other.query(REGISTER, register_vars("grace", "short")).await;
    assert_eq!(error_code(&body), Some("VALIDATION"));
    assert!(
        other.data(ME, json!({})).await["me"].is_null(),
        "failed registrations log nobody in"
    );
    // Each failure left a failure row.
    let failures: Vec<_> = app
        .audit_rows(Some(AuditAction::Register))
        .await
        .into_iter()
        .filter(|r| !r.success)
        .collect();
    assert_eq!(failures.len(), 3);
});

#[tokio::test]
async fn session_cookie_is_http_only_and_lax() {
    let app = TestApp::sqlite().await;
    app.create_user("ada", Role::User).await;
    let response = app
        .client
        .http
        .post(app.client.url("/graphql"))
        .json(&json!({ "query": LOGIN, "variables": { "i": { "login": "ada", "password": PASSWORD } } }))
        .send()
        .await
        .unwrap();
    let cookies: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("pm_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    let id = session
        .trim_start_matches("pm_session=")
        .split(';')
        .next()
        .unwrap();
    assert!(id.len() >= 22, "128-bit random id: {id}");
}

on_both_backends!(
    login_by_username_or_email_and_logout,
    |app: TestApp| async move {
        app.create_user("grace", Role::Editor).await;
        let by_email = app.new_client();
        by_email.login("Grace@Example.org", PASSWORD).await;
        assert_eq!(by_email.data(ME, json!({})).await["me"]["role"], "EDITOR");
        app.client.login("GRACE", PASSWORD).await;
        let data = app.client.data("mutation { logout }", json!({})).await;
        assert_eq!(data["logout"], true);
        assert!(app.client.data(ME, json!({})).await["me"].is_null());
        assert_eq!(
            by_email.data(ME, json!({})).await["me"]["username"],
            "grace",
            "other sessions live on"
        );
        assert_eq!(app.audit_rows(Some(AuditAction::Logout)).await.len(), 1);
        let logins = app.audit_rows(Some(AuditAction::Login)).await;
        assert_eq!(logins.iter().filter(|r| r.success).count(), 2);
    }
);

#[tokio::test]
async fn sessions_expire_when_idle() {
    let mut vars = std::collections::BTreeMap::new();
    vars.insert("SESSION_TIMEOUT".to_owned(), "1".to_owned());
    let app = TestApp::spawn(TestConfig {
        vars,
        ..TestConfig::default()
    })
    .await
    .unwrap();
    app.create_user("ada", Role::User).await;
    app.client.login("ada", PASSWORD).await;
    assert_eq!(
        app.client.data(ME, json!({})).await["me"]["username"],
        "ada"
    );
    tokio::time::sleep(Duration::from_millis(1600)).await; // the idle timeout itself, not readiness
    assert!(
        app.client.data(ME, json!({})).await["me"].is_null(),
        "idle session expired"
    );
}

on_both_backends!(
    sessions_are_listed_revoked_and_ended_by_password_change,
    |app: TestApp| async move {
        app.create_user("ada", Role::User).await;
        let laptop = app.new_client();
        let phone = app.new_client();
        let tablet = app.new_client();
        laptop.login("ada", PASSWORD).await;
        phone.login("ada", PASSWORD).await;
        tablet.login("ada", PASSWORD).await;
        let list = laptop
            .data("{ mySessions { id current } }", json!({}))
            .await;
        let sessions = list["mySessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        let phone_id = phone.data("{ mySessions { id current } }", json!({})).await["mySessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["current"] == true)
            .unwrap()["id"]
            .clone();
        laptop
            .data(
                "mutation($id: ID!) { revokeSession(id: $id) }",
                json!({ "id": phone_id }),
            )
            .await;
        assert!(
            phone.data(ME, json!({})).await["me"].is_null(),
            "revoked session is gone"
        );
        assert_eq!(tablet.data(ME, json!({})).await["me"]["username"], "ada");

        let change = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) }";
        let wrong = laptop.query(change, json!({ "i": { "currentPassword": "nope nope nope", "newPassword": "another fine passphrase" } })).await;
        assert_eq!(error_code(&wrong), Some("VALIDATION"));
        let ended = laptop.data(change, json!({ "i": { "currentPassword": PASSWORD, "newPassword": "another fine passphrase" } })).await;
        assert_eq!(ended["changePassword"], 1, "the tablet's session ended");
        assert!(tablet.data(ME, json!({})).await["me"].is_null());
        assert_eq!(
            laptop.data(ME, json!({})).await["me"]["username"],
            "ada",
            "the changing session stays"
        );
        let fresh = app.new_client();
        assert_eq!(
            error_code(
                &fresh
                    .query(
                        LOGIN,
                        json!({ "i": { "login": "ada", "password": PASSWORD } })
                    )
                    .await
            ),
            Some("UNAUTHENTICATED")
        );
        fresh.login("ada", "another fine passphrase").await;
        let rows = app.audit_rows(Some(AuditAction::PasswordChange)).await;
        assert_eq!(rows.iter().filter(|r| r.success).count(), 1);
    }
);

on_both_backends!(
    api_tokens_authenticate_scripts_and_can_be_revoked,
    |app: TestApp| async move {
        app.create_user("bot_owner", Role::Editor).await;
        app.client.login("bot_owner", PASSWORD).await;
        let created = app
        .client
        .data("mutation { createApiToken(name: \"pipeline\") { id secret token { name prefix active } } }", json!({}))
        .await;
        let secret = created["createApiToken"]["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(secret.starts_with("pmt_"));
        assert!(
            secret.starts_with(
                created["createApiToken"]["token"]["prefix"]
                    .as_str()
                    .unwrap()
            )
        );
        let script = tests::GraphqlClient::new(&app.address).with_bearer(&secret);
        let me = script.data(ME, json!({})).await;
        assert_eq!(me["me"]["username"], "bot_owner");
        assert_eq!(
            me["me"]["role"], "EDITOR",
            "the token acts with the owner's role"
        );
        let access = app.audit_rows(Some(AuditAction::ApiAccess)).await;
        assert_eq!(access.len(), 1);
        assert_eq!(access[0].username.as_deref(), Some("bot_owner"));
        let listed = app
            .client
            .data("{ apiTokens { id name active lastUsedAt } }", json!({}))
            .await;
        assert_eq!(listed["apiTokens"][0]["name"], "pipeline");
        assert!(!listed["apiTokens"][0]["lastUsedAt"].is_null());
        assert!(
            listed.to_string().find(&secret).is_none(),
            "secrets are never listed"
        );

        let id = created["createApiToken"]["id"].clone();
        app.client
            .data(
                "mutation($id: ID!) { revokeApiToken(id: $id) }",
                json!({ "id": id }),
            )
            .await;
        let (status, body) = {
            let response = script
                .http
                .post(script.url("/graphql"))
                .bearer_auth(&secret)
                .json(&json!({ "query": ME }))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<serde_json::Value>().await.unwrap(),
            )
        };
        assert_eq!(status, 401);
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
        let bogus = tests::GraphqlClient::new(&app.address).with_bearer("pmt_not-a-real-token");
        assert_eq!(
            error_code(&bogus.query(ME, json!({})).await),
            Some("UNAUTHENTICATED")
        );
    }
);

#[tokio::test]
async fn profile_fields_are_encrypted_at_rest_and_zones_validated() {
    let app = TestApp::sqlite().await;
    let user = app.create_user("ada", Role::User).await;
    app.client.login("ada", PASSWORD).await;
    let update = "mutation($i: ProfileInput!) { updateProfile(input: $i) { firstName lastName organization timezone timeFormat } }";
    let data = app
        .client
        .data(update, json!({ "i": { "firstName": "Ada", "organization": "Analytical Engines Ltd", "timezone": "Australia/Melbourne", "timeFormat": "H12" } }))
        .await;
    assert_eq!(data["updateProfile"]["firstName"], "Ada");
    assert_eq!(data["updateProfile"]["timezone"], "Australia/Melbourne");
    assert_eq!(data["updateProfile"]["timeFormat"], "H12");
    use sea_orm::EntityTrait;
    let row = entity::user::Entity::find_by_id(user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stored = row.organization.clone().unwrap();
    assert!(stored.starts_with("v1."), "encrypted: {stored}");
    assert!(!stored.contains("Analytical"));
    assert_eq!(row.time_format_preference, shared::TimeFormat::H12);
    // null clears a field; absent leaves it.
    let data = app
        .client
        .data(update, json!({ "i": { "organization": null } }))
        .await;
    assert!(data["updateProfile"]["organization"].is_null());
    assert_eq!(data["updateProfile"]["firstName"], "Ada");
    let bad = app
        .client
        .query(update, json!({ "i": { "timezone": "Mars/Olympus" } }))
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"));
    assert_eq!(bad["errors"][0]["extensions"]["field"], "timezone");
    let zones = app.client.data("{ timezones }", json!({})).await;
    assert!(
        zones["timezones"]
            .as_array()
            .unwrap()
            .iter()
            .any(|z| z == "Europe/London")
    );
    assert_eq!(
        app.audit_rows(Some(AuditAction::ProfileUpdate))
            .await
            .iter()
            .filter(|r| r.success)
            .count(),
        2
    );
}
