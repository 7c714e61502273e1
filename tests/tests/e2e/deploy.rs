//! `deploy/`: the shipped nginx site in front of two `panelmerge serve` processes started from
//! the shipped environment files, sharing one PostgreSQL database and one Redis, over real TLS;
//! and the shipped systemd unit.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use server::Settings;
use shared::AuditAction;
use tests::nginx::{Nginx, shipped_site};
use tests::serve::{ServeProcess, read_env_file};
use tests::ws::WsClient;
use tests::{GraphqlClient, PASSWORD, PgDatabase, repo_root, run_cli};

/// The test's own address: distinct from 127.0.0.1, which is nginx's as the instances see it
/// (their `TRUSTED_PROXIES`).
const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
/// What a client claims to be in a forged `X-Forwarded-For`.
const FORGED: &str = "203.0.113.66";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";
const ME: &str = "{ me { username role } }";
const FEED: &str =
    "subscription($f: AuditEventFilter) { auditEvents(filter: $f) { action username success ip } }";
const WAIT: Duration = Duration::from_secs(10);

fn env_file(name: &str) -> BTreeMap<String, String> {
    read_env_file(&repo_root().join("deploy/env").join(name))
}

/// What one instance runs with: the shipped shared file, then its own file, then what only
/// this machine knows (where the database and Redis are, the keys, nginx's address, free
/// ports, directories). Every overridden variable must be one the shipped files set.
fn instance_env(instance: &str, site: &[(&str, String)]) -> BTreeMap<String, String> {
    let mut env = env_file("panelmerge.env");
    env.extend(env_file(&format!("{instance}.env")));
    for (key, value) in site {
        env.insert((*key).to_owned(), value.clone());
    }
    env
}

/// POSTs one GraphQL operation with extra headers; returns the response headers and JSON.
async fn post(
    http: &reqwest::Client,
    base: &str,
    headers: &[(&str, &str)],
    query: &str,
    variables: Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let response_headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, response_headers, body)
}

/// A TCP connection to nginx's HTTPS port from [`CLIENT`].
async fn connect_from_client(port: u16) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(CLIENT, 0)).unwrap();
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("connect to nginx")
}

