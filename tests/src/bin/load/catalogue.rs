//! `load catalogue`: throughput and latency of the read paths of issue 18 against one release
//! server, each beside `/healthz` in the same run.
//!
//! A [`MockPanelApp`] serves the real PanelApp fixtures; the server fetches the catalogues and
//! panels 402, 398 and 635 from it before anything is timed. Every request body is checked to
//! answer without errors first. Then each row runs `--connections` keep-alive connections for
//! `--seconds`, each sending its next request when the last answer has been read in full.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::{GraphqlClient, MockPanelApp};

use super::{Server, arg, ms, percentile};

/// One kind of request of a row.
#[derive(Clone)]
pub enum Shot {
    Get {
        path: String,
        if_none_match: Option<String>,
    },
    /// A JSON POST to `/graphql`; with `vary`, each request gets a unique trailing comment so
    /// no answer is ever served from the response cache (the execution path).
    Post { body: Value, vary: bool },
}

pub struct Row {
    pub name: String,
    pub shot: Shot,
    /// The status every timed answer must have.
    pub status: u16,
}

pub struct Outcome {
    pub failures: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// One connection per worker (a browser tab, or wrk's `-c`), keeping its visitor cookie, or
/// sending `cookie` (a logged-in session).
fn client(cookie: Option<&str>) -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .http1_only();
    match cookie {
        Some(cookie) => builder.default_headers(
            [(
                reqwest::header::COOKIE,
                reqwest::header::HeaderValue::from_str(cookie).expect("cookie header"),
            )]
            .into_iter()
            .collect(),
        ),
        None => builder.cookie_store(true),
    }
    .build()
    .expect("http client")
}

fn request(client: &reqwest::Client, base: &str, shot: &Shot, n: u64) -> reqwest::RequestBuilder {
    match shot {
        Shot::Get {
            path,
            if_none_match,
        } => {
            let mut r = client.get(format!("{base}{path}"));
            if let Some(tag) = if_none_match {
                r = r.header("if-none-match", tag);
            }
            r
        }
        Shot::Post { body, vary } => {
            let mut body = body.clone();
            if *vary && let Some(q) = body["query"].as_str().map(|q| format!("{q}\n# {n}")) {
                body["query"] = Value::String(q);
            }
            client
                .post(format!("{base}/graphql"))
                .header("content-type", "application/json")
                .body(body.to_string())
        }
    }
}

/// Sends `shot` once and returns the status and the JSON body (Null when empty).
pub async fn once(base: &str, shot: &Shot) -> (u16, Value, reqwest::header::HeaderMap) {
    let c = client(None);
    let r = request(&c, base, shot, 0)
        .send()
        .await
        .expect("request sent");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

/// Runs `row` on `connections` connections for `seconds` (logged in with `cookie`, if any).
pub async fn run(
    base: &str,
    row: &Row,
    connections: usize,
    seconds: u64,
    cookie: Option<&str>,
) -> Outcome {
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(1));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (base, shot, status, counter, cookie) = (
            base.to_owned(),
            row.shot.clone(),
            row.status,
            counter.clone(),
            cookie.map(str::to_owned),
        );
        tasks.push(tokio::spawn(async move {
            let c = client(cookie.as_deref());
            // The first answer sets the visitor cookie, as in a browser; not timed.
            let _ = request(&c, &base, &shot, 0).send().await;
            let mut times = Vec::with_capacity(65_536);
            let mut failures = 0usize;
            while Instant::now() < until {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let t = Instant::now();
                match request(&c, &base, &shot, n).send().await {
                    Ok(r) => {
                        let ok = r.status().as_u16() == status;
                        let body = r.bytes().await;
                        if !ok || body.is_err() {
                            failures += 1;
                        }
                    }
                    Err(_) => failures += 1,
                }
                times.push(t.elapsed());
            }
            (times, failures)
        }));
    }
    let mut all = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (times, f) = t.await.expect("worker");
        all.extend(times);
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    Outcome {
        failures,
        per_second: all.len() as f64 / elapsed,
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
    }
}

fn gql(query: &str, variables: Value) -> Value {
    json!({ "query": query, "variables": variables })
}

/// The web app's Panels operation, exactly as committed in `web/graphql/panels/`.
fn web_panels_document() -> String {
    std::fs::read_to_string(tests::repo_root().join("web/graphql/panels/panels.graphql"))
        .expect("web/graphql/panels/panels.graphql")
}

