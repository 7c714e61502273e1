//! The PanelApp cache shared between instances and across restarts: Redis (two servers, a
//! restart, stale-while-revalidate through Redis, Redis going away mid-way), the memory +
//! disk cache without Redis, one stored copy per panel version, and the gene index of a
//! complete sync (uploads flag unknown symbols only then).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use server::backend::Backends;
use server::panelapp::snapshot::{Snapshot, SourceDump};
use server::panelapp::{DataOrigin, PanelAppService};
use shared::Source;
use tests::mock_panelapp::FaultKind;
use tests::{Backend, MockPanelApp, TestApp, TestConfig};

const PANEL: &str = "query($src: PanelSource!, $id: Int!) {
    panel(source: $src, id: $id) { id version dataOrigin entities { nodes { symbol } } } }";
const PANELS: &str = "query($s: String) { panels(search: $s, first: 5) {
    totalCount nodes { id dataOrigin } } }";
const BY_GENE: &str =
    "query($s: String!) { panelsByGene(symbol: $s) { source panelId symbol dataOrigin } }";
const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { \
    genes { nodes { symbol } } diagnostics { value kind reason } } }";

fn redis_url() -> Option<String> {
    tests::services::required_services().map(|(_, redis)| redis)
}

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const LISTING: &str = "query($src: PanelSource, $after: String) {
    panels(source: $src, first: 40, after: $after) {
        pageInfo { hasNextPage endCursor } nodes { id version counts { green amber red grey } } } }";
const COUNTS: &str = "query($src: PanelSource!, $id: Int!) {
    panel(source: $src, id: $id) { version dataOrigin counts { green amber red grey } } }";