/// The upstream addresses nginx logged for requests matching `request` (after `skip` bytes of
/// the log), once `count` of them are logged (nginx logs right after it answers).
async fn upstreams_logged(nginx: &Nginx, skip: usize, request: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let log = nginx.access_log();
        let found: Vec<String> = log[skip.min(log.len())..]
            .lines()
            .filter(|l| l.contains(request))
            .filter_map(|l| l.rsplit(' ').next().map(str::to_owned))
            .collect();
        if found.len() >= count {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "nginx logged {} of {count} {request:?} requests:\n{log}",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_the_shipped_nginx_site_share_sessions_events_and_client_addresses() {
    server::install_crypto_provider();
    let Some((pg_url, redis_url)) = tests::services::required_services() else {
        return;
    };
    if tests::nginx::binary().is_none() {
        return;
    }
    let pg = PgDatabase::create(&pg_url).await;
    let dirs = tempfile::tempdir().unwrap();
    let static_dir = dirs.path().join("dist");
    std::fs::create_dir_all(&static_dir).unwrap();
    std::fs::write(
        static_dir.join("index.html"),
        "<!doctype html><title>PanelMerge</title>",
    )
    .unwrap();
    let secret = format!("deploy-test-{}", uuid::Uuid::new_v4().simple());
    let key = server::config::EncryptionKey::generate()
        .to_base64()
        .expose()
        .to_owned();
    let prefix = format!("pmdeploy:{}:", uuid::Uuid::new_v4().simple());
    let site = |instance: &str| -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", pg.url.clone()),
            ("REDIS_URL", redis_url.clone()),
            ("REDIS_KEY_PREFIX", prefix.clone()),
            ("SECRET_KEY", secret.clone()),
            ("ENCRYPTION_KEY", key.clone()),
            ("HOST", "127.0.0.1".into()),
            ("PORT", "0".into()),
            ("TRUSTED_PROXIES", "127.0.0.1".into()),
            ("STATIC_DIR", static_dir.display().to_string()),
            ("DATA_DIR", dirs.path().join(instance).display().to_string()),
            ("LOG_LEVEL", "warn".into()),
            ("PANELAPP_UK_URL", "http://127.0.0.1:9/uk/api/v1/".into()),
            ("PANELAPP_AU_URL", "http://127.0.0.1:9/au/api/v1/".into()),
        ]
    };
    let env_a = instance_env("a", &site("a"));
    let env_b = instance_env("b", &site("b"));
    for (k, v) in [("APP_ENV", "production"), ("COOKIE_SECURE", "true")] {
        assert_eq!(
            env_a.get(k).map(String::as_str),
            Some(v),
            "deploy/env sets {k}"
        );
    }
    let vars: Vec<(&str, &str)> = env_a
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // Started one after the other: the first applies the migrations (deploy/README.md).
    let a = ServeProcess::start(&env_a);
    let b = ServeProcess::start(&env_b);
    for admin in ["root", "ada"] {
        let (code, out) = run_cli(
            &[
                "create-admin",
                "--username",
                admin,
                "--email",
                &format!("{admin}@example.org"),
            ],
            &vars,
            dirs.path(),
            Some(&format!("{PASSWORD}\n")),
        );
        assert_eq!(code, 0, "{out}");
    }

    let Some(mut nginx) = Nginx::configure([a.address(), b.address()]) else {
        return;
    };
    let (valid, said) = nginx.check();
    assert!(
        valid && said.contains("syntax is ok") && said.contains("test is successful"),
        "nginx -t refuses the shipped site:\n{said}"
    );
    nginx.start().await;

    // Plain HTTP only redirects to HTTPS.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = plain
        .get(format!("{}/graphql?query=x", nginx.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 301);
    assert_eq!(
        response.headers()["location"],
        "https://127.0.0.1/graphql?query=x"
    );

    // Through nginx over TLS, from CLIENT, claiming to be FORGED.
    let browser = GraphqlClient::with_builder(
        &nginx.https_url(),
        reqwest::Client::builder()
            .tls_certs_only([nginx.cert.reqwest_root()])
            .local_address(CLIENT),
    );
    for instance in [&a, &b] {
        let ready: Value = browser
            .http
            .get(format!("{}/readyz", instance.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["status"], "ready", "{ready}");
        assert_eq!(ready["cache"]["backend"], "redis", "{ready}");
    }
    let (status, headers, body) = post(
        &browser.http,
        &browser.base,
        &[("x-forwarded-for", FORGED)],
        LOGIN,
        json!({ "i": { "login": "root", "password": PASSWORD } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["login"]["user"]["username"], "root", "{body}");
    assert_eq!(
        headers["strict-transport-security"], "max-age=63072000",
        "nginx adds HSTS"
    );
    let session_cookie = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pm_session="))
        .expect("a session cookie");
    assert!(
        session_cookie.contains("HttpOnly") && session_cookie.contains("Secure"),
        "COOKIE_SECURE=true from deploy/env: {session_cookie}"
    );
    let cookie = browser.cookie_header();
    assert!(cookie.contains("pm_session="), "the jar kept the session");

    // The session holds on each instance, asked directly (with the cookie, from CLIENT) ...
    let direct = reqwest::Client::builder()
        .local_address(CLIENT)
        .build()
        .unwrap();
    for instance in [&a, &b] {
        let (_, _, body) = post(
            &direct,
            &instance.url(),
            &[("cookie", &cookie)],
            ME,
            json!({}),
        )
        .await;
        assert_eq!(body["data"]["me"]["username"], "root", "{body}");
        assert_eq!(body["data"]["me"]["role"], "ADMIN", "{body}");
    }
    // ... and through nginx, which sends the requests round robin to both.
    let logged = nginx.access_log().len();
    for _ in 0..4 {
        let me = browser.data(ME, json!({})).await;
        assert_eq!(me["me"]["username"], "root");
    }
    let upstreams: BTreeSet<String> = upstreams_logged(&nginx, logged, "POST /graphql", 4)
        .await
        .into_iter()
        .collect();
    assert_eq!(
        upstreams,
        BTreeSet::from([a.address().to_string(), b.address().to_string()]),
        "both instances answered the logged-in browser"
    );

    // The recorded client address is the one nginx saw (X-Forwarded-For, set by nginx; the
    // TCP peer of the instance was nginx at 127.0.0.1), never the forged one.
    let db = sea_orm::Database::connect(&pg.url).await.unwrap();
    let logins = || async {
        entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::ActionType.eq(AuditAction::Login))
            .order_by_asc(entity::audit_log::Column::Id)
            .all(&db)
            .await
            .unwrap()
    };
    let rows = logins().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].username.as_deref(), Some("root"));
    assert!(rows[0].success);
    assert_eq!(rows[0].ip_address.as_deref(), Some("127.0.0.2"));
    // A client that goes around nginx is not a trusted proxy: its header is ignored too.
    let (_, _, body) = post(
        &direct,
        &a.url(),
        &[("x-forwarded-for", FORGED)],
        LOGIN,
        json!({ "i": { "login": "root", "password": "not the password" } }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    let rows = logins().await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(!rows[1].success);
    assert_eq!(rows[1].ip_address.as_deref(), Some("127.0.0.2"));

    // A body the instances refuse is refused by them (a JSON error naming MAX_BODY_SIZE), not
    // cut short by nginx; far beyond the upload limit, nginx refuses it.
    let max_body: usize = env_a["MAX_BODY_SIZE"].parse().unwrap();
    let (status, _, body) = post(
        &browser.http,
        &browser.base,
        &[],
        ME,
        json!({ "pad": "x".repeat(2 * max_body) }),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    assert_eq!(body["errors"][0]["extensions"]["limit"], max_body);

    // A subscription through nginx (wss, WebSocket upgrade) ...
    let wss = format!("wss://127.0.0.1:{}/graphql", nginx.https_port);
    let origin = nginx.https_url();
    let refused = WsClient::connect_tls(
        &wss,
        &[("cookie", &cookie), ("origin", "https://evil.example")],
        json!({}),
        connect_from_client(nginx.https_port).await,
        nginx.cert.rustls_config(),
    )
    .await;
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("403")),
        "a foreign origin is refused behind nginx too"
    );
    let mut ws = WsClient::connect_tls(
        &wss,
        &[("cookie", &cookie), ("origin", &origin)],
        json!({}),
        connect_from_client(nginx.https_port).await,
        nginx.cert.rustls_config(),
    )
    .await
    .expect("the browser's own origin opens a socket through nginx");
    let id = ws
        .subscribe(FEED, json!({ "f": { "actions": ["LOGIN"] } }))
        .await;
    // The subscription is live once an event reaches it (the subscribe message may still be
    // on its way when the first probe is made).
    let mut live = false;
    for attempt in 0..30 {
        post(
            &direct,
            &a.url(),
            &[],
            LOGIN,
            json!({ "i": { "login": format!("probe{attempt}"), "password": "x y z w v" } }),
        )
        .await;
        if let Some(event) = ws.next_data(&id, Duration::from_secs(1)).await {
            assert_eq!(event["data"]["auditEvents"]["action"], "LOGIN", "{event}");
            live = true;
            break;
        }
    }
    assert!(live, "no audit event reached the socket through nginx");
    // ... sees logins made on each instance: the socket is held by one of them, so one of the
    // two events was made on the other and crossed over Redis.
    for instance in [&a, &b] {
        let (_, _, body) = post(
            &direct,
            &instance.url(),
            &[("x-forwarded-for", FORGED)],
            LOGIN,
            json!({ "i": { "login": "ada", "password": PASSWORD } }),
        )
        .await;
        assert_eq!(body["data"]["login"]["user"]["username"], "ada", "{body}");
        let event = loop {
            let message = ws
                .next_data(&id, WAIT)
                .await
                .unwrap_or_else(|| panic!("ada's login on {} did not arrive", instance.url()));
            if message["data"]["auditEvents"]["username"] == "ada" {
                break message["data"]["auditEvents"].clone();
            }
        };
        assert_eq!(event["success"], true);
        assert_eq!(event["ip"], "127.0.0.2", "{event}");
    }
    drop(ws);
    drop(nginx);
    drop(a);
    drop(b);
    db.close().await.ok();
}

/// A size in nginx syntax (`1m`, `64k`, `512`) in bytes.
fn nginx_size(text: &str) -> usize {
    let (number, unit) = text.split_at(text.len() - 1);
    match unit {
        "k" | "K" => number.parse::<usize>().unwrap() << 10,
        "m" | "M" => number.parse::<usize>().unwrap() << 20,
        "g" | "G" => number.parse::<usize>().unwrap() << 30,
        _ => text.parse().unwrap(),
    }
}

/// The value of the first `directive VALUE;` in `text`.
fn directive<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.strip_suffix(';'))
        .unwrap_or_else(|| panic!("no {name} in the nginx site"))
}

