//! A mock PanelApp (UK at `/uk/api/v1/`, Australia at `/au/api/v1/`) serving the real
//! fixtures of `tests/fixtures/panelapp`, with fault injection and call counting. A test can
//! publish newer versions of a panel ([`MockPanelApp::publish_version`]) to see PanelApp move on.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const UK_ORIGIN: &str = "https://panelapp.genomicsengland.co.uk/api/v1/";
const AU_ORIGIN: &str = "https://panelapp-aus.org/api/v1/";

/// Something to do instead of (or before) answering normally.
#[derive(Debug, Clone)]
pub enum FaultKind {
    /// Answer with this status and a small JSON body.
    Status(u16),
    /// 429 with `Retry-After: secs`.
    TooManyRequests { retry_after_secs: u64 },
    /// Never answer (until the client gives up).
    Hang,
    /// 200 with a body that is not valid JSON.
    Malformed,
    /// Answer normally after a delay.
    Delay(Duration),
}

#[derive(Debug, Clone)]
struct Fault {
    path_contains: String,
    kind: FaultKind,
    remaining: usize,
}

#[derive(Default)]
struct Shared {
    base: String,
    calls: Vec<String>,
    faults: Vec<Fault>,
    latency: Option<Duration>,
    in_flight: usize,
    max_in_flight: usize,
    /// Versions published during the test, oldest first, by (instance, panel id).
    published: HashMap<(String, String), Vec<String>>,
    /// Versions the catalogue lists instead of the fixture's, by (instance, panel id).
    listed: HashMap<(String, u32), String>,
}

#[derive(Clone)]
struct MockState {
    shared: Arc<Mutex<Shared>>,
    dir: PathBuf,
}

pub struct MockPanelApp {
    pub base: String,
    state: MockState,
    task: tokio::task::JoinHandle<()>,
}

impl MockPanelApp {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = MockState {
            shared: Arc::new(Mutex::new(Shared {
                base: base.clone(),
                ..Shared::default()
            })),
            dir: crate::repo_root().join("tests/fixtures/panelapp"),
        };
        let app = Router::new()
            .route("/{instance}/api/v1/{*rest}", axum::routing::get(handle))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, state, task }
    }

    pub fn uk_url(&self) -> String {
        format!("{}/uk/api/v1/", self.base)
    }

    pub fn au_url(&self) -> String {
        format!("{}/au/api/v1/", self.base)
    }

    /// `(uk, au)` for [`crate::TestConfig::panelapp`].
    pub fn urls(&self) -> (String, String) {
        (self.uk_url(), self.au_url())
    }

    /// Injects a fault for the next `times` requests whose path contains `path_contains`.
    pub fn fault(&self, path_contains: &str, kind: FaultKind, times: usize) {
        self.lock().faults.push(Fault {
            path_contains: path_contains.to_owned(),
            kind,
            remaining: times,
        });
    }

    /// Adds latency to every answer.
    pub fn set_latency(&self, latency: Option<Duration>) {
        self.lock().latency = latency;
    }

    /// Paths (with query) requested so far whose path contains `needle`.
    pub fn calls(&self, needle: &str) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.contains(needle))
            .count()
    }

    pub fn all_calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    /// Most requests that were ever being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// Publishes a new version of panel `id` of `instance` (`"uk"` or `"au"`): a copy of its
    /// latest detail with the minor version bumped, `version_created` set to now, and `edit`
    /// applied (drop, add or re-rate entities). From then on the panel answers with it, and the
    /// earlier versions stay available through `?version=`, as on PanelApp. Returns the new
    /// version. Panics when the panel has no fixture.
    pub fn publish_version(
        &self,
        instance: &str,
        id: u32,
        edit: impl FnOnce(&mut Value),
    ) -> String {
        let key = (instance.to_owned(), id.to_string());
        let mut s = self.lock();
        let latest = match s.published.get(&key).and_then(|v| v.last()) {
            Some(body) => body.clone(),
            None => detail_file(&self.state.dir, instance, &key.1)
                .unwrap_or_else(|| panic!("no fixture for {instance} panel {id}")),
        };
        let mut panel: Value = serde_json::from_str(&latest).expect("fixture JSON");
        let version = panel["version"]
            .as_str()
            .expect("fixture version")
            .to_owned();
        let (major, minor) = version.split_once('.').expect("major.minor");
        let minor: u32 = minor.parse().expect("minor version");
        let next = format!("{major}.{}", minor + 1);
        panel["version"] = json!(next);
        panel["version_created"] = json!(chrono::Utc::now().to_rfc3339());
        edit(&mut panel);
        s.published.entry(key).or_default().push(panel.to_string());
        next
    }

    /// From now on the catalogue of `instance` lists panel `id` at `version` (with
    /// [`Self::publish_version`]: PanelApp's list catching up with a new version).
    pub fn list_version(&self, instance: &str, id: u32, version: &str) {
        self.lock()
            .listed
            .insert((instance.to_owned(), id), version.to_owned());
    }

    pub fn stop(self) {
        self.task.abort();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.state.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for MockPanelApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct InFlight(Arc<Mutex<Shared>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        s.in_flight -= 1;
    }
}