/// Every panel of a source's listing: id → (version, counts), all pages.
async fn listed_counts(client: &tests::GraphqlClient, src: &str) -> BTreeMap<i64, (Value, Value)> {
    let mut all = BTreeMap::new();
    let mut after = Value::Null;
    loop {
        let page = client
            .data(LISTING, json!({ "src": src, "after": after }))
            .await;
        let panels = &page["panels"];
        for n in panels["nodes"].as_array().unwrap() {
            all.insert(
                n["id"].as_i64().unwrap(),
                (n["version"].clone(), n["counts"].clone()),
            );
        }
        if panels["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = panels["pageInfo"]["endCursor"].clone();
    }
}

/// Every listed panel of both sources carries counts equal to its detail's — except UK
/// panel 1207, whose captured detail (2.1) is newer than the version its captured catalogue
/// lists (1.6): counts of another version are never shown.
async fn every_listed_panel_has_its_counts(app: &TestApp, expected_panels: usize) {
    let mut seen = 0;
    let mut other_version = Vec::new();
    for src in ["UK", "AU"] {
        let listed = listed_counts(&app.client, src).await;
        for (id, (version, counts)) in &listed {
            let detail = app
                .client
                .data(COUNTS, json!({ "src": src, "id": id }))
                .await;
            if detail["panel"]["version"] == *version {
                assert!(counts.is_object(), "{src} panel {id}: no counts listed");
                assert_eq!(detail["panel"]["counts"], *counts, "{src} panel {id}");
            } else {
                assert_eq!(*counts, Value::Null, "{src} panel {id}: {detail}");
                other_version.push(format!("{src} {id}"));
            }
        }
        seen += listed.len();
    }
    assert_eq!(seen, expected_panels);
    assert_eq!(other_version, ["UK 1207"]);
}

/// Upstream calls the mock saw (every path).
fn upstream(mock: &MockPanelApp) -> usize {
    mock.all_calls().len()
}

/// Settings for a service of its own against `mock` (no server around it).
fn settings(dir: &Path, urls: (String, String), ttl_secs: u64) -> server::Settings {
    let mut s = server::Settings::for_tests(dir);
    s.panelapp.uk_url = urls.0;
    s.panelapp.au_url = urls.1;
    s.panelapp.cache_ttl = Duration::from_secs(ttl_secs);
    s.panelapp.timeout = Duration::from_secs(5);
    s.panelapp.max_retries = 0;
    s
}

async fn service_on_redis(
    url: &str,
    prefix: &str,
    dir: &Path,
    urls: (String, String),
    ttl_secs: u64,
) -> Arc<PanelAppService> {
    server::install_crypto_provider();
    let backends = Backends::redis(url, prefix).await.expect("redis reachable");
    PanelAppService::new(&settings(dir, urls, ttl_secs), backends.cache, true).unwrap()
}

/// What a test of instances sharing one Redis starts from: the Redis URL, a mock PanelApp, a
/// fresh key prefix and a data directory — or `None` outside CI without Redis.
async fn on_shared_redis() -> Option<(String, MockPanelApp, String, tempfile::TempDir)> {
    let redis = redis_url()?;
    let mock = MockPanelApp::start().await;
    let prefix = format!("pmtest:{}:", uuid::Uuid::new_v4().simple());
    Some((redis, mock, prefix, tempfile::tempdir().unwrap()))
}

/// Waits (bounded) until `check` holds, re-evaluating it as background work lands.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_redis_share_panels_catalogues_and_gene_searches() {
    let Some(redis) = redis_url() else { return };
    let mock = MockPanelApp::start().await;
    let a = TestApp::spawn(TestConfig {
        backend: Some(Backend::PostgresRedis),
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let on_a = a
        .client
        .data(PANEL, json!({ "src": "UK", "id": 402 }))
        .await;
    assert_eq!(on_a["panel"]["dataOrigin"], "LIVE");
    let search_a = a.client.data(PANELS, json!({ "s": "epilepsy" })).await;
    assert_eq!(search_a["panels"]["nodes"][0]["dataOrigin"], "LIVE");
    let genes_a = a.client.data(BY_GENE, json!({ "s": "PKD1" })).await;
    assert!(
        genes_a["panelsByGene"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["dataOrigin"] == "LIVE"),
        "{genes_a}"
    );
    // 402; 5 UK pages, 1 AU page and both signed-off lists; PKD1 in each instance.
    let calls = upstream(&mock);
    assert_eq!(calls, 1 + 8 + 2, "{:?}", mock.all_calls());

    // B shares A's database and Redis, and can not reach PanelApp at all: anything it did
    // not find in Redis would come from the bundled snapshot (or fail), not from the cache.
    let b = a.sibling().await;
    let on_b = b
        .client
        .data(PANEL, json!({ "src": "UK", "id": 402 }))
        .await;
    assert_eq!(on_b["panel"]["dataOrigin"], "CACHE");
    assert_eq!(
        on_b["panel"]["entities"]["nodes"],
        on_a["panel"]["entities"]["nodes"]
    );
    let search_b = b.client.data(PANELS, json!({ "s": "epilepsy" })).await;
    assert_eq!(
        search_b["panels"]["totalCount"],
        search_a["panels"]["totalCount"]
    );
    assert_eq!(search_b["panels"]["nodes"][0]["dataOrigin"], "CACHE");
    let genes_b = b.client.data(BY_GENE, json!({ "s": "pkd1" })).await;
    let hits_b = genes_b["panelsByGene"].as_array().unwrap();
    assert_eq!(
        hits_b.len(),
        genes_a["panelsByGene"].as_array().unwrap().len()
    );
    assert!(
        hits_b.iter().all(|h| h["dataOrigin"] == "CACHE"),
        "{genes_b}"
    );
    assert_eq!(upstream(&mock), calls, "B asked PanelApp nothing");

    // One stored copy of the detail: the current key is a small pointer to the version key.
    let raw = Backends::redis(&redis, &a.store.redis_prefix)
        .await
        .unwrap();
    let pointer = raw
        .cache
        .get("panelapp:v2:panel:uk:402:current")
        .await
        .unwrap()
        .expect("pointer stored");
    let pointer: Value = serde_json::from_slice(&pointer).unwrap();
    assert_eq!(pointer["version"], "8.125", "{pointer}");
    let detail = raw
        .cache
        .get("panelapp:v2:panel:uk:402:8.125")
        .await
        .unwrap()
        .expect("detail stored under its version");
    assert!(detail.len() > 100_000, "{}", detail.len());
    // Kept for the retention period (7 days by default), not forever.
    let ttl = raw
        .cache
        .ttl("panelapp:v2:panel:uk:402:8.125")
        .await
        .unwrap()
        .unwrap();
    assert!(ttl <= Duration::from_secs(7 * 86400) && ttl > Duration::from_secs(6 * 86400));

    // A restart keeps the cache: A goes, a new instance starts on the same Redis.
    a.stop().await;
    let c = b.sibling().await;
    let on_c = c
        .client
        .data(PANEL, json!({ "src": "UK", "id": 402 }))
        .await;
    assert_eq!(on_c["panel"]["dataOrigin"], "CACHE");
    let genes_c = c.client.data(BY_GENE, json!({ "s": "PKD1" })).await;
    assert_eq!(genes_c["panelsByGene"][0]["dataOrigin"], "CACHE");
    assert_eq!(upstream(&mock), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_redis_entries_are_served_then_revalidated_once_for_every_instance() {
    const TTL: u64 = 6;
    let Some((redis, mock, prefix, dir)) = on_shared_redis().await else {
        return;
    };
    // A TTL long enough that B's fresh copies are still fresh when A reads them, even on a
    // loaded machine.
    let a = service_on_redis(&redis, &prefix, dir.path(), mock.urls(), TTL).await;
    let first = a.panel(Source::Uk, 402, None).await.unwrap();
    assert_eq!(first.origin, DataOrigin::Live);
    a.catalogue(Source::Au).await.unwrap();
    a.panels_by_gene("PKD1").await.unwrap();
    let au_pages = mock.calls("/au/api/v1/panels/");
    assert_eq!(au_pages, 2, "the list and the signed-off list");
    let (details, gene_calls) = (
        mock.calls("/uk/api/v1/panels/402/"),
        mock.calls("/genes/PKD1/"),
    );
    assert_eq!(details, 1);

    // Past the TTL: a second instance serves what Redis holds, marked stale, and asks
    // PanelApp once in the background.
    tokio::time::sleep(Duration::from_secs(TTL) + Duration::from_millis(100)).await;
    let b = service_on_redis(&redis, &prefix, dir.path(), mock.urls(), TTL).await;
    let stale = b.panel(Source::Uk, 402, None).await.unwrap();
    assert_eq!(stale.origin, DataOrigin::StaleCache);
    assert_eq!(stale.data.entities.len(), first.data.entities.len());
    assert_eq!(
        stale.data_date, first.data_date,
        "the date of the data served"
    );
    let (_, origin) = b.catalogue(Source::Au).await.unwrap();
    assert_eq!(origin, DataOrigin::StaleCache);
    let hits = b.panels_by_gene("PKD1").await.unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h.origin == DataOrigin::StaleCache));

    eventually("B revalidated the panel", || {
        let b = b.clone();
        async move { b.panel(Source::Uk, 402, None).await.unwrap().origin == DataOrigin::Cache }
    })
    .await;
    eventually("B revalidated the catalogue", || {
        let b = b.clone();
        async move { b.catalogue(Source::Au).await.unwrap().1 == DataOrigin::Cache }
    })
    .await;
    eventually("B revalidated the gene search", || {
        let b = b.clone();
        async move {
            b.panels_by_gene("PKD1")
                .await
                .unwrap()
                .iter()
                .all(|h| h.origin == DataOrigin::Cache)
        }
    })
    .await;
    assert_eq!(mock.calls("/uk/api/v1/panels/402/"), details + 1);
    assert_eq!(mock.calls("/genes/PKD1/"), gene_calls * 2);
    let au_after = mock.calls("/au/api/v1/panels/");
    assert_eq!(au_after, au_pages * 2);

    // A still holds the old copies in memory; it picks up B's refresh from Redis instead of
    // asking PanelApp again.
    let again = a.panel(Source::Uk, 402, None).await.unwrap();
    assert_eq!(again.origin, DataOrigin::Cache, "the pointer B refreshed");
    assert!(again.data_date > first.data_date);
    eventually("A took B's catalogue", || {
        let a = a.clone();
        async move { a.catalogue(Source::Au).await.unwrap().1 == DataOrigin::Cache }
    })
    .await;
    assert_eq!(mock.calls("/uk/api/v1/panels/402/"), details + 1);
    assert_eq!(mock.calls("/au/api/v1/panels/"), au_after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_on_one_instance_reaches_the_others_through_redis() {
    let Some((redis, mock, prefix, dir)) = on_shared_redis().await else {
        return;
    };
    let a = service_on_redis(&redis, &prefix, dir.path(), mock.urls(), 3600).await;
    let b = service_on_redis(&redis, &prefix, dir.path(), mock.urls(), 3600).await;
    let (old, _) = a.catalogue(Source::Uk).await.unwrap();
    a.panel(Source::Uk, 635, None).await.unwrap();
    let (on_b, origin) = b.catalogue(Source::Uk).await.unwrap();
    assert_eq!(
        (on_b.fetched_at, origin),
        (old.fetched_at, DataOrigin::Cache)
    );
    assert_eq!(
        b.panel(Source::Uk, 635, None).await.unwrap().origin,
        DataOrigin::Cache
    );
    let pages = mock.calls("/uk/api/v1/panels/?page=5");
    let details = mock.calls("/uk/api/v1/panels/635/");

    // An admin refreshes on A: A fetches the catalogue again; B learns of it (within the
    // 2 s poll) and takes A's new catalogue from Redis, not from PanelApp.
    a.refresh(Some(Source::Uk)).await.unwrap();
    let (new, _) = a.catalogue(Source::Uk).await.unwrap();
    assert!(new.fetched_at > old.fetched_at);
    assert_eq!(mock.calls("/uk/api/v1/panels/?page=5"), pages + 1);
    eventually("B took A's refreshed catalogue", || {
        let b = b.clone();
        let at = new.fetched_at;
        async move {
            let (c, origin) = b.catalogue(Source::Uk).await.unwrap();
            c.fetched_at == at && origin == DataOrigin::Cache
        }
    })
    .await;
    assert_eq!(mock.calls("/uk/api/v1/panels/?page=5"), pages + 1);
    // Panels B holds are stale now too: served, and fetched again once.
    eventually("B refreshed panel 635", || {
        let b = b.clone();
        async move { b.panel(Source::Uk, 635, None).await.unwrap().origin == DataOrigin::Cache }
    })
    .await;
    assert_eq!(mock.calls("/uk/api/v1/panels/635/"), details + 1);
}

/// A TCP proxy in front of Redis that can be cut, as a Redis outage looks to a server.
struct Proxy {
    addr: SocketAddr,
    cut: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, mut cut_rx) = tokio::sync::watch::channel(false);
        let rx = cut_rx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { break };
                        let target = target.clone();
                        let mut rx = rx.clone();
                        tokio::spawn(async move {
                            let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                                return;
                            };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                _ = rx.wait_for(|c| *c) => {}
                            }
                        });
                    }
                    _ = cut_rx.wait_for(|c| *c) => break,
                }
            }
            // The listener is dropped: new connections are refused.
        });
        Self { addr, cut }
    }

    fn cut(&self) {
        self.cut.send_replace(true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_down_mid_way_falls_back_to_memory_and_panelapp() {
    let Some(redis) = redis_url() else { return };
    let mut url = url::Url::parse(&redis).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(6379));
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.addr.port())).unwrap();
    let mock = MockPanelApp::start().await;
    let prefix = format!("pmtest:{}:", uuid::Uuid::new_v4().simple());
    let dir = tempfile::tempdir().unwrap();
    let service = service_on_redis(url.as_str(), &prefix, dir.path(), mock.urls(), 3600).await;
    assert_eq!(
        service.panel(Source::Uk, 402, None).await.unwrap().origin,
        DataOrigin::Live
    );
    assert!(!service.cache_degraded());

    proxy.cut();
    // Held in memory: served as before.
    let held = service.panel(Source::Uk, 402, None).await.unwrap();
    assert_eq!(held.origin, DataOrigin::Cache);
    // Not held: Redis fails, PanelApp answers; the outage is noticed, not a panic.
    let fetched = service.panel(Source::Uk, 635, None).await.unwrap();
    assert_eq!(fetched.origin, DataOrigin::Live);
    assert_eq!(fetched.data.entities.len(), 8);
    assert!(service.cache_degraded(), "Redis is bypassed for a while");
    let calls = mock.calls("/uk/api/v1/panels/635/");
    let hits = service.panels_by_gene("PKD1").await.unwrap();
    assert!(hits.iter().all(|h| h.origin == DataOrigin::Live));
    let gene_calls = mock.calls("/genes/PKD1/");
    // While Redis is away, this process's memory stands in for it.
    let again = service.panel(Source::Uk, 635, None).await.unwrap();
    assert_eq!(again.origin, DataOrigin::Cache);
    let hits = service.panels_by_gene("PKD1").await.unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h.origin == DataOrigin::Cache));
    assert_eq!(mock.calls("/uk/api/v1/panels/635/"), calls);
    assert_eq!(mock.calls("/genes/PKD1/"), gene_calls);
}

