//! Abuse resistance, CSRF, GraphQL hardening, audit coverage and encryption.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{PASSWORD, TestApp, TestConfig, on_both_backends};

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";
const ME: &str = "{ me { username } }";

fn login_vars(login: &str, password: &str) -> Value {
    json!({ "i": { "login": login, "password": password } })
}

async fn app_with(vars: &[(&str, &str)], backend: tests::Backend) -> Option<TestApp> {
    TestApp::with_vars(backend, vars).await
}

async fn lockout_then_unlock(app: TestApp) {
    app.create_user("ada", Role::User).await;
    let admin = app.logged_in("root", Role::Admin).await;
    let attacker = app.new_client();
    for attempt in 1..=3 {
        let body = attacker
            .query(LOGIN, login_vars("ada", "wrong password here"))
            .await;
        let expected = if attempt < 3 {
            "UNAUTHENTICATED"
        } else {
            "ACCOUNT_LOCKED"
        };
        assert_eq!(
            error_code(&body),
            Some(expected),
            "attempt {attempt}: {body}"
        );
        // Before the lock: how many attempts are left and how long the lock would last
        // (issue 17.9); at the lock: how long it lasts.
        let error = &body["errors"][0];
        let message = error["message"].as_str().unwrap();
        if attempt < 3 {
            assert_eq!(error["extensions"]["attemptsLeft"], 3 - attempt, "{body}");
            assert_eq!(error["extensions"]["lockoutSeconds"], 900, "{body}");
            let left = if attempt == 2 {
                "1 attempt is left"
            } else {
                "2 attempts are left"
            };
            assert!(
                message.contains(left) && message.contains("locked for 15 minutes"),
                "{message}"
            );
        } else {
            assert_eq!(error["extensions"]["retryAfter"], 900, "{body}");
            assert!(message.contains("try again in 15 minutes"), "{message}");
        }
    }
    // An unknown name is answered alike: nothing tells it from a real account.
    let body = app
        .new_client()
        .query(LOGIN, login_vars("nobody-here", "wrong password here"))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["attemptsLeft"], 2, "{body}");
    // Even the right password is refused while locked.
    let body = attacker.query(LOGIN, login_vars("ada", PASSWORD)).await;
    assert_eq!(error_code(&body), Some("ACCOUNT_LOCKED"));
    assert!(
        body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            > 0
    );
    let lockouts = app.audit_rows(Some(AuditAction::AccountLockout)).await;
    assert_eq!(lockouts.len(), 1);
    assert_eq!(lockouts[0].username.as_deref(), Some("ada"));
    let users = admin
        .data(
            "{ users(search: \"ada\") { nodes { id lockedUntil failedLoginAttempts } } }",
            json!({}),
        )
        .await;
    let ada = &users["users"]["nodes"][0];
    assert!(!ada["lockedUntil"].is_null());
    assert_eq!(ada["failedLoginAttempts"], 3);
    // A non-admin can not unlock; the refusal is audited.
    let body = attacker
        .query(
            "mutation($id: ID!) { unlockUser(id: $id) { id } }",
            json!({ "id": ada["id"] }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    admin
        .data(
            "mutation($id: ID!) { unlockUser(id: $id) { lockedUntil } }",
            json!({ "id": ada["id"] }),
        )
        .await;
    attacker.login("ada", PASSWORD).await;
}

on_both_backends!(
    accounts_lock_after_max_attempts_and_admins_unlock,
    |app: TestApp| async move {
        // The harness's defaults are used; restart with a low MAX_LOGIN_ATTEMPTS on the same backend.
        let backend = app.backend;
        drop(app);
        let Some(app) = app_with(&[("MAX_LOGIN_ATTEMPTS", "3")], backend).await else {
            return;
        };
        lockout_then_unlock(app).await;
    }
);

#[tokio::test]
async fn an_ip_with_too_many_failures_is_blocked() {
    let app = app_with(
        &[
            ("BRUTE_FORCE_THRESHOLD", "4"),
            ("MAX_LOGIN_ATTEMPTS", "100"),
        ],
        tests::Backend::Sqlite,
    )
    .await
    .unwrap();
    app.create_user("ada", Role::User).await;
    for i in 0..4 {
        let body = app
            .client
            .query(LOGIN, login_vars(&format!("nobody{i}"), "whatever it is"))
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    }
    let body = app.client.query(LOGIN, login_vars("ada", PASSWORD)).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "ip_blocked");
    let rows = app.audit_rows(Some(AuditAction::BruteForceAttempt)).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].resource_id.as_deref(), Some("127.0.0.1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_holds_across_two_instances_sharing_redis() {
    let Some(a) = app_with(
        &[("RATE_LIMIT_PER_MINUTE", "5")],
        tests::Backend::PostgresRedis,
    )
    .await
    else {
        return;
    };
    let mut config = TestConfig {
        share_with: Some(a.store.clone()),
        ..TestConfig::default()
    };
    config.backend = Some(tests::Backend::PostgresRedis);
    config
        .vars
        .insert("RATE_LIMIT_PER_MINUTE".into(), "5".into());
    let b = TestApp::spawn(config).await.unwrap();
    for client in [&a.client, &b.client, &a.client, &b.client, &a.client] {
        let body = client.query("{ serverInfo { version } }", json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let response = b
        .client
        .http
        .post(b.client.url("/graphql"))
        .json(&json!({ "query": "{ serverInfo { version } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
}

on_both_backends!(
    csrf_mutations_over_get_and_text_plain_posts_change_nothing,
    |app: TestApp| async move {
        app.create_user("ada", Role::User).await;
        app.client.login("ada", PASSWORD).await;
        let (status, body) = app.client.get_query("mutation { logout }").await;
        assert_eq!(status, 405, "a mutation over GET is Method Not Allowed");
        assert_eq!(error_code(&body), Some("FORBIDDEN"));
        assert!(body["data"].is_null());
        assert_eq!(
            app.client.data(ME, json!({})).await["me"]["username"],
            "ada",
            "still logged in"
        );
        let (status, body) = app
            .client
            .post_raw(
                "text/plain",
                json!({ "query": "mutation { logout }" })
                    .to_string()
                    .into_bytes(),
            )
            .await;
        assert_eq!(status, 415);
        assert_eq!(error_code(&body), Some("VALIDATION"));
        assert_eq!(
            app.client.data(ME, json!({})).await["me"]["username"],
            "ada",
            "still logged in"
        );
        assert!(app.audit_rows(Some(AuditAction::Logout)).await.is_empty());
    }
);

#[tokio::test]
async fn login_can_not_be_multiplied_by_aliases_or_batches() {
    let app = TestApp::sqlite().await;
    app.create_user("ada", Role::User).await;
    let aliased = "mutation { a: login(input: {login: \"ada\", password: \"guess one\"}) { user { id } } \
                   b: login(input: {login: \"ada\", password: \"guess two\"}) { user { id } } }";
    let body = app.client.query(aliased, json!({})).await;
    assert_eq!(error_code(&body), Some("VALIDATION"));
    assert_eq!(body["errors"][0]["extensions"]["limit"], "sensitive");
    let batch: Vec<Value> = (0..3)
        .map(|i| json!({ "query": LOGIN, "variables": login_vars("ada", &format!("guess {i} here")) }))
        .collect();
    let (status, body) = app
        .client
        .post_raw("application/json", serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["limit"], "sensitive");
    assert!(
        app.audit_rows(Some(AuditAction::Login)).await.is_empty(),
        "no guess was evaluated"
    );
}

#[tokio::test]
async fn complexity_attacks_are_refused_with_their_code() {
    let app = TestApp::sqlite().await;
    let admin = app.logged_in("root", Role::Admin).await;
    // Two pages of 100 with a dozen fields each: over the default cost limit (2500).
    let page = "auditLog(first: 100) { edges { cursor node { id action username description \
                resourceType resourceId success at ipAddress userAgent details } } }";
    let heavy = format!("{{ a: {page} b: {page} }}");
    let heavy = heavy.as_str();
    let body = admin.query(heavy, json!({})).await;
    assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "complexity");
    let cost = body["errors"][0]["extensions"]["cost"]
        .as_u64()
        .unwrap_or(0);
    assert!(cost > 2500, "the refusal says the cost: {body}");
    assert_eq!(body["errors"][0]["extensions"]["max"], 2500);
    let light = "{ auditLog(first: 10) { edges { node { id action } } } }";
    assert!(admin.query(light, json!({})).await.get("errors").is_none());
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_look_the_same() {
    let app = TestApp::sqlite().await;
    app.create_user("ada", Role::User).await;
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for i in 0..4 {
        // An unknown name is counted like an account, so its n-th failure reads like the n-th
        // failure of a real account (attempts left included).
        let started = Instant::now();
        let body = app
            .client
            .query(LOGIN, login_vars("ghost", &format!("some password {i}")))
            .await;
        unknown.push(started.elapsed());
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
        let ghost_message = body["errors"][0]["message"].as_str().unwrap().to_owned();
        let ghost_extensions = body["errors"][0]["extensions"].clone();
        let started = Instant::now();
        let body = app
            .client
            .query(LOGIN, login_vars("ada", &format!("wrong password {i}")))
            .await;
        wrong.push(started.elapsed());
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
        assert_eq!(
            body["errors"][0]["message"].as_str().unwrap(),
            ghost_message,
            "attempt {i}: one message for both"
        );
        assert_eq!(
            body["errors"][0]["extensions"], ghost_extensions,
            "attempt {i}"
        );
    }
    unknown.sort();
    wrong.sort();
    let (u, w) = (unknown[2].as_secs_f64(), wrong[2].as_secs_f64());
    // Both verify an argon2 hash; a generous bound, robust to a busy machine.
    assert!(
        u / w > 0.33 && u / w < 3.0,
        "median unknown {u:.3}s vs wrong {w:.3}s"
    );
}

/// A value of the GraphQL input type `ty` (an introspection type reference) good enough to
/// pass validation.
fn sample(ty: &Value, types: &[Value]) -> Value {
    match ty["kind"].as_str() {
        Some("NON_NULL") => sample(&ty["ofType"], types),
        Some("LIST") => json!([sample(&ty["ofType"], types)]),
        Some("ENUM") => {
            let def = types.iter().find(|t| t["name"] == ty["name"]).unwrap();
            def["enumValues"][0]["name"].clone()
        }
        Some("INPUT_OBJECT") => {
            let def = types.iter().find(|t| t["name"] == ty["name"]).unwrap();
            let mut object = serde_json::Map::new();
            for field in def["inputFields"].as_array().unwrap() {
                if field["type"]["kind"] == "NON_NULL" {
                    object.insert(
                        field["name"].as_str().unwrap().into(),
                        sample(&field["type"], types),
                    );
                }
            }
            Value::Object(object)
        }
        _ => match ty["name"].as_str() {
            Some("Int") => json!(999_999),
            Some("Boolean") => json!(false),
            Some("Upload") => Value::Null,
            _ => json!("999999"),
        },
    }
}

fn type_literal(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_literal(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_literal(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn every_mutation_in_the_schema_writes_an_audit_row() {
    let app = TestApp::sqlite().await;
    let admin = app.logged_in("root", Role::Admin).await;
    let schema = admin
        .data(
            "{ __schema { mutationType { fields { name args { name type { ...T } } type { ...T } } }
               types { name kind enumValues { name } inputFields { name type { ...T } } } } }
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }",
            json!({}),
        )
        .await;
    let types = schema["__schema"]["types"].as_array().unwrap().clone();
    let mut fields = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .clone();
    // Log out last, so the admin stays logged in for the others.
    fields.sort_by_key(|f| f["name"] == "logout");
    assert!(fields.len() >= 10, "the schema has its mutations");
    for field in &fields {
        let name = field["name"].as_str().unwrap();
        let mut declared = Vec::new();
        let mut passed = Vec::new();
        let mut variables = serde_json::Map::new();
        for arg in field["args"].as_array().unwrap() {
            let arg_name = arg["name"].as_str().unwrap();
            declared.push(format!("${arg_name}: {}", type_literal(&arg["type"])));
            passed.push(format!("{arg_name}: ${arg_name}"));
            variables.insert(arg_name.into(), sample(&arg["type"], &types));
        }
        let leaf = {
            let mut t = &field["type"];
            while t["kind"] == "NON_NULL" || t["kind"] == "LIST" {
                t = &t["ofType"];
            }
            matches!(t["kind"].as_str(), Some("SCALAR" | "ENUM"))
        };
        let selection = if leaf {
            String::new()
        } else {
            " { __typename }".to_owned()
        };
        let header = if declared.is_empty() {
            String::new()
        } else {
            format!("({})", declared.join(", "))
        };
        let args = if passed.is_empty() {
            String::new()
        } else {
            format!("({})", passed.join(", "))
        };
        let query = format!("mutation{header} {{ {name}{args}{selection} }}");
        let before = app.audit_rows(None).await.len();
        // Upload arguments travel as multipart parts, never in JSON.
        let uploads: Vec<String> = field["args"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| type_literal(&a["type"]).trim_end_matches('!') == "Upload")
            .map(|a| format!("variables.{}", a["name"].as_str().unwrap()))
            .collect();
        let body = if uploads.is_empty() {
            admin.query(&query, Value::Object(variables)).await
        } else {
            let files = uploads
                .iter()
                .map(|p| (p.as_str(), "genes.txt", b"BRCA1\nTP53\n".to_vec()))
                .collect();
            admin
                .multipart(&query, Value::Object(variables), files)
                .await
                .1
        };
        let after = app.audit_rows(None).await;
        if server::graphql::AUDITED_ON_FETCH.contains(&name) && body.get("errors").is_none() {
            // Exports are audited once, when their link is fetched (FILE_ACCESS; see
            // audit_trail.rs), not when it is prepared.
            continue;
        }
        assert!(
            after.len() > before,
            "{name} wrote no audit row; answer: {body}"
        );
        let newest = after.last().unwrap();
        let expected = server::graphql::mutation_action(name);
        let domain_rows: Vec<_> = after[before..].iter().map(|r| r.action_type).collect();
        assert!(
            domain_rows.contains(&expected) || body.get("errors").is_none(),
            "{name}: failure rows use {expected}, got {domain_rows:?} ({body})"
        );
        assert!(newest.timestamp <= chrono::Utc::now());
    }
}

#[tokio::test]
async fn non_admins_are_refused_and_the_refusal_is_audited() {
    let app = TestApp::sqlite().await;
    let user = app.logged_in("ada", Role::Editor).await;
    let body = user
        .query("{ auditLog { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let body = user.query("{ users { nodes { id } } }", json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    // Admin-only fields refused to a non-admin are PRIVILEGE_ESCALATION rows.
    let denied = app.audit_rows(Some(AuditAction::PrivilegeEscalation)).await;
    assert_eq!(denied.len(), 2);
    assert_eq!(denied[0].username.as_deref(), Some("ada"));
    assert!(!denied[0].success);
    let response = user
        .http
        .get(user.url("/admin/audit.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        app.audit_rows(Some(AuditAction::PrivilegeEscalation))
            .await
            .len(),
        3
    );
}

on_both_backends!(
    admins_page_filter_export_and_purge_the_audit_log,
    |app: TestApp| async move {
        let admin = app.logged_in("root", Role::Admin).await;
        app.create_user("ada", Role::User).await;
        for i in 0..3 {
            app.new_client()
                .query(LOGIN, login_vars("ada", &format!("bad guess {i}")))
                .await;
        }
        let page = "query($f: AuditFilter, $after: String) { auditLog(filter: $f, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id action username success details } } }";
        let failed = json!({ "actions": ["LOGIN"], "success": false });
        let first = admin.data(page, json!({ "f": failed })).await;
        assert_eq!(first["auditLog"]["totalCount"], 3);
        assert_eq!(first["auditLog"]["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(first["auditLog"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(
            first["auditLog"]["nodes"][0]["details"]["login"], "ada",
            "details decrypted"
        );
        let cursor = first["auditLog"]["pageInfo"]["endCursor"].clone();
        let second = admin
            .data(page, json!({ "f": failed, "after": cursor }))
            .await;
        assert_eq!(second["auditLog"]["nodes"].as_array().unwrap().len(), 1);
        assert_eq!(second["auditLog"]["pageInfo"]["hasNextPage"], false);
        let future = json!({ "from": "2999-01-01T00:00:00Z" });
        assert_eq!(
            admin.data(page, json!({ "f": future })).await["auditLog"]["totalCount"],
            0
        );

        let csv = admin
            .http
            .get(admin.url("/admin/audit.csv?actions=LOGIN&success=false"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        assert!(
            csv.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        let text = csv.text().await.unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].starts_with("id,timestamp_utc,action,success"));
        assert_eq!(lines.len(), 4, "header + 3 failed logins:\n{text}");
        assert_eq!(app.audit_rows(Some(AuditAction::DataExport)).await.len(), 1);
        // A kind the server does not know is refused, naming it; nothing is exported.
        let unknown = admin
            .http
            .get(admin.url("/admin/audit.csv?resourceKinds=SAVED_PANEL,GALAXY"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 400);
        let body: serde_json::Value = unknown.json().await.unwrap();
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert!(body.to_string().contains("resourceKinds"), "{body}");
        assert!(body.to_string().contains("GALAXY"), "{body}");
        assert_eq!(app.audit_rows(Some(AuditAction::DataExport)).await.len(), 1);
        // The typed filter: the failed sign-ins are about accounts, none about saved panels.
        let about = |kinds: serde_json::Value| {
            let mut f = failed.clone();
            f["resourceKinds"] = kinds;
            f
        };
        // (Each count would be 3 if the filter were ignored.)
        for (kinds, expected) in [
            (json!(["USER"]), 3),
            (json!(["IP", "USER"]), 3),
            (json!(["IP"]), 0),
            (json!(["SAVED_PANEL", "OTHER"]), 0),
        ] {
            let log = admin.data(page, json!({ "f": about(kinds.clone()) })).await;
            assert_eq!(log["auditLog"]["totalCount"], expected, "{kinds}: {log}");
        }

        // Never below AUDIT_RETENTION_DAYS (365 by default).
        let refused = admin
            .query("mutation { purgeAuditLog(olderThanDays: 1) }", json!({}))
            .await;
        assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
        assert!(refused.to_string().contains("365"), "{refused}");
        let purged = admin.data("mutation { purgeAuditLog }", json!({})).await;
        assert_eq!(purged["purgeAuditLog"], 0, "nothing is a year old yet");
        // Rows are insert-only: backdating them needs the maintenance window.
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let backend = app.state.db.get_database_backend();
        let last = app.audit_rows(None).await.last().unwrap().id;
        let old = if backend == sea_orm::DbBackend::Postgres {
            "TIMESTAMPTZ '2000-01-01T00:00:00+00:00'"
        } else {
            "'2000-01-01T00:00:00+00:00'"
        };
        let sql = format!("UPDATE audit_log SET timestamp = {old} WHERE id <= {last}");
        assert!(app.state.db.execute_unprepared(&sql).await.is_err());
        let txn = app.state.db.begin().await.unwrap();
        if backend == sea_orm::DbBackend::Postgres {
            txn.execute_unprepared("SET LOCAL panelmerge.audit_maintenance = 'on'")
                .await
                .unwrap();
        } else {
            txn.execute_unprepared("INSERT INTO audit_maintenance (reason) VALUES ('test')")
                .await
                .unwrap();
        }
        txn.execute_unprepared(&sql).await.unwrap();
        if backend != sea_orm::DbBackend::Postgres {
            txn.execute_unprepared("DELETE FROM audit_maintenance")
                .await
                .unwrap();
        }
        txn.commit().await.unwrap();
        let purged = admin
            .data("mutation { purgeAuditLog(olderThanDays: 365) }", json!({}))
            .await;
        assert!(purged["purgeAuditLog"].as_i64().unwrap() >= 4, "{purged}");
        assert!(app.audit_rows(Some(AuditAction::Login)).await.is_empty());
        let compliance = app.audit_rows(Some(AuditAction::ComplianceEvent)).await;
        assert_eq!(
            compliance.len(),
            1,
            "the purge is itself audited: {compliance:#?}"
        );
        assert!(compliance[0].success);
        let chain = server::services::audit_chain::verify(&app.state.db)
            .await
            .unwrap();
        assert_eq!(chain.problem, None, "the chain verifies after a purge");
        assert_eq!(chain.starts_after, last);
    }
);

#[tokio::test]
async fn tampered_values_fail_loudly_and_rotation_re_encrypts_everything() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let app = TestApp::sqlite().await;
    let user = app.create_user("ada", Role::User).await;
    app.client.login("ada", PASSWORD).await;
    app.client
        .data(
            "mutation { updateProfile(input: { organization: \"Genome Lab\" }) { organization } }",
            json!({}),
        )
        .await;
    // Rotate with the CLI, against the same database file.
    let vars = [
        ("DATABASE_URL", app.store.database_url.clone()),
        ("ENCRYPTION_KEY", app.store.encryption_key.clone()),
        ("SECRET_KEY", app.store.secret_key.clone()),
        ("DATA_DIR", app.data_dir.path().display().to_string()),
    ];
    let dir = app.data_dir.path().to_owned();
    let (code, out) = tokio::task::spawn_blocking(move || {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        tests::run_cli(&["rotate-key"], &vars, &dir, None)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    let new_key = out
        .lines()
        .find_map(|l| l.strip_prefix("ENCRYPTION_KEY="))
        .unwrap()
        .to_owned();
    // The running server still has the old key only: the rotated value does not open.
    let body = app.client.query("{ me { organization } }", json!({})).await;
    assert_eq!(error_code(&body), Some("INTERNAL"));
    // A server with the new key reads everything, audit details included.
    let mut store = app.store.clone();
    store.encryption_key = new_key;
    let rotated = TestApp::spawn(TestConfig {
        share_with: Some(store),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    rotated.client.login("ada", PASSWORD).await;
    let me = rotated
        .client
        .data("{ me { organization } }", json!({}))
        .await;
    assert_eq!(me["me"]["organization"], "Genome Lab");
    let admin = rotated.logged_in("root", Role::Admin).await;
    let log = admin
        .data(
            "{ auditLog(filter: { actions: [PROFILE_UPDATE] }) { nodes { details } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["auditLog"]["nodes"][0]["details"]["changed"]["organization"]["new"],
        "Genome Lab"
    );
    // Rotation re-seals audit details and relinks the hash chain: it still verifies.
    let chain = server::services::audit_chain::verify(&rotated.state.db)
        .await
        .unwrap();
    assert_eq!(chain.problem, None);
    assert!(chain.checked > 0);
    // Tampering: flip a character of the stored ciphertext.
    let row = entity::user::Entity::find_by_id(user.id)
        .one(&rotated.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut sealed = row.organization.clone().unwrap().into_bytes();
    let i = sealed.len() - 5;
    sealed[i] = if sealed[i] == b'A' { b'B' } else { b'A' };
    let mut update: entity::user::ActiveModel = row.into();
    update.organization = Set(Some(String::from_utf8(sealed).unwrap()));
    update.update(&rotated.state.db).await.unwrap();
    let body = rotated
        .client
        .query("{ me { organization } }", json!({}))
        .await;
    assert_eq!(
        error_code(&body),
        Some("INTERNAL"),
        "tampering is an error, never garbage"
    );
    assert!(!body.to_string().contains("Genome"));
    let _ = Duration::ZERO;
}

/// 50 aliased `exportMerge` fields used to render and store 50 files in one request; merges,
/// exports, uploads and refreshes are now bounded per request, aliases and batches included.
#[tokio::test]
async fn expensive_fields_can_not_be_multiplied_by_aliases_or_batches() {
    let app = app_with(&[("GRAPHQL_MAX_EXPENSIVE", "3")], tests::Backend::Sqlite)
        .await
        .unwrap();
    let upload = "mutation($file: Upload!) { uploadGeneList(file: $file) { id } }";
    let (_, body) = app
        .client
        .multipart(
            upload,
            json!({ "file": null }),
            vec![("variables.file", "lab.csv", b"Gene\nBRCA1\nTP53\n".to_vec())],
        )
        .await;
    let id = body["data"]["uploadGeneList"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let exports = |n: usize| {
        let fields: String = (0..n)
            .map(|i| format!("e{i}: exportMerge(input: $input, format: CSV) {{ url }} "))
            .collect();
        format!("mutation($input: MergeInput!) {{ {fields}}}")
    };
    let input = json!({ "input": { "panels": [], "uploads": [id] } });

    let body = app.client.query(&exports(50), input.clone()).await;
    assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "expensive");
    assert!(body["data"].is_null(), "nothing ran: {body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("50") && message.contains("at most 3"),
        "{message}"
    );

    let body = app.client.query(&exports(3), input.clone()).await;
    assert!(body.get("errors").is_none(), "{body}");
    let urls: Vec<&str> = (0..3)
        .map(|i| body["data"][format!("e{i}")]["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 3);

    // Two operations of two exports each in one batch: four in one request.
    let batch: Vec<Value> = (0..2)
        .map(|_| json!({ "query": exports(2), "variables": input }))
        .collect();
    let (status, body) = app
        .client
        .post_raw("application/json", serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "expensive");
}

/// List fields without a `first` (a panel's entities, a saved panel's genes and versions) are
/// as long as their data: the complexity check, made before anything runs, can not see that.
/// Queries are metered while they run and stop at `GRAPHQL_MAX_VALUES`.
#[tokio::test]
async fn long_lists_are_bounded_by_the_values_a_query_may_answer_with() {
    let app = app_with(&[("GRAPHQL_MAX_VALUES", "500")], tests::Backend::Sqlite)
        .await
        .unwrap();
    // UK 402 from the bundled snapshot (PanelApp is unreachable in tests): hundreds of entities.
    let small = "{ panel(source: UK, id: 402) { name version } }";
    let body = app.client.query(small, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["panel"]["name"].as_str().is_some(), "{body}");

    let whole = "{ panel(source: UK, id: 402) { name entities { nodes { symbol hgncId modeOfInheritance } } } }";
    let body = app.client.query(whole, json!({})).await;
    assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "one error, not one per entity: {body}");
    assert_eq!(errors[0]["extensions"]["limit"], "values");
    assert_eq!(errors[0]["extensions"]["max"], 500);
    assert!(body["data"].is_null(), "{body}");

    // The same answer fits the default budget.
    let app = TestApp::sqlite().await;
    let body = app.client.query(whole, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["panel"]["entities"]["nodes"]
            .as_array()
            .unwrap()
            .len()
            > 170
    );
}
