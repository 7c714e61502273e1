//! The audit trail you can defend: insert-only rows (triggers), purge never below
//! AUDIT_RETENTION_DAYS, a hash chain `panelmerge audit verify` checks, downloads audited once as
//! FILE_ACCESS naming the user, and a writer for every action that is not Flask-only.

use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{GraphqlClient, MockPanelApp, TestApp, TestConfig, on_both_backends, run_cli};

async fn app_with(backend: tests::Backend, vars: &[(&str, &str)]) -> Option<TestApp> {
    TestApp::with_vars(backend, vars).await
}

/// Runs `sql` as the database owner would, inside the audit maintenance window (an attacker
/// with database access, or a test backdating rows).
async fn as_db_owner(app: &TestApp, sql: &str) {
    let db = &app.state.db;
    let txn = db.begin().await.unwrap();
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL panelmerge.audit_maintenance = 'on'")
            .await
            .unwrap();
    } else {
        txn.execute_unprepared("INSERT INTO audit_maintenance (reason) VALUES ('test')")
            .await
            .unwrap();
    }
    txn.execute_unprepared(sql).await.unwrap();
    if db.get_database_backend() != DbBackend::Postgres {
        txn.execute_unprepared("DELETE FROM audit_maintenance")
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

fn backdate_sql(app: &TestApp, up_to_id: i32) -> String {
    let old = if app.backend == tests::Backend::PostgresRedis {
        "TIMESTAMPTZ '2000-01-01T00:00:00+00:00'"
    } else {
        "'2000-01-01T00:00:00+00:00'"
    };
    format!("UPDATE audit_log SET timestamp = {old} WHERE id <= {up_to_id}")
}

/// `panelmerge ARGS` against this server's database.
async fn cli(app: &TestApp, args: &[&str]) -> (i32, String) {
    let vars = [
        ("DATABASE_URL", app.store.database_url.clone()),
        ("ENCRYPTION_KEY", app.store.encryption_key.clone()),
        ("SECRET_KEY", app.store.secret_key.clone()),
        ("DATA_DIR", app.data_dir.path().display().to_string()),
        ("AUDIT_RETENTION_DAYS", "30".to_owned()),
    ];
    let dir = app.data_dir.path().to_owned();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_cli(&args, &vars, &dir, None)
    })
    .await
    .unwrap()
}

async fn verify(app: &TestApp) -> Option<(i32, String)> {
    server::services::audit_chain::verify(&app.state.db)
        .await
        .unwrap_or_else(|e| panic!("{}", e.describe()))
        .problem
}

async fn make_rows(app: &TestApp, n: usize) {
    for i in 0..n {
        app.new_client()
            .query(
                "mutation($i: LoginInput!) { login(input: $i) { user { id } } }",
                json!({ "i": { "login": "nobody", "password": format!("guess {i}") } }),
            )
            .await;
    }
}

on_both_backends!(
    audit_rows_are_insert_only_and_chained,
    |app: TestApp| async move {
        app.create_user("ada", Role::User).await;
        make_rows(&app, 3).await;
        let rows = app.audit_rows(None).await;
        assert!(rows.len() >= 4);
        assert_eq!(
            rows[0].prev_hash.as_deref(),
            Some(server::services::audit_chain::GENESIS)
        );
        for pair in rows.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "row {} links", pair[1].id);
            assert!(pair[1].entry_uid.is_some());
        }
        let db = &app.state.db;
        for sql in [
            "UPDATE audit_log SET action_description = 'nothing happened'",
            "DELETE FROM audit_log",
        ] {
            let refused = db.execute_unprepared(sql).await;
            let message = format!("{:?}", refused.expect_err(sql));
            assert!(message.contains("append-only"), "{message}");
        }
        assert_eq!(app.audit_rows(None).await, rows, "nothing changed");
        assert_eq!(verify(&app).await, None);
    }
);