/// A PanelApp that serves a snapshot directory in the API's own layout (one page per list),
/// counting requests.
pub(crate) struct SnapshotPanelApp {
    base: String,
    calls: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SnapshotPanelApp {
    pub(crate) async fn start(dir: PathBuf) -> Self {
        use axum::extract::{Path as UrlPath, State};
        use axum::http::StatusCode;
        use axum::response::IntoResponse;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let calls: Arc<Mutex<Vec<String>>> = Arc::default();
        let state = (dir, calls.clone());
        let app = axum::Router::new()
            .route(
                "/{instance}/api/v1/{*rest}",
                axum::routing::get(
                    |State((dir, calls)): State<(PathBuf, Arc<Mutex<Vec<String>>>)>,
                     UrlPath((instance, rest)): UrlPath<(String, String)>| async move {
                        calls.lock().unwrap().push(format!("/{instance}/{rest}"));
                        let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
                        if let ["genes", symbol] = parts.as_slice() {
                            let body = gene_search(&dir.join(&instance), symbol);
                            return (
                                [(axum::http::header::CONTENT_TYPE, "application/json")],
                                body.to_string().into_bytes(),
                            )
                                .into_response();
                        }
                        let file = match parts.as_slice() {
                            ["panels"] => "panels.json".to_owned(),
                            ["panels", "signedoff"] => "signedoff.json".to_owned(),
                            ["panels", id] => format!("panels/{id}.json"),
                            _ => String::new(),
                        };
                        match std::fs::read(dir.join(&instance).join(file)) {
                            Ok(body) => (
                                [(axum::http::header::CONTENT_TYPE, "application/json")],
                                body,
                            )
                                .into_response(),
                            Err(_) => (StatusCode::NOT_FOUND, "{\"detail\":\"Not found.\"}")
                                .into_response(),
                        }
                    },
                ),
            )
            .with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, calls, task }
    }

