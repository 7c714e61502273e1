//! Gene-list benchmarks (results in BENCHMARKS.md, "Gene lists"):
//! - merge of ≈ 60,000 entities (the bundled UK fixture panels repeated), target ≤ 100 ms;
//! - XLSX export of 200,000 cells (20,000 rows × 10 columns), target ≤ 0.6 s;
//! - reading a 20,000-row XLSX upload, target ≤ 1 s;
//! - the Combined-list workbook of UK panels 635 + 402 + 398, green + amber, without and with
//!   per-source sheets, target ≤ 20 ms (issue 18).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_xlsxwriter::Workbook;
use server::genelists::export::{ExportRequest, Provenance, render};
use server::genelists::upload::{ParseOptions, UploadLimits, parse_upload};
use shared::merge::{PanelSelection, SelectionFilter, merge};
use shared::upload::{GeneList, ListGene};
use shared::{ExportFormat, GeneSymbol};

fn bench_merge(c: &mut Criterion) {
    let panels =
        shared::panelapp::fixtures::repeated(&shared::panelapp::fixtures::all_uk_panels(), 60_000);
    let entities: usize = panels.iter().map(|p| p.entities.len()).sum();
    let filter = SelectionFilter::everything();
    let selections: Vec<_> = panels
        .iter()
        .map(|p| PanelSelection::new(p, &filter))
        .collect();
    let rows = merge(&selections, &[]).total;
    eprintln!(
        "merge input: {} panels, {entities} entities → {rows} rows",
        panels.len()
    );
    c.bench_function("merge_60k_entities", |b| {
        b.iter(|| merge(black_box(&selections), &[]))
    });
}

fn bench_xlsx_export(c: &mut Criterion) {
    let genes: Vec<ListGene> = (0..20_000)
        .map(|i| ListGene::new(GeneSymbol::parse(&format!("GENE{i}")).unwrap(), None))
        .collect();
    let list = GeneList {
        id: "bench".into(),
        name: "Benchmark list".into(),
        genes,
    };
    let result = merge(&[], &[list]).into_owned();
    let provenance = Provenance::from_merge(&result, Utc::now(), "bench");
    let request = ExportRequest {
        format: ExportFormat::Xlsx,
        filename: None,
        per_source_sheets: false,
        chr_prefix: true,
        columns: Vec::new(),
        merge: result,
        provenance,
        original_panels: Vec::new(),
    };
    let cells = request.merge.total * server::genelists::export::combined_header().len();
    eprintln!("xlsx export: {cells} cells in the combined sheet");
    let mut group = c.benchmark_group("export");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("xlsx_200k_cells", |b| {
        b.iter(|| render(black_box(&request)).unwrap())
    });
    group.finish();
}

fn bench_combined_workbook(c: &mut Criterion) {
    use shared::{Confidence, EntityType, Source};
    let panels: Vec<_> = [
        "uk_panel_635_v2.18.json",
        "uk_panel_402_v8.125.json",
        "uk_panel_398_v8.78.json",
    ]
    .iter()
    .map(|f| std::sync::Arc::new(shared::panelapp::fixtures::fixture_panel(f, Source::Uk)))
    .collect();
    let filter = SelectionFilter::new(&[Confidence::Green, Confidence::Amber], EntityType::ALL);
    let selections: Vec<_> = panels
        .iter()
        .map(|p| PanelSelection::new(p, &filter))
        .collect();
    let merged = || merge(&selections, &[]).into_owned();
    let request = |per_source_sheets| {
        let result = merged();
        ExportRequest {
            format: ExportFormat::Xlsx,
            filename: None,
            per_source_sheets,
            chr_prefix: true,
            columns: Vec::new(),
            provenance: Provenance::from_merge(&result, Utc::now(), "bench"),
            merge: result,
            original_panels: panels.clone(),
        }
    };
    let plain = request(false);
    let sheets = request(true);
    eprintln!("combined workbook: {} rows", plain.merge.total);
    let mut group = c.benchmark_group("combined_635_402_398");
    group.sample_size(20);
    group.bench_function("merge_only", |b| b.iter(merged));
    group.bench_function("xlsx", |b| b.iter(|| render(black_box(&plain)).unwrap()));
    group.bench_function("xlsx_per_source_sheets", |b| {
        b.iter(|| render(black_box(&sheets)).unwrap())
    });
    group.finish();
}

fn sample_upload(rows: u32) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Gene symbol").unwrap();
    sheet.write_string(0, 1, "Comment").unwrap();
    for row in 1..=rows {
        sheet.write_string(row, 0, format!("gene{row}")).unwrap();
        sheet.write_string(row, 1, "from the lab LIMS").unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn bench_xlsx_upload(c: &mut Criterion) {
    let bytes = sample_upload(20_000);
    let limits = UploadLimits::default();
    let options = ParseOptions::default();
    let parsed = parse_upload(&bytes, "bench.xlsx", &options, &limits, None).unwrap();
    eprintln!(
        "xlsx upload: {} bytes, {} rows → {} genes",
        bytes.len(),
        parsed.rows,
        parsed.genes.len()
    );
    let mut group = c.benchmark_group("upload");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("xlsx_20k_rows", |b| {
        b.iter(|| parse_upload(black_box(&bytes), "bench.xlsx", &options, &limits, None).unwrap())
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_merge,
    bench_xlsx_export,
    bench_xlsx_upload,
    bench_combined_workbook
);
criterion_main!(benches);
