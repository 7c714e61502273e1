//! Credentials: what a password change, an admin reset and deactivation take away; the
//! current-password check as a counted attempt; lockout and IP blocks under parallel
//! attempts; and what failures, registration and people lookups reveal about other accounts.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{GraphqlClient, PASSWORD, TestApp, on_both_backends};

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";
const ME: &str = "{ me { username } }";
/// Needs a logged-in caller (a stale session or a revoked token is UNAUTHENTICATED here).
const TOKENS: &str = "{ apiTokens { id name active } }";
const CHANGE: &str = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) }";
const NEW_PASSWORD: &str = "another fine passphrase";

fn login_vars(login: &str, password: &str) -> Value {
    json!({ "i": { "login": login, "password": password } })
}

fn change_vars(current: &str, new: &str) -> Value {
    json!({ "i": { "currentPassword": current, "newPassword": new } })
}

/// The same backend as `app`, restarted with `vars`.
async fn restart_with(app: TestApp, vars: &[(&str, &str)]) -> Option<TestApp> {
    let backend = app.backend;
    drop(app);
    TestApp::with_vars(backend, vars).await
}

async fn new_token(client: &GraphqlClient, name: &str) -> (String, i32) {
    let created = client
        .data(
            "mutation($n: String!) { createApiToken(name: $n) { id secret } }",
            json!({ "n": name }),
        )
        .await;
    (
        created["createApiToken"]["secret"]
            .as_str()
            .unwrap()
            .to_owned(),
        tests::db_id(created["createApiToken"]["id"].as_str().unwrap()),
    )
}

async fn token_revoked_at(app: &TestApp, id: i32) -> Option<chrono::DateTime<chrono::Utc>> {
    entity::api_tokens::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .revoked_at
}

async fn user_row(app: &TestApp, username: &str) -> entity::user::Model {
    entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq(username))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// A new browser logged in as the existing account `username`.
async fn session_of(app: &TestApp, username: &str) -> GraphqlClient {
    let client = app.new_client();
    client.login(username, PASSWORD).await;
    client
}

