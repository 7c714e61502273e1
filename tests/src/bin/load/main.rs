//! Load harness for the benchmarks in BENCHMARKS.md. It starts release `panelmerge` processes
//! (set `PANELMERGE_BIN`, default `target/release/panelmerge`) and drives them over HTTP and
//! WebSocket like real clients, printing a Markdown summary.
//!
//!   load login-flood [--attackers 16] [--seconds 20]
//!   load subscribers [--count 1000] [--events 100]     (needs TEST_DATABASE_URL, TEST_REDIS_URL)
//!   load catalogue [--connections 32] [--seconds 5] [--only TEXT]  (issue 18: catalogue reads)
//!   load scale [--backend sqlite|postgres] [--audit 1000000] [--panels 10000] [--users 1000]
//!              [--connections 8] [--seconds 3] [--only TEXT]
//!              (issue 18: pages with years of data; needs a test-support build)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod catalogue;
mod scale;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tests::GraphqlClient;
use tests::ws::WsClient;
use tokio::sync::Mutex;

const PASSWORD: &str = "correct horse battery staple";

/// `--only TEXT`: only the rows whose name contains TEXT (for profiling one row).
fn only() -> Option<String> {
    std::env::args().skip_while(|a| a != "--only").nth(1)
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn binary() -> PathBuf {
    std::env::var("PANELMERGE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tests::repo_root().join("target/release/panelmerge"))
}

struct Server {
    child: Child,
    base: String,
    port: u16,
}

impl Server {
    fn start(vars: &[(&str, String)], dir: &std::path::Path) -> Self {
        let port = free_port();
        let mut command = Command::new(binary());
        command
            .arg("serve")
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORT", port.to_string())
            .env("LOG_LEVEL", "error")
            .env("STATIC_DIR", dir.join("static"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in vars {
            command.env(k, v);
        }
        let child = command.spawn().expect("panelmerge starts");
        let base = format!("http://127.0.0.1:{port}");
        Self { child, base, port }
    }

    async fn ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server on {} did not become ready", self.base);
    }

    /// Resident memory of the server process, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn sample_queries(client: &GraphqlClient, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.data("{ serverInfo { version } }", json!({})).await;
        out.push(t.elapsed());
    }
    out.sort();
    out
}

async fn login_flood() {
    let attackers = arg("--attackers", 16) as usize;
    let seconds = arg("--seconds", 20);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    let vars = [
        ("DATA_DIR", dir.path().display().to_string()),
        (
            "SECRET_KEY",
            "load-test-secret-key-with-32-characters!".to_owned(),
        ),
        ("RATE_LIMIT_PER_MINUTE", "10000000".to_owned()),
        ("RATE_LIMIT_PER_HOUR", "10000000".to_owned()),
        ("RATE_LIMIT_PER_DAY", "100000000".to_owned()),
        ("BRUTE_FORCE_THRESHOLD", "100000".to_owned()),
        ("MAX_LOGIN_ATTEMPTS", "1000".to_owned()),
    ];
    let server = Server::start(&vars, dir.path());
    server.ready().await;
    let user = GraphqlClient::new(&server.base);
    user.data(
        "mutation($i: RegisterInput!) { register(input: $i) { user { id } } }",
        json!({ "i": { "username": "ada", "email": "ada@example.org", "password": PASSWORD } }),
    )
    .await;
    let baseline = sample_queries(&user, 300).await;

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let failed_latency = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for a in 0..attackers {
        let (stop, failures, failed_latency) =
            (stop.clone(), failures.clone(), failed_latency.clone());
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            let client = GraphqlClient::new(&base);
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let login = if i.is_multiple_of(2) {
                    format!("ghost{a}_{i}")
                } else {
                    "ada".to_owned()
                };
                let t = Instant::now();
                let body = client
                    .query(
                        "mutation($i: LoginInput!) { login(input: $i) { user { id } } }",
                        json!({ "i": { "login": login, "password": format!("wrong guess {i}") } }),
                    )
                    .await;
                assert!(body["errors"].is_array());
                failed_latency.lock().await.push(t.elapsed());
                failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    let started = Instant::now();
    let mut during = Vec::new();
    let mut good_logins = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let t = Instant::now();
        user.data("{ serverInfo { version } }", json!({})).await;
        during.push(t.elapsed());
        if during.len().is_multiple_of(25) {
            let legit = GraphqlClient::new(&server.base);
            let t = Instant::now();
            let body = legit
                .query(
                    "mutation($i: LoginInput!) { login(input: $i) { user { id } } }",
                    json!({ "i": { "login": "ada", "password": PASSWORD } }),
                )
                .await;
            good_logins.push((t.elapsed(), body["errors"].is_null()));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    during.sort();
    let mut failed = failed_latency.lock().await.clone();
    failed.sort();
    let mut legit: Vec<_> = good_logins.iter().map(|(d, _)| *d).collect();
    legit.sort();
    let ok = good_logins.iter().filter(|(_, ok)| *ok).count();
    println!(
        "### Login flood ({attackers} concurrent attackers, {seconds} s, {} CPUs)\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!("| measure | p50 | p99 |\n|---|---|---|");
    println!(
        "| `serverInfo` alone (baseline, {} requests) | {} | {} |",
        baseline.len(),
        ms(percentile(&baseline, 0.5)),
        ms(percentile(&baseline, 0.99))
    );
    println!(
        "| `serverInfo` during the flood ({} requests) | {} | {} |",
        during.len(),
        ms(percentile(&during, 0.5)),
        ms(percentile(&during, 0.99))
    );
    println!(
        "| failed login ({} attempts) | {} | {} |",
        failed.len(),
        ms(percentile(&failed, 0.5)),
        ms(percentile(&failed, 0.99))
    );
    println!(
        "| legitimate login during the flood ({ok}/{} succeeded) | {} | {} |",
        good_logins.len(),
        ms(percentile(&legit, 0.5)),
        ms(percentile(&legit, 0.99))
    );
    println!(
        "\nFailed-login throughput: {:.1} per second.",
        failures.load(std::sync::atomic::Ordering::Relaxed) as f64 / elapsed
    );
}

async fn subscribers() {
    let count = arg("--count", 1000) as usize;
    let events = arg("--events", 100) as usize;
    let (pg, redis) =
        tests::services::required_services().expect("TEST_DATABASE_URL and TEST_REDIS_URL");
    let db = tests::PgDatabase::create(&pg).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    let vars = [
        ("DATA_DIR", dir.path().display().to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("REDIS_URL", redis.clone()),
        (
            "REDIS_KEY_PREFIX",
            format!("pmload:{}:", uuid::Uuid::new_v4().simple()),
        ),
        (
            "SECRET_KEY",
            "load-test-secret-key-with-32-characters!".to_owned(),
        ),
        (
            "ENCRYPTION_KEY",
            server::config::EncryptionKey::generate()
                .to_base64()
                .expose()
                .to_owned(),
        ),
        ("RATE_LIMIT_PER_MINUTE", "10000000".to_owned()),
        ("RATE_LIMIT_PER_HOUR", "10000000".to_owned()),
        ("RATE_LIMIT_PER_DAY", "100000000".to_owned()),
    ];
    let a = Server::start(&vars, dir.path());
    a.ready().await;
    let b = Server::start(&vars, dir.path());
    b.ready().await;
    let admin_vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out) = tests::run_cli(
        &[
            "create-admin",
            "--username",
            "root",
            "--email",
            "root@example.org",
        ],
        &admin_vars,
        dir.path(),
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(code, 0, "{out}");
    let on_a = GraphqlClient::new(&a.base);
    on_a.login("root", PASSWORD).await;
    let on_b = GraphqlClient::new(&b.base);
    on_b.login("root", PASSWORD).await;
    let rss_before = (a.rss_kib(), b.rss_kib());

    let query = "subscription { auditEvents(filter: { actions: [PROFILE_UPDATE] }) { id at } }";
    let mut sockets = Vec::with_capacity(count);
    for i in 0..count {
        let (server, client) = if i.is_multiple_of(2) {
            (&a, &on_a)
        } else {
            (&b, &on_b)
        };
        let url = format!("ws://127.0.0.1:{}/graphql", server.port);
        let cookie = client.cookie_header();
        let mut ws = WsClient::connect(&url, &[("cookie", &cookie)], json!({}))
            .await
            .unwrap();
        let id = ws.subscribe(query, json!({})).await;
        sockets.push((ws, id));
    }
    // Let every subscription settle (subscribe is asynchronous), then measure idle memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = (a.rss_kib(), b.rss_kib());
    let per_subscriber =
        ((rss_idle.0 + rss_idle.1) as f64 - (rss_before.0 + rss_before.1) as f64) / count as f64;

    let latencies = Arc::new(Mutex::new(Vec::with_capacity(count * events)));
    let lost = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut readers = Vec::new();
    for (mut ws, id) in sockets {
        let (latencies, lost) = (latencies.clone(), lost.clone());
        readers.push(tokio::spawn(async move {
            let mut got = 0;
            while got < events {
                let Some(m) = ws.next_data(&id, Duration::from_secs(30)).await else {
                    break;
                };
                let at = m["data"]["auditEvents"]["at"].as_str().unwrap();
                let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
                let delay = (chrono::Utc::now() - at.with_timezone(&chrono::Utc))
                    .to_std()
                    .unwrap_or_default();
                latencies.lock().await.push(delay);
                got += 1;
            }
            lost.fetch_add(events - got, std::sync::atomic::Ordering::Relaxed);
        }));
    }
    for i in 0..events {
        let client = if i.is_multiple_of(2) { &on_a } else { &on_b };
        client
            .data(
                "mutation { updateProfile(input: { timezone: \"UTC\" }) { id } }",
                json!({}),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for r in readers {
        r.await.unwrap();
    }
    let mut all = latencies.lock().await.clone();
    all.sort();
    println!("### Live audit feed: {count} subscribers on two instances, {events} events\n");
    println!("| measure | value |\n|---|---|");
    println!(
        "| deliveries expected / received | {} / {} |",
        count * events,
        all.len()
    );
    println!(
        "| events lost | {} |",
        lost.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!("| publish-to-receive p50 | {} |", ms(percentile(&all, 0.5)));
    println!(
        "| publish-to-receive p99 | {} |",
        ms(percentile(&all, 0.99))
    );
    println!(
        "| memory per idle subscriber (server RSS growth / subscribers) | {per_subscriber:.1} KiB |"
    );
    println!(
        "| server RSS before → with subscribers (A, B) | {} → {} KiB, {} → {} KiB |",
        rss_before.0, rss_idle.0, rss_before.1, rss_idle.1
    );
}

#[tokio::main]
async fn main() {
    server::install_crypto_provider();
    match std::env::args().nth(1).as_deref() {
        Some("login-flood") => login_flood().await,
        Some("subscribers") => subscribers().await,
        Some("catalogue") => catalogue::catalogue().await,
        Some("scale") => scale::scale().await,
        _ => eprintln!("usage: load login-flood|subscribers|catalogue|scale [options]"),
    }
}