#[test]
fn the_shipped_environment_files_are_valid_and_agree_with_the_nginx_site() {
    let shared = env_file("panelmerge.env");
    let instances = [env_file("a.env"), env_file("b.env")];
    for (key, _) in shared.iter().chain(instances.iter().flatten()) {
        assert!(
            server::config::KNOWN_VARIABLES
                .iter()
                .any(|(k, _)| k == key),
            "deploy/env sets {key}, which the server does not read"
        );
    }
    // As shipped the keys are empty, so an instance refuses to start until they are set.
    let mut vars = shared.clone();
    vars.extend(instances[0].clone());
    let report = Settings::validate(&vars);
    let refused: BTreeSet<&str> = report.errors.iter().map(|e| e.variable.as_str()).collect();
    assert_eq!(
        refused,
        BTreeSet::from(["ENCRYPTION_KEY", "SECRET_KEY"]),
        "{report}"
    );
    // With keys they are a valid production configuration.
    vars.insert(
        "SECRET_KEY".into(),
        "0123456789abcdef0123456789abcdef0123456789abcdef".into(),
    );
    vars.insert(
        "ENCRYPTION_KEY".into(),
        server::config::EncryptionKey::generate()
            .to_base64()
            .expose()
            .to_owned(),
    );
    let (settings, report) = Settings::from_vars_generating_keys(&vars)
        .unwrap_or_else(|report| panic!("deploy/env is not valid:\n{report}"));
    assert!(
        report.errors.is_empty() && report.warnings.is_empty(),
        "{report}"
    );
    assert!(settings.is_production());
    assert!(settings.security.secure_cookies);
    assert!(settings.redis_url.is_some(), "instances share Redis");
    assert!(settings.database_url.expose().starts_with("postgres://"));

    // The upstream block lists each instance's HOST:PORT.
    let site = shipped_site();
    for instance in &instances {
        let address = format!("server {}:{} ", instance["HOST"], instance["PORT"]);
        assert!(
            site.contains(&address),
            "the nginx upstream lacks {address:?}"
        );
    }
    // nginx lets through every body an instance accepts, so the instance answers an
    // oversized one with its own error: JSON anywhere, uploads (multipart) at /graphql.
    let (server_block, graphql_block) = site
        .split_once("location = /graphql {")
        .expect("a /graphql location");
    let https_block = server_block
        .split_once("listen 443 ssl")
        .expect("an HTTPS server")
        .1;
    assert!(
        nginx_size(directive(https_block, "client_max_body_size")) >= settings.body.max_json_bytes
    );
    let backstop = settings.body.max_upload_bytes + settings.body.max_json_bytes + 64 * 1024;
    assert!(nginx_size(directive(graphql_block, "client_max_body_size")) >= backstop);
    // nginx waits longer than an instance takes to answer, and longer than the gap between
    // two pings on a quiet subscription socket.
    let read_timeout: u64 = directive(https_block, "proxy_read_timeout")
        .trim_end_matches('s')
        .parse()
        .unwrap();
    assert!(read_timeout > settings.security.request_timeout.as_secs());
    assert!(read_timeout > settings.security.ws_ping_interval.as_secs());
}

