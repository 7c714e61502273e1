//! The `panelmerge` command line, run as a process.

use tests::{TestApp, run_cli};

fn key() -> String {
    server::config::EncryptionKey::generate()
        .to_base64()
        .expose()
        .to_owned()
}

#[test]
fn config_validate_names_a_short_encryption_key() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run_cli(
        &["config", "validate"],
        &[("ENCRYPTION_KEY", "short")],
        dir.path(),
        None,
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("ENCRYPTION_KEY"), "{out}");
    let (code, out) = run_cli(
        &["config", "validate"],
        &[("ENCRYPTION_KEY", &key()), ("SECRET_KEY", &"s".repeat(40))],
        dir.path(),
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("configuration is valid"), "{out}");
}

#[test]
fn config_validate_in_production_requires_keys_and_flags_flask_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "FLASK_ENV=production\nFLASK_APP=app.py\nSESION_TIMEOUT=5\n",
    )
    .unwrap();
    let (code, out) = run_cli(&["config", "validate"], &[], dir.path(), None);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("SECRET_KEY: missing"), "{out}");
    assert!(out.contains("ENCRYPTION_KEY: missing"), "{out}");
    assert!(
        out.contains("FLASK_APP: a Flask variable with no meaning here"),
        "{out}"
    );
    assert!(out.contains("SESION_TIMEOUT: unknown variable"), "{out}");
}

fn migrate_round_trip(database_url: &str, dir: &std::path::Path) {
    let vars = [
        ("DATABASE_URL", database_url),
        ("DATA_DIR", dir.to_str().unwrap()),
        ("SECRET_KEY", &"s".repeat(40)),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, *v)).collect();
    let all = <migration::Migrator as migration::MigratorTrait>::migrations().len();
    assert!(all > 20, "the migrations are counted");
    let applied = |n: usize| format!("{n} applied, {} pending", all - n);
    let (code, out) = run_cli(&["migrate", "up"], &vars, dir, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&applied(all)), "{out}");
    let (code, out) = run_cli(&["migrate", "reset"], &vars, dir, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&applied(0)), "{out}");
    let (code, out) = run_cli(&["migrate", "up"], &vars, dir, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&applied(all)), "{out}");
    let (code, out) = run_cli(&["migrate", "down", "-n", "2"], &vars, dir, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&applied(all - 2)), "{out}");
    let (code, out) = run_cli(&["migrate", "status"], &vars, dir, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("m20240101_000001_initial_schema"), "{out}");
    let (code, out) = run_cli(&["check"], &vars, dir, None);
    assert_ne!(code, 0, "pending migrations fail the check: {out}");
    assert!(out.contains("FAIL  database"), "{out}");
    let (code, out) = run_cli(&["migrate", "fresh"], &vars, dir, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&applied(all)), "{out}");
}

#[test]
fn migrate_up_reset_up_round_trips_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:///{}/x.db?mode=rwc", dir.path().display());
    migrate_round_trip(&url, dir.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_up_reset_up_round_trips_on_postgres() {
    let Some((pg, _)) = tests::services::required_services() else {
        return;
    };
    let db = tests::PgDatabase::create(&pg).await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || migrate_round_trip(&url, dir.path()))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_every_subsystem_and_writes_an_audit_row() {
    let Some(app) = TestApp::postgres_redis().await else {
        return;
    };
    let vars = [
        ("DATABASE_URL", app.store.database_url.clone()),
        ("REDIS_URL", app.store.redis_url.clone().unwrap()),
        ("REDIS_KEY_PREFIX", app.store.redis_prefix.clone()),
        ("SECRET_KEY", app.store.secret_key.clone()),
        ("ENCRYPTION_KEY", app.store.encryption_key.clone()),
        ("DATA_DIR", app.data_dir.path().display().to_string()),
    ];
    let dir = app.data_dir.path().to_owned();
    let (code, out) = tokio::task::spawn_blocking(move || {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_cli(&["check"], &vars, &dir, None)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    for line in [
        "ok    encryption",
        "ok    redis: reachable",
        "ok    database: postgres",
        "ok    audit: row",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    use sea_orm::{EntityTrait, QueryOrder};
    let row = entity::audit_log::Entity::find()
        .order_by_desc(entity::audit_log::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("check wrote an audit row");
    assert_eq!(row.action_type, shared::AuditAction::SystemSecurity);
    assert_eq!(row.username.as_deref(), Some("system:check"));
    assert!(
        row.details.as_deref().unwrap().starts_with("v1."),
        "details are encrypted"
    );
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_refuses_weak_ones() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:///{}/x.db?mode=rwc", dir.path().display());
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("DATA_DIR", dir.path().to_str().unwrap()),
    ];
    let (code, out) = run_cli(
        &[
            "create-admin",
            "--username",
            "root_admin",
            "--email",
            "admin@example.org",
        ],
        &vars,
        dir.path(),
        Some("password\n"),
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("common"), "{out}");
    let (code, out) = run_cli(
        &[
            "create-admin",
            "--username",
            "root_admin",
            "--email",
            "admin@example.org",
        ],
        &vars,
        dir.path(),
        Some("a long and unusual passphrase\n"),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("created admin root_admin"), "{out}");
    let (code, out) = run_cli(
        &[
            "create-admin",
            "--username",
            "root_admin",
            "--email",
            "other@example.org",
        ],
        &vars,
        dir.path(),
        Some("a long and unusual passphrase\n"),
    );
    assert_ne!(code, 0, "duplicate usernames are refused: {out}");
    let (code, out) = run_cli(
        &[
            "create-admin",
            "--username",
            "x_admin",
            "--email",
            "x@example.org",
        ],
        &vars,
        dir.path(),
        None,
    );
    assert_ne!(code, 0, "no password, no admin: {out}");
}

#[test]
fn schema_prints_the_committed_sdl() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run_cli(&["schema"], &[], dir.path(), None);
    assert_eq!(code, 0);
    let committed = std::fs::read_to_string(tests::repo_root().join("schema.graphql")).unwrap();
    assert_eq!(out, committed, "schema.graphql is stale: run `make schema`");
}
