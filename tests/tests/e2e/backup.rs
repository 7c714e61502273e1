//! `panelmerge backup` / `panelmerge restore`: a running SQLite server (users, saved panels with
//! several versions, shares, comments, audit rows, all made through the API) backed up, restored
//! into PostgreSQL and compared row for row, then backed up from PostgreSQL and restored into
//! SQLite; damaged files, occupied targets, a newer schema, a newer format and the wrong key are
//! refused with the target left as it was.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use entity::{
    audit_log, panel_changes, panel_comments, panel_genes, panel_shares, panel_versions,
    saved_panels, user,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::{Value, json};
use shared::Role;
use tests::client::error_code;
use tests::services::{Backend, required_services};
use tests::{PASSWORD, PgDatabase, TestApp, TestConfig, run_cli};

/// A database the CLI and a server can be pointed at, with its keys.
struct Store {
    url: String,
    secret_key: String,
    encryption_key: String,
    dir: tempfile::TempDir,
}

impl Store {
    fn of(app: &TestApp) -> Self {
        Self {
            url: app.store.database_url.clone(),
            secret_key: app.store.secret_key.clone(),
            encryption_key: app.store.encryption_key.clone(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A new, empty SQLite database with the keys of `keys`.
    fn sqlite(keys: &Store) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            url: format!(
                "sqlite:///{}?mode=rwc",
                dir.path().join("restored.db").display()
            ),
            secret_key: keys.secret_key.clone(),
            encryption_key: keys.encryption_key.clone(),
            dir,
        }
    }

    fn postgres(pg: &PgDatabase, keys: &Store) -> Self {
        Self {
            url: pg.url.clone(),
            secret_key: keys.secret_key.clone(),
            encryption_key: keys.encryption_key.clone(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cli(&self, args: &[&str]) -> (i32, String) {
        let dir = self.dir.path().display().to_string();
        let vars = [
            ("DATABASE_URL", self.url.as_str()),
            ("SECRET_KEY", self.secret_key.as_str()),
            ("ENCRYPTION_KEY", self.encryption_key.as_str()),
            ("DATA_DIR", dir.as_str()),
        ];
        run_cli(args, &vars, self.dir.path(), None)
    }

    async fn connect(&self) -> DatabaseConnection {
        server::db::connect(&self.url).await.unwrap()
    }

    /// A server on this database.
    async fn serve(&self, backend: Backend) -> TestApp {
        let redis = match backend {
            Backend::PostgresRedis => required_services().map(|(_, r)| r),
            Backend::Sqlite => None,
        };
        TestApp::spawn(TestConfig {
            backend: Some(backend),
            share_with: Some(tests::SharedStore {
                database_url: self.url.clone(),
                redis_url: redis,
                redis_prefix: format!("pmtest:{}:", uuid::Uuid::new_v4().simple()),
                secret_key: self.secret_key.clone(),
                encryption_key: self.encryption_key.clone(),
            }),
            ..TestConfig::default()
        })
        .await
        .unwrap()
    }
}

const CREATE: &str = "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }";
const EDIT: &str = "mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion } }";
const SHARE: &str = "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }";
const COMMENT: &str = "mutation($id: ID!, $g: String, $b: String!) { commentOnPanel(panelId: $id, geneSymbol: $g, body: $b) { id } }";

/// Users, profiles (encrypted), a panel with three versions, a second panel, a user share, a
/// link share, comments, failed logins: all through the API of the running server.
async fn populate(app: &TestApp) {
    app.create_user("admin", Role::Admin).await;
    let alice = app.logged_in("alice", Role::User).await;
    let bob = app.logged_in("bob", Role::User).await;
    let bob_id = user_id(app, "bob").await;
    alice
        .data(
            "mutation($i: ProfileInput!) { updateProfile(input: $i) { id } }",
            json!({ "i": { "firstName": "Alice", "lastName": "Ångström", "organization": "Genomics Lab – Helsinki" } }),
        )
        .await;
    let genes = |list: &[(&str, &str)]| -> Value {
        json!(
            list.iter()
                .map(|(s, c)| json!({ "symbol": s, "confidence": c, "sources": ["uk-635@2.18"] }))
                .collect::<Vec<_>>()
        )
    };
    let id = alice
        .data(CREATE, json!({ "i": { "name": "Cardiac", "tags": ["heart", "NHS"], "description": "first", "genes": genes(&[("MYH7", "GREEN"), ("MYBPC3", "GREEN"), ("TTN", "AMBER")]) } }))
        .await["createSavedPanel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v2 = alice
        .data(EDIT, json!({ "id": id, "i": { "basedOnVersion": 1, "comment": "MDT review",
            "addGenes": [{ "symbol": "LMNA", "confidence": "GREEN", "notes": "check CNVs" }],
            "removeGenes": ["TTN"],
            "updateGenes": [{ "symbol": "MYH7", "customConfidence": "AMBER", "notes": "reviewed" }] } }))
        .await;
    assert_eq!(v2["updateSavedPanel"]["currentVersion"], 2);
    alice
        .data(
            EDIT,
            json!({ "id": id, "i": { "basedOnVersion": 2, "comment": "description",
            "metadata": { "description": "after review" } } }),
        )
        .await;
    alice
        .data(
            CREATE,
            json!({ "i": { "name": "Epilepsy", "genes": genes(&[("SCN1A", "GREEN")]) } }),
        )
        .await;
    alice
        .data(SHARE, json!({ "i": { "panelId": id, "userId": bob_id.to_string(), "permission": "COMMENT" } }))
        .await;
    alice
        .data(
            SHARE,
            json!({ "i": { "panelId": id, "link": true, "permission": "VIEW" } }),
        )
        .await;
    alice
        .data(
            COMMENT,
            json!({ "id": id, "g": "MYH7", "b": "Segregation data pending" }),
        )
        .await;
    bob.data(
        COMMENT,
        json!({ "id": id, "g": null, "b": "Looks good — ship it" }),
    )
    .await;
    let refused = app
        .new_client()
        .query(
            "mutation($i: LoginInput!) { login(input: $i) { user { id } } }",
            json!({ "i": { "login": "alice", "password": "wrong password" } }),
        )
        .await;
    assert!(error_code(&refused).is_some());
}

async fn user_id(app: &TestApp, name: &str) -> i32 {
    user::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == name)
        .unwrap()
        .id
}

/// Timestamps to microseconds (what PostgreSQL keeps) in a row's debug text.
fn micros(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        // "…T12:34:56" then an optional fraction, then "Z".
        let time = i + 9 <= bytes.len()
            && bytes[i] == b'T'
            && bytes[i + 3] == b':'
            && bytes[i + 6] == b':'
            && bytes[i + 1..i + 9]
                .iter()
                .enumerate()
                .all(|(k, b)| k == 2 || k == 5 || b.is_ascii_digit());
        if !time {
            out.push(bytes[i] as char);
            i += 1;
            continue;
        }
        out.push_str(&text[i..i + 9]);
        let mut j = i + 9;
        let mut fraction = String::new();
        if j < bytes.len() && bytes[j] == b'.' {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                fraction.push(bytes[j] as char);
                j += 1;
            }
        }
        fraction.truncate(6);
        while fraction.len() < 6 {
            fraction.push('0');
        }
        out.push('.');
        out.push_str(&fraction);
        i = j;
    }
    out
}

/// Every row of an entity's table, by id, as debug text with timestamps to microseconds.
macro_rules! rows {
    ($db:expr, $entity:ident) => {
        $entity::Entity::find()
            .order_by_asc($entity::Column::Id)
            .all($db)
            .await
            .unwrap()
            .iter()
            .map(|m| micros(&format!("{m:?}")))
            .collect::<Vec<_>>()
    };
}

/// Users, saved panels with every version, gene, change and comment, shares and the audit log
/// of `restored` equal those of `source` row for row; the audit log up to the restore's own
/// row, which follows the backed-up rows (and `source` has its backup row there).
async fn assert_same(source: &DatabaseConnection, restored: &DatabaseConnection) {
    assert_eq!(rows!(source, user), rows!(restored, user));
    assert_eq!(rows!(source, saved_panels), rows!(restored, saved_panels));
    assert_eq!(
        rows!(source, panel_versions),
        rows!(restored, panel_versions)
    );
    assert_eq!(rows!(source, panel_genes), rows!(restored, panel_genes));
    assert_eq!(rows!(source, panel_changes), rows!(restored, panel_changes));
    assert_eq!(rows!(source, panel_shares), rows!(restored, panel_shares));
    assert_eq!(
        rows!(source, panel_comments),
        rows!(restored, panel_comments)
    );
    let ours = audit(source).await;
    let theirs = audit(restored).await;
    let at = theirs
        .iter()
        .rposition(|r| {
            r.action_description
                .starts_with("database restored from a backup")
        })
        .expect("the restore wrote its audit row");
    assert_eq!(at, theirs.len() - 1, "the restore's row is the newest");
    assert!(at > 10, "the audit log was restored ({at} rows)");
    let debug = |r: &[audit_log::Model]| -> Vec<String> {
        r.iter().map(|m| micros(&format!("{m:?}"))).collect()
    };
    assert_eq!(debug(&ours[..at]), debug(&theirs[..at]));
    assert!(
        ours[at]
            .action_description
            .starts_with("database backed up"),
        "the backup's own row comes right after the backed-up rows: {:?}",
        ours[at]
    );
    assert_eq!(ours[at].username.as_deref(), Some("system:backup"));
    assert_eq!(theirs[at].username.as_deref(), Some("system:restore"));
    assert_eq!(
        theirs[at].resource_id, ours[at].resource_id,
        "the same file's checksum"
    );
}

async fn audit(db: &DatabaseConnection) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await
        .unwrap()
}

/// The restored server works: old passwords, new rows after the restored ids, a clean chain,
/// append-only audit tables.
async fn assert_usable(store: &Store, app: &TestApp) {
    let client = app.new_client();
    let me = client.login("alice", PASSWORD).await;
    assert_eq!(me["login"]["user"]["username"], "alice");
    let profile = client
        .data("{ me { firstName organization } }", json!({}))
        .await;
    assert_eq!(profile["me"]["firstName"], "Alice");
    assert_eq!(profile["me"]["organization"], "Genomics Lab – Helsinki");
    // New rows continue after the restored ids (PostgreSQL sequences were reset).
    app.create_user("carol", Role::User).await;
    client
        .data(CREATE, json!({ "i": { "name": "After restore" } }))
        .await;
    let (code, out) = store.cli(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain OK"), "{out}");
    let db = store.connect().await;
    let refused = db
        .execute_unprepared("UPDATE audit_log SET username = 'mallory'")
        .await;
    assert!(
        refused.is_err(),
        "audit_log stays append-only after a restore"
    );
    let refused = db.execute_unprepared("DELETE FROM audit_log").await;
    assert!(
        refused.is_err(),
        "audit_log stays append-only after a restore"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_sqlite_server_restores_into_postgresql_and_back() {
    let Some((pg_url, _)) = required_services() else {
        return;
    };
    let source = TestApp::sqlite().await;
    populate(&source).await;
    let from = Store::of(&source);
    let work = tempfile::tempdir().unwrap();

    // Backed up while the server runs.
    let first = work.path().join("sqlite.pmbak");
    let (code, out) = from.cli(&["backup", "--out", first.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("backup written to"), "{out}");
    assert!(!work.path().join("sqlite.pmbak.partial").exists());

    let pg = PgDatabase::create(&pg_url).await;
    let into_pg = Store::postgres(&pg, &from);
    let (code, out) = into_pg.cli(&["restore", first.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("checksum, schema and key verified"), "{out}");
    assert_same(&source.state.db, &into_pg.connect().await).await;

    // PostgreSQL → SQLite, compared with the PostgreSQL copy (before anything new is written).
    let second = work.path().join("postgres.pmbak");
    let (code, out) = into_pg.cli(&["backup", "--out", second.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let back = Store::sqlite(&from);
    let (code, out) = back.cli(&["restore", second.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_same(&into_pg.connect().await, &back.connect().await).await;

    let pg_app = into_pg.serve(Backend::PostgresRedis).await;
    assert_usable(&into_pg, &pg_app).await;
    let sqlite_app = back.serve(Backend::Sqlite).await;
    assert_usable(&back, &sqlite_app).await;
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn gzip(path: &Path, text: &str) {
    let mut out =
        flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), Default::default());
    out.write_all(text.as_bytes()).unwrap();
    out.finish().unwrap();
}

/// A copy of `good` with its decompressed text edited by `edit`.
fn edited(good: &Path, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let path = good.with_file_name(name);
    gzip(&path, &edit(gunzip(good)));
    path
}

async fn usernames(store: &Store) -> Vec<String> {
    user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(&store.connect().await)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_files_occupied_targets_and_the_wrong_key_are_refused() {
    let source = TestApp::sqlite().await;
    populate(&source).await;
    let from = Store::of(&source);
    let good = from.dir.path().join("good.pmbak");
    let (code, out) = from.cli(&["backup", "--out", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    // An occupied target: its own users, same keys.
    let other = TestApp::sqlite().await;
    other.create_user("zed", Role::Admin).await;
    let target = Store {
        encryption_key: from.encryption_key.clone(),
        secret_key: from.secret_key.clone(),
        ..Store::of(&other)
    };
    let before = usernames(&target).await;
    let (code, out) = target.cli(&["restore", good.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(out.contains("the target database is not empty"), "{out}");
    assert!(out.contains("user (1)"), "{out}");
    assert!(out.contains("--force"), "{out}");

    let bytes = std::fs::read(&good).unwrap();
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    let flipped_path = good.with_file_name("flipped.pmbak");
    std::fs::write(&flipped_path, &flipped).unwrap();
    let truncated_path = good.with_file_name("truncated.pmbak");
    std::fs::write(&truncated_path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let changed = edited(&good, "changed.pmbak", |t| {
        t.replacen("\"Cardiac\"", "\"Cardiax\"", 1)
    });
    let newer_schema = edited(&good, "newer-schema.pmbak", |t| {
        t.replacen(
            "\"schema\":[",
            "\"schema\":[\"m20991231_000099_from_the_future\",",
            1,
        )
    });
    let newer_format = edited(&good, "newer-format.pmbak", |t| {
        t.replacen("\"format_version\":1", "\"format_version\":2", 1)
    });
    for (file, expected) in [
        (&flipped_path, "damaged"),
        (&truncated_path, "truncated"),
        (&changed, "the checksum does not match"),
        (
            &newer_schema,
            "schema is newer than this PanelMerge: it includes migration m20991231_000099_from_the_future",
        ),
        (
            &newer_format,
            "format version 2, newer than this PanelMerge reads",
        ),
    ] {
        let (code, out) = target.cli(&["restore", "--force", file.to_str().unwrap()]);
        assert_ne!(code, 0, "{}: {out}", file.display());
        assert!(
            out.contains(expected),
            "{}: expected {expected:?} in {out}",
            file.display()
        );
        assert!(
            out.contains(file.to_str().unwrap()),
            "names the file: {out}"
        );
        assert_eq!(
            usernames(&target).await,
            before,
            "{} left the target unchanged",
            file.display()
        );
    }

    // An empty target with another key: refused before the database is even created.
    let keyless = Store {
        encryption_key: server::config::EncryptionKey::generate()
            .to_base64()
            .expose()
            .to_owned(),
        ..Store::sqlite(&from)
    };
    let (code, out) = keyless.cli(&["restore", good.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(out.contains("can not read this backup"), "{out}");
    assert!(
        out.contains("Set ENCRYPTION_KEY to the key of the server"),
        "{out}"
    );
    assert!(!keyless.dir.path().join("restored.db").exists());

    // --force replaces the occupied target's contents; the chain verifies.
    let (code, out) = target.cli(&["restore", "--force", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(usernames(&target).await, ["admin", "alice", "bob"]);
    let (code, out) = target.cli(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    let rows = audit(&target.connect().await).await;
    let last = rows.last().unwrap();
    assert_eq!(last.username.as_deref(), Some("system:restore"));
    assert!(
        last.action_description
            .contains("replacing the previous contents"),
        "{last:?}"
    );
}