async fn handle(
    State(state): State<MockState>,
    Path((instance, rest)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let path = format!("/{instance}/api/v1/{rest}");
    let full = match &query {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    let (fault, latency, base, published) = {
        let mut s = state.shared.lock().unwrap_or_else(|p| p.into_inner());
        s.calls.push(full.clone());
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        let fault = s
            .faults
            .iter_mut()
            .find(|f| f.remaining > 0 && full.contains(&f.path_contains));
        let fault = fault.map(|f| {
            f.remaining -= 1;
            f.kind.clone()
        });
        let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
        let published = match parts.as_slice() {
            ["panels", id] => s
                .published
                .get(&(instance.clone(), (*id).to_owned()))
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let listed: HashMap<u32, String> = s
            .listed
            .iter()
            .filter(|((i, _), _)| *i == instance)
            .map(|((_, id), v)| (*id, v.clone()))
            .collect();
        (fault, s.latency, s.base.clone(), (published, listed))
    };
    let (published, listed) = published;
    let _in_flight = InFlight(state.shared.clone());
    if let Some(latency) = latency {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(FaultKind::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, axum::Json(json!({ "detail": "injected failure" }))).into_response();
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => {
            let mut r = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return r;
        }
        Some(FaultKind::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Some(FaultKind::Malformed) => {
            return (
                [(header::CONTENT_TYPE, "application/json")],
                "{\"count\": 3, \"results\": [",
            )
                .into_response();
        }
        Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    let page: usize = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("page=")))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let version = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("version=")))
        .map(str::to_owned);
    match answer(
        &state.dir,
        &instance,
        &rest,
        page,
        version.as_deref(),
        &published,
    ) {
        Some(body) => {
            let body = if rest.trim_matches('/') == "panels" && !listed.is_empty() {
                relist(&body, &listed)
            } else {
                body
            };
            let body = body
                .replace(UK_ORIGIN, &format!("{base}/uk/api/v1/"))
                .replace(AU_ORIGIN, &format!("{base}/au/api/v1/"));
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "detail": "Not found." })),
        )
            .into_response(),
    }
}

/// A catalogue page with the versions of `listed` panels replaced.
fn relist(body: &str, listed: &HashMap<u32, String>) -> String {
    let Ok(mut page) = serde_json::from_str::<Value>(body) else {
        return body.to_owned();
    };
    for panel in page["results"].as_array_mut().into_iter().flatten() {
        let id = panel["id"].as_u64().and_then(|i| u32::try_from(i).ok());
        if let Some(version) = id.and_then(|i| listed.get(&i)) {
            panel["version"] = json!(version);
        }
    }
    page.to_string()
}

/// Edits of a panel detail for [`MockPanelApp::publish_version`].
pub mod edit {
    use serde_json::{Value, json};

    fn genes(panel: &mut Value) -> &mut Vec<Value> {
        panel["genes"]
            .as_array_mut()
            .expect("a panel detail with genes")
    }

    /// Drops gene `symbol`.
    pub fn remove_gene(panel: &mut Value, symbol: &str) {
        genes(panel).retain(|g| g["entity_name"] != symbol);
    }

    /// Sets the evidence level of gene `symbol` (PanelApp's "3" green, "2" amber, "1" red).
    pub fn rate_gene(panel: &mut Value, symbol: &str, level: &str) {
        for gene in genes(panel).iter_mut() {
            if gene["entity_name"] == symbol {
                gene["confidence_level"] = json!(level);
            }
        }
    }

    /// Adds gene `symbol` (`HGNC:…` id, name), green, shaped like the panel's first gene but
    /// without its coordinates.
    pub fn add_gene(panel: &mut Value, symbol: &str, hgnc_id: &str, name: &str) {
        let list = genes(panel);
        let mut gene = list.first().expect("a gene to copy").clone();
        gene["entity_name"] = json!(symbol);
        gene["confidence_level"] = json!("3");
        gene["gene_data"]["gene_symbol"] = json!(symbol);
        gene["gene_data"]["hgnc_symbol"] = json!(symbol);
        gene["gene_data"]["hgnc_id"] = json!(hgnc_id);
        gene["gene_data"]["gene_name"] = json!(name);
        gene["gene_data"]["alias"] = json!([]);
        gene["gene_data"]["ensembl_genes"] = json!({});
        gene["phenotypes"] = json!([]);
        list.push(gene);
    }
}

