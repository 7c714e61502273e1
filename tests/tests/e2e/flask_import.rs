//! `panelmerge import-flask`: the Flask v1.5.5 fixture (tests/fixtures/flask-v1.5, written by
//! the Flask application itself; see its MANIFEST in the shared fixtures) imported into
//! SQLite and PostgreSQL, checked against the manifest's counts and facts, then used by the
//! real server: every user logs in with the old password and is moved to argon2id.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use entity::{
    admin_message, audit_log, panel_changes, panel_download, panel_genes, panel_shares,
    panel_versions, saved_panels, user,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter, Statement,
};
use serde_json::json;
use tests::client::error_code;
use tests::{PgDatabase, TestApp, on_both_backends, repo_root, run_cli};

/// The Flask ENCRYPTION_MASTER_KEY of the fixture (MANIFEST "Keys").
const FLASK_KEY: &str = "QnU2V1pMVGt6dHFtNTl4QzkwYUJxT1hMZTByeGhqM0Q5SU9CQmtfdTlLbz0=";

/// (username, current password, active) of every fixture user (MANIFEST "Users").
const USERS: &[(&str, &str, bool)] = &[
    ("mkallio", "Adm1n!Kallio2026", true),
    ("pvirtanen", "Virtanen2026b", true),
    ("jrhodes", "Rhodes#Panel02", true),
    ("sokafor", "Okafor!View9", true),
    ("cdubois", "YSv&FTqdra5BzZP9", true),
    ("rnakamura", "Nakamura#2026", true),
    ("tlindqvist", "Lindqvist77X", false),
];

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/flask-v1.5").join(name)
}

/// Runs `panelmerge import-flask ARGS` against the app's database.
fn import(app: &TestApp, from: &str, extra: &[&str]) -> (i32, String) {
    import_keyed(app, from, FLASK_KEY, extra)
}

/// [`import`] with the Flask encryption key `key`.
fn import_keyed(app: &TestApp, from: &str, key: &str, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "import-flask",
        "--from",
        from,
        "--flask-encryption-key",
        key,
    ];
    args.extend_from_slice(extra);
    let dir = app.data_dir.path().display().to_string();
    let vars = [
        ("DATABASE_URL", app.store.database_url.as_str()),
        ("SECRET_KEY", app.store.secret_key.as_str()),
        ("ENCRYPTION_KEY", app.store.encryption_key.as_str()),
        ("DATA_DIR", dir.as_str()),
    ];
    run_cli(&args, &vars, app.data_dir.path(), None)
}

fn sqlite_fixture() -> String {
    fixture("panelmerge-v1.5.sqlite").display().to_string()
}

/// The target id of a Flask row, from the import ledger.
async fn target(app: &TestApp, table: &str, id: i64) -> i32 {
    let backend = app.state.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT target_id FROM flask_import_rows WHERE source_table = $1 AND source_id = $2"
        }
        _ => "SELECT target_id FROM flask_import_rows WHERE source_table = ? AND source_id = ?",
    };
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [table.into(), id.to_string().into()],
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{table} {id} is not in the ledger"));
    row.try_get::<i32>("", "target_id").unwrap()
}

fn at(text: &str) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(
        &chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap(),
    )
}

async fn counts(app: &TestApp) -> Vec<u64> {
    let db = &app.state.db;
    vec![
        user::Entity::find().count(db).await.unwrap(),
        admin_message::Entity::find().count(db).await.unwrap(),
        saved_panels::Entity::find().count(db).await.unwrap(),
        panel_versions::Entity::find().count(db).await.unwrap(),
        panel_genes::Entity::find().count(db).await.unwrap(),
        panel_changes::Entity::find().count(db).await.unwrap(),
        panel_shares::Entity::find().count(db).await.unwrap(),
        panel_download::Entity::find().count(db).await.unwrap(),
        audit_log::Entity::find().count(db).await.unwrap(),
    ]
}