/// `systemd-analyze`, or `None` with a notice outside CI (`make test` installs it).
fn systemd_analyze() -> Option<std::path::PathBuf> {
    let found = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            !tests::services::ci(),
            "CI=true but systemd-analyze is missing (`make test` installs systemd)"
        );
        eprintln!("notice: systemd-analyze not installed; systemd unit not checked");
    }
    found
}

#[test]
fn the_systemd_unit_is_valid_and_sandboxed() {
    let path = repo_root().join("deploy/systemd/panelmerge@.service");
    let unit = std::fs::read_to_string(&path).unwrap();
    for line in [
        "ExecStart=/usr/local/bin/panelmerge serve",
        "User=panelmerge",
        "EnvironmentFile=/etc/panelmerge/panelmerge.env",
        "EnvironmentFile=/etc/panelmerge/%i.env",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line:?}");
    }
    let Some(analyze) = systemd_analyze() else {
        return;
    };
    // Checked with the binary this suite built in place of the installed one.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("panelmerge@.service");
    let bin = tests::panelmerge_bin();
    std::fs::write(
        &copy,
        unit.replace("/usr/local/bin/panelmerge", &bin.display().to_string()),
    )
    .unwrap();
    let verify = std::process::Command::new(&analyze)
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(verify.status.success() && said.trim().is_empty(), "{said}");
    // Exposure 0 (locked down) to 10 (unprotected); --threshold is in tenths.
    let security = std::process::Command::new(&analyze)
        .args(["security", "--offline=true", "--threshold=20"])
        .arg(&copy)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&security.stdout);
    assert!(
        security.status.success() && said.contains("Overall exposure level"),
        "the unit is exposed more than 2.0:\n{said}"
    );
}
