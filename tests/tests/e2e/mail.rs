//! E-mail against a real SMTP listener on a free port (tests/src/smtp.rs): forgotten
//! passwords, address verification and changes, admin resets that expire, notices, the
//! outbox directory without a relay, and failed sends that admins see and retry.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use entity::{mail_outbox, mail_tokens};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::smtp::{Captured, SmtpOptions, SmtpServer};
use tests::{Backend, GraphqlClient, PASSWORD, TestApp};

const REQUEST_RESET: &str = "mutation($l: String!) { requestPasswordReset(login: $l) }";
const RESET: &str =
    "mutation($t: String!, $p: String!) { resetPassword(input: { token: $t, newPassword: $p }) }";
const ME: &str = "{ me { username email isVerified notifySecurity notifyShares } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";
const OUTBOX: &str = "query($s: MailStatus) { mailOutbox(status: $s, first: 50) { totalCount
    nodes { id kind recipient subject status attempts lastError sentAt } } }";
const NEW_PASSWORD: &str = "a brand new passphrase 42";

/// Runs `body` on SQLite and on PostgreSQL + Redis.
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_redis() {
                ($body)(Backend::PostgresRedis).await;
            }
        }
    };
}

/// A server sending through `smtp` (plain SMTP unless `extra` says otherwise), or `None`
/// where PostgreSQL is not available outside CI.
async fn app_with(backend: Backend, smtp: &SmtpServer, extra: &[(&str, &str)]) -> Option<TestApp> {
    let mut vars: Vec<(String, String)> = smtp.vars();
    vars.push((
        "MAIL_DEFAULT_SENDER".into(),
        "PanelMerge Test <noreply@example.org>".into(),
    ));
    vars.push(("SITE_NAME".into(), "PanelMerge Test".into()));
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestApp::with_vars(backend, &refs).await
}

async fn login(client: &GraphqlClient, login: &str, password: &str) -> Value {
    client
        .query(
            LOGIN,
            json!({ "i": { "login": login, "password": password } }),
        )
        .await
}