/// Asserts `client` (a session or a token) is no longer anyone.
async fn assert_unauthenticated(client: &GraphqlClient, what: &str) {
    let body = client.query(TOKENS, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{what}: {body}");
}

on_both_backends!(
    password_change_ends_every_token_and_every_other_session,
    |app: TestApp| async move {
        app.create_user("ada", Role::User).await;
        let laptop = session_of(&app, "ada").await;
        let phone = session_of(&app, "ada").await;
        let (secret, token_id) = new_token(&laptop, "pipeline").await;
        let script = GraphqlClient::new(&app.address).with_bearer(&secret);
        assert_eq!(script.data(ME, json!({})).await["me"]["username"], "ada");

        let ended = laptop
            .data(CHANGE, change_vars(PASSWORD, NEW_PASSWORD))
            .await;
        assert_eq!(ended["changePassword"], 1, "the phone's session ended");

        assert_unauthenticated(&script, "token made before the change").await;
        assert_unauthenticated(&phone, "second session").await;
        assert!(token_revoked_at(&app, token_id).await.is_some());
        // The session that changed the password keeps working, and can make new tokens.
        assert_eq!(laptop.data(ME, json!({})).await["me"]["username"], "ada");
        let (fresh, _) = new_token(&laptop, "after").await;
        let fresh = GraphqlClient::new(&app.address).with_bearer(&fresh);
        assert_eq!(fresh.data(ME, json!({})).await["me"]["username"], "ada");
        let rows = app.audit_rows(Some(AuditAction::PasswordChange)).await;
        let done = rows.iter().find(|r| r.success).expect("audited");
        let details = app.state.audit.open(done).unwrap()[0].clone().unwrap();
        assert_eq!(details["tokensRevoked"], 1, "{details}");
    }
);

on_both_backends!(
    admin_reset_and_deactivation_end_every_token_and_session,
    |app: TestApp| async move {
        let ada = app.create_user("ada", Role::User).await;
        let admin = app.logged_in("root", Role::Admin).await;
        let browser = session_of(&app, "ada").await;
        let (secret, token_id) = new_token(&browser, "pipeline").await;
        let script = GraphqlClient::new(&app.address).with_bearer(&secret);
        assert_eq!(script.data(ME, json!({})).await["me"]["username"], "ada");

        let reset = admin
            .data(
                "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }",
                json!({ "id": ada.id.to_string() }),
            )
            .await;
        assert_unauthenticated(&script, "token after an admin reset").await;
        assert_unauthenticated(&browser, "session after an admin reset").await;
        assert!(token_revoked_at(&app, token_id).await.is_some());
        let reset_row = app.audit_rows(Some(AuditAction::PasswordReset)).await;
        let details = app.state.audit.open(&reset_row[0]).unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(details["tokensRevoked"], 1, "{details}");

        // Back in with the temporary password, a new password, a new token...
        let temporary = reset["resetUserPassword"]["temporaryPassword"]
            .as_str()
            .unwrap();
        let browser = app.new_client();
        browser.login("ada", temporary).await;
        browser
            .data(CHANGE, change_vars(temporary, NEW_PASSWORD))
            .await;
        let (secret, token_id) = new_token(&browser, "pipeline 2").await;
        let script = GraphqlClient::new(&app.address).with_bearer(&secret);
        assert_eq!(script.data(ME, json!({})).await["me"]["username"], "ada");

        // ...then deactivation: the token is revoked for good, not just refused while the
        // account is off, so reactivating the account does not bring it back.
        let set_active =
            "mutation($id: ID!, $a: Boolean!) { setUserActive(id: $id, active: $a) { id } }";
        admin
            .data(set_active, json!({ "id": ada.id.to_string(), "a": false }))
            .await;
        assert_unauthenticated(&script, "token after deactivation").await;
        assert!(browser.data(ME, json!({})).await["me"].is_null());
        assert!(token_revoked_at(&app, token_id).await.is_some());
        admin
            .data(set_active, json!({ "id": ada.id.to_string(), "a": true }))
            .await;
        assert_unauthenticated(&script, "token after reactivation").await;
        assert_unauthenticated(&browser, "session after reactivation").await;
        app.new_client().login("ada", NEW_PASSWORD).await;
    }
);

on_both_backends!(
    a_wrong_current_password_counts_toward_the_lockout,
    |app: TestApp| async move {
        let Some(app) = restart_with(app, &[("MAX_LOGIN_ATTEMPTS", "3")]).await else {
            return;
        };
        app.create_user("ada", Role::User).await;
        let session = session_of(&app, "ada").await;
        // One failed login and two wrong current passwords: the same three-strike counter.
        let body = app
            .new_client()
            .query(LOGIN, login_vars("ada", "wrong password 1"))
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
        let body = session
            .query(CHANGE, change_vars("wrong password 2", NEW_PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "currentPassword");
        let body = session
            .query(CHANGE, change_vars("wrong password 3", NEW_PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("ACCOUNT_LOCKED"), "{body}");
        assert!(
            body["errors"][0]["extensions"]["retryAfter"]
                .as_u64()
                .unwrap()
                > 0
        );

        // Locked means locked: the right password opens neither a login nor a change.
        let body = app
            .new_client()
            .query(LOGIN, login_vars("ada", PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("ACCOUNT_LOCKED"), "{body}");
        let body = session
            .query(CHANGE, change_vars(PASSWORD, NEW_PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("ACCOUNT_LOCKED"), "{body}");
        let row = user_row(&app, "ada").await;
        assert_eq!(row.failed_login_attempts, 3);
        assert!(row.locked_until.is_some());
        assert!(
            app.state
                .passwords
                .verify(PASSWORD, Some(&row.password_hash))
                .await
                .unwrap(),
            "the password did not change"
        );

        // The same audit rows as failed logins: one failure each, one lockout.
        let lockouts = app.audit_rows(Some(AuditAction::AccountLockout)).await;
        assert_eq!(lockouts.len(), 1);
        assert_eq!(lockouts[0].username.as_deref(), Some("ada"));
        let changes = app.audit_rows(Some(AuditAction::PasswordChange)).await;
        assert_eq!(changes.len(), 3, "two wrong, one refused while locked");
        assert!(changes.iter().all(|r| !r.success));
        assert_eq!(
            changes
                .iter()
                .filter(|r| r.action_description.contains("wrong current password"))
                .count(),
            2
        );
    }
);

on_both_backends!(
    a_wrong_current_password_counts_toward_the_ip_block,
    |app: TestApp| async move {
        let Some(app) = restart_with(
            app,
            &[
                ("BRUTE_FORCE_THRESHOLD", "2"),
                ("MAX_LOGIN_ATTEMPTS", "100"),
            ],
        )
        .await
        else {
            return;
        };
        app.create_user("ada", Role::User).await;
        app.create_user("grace", Role::User).await;
        let session = session_of(&app, "ada").await;
        for attempt in 1..=2 {
            let body = session
                .query(
                    CHANGE,
                    change_vars(&format!("guess {attempt} xyz"), NEW_PASSWORD),
                )
                .await;
            assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        }
        let body = app
            .new_client()
            .query(LOGIN, login_vars("grace", PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "ip_blocked");
        let body = session
            .query(CHANGE, change_vars(PASSWORD, NEW_PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
        let blocks = app.audit_rows(Some(AuditAction::BruteForceAttempt)).await;
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].resource_id.as_deref(), Some("127.0.0.1"));
    }
);

/// Fires `n` logins at once; returns their error codes.
async fn parallel_logins(app: &TestApp, n: usize, login: impl Fn(usize) -> String) -> Vec<String> {
    let attempts = (0..n).map(|i| {
        let client = app.new_client();
        let name = login(i);
        async move {
            let body = client
                .query(LOGIN, login_vars(&name, &format!("wrong password {i}")))
                .await;
            error_code(&body).unwrap_or("none").to_owned()
        }
    });
    futures::future::join_all(attempts).await
}

/// Failed-login rows that followed a password verification (refusals have their own).
async fn verified_failures(app: &TestApp) -> usize {
    app.audit_rows(Some(AuditAction::Login))
        .await
        .iter()
        .filter(|r| r.action_description == "login failed")
        .count()
}

on_both_backends!(
    forty_parallel_guesses_check_at_most_max_login_attempts,
    |app: TestApp| async move {
        let Some(app) = restart_with(
            app,
            &[
                ("MAX_LOGIN_ATTEMPTS", "5"),
                ("BRUTE_FORCE_THRESHOLD", "1000"),
            ],
        )
        .await
        else {
            return;
        };
        app.create_user("ada", Role::User).await;
        let codes = parallel_logins(&app, 40, |_| "ada".to_owned()).await;
        assert!(
            codes
                .iter()
                .all(|c| c == "UNAUTHENTICATED" || c == "ACCOUNT_LOCKED"),
            "{codes:?}"
        );
        let checked = verified_failures(&app).await;
        assert!(
            (1..=5).contains(&checked),
            "{checked} passwords checked for 40 parallel guesses; at most 5 may be"
        );
        assert_eq!(
            app.audit_rows(Some(AuditAction::AccountLockout))
                .await
                .len(),
            1
        );
        let row = user_row(&app, "ada").await;
        assert!(row.locked_until.is_some(), "ada is locked");
        let body = app
            .new_client()
            .query(LOGIN, login_vars("ada", PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("ACCOUNT_LOCKED"));
    }
);

on_both_backends!(
    forty_parallel_guesses_check_at_most_the_ip_threshold,
    |app: TestApp| async move {
        let Some(app) = restart_with(
            app,
            &[
                ("MAX_LOGIN_ATTEMPTS", "1000"),
                ("BRUTE_FORCE_THRESHOLD", "6"),
            ],
        )
        .await
        else {
            return;
        };
        app.create_user("ada", Role::User).await;
        let codes = parallel_logins(&app, 40, |i| format!("ghost{i}")).await;
        assert!(
            codes
                .iter()
                .all(|c| c == "UNAUTHENTICATED" || c == "RATE_LIMITED"),
            "{codes:?}"
        );
        let checked = verified_failures(&app).await;
        assert!(
            (1..=6).contains(&checked),
            "{checked} passwords checked from one IP; at most 6 may be"
        );
        assert_eq!(
            app.audit_rows(Some(AuditAction::BruteForceAttempt))
                .await
                .len(),
            1
        );
        let body = app
            .new_client()
            .query(LOGIN, login_vars("ada", PASSWORD))
            .await;
        assert_eq!(error_code(&body), Some("RATE_LIMITED"));
        assert_eq!(body["errors"][0]["extensions"]["reason"], "ip_blocked");
    }
);

#[tokio::test]
async fn successful_logins_do_not_use_up_the_ip_budget() {
    let app = TestApp::sqlite().await;
    let Some(app) = restart_with(app, &[("BRUTE_FORCE_THRESHOLD", "3")]).await else {
        return;
    };
    app.create_user("ada", Role::User).await;
    for _ in 0..6 {
        app.new_client().login("ada", PASSWORD).await;
    }
    let body = app
        .new_client()
        .query(LOGIN, login_vars("ada", "wrong password"))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    app.new_client().login("ada", PASSWORD).await;
}

on_both_backends!(
    an_unknown_name_locks_exactly_like_a_real_account,
    |app: TestApp| async move {
        let Some(app) = restart_with(app, &[("MAX_LOGIN_ATTEMPTS", "3")]).await else {
            return;
        };
        app.create_user("ada", Role::User).await;
        let mut answers: Vec<[Value; 2]> = Vec::new();
        for attempt in 1..=5 {
            let mut pair = [Value::Null, Value::Null];
            for (slot, name) in ["ada", "adam"].into_iter().enumerate() {
                let body = app
                    .new_client()
                    .query(
                        LOGIN,
                        login_vars(name, &format!("wrong password {attempt}")),
                    )
                    .await;
                let mut error = body["errors"][0].clone();
                let retry = error["extensions"]
                    .as_object_mut()
                    .unwrap()
                    .remove("retryAfter");
                if attempt >= 3 {
                    let secs = retry.and_then(|r| r.as_u64()).unwrap_or(0);
                    assert!((890..=900).contains(&secs), "{name}: retryAfter {secs}");
                }
                pair[slot] = error;
            }
            answers.push(pair);
        }
        for (i, [real, unknown]) in answers.iter().enumerate() {
            assert_eq!(real, unknown, "attempt {}", i + 1);
        }
        let codes: Vec<_> = answers
            .iter()
            .map(|[real, _]| real["extensions"]["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            codes,
            [
                "UNAUTHENTICATED",
                "UNAUTHENTICATED",
                "ACCOUNT_LOCKED",
                "ACCOUNT_LOCKED",
                "ACCOUNT_LOCKED"
            ]
        );
        // A name that was never tried is not locked; the admins see what happened.
        let body = app
            .new_client()
            .query(LOGIN, login_vars("adamant", "wrong password"))
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
        let lockouts = app.audit_rows(Some(AuditAction::AccountLockout)).await;
        assert_eq!(lockouts.len(), 2, "one for ada, one for the unknown name");
    }
);

const REGISTER: &str =
    "mutation($i: RegisterInput!) { register(input: $i) { user { id username } } }";

fn register_vars(username: &str, email: &str) -> Value {
    json!({ "i": { "username": username, "email": email, "password": PASSWORD } })
}

on_both_backends!(
    registration_does_not_say_an_address_has_an_account,
    |app: TestApp| async move {
        let Some(app) = restart_with(app, &[("BRUTE_FORCE_THRESHOLD", "3")]).await else {
            return;
        };
        app.create_user("ada", Role::User).await;
        let visitor = app.new_client();
        let body = visitor
            .query(REGISTER, register_vars("zed", "ADA@example.org"))
            .await;
        assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
        let error = &body["errors"][0];
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("username or e-mail address"),
            "one message for both: {message}"
        );
        assert!(!message.contains("exists"), "{message}");
        assert!(error["extensions"].get("field").is_none(), "{error}");
        // A taken username may be said: usernames are public.
        let body = visitor
            .query(REGISTER, register_vars("ADA", "someone@example.org"))
            .await;
        assert_eq!(error_code(&body), Some("CONFLICT"));
        assert_eq!(body["errors"][0]["extensions"]["field"], "username");
        // Probing addresses is limited like guessing passwords: the third refusal blocks the IP.
        let body = visitor
            .query(REGISTER, register_vars("zed", "ada@example.org"))
            .await;
        assert_eq!(error_code(&body), Some("CONFLICT"));
        let body = visitor
            .query(REGISTER, register_vars("zed", "zed@example.org"))
            .await;
        assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "ip_blocked");
        let refused = app.audit_rows(Some(AuditAction::Register)).await;
        assert_eq!(refused.len(), 4, "each refusal audited once");
        assert!(refused.iter().all(|r| !r.success));
        assert_eq!(
            app.audit_rows(Some(AuditAction::BruteForceAttempt))
                .await
                .len(),
            1
        );
    }
);

const LOOKUP: &str = "query($q: String!) { shareableUsers(query: $q) { id username displayName } }";

#[tokio::test]
async fn people_lookups_show_names_only_to_team_mates() {
    let app = TestApp::sqlite().await;
    let alice = app.logged_in("alice", Role::User).await;
    let bobby = app.logged_in("bobby", Role::User).await;
    bobby
        .data(
            "mutation($i: ProfileInput!) { updateProfile(input: $i) { id } }",
            json!({ "i": { "firstName": "Bobby", "lastName": "Tables" } }),
        )
        .await;
    let found = alice.data(LOOKUP, json!({ "q": "bob" })).await;
    assert_eq!(found["shareableUsers"][0]["username"], "bobby");
    assert!(
        found["shareableUsers"][0]["displayName"].is_null(),
        "a stranger's name is not shown: {found}"
    );
    assert!(!found.to_string().contains("Tables"));
    let team = alice
        .data(
            "mutation { createTeam(name: \"Cardio lab\") { id } }",
            json!({}),
        )
        .await;
    alice
        .data(
            "mutation($t: ID!, $u: ID!) { addTeamMember(teamId: $t, userId: $u) { id } }",
            json!({ "t": team["createTeam"]["id"], "u": found["shareableUsers"][0]["id"] }),
        )
        .await;
    let found = alice.data(LOOKUP, json!({ "q": "bob" })).await;
    assert_eq!(found["shareableUsers"][0]["displayName"], "Bobby Tables");
}

on_both_backends!(
    a_revoked_session_written_back_by_a_late_request_stays_revoked,
    |app: TestApp| async move {
        app.create_user("ada", Role::User).await;
        let phone = session_of(&app, "ada").await;
        let cookie = phone
            .cookie_header()
            .split(';')
            .find_map(|c| c.trim().strip_prefix("pm_session=").map(str::to_owned))
            .expect("session cookie");
        // A request on the phone reads its session...
        let (key, mut record) = app.state.sessions.load(&cookie).await.unwrap().unwrap();
        // ...the password is changed elsewhere, ending it...
        let laptop = session_of(&app, "ada").await;
        laptop
            .data(CHANGE, change_vars(PASSWORD, NEW_PASSWORD))
            .await;
        assert_unauthenticated(&phone, "revoked session").await;
        // ...and that request then writes the record back, as refreshing its idle timeout
        // does. The session must stay ended.
        record.last_seen_at -= chrono::TimeDelta::minutes(5);
        app.state
            .backends
            .sessions
            .put(
                &key,
                record.user_id,
                &serde_json::to_vec(&record).unwrap(),
                std::time::Duration::from_secs(600),
            )
            .await
            .unwrap();
        assert_unauthenticated(&phone, "session written back after revocation").await;
        assert!(
            app.state
                .backends
                .sessions
                .get(&key)
                .await
                .unwrap()
                .is_none(),
            "and it is removed again"
        );
        assert_eq!(laptop.data(ME, json!({})).await["me"]["username"], "ada");
    }
);
