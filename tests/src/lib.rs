//! The end-to-end harness every test uses: the real server on port 0 against a temporary
//! SQLite file, or a fresh PostgreSQL database plus a Redis key prefix; a GraphQL client with
//! a cookie jar; a WebSocket subscription client; a mock PanelApp serving real fixtures; a
//! headless-Chromium runner; and, for the deployment test, a real nginx running the shipped site
//! in front of `panelmerge serve` processes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;
pub mod client;
pub mod mock_panelapp;
pub mod nginx;
pub mod serve;
pub mod services;
pub mod smtp;
pub mod ws;

use std::collections::BTreeMap;
use std::path::PathBuf;

use server::{AppState, Application, Settings};
use tokio::sync::oneshot;

pub use client::GraphqlClient;
pub use mock_panelapp::MockPanelApp;
pub use services::{Backend, PgDatabase};

/// Where the repository is (for fixtures, the built web app, browser scripts).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// How to start a server.
#[derive(Default, Clone)]
pub struct TestConfig {
    pub backend: Option<Backend>,
    /// Extra environment-style variables (override the defaults below).
    pub vars: BTreeMap<String, String>,
    /// Serve the built web app (`dist/`); otherwise an empty static directory.
    pub with_web_app: bool,
    /// Share the database and Redis prefix of another running server (multi-instance tests).
    pub share_with: Option<SharedStore>,
    /// PanelApp base URLs (a mock); defaults to an unreachable address so nothing escapes.
    pub panelapp: Option<(String, String)>,
}

/// The database URL and Redis prefix of a running server, for a second instance.
#[derive(Clone, Debug)]
pub struct SharedStore {
    pub database_url: String,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    pub secret_key: String,
    pub encryption_key: String,
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub state: AppState,
    pub client: GraphqlClient,
    pub backend: Backend,
    pub store: SharedStore,
    pub data_dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _pg: Option<std::sync::Arc<PgDatabase>>,
}

impl TestApp {
    /// A server that also serves the built web app (for browser tests), on SQLite, with
    /// PanelApp at `panelapp` (the mock's `urls()`) when given.
    pub async fn web(panelapp: Option<(String, String)>) -> Self {
        Self::spawn(TestConfig {
            with_web_app: true,
            panelapp,
            ..TestConfig::default()
        })
        .await
        .expect("sqlite is always available")
    }

    /// A server on SQLite with in-process backends.
    pub async fn sqlite() -> Self {
        Self::spawn(TestConfig {
            backend: Some(Backend::Sqlite),
            ..TestConfig::default()
        })
        .await
        .expect("sqlite is always available")
    }

    /// A server on a fresh PostgreSQL database and a fresh Redis prefix, or `None` (with a
    /// notice) when `TEST_DATABASE_URL`/`TEST_REDIS_URL` are unset outside CI. Under
    /// `CI=true` missing services fail the test.
    pub async fn postgres_redis() -> Option<Self> {
        Self::spawn(TestConfig {
            backend: Some(Backend::PostgresRedis),
            ..TestConfig::default()
        })
        .await
    }

    /// A server on `backend` with extra environment-style variables (`None` as for
    /// [`Self::postgres_redis`] when the services are missing outside CI).
    pub async fn with_vars(backend: Backend, vars: &[(&str, &str)]) -> Option<Self> {
        Self::spawn(TestConfig {
            backend: Some(backend),
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..TestConfig::default()
        })
        .await
    }