/// Checks `condition` until it holds (30 s at most): for state the server writes after a
/// reply was already seen elsewhere (the outbox row after the relay answered).
async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn outbox(admin: &GraphqlClient, status: Option<&str>) -> Vec<Value> {
    admin.data(OUTBOX, json!({ "s": status })).await["mailOutbox"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

fn to(message: &Captured) -> &str {
    message.to.first().map(String::as_str).unwrap_or_default()
}

on_both!(
    forgot_password_link_works_once_over_starttls,
    |backend| async move {
        let smtp = SmtpServer::start(SmtpOptions {
            require_starttls: true,
            credentials: Some(("mailer".into(), "relay-pass".into())),
            ..SmtpOptions::default()
        })
        .await;
        let Some(app) = app_with(
            backend,
            &smtp,
            &[
                ("MAIL_USE_TLS", "True"),
                ("MAIL_USERNAME", "mailer"),
                ("MAIL_PASSWORD", "relay-pass"),
                ("PUBLIC_URL", "https://panels.example.org/"),
            ],
        )
        .await
        else {
            return;
        };
        app.create_user("ada", Role::User).await;
        let ada = app.new_client();
        ada.login("ada", PASSWORD).await;
        let token = ada
            .data(
                "mutation { createApiToken(name: \"script\") { secret } }",
                json!({}),
            )
            .await["createApiToken"]["secret"]
            .as_str()
            .unwrap()
            .to_owned();

        // An unknown address and a real one get the same answer; only the real one gets mail.
        let visitor = app.new_client();
        let unknown = visitor
            .query(REQUEST_RESET, json!({ "l": "nobody@example.org" }))
            .await;
        let known = visitor
            .query(REQUEST_RESET, json!({ "l": "ada@example.org" }))
            .await;
        assert_eq!(unknown, known);
        assert_eq!(known, json!({ "data": { "requestPasswordReset": true } }));
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1, "{mail:#?}");
        assert_eq!(to(&mail[0]), "ada@example.org");
        assert_eq!(mail[0].from, "noreply@example.org");
        assert!(mail[0].tls, "sent after STARTTLS");
        assert_eq!(mail[0].user.as_deref(), Some("mailer"));
        let text = mail[0].text();
        assert!(
            text.contains("Subject: [PanelMerge Test] Reset your password"),
            "{text}"
        );
        assert!(
            text.contains("https://panels.example.org/reset-password#token="),
            "{text}"
        );
        assert!(
            text.contains("text/plain") && text.contains("text/html"),
            "{text}"
        );
        assert!(!text.contains(PASSWORD), "no secret but the link");
        assert_eq!(
            mail_outbox::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            1,
            "nothing was queued for the unknown address"
        );
        let link = mail[0].token().expect("a token in the link");
        // Only the keyed digest is stored.
        let stored = mail_tokens::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].token_hash.contains(&link));
        assert_eq!(stored[0].token_hash.len(), 64);

        // A weak password is refused without using the link up.
        let weak = visitor
            .query(RESET, json!({ "t": link, "p": "password1" }))
            .await;
        assert_eq!(error_code(&weak), Some("VALIDATION"));
        let done = visitor
            .query(RESET, json!({ "t": link, "p": NEW_PASSWORD }))
            .await;
        assert_eq!(done, json!({ "data": { "resetPassword": true } }));
        // The link works once.
        let again = visitor
            .query(RESET, json!({ "t": link, "p": "yet another passphrase 7" }))
            .await;
        assert_eq!(error_code(&again), Some("VALIDATION"));
        assert_eq!(again["errors"][0]["extensions"]["field"], "token");
        assert_eq!(again["errors"][0]["extensions"]["reason"], "used");
        let forged = visitor
            .query(RESET, json!({ "t": "not-a-token", "p": NEW_PASSWORD }))
            .await;
        assert_eq!(forged["errors"][0]["extensions"]["reason"], "unknown");

        // Every session and API token ended; the old password is gone, the new one works.
        assert!(ada.data(ME, json!({})).await["me"].is_null());
        let bearer = app.new_client().with_bearer(&token);
        assert_eq!(
            error_code(&bearer.query(ME, json!({})).await),
            Some("UNAUTHENTICATED")
        );
        assert_eq!(
            error_code(&login(&app.new_client(), "ada", PASSWORD).await),
            Some("UNAUTHENTICATED")
        );
        let fresh = app.new_client();
        fresh.login("ada", NEW_PASSWORD).await;
        assert_eq!(fresh.data(ME, json!({})).await["me"]["isVerified"], true);

        // Every step is audited.
        let rows = app.audit_rows(Some(AuditAction::PasswordReset)).await;
        let described: Vec<(&str, bool)> = rows
            .iter()
            .map(|r| (r.action_description.as_str(), r.success))
            .collect();
        for step in [
            ("reset requested for no active account; nothing sent", false),
            ("reset link for ada queued", true),
            (
                "password of ada reset by e-mail link; sessions and API tokens ended",
                true,
            ),
        ] {
            assert!(described.contains(&step), "{step:?} in {described:#?}");
        }
        let refused = rows
            .iter()
            .filter(|r| r.action_description == "reset link refused" && !r.success)
            .count();
        assert_eq!(refused, 2, "the used and the forged link: {described:#?}");

        // The send itself is audited, naming the message and its kind, not the recipient.
        let audited = &app;
        eventually("the audit row of the send", move || async move {
            audited
                .audit_rows(Some(AuditAction::SystemSecurity))
                .await
                .iter()
                .any(|r| {
                    r.resource_type.as_deref() == Some("mail")
                        && r.success
                        && r.action_description.ends_with("(PASSWORD_RESET) sent")
                        && !r.action_description.contains("ada@example.org")
                })
        })
        .await;
    }
);