on_both_backends!(
    purges_never_go_below_the_retention_and_keep_the_chain_verifiable,
    |app: TestApp| async move {
        let Some(app) = app_with(app.backend, &[("AUDIT_RETENTION_DAYS", "30")]).await else {
            return;
        };
        let admin = app.logged_in("root", Role::Admin).await;
        make_rows(&app, 3).await;
        let body = admin
            .query("mutation { purgeAuditLog(olderThanDays: 1) }", json!({}))
            .await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("30") && message.contains("AUDIT_RETENTION_DAYS"),
            "{message}"
        );
        let (code, out) = cli(&app, &["audit", "purge", "--days", "29"]).await;
        assert_ne!(code, 0, "{out}");
        assert!(out.contains("VALIDATION") && out.contains("30"), "{out}");

        // Backdate everything written so far, then purge at the retention limit.
        let last = app.audit_rows(None).await.last().unwrap().id;
        as_db_owner(&app, &backdate_sql(&app, last)).await;
        assert!(verify(&app).await.is_some(), "backdating breaks the chain");
        let purged = admin
            .data("mutation { purgeAuditLog(olderThanDays: 30) }", json!({}))
            .await;
        assert!(purged["purgeAuditLog"].as_i64().unwrap() >= 4, "{purged}");
        let left = app.audit_rows(None).await;
        assert!(left.iter().all(|row| row.id > last));
        let purges: Vec<_> = left
            .iter()
            .filter(|row| row.action_type == AuditAction::ComplianceEvent && row.success)
            .collect();
        assert_eq!(purges.len(), 1, "the purge is audited");
        assert_eq!(purges[0].username.as_deref(), Some("root"));
        assert_eq!(
            verify(&app).await,
            None,
            "the chain resumes at the purge's anchor"
        );
        make_rows(&app, 2).await;
        let (code, out) = cli(&app, &["audit", "verify"]).await;
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("audit chain OK"), "{out}");
        assert!(out.contains(&format!("starting after row {last}")), "{out}");
    }
);

on_both_backends!(
    audit_verify_names_the_changed_or_deleted_row,
    |app: TestApp| async move {
        make_rows(&app, 6).await;
        let (code, out) = cli(&app, &["audit", "verify"]).await;
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("audit chain OK"), "{out}");
        let rows = app.audit_rows(None).await;
        let (third, fourth, fifth) = (rows[2].id, rows[3].id, rows[4].id);

        // A changed row.
        as_db_owner(
            &app,
            &format!("UPDATE audit_log SET ip_address = '203.0.113.9' WHERE id = {third}"),
        )
        .await;
        let (code, out) = cli(&app, &["audit", "verify"]).await;
        assert_ne!(code, 0, "{out}");
        assert!(out.contains(&format!("BROKEN at row {third}")), "{out}");
        assert!(out.contains("changed"), "{out}");
        // Put it back: the chain verifies again.
        let ip = rows[2].ip_address.clone().unwrap();
        as_db_owner(
            &app,
            &format!("UPDATE audit_log SET ip_address = '{ip}' WHERE id = {third}"),
        )
        .await;
        assert_eq!(verify(&app).await, None);

        // A deleted middle row.
        as_db_owner(&app, &format!("DELETE FROM audit_log WHERE id = {fourth}")).await;
        let (code, out) = cli(&app, &["audit", "verify"]).await;
        assert_ne!(code, 0, "{out}");
        assert!(
            out.contains(&format!("BROKEN at row {fifth}"))
                && out.contains(&format!("does not follow row {third}")),
            "{out}"
        );
    }
);

on_both_backends!(
    deleting_the_newest_rows_or_the_trigger_is_detected,
    |app: TestApp| async move {
        make_rows(&app, 3).await;
        let rows = app.audit_rows(None).await;
        let newest = rows.last().unwrap().id;
        // The owner drops the guard (SQLite: its triggers; PostgreSQL: the trigger).
        let drop = if app.backend == tests::Backend::PostgresRedis {
            "DROP TRIGGER audit_log_append_only ON audit_log".to_owned()
        } else {
            "DROP TRIGGER audit_log_no_delete".to_owned()
        };
        app.state.db.execute_unprepared(&drop).await.unwrap();
        app.state
            .db
            .execute_unprepared(&format!("DELETE FROM audit_log WHERE id = {newest}"))
            .await
            .unwrap();
        let problem = verify(&app).await.expect("tail deletion found");
        assert_eq!(problem.0, newest, "{problem:?}");
    }
);