    pub async fn spawn(config: TestConfig) -> Option<Self> {
        server::install_crypto_provider();
        let backend = config.backend.unwrap_or(Backend::Sqlite);
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (store, pg) = match (&config.share_with, backend) {
            (Some(shared), _) => (shared.clone(), None),
            (None, Backend::Sqlite) => {
                let path = data_dir.path().join("panelmerge.db");
                let store = SharedStore {
                    database_url: format!("sqlite:///{}?mode=rwc", path.display()),
                    redis_url: None,
                    redis_prefix: String::new(),
                    secret_key: format!("test-secret-{}", uuid::Uuid::new_v4().simple()),
                    encryption_key: server::config::EncryptionKey::generate()
                        .to_base64()
                        .expose()
                        .to_owned(),
                };
                (store, None)
            }
            (None, Backend::PostgresRedis) => {
                let (pg_url, redis_url) = services::required_services()?;
                let pg = PgDatabase::create(&pg_url).await;
                let store = SharedStore {
                    database_url: pg.url.clone(),
                    redis_url: Some(redis_url),
                    redis_prefix: format!("pmtest:{}:", uuid::Uuid::new_v4().simple()),
                    secret_key: format!("test-secret-{}", uuid::Uuid::new_v4().simple()),
                    encryption_key: server::config::EncryptionKey::generate()
                        .to_base64()
                        .expose()
                        .to_owned(),
                };
                (store, Some(std::sync::Arc::new(pg)))
            }
        };
        let static_dir = if config.with_web_app {
            repo_root().join("dist")
        } else {
            let dir = data_dir.path().join("static");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("index.html"), "<!doctype html><title>test</title>").unwrap();
            dir
        };
        let mut vars = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            vars.insert(k.to_owned(), v);
        };
        set("DATA_DIR", data_dir.path().display().to_string());
        set("STATIC_DIR", static_dir.display().to_string());
        set("HOST", "127.0.0.1".into());
        set("PORT", "0".into());
        set("DATABASE_URL", store.database_url.clone());
        if let Some(redis) = &store.redis_url {
            set("REDIS_URL", redis.clone());
            set("REDIS_KEY_PREFIX", store.redis_prefix.clone());
        }
        set("SECRET_KEY", store.secret_key.clone());
        set("ENCRYPTION_KEY", store.encryption_key.clone());
        set(
            "LOG_LEVEL",
            std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into()),
        );
        let (uk, au) = config.panelapp.clone().unwrap_or_else(|| {
            (
                "http://127.0.0.1:9/uk/api/v1/".into(),
                "http://127.0.0.1:9/au/api/v1/".into(),
            )
        });
        set("PANELAPP_UK_URL", uk);
        set("PANELAPP_AU_URL", au);
        set("PANELAPP_TIMEOUT", "5".into());
        set("PANELAPP_MAX_RETRIES", "1".into());
        // Tests count PanelApp calls: the background gene directory sync runs only in the
        // tests that turn it on.
        set("GENE_DIRECTORY_SYNC_INTERVAL", "off".into());
        vars.extend(config.vars.clone());
        let (settings, _) = Settings::from_vars_generating_keys(&vars)
            .unwrap_or_else(|report| panic!("test settings invalid:\n{report}"));
        server::logging::init(&settings.log).unwrap();
        let app = Application::build(settings).await.expect("server starts");
        let port = app.port();
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        let address = format!("http://127.0.0.1:{port}");
        Some(Self {
            client: GraphqlClient::new(&address),
            address,
            port,
            state,
            backend,
            store,
            data_dir,
            stop: Some(stop),
            task: Some(task),
            _pg: pg,
        })
    }

    /// A second server instance sharing this one's database and Redis.
    pub async fn sibling(&self) -> Self {
        let config = TestConfig {
            backend: Some(self.backend),
            share_with: Some(self.store.clone()),
            ..TestConfig::default()
        };
        let mut other = Self::spawn(config).await.expect("sibling starts");
        other._pg = self._pg.clone();
        other
    }

    /// A client with its own, empty cookie jar (another browser, another user).
    pub fn new_client(&self) -> GraphqlClient {
        GraphqlClient::new(&self.address)
    }

    /// The WebSocket URL of `/graphql`.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/graphql", self.port)
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Runs the body once on SQLite and once on PostgreSQL + Redis.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::sqlite().await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_redis() {
                let Some(app) = $crate::TestApp::postgres_redis().await else {
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}

/// The `panelmerge` binary, built on first use (`PANELMERGE_BIN` overrides).
pub fn panelmerge_bin() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Ok(path) = std::env::var("PANELMERGE_BIN") {
                return PathBuf::from(path);
            }
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args([
                    "build",
                    "-q",
                    "-p",
                    "server",
                    "--bin",
                    "panelmerge",
                    "--features",
                    "server/test-support",
                ])
                .current_dir(repo_root())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building panelmerge failed");
            let target = std::env::var("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| repo_root().join("target"));
            target.join("debug/panelmerge")
        })
        .clone()
}