on_both!(an_expired_link_is_refused, |backend| async move {
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let Some(app) = app_with(backend, &smtp, &[("PASSWORD_RESET_TOKEN_MAX_AGE", "120")]).await
    else {
        return;
    };
    app.create_user("ada", Role::User).await;
    app.client.data(REQUEST_RESET, json!({ "l": "ADA" })).await;
    let mail = smtp.wait_for(1).await;
    let link = mail[0].token().unwrap();
    let row = mail_tokens::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.expires_at - row.created_at).num_seconds(), 120);
    // Two minutes later (the row's clock moved back rather than the test waiting).
    mail_tokens::Entity::update_many()
        .col_expr(
            mail_tokens::Column::ExpiresAt,
            Expr::value(Utc::now() - chrono::TimeDelta::seconds(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let body = app
        .client
        .query(RESET, json!({ "t": link, "p": NEW_PASSWORD }))
        .await;
    assert_eq!(error_code(&body), Some("VALIDATION"));
    assert_eq!(body["errors"][0]["extensions"]["reason"], "expired");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    let ok = login(&app.new_client(), "ada", PASSWORD).await;
    assert!(
        ok.get("errors").is_none(),
        "the password is unchanged: {ok}"
    );
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_requests_are_rate_limited_alike_for_known_and_unknown_addresses() {
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let app = app_with(Backend::Sqlite, &smtp, &[("MAIL_REQUESTS_PER_HOUR", "2")])
        .await
        .unwrap();
    app.create_user("ada", Role::User).await;
    let request = |login: &'static str| {
        let client = app.new_client();
        async move { client.query(REQUEST_RESET, json!({ "l": login })).await }
    };
    // Per address: two an hour, whether or not it has an account.
    for login in ["ada@example.org", "nobody@example.org"] {
        for _ in 0..2 {
            let body = request(login).await;
            assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
        }
        let body = request(login).await;
        assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{login}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "mail_requests");
    }
    // Per client IP: four times as many (people behind one address share it).
    for login in ["x1@example.org", "x2@example.org"] {
        let body = request(login).await;
        assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
    }
    let body = request("x3@example.org").await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
    // Two mails went out, both to ada.
    let mail = smtp.wait_for(2).await;
    assert!(mail.iter().all(|m| to(m) == "ada@example.org"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refusing_the_password_is_a_visible_failed_send_and_is_retried() {
    let smtp = SmtpServer::start(SmtpOptions {
        require_starttls: true,
        credentials: Some(("mailer".into(), "right".into())),
        ..SmtpOptions::default()
    })
    .await;
    let app = app_with(
        Backend::Sqlite,
        &smtp,
        &[
            ("MAIL_USE_TLS", "True"),
            ("MAIL_USERNAME", "mailer"),
            ("MAIL_PASSWORD", "wrong"),
            ("MAIL_RETRY_DELAY", "1"),
            ("MAIL_MAX_ATTEMPTS", "2"),
        ],
    )
    .await
    .unwrap();
    let admin = app.logged_in("root", Role::Admin).await;
    app.create_user("ada", Role::User).await;
    app.new_client()
        .data(REQUEST_RESET, json!({ "l": "ada" }))
        .await;
    // The first try and, a second later, the retry: both refused by the relay.
    smtp.wait_until(Duration::from_secs(30), |_, failed| failed >= 2)
        .await;
    let watcher = &admin;
    eventually("the message to be marked FAILED", move || async move {
        !outbox(watcher, Some("FAILED")).await.is_empty()
    })
    .await;
    let failed = outbox(&admin, Some("FAILED")).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["kind"], "PASSWORD_RESET");
    assert_eq!(failed[0]["recipient"], "ada@example.org");
    assert_eq!(failed[0]["attempts"], 2);
    let error = failed[0]["lastError"].as_str().unwrap();
    assert!(error.contains("535"), "{error}");
    assert!(smtp.messages().is_empty());
    let rows: Vec<_> = app
        .audit_rows(Some(AuditAction::SystemSecurity))
        .await
        .into_iter()
        .filter(|r| r.resource_type.as_deref() == Some("mail"))
        .collect();
    assert_eq!(rows.len(), 2, "one row per failed attempt");
    assert!(rows.iter().all(|r| !r.success));
    assert!(
        rows[1]
            .action_description
            .contains("given up after 2 attempts"),
        "{}",
        rows[1].action_description
    );

    // Only admins see the queue.
    let plain = app.logged_in("bob", Role::User).await;
    assert_eq!(
        error_code(&plain.query(OUTBOX, json!({})).await),
        Some("FORBIDDEN")
    );

    // An admin's retry sends it again (refused again: the password is still wrong).
    let id = failed[0]["id"].as_str().unwrap().to_owned();
    let retried = admin
        .data(
            "mutation($id: ID!) { retryMail(id: $id) { status attempts } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(retried["retryMail"]["status"], "PENDING");
    assert_eq!(retried["retryMail"]["attempts"], 0);
    smtp.wait_until(Duration::from_secs(30), |_, failed| failed >= 3)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_relay_mail_goes_to_the_outbox_directory_and_the_log_says_where() {
    server::install_crypto_provider();
    let data = tempfile::tempdir().unwrap();
    let mut env = std::collections::BTreeMap::new();
    for (k, v) in [
        ("DATA_DIR", data.path().display().to_string()),
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("LOG_LEVEL", "info".into()),
        ("PANELAPP_UK_URL", "http://127.0.0.1:9/uk/api/v1/".into()),
        ("PANELAPP_AU_URL", "http://127.0.0.1:9/au/api/v1/".into()),
        ("GENE_DIRECTORY_SYNC_INTERVAL", "off".into()),
    ] {
        env.insert(k.to_owned(), v);
    }
    let server = tests::serve::ServeProcess::start(&env);
    let client = GraphqlClient::new(&server.url());
    client
        .data(
            "mutation($i: RegisterInput!) { register(input: $i) { user { id } } }",
            json!({ "i": { "username": "ada", "email": "ada@example.org", "password": PASSWORD } }),
        )
        .await;
    let outbox = data.path().join("outbox");
    let mut found = None;
    eventually("the verification mail in DATA_DIR/outbox", || {
        let entries: Vec<_> = std::fs::read_dir(&outbox)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        found = entries.into_iter().find(|p| {
            p.extension().is_some_and(|e| e == "eml")
                && server.output().contains(&p.display().to_string())
        });
        std::future::ready(found.is_some())
    })
    .await;
    let path = found.unwrap();
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("=\r\n", "")
        .replace("=3D", "=");
    assert!(text.contains("To: ada@example.org"), "{text}");
    assert!(
        text.contains("Subject: [PanelMerge] Confirm your e-mail address"),
        "{text}"
    );
    let base = format!("{}/verify-email#token=", server.url().trim_end_matches('/'));
    assert!(
        text.contains(&base),
        "links point at the server ({base}): {text}"
    );
    let log = server.output();
    assert!(
        log.contains("e-mail written to the outbox directory"),
        "{log}"
    );
    // In development an unconfirmed account may log in.
    let body = login(&GraphqlClient::new(&server.url()), "ada", PASSWORD).await;
    assert!(body.get("errors").is_none(), "{body}");
}

on_both!(
    verification_gates_login_when_required,
    |backend| async move {
        let smtp = SmtpServer::start(SmtpOptions::default()).await;
        let Some(app) = app_with(backend, &smtp, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await
        else {
            return;
        };
        // The first admin's address is confirmed by hand (as `create-admin` operators would).
        let root = app.create_user("root", Role::Admin).await;
        entity::user::Entity::update_many()
            .col_expr(entity::user::Column::IsVerified, Expr::value(true))
            .filter(entity::user::Column::Id.eq(root.id))
            .exec(&app.state.db)
            .await
            .unwrap();
        let admin = app.new_client();
        admin.login("root", PASSWORD).await;
        let ada = app.new_client();
        let body = ada
        .query(
            "mutation($i: RegisterInput!) { register(input: $i) { user { id } } }",
            json!({ "i": { "username": "ada", "email": "ada@example.org", "password": PASSWORD } }),
        )
        .await;
        let ada_id = body["data"]["register"]["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mail = smtp.wait_for(1).await;
        assert_eq!(to(&mail[0]), "ada@example.org");
        assert!(mail[0].text().contains("Confirm your e-mail address"));
        let link = mail[0].token().unwrap();

        let refused = login(&app.new_client(), "ada", PASSWORD).await;
        assert_eq!(
            error_code(&refused),
            Some("EMAIL_NOT_VERIFIED"),
            "{refused}"
        );
        // The refusal mails a fresh link (which retires the first).
        let mail = smtp.wait_for(2).await;
        assert_eq!(to(&mail[1]), "ada@example.org");
        let stale = link;
        let link = mail[1].token().unwrap();
        let old = app
            .new_client()
            .query(
                "mutation($t: String!) { verifyEmail(token: $t) }",
                json!({ "t": stale }),
            )
            .await;
        assert_eq!(old["errors"][0]["extensions"]["reason"], "used", "{old}");
        // A wrong password says nothing about verification.
        let wrong = login(&app.new_client(), "ada", "not the password at all").await;
        assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"));

        let verified = app
            .new_client()
            .query(
                "mutation($t: String!) { verifyEmail(token: $t) }",
                json!({ "t": link }),
            )
            .await;
        assert_eq!(verified["data"]["verifyEmail"], true, "{verified}");
        let again = app
            .new_client()
            .query(
                "mutation($t: String!) { verifyEmail(token: $t) }",
                json!({ "t": link }),
            )
            .await;
        assert_eq!(again["errors"][0]["extensions"]["reason"], "used");
        let client = app.new_client();
        client.login("ada", PASSWORD).await;
        assert_eq!(client.data(ME, json!({})).await["me"]["isVerified"], true);

        // Admins see and set the state.
        let users = admin
            .data(
                "{ users(search: \"ada\") { nodes { isVerified } } }",
                json!({}),
            )
            .await;
        assert_eq!(users["users"]["nodes"][0]["isVerified"], true);
        admin
            .data(
                "mutation($id: ID!) { setUserVerified(id: $id, verified: false) { isVerified } }",
                json!({ "id": ada_id }),
            )
            .await;
        let refused = login(&app.new_client(), "ada", PASSWORD).await;
        assert_eq!(error_code(&refused), Some("EMAIL_NOT_VERIFIED"));
        smtp.wait_for(3).await;
        // A session from before may ask for a link too.
        let resent = client
            .query("mutation { requestEmailVerification }", json!({}))
            .await;
        assert_eq!(resent["data"]["requestEmailVerification"], true, "{resent}");
        let mail = smtp.wait_for(4).await;
        assert!(mail.iter().all(|m| to(m) == "ada@example.org"));
    }
);

on_both!(
    change_of_address_is_confirmed_from_the_new_one_and_can_be_undone,
    |backend| async move {
        let smtp = SmtpServer::start(SmtpOptions::default()).await;
        let Some(app) = app_with(backend, &smtp, &[]).await else {
            return;
        };
        app.create_user("ada", Role::User).await;
        let ada = app.new_client();
        ada.login("ada", PASSWORD).await;
        const CHANGE: &str = "mutation($e: String!, $p: String!) {
        requestEmailChange(input: { newEmail: $e, currentPassword: $p }) }";
        let wrong = ada
            .query(
                CHANGE,
                json!({ "e": "ada.new@example.org", "p": "not my password" }),
            )
            .await;
        assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
        let asked = ada
            .query(CHANGE, json!({ "e": "Ada.New@Example.org", "p": PASSWORD }))
            .await;
        assert_eq!(asked["data"]["requestEmailChange"], true, "{asked}");
        let mail = smtp.wait_for(1).await;
        assert_eq!(to(&mail[0]), "ada.new@example.org");
        let confirm = mail[0].token().unwrap();
        // Until confirmed the old address is in force.
        assert_eq!(
            ada.data(ME, json!({})).await["me"]["email"],
            "ada@example.org"
        );
        assert_eq!(
            error_code(&login(&app.new_client(), "ada.new@example.org", PASSWORD).await),
            Some("UNAUTHENTICATED")
        );
        let done = app
            .new_client()
            .query(
                "mutation($t: String!) { confirmEmailChange(token: $t) }",
                json!({ "t": confirm }),
            )
            .await;
        assert_eq!(done["data"]["confirmEmailChange"], true, "{done}");
        assert_eq!(
            ada.data(ME, json!({})).await["me"]["email"],
            "ada.new@example.org"
        );
        let by_new = login(&app.new_client(), "ada.new@example.org", PASSWORD).await;
        assert!(by_new.get("errors").is_none(), "{by_new}");
        // The old address hears of it, with an undo link.
        let mail = smtp.wait_for(2).await;
        assert_eq!(to(&mail[1]), "ada@example.org");
        assert!(mail[1].text().contains("ada.new@example.org"));
        assert!(mail[1].text().contains("/undo-email-change#token="));
        let undo = mail[1].token().unwrap();
        let undone = app
            .new_client()
            .query(
                "mutation($t: String!) { undoEmailChange(token: $t) }",
                json!({ "t": undo }),
            )
            .await;
        assert_eq!(undone["data"]["undoEmailChange"], true, "{undone}");
        // The old address is back, and whoever was logged in is out.
        assert!(ada.data(ME, json!({})).await["me"].is_null());
        let back = app.new_client();
        back.login("ada@example.org", PASSWORD).await;
        assert_eq!(
            back.data(ME, json!({})).await["me"]["email"],
            "ada@example.org"
        );
        let rows = app.audit_rows(Some(AuditAction::SecurityViolation)).await;
        assert!(rows.iter().any(|r| r.action_description.contains("undone")));
    }
);

on_both!(an_admin_reset_is_mailed_and_expires, |backend| async move {
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let Some(app) = app_with(backend, &smtp, &[("TEMP_PASSWORD_EXPIRATION_HOURS", "2")]).await
    else {
        return;
    };
    let admin = app.logged_in("root", Role::Admin).await;
    let ada = app.create_user("ada", Role::User).await;
    let reset = admin
        .data(
            "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword expiresAt mailed user { temporaryPasswordExpiresAt } } }",
            json!({ "id": ada.id.to_string() }),
        )
        .await["resetUserPassword"]
        .clone();
    assert_eq!(reset["mailed"], true);
    let temporary = reset["temporaryPassword"].as_str().unwrap().to_owned();
    let expires: chrono::DateTime<Utc> = reset["expiresAt"].as_str().unwrap().parse().unwrap();
    let hours = (expires - Utc::now()).num_minutes();
    assert!((115..=120).contains(&hours), "{hours} minutes");
    let mail = smtp.wait_for(1).await;
    assert_eq!(to(&mail[0]), "ada@example.org");
    assert!(mail[0].text().contains(&temporary));
    assert!(mail[0].text().contains("2 hours"));

    // Before it expires it logs in (and must be changed at once).
    let first = app.new_client();
    first.login("ada", &temporary).await;
    // After, it no longer does.
    entity::user::Entity::update_many()
        .col_expr(
            entity::user::Column::TempPasswordExpiresAt,
            Expr::value(Utc::now() - chrono::TimeDelta::seconds(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let late = login(&app.new_client(), "ada", &temporary).await;
    assert_eq!(error_code(&late), Some("PASSWORD_EXPIRED"), "{late}");
});

on_both!(notices_reach_the_right_people, |backend| async move {
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let Some(app) = app_with(backend, &smtp, &[("MAX_LOGIN_ATTEMPTS", "2")]).await else {
        return;
    };
    let root = app.logged_in("root", Role::Admin).await;
    let quiet = app.logged_in("quiet", Role::Admin).await;
    let prefs = quiet
        .data("mutation { updateMailPreferences(notifySecurity: false) { notifySecurity notifyShares } }", json!({}))
        .await;
    assert_eq!(prefs["updateMailPreferences"]["notifySecurity"], false);
    assert_eq!(prefs["updateMailPreferences"]["notifyShares"], true);
    let ada = app.create_user("ada", Role::User).await;

    // A locked account hears of it.
    for _ in 0..2 {
        login(&app.new_client(), "ada", "a wrong password here").await;
    }
    let mail = smtp.wait_for(1).await;
    assert_eq!(to(&mail[0]), "ada@example.org");
    assert!(mail[0].text().contains("Your account was locked"));
    assert!(mail[0].text().contains("after 2 failed logins"));

    // A new admin: told to the admins who want it (root and ada herself, not quiet).
    root.data(
        "mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { role } }",
        json!({ "id": ada.id.to_string() }),
    )
    .await;
    let mail = smtp.wait_for(3).await;
    let mut told: Vec<&str> = mail[1..].iter().map(to).collect();
    told.sort_unstable();
    assert_eq!(told, ["ada@example.org", "root@example.org"]);
    assert!(mail[1].text().contains("ada is now an administrator"));

    // A panel shared with you: told, unless you opted out (carol did; her share is made first,
    // so a notice for her would have been queued before bob's).
    let bob = app.create_user("bob", Role::User).await;
    let carol = app.logged_in("carol", Role::User).await;
    carol
        .data(
            "mutation { updateMailPreferences(notifyShares: false) { notifyShares } }",
            json!({}),
        )
        .await;
    let panel = root
        .data(
            "mutation { createSavedPanel(input: { name: \"Cardiac\", genes: [{ symbol: \"MYH7\" }] }) { id } }",
            json!({}),
        )
        .await["createSavedPanel"]["id"]
        .clone();
    for who in ["carol", bob.username.as_str()] {
        root.data(
            "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
            json!({ "i": { "panelId": panel, "username": who, "permission": "VIEW" } }),
        )
        .await;
    }
    let mail = smtp.wait_for(4).await;
    assert_eq!(to(&mail[3]), "bob@example.org");
    assert!(
        mail[3]
            .text()
            .contains("root shared the panel \"Cardiac\" with you"),
        "{}",
        mail[3].text()
    );
    assert!(mail.iter().all(|m| to(m) != "carol@example.org"));
    let queued = outbox(&root, None).await;
    assert!(
        queued
            .iter()
            .any(|m| m["recipient"] == "bob@example.org" && m["kind"] == "PANEL_SHARED"),
        "{queued:#?}"
    );
    assert!(
        queued.iter().all(|m| m["recipient"] != "carol@example.org"),
        "no notice queued for carol: {queued:#?}"
    );
});