/// UK panel 277 (Idiopathic ventricular fibrillation) moving on from 1.3: KCNJ8 (red) dropped,
/// SCN5A promoted from amber to green, KCNH2 added green.
pub fn ivf_moves_on(panel: &mut Value) {
    edit::remove_gene(panel, "KCNJ8");
    edit::rate_gene(panel, "SCN5A", "3");
    edit::add_gene(
        panel,
        "KCNH2",
        "HGNC:6251",
        "potassium voltage-gated channel subfamily H member 2",
    );
}

fn read(dir: &std::path::Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name)).ok()
}

/// The detail file of a panel: `uk_panel_<id>_v<version>.json`, `uk_panel_<id>.json`, or
/// `aus_panel_<id>.json`.
fn detail_file(dir: &std::path::Path, instance: &str, id: &str) -> Option<String> {
    let prefix = if instance == "uk" {
        "uk_panel_"
    } else {
        "aus_panel_"
    };
    let exact = format!("{prefix}{id}.json");
    if dir.join(&exact).is_file() {
        return read(dir, &exact);
    }
    let versioned = format!("{prefix}{id}_v");
    let entries = std::fs::read_dir(dir).ok()?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(&versioned) && name.ends_with(".json") {
            return read(dir, &name);
        }
    }
    None
}

fn empty_page() -> String {
    json!({ "count": 0, "next": null, "previous": null, "results": [] }).to_string()
}

fn answer(
    dir: &std::path::Path,
    instance: &str,
    rest: &str,
    page: usize,
    version: Option<&str>,
    published: &[String],
) -> Option<String> {
    let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
    match (instance, parts.as_slice()) {
        ("uk", ["panels"]) => read(dir, &format!("uk_panels_full_page{page}.json")),
        ("au", ["panels"]) => (page == 1)
            .then(|| read(dir, "aus_panels_page1.json"))
            .flatten(),
        ("uk", ["panels", "signedoff"]) => (page == 1)
            .then(|| read(dir, "uk_signedoff_page1.json"))
            .flatten(),
        ("au", ["panels", "signedoff"]) => Some(empty_page()),
        (_, ["panels", id]) => {
            let fixture = detail_file(dir, instance, id)?;
            let mut bodies = vec![fixture];
            bodies.extend(published.iter().cloned());
            match version {
                None => bodies.pop(),
                Some(v) => bodies.into_iter().find(|body| {
                    serde_json::from_str::<Value>(body)
                        .is_ok_and(|parsed| parsed["version"].as_str() == Some(v))
                }),
            }
        }
        (_, ["genes", symbol]) => Some(gene_search(dir, instance, symbol)),
        _ => None,
    }
}

/// `/genes/<SYMBOL>/`: the real AU capture when there is one, otherwise built from the panel
/// details in the fixtures (each hit: the entity plus its `panel` summary), like PanelApp.
fn gene_search(dir: &std::path::Path, instance: &str, symbol: &str) -> String {
    if instance == "au"
        && let Some(body) = read(dir, &format!("aus_genes_{symbol}.json"))
    {
        return body;
    }
    let prefix = if instance == "uk" {
        "uk_panel_"
    } else {
        "aus_panel_"
    };
    let mut results = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for name in names
        .iter()
        .filter(|n| n.starts_with(prefix) && !n.contains("panels"))
    {
        let Some(body) = read(dir, name) else {
            continue;
        };
        let Ok(panel) = serde_json::from_str::<Value>(&body) else {
            continue;
        };
        let summary: HashMap<&str, Value> = [
            "id",
            "hash_id",
            "name",
            "disease_group",
            "disease_sub_group",
            "status",
            "version",
            "version_created",
            "relevant_disorders",
            "stats",
            "types",
        ]
        .into_iter()
        .map(|k| (k, panel[k].clone()))
        .collect();
        for kind in ["genes", "strs"] {
            for entity in panel[kind].as_array().into_iter().flatten() {
                let matches = entity["entity_name"]
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(symbol));
                if matches {
                    let mut hit = entity.clone();
                    hit["panel"] = json!(summary);
                    results.push(hit);
                }
            }
        }
    }
    json!({ "count": results.len(), "next": null, "previous": null, "results": results })
        .to_string()
}
