//! PanelApp benchmarks.
//!
//! - Search latency over both catalogues (~700 panels): the bundled UK catalogue (439 real
//!   panels) plus an Australian one padded to its real size (261) from the bundled AU
//!   summaries and renamed UK ones.
//! - A cold sync of the UK catalogue (`PanelAppService::sync`) against an in-bench PanelApp
//!   that answers after 50 ms: 5 catalogue pages of 100 and the signed-off list, then the
//!   detail of every one of the 439 panels (the bundled details where there is one, a small
//!   real panel renumbered otherwise). The most requests ever in flight at once is measured
//!   and must equal `PANELAPP_CONCURRENCY`: concurrency is used, and bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use server::panelapp::search::{SearchFilter, SearchIndex};
use server::panelapp::snapshot::Snapshot;
use server::panelapp::{PanelAppService, PanelSummary};
use shared::Source;

fn index() -> SearchIndex {
    let snap = Snapshot::bundled();
    let uk_raw = snap.panels(Source::Uk).unwrap();
    let uk_signed = snap.signed_off(Source::Uk);
    let mut panels: Vec<Arc<PanelSummary>> = uk_raw
        .iter()
        .map(|p| Arc::new(PanelSummary::from_raw(Source::Uk, p, &uk_signed)))
        .collect();
    let au_raw = snap.panels(Source::Au).unwrap();
    let mut au: Vec<Arc<PanelSummary>> = au_raw
        .iter()
        .map(|p| Arc::new(PanelSummary::from_raw(Source::Au, p, &[])))
        .collect();
    for (i, p) in uk_raw.iter().cycle().enumerate().take(261 - au.len()) {
        let mut s = PanelSummary::from_raw(Source::Au, p, &[]);
        s.id = 5000 + i as u32;
        s.description = Some(format!("Australian panel about {}", s.name.to_lowercase()));
        au.push(Arc::new(s));
    }
    panels.extend(au);
    let index = SearchIndex::build(panels);
    assert_eq!(index.len(), 700);
    index
}