const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id } }";
const EXPORT: &str = "mutation($input: MergeInput!) { \
    exportMerge(input: $input, format: CSV, filename: \"Lab panel\") { url } }";

async fn export_link(client: &GraphqlClient) -> String {
    let (_, body) = client
        .multipart(
            UPLOAD,
            json!({ "file": null }),
            vec![(
                "variables.file",
                "genes.csv",
                b"Gene\nBRCA1\nTP53\n".to_vec(),
            )],
        )
        .await;
    let id = body["data"]["uploadGeneList"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let input = json!({ "panels": [], "uploads": [id] });
    let body = client.data(EXPORT, json!({ "input": input })).await;
    body["exportMerge"]["url"].as_str().unwrap().to_owned()
}

on_both_backends!(
    a_logged_in_download_is_one_file_access_row_naming_the_user,
    |app: TestApp| async move {
        let admin = app.logged_in("root", Role::Admin).await;
        let ada = app.logged_in("ada", Role::User).await;
        let before = app.audit_rows(None).await.len();
        let url = export_link(&ada).await;
        // The browser fetches the link natively (here: without the session cookie).
        let response = reqwest::get(format!("{}{url}", app.address)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("BRCA1"));
        let new: Vec<_> = app.audit_rows(None).await.split_off(before);
        let downloads: Vec<_> = new
            .iter()
            .filter(|row| {
                matches!(
                    row.action_type,
                    AuditAction::FileAccess | AuditAction::PanelDownload | AuditAction::DataExport
                )
            })
            .collect();
        assert_eq!(downloads.len(), 1, "one row per download: {downloads:#?}");
        assert_eq!(downloads[0].action_type, AuditAction::FileAccess);
        assert_eq!(downloads[0].username.as_deref(), Some("ada"));
        assert!(downloads[0].user_id.is_some());
        assert!(
            new.iter().all(|row| row.username.is_some()),
            "no anonymous row: {new:#?}"
        );
        // Admins list them.
        let listed = admin
            .data(
                "{ auditLog(filter: { actions: [FILE_ACCESS] }) { totalCount nodes { username description details } } }",
                json!({}),
            )
            .await;
        assert_eq!(listed["auditLog"]["totalCount"], 1, "{listed}");
        assert_eq!(listed["auditLog"]["nodes"][0]["username"], "ada");
        assert_eq!(listed["auditLog"]["nodes"][0]["details"]["format"], "CSV");

        // A forged link is a security violation (and serves nothing).
        let forged = url.replacen('.', ".9", 1);
        let response = reqwest::get(format!("{}{forged}", app.address))
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        let violations = app.audit_rows(Some(AuditAction::SecurityViolation)).await;
        assert_eq!(violations.len(), 1);
        assert!(violations[0].action_description.contains("forged"));
        assert_eq!(app.audit_rows(Some(AuditAction::FileAccess)).await.len(), 1);
    }
);

async fn count(app: &TestApp, action: AuditAction) -> usize {
    app.audit_rows(Some(action)).await.len()
}

on_both_backends!(
    reads_errors_and_security_events_have_writers,
    |app: TestApp| async move {
        let ada = app.logged_in("ada", Role::User).await;
        // VIEW and PANEL_LIST, once a minute per key.
        let created = ada
            .data(
                "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }",
                json!({ "i": { "name": "Mine", "genes": [{ "symbol": "BRCA1", "confidence": "GREEN" }] } }),
            )
            .await;
        let id = created["createSavedPanel"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for _ in 0..2 {
            ada.data(
                "query($id: ID!) { savedPanel(id: $id) { name } }",
                json!({ "id": id }),
            )
            .await;
            ada.data("{ savedPanels { totalCount } }", json!({})).await;
        }
        let views = app.audit_rows(Some(AuditAction::View)).await;
        assert_eq!(views.len(), 1);
        assert_eq!(
            views[0].resource_id.as_deref(),
            Some(tests::db_id(&id).to_string().as_str())
        );
        assert_eq!(views[0].username.as_deref(), Some("ada"));
        assert_eq!(count(&app, AuditAction::PanelList).await, 1);
        // Anonymous reads are not recorded.
        app.new_client()
            .query("{ savedPanels { totalCount } }", json!({}))
            .await;
        assert_eq!(count(&app, AuditAction::PanelList).await, 1);

        // PRIVILEGE_ESCALATION: a non-admin asks for an admin-only field.
        let body = ada.query("{ auditLog { totalCount } }", json!({})).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"));
        let escalations = app.audit_rows(Some(AuditAction::PrivilegeEscalation)).await;
        assert_eq!(escalations.len(), 1);
        assert_eq!(escalations[0].username.as_deref(), Some("ada"));

        // SECURITY_VIOLATION: a mutation over GET.
        let (_, body) = ada.get_query("mutation { logout }").await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
        let violations = app.audit_rows(Some(AuditAction::SecurityViolation)).await;
        assert_eq!(violations.len(), 1);
        assert!(violations[0].action_description.contains("over GET"));

        // SUSPICIOUS_ACTIVITY then DATA_BREACH_ATTEMPT: one user probing saved panel ids.
        let eve = app.logged_in("eve", Role::User).await;
        for batch in 0..3 {
            let fields: Vec<String> = (0..10)
                .map(|i| {
                    format!(
                        "p{i}: savedPanel(id: \"{}\") {{ name }}",
                        9000 + batch * 10 + i
                    )
                })
                .collect();
            let body = eve
                .query(&format!("{{ {} }}", fields.join(" ")), json!({}))
                .await;
            assert!(body["errors"].as_array().unwrap().len() >= 10, "{body}");
        }
        let suspicious = app.audit_rows(Some(AuditAction::SuspiciousActivity)).await;
        assert_eq!(suspicious.len(), 1);
        assert_eq!(suspicious[0].username.as_deref(), Some("eve"));
        let breach = app.audit_rows(Some(AuditAction::DataBreachAttempt)).await;
        assert_eq!(breach.len(), 1);
        assert_eq!(breach[0].username.as_deref(), Some("eve"));

        // ERROR: an internal error (a sealed value that no longer opens).
        let user = entity::user::Entity::find()
            .filter(entity::user::Column::Username.eq("ada"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut update: entity::user::ActiveModel = user.into();
        update.organization = sea_orm::ActiveValue::Set(Some("v1:garbage".into()));
        sea_orm::ActiveModelTrait::update(update, &app.state.db)
            .await
            .unwrap();
        let body = ada.query("{ me { organization } }", json!({})).await;
        assert_eq!(error_code(&body), Some("INTERNAL"), "{body}");
        let errors = app.audit_rows(Some(AuditAction::Error)).await;
        assert_eq!(errors.len(), 1);
        assert!(!errors[0].success);
        assert_eq!(verify(&app).await, None);
    }
);

#[tokio::test]
async fn panel_searches_by_logged_in_users_are_audited_once_a_minute_per_search() {
    let mock = MockPanelApp::start().await;
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let ada = app.logged_in("ada", Role::User).await;
    for _ in 0..2 {
        ada.data(
            "{ panels(search: \"epilepsy\", source: UK, first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    }
    app.new_client()
        .data(
            "{ panels(search: \"epilepsy\", source: UK, first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    let searches = app.audit_rows(Some(AuditAction::Search)).await;
    assert_eq!(searches.len(), 1, "{searches:#?}");
    assert_eq!(searches[0].username.as_deref(), Some("ada"));
    assert!(searches[0].action_description.contains("epilepsy"));
    // A different search in the same minute is its own row.
    ada.data(
        "{ panels(search: \"cardiomyopathy\", source: UK, first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    let searches = app.audit_rows(Some(AuditAction::Search)).await;
    assert_eq!(searches.len(), 2, "{searches:#?}");
    assert!(searches[1].action_description.contains("cardiomyopathy"));
    let rows = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    assert!(rows.iter().all(|row| row.hash.is_some()));
}

on_both_backends!(
    concurrent_writers_on_two_instances_keep_one_chain,
    |app: TestApp| async move {
        // With PostgreSQL + Redis a second instance writes to the same trail.
        let other = if app.backend == tests::Backend::PostgresRedis {
            Some(app.sibling().await)
        } else {
            None
        };
        let addresses: Vec<String> = std::iter::once(app.address.clone())
            .chain(other.iter().map(|o| o.address.clone()))
            .collect();
        let mut tasks = Vec::new();
        for i in 0..24 {
            let client = GraphqlClient::new(&addresses[i % addresses.len()]);
            tasks.push(tokio::spawn(async move {
                // Refused (no session): each leaves a failed PROFILE_UPDATE row.
                client
                    .query(
                        "mutation($o: String) { updateProfile(input: { organization: $o }) { id } }",
                        json!({ "o": format!("Lab {i}") }),
                    )
                    .await
            }));
        }
        for task in tasks {
            let body = task.await.unwrap();
            assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
        }
        let rows = app.audit_rows(Some(AuditAction::ProfileUpdate)).await;
        assert_eq!(rows.len(), 24);
        let report = server::services::audit_chain::verify(&app.state.db)
            .await
            .unwrap();
        assert_eq!(report.problem, None);
        assert!(report.checked >= 24);
        if let Some(other) = other {
            other.stop().await;
        }
    }
);

/// Writes `rows` audit rows of `action` dated `at(i)`, in one transaction, as a bulk load does.
async fn bulk_rows(
    app: &TestApp,
    count: usize,
    action: AuditAction,
    at: impl Fn(usize) -> chrono::DateTime<chrono::Utc>,
) {
    use server::services::audit::{AuditOrigin, AuditRecord};
    let rows: Vec<_> = (0..count)
        .map(|i| {
            let mut record = AuditRecord::new(action, format!("bulk {i}"));
            record.at = Some(at(i));
            let origin = AuditOrigin {
                user_id: None,
                username: Some("bulk".to_owned()),
                ip: None,
                user_agent: None,
                session_id: None,
            };
            (origin, record)
        })
        .collect();
    let txn = app.state.db.begin().await.unwrap();
    app.state.audit.write_many(&txn, &rows).await.unwrap();
    txn.commit().await.unwrap();
}

/// The ids of the rows whose time is in `[from, to)`, newest id first, read from the table.
async fn ids_between(
    app: &TestApp,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Vec<i64> {
    use sea_orm::QueryOrder;
    audit_log::Entity::find()
        .filter(audit_log::Column::Timestamp.gte(from))
        .filter(audit_log::Column::Timestamp.lt(to))
        .order_by_desc(audit_log::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| i64::from(row.id))
        .collect()
}

on_both_backends!(
    audit_totals_stop_counting_at_ten_thousand_and_time_ranges_find_rows_by_id,
    |app: TestApp| async move {
        use chrono::{Duration, TimeZone, Utc};
        let admin = app.logged_in("root", Role::Admin).await;
        // 20 recent rows first, then 10,000 rows dated 2020 under higher ids (as rows copied
        // in from Flask are): ids and times disagree.
        let now = Utc::now();
        bulk_rows(&app, 20, AuditAction::DataExport, |i| {
            now - Duration::hours(30) + Duration::minutes(i as i64)
        })
        .await;
        let old = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        bulk_rows(&app, 10_000, AuditAction::CacheClear, |i| {
            old + Duration::minutes(i as i64)
        })
        .await;
        let page = |filter: serde_json::Value| {
            let admin = &admin;
            async move {
                admin
                    .data(
                        "query($f: AuditFilter) { auditLog(filter: $f, first: 100) { \
                           totalCount totalCountIsExact nodes { id at } } }",
                        json!({ "f": filter }),
                    )
                    .await["auditLog"]
                    .clone()
            }
        };
        let ids = |log: &serde_json::Value| -> Vec<i64> {
            log["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| i64::from(tests::db_id(n["id"].as_str().unwrap())))
                .collect()
        };

        // More than 10,000 rows: the count stops at the bound and says so.
        let all = page(json!({})).await;
        assert_eq!(all["totalCount"], 10_000, "{all}");
        assert_eq!(all["totalCountIsExact"], false, "{all}");
        assert_eq!(ids(&all).len(), 100);
        // Exactly 10,000 matching is still exact.
        let updates = page(json!({ "actions": ["CACHE_CLEAR"] })).await;
        assert_eq!(updates["totalCount"], 10_000, "{updates}");
        assert_eq!(updates["totalCountIsExact"], true, "{updates}");
        let exports = page(json!({ "actions": ["DATA_EXPORT"] })).await;
        assert_eq!(exports["totalCount"], 20, "{exports}");
        assert_eq!(exports["totalCountIsExact"], true);

        // An hour of 2020: its 60 rows, newest id first, and nothing else.
        let (from, to) = (old, old + Duration::hours(1));
        let hour = page(json!({ "from": from, "to": to })).await;
        assert_eq!(hour["totalCount"], 60, "{hour}");
        assert_eq!(ids(&hour), ids_between(&app, from, to).await);
        // A range holding old rows under high ids and recent rows under low ids: the page is the
        // newest ids of exactly the rows in range, and the total counts both kinds.
        let (from, to) = (old + Duration::minutes(9_990), now + Duration::minutes(1));
        let mixed = page(json!({ "from": from, "to": to })).await;
        let expected = ids_between(&app, from, to).await;
        assert!(
            expected.len() > 30,
            "10 old, 20 recent, the logins: {expected:?}"
        );
        assert_eq!(mixed["totalCount"], expected.len(), "{mixed}");
        assert_eq!(ids(&mixed), expected);
        // Combined with another filter, and a range with no rows at all.
        let recent_exports =
            page(json!({ "from": from, "to": to, "actions": ["DATA_EXPORT"] })).await;
        assert_eq!(recent_exports["totalCount"], 20, "{recent_exports}");
        let none = page(json!({
            "from": Utc.with_ymd_and_hms(1999, 1, 1, 0, 0, 0).unwrap(),
            "to": Utc.with_ymd_and_hms(1999, 2, 1, 0, 0, 0).unwrap(),
        }))
        .await;
        assert_eq!(none["totalCount"], 0, "{none}");
        assert_eq!(none["totalCountIsExact"], true);
        assert_eq!(ids(&none), Vec::<i64>::new());
    }
);

/// The people an answer names are read together: an audit page's `user { username }` costs
/// the same number of statements for 2 rows as for 12 (it cost one more per row).
#[tokio::test]
async fn an_audit_page_reads_the_people_it_names_together() {
    use std::sync::atomic::Ordering;
    let app = TestApp::sqlite().await;
    let admin = app.logged_in("root", Role::Admin).await;
    for i in 0..12 {
        app.logged_in(&format!("person{i:02}"), Role::User).await;
    }
    let page = "query($n: Int!) { auditLog(first: $n, filter: { actions: [LOGIN], usernames: [
        \"person00\", \"person01\", \"person02\", \"person03\", \"person04\", \"person05\",
        \"person06\", \"person07\", \"person08\", \"person09\", \"person10\", \"person11\"] }) {
        nodes { username user { username } } } }";
    let mut costs = Vec::new();
    for n in [2, 12] {
        let before = app.state.statements.load(Ordering::SeqCst);
        let data = admin.data(page, json!({ "n": n })).await;
        costs.push(app.state.statements.load(Ordering::SeqCst) - before);
        let nodes = data["auditLog"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n, "{data}");
        for node in nodes {
            assert_eq!(node["user"]["username"], node["username"], "{node}");
        }
    }
    assert_eq!(
        costs[0], costs[1],
        "the cost does not grow with the people named: {costs:?}"
    );
}
