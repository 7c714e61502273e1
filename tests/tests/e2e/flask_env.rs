//! A Flask site's `.env` (tests/fixtures/flask-v1.5/flask-site.env, built from the Flask
//! guides) works unchanged: `config validate` accepts it and names every Flask variable that
//! does nothing here with the reason (never as a spelling mistake), and a `panelmerge serve`
//! started with it shows the settings it implements taking effect with Flask's meaning.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use server::config::{FlaskVariable, flask_variable};
use tests::{panelmerge_bin, repo_root, run_cli};

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";
const PREVIEW: &str = "query($input: MergeInput!) { mergePreview(input: $input) { total } }";

fn flask_env() -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/flask-v1.5/flask-site.env")).unwrap()
}

fn env_keys(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

/// A `panelmerge serve` child, killed when dropped.
struct Served {
    child: Child,
    address: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `panelmerge serve` in `dir` (which holds the `.env`) with only `vars` besides it,
/// and waits for the line that names the address it listens on.
fn serve(dir: &std::path::Path, vars: &[(&str, &str)]) -> Served {
    let mut command = Command::new(panelmerge_bin());
    command
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in vars {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("panelmerge starts");
    let stdout = child.stdout.take().unwrap();
    let mut served = Served {
        child,
        address: String::new(),
    };
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((_, address)) = line.split_once("listening on ") {
            served.address = address.trim().to_owned();
            // Keep reading, so the server never writes to a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return served;
        }
    }
    panic!("panelmerge serve exited without listening");
}

async fn post(
    http: &reqwest::Client,
    address: &str,
    query: &str,
    variables: Value,
) -> (reqwest::header::HeaderMap, Value) {
    let response = http
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    (headers, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flask_env_file_configures_panelmerge() {
    server::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let text = flask_env();
    std::fs::write(dir.path().join(".env"), &text).unwrap();

    // `config validate`: valid; every Flask variable either read (no message) or named with
    // why it does nothing; none called unknown.
    let (code, out) = run_cli(&["config", "validate"], &[], dir.path(), None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("configuration is valid"), "{out}");
    assert!(!out.contains("unknown variable"), "{out}");
    for key in env_keys(&text) {
        let named = format!("warning: {key}: ");
        match flask_variable(&key) {
            Some(FlaskVariable::Read(_)) => {
                assert!(!out.contains(&named), "{key} is read, yet named:\n{out}")
            }
            Some(FlaskVariable::NotYetUsed(_)) => assert!(
                out.contains(&format!("{named}a Flask variable not yet used here: ")),
                "{key}:\n{out}"
            ),
            Some(FlaskVariable::NoMeaning(_)) => assert!(
                out.contains(&format!("{named}a Flask variable with no meaning here: ")),
                "{key}:\n{out}"
            ),
            None => panic!("{key} of the Flask guides is not in the table"),
        }
    }
    assert!(
        out.contains(
            "warning: MAIL_MAX_EMAILS: a Flask variable with no meaning here: the SMTP transport"
        ),
        "{out}"
    );
    assert!(
        out.contains("warning: HSTS_MAX_AGE: a Flask variable with no meaning here: security headers are fixed"),
        "{out}"
    );

    // ENCRYPTION_MASTER_KEY is the Flask key `import-flask` decrypts with: the fixture
    // database imports with nothing but the `.env` (DATABASE_URL=sqlite:///gene_panel.db,
    // relative to the working directory, as SQLAlchemy read it).
    let source = repo_root().join("tests/fixtures/flask-v1.5/panelmerge-v1.5.sqlite");
    let (code, out) = run_cli(
        &["import-flask", "--from", source.to_str().unwrap()],
        &[],
        dir.path(),
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(dir.path().join("gene_panel.db").is_file());

    let mock = tests::MockPanelApp::start().await;
    let (uk, au) = mock.urls();
    let static_dir = dir.path().join("static");
    std::fs::create_dir_all(&static_dir).unwrap();
    std::fs::write(
        static_dir.join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    let server = serve(
        dir.path(),
        &[
            ("PORT", "0"),
            ("STATIC_DIR", static_dir.to_str().unwrap()),
            // The Flask names of the PanelApp addresses, pointed at the mock.
            ("PANELAPP_UK_BASE_URL", uk.as_str()),
            ("PANELAPP_AUS_BASE_URL", au.as_str()),
        ],
    );
    let http = reqwest::Client::new();
    let address = server.address.as_str();

    // SESSION_COOKIE_SECURE=True: the session cookie is Secure even on plain loopback http
    // (where it would not be by default); the imported user logs in with the Flask password.
    let (headers, body) = post(
        &http,
        address,
        LOGIN,
        json!({ "i": { "login": "pvirtanen", "password": "Virtanen2026b" } }),
    )
    .await;
    assert_eq!(
        body["data"]["login"]["user"]["username"], "pvirtanen",
        "{body}"
    );
    let cookies: Vec<&str> = headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .collect();
    assert!(!cookies.is_empty());
    for cookie in cookies {
        assert!(cookie.contains("; Secure"), "{cookie}");
    }

    // IP_BLOCKING_ENABLED=False with BRUTE_FORCE_THRESHOLD=3: five failed logins from one
    // address, and the address is never blocked.
    for n in 1..=5 {
        let (_, body) = post(
            &http,
            address,
            LOGIN,
            json!({ "i": { "login": format!("nobody{n}"), "password": "wrong password" } }),
        )
        .await;
        let code = body["errors"][0]["extensions"]["code"].as_str();
        assert_eq!(code, Some("UNAUTHENTICATED"), "attempt {n}: {body}");
        assert!(
            body["errors"][0]["extensions"]["reason"].is_null(),
            "{body}"
        );
    }

    // RATE_LIMIT_ENABLED=False with RATE_LIMIT_PER_MINUTE=60: seventy requests, none refused.
    for n in 1..=70 {
        let response = http
            .post(format!("{address}/graphql"))
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "request {n}");
        let body: Value = response.json().await.unwrap();
        assert!(body.get("errors").is_none(), "request {n}: {body}");
    }

    // PANELAPP_UK_BASE_URL took effect: a merge reads UK 635 from the mock.
    let (_, body) = post(
        &http,
        address,
        PREVIEW,
        json!({ "input": { "panels": [{ "source": "UK", "id": 635, "version": "2.18",
            "confidence": ["GREEN"], "types": ["GENE"] }] } }),
    )
    .await;
    assert_eq!(body["data"]["mergePreview"]["total"], 8, "{body}");
}