const PANEL_DETAIL: &str = "query($id: Int!) { panel(source: UK, id: $id) { source id name \
    version signedOff dataOrigin counts { green amber red grey } entities { totalCount nodes { type symbol \
    name hgncId confidence modeOfInheritance modeOfPathogenicity phenotypes evidence \
    publications transcripts tags aliases grch37 { chrom start end ensemblId } grch38 { chrom \
    start end ensemblId } verboseName repeatedSequence normalRepeats pathogenicRepeats } } } }";

const MERGE: &str = "query($input: MergeInput!) { mergePreview(input: $input) { total \
    genes { nodes { symbol sources { label kind confidence } } } } }";

/// The Flask list's fields (`GET /api/panels?source=uk`) as a GraphQL page.
const WHOLE_LIST: &str = "query($first: Int) { panels(source: UK, first: $first) { totalCount \
    nodes { source id name version diseaseGroup diseaseSubGroup relevantDisorders types \
    geneCount strCount regionCount signedOff signedOffDate } } }";

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn catalogue() {
    let seconds = arg("--seconds", 5);
    let connections = arg("--connections", 32) as usize;
    let mock = MockPanelApp::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    let (uk, au) = mock.urls();
    let vars = [
        ("DATA_DIR", dir.path().display().to_string()),
        (
            "SECRET_KEY",
            "load-test-secret-key-with-32-characters!".to_owned(),
        ),
        ("PANELAPP_UK_URL", uk),
        ("PANELAPP_AU_URL", au),
        ("RATE_LIMIT_PER_MINUTE", "10000000".to_owned()),
        ("RATE_LIMIT_PER_HOUR", "10000000".to_owned()),
        ("RATE_LIMIT_PER_DAY", "100000000".to_owned()),
        // Only for the whole-list row (439 panels in one page).
        ("GRAPHQL_MAX_PAGE_SIZE", "500".to_owned()),
        ("GRAPHQL_MAX_COMPLEXITY", "100000".to_owned()),
    ];
    let server = Server::start(&vars, dir.path());
    server.ready().await;
    let base = server.base.clone();

    let web = web_panels_document();
    let panels = |variables: Value| Shot::Post {
        body: gql(&web, variables),
        vary: false,
    };
    let get_web = format!(
        "/graphql?query={}&variables={}",
        url_encode(&web),
        url_encode(&json!({ "first": 25 }).to_string())
    );
    let merge_input: Value = json!({ "input": { "panels": [
        { "source": "UK", "id": 402, "confidence": ["GREEN", "AMBER"] },
        { "source": "UK", "id": 398, "confidence": ["GREEN", "AMBER"] },
        { "source": "UK", "id": 635, "confidence": ["GREEN", "AMBER"] }
    ] } });
    // Warm: both catalogues and the three panels' details (counts then show in the list).
    for id in [402, 398, 635] {
        let (_, body, _) = once(
            &base,
            &Shot::Post {
                body: gql(PANEL_DETAIL, json!({ "id": id })),
                vary: false,
            },
        )
        .await;
        assert!(body["errors"].is_null(), "panel {id}: {body}");
    }
    let (_, first, headers) = once(
        &base,
        &Shot::Get {
            path: get_web.clone(),
            if_none_match: None,
        },
    )
    .await;
    assert!(first["errors"].is_null(), "{first}");
    let etag = headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("a public GET carries an ETag")
        .to_owned();

    let mut rows = vec![
        Row {
            name: "`GET /healthz`".into(),
            shot: Shot::Get {
                path: "/healthz".into(),
                if_none_match: None,
            },
            status: 200,
        },
        Row {
            name: "`{ __typename }`".into(),
            shot: Shot::Post {
                body: gql("{ __typename }", json!({})),
                vary: false,
            },
            status: 200,
        },
        Row {
            name: "`{ __typename }`, never cached (unique text per request)".into(),
            shot: Shot::Post {
                body: gql("{ __typename }", json!({})),
                vary: true,
            },
            status: 200,
        },
        Row {
            name: "web Panels, `first: 25`".into(),
            shot: panels(json!({ "first": 25 })),
            status: 200,
        },
        Row {
            name: "web Panels, `first: 25`, source UK".into(),
            shot: panels(json!({ "first": 25, "source": "UK" })),
            status: 200,
        },
        Row {
            name: "web Panels, `first: 25`, signed off".into(),
            shot: panels(json!({ "first": 25, "signedOff": true })),
            status: 200,
        },
        Row {
            name: "web Panels, `first: 25`, search \"epilepsy\"".into(),
            shot: panels(json!({ "first": 25, "search": "epilepsy" })),
            status: 200,
        },
        Row {
            name: "web Panels, `first: 25`, never cached".into(),
            shot: Shot::Post {
                body: gql(&web, json!({ "first": 25 })),
                vary: true,
            },
            status: 200,
        },
        Row {
            name: "web Panels, `first: 100`, never cached".into(),
            shot: Shot::Post {
                body: gql(&web, json!({ "first": 100 })),
                vary: true,
            },
            status: 200,
        },
        Row {
            name: "web Panels, search \"epilepsy\", never cached".into(),
            shot: Shot::Post {
                body: gql(&web, json!({ "first": 25, "search": "epilepsy" })),
                vary: true,
            },
            status: 200,
        },
        Row {
            name: "web Panels over GET, `first: 25`".into(),
            shot: Shot::Get {
                path: get_web.clone(),
                if_none_match: None,
            },
            status: 200,
        },
        Row {
            name: "web Panels over GET with `If-None-Match` (304)".into(),
            shot: Shot::Get {
                path: get_web,
                if_none_match: Some(etag),
            },
            status: 304,
        },
        Row {
            name: "whole UK list (439 panels, Flask's fields)".into(),
            shot: Shot::Post {
                body: gql(WHOLE_LIST, json!({ "first": 439 })),
                vary: false,
            },
            status: 200,
        },
        Row {
            name: "whole UK list, never cached".into(),
            shot: Shot::Post {
                body: gql(WHOLE_LIST, json!({ "first": 439 })),
                vary: true,
            },
            status: 200,
        },
        Row {
            name: "panel 402, all entities".into(),
            shot: Shot::Post {
                body: gql(PANEL_DETAIL, json!({ "id": 402 })),
                vary: false,
            },
            status: 200,
        },
        Row {
            name: "panel 402, all entities, never cached".into(),
            shot: Shot::Post {
                body: gql(PANEL_DETAIL, json!({ "id": 402 })),
                vary: true,
            },
            status: 200,
        },
        Row {
            name: "`mergePreview` 402 + 398 + 635 green + amber".into(),
            shot: Shot::Post {
                body: gql(MERGE, merge_input.clone()),
                vary: false,
            },
            status: 200,
        },
    ];
    // Every body answers without errors before it is timed.
    for row in &rows {
        let (status, body, _) = once(&base, &row.shot).await;
        assert_eq!(status, row.status, "{}: {body}", row.name);
        if status == 200 && row.name != "`GET /healthz`" {
            assert!(body["errors"].is_null(), "{}: {body}", row.name);
        }
    }
    let whole = once(&base, &rows[12].shot).await.1;
    assert_eq!(
        whole["data"]["panels"]["nodes"].as_array().map(Vec::len),
        Some(439)
    );

    println!(
        "### Catalogue reads ({connections} connections, {seconds} s per row, {} CPUs, load \
         generator on the same CPUs)\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!("| request | req/s | p50 | p99 | / `healthz` | failed |\n|---|---|---|---|---|---|");
    // `--only TEXT`: /healthz and the rows whose name contains TEXT.
    let only = super::only();
    let mut healthz = None;
    for row in rows.drain(..) {
        if let Some(only) = &only
            && healthz.is_some()
            && !row.name.contains(only.as_str())
        {
            continue;
        }
        let out = run(&base, &row, connections, seconds, None).await;
        let reference = *healthz.get_or_insert(out.per_second);
        println!(
            "| {} | {:.0} | {} | {} | {:.0} % | {} |",
            row.name,
            out.per_second,
            ms(out.p50),
            ms(out.p99),
            100.0 * out.per_second / reference,
            out.failures
        );
    }
    if only.is_none() {
        let wrk_rows = [
            ("`GET /healthz`", None),
            ("`{ __typename }`", Some(gql("{ __typename }", json!({})))),
            (
                "web Panels, `first: 25`",
                Some(gql(&web, json!({ "first": 25 }))),
            ),
            (
                "web Panels, `first: 25`, source UK",
                Some(gql(&web, json!({ "first": 25, "source": "UK" }))),
            ),
            (
                "web Panels, `first: 25`, signed off",
                Some(gql(&web, json!({ "first": 25, "signedOff": true }))),
            ),
            (
                "web Panels, `first: 25`, search \"epilepsy\"",
                Some(gql(&web, json!({ "first": 25, "search": "epilepsy" }))),
            ),
            (
                "whole UK list (439 panels, Flask's fields)",
                Some(gql(WHOLE_LIST, json!({ "first": 439 }))),
            ),
            (
                "panel 402, all entities",
                Some(gql(PANEL_DETAIL, json!({ "id": 402 }))),
            ),
        ];
        wrk(&base, dir.path(), &wrk_rows, connections, seconds);
        exports(&base, &merge_input).await;
    }
    println!(
        "\nServer memory after the run: {} MiB.",
        server.rss_kib() / 1024
    );
    drop(server);
    mock.stop();
}

/// The same rows through `wrk` (a C load generator, so the client costs less of the two CPUs
/// than the Rust one above), as the issue measured them: `wrk -t2 -c32 --latency`, every
/// request accepting gzip as browsers do. Skipped with a note when `wrk` is not installed.
fn wrk(
    base: &str,
    dir: &std::path::Path,
    rows: &[(&str, Option<Value>)],
    connections: usize,
    seconds: u64,
) {
    let installed = std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok();
    if !installed {
        println!("\n(`wrk` is not installed: `apt-get install wrk` adds the wrk rows.)");
        return;
    }
    println!(
        "\n### The same through wrk (`wrk -t2 -c{connections} -d{seconds}s`, Accept-Encoding: \
         gzip)\n\n| request | req/s | p50 | p99 | / `healthz` | non-2xx |\n|---|---|---|---|---|---|"
    );
    let mut healthz = None;
    for (i, (name, body)) in rows.iter().enumerate() {
        let script = dir.join(format!("wrk-{i}.lua"));
        let (lua, url) = match body {
            Some(body) => (
                format!(
                    "wrk.method = \"POST\"\nwrk.body = [==[{body}]==]\n\
                     wrk.headers[\"Content-Type\"] = \"application/json\"\n\
                     wrk.headers[\"Accept-Encoding\"] = \"gzip\"\n"
                ),
                format!("{base}/graphql"),
            ),
            None => (
                "wrk.headers[\"Accept-Encoding\"] = \"gzip\"\n".to_owned(),
                format!("{base}/healthz"),
            ),
        };
        std::fs::write(&script, lua).expect("wrk script");
        let out = std::process::Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--latency",
                "-s",
            ])
            .arg(&script)
            .arg(&url)
            .output()
            .expect("wrk runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let per_second = wrk_number(&text, "Requests/sec:").unwrap_or(0.0);
        let reference = *healthz.get_or_insert(per_second);
        let latency = |p: &str| {
            text.lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix(p))
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| "?".to_owned())
        };
        let failed = wrk_number(&text, "Non-2xx or 3xx responses:").unwrap_or(0.0);
        println!(
            "| {name} | {per_second:.0} | {} | {} | {:.0} % | {failed:.0} |",
            latency("50%"),
            latency("99%"),
            100.0 * per_second / reference.max(1.0),
        );
    }
}