    pub(crate) fn urls(&self) -> (String, String) {
        (
            format!("{}/uk/api/v1/", self.base),
            format!("{}/au/api/v1/", self.base),
        )
    }

    fn calls(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    pub(crate) fn calls_to(&self, needle: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.contains(needle))
            .count()
    }
}

impl Drop for SnapshotPanelApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `/genes/<SYMBOL>/` built from the details of a snapshot directory, as PanelApp answers it
/// (each hit: the entity and its panel's summary).
fn gene_search(dir: &Path, symbol: &str) -> Value {
    let mut results = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir.join("panels"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        let panel: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let summary = json!({
            "id": panel["id"], "name": panel["name"], "version": panel["version"],
            "disease_group": panel["disease_group"], "status": panel["status"],
        });
        for kind in ["genes", "strs"] {
            for entity in panel[kind].as_array().into_iter().flatten() {
                if entity["entity_name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(symbol))
                {
                    let mut hit = entity.clone();
                    hit["panel"] = summary.clone();
                    results.push(hit);
                }
            }
        }
    }
    json!({ "count": results.len(), "next": null, "previous": null, "results": results })
}

/// A snapshot holding both catalogues in full: the bundled catalogues cut down to the panels
/// whose details the bundled snapshot has.
pub(crate) fn complete_snapshot(dir: &Path) {
    let b = Snapshot::bundled();
    let dumps: Vec<SourceDump> = Source::ALL
        .iter()
        .map(|s| {
            let panels: Vec<_> = b
                .panels(*s)
                .unwrap()
                .into_iter()
                .filter(|p| b.detail(*s, p.id).is_some())
                .collect();
            let details = panels
                .iter()
                .map(|p| (p.id, b.detail(*s, p.id).unwrap().to_vec()))
                .collect();
            SourceDump {
                source: *s,
                date: "2026-03-02".to_owned(),
                panels,
                signed_off: b.signed_off(*s),
                details,
            }
        })
        .collect();
    assert!(dumps.iter().all(SourceDump::complete));
    server::panelapp::snapshot::write(dir, &dumps).unwrap();
}

/// The values diagnosed UNVERIFIED.
fn unverified(kinds: &[(String, String)]) -> Vec<&str> {
    kinds
        .iter()
        .filter(|(k, _)| k.starts_with("UNVERIFIED"))
        .map(|(_, v)| v.as_str())
        .collect()
}

async fn upload_kinds(app: &TestApp, text: &str) -> Vec<(String, String)> {
    let (status, body) = app
        .client
        .multipart(
            UPLOAD,
            json!({ "file": null }),
            vec![("variables.file", "genes.txt", text.as_bytes().to_vec())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["uploadGeneList"]["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|d| {
            // `UNVERIFIED:<reason>` for unverified symbols.
            let kind = d["kind"].as_str().unwrap();
            let kind = match d["reason"].as_str() {
                Some(reason) => format!("{kind}:{reason}"),
                None => kind.to_owned(),
            };
            (kind, d["value"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_sync_lets_uploads_flag_unknown_symbols_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("complete");
    complete_snapshot(&snap);
    let upstream = SnapshotPanelApp::start(snap.clone()).await;
    // The data directory and database outlive the first server (a restart).
    let data_dir = dir.path().join("data");
    let db = format!(
        "sqlite:///{}?mode=rwc",
        dir.path().join("panelmerge.db").display()
    );
    let common = vars(&[
        ("DATA_DIR", data_dir.to_str().unwrap()),
        ("DATABASE_URL", &db),
    ]);
    let a = TestApp::spawn(TestConfig {
        panelapp: Some(upstream.urls()),
        vars: common.clone(),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    a.state.panelapp.started().await;
    let list = "BRCA1\nNOTAGENE9\n";
    // Before a sync only the bundled snapshot's few panels are known: an unknown symbol is
    // UNVERIFIED because the directory is incomplete, not "unknown to HGNC".
    let kinds = upload_kinds(&a, list).await;
    assert!(
        kinds.contains(&(
            "UNVERIFIED:DIRECTORY_INCOMPLETE".to_owned(),
            "NOTAGENE9".to_owned()
        )),
        "{kinds:?}"
    );
    assert_eq!(
        unverified(&kinds),
        ["NOTAGENE9"],
        "BRCA1 is in the bundled panels: {kinds:?}"
    );
    const STATUS: &str = "{ serverInfo { panelApp { source genesCompleteDate } } }";
    let status = a.client.data(STATUS, json!({})).await;
    assert_eq!(
        status["serverInfo"]["panelApp"][0]["genesCompleteDate"],
        Value::Null
    );

    let service = a.state.panelapp.clone();
    let uk = service.sync(Source::Uk, Arc::new(|_, _| {})).await.unwrap();
    let uk_panels = Snapshot::read_dir(&snap)
        .unwrap()
        .panels(Source::Uk)
        .unwrap()
        .len();
    assert!(uk_panels > 10);
    assert_eq!(
        (uk.panels, uk.details, uk.failed.len()),
        (uk_panels, uk_panels, 0)
    );
    assert!(uk.complete && uk.genes > 1000, "{uk:?}");
    use server::genelists::upload::SymbolResolver;
    assert!(!service.genes().is_complete(), "Australia not synced yet");
    let au = service.sync(Source::Au, Arc::new(|_, _| {})).await.unwrap();
    assert!(au.complete, "{au:?}");
    assert!(service.genes().is_complete());
    let kinds = upload_kinds(&a, list).await;
    assert!(
        kinds.contains(&(
            "UNVERIFIED:UNKNOWN_TO_HGNC".to_owned(),
            "NOTAGENE9".to_owned()
        )),
        "{kinds:?}"
    );
    assert_eq!(unverified(&kinds), ["NOTAGENE9"], "{kinds:?}");
    let status = a.client.data(STATUS, json!({})).await;
    for s in status["serverInfo"]["panelApp"].as_array().unwrap() {
        assert!(s["genesCompleteDate"].is_string(), "{status}");
    }

    // Without Redis the cache lives in memory and on disk: a restarted server (same data
    // directory) loads the gene index and serves panels and gene searches without PanelApp.
    let by_gene_before = a.client.data(BY_GENE, json!({ "s": "BRCA1" })).await;
    assert_eq!(upstream.calls_to("/uk/genes/BRCA1"), 1);
    let calls = upstream.calls();
    let store = a.store.clone();
    a.stop().await;
    let b = TestApp::spawn(TestConfig {
        share_with: Some(store),
        panelapp: Some(upstream.urls()),
        vars: common,
        ..TestConfig::default()
    })
    .await
    .unwrap();
    b.state.panelapp.started().await;
    assert!(b.state.panelapp.genes().is_complete());
    let kinds = upload_kinds(&b, list).await;
    assert!(
        kinds.contains(&(
            "UNVERIFIED:UNKNOWN_TO_HGNC".to_owned(),
            "NOTAGENE9".to_owned()
        )),
        "{kinds:?}"
    );
    let panel = b
        .client
        .data(PANEL, json!({ "src": "UK", "id": 402 }))
        .await;
    assert_eq!(panel["panel"]["dataOrigin"], "CACHE");
    let by_gene = b.client.data(BY_GENE, json!({ "s": "BRCA1" })).await;
    assert_eq!(
        by_gene["panelsByGene"].as_array().unwrap().len(),
        by_gene_before["panelsByGene"].as_array().unwrap().len()
    );
    assert!(
        by_gene["panelsByGene"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["dataOrigin"] == "CACHE"),
        "{by_gene}"
    );
    assert!(
        !by_gene["panelsByGene"].as_array().unwrap().is_empty(),
        "{by_gene}"
    );
    // Only Australia's empty answer for BRCA1 is asked again: empty answers are not kept on
    // disk (anyone can ask for any symbol).
    assert_eq!(upstream.calls_to("/au/genes/BRCA1"), 2);
    assert_eq!(
        upstream.calls(),
        calls + 1,
        "nothing else asked of PanelApp after the restart"
    );
    // The detail is on disk once, under its version; the current key points at it.
    let cache_dir = data_dir.join("panelapp-cache");
    let pointer = std::fs::read(cache_dir.join("panelapp_v2_panel_uk_402_current")).unwrap();
    assert!(pointer.len() < 200, "{}", String::from_utf8_lossy(&pointer));
    assert!(cache_dir.join("panelapp_v2_panel_uk_402_8.125").is_file());
    // The counts of every synced panel survived the restart too (on disk, one small file).
    assert!(cache_dir.join("panelapp_v2_counts_uk").is_file());
    every_listed_panel_has_its_counts(&b, uk_panels + 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_snapshot_flags_unknown_symbols_and_the_bundled_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("complete");
    complete_snapshot(&snap);
    let app = TestApp::spawn(TestConfig {
        vars: vars(&[("PANELAPP_SNAPSHOT", snap.to_str().unwrap())]),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let kinds = upload_kinds(&app, "BRCA1\nNOTAGENE9\n").await;
    assert!(
        kinds.contains(&(
            "UNVERIFIED:UNKNOWN_TO_HGNC".to_owned(),
            "NOTAGENE9".to_owned()
        )),
        "{kinds:?}"
    );
    let bundled = TestApp::sqlite().await;
    let kinds = upload_kinds(&bundled, "BRCA1\nNOTAGENE9\n").await;
    assert!(
        kinds.contains(&(
            "UNVERIFIED:DIRECTORY_INCOMPLETE".to_owned(),
            "NOTAGENE9".to_owned()
        )),
        "{kinds:?}"
    );
    assert_eq!(unverified(&kinds), ["NOTAGENE9"], "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synced_counts_reach_a_sibling_and_a_restarted_server_through_redis() {
    let Some(_) = redis_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("complete");
    complete_snapshot(&snap);
    let upstream = SnapshotPanelApp::start(snap.clone()).await;
    let panels = Source::ALL
        .iter()
        .map(|s| Snapshot::read_dir(&snap).unwrap().panels(*s).unwrap().len())
        .sum::<usize>();
    let a = TestApp::spawn(TestConfig {
        backend: Some(Backend::PostgresRedis),
        panelapp: Some(upstream.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    // Before any detail is read, the listing has no counts.
    let before = listed_counts(&a.client, "UK").await;
    assert!(before.values().all(|(_, c)| c.is_null()), "{before:?}");
    for s in Source::ALL {
        let r = a
            .state
            .panelapp
            .sync(*s, Arc::new(|_, _| {}))
            .await
            .unwrap();
        assert!(r.complete, "{r:?}");
    }
    // B shares the Redis and can not reach PanelApp: every count comes from the shared index.
    let b = a.sibling().await;
    every_listed_panel_has_its_counts(&b, panels).await;
    // A restart (A gone, a new instance): loaded at start-up.
    a.stop().await;
    let c = b.sibling().await;
    c.state.panelapp.started().await;
    every_listed_panel_has_its_counts(&c, panels).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_snapshot_lists_counts_for_its_panels() {
    let mock = MockPanelApp::start().await;
    let urls = mock.urls();
    mock.stop();
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(urls),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    app.state.panelapp.started().await;
    let bundled = Snapshot::bundled();
    for (source, src) in [(Source::Uk, "UK"), (Source::Au, "AU")] {
        let listed = listed_counts(&app.client, src).await;
        assert_eq!(listed.len(), bundled.panels(source).unwrap().len());
        let mut with_counts = 0;
        for (id, (version, counts)) in &listed {
            let detail = u32::try_from(*id)
                .ok()
                .and_then(|i| bundled.detail(source, i));
            if detail.is_none() {
                assert!(counts.is_null(), "{src} panel {id} has no detail");
                continue;
            }
            let panel = app
                .client
                .data(COUNTS, json!({ "src": src, "id": id }))
                .await;
            assert_eq!(panel["panel"]["dataOrigin"], "SNAPSHOT");
            if panel["panel"]["version"] != *version {
                // UK 1207: the captured detail is newer than the captured catalogue's entry.
                assert!(counts.is_null(), "{src} panel {id}");
                continue;
            }
            with_counts += 1;
            assert!(counts.is_object(), "{src} panel {id}");
            assert_eq!(panel["panel"]["counts"], *counts, "{src} panel {id}");
        }
        let details = bundled
            .detail_ids()
            .iter()
            .filter(|(s, _)| *s == source)
            .count();
        let expected = if source == Source::Uk {
            details - 1
        } else {
            details
        };
        assert_eq!(with_counts, expected, "{src}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_redis_ask_panelapp_once_for_a_panel_a_catalogue_a_gene() {
    let Some((redis, mock, prefix, dir)) = on_shared_redis().await else {
        return;
    };
    let a = service_on_redis(&redis, &prefix, dir.path(), mock.urls(), 3600).await;
    let b = service_on_redis(&redis, &prefix, dir.path(), mock.urls(), 3600).await;
    mock.fault(
        "/uk/api/v1/panels/398/",
        FaultKind::Delay(Duration::from_millis(400)),
        100,
    );
    let answers = futures::future::join_all((0..50).map(|i| {
        let service = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move { service.panel(Source::Uk, 398, None).await }
    }))
    .await;
    let first = answers[0].as_ref().map_err(|e| e.message.clone()).unwrap();
    assert_eq!(first.data.entities.len(), 585);
    for r in &answers {
        let r = r.as_ref().map_err(|e| e.message.clone()).unwrap();
        assert_eq!(r.data.entities, first.data.entities);
        assert_eq!(r.data.version, first.data.version);
    }
    assert_eq!(
        mock.calls("/uk/api/v1/panels/398/"),
        1,
        "{:?}",
        mock.all_calls()
    );

    // The catalogue too: its pages are asked for once between both instances.
    mock.set_latency(Some(Duration::from_millis(100)));
    let (on_a, on_b) = tokio::join!(a.catalogue(Source::Uk), b.catalogue(Source::Uk));
    let (on_a, on_b) = (on_a.unwrap().0, on_b.unwrap().0);
    assert_eq!(on_a.panels.len(), 439);
    assert_eq!(
        on_a.fetched_at, on_b.fetched_at,
        "B took A's copy (or A took B's)"
    );
    assert_eq!(mock.calls("/uk/api/v1/panels/?page=5"), 1);
    assert_eq!(mock.calls("/uk/api/v1/panels/signedoff/"), 1);

    // And gene searches.
    let (on_a, on_b) = tokio::join!(a.panels_by_gene("PKD1"), b.panels_by_gene("PKD1"));
    let key = |hits: Vec<server::panelapp::PanelGeneHit>| -> Vec<_> {
        hits.into_iter()
            .map(|h| (h.source, h.panel_id, h.panel_version, h.confidence))
            .collect()
    };
    let (on_a, on_b) = (key(on_a.unwrap()), key(on_b.unwrap()));
    assert!(!on_a.is_empty());
    assert_eq!(
        on_a, on_b,
        "the same answer (live on one, maybe from the cache on the other)"
    );
    assert_eq!(mock.calls("/uk/api/v1/genes/PKD1/"), 1);
    assert_eq!(mock.calls("/au/api/v1/genes/PKD1/"), 1);

    // Leases are given back: nothing is left in Redis.
    let raw = Backends::redis(&redis, &prefix).await.unwrap();
    for key in ["panel:uk:398:current", "catalogue:uk", "genes:uk:PKD1"] {
        let lease = format!("panelapp:v2:lease:{key}");
        assert_eq!(raw.cache.get(&lease).await.unwrap(), None, "{lease}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_left_by_a_dead_instance_expires_and_the_panel_is_fetched() {
    let Some((redis, mock, prefix, dir)) = on_shared_redis().await else {
        return;
    };
    // An instance took the lease for panel 635 and died before answering.
    let raw = Backends::redis(&redis, &prefix).await.unwrap();
    let lease = "panelapp:v2:lease:panel:uk:635:current";
    assert!(
        raw.cache
            .set_if_absent(lease, b"dead-instance", Duration::from_millis(1500))
            .await
            .unwrap()
    );
    let service = service_on_redis(&redis, &prefix, dir.path(), mock.urls(), 3600).await;
    let started = std::time::Instant::now();
    let r = service.panel(Source::Uk, 635, None).await.unwrap();
    assert_eq!(r.origin, DataOrigin::Live);
    assert_eq!(r.data.entities.len(), 8);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "waited for the lease: {:?}",
        started.elapsed()
    );
    assert_eq!(mock.calls("/uk/api/v1/panels/635/"), 1);
    assert_eq!(raw.cache.get(lease).await.unwrap(), None, "released");
}

/// A fetch that outlasts its lease (a 429 with `Retry-After`, then a slow answer: longer than
/// the 5 s lease) keeps the lease by renewing it, so the other instance waits for that result
/// instead of asking PanelApp again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_renews_its_lease_while_a_slow_fetch_runs() {
    let Some((redis, mock, prefix, dir)) = on_shared_redis().await else {
        return;
    };
    let mut s = settings(dir.path(), mock.urls(), 3600);
    s.panelapp.max_retries = 1;
    server::install_crypto_provider();
    let on_redis = || async {
        let backends = Backends::redis(&redis, &prefix)
            .await
            .expect("redis reachable");
        PanelAppService::new(&s, backends.cache, true).unwrap()
    };
    let (a, b) = (on_redis().await, on_redis().await);
    let path = "/uk/api/v1/panels/398/";
    mock.fault(
        path,
        FaultKind::TooManyRequests {
            retry_after_secs: 4,
        },
        1,
    );
    mock.fault(path, FaultKind::Delay(Duration::from_secs(2)), 1);

    let first = tokio::spawn({
        let a = a.clone();
        async move { a.panel(Source::Uk, 398, None).await }
    });
    // A holds the lease once its first request reached PanelApp.
    eventually("A asked PanelApp", || {
        let asked = mock.calls(path) == 1;
        async move { asked }
    })
    .await;
    let second = b.panel(Source::Uk, 398, None).await.unwrap();
    let first = first.await.unwrap().unwrap();

    assert_eq!(mock.calls(path), 2, "the 429 and A's retry; nothing from B");
    assert_eq!(first.origin, DataOrigin::Live);
    assert_eq!(second.data.entities.len(), first.data.entities.len());
    assert_eq!(second.data.version, first.data.version);
    let raw = Backends::redis(&redis, &prefix).await.unwrap();
    assert_eq!(
        raw.cache
            .get("panelapp:v2:lease:panel:uk:398:current")
            .await
            .unwrap(),
        None,
        "released"
    );
}
