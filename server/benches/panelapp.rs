//! Search latency over both PanelApp catalogues (~700 panels): the bundled UK catalogue
//! (439 real panels) plus an Australian one padded to its real size (261) from the bundled
//! AU summaries and renamed UK ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use server::panelapp::PanelSummary;
use server::panelapp::search::{SearchFilter, SearchIndex};
use server::panelapp::snapshot::Snapshot;
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

criterion_group!(benches, search);
criterion_main!(benches);