fn search(c: &mut Criterion) {
    let index = index();
    let none = SearchFilter::default();
    let uk = SearchFilter {
        source: Some(Source::Uk),
        signed_off: Some(true),
        ..SearchFilter::default()
    };
    let mut group = c.benchmark_group("panelapp/search_700");
    group.bench_function("substring_epilepsy", |b| {
        b.iter(|| black_box(index.search(Some(black_box("epilepsy")), &none)))
    });
    group.bench_function("rcode_R59", |b| {
        b.iter(|| black_box(index.search(Some(black_box("R59")), &none)))
    });
    group.bench_function("typo_cardiomyopahty", |b| {
        b.iter(|| black_box(index.search(Some(black_box("cardiomyopahty")), &none)))
    });
    group.bench_function("two_words_filtered", |b| {
        b.iter(|| black_box(index.search(Some(black_box("kidney disease")), &uk)))
    });
    group.bench_function("build_index", |b| {
        b.iter_batched(
            || (),
            |()| black_box(self::index()),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// Injected latency of every upstream answer.
const LATENCY: Duration = Duration::from_millis(50);

#[derive(Default)]
struct Counters {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: AtomicUsize,
}

struct Upstream {
    /// Path (with query) → body.
    bodies: HashMap<String, Vec<u8>>,
    counters: Counters,
}

/// The bundled UK data in the API's own layout, as PanelApp pages it.
fn upstream_bodies(base: &str) -> HashMap<String, Vec<u8>> {
    let snap = Snapshot::bundled();
    let panels = snap.panels(Source::Uk).unwrap();
    let mut bodies = HashMap::new();
    let pages: Vec<_> = panels.chunks(100).collect();
    for (i, chunk) in pages.iter().enumerate() {
        let next =
            (i + 1 < pages.len()).then(|| format!("{base}/uk/api/v1/panels/?page={}", i + 2));
        let body = serde_json::json!({
            "count": panels.len(), "next": next, "previous": null, "results": chunk,
        });
        let path = if i == 0 {
            "/uk/api/v1/panels/".to_owned()
        } else {
            format!("/uk/api/v1/panels/?page={}", i + 1)
        };
        bodies.insert(path, body.to_string().into_bytes());
    }
    let signed = snap.signed_off(Source::Uk);
    bodies.insert(
        "/uk/api/v1/panels/signedoff/".to_owned(),
        serde_json::json!({ "count": signed.len(), "next": null, "previous": null, "results": signed })
            .to_string()
            .into_bytes(),
    );
    let filler: serde_json::Value =
        serde_json::from_slice(snap.detail(Source::Uk, 635).unwrap()).unwrap();
    for p in &panels {
        let body = match snap.detail(Source::Uk, p.id) {
            Some(b) => b.to_vec(),
            None => {
                let mut d = filler.clone();
                d["id"] = p.id.into();
                d["name"] = p.name.clone().into();
                d["version"] = p.version.clone().into();
                d.to_string().into_bytes()
            }
        };
        bodies.insert(format!("/uk/api/v1/panels/{}/", p.id), body);
    }
    bodies
}

async fn answer(
    axum::extract::State(up): axum::extract::State<Arc<Upstream>>,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let c = &up.counters;
    c.requests.fetch_add(1, Ordering::Relaxed);
    let now = c.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    c.max_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(LATENCY).await;
    c.in_flight.fetch_sub(1, Ordering::SeqCst);
    let key = uri.path_and_query().map_or("", |p| p.as_str());
    match up.bodies.get(key) {
        Some(body) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body.clone(),
        )
            .into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start_upstream() -> (String, Arc<Upstream>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let up = Arc::new(Upstream {
        bodies: upstream_bodies(&base),
        counters: Counters::default(),
    });
    let app = axum::Router::new().fallback(answer).with_state(up.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, up)
}

fn cold_sync(c: &mut Criterion) {
    server::install_crypto_provider();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, up) = rt.block_on(start_upstream());
    let mut group = c.benchmark_group("panelapp/cold_sync_uk_50ms");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(20));
    for concurrency in [4usize, 8] {
        let max_seen = AtomicUsize::new(0);
        let requests = AtomicUsize::new(0);
        group.bench_function(format!("concurrency_{concurrency}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().unwrap();
                    let mut settings = server::Settings::for_tests(dir.path());
                    settings.panelapp.uk_url = format!("{base}/uk/api/v1/");
                    settings.panelapp.au_url = format!("{base}/au/api/v1/");
                    settings.panelapp.concurrency = concurrency;
                    settings.panelapp.max_retries = 0;
                    let service = rt.block_on(async {
                        let cache: Arc<dyn server::backend::Cache> =
                            Arc::new(server::backend::MemoryBackend::default());
                        let service = PanelAppService::new(&settings, cache, false).unwrap();
                        service.started().await;
                        service
                    });
                    up.counters.max_in_flight.store(0, Ordering::SeqCst);
                    up.counters.requests.store(0, Ordering::SeqCst);
                    let started = Instant::now();
                    let report = rt
                        .block_on(service.sync(Source::Uk, Arc::new(|_, _| {})))
                        .map_err(|e| e.message)
                        .unwrap();
                    total += started.elapsed();
                    assert_eq!((report.panels, report.details), (439, 439));
                    assert!(report.complete);
                    max_seen.fetch_max(
                        up.counters.max_in_flight.load(Ordering::SeqCst),
                        Ordering::SeqCst,
                    );
                    requests.store(
                        up.counters.requests.load(Ordering::SeqCst),
                        Ordering::SeqCst,
                    );
                }
                total
            })
        });
        let max = max_seen.load(Ordering::SeqCst);
        println!(
            "cold_sync_uk_50ms/concurrency_{concurrency}: {} requests per sync, at most {max} \
             in flight (one at a time would take {:.1} s)",
            requests.load(Ordering::SeqCst),
            (requests.load(Ordering::SeqCst) as f64) * LATENCY.as_secs_f64()
        );
        assert_eq!(max, concurrency, "concurrency is used and bounded");
    }
    group.finish();
}

criterion_group!(benches, search, cold_sync);
criterion_main!(benches);