/// The manifest's row counts and spot facts, in the target.
async fn assert_manifest_facts(app: &TestApp) {
    let db = &app.state.db;
    // 232 Flask audit rows + the import's own row.
    assert_eq!(counts(app).await, vec![7, 3, 6, 13, 929, 114, 2, 5, 233]);

    // Users: roles, state, decrypted-then-re-encrypted profiles, preferences.
    let cdubois = user::Entity::find()
        .filter(user::Column::Username.eq("cdubois"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cdubois.role, shared::Role::Editor);
    assert!(
        cdubois.must_change_password,
        "pending admin temporary password"
    );
    assert_eq!(cdubois.timezone_preference, "Europe/Paris");
    assert_ne!(
        cdubois.organization.as_deref(),
        Some("Hospices Civils de Lyon – Hôpital Édouard Herriot"),
        "stored encrypted"
    );
    let profile = app.state.accounts.profile(&cdubois).unwrap();
    assert_eq!(profile.first_name.as_deref(), Some("Camille"));
    assert_eq!(
        profile.organization.as_deref(),
        Some("Hospices Civils de Lyon – Hôpital Édouard Herriot")
    );
    let sokafor = user::Entity::find()
        .filter(user::Column::Username.eq("sokafor"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sokafor.role, shared::Role::Viewer);
    assert_eq!(sokafor.time_format_preference, shared::TimeFormat::H12);
    let tove = user::Entity::find()
        .filter(user::Column::Username.eq("tlindqvist"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(!tove.is_active);
    assert!(tove.password_hash.starts_with("scrypt:32768:8:1$"));

    // Panel 1 and its SCN1A row, verbatim.
    let epilepsy = saved_panels::Entity::find_by_id(target(app, "saved_panels", 1).await)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(epilepsy.name, "Epilepsy 402 v8.125 green+amber");
    assert_eq!(epilepsy.gene_count, 809);
    assert_eq!(epilepsy.current_version, 3);
    assert_eq!(epilepsy.visibility, shared::Visibility::Shared);
    assert_eq!(
        epilepsy.tags.as_deref(),
        Some(r#"["epilepsy","neurology","NHS-GMS"]"#)
    );
    let scn1a = panel_genes::Entity::find()
        .filter(panel_genes::Column::PanelId.eq(epilepsy.id))
        .filter(panel_genes::Column::GeneSymbol.eq("SCN1A"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        scn1a.gene_name.as_deref(),
        Some("sodium voltage-gated channel alpha subunit 1")
    );
    assert_eq!(scn1a.hgnc_id.as_deref(), Some("HGNC:10585"));
    assert_eq!(scn1a.confidence_level.as_deref(), Some("3"));
    assert_eq!(
        scn1a.user_notes.as_deref(),
        Some("Confirm exon-level CNVs with MLPA")
    );
    assert_eq!(scn1a.custom_confidence.as_deref(), Some("high"));
    assert_eq!(scn1a.evidence_level.as_deref(), Some("Expert Review Green"));
    assert!(scn1a.is_modified);
    assert_eq!(scn1a.added_at, at("2026-04-07 11:05:01.190934"));
    for removed in ["ABCA2", "ABI2", "ADAM22"] {
        assert_eq!(
            panel_genes::Entity::find()
                .filter(panel_genes::Column::PanelId.eq(epilepsy.id))
                .filter(panel_genes::Column::GeneSymbol.eq(removed))
                .count(db)
                .await
                .unwrap(),
            0
        );
    }
    let amber = panel_genes::Entity::find()
        .filter(panel_genes::Column::PanelId.eq(epilepsy.id))
        .filter(panel_genes::Column::ConfidenceLevel.eq("2"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(amber, 209);

    // Versions: v3 of panel 1 is the current 809 genes with the SCN1A note; the kidney
    // panel's v1 (12 genes) and v2 (14, PKD1 and PKD2 added) are rebuilt exactly.
    let v3 = app
        .state
        .saved
        .load_version_genes(epilepsy.id, 3)
        .await
        .unwrap();
    assert_eq!(v3.len(), 809);
    let scn1a = v3.iter().find(|g| g.symbol.as_str() == "SCN1A").unwrap();
    assert_eq!(
        scn1a.notes.as_deref(),
        Some("Confirm exon-level CNVs with MLPA")
    );
    let v3_row = app.state.saved.version_row(epilepsy.id, 3).await.unwrap();
    assert!(v3_row.is_protected);
    assert_eq!(
        v3_row.comment.as_deref(),
        Some("Removed ABCA2, ABI2, ADAM22 after MDT review; SCN1A note")
    );
    assert_eq!(v3_row.created_at, at("2026-08-20 08:06:10.757942"));
    let kidney = target(app, "saved_panels", 5).await;
    let v1 = app.state.saved.load_version_genes(kidney, 1).await.unwrap();
    let v2 = app.state.saved.load_version_genes(kidney, 2).await.unwrap();
    assert_eq!((v1.len(), v2.len()), (12, 14));
    let diff = app.state.saved.version_diff(kidney, 1, 2).await.unwrap();
    let added: Vec<&str> = diff.added.iter().map(|g| g.symbol.as_str()).collect();
    assert_eq!(added, ["PKD1", "PKD2"]);
    let kidney_panel = saved_panels::Entity::find_by_id(kidney)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kidney_panel.status, shared::PanelStatus::Archived);

    // Shares.
    let share = panel_shares::Entity::find_by_id(target(app, "panel_shares", 1).await)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(share.permission_level, shared::SharePermission::Edit);
    assert!(share.can_reshare);
    assert_eq!(share.expires_at, None);
    assert_eq!(share.created_at, at("2026-05-18 08:25:51.325293"));
    assert_eq!(
        share.shared_with_user_id,
        Some(target(app, "user", 3).await)
    );
    let share = panel_shares::Entity::find_by_id(target(app, "panel_shares", 2).await)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(share.permission_level, shared::SharePermission::View);
    assert!(!share.can_reshare);

    // Audit row 79, details decoded twice and re-encrypted under our key.
    let row = app
        .state
        .audit
        .find(db, target(app, "audit_log", 79).await)
        .await
        .unwrap();
    assert_eq!(row.action_type, shared::AuditAction::PanelShare);
    assert_eq!(row.timestamp, at("2026-05-18 08:25:51.325293"));
    assert_eq!(row.ip_address.as_deref(), Some("198.51.100.33"));
    assert_eq!(row.user_id, Some(target(app, "user", 2).await));
    assert_eq!(row.username, None);
    assert_eq!(row.resource_id.as_deref(), Some("1"));
    assert_eq!(
        row.action_description,
        "Shared panel 'Epilepsy 402 v8.125 green+amber' with user 'jrhodes' (EDIT)"
    );
    let [details, _, _] = app.state.audit.open(&row).unwrap();
    assert_eq!(
        details,
        Some(
            json!({"panel_id": 1, "share_id": 1, "shared_with_user_id": 3,
            "shared_with_username": "jrhodes", "permission_level": "EDIT",
            "can_reshare": true, "expires_at": null, "share_link": false})
        )
    );
    let failed = app
        .state
        .audit
        .find(db, target(app, "audit_log", 49).await)
        .await
        .unwrap();
    assert!(!failed.success);
    assert_eq!(failed.error_message.as_deref(), Some("Invalid credentials"));
    let profile_row = app
        .state
        .audit
        .find(db, target(app, "audit_log", 3).await)
        .await
        .unwrap();
    let [_, old, new] = app.state.audit.open(&profile_row).unwrap();
    assert_eq!(old.unwrap()["timezone_preference"], "UTC");
    assert_eq!(new.unwrap()["timezone_preference"], "Europe/Helsinki");
    let kinds: std::collections::HashSet<_> = app
        .audit_rows(None)
        .await
        .iter()
        .map(|r| r.action_type)
        .collect();
    assert_eq!(
        kinds.len(),
        27,
        "the 27 Flask action types (the import row is ADMIN_ACTION too)"
    );

    // Admin message 3 and its expiry; the download log.
    let message = admin_message::Entity::find_by_id(target(app, "admin_message", 3).await)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.title, "Scheduled maintenance 15 August");
    assert_eq!(message.message_type, shared::MessageType::Warning);
    assert_eq!(message.expires_at, Some(at("2026-08-15 22:00:00.000000")));
    assert_eq!(message.created_at, at("2026-08-03 06:05:12.930004"));
    let download = panel_download::Entity::find_by_id(target(app, "panel_download", 5).await)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(download.user_id, None);
    assert_eq!(download.panel_ids, "283,156");
    assert_eq!(download.gene_count, Some(101));
}

/// Every user logs in with the old password (tlindqvist is refused: deactivated) and is
/// moved to argon2id; a wrong password is refused and counted.
async fn assert_logins(app: &TestApp) {
    let db = &app.state.db;
    for (username, password, active) in USERS {
        let client = app.new_client();
        let body = client
            .query(
                "mutation($i: LoginInput!) { login(input: $i) { user { username } } }",
                json!({ "i": { "login": username, "password": password } }),
            )
            .await;
        let row = user::Entity::find()
            .filter(user::Column::Username.eq(*username))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        if *active {
            assert_eq!(
                body["data"]["login"]["user"]["username"], *username,
                "{username}: {body}"
            );
            assert!(
                row.password_hash.starts_with("$argon2id$"),
                "{username}: {}",
                row.password_hash
            );
            // The new hash works for the next login.
            app.new_client().login(username, password).await;
        } else {
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{username}: {body}");
        }
    }
    // A wrong password for a user still on the Werkzeug hash: refused, counted.
    let body = app
        .new_client()
        .query(
            "mutation($i: LoginInput!) { login(input: $i) { user { username } } }",
            json!({ "i": { "login": "tlindqvist", "password": "Lindqvist77Y" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // And for a user already moved to argon2id, twice.
    for _ in 0..2 {
        let body = app
            .new_client()
            .query(
                "mutation($i: LoginInput!) { login(input: $i) { user { username } } }",
                json!({ "i": { "login": "pvirtanen", "password": "Virtanen2026a" } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let tove = user::Entity::find()
        .filter(user::Column::Username.eq("tlindqvist"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tove.failed_login_attempts, 1);
    assert!(tove.password_hash.starts_with("scrypt:"), "not upgraded");
    let paula = user::Entity::find()
        .filter(user::Column::Username.eq("pvirtanen"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paula.failed_login_attempts, 2);
}

/// Imported rows through the API: Flask's resource words PanelMerge has no kind for are OTHER
/// (the word kept as `resourceType`), the shared ones typed; Flask's change targets typed.
async fn assert_typed_kinds(app: &TestApp) {
    let admin = app.logged_in("auditor", shared::Role::Admin).await;
    let page = |kinds: serde_json::Value| {
        let admin = &admin;
        async move {
            admin
                .data(
                    "query($k: [AuditResourceKind!]) { auditLog(filter: { resourceKinds: $k }, first: 100) {
                       totalCount nodes { resourceKind resourceType } } }",
                    json!({ "k": kinds }),
                )
                .await["auditLog"]
                .clone()
        }
    };
    let words = |log: &serde_json::Value| -> std::collections::BTreeMap<String, usize> {
        let mut words = std::collections::BTreeMap::new();
        for node in log["nodes"].as_array().unwrap() {
            *words
                .entry(node["resourceType"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        words
    };
    // The fixture's 40 rows about things PanelMerge has no kind for (MANIFEST: `admin`,
    // `knowhow_article`, `panel`, …).
    let other = page(json!(["OTHER"])).await;
    assert_eq!(other["totalCount"], 40, "{other}");
    assert!(
        other["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["resourceKind"] == "OTHER")
    );
    assert_eq!(
        words(&other),
        [
            ("admin", 8),
            ("cache", 1),
            ("endpoint", 1),
            ("export", 1),
            ("knowhow_article", 1),
            ("knowhow_bookmark", 1),
            ("knowhow_category", 1),
            ("page", 3),
            ("panel", 14),
            ("panel_list", 5),
            ("panel_version_tag", 2),
            ("retention_policy", 1),
            ("search", 1),
        ]
        .into_iter()
        .map(|(w, n)| (w.to_owned(), n))
        .collect()
    );
    // Flask's `export_template` and `saved_panel` rows mean what PanelMerge's do.
    let shared = page(json!(["EXPORT_TEMPLATE", "SAVED_PANEL"])).await;
    assert_eq!(shared["totalCount"], 10, "{shared}");
    assert_eq!(
        words(&shared),
        [
            ("export_template".to_owned(), 4),
            ("saved_panel".to_owned(), 6)
        ]
        .into_iter()
        .collect()
    );
    assert!(shared["nodes"].as_array().unwrap().iter().all(|n| {
        n["resourceKind"].as_str().unwrap().to_ascii_lowercase() == n["resourceType"]
    }));
    // Flask recorded metadata changes against the whole panel (`panel`), gene additions as
    // `gene`: HBOC core genes (Flask panel 2) has 8 of one and 2 of the other.
    let hboc = target(app, "saved_panels", 2).await.to_string();
    let changes = admin
        .data(
            "query($id: ID!) { savedPanel(id: $id) { changes(first: 100) { nodes { targetType targetKind } } } }",
            json!({ "id": hboc }),
        )
        .await;
    let mut kinds = std::collections::BTreeMap::<(String, String), usize>::new();
    for node in changes["savedPanel"]["changes"]["nodes"]
        .as_array()
        .unwrap()
    {
        let key = (
            node["targetType"].to_string(),
            node["targetKind"].to_string(),
        );
        *kinds.entry(key).or_default() += 1;
    }
    assert_eq!(
        kinds,
        [
            (("\"gene\"".to_owned(), "\"GENE\"".to_owned()), 8),
            (("\"panel\"".to_owned(), "\"PANEL\"".to_owned()), 2),
        ]
        .into_iter()
        .collect(),
        "{changes}"
    );
}

on_both_backends!(
    the_sqlite_fixture_imports_exactly_and_every_user_logs_in,
    |app: TestApp| async move {
        let from = sqlite_fixture();
        // A dry run reports and writes nothing.
        let before = counts(&app).await;
        let (code, out) = import(&app, &from, &["--dry-run"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("dry run: nothing was written"), "{out}");
        assert!(out.contains("audit_log"), "{out}");
        assert_eq!(counts(&app).await, before);

        let (code, out) = import(&app, &from, &[]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("import complete: 1311 row(s) imported"),
            "{out}"
        );
        assert!(out.contains("visit: 240 row(s) not imported"), "{out}");
        assert!(out.contains("v1 (812 genes), v2 (812 genes)"), "{out}");
        assert_manifest_facts(&app).await;
        let import_row = app.audit_rows(None).await.pop().unwrap();
        assert_eq!(import_row.action_type, shared::AuditAction::AdminAction);
        assert!(import_row.action_description.contains("1311 row(s)"));

        // Re-running changes nothing (not even an audit row).
        let before = counts(&app).await;
        let (code, out) = import(&app, &from, &[]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("0 row(s) imported"), "{out}");
        assert_eq!(counts(&app).await, before);

        let (code, out) = import(&app, &from, &["--verify"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("the target matches the source"), "{out}");

        assert_logins(&app).await;
        assert_typed_kinds(&app).await;

        // Tampering with an imported row makes --verify fail and name it.
        let epilepsy = target(&app, "saved_panels", 1).await;
        let scn1a = panel_genes::Entity::find()
            .filter(panel_genes::Column::PanelId.eq(epilepsy))
            .filter(panel_genes::Column::GeneSymbol.eq("SCN1A"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        panel_genes::Entity::update_many()
            .col_expr(
                panel_genes::Column::UserNotes,
                sea_orm::sea_query::Expr::value("tampered"),
            )
            .filter(panel_genes::Column::Id.eq(scn1a))
            .exec(&app.state.db)
            .await
            .unwrap();
        let (code, out) = import(&app, &from, &["--verify"]);
        assert_ne!(code, 0, "{out}");
        assert!(out.contains("MISMATCH panel_genes"), "{out}");
        assert!(out.contains("SCN1A"), "{out}");
    }
);

/// The PostgreSQL dump, loaded with psql into a fresh database, imported into SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgresql_dump_imports_into_sqlite_with_the_same_facts() {
    let Some((pg_url, _)) = tests::services::required_services() else {
        return;
    };
    let source = PgDatabase::create(&pg_url).await;
    let output = std::process::Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &source.url, "-f"])
        .arg(fixture("panelmerge-v1.5.pg.sql"))
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let app = TestApp::sqlite().await;
    // The URL form the Flask app itself uses.
    let flask_url = source
        .url
        .replacen("postgres://", "postgresql+pg8000://", 1);
    let (code, out) = import(&app, &flask_url, &[]);
    assert_eq!(code, 0, "{out}");
    assert_manifest_facts(&app).await;
    let (code, out) = import(&app, &flask_url, &["--verify"]);
    assert_eq!(code, 0, "{out}");
    assert_logins(&app).await;
}

/// Copies the SQLite fixture and runs `sql` on the copy.
async fn damaged_copy(dir: &Path, sql: &str) -> String {
    let path = dir.join("damaged.sqlite");
    std::fs::copy(fixture("panelmerge-v1.5.sqlite"), &path).unwrap();
    let db = Database::connect(format!("sqlite://{}?mode=rw", path.display()))
        .await
        .unwrap();
    // Flask's SQLite file is written without enforced foreign keys; so is the damage.
    db.execute_unprepared(&format!("PRAGMA foreign_keys = OFF; {sql}"))
        .await
        .unwrap();
    db.close().await.unwrap();
    path.display().to_string()
}

/// Imports `from` with `key`, expects a refusal whose output says each of `why`, and checks
/// that the target's tables are as they were.
async fn assert_refused(app: &TestApp, from: &str, key: &str, why: &[&str], before: &[u64]) {
    let (code, out) = import_keyed(app, from, key, &[]);
    assert_ne!(code, 0, "{out}");
    for words in why {
        assert!(out.contains(words), "{words:?} not in: {out}");
    }
    assert_eq!(counts(app).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_source_is_refused_naming_the_row_and_the_target_is_unchanged() {
    let app = TestApp::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let before = counts(&app).await;
    let damaged = |name: &'static str, sql: &'static str| {
        let path = dir.path().join(name);
        async move {
            std::fs::create_dir_all(&path).unwrap();
            damaged_copy(&path, sql).await
        }
    };

    // A bad Fernet token in user 3's organisation.
    let bad_token = damaged(
        "token",
        "UPDATE user SET organization_encrypted = 'Z0FBQUFBQnAwMndMelVwZEpHdnh5' WHERE id = 3",
    )
    .await;
    let why = ["source table user, row id 3: organization_encrypted: bad Fernet token"];
    assert_refused(&app, &bad_token, FLASK_KEY, &why, &before).await;

    // The wrong key: the first encrypted value names its row.
    let wrong = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let why = ["source table user, row id 1", "fails authentication"];
    assert_refused(&app, &sqlite_fixture(), wrong, &why, &before).await;

    // A truncated table: saved panel 2 is gone but its versions and genes remain.
    let truncated = damaged("truncated", "DELETE FROM saved_panels WHERE id = 2").await;
    let why = ["source table panel_versions, row id 2: panel_id 2 is not in saved_panels"];
    assert_refused(&app, &truncated, FLASK_KEY, &why, &before).await;

    // A damaged audit detail, late in the run: still nothing written.
    let late = damaged(
        "audit",
        "UPDATE audit_log SET details_encrypted = 'bm90IGEgdG9rZW4=' WHERE id = 200",
    )
    .await;
    let why = ["source table audit_log, row id 200: details_encrypted: bad Fernet token"];
    assert_refused(&app, &late, FLASK_KEY, &why, &before).await;
    assert_eq!(
        user::Entity::find().count(&app.state.db).await.unwrap(),
        0,
        "no user imported"
    );
}
