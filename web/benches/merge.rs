#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used)]
//! The merge engine timed in the browser build (issue 4; results in BENCHMARKS.md, "Gene lists").
//!
//! The same `shared::merge::merge` the workbench runs on every change, compiled for
//! `wasm32-unknown-unknown` with the web app's release profile (`wasm-release`: opt-level "z",
//! LTO) and run in headless Chromium by `wasm-bindgen-test-runner`, which carries a criterion
//! subset. Same input as the server benchmark (`server/benches/genelists.rs`), so the numbers
//! compare: the 16 bundled UK fixture panels repeated under new ids to ≈ 60,000 entities.
//!
//! Run: `make bench-wasm` (scripts/bench-wasm.sh installs the runner and ChromeDriver).

use std::hint::black_box;
use std::time::Duration;

use shared::PanelData;
use shared::merge::{PanelSelection, SelectionFilter, merge};
use shared::panelapp::fixtures::repeated;
use shared::panelapp::parse_panel;
use wasm_bindgen_test::{Criterion, console_log, wasm_bindgen_bench, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The UK panel-detail fixtures, embedded: the browser has no file system.
macro_rules! fixtures {
    ($($file:literal),* $(,)?) => {
        [$(include_str!(concat!("../../tests/fixtures/panelapp/", $file))),*]
    };
}

const UK_PANELS: [&str; 16] = fixtures!(
    "uk_panel_1207.json",
    "uk_panel_1213_v1.3.json",
    "uk_panel_156_v1.124.json",
    "uk_panel_277_v1.3.json",
    "uk_panel_283_v8.5.json",
    "uk_panel_384_v7.20.json",
    "uk_panel_398_v8.78.json",
    "uk_panel_402_v8.125.json",
    "uk_panel_45_v1.16.json",
    "uk_panel_541_v4.2.json",
    "uk_panel_568_v8.30.json",
    "uk_panel_635_v2.18.json",
    "uk_panel_76_v3.12.json",
    "uk_panel_81_v6.20.json",
    "uk_panel_82_v1.2.json",
    "uk_panel_91_v1.4.json",
);

fn uk_panels() -> Vec<PanelData> {
    UK_PANELS
        .iter()
        .map(|text| parse_panel(text.as_bytes(), shared::Source::Uk).expect("fixture parses"))
        .collect()
}

/// Merges of seconds-scale inputs: ten samples are enough and keep the run short.
fn configured() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
}

/// ≈ 60,000 entities, every level and type selected: the server benchmark's input.
#[wasm_bindgen_bench]
fn merge_60k_entities(_: &mut Criterion) {
    let mut c = configured();
    let panels = repeated(&uk_panels(), 60_000);
    let entities: usize = panels.iter().map(|p| p.entities.len()).sum();
    let filter = SelectionFilter::everything();
    let selections: Vec<_> = panels
        .iter()
        .map(|p| PanelSelection::new(p, &filter))
        .collect();
    let rows = merge(&selections, &[]).total;
    assert!(entities >= 60_000, "only {entities} entities");
    console_log!(
        "merge input: {} panels, {entities} entities -> {rows} rows",
        panels.len()
    );
    c.bench_function("browser/merge_60k_entities", |b| {
        b.iter(|| merge(black_box(&selections), &[]))
    });
}

/// What the workbench recomputes when a user ticks a level: the two largest bundled panels
/// (402 and 398), green and amber genes only.
#[wasm_bindgen_bench]
fn merge_two_large_panels(_: &mut Criterion) {
    let mut c = configured();
    let panels: Vec<PanelData> = uk_panels()
        .into_iter()
        .filter(|p| p.id == 402 || p.id == 398)
        .collect();
    assert_eq!(panels.len(), 2);
    let filter = SelectionFilter::green_and_amber();
    let selections: Vec<_> = panels
        .iter()
        .map(|p| PanelSelection::new(p, &filter))
        .collect();
    console_log!(
        "two panels: {} entities -> {} rows",
        panels.iter().map(|p| p.entities.len()).sum::<usize>(),
        merge(&selections, &[]).total
    );
    c.bench_function("browser/merge_402_398_green_amber", |b| {
        b.iter(|| merge(black_box(&selections), &[]))
    });
}
