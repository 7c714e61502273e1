//! `docs/API.md` is run as written: its shell blocks as one bash script, its Python blocks as
//! one script, its JavaScript block as one Node module (graphql-ws), against a real server with
//! the mock PanelApp. A guide whose examples stop working fails CI.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use shared::Role;
use tests::{MockPanelApp, PASSWORD, TestApp, TestConfig, repo_root};

/// The fenced blocks of `lang` in `markdown`, in order.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == format!("```{lang}") => current = Some(String::new()),
            Some(_) if line.trim_end() == "```" => found.extend(current.take()),
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    found
}

fn run(program: &str, args: &[&str], dir: &Path, env: &[(&str, String)]) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}):\n{text}",
        output.status
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_guide_runs_as_written() {
    let mock = MockPanelApp::start().await;
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .expect("sqlite");
    app.create_user("ada", Role::User).await;
    app.create_user("bob", Role::User).await;
    let root = app.logged_in("root", Role::Admin).await;
    let admin_token = root
        .data(
            "mutation { createApiToken(name: \"feed\", scopes: [READ, ADMIN]) { secret } }",
            json!({}),
        )
        .await["createApiToken"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let guide = std::fs::read_to_string(repo_root().join("docs/API.md")).unwrap();
    let env = [
        ("PANELMERGE_URL", app.address.clone()),
        ("PANELMERGE_USER", "ada".to_owned()),
        ("PANELMERGE_PASSWORD", PASSWORD.to_owned()),
        ("PANELMERGE_COLLEAGUE", "bob".to_owned()),
        ("PANELMERGE_ADMIN_TOKEN", admin_token),
    ];
    let dir = tempfile::tempdir().unwrap();

    let shell = blocks(&guide, "sh");
    assert!(!shell.is_empty(), "the guide has shell examples");
    std::fs::write(dir.path().join("guide.sh"), shell.concat()).unwrap();
    let out = run("bash", &["-euo", "pipefail", "guide.sh"], dir.path(), &env);
    assert!(out.to_lowercase().contains("ratelimit-remaining"), "{out}");
    assert!(out.contains("\"id\":402"), "{out}");

    let python = blocks(&guide, "python");
    assert!(
        python.len() >= 6,
        "token, search, merge, upload, saved panels, shares"
    );
    std::fs::write(dir.path().join("guide.py"), python.concat()).unwrap();
    let out = run("python3", &["guide.py"], dir.path(), &env);
    for expected in [
        "{'name': 'pipeline', 'scopes': ['READ', 'WRITE']}",
        "R59 is",
        "UK panels",
        "SCN1A comes from",
        "downloaded epilepsy-green.xlsx",
        "re-applying",
        "shared with bob",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }

    let js = blocks(&guide, "js");
    assert_eq!(js.len(), 1, "one JavaScript example");
    // Node resolves `graphql-ws` and `ws` from the browser tests' packages.
    std::os::unix::fs::symlink(
        repo_root().join("tests/browser/node_modules"),
        dir.path().join("node_modules"),
    )
    .unwrap();
    std::fs::write(dir.path().join("feed.mjs"), &js[0]).unwrap();
    let out = run("node", &["feed.mjs"], dir.path(), &env);
    assert!(out.contains("live: LOGIN"), "{out}");
    assert!(out.contains("failed"), "{out}");
}
