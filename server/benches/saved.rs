//! Saved-panel benchmarks (results in BENCHMARKS.md, "Saved panels"), for a 5,000-gene panel on
//! SQLite: create ≤ 200 ms, a new version ≤ 200 ms, a diff ≤ 20 ms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use server::auth::Principal;
use server::saved::versions::NewPanel;
use server::saved::{Edit, PanelMeta};
use server::services::accounts::NewUser;
use server::{AppState, Settings};
use shared::saved::{SavedGene, diff};
use shared::{Confidence, GeneSymbol, PanelStatus, Role, Visibility};

fn genes(n: usize, variant: usize) -> Vec<SavedGene> {
    (0..n)
        .map(|i| {
            let mut g = SavedGene::new(GeneSymbol::parse(&format!("GENE{i}")).unwrap());
            g.confidence = Some(if (i + variant).is_multiple_of(3) {
                Confidence::Amber
            } else {
                Confidence::Green
            });
            g.mode_of_inheritance = Some("BIALLELIC, autosomal or pseudoautosomal".into());
            g.phenotypes = vec![format!("Disorder {i}, OMIM:{}", 100_000 + i)];
            g.evidence = vec!["Expert Review Green".into(), "NHS GMS".into()];
            g.sources = vec!["uk-402@8.125".into()];
            g
        })
        .collect()
}

fn meta(name: String) -> PanelMeta {
    PanelMeta {
        name,
        description: None,
        tags: vec![],
        visibility: Visibility::Private,
        status: PanelStatus::Active,
    }
}

fn bench(c: &mut Criterion) {
    server::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::for_tests(dir.path());
    let (state, owner, principal) = runtime.block_on(async {
        let state = AppState::connect(settings).await.unwrap();
        server::db::migrate(&state.db).await.unwrap();
        let new = NewUser {
            username: "bench".into(),
            email: "bench@example.org".into(),
            password: "a long bench passphrase".into(),
            role: Role::User,
            timezone: None,
        };
        // The owner signs up and logs in as a person would; the benches act as them.
        let visitor = Principal::visitor(None);
        let owner = state.accounts.register(&visitor, new).await.unwrap();
        let logged = state
            .authentication
            .login(&visitor, "bench", "a long bench passphrase")
            .await
            .unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            format!("{}={}", server::auth::cookies::SESSION, logged.cookie)
                .parse()
                .unwrap(),
        );
        let principal = state
            .authenticator
            .authenticate(&headers, &visitor)
            .await
            .unwrap();
        (state, owner, principal)
    });
    let list = genes(5_000, 0);
    let counter = AtomicU32::new(0);
    let mut group = c.benchmark_group("saved_panels_5000_genes");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("create", |b| {
        b.iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let new = NewPanel {
                meta: meta(format!("bench {n}")),
                genes: list.clone(),
                source_type: shared::SavedPanelSourceType::Merge,
                sources: serde_json::json!([]),
                version_sources: Vec::new(),
            };
            black_box(
                runtime
                    .block_on(state.saved.create_version(&principal, owner.id, new))
                    .unwrap(),
            );
        })
    });
    let panel = runtime
        .block_on(state.saved.create_version(
            &principal,
            owner.id,
            NewPanel {
                meta: meta("edited".into()),
                genes: list.clone(),
                source_type: shared::SavedPanelSourceType::Merge,
                sources: serde_json::json!([]),
                version_sources: Vec::new(),
            },
        ))
        .unwrap();
    let version = AtomicU32::new(1);
    group.bench_function("new_version", |b| {
        b.iter(|| {
            let v = version.fetch_add(1, Ordering::Relaxed);
            let mut added = SavedGene::new(GeneSymbol::parse(&format!("EXTRA{v}")).unwrap());
            added.confidence = Some(Confidence::Green);
            let edit = Edit {
                based_on: v as i32,
                comment: Some("bench".into()),
                add: vec![added],
                ..Edit::default()
            };
            black_box(
                runtime
                    .block_on(state.saved.edit(&principal, panel.id, edit))
                    .unwrap(),
            );
        })
    });
    let changed = genes(5_000, 1);
    group.bench_function("diff", |b| b.iter(|| black_box(diff(&list, &changed))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
