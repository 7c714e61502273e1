//! `load scale`: the admin and saved-panel pages with years of data (issue 18, point 5).
//!
//! Seeds a fresh database with `panelmerge seed-scale` (1,000 users, 10,000 saved panels of
//! which 100 have 50 versions, 1,000,000 audit rows by default; the binary must be built with
//! `--features server/test-support`), checks the audit chain, starts a release server on it
//! and times, as the seeded admin: the audit page with each filter, the saved-panel list with
//! each scope, filter and sort, one saved panel's page, the `auditEvents` fan-out, and the
//! CSV export of the whole trail (with the server's peak memory while it streams). Then prints
//! the query plan of each list query. `--backend postgres` uses `TEST_DATABASE_URL`.

use std::process::Command;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use tests::GraphqlClient;
use tests::ws::WsClient;

use super::catalogue::{Row, Shot, run};
use super::{Server, arg, binary, ms, percentile};

const PASSWORD: &str = "scale seed password 1234";

fn backend_is_postgres() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .any(|w| w[0] == "--backend" && w[1].starts_with("postgres"))
}

fn doc(path: &str) -> String {
    std::fs::read_to_string(tests::repo_root().join("web/graphql").join(path)).expect(path)
}

pub async fn scale() {
    let users = arg("--users", 1000);
    let panels = arg("--panels", 10_000);
    let versioned = arg("--versioned", 100);
    let versions = arg("--versions", 50);
    let audit = arg("--audit", 1_000_000);
    let seconds = arg("--seconds", 3);
    let connections = arg("--connections", 8) as usize;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    let _pg;
    let database_url = if backend_is_postgres() {
        let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
        let db = tests::PgDatabase::create(&url).await;
        let url = db.url.clone();
        _pg = Some(db);
        url
    } else {
        _pg = None;
        format!(
            "sqlite:///{}?mode=rwc",
            dir.path().join("scale.db").display()
        )
    };
    let key = server::config::EncryptionKey::generate()
        .to_base64()
        .expose()
        .to_owned();
    let vars = vec![
        ("DATA_DIR", dir.path().display().to_string()),
        ("DATABASE_URL", database_url.clone()),
        (
            "SECRET_KEY",
            "load-test-secret-key-with-32-characters!".to_owned(),
        ),
        ("ENCRYPTION_KEY", key),
        ("RATE_LIMIT_PER_MINUTE", "10000000".to_owned()),
        ("RATE_LIMIT_PER_HOUR", "10000000".to_owned()),
        ("RATE_LIMIT_PER_DAY", "100000000".to_owned()),
        ("LOG_LEVEL", "error".to_owned()),
        // Nothing PanelApp-related is timed here.
        (
            "PANELAPP_UK_URL",
            "http://127.0.0.1:9/uk/api/v1/".to_owned(),
        ),
        (
            "PANELAPP_AU_URL",
            "http://127.0.0.1:9/au/api/v1/".to_owned(),
        ),
    ];
    let cli = |args: &[&str]| {
        let out = Command::new(binary())
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("panelmerge runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "panelmerge {args:?}: {text}");
        text
    };
    cli(&["migrate", "up"]);
    let t = Instant::now();
    cli(&[
        "seed-scale",
        "--users",
        &users.to_string(),
        "--panels",
        &panels.to_string(),
        "--versioned",
        &versioned.to_string(),
        "--versions",
        &versions.to_string(),
        "--audit",
        &audit.to_string(),
    ]);
    let seeding = t.elapsed();
    let t = Instant::now();
    let verified = cli(&["audit", "verify"]);
    let verifying = t.elapsed();
    assert!(verified.contains("audit chain OK"), "{verified}");

    let server = Server::start(&vars, dir.path());
    server.ready().await;
    let base = server.base.clone();
    let admin = GraphqlClient::new(&base);
    admin.login("scale-user-1", PASSWORD).await;
    let cookie = admin.cookie_header();

    let audit_doc = doc("audit_log.graphql");
    let list_doc = doc("saved/saved_panels.graphql");
    let panel_doc = doc("saved/saved_panel.graphql");
    let post = |query: &str, variables: Value| Shot::Post {
        body: json!({ "query": query, "variables": variables }),
        vary: false,
    };
    let year_ago = (chrono::Utc::now() - chrono::Duration::days(365)).to_rfc3339();
    let month_ago = (chrono::Utc::now() - chrono::Duration::days(395)).to_rfc3339();
    let mut rows: Vec<Row> = Vec::new();
    let audit_filters = [
        ("none", json!({})),
        ("action LOGIN", json!({ "actions": ["LOGIN"] })),
        (
            "action ACCOUNT_LOCKOUT (rare)",
            json!({ "actions": ["ACCOUNT_LOCKOUT"] }),
        ),
        ("user", json!({ "userIds": ["500"] })),
        ("username", json!({ "usernames": ["scale-user-77"] })),
        ("failed", json!({ "success": false })),
        (
            "resource",
            json!({ "resourceType": "saved_panel", "resourceId": "4242" }),
        ),
        (
            "a month a year ago",
            json!({ "from": month_ago, "to": year_ago }),
        ),
        (
            "action + user + failed",
            json!({ "actions": ["LOGIN"], "userIds": ["500"], "success": false }),
        ),
        // Seeded logins never fail: the rows the planner must not look for row by row.
        (
            "failed logins (action + failed)",
            json!({ "actions": ["LOGIN"], "success": false }),
        ),
        (
            "failed logins and logouts (two actions + failed)",
            json!({ "actions": ["LOGIN", "LOGOUT"], "success": false }),
        ),
        (
            "user + failed",
            json!({ "userIds": ["500"], "success": false }),
        ),
    ];
    for (name, filter) in audit_filters {
        rows.push(Row {
            name: format!("audit page (50), filter: {name}"),
            shot: post(&audit_doc, json!({ "filter": filter, "first": 50 })),
            status: 200,
        });
    }
    let scopes = ["ALL", "MINE", "PUBLIC", "SHARED_WITH_ME"];
    let sorts = [
        "UPDATED_DESC",
        "CREATED_DESC",
        "NAME_ASC",
        "GENE_COUNT_DESC",
    ];
    for scope in scopes {
        for sort in sorts {
            rows.push(Row {
                name: format!("saved panels (25), scope {scope}, sort {sort}"),
                shot: post(
                    &list_doc,
                    json!({ "filter": { "scope": scope, "sort": sort }, "first": 25 }),
                ),
                status: 200,
            });
        }
    }
    let list_filters = [
        ("status ARCHIVED", json!({ "statuses": ["ARCHIVED"] })),
        ("visibility PUBLIC", json!({ "visibility": "PUBLIC" })),
        ("tag", json!({ "tag": "tag7" })),
        ("owner", json!({ "ownerId": "42" })),
        ("search text", json!({ "search": "panel 77" })),
    ];
    for (name, filter) in list_filters {
        rows.push(Row {
            name: format!("saved panels (25), filter: {name}"),
            shot: post(&list_doc, json!({ "filter": filter, "first": 25 })),
            status: 200,
        });
    }
    rows.push(Row {
        name: format!("saved panel page (one with {versions} versions)"),
        shot: post(&panel_doc, json!({ "id": "1" })),
        status: 200,
    });
    // Every body answers without errors before it is timed (as the admin).
    for row in &rows {
        if let Shot::Post { body, .. } = &row.shot {
            let answer = admin
                .query(body["query"].as_str().unwrap(), body["variables"].clone())
                .await;
            assert!(answer["errors"].is_null(), "{}: {answer}", row.name);
        }
    }

    println!(
        "### Scale ({} backend; {users} users, {panels} saved panels ({versioned} with \
         {versions} versions), {audit} audit rows; {connections} connections, {seconds} s per \
         row)\n",
        if backend_is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
    );
    println!(
        "Seeding took {:.0} s; `panelmerge audit verify` of the whole chain {:.1} s.\n",
        seeding.as_secs_f64(),
        verifying.as_secs_f64()
    );
    println!("| request | req/s | p50 | p99 | failed |\n|---|---|---|---|---|");
    // `--only TEXT`: neither the fan-out nor the CSV export either.
    let only = super::only();
    for row in &rows {
        if only
            .as_ref()
            .is_some_and(|only| !row.name.contains(only.as_str()))
        {
            continue;
        }
        let out = run(&base, row, connections, seconds, Some(&cookie)).await;
        println!(
            "| {} | {:.0} | {} | {} | {} |",
            row.name,
            out.per_second,
            ms(out.p50),
            ms(out.p99),
            out.failures
        );
    }

    if only.is_some() {
        drop(server);
        explain(&database_url).await;
        return;
    }

    // auditEvents fan-out while the table is large.
    let subscribers = arg("--subscribers", 100) as usize;
    let events = arg("--events", 50) as usize;
    let url = format!("ws://127.0.0.1:{}/graphql", server.port);
    let mut sockets = Vec::new();
    for _ in 0..subscribers {
        let mut ws = WsClient::connect(&url, &[("cookie", &cookie)], json!({}))
            .await
            .unwrap();
        let id = ws
            .subscribe(
                "subscription { auditEvents(filter: { actions: [PROFILE_UPDATE] }) { id at } }",
                json!({}),
            )
            .await;
        sockets.push((ws, id));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut readers = Vec::new();
    for (mut ws, id) in sockets {
        readers.push(tokio::spawn(async move {
            let mut delays = Vec::new();
            while delays.len() < events {
                let Some(m) = ws.next_data(&id, Duration::from_secs(30)).await else {
                    break;
                };
                let at = m["data"]["auditEvents"]["at"].as_str().unwrap();
                let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
                delays.push(
                    (chrono::Utc::now() - at.with_timezone(&chrono::Utc))
                        .to_std()
                        .unwrap_or_default(),
                );
            }
            delays
        }));
    }
    for _ in 0..events {
        admin
            .data(
                "mutation { updateProfile(input: { timezone: \"UTC\" }) { id } }",
                json!({}),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut delays = Vec::new();
    for r in readers {
        delays.extend(r.await.unwrap());
    }
    delays.sort();
    println!(
        "| `auditEvents` fan-out: {subscribers} subscribers × {events} events, publish to \
         receive ({} delivered) | | {} | {} | {} |",
        delays.len(),
        ms(percentile(&delays, 0.5)),
        ms(percentile(&delays, 0.99)),
        subscribers * events - delays.len()
    );

    // The CSV export of the whole trail, streamed, with the server's peak memory meanwhile.
    let rss_before = server.rss_kib();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(rss_before));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pid = server.child.id();
    let watcher = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(kib) = rss_of(pid) {
                    peak.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let t = Instant::now();
    let mut response = admin
        .http
        .get(admin.url("/admin/audit.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut bytes = 0usize;
    let mut lines = 0usize;
    let mut first_byte = None;
    while let Some(chunk) = response.chunk().await.unwrap() {
        first_byte.get_or_insert_with(|| t.elapsed());
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let took = t.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    watcher.await.unwrap();
    println!(
        "\nAudit CSV of the whole trail: {} rows, {:.0} MB in {:.1} s (first byte after {}); \
         server RSS {} MiB before, peak {} MiB while streaming.\n",
        lines.saturating_sub(1),
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        ms(first_byte.unwrap_or_default()),
        rss_before / 1024,
        peak.load(std::sync::atomic::Ordering::Relaxed) / 1024
    );
    drop(server);
    explain(&database_url).await;
}

fn rss_of(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The plans of the list queries the pages run (the SQL sea-orm generates for them, with
/// representative values).
async fn explain(database_url: &str) {
    let db = sea_orm::Database::connect(database_url).await.unwrap();
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let t = if pg { "TRUE" } else { "1" };
    let f = if pg { "FALSE" } else { "0" };
    let queries = [
        ("audit page, no filter", "SELECT * FROM audit_log ORDER BY id DESC LIMIT 51".to_owned()),
        ("audit total, no filter (counted up to 10,001)", "SELECT COUNT(*) FROM (SELECT id FROM audit_log LIMIT 10001) AS bounded".to_owned()),
        ("audit page, action", "SELECT * FROM audit_log WHERE action_type IN ('LOGIN') ORDER BY id DESC LIMIT 51".to_owned()),
        ("audit total, action (counted up to 10,001)", "SELECT COUNT(*) FROM (SELECT id FROM audit_log WHERE action_type IN ('LOGIN') LIMIT 10001) AS bounded".to_owned()),
        ("audit page, user", "SELECT * FROM audit_log WHERE user_id IN (500) ORDER BY id DESC LIMIT 51".to_owned()),
        ("audit page, username", "SELECT * FROM audit_log WHERE username IN ('scale-user-77') ORDER BY id DESC LIMIT 51".to_owned()),
        ("audit page, failed", format!("SELECT * FROM audit_log WHERE success = {f} ORDER BY id DESC LIMIT 51")),
        ("audit page, failed logins (one walk of each action)", format!("SELECT * FROM audit_log WHERE action_type IN ('LOGIN') AND success = {f} ORDER BY id DESC LIMIT 51")),
        ("audit total, failed logins", format!("SELECT COUNT(*) FROM (SELECT id FROM audit_log WHERE action_type IN ('LOGIN') AND success = {f} LIMIT 10001) AS bounded")),
        ("audit page, a user's failed logins", format!("SELECT * FROM audit_log WHERE user_id IN (500) AND action_type IN ('LOGIN') AND success = {f} ORDER BY id DESC LIMIT 51")),
        ("audit page, a user's failures", format!("SELECT * FROM audit_log WHERE user_id IN (500) AND success = {f} ORDER BY id DESC LIMIT 51")),
        ("audit page, resource", "SELECT * FROM audit_log WHERE resource_type = 'saved_panel' AND resource_id = '4242' ORDER BY id DESC LIMIT 51".to_owned()),
        ("audit time range: the ids it holds", "SELECT MIN(id), MAX(id) FROM audit_log WHERE timestamp >= '2025-11-06' AND timestamp < '2025-12-06'".to_owned()),
        ("audit page, time range (within those ids)", "SELECT * FROM audit_log WHERE timestamp >= '2025-11-06' AND timestamp < '2025-12-06' AND id BETWEEN 650000 AND 680000 ORDER BY id DESC LIMIT 51".to_owned()),
        ("audit total, time range", "SELECT COUNT(*) FROM (SELECT id FROM audit_log WHERE timestamp >= '2025-11-06' AND timestamp < '2025-12-06' AND id BETWEEN 650000 AND 680000 LIMIT 10001) AS bounded".to_owned()),
        ("saved panels, mine by update", "SELECT * FROM saved_panels WHERE owner_id = 42 AND status IN ('ACTIVE','DRAFT','ARCHIVED') ORDER BY updated_at DESC, id ASC LIMIT 25".to_owned()),
        ("saved panels, public by creation", "SELECT * FROM saved_panels WHERE visibility = 'PUBLIC' AND status IN ('ACTIVE','DRAFT','ARCHIVED') ORDER BY created_at DESC, id ASC LIMIT 25".to_owned()),
        ("saved panels, all (admin) by name", "SELECT * FROM saved_panels WHERE status IN ('ACTIVE','DRAFT','ARCHIVED') ORDER BY name ASC, id ASC LIMIT 25".to_owned()),
        ("saved panels, all (admin) by genes", "SELECT * FROM saved_panels WHERE status IN ('ACTIVE','DRAFT','ARCHIVED') ORDER BY gene_count DESC, id ASC LIMIT 25".to_owned()),
        ("saved panel versions", "SELECT * FROM panel_versions WHERE panel_id = 1 ORDER BY version_number DESC".to_owned()),
        ("live shares of a panel", format!("SELECT * FROM panel_shares WHERE panel_id = 1 AND is_active = {t}")),
    ];
    println!(
        "#### Query plans ({})\n",
        if pg { "PostgreSQL" } else { "SQLite" }
    );
    for (name, sql) in queries {
        let explain = if pg {
            format!("EXPLAIN {sql}")
        } else {
            format!("EXPLAIN QUERY PLAN {sql}")
        };
        let rows = db
            .query_all_raw(Statement::from_string(backend, explain))
            .await
            .unwrap();
        let lines: Vec<String> = rows
            .iter()
            .map(|r| {
                if pg {
                    r.try_get_by_index::<String>(0).unwrap_or_default()
                } else {
                    r.try_get::<String>("", "detail").unwrap_or_default()
                }
            })
            .collect();
        println!("- {name}: `{sql}`\n  ```\n  {}\n  ```", lines.join("\n  "));
    }
}