/// Runs `panelmerge ARGS` with exactly `vars` as its environment (plus PATH), in `cwd`;
/// returns (exit code, stdout + stderr).
pub fn run_cli(
    args: &[&str],
    vars: &[(&str, &str)],
    cwd: &std::path::Path,
    stdin: Option<&str>,
) -> (i32, String) {
    use std::io::Write;
    let mut command = std::process::Command::new(panelmerge_bin());
    command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOG_LEVEL", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in vars {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("panelmerge starts");
    if let Some(mut pipe) = child.stdin.take()
        && let Some(input) = stdin
    {
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let output = child.wait_with_output().expect("panelmerge finishes");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// A strong password for test accounts.
pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Sends `query` as this app's logged-in client to a second server process on the same
    /// database and Redis, told to stop at `failpoint` (just before a commit), and kills it
    /// there: the request dies with the server, and nothing of it may have been written.
    pub async fn killed_at_failpoint(
        &self,
        failpoint: &str,
        query: &str,
        variables: serde_json::Value,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let notify = listener.local_addr().unwrap().to_string();
        let mut child = std::process::Command::new(panelmerge_bin())
            .arg("serve")
            .current_dir(self.data_dir.path())
            .env("PORT", "0")
            .stdout(std::process::Stdio::piped())
            .env("DATABASE_URL", &self.store.database_url)
            .env("REDIS_URL", self.store.redis_url.clone().unwrap())
            .env("REDIS_KEY_PREFIX", &self.store.redis_prefix)
            .env("SECRET_KEY", &self.store.secret_key)
            .env("ENCRYPTION_KEY", &self.store.encryption_key)
            .env("DATA_DIR", self.data_dir.path())
            .env("LOG_LEVEL", "error")
            .env("PANELMERGE_FAILPOINT", failpoint)
            .env("PANELMERGE_FAILPOINT_NOTIFY", &notify)
            .spawn()
            .unwrap();
        // `serve` prints its address once it listens (migrations done).
        let stdout = child.stdout.take().unwrap();
        let address = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| l.split("listening on ").nth(1).map(str::to_owned))
        })
        .await
        .unwrap()
        .expect("second server listening");
        let other = GraphqlClient::new(&address);
        // The session (in Redis) is shared: the logged-in cookie works on the second process.
        let request = other
            .http
            .post(other.url("/graphql"))
            .header("cookie", self.client.cookie_header())
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send();
        let pending = tokio::spawn(request);
        let (_conn, _) =
            tokio::time::timeout(std::time::Duration::from_secs(60), listener.accept())
                .await
                .expect("failpoint reached")
                .unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            pending.await.unwrap().is_err(),
            "the request died with the server"
        );
    }
}

impl TestApp {
    /// Creates an account directly through the service (as the CLI would).
    pub async fn create_user(&self, username: &str, role: shared::Role) -> entity::user::Model {
        let new = server::services::accounts::NewUser {
            username: username.to_owned(),
            email: format!("{username}@example.org"),
            password: PASSWORD.to_owned(),
            role,
            timezone: None,
        };
        let actor = server::auth::Principal::test_harness("test");
        self.state
            .accounts
            .create_user(&actor, new)
            .await
            .unwrap_or_else(|e| panic!("create {username}: {}", e.describe()))
    }

    /// A new client logged in as a new account with `role`.
    pub async fn logged_in(&self, username: &str, role: shared::Role) -> GraphqlClient {
        self.create_user(username, role).await;
        let client = self.new_client();
        client.login(username, PASSWORD).await;
        client
    }

    /// Audit rows, oldest first, optionally of one action.
    pub async fn audit_rows(
        &self,
        action: Option<shared::AuditAction>,
    ) -> Vec<entity::audit_log::Model> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let mut query =
            entity::audit_log::Entity::find().order_by_asc(entity::audit_log::Column::Id);
        if let Some(action) = action {
            query = query.filter(entity::audit_log::Column::ActionType.eq(action));
        }
        query.all(&self.state.db).await.expect("audit rows")
    }
}

impl GraphqlClient {
    /// Logs in; panics unless it succeeds.
    pub async fn login(&self, login: &str, password: &str) -> serde_json::Value {
        self.data(
            "mutation($i: LoginInput!) { login(input: $i) { user { id username role } } }",
            serde_json::json!({ "i": { "login": login, "password": password } }),
        )
        .await
    }
}

/// The row number behind a global id (`node(id:)` ids), or the number itself when the text is
/// one; panics on anything else.
pub fn db_id(id: &str) -> i32 {
    server::graphql::node::parse_global(id)
        .map_or_else(|| id.to_owned(), |(_, key)| key)
        .parse()
        .unwrap_or_else(|_| panic!("{id:?} is not an id of a row"))
}