/// The number after `label` in wrk's report.
fn wrk_number(text: &str, label: &str) -> Option<f64> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(label))
        .and_then(|v| v.trim().parse().ok())
}

/// `exportMerge` of 635 + 402 + 398 green + amber, one at a time: the request renders the
/// workbook (and stores it for its download link), so its time is the export's server time
/// plus one loopback round trip.
async fn exports(base: &str, merge: &Value) {
    const MUTATION: &str = "mutation($input: MergeInput!, $format: ExportFormat!, \
        $sheets: Boolean) { exportMerge(input: $input, format: $format, \
        perSourceSheets: $sheets) { url rows } }";
    let client = GraphqlClient::new(base);
    println!(
        "\n| export of 635 + 402 + 398 green + amber (`exportMerge`, 30 in a row) | rows | p50 \
         | p90 |\n|---|---|---|---|"
    );
    for (format, sheets) in [
        ("XLSX", false),
        ("XLSX", true),
        ("XLSX_FLASK", false),
        ("XLSX_FLASK", true),
    ] {
        let variables = json!({ "input": merge["input"], "format": format, "sheets": sheets });
        let mut times = Vec::new();
        let mut rows = Value::Null;
        for i in 0..33 {
            let t = Instant::now();
            let body = client.data(MUTATION, variables.clone()).await;
            if i >= 3 {
                times.push(t.elapsed());
            }
            rows = body["exportMerge"]["rows"].clone();
        }
        times.sort();
        println!(
            "| {format}{} | {rows} | {} | {} |",
            if sheets { ", per-source sheets" } else { "" },
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.9))
        );
    }
}
