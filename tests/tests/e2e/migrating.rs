//! MIGRATING.md, run as written: every fenced block marked `sh tested`, in order, in one bash,
//! with only the documented placeholder paths replaced, against the Flask v1.5.5 fixture
//! (back up → import → verify → back up → roll back).

use std::path::Path;

use entity::{audit_log, user};
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use tests::{panelmerge_bin, repo_root};

/// The paths MIGRATING.md documents as placeholders, and the directory each becomes.
const PLACEHOLDERS: [(&str, &str); 3] = [
    ("/srv/flask", "flask"),
    ("/srv/panelmerge", "panelmerge"),
    ("/var/backups/panelmerge", "backups"),
];

/// The fixture's ENCRYPTION_MASTER_KEY and SECRET_KEY (its MANIFEST "Keys").
const FLASK_ENV: &str = "SECRET_KEY=pm15-fixture-public-6b1e0c94d2a7f358\n\
ENCRYPTION_MASTER_KEY=QnU2V1pMVGt6dHFtNTl4QzkwYUJxT1hMZTByeGhqM0Q5SU9CQmtfdTlLbz0=\n\
DATABASE_URL=sqlite:///panelmerge.db\n";

/// The bodies of the blocks fenced as ```` ```sh tested ````, in order.
fn tested_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim_end() == "```sh tested" => current = Some(String::new()),
            None => {}
            Some(block) if line.trim_end() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```sh tested block");
    blocks
}

fn sha256(path: &Path) -> String {
    server::crypto::sha256_hex(&std::fs::read(path).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_md_runs_as_written_against_the_flask_fixture() {
    let doc = std::fs::read_to_string(repo_root().join("MIGRATING.md")).unwrap();
    for (placeholder, _) in PLACEHOLDERS {
        assert!(
            doc.contains(&format!("| `{placeholder}` |")),
            "{placeholder} is documented as a placeholder"
        );
    }
    let blocks = tested_blocks(&doc);
    assert!(blocks.len() >= 6, "found {} tested blocks", blocks.len());

    let root = tempfile::tempdir().unwrap();
    let dir = |name: &str| root.path().join(name);
    let fixture = repo_root().join("tests/fixtures/flask-v1.5/panelmerge-v1.5.sqlite");
    let flask_db = dir("flask").join("instance/panelmerge.db");
    std::fs::create_dir_all(flask_db.parent().unwrap()).unwrap();
    std::fs::copy(&fixture, &flask_db).unwrap();
    std::fs::write(dir("flask").join(".env"), FLASK_ENV).unwrap();

    let mut script = blocks.join("\n");
    for (placeholder, name) in PLACEHOLDERS {
        script = script.replace(placeholder, &dir(name).display().to_string());
    }
    let bin = panelmerge_bin();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(root.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", root.path())
        .env("LOG_LEVEL", "warn")
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "MIGRATING.md failed:\n{script}\n---\n{out}"
    );

    for expected in [
        "configuration is valid",
        "dry run: nothing was written",
        "import complete: 1311 row(s) imported",
        "verify: the target matches the source",
        "audit chain OK",
        "backup written to",
        "flask-before-move.db: OK",
        "checksum, schema and key verified",
        "restored",
    ] {
        assert!(out.contains(expected), "expected {expected:?} in:\n{out}");
    }
    // The backup after the import holds the seven Flask users.
    assert!(
        out.contains(&format!("    {:<24} {:>8}", "user", 7)),
        "the after-import backup lists 7 users:\n{out}"
    );
    assert!(
        dir("backups")
            .join("panelmerge-after-import.pmbak")
            .exists()
    );
    // The Flask database was only read and is as the fixture.
    assert_eq!(sha256(&flask_db), sha256(&fixture));

    // The roll back restored the pre-import backup: no users, and the restore is audited.
    let url = format!(
        "sqlite:///{}?mode=rwc",
        dir("panelmerge").join("data/panelmerge.db").display()
    );
    let db = server::db::connect(&url).await.unwrap();
    assert_eq!(user::Entity::find().count(&db).await.unwrap(), 0);
    let last = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.username.as_deref(), Some("system:restore"));
}
