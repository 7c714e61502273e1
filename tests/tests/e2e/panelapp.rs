//! PanelApp against the mock serving the real fixtures: catalogue paging, search, panel
//! details, retries, timeouts, malformed bodies, single-flight, snapshots, refresh.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use shared::{AuditAction, Role, Source};
use tests::client::error_code;
use tests::mock_panelapp::FaultKind;
use tests::{MockPanelApp, TestApp, TestConfig, run_cli};

async fn app_with(mock: &MockPanelApp, vars: &[(&str, &str)]) -> TestApp {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        vars,
        ..TestConfig::default()
    })
    .await
    .unwrap()
}

const PANELS: &str =
    "query($s: String, $src: PanelSource, $first: Int, $after: String, $signed: Boolean) {
    panels(search: $s, source: $src, first: $first, after: $after, signedOff: $signed) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { source id name version diseaseGroup geneCount signedOff dataOrigin }
    } }";

const PANEL: &str = "query($src: PanelSource!, $id: Int!, $v: String, $c: [Confidence!], $t: [EntityType!]) {
    panel(source: $src, id: $id, version: $v) {
        source id name version dataOrigin dataDate signedOff
        counts { green amber red grey }
        entities(confidence: $c, types: $t) { nodes { type symbol hgncId confidence modeOfInheritance
            phenotypes evidence grch37 { chrom start end ensemblId } grch38 { chrom start end ensemblId } } }
    } }";

fn ids(body: &Value) -> Vec<i64> {
    body["panels"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect()
}

/// The panel list's largest page is GRAPHQL_MAX_PAGE_SIZE, as for every other list (it was a
/// fixed 100 whatever the setting).
#[tokio::test]
async fn the_panel_list_pages_up_to_the_configured_page_size() {
    let mock = MockPanelApp::start().await;
    let app = app_with(
        &mock,
        &[
            ("GRAPHQL_MAX_PAGE_SIZE", "500"),
            ("GRAPHQL_MAX_COMPLEXITY", "100000"),
        ],
    )
    .await;
    let whole = app
        .client
        .data(
            "{ panels(source: UK, first: 439) { totalCount pageInfo { hasNextPage } \
             nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(whole["panels"]["totalCount"], 439, "{whole}");
    assert_eq!(whole["panels"]["nodes"].as_array().unwrap().len(), 439);
    assert_eq!(whole["panels"]["pageInfo"]["hasNextPage"], false);
    let over = app
        .client
        .query(
            "{ panels(source: UK, first: 501) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        over["errors"][0]["extensions"]["code"], "VALIDATION",
        "{over}"
    );
    assert_eq!(over["errors"][0]["extensions"]["max"], 500, "{over}");
}

#[tokio::test]
async fn the_uk_catalogue_loads_all_pages_and_search_ranks_it() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let c = &app.client;
    let body = c
        .data(
            "{ panels(source: UK, first: 100) { totalCount pageInfo { endCursor } \
             nodes { id dataOrigin } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["panels"]["totalCount"], 439, "{body}");
    assert_eq!(body["panels"]["nodes"].as_array().unwrap().len(), 100);
    // More than the largest page is a client mistake, not silently capped.
    let over = c
        .query(
            "{ panels(source: UK, first: 500) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        over["errors"][0]["extensions"]["code"], "VALIDATION",
        "{over}"
    );
    assert_eq!(over["errors"][0]["extensions"]["field"], "first");
    assert_eq!(body["panels"]["nodes"][0]["dataOrigin"], "LIVE");
    for page in 2..=5 {
        assert_eq!(mock.calls(&format!("/uk/api/v1/panels/?page={page}")), 1);
    }
    // Paging goes on from the cursor.
    let cursor = body["panels"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = c
        .data(PANELS, json!({ "src": "UK", "first": 50, "after": cursor }))
        .await;
    let first: Vec<_> = ids(&body);
    assert!(ids(&next).iter().all(|id| !first.contains(id)));
    assert_eq!(next["panels"]["nodes"][0]["dataOrigin"], "CACHE");

    let epilepsy = c
        .data(PANELS, json!({ "s": "epilepsy", "first": 20 }))
        .await;
    assert!(ids(&epilepsy).contains(&402), "{epilepsy}");
    let node = &epilepsy["panels"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == 402)
        .unwrap()
        .clone();
    assert_eq!(node["name"], "Early onset or syndromic epilepsy");
    assert_eq!(node["version"], "8.125");
    assert_eq!(node["geneCount"], 892);
    let rcode = c.data(PANELS, json!({ "s": "R208" })).await;
    assert_eq!(ids(&rcode)[0], 635, "{rcode}");
    let au = c
        .data(PANELS, json!({ "s": "achromatopsia", "src": "AU" }))
        .await;
    assert_eq!(ids(&au), [3149]);
    let signed = c.data(PANELS, json!({ "signed": true, "first": 50 })).await;
    assert!(
        signed["panels"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["signedOff"] == true),
        "{signed}"
    );
    let info = c
        .data(
            "{ serverInfo { panelApp { source dataOrigin panelCount snapshotDate } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        info["serverInfo"]["panelApp"][0],
        json!({ "source": "UK", "dataOrigin": "CACHE", "panelCount": 439, "snapshotDate": "2026-03-02" })
    );
}

#[tokio::test]
async fn panel_details_carry_every_entity_and_the_empty_panel_works() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let c = &app.client;
    const COUNTS: &str = "{ panels(search: \"Early onset or syndromic epilepsy\", source: UK, \
        first: 1) { nodes { id version counts { green amber red grey } } } }";
    // Listing never fetches details: no counts until the panel has been loaded.
    let listed = c.data(COUNTS, json!({})).await;
    assert_eq!(listed["panels"]["nodes"][0]["id"], 402, "{listed}");
    assert_eq!(listed["panels"]["nodes"][0]["counts"], Value::Null);
    let body = c.data(PANEL, json!({ "src": "UK", "id": 402 })).await;
    let p = &body["panel"];
    assert_eq!(p["name"], "Early onset or syndromic epilepsy");
    assert_eq!(p["version"], "8.125");
    assert_eq!(p["dataOrigin"], "LIVE");
    let entities = p["entities"]["nodes"].as_array().unwrap();
    let count = |t: &str| entities.iter().filter(|e| e["type"] == t).count();
    assert_eq!((count("GENE"), count("STR"), count("REGION")), (892, 4, 19));
    let aars = entities.iter().find(|e| e["symbol"] == "AARS").unwrap();
    assert_eq!(aars["hgncId"], "HGNC:20");
    assert_eq!(aars["confidence"], "GREEN");
    assert_eq!(
        aars["grch38"],
        json!({ "chrom": "16", "start": 70252295, "end": 70289543, "ensemblId": "ENSG00000090861" })
    );
    let total: i64 = ["green", "amber", "red", "grey"]
        .iter()
        .map(|k| p["counts"][k].as_i64().unwrap())
        .sum();
    assert_eq!(total, 915);
    // The listing now shows the loaded version's counts.
    let listed = c.data(COUNTS, json!({})).await;
    assert_eq!(listed["panels"]["nodes"][0]["version"], "8.125");
    assert_eq!(
        listed["panels"]["nodes"][0]["counts"], p["counts"],
        "{listed}"
    );

    let strs = c
        .data(
            PANEL,
            json!({ "src": "UK", "id": 402, "t": ["STR"], "c": ["GREEN"] }),
        )
        .await;
    let strs = strs["panel"]["entities"]["nodes"].as_array().unwrap();
    assert!(
        !strs.is_empty()
            && strs
                .iter()
                .all(|e| e["type"] == "STR" && e["confidence"] == "GREEN")
    );
    // Cached now: no second upstream call.
    let again = c.data(PANEL, json!({ "src": "UK", "id": 402 })).await;
    assert_eq!(again["panel"]["dataOrigin"], "CACHE");
    assert_eq!(mock.calls("/uk/api/v1/panels/402/"), 1);

    let empty = c.data(PANEL, json!({ "src": "UK", "id": 82 })).await;
    assert_eq!(empty["panel"]["entities"]["nodes"], json!([]));
    assert_eq!(
        empty["panel"]["counts"],
        json!({ "green": 0, "amber": 0, "red": 0, "grey": 0 })
    );

    let old = c
        .query(PANEL, json!({ "src": "UK", "id": 402, "v": "8.124" }))
        .await;
    assert_eq!(
        tests::client::error_code(&old),
        Some("NOT_FOUND"),
        "an unknown version is not found: {old}"
    );
    assert_eq!(
        old["errors"][0]["message"],
        "PanelApp UK panel 402 version 8.124 not found"
    );
    let au = c.data(PANEL, json!({ "src": "AU", "id": 3149 })).await;
    // The AU capture was trimmed upstream: its stats say 8 genes, the body lists 5.
    assert_eq!(
        au["panel"]["entities"]["nodes"].as_array().unwrap().len(),
        5
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    mock.fault(
        "panels/635",
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
    );
    let started = std::time::Instant::now();
    let body = app
        .client
        .data(PANEL, json!({ "src": "UK", "id": 635 }))
        .await;
    assert_eq!(body["panel"]["dataOrigin"], "LIVE", "{body}");
    assert_eq!(
        body["panel"]["entities"]["nodes"].as_array().unwrap().len(),
        8
    );
    assert_eq!(mock.calls("/uk/api/v1/panels/635/"), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
}

#[tokio::test]
async fn a_hung_upstream_times_out_while_cached_data_is_served() {
    let mock = MockPanelApp::start().await;
    let app = app_with(
        &mock,
        &[("PANELAPP_TIMEOUT", "1"), ("PANELAPP_MAX_RETRIES", "0")],
    )
    .await;
    let admin = app.logged_in("root", Role::Admin).await;
    let warm = admin.data(PANEL, json!({ "src": "UK", "id": 402 })).await;
    assert_eq!(warm["panel"]["dataOrigin"], "LIVE");
    admin.data(PANELS, json!({ "s": "epilepsy" })).await;
    mock.fault("/uk/", FaultKind::Hang, 1000);

    let refreshed = admin
        .query("mutation { refreshPanelApp(source: UK) }", json!({}))
        .await;
    assert_eq!(
        error_code(&refreshed),
        Some("UPSTREAM_UNAVAILABLE"),
        "{refreshed}"
    );
    assert_eq!(
        refreshed["errors"][0]["extensions"]["instance"],
        "PanelApp UK"
    );

    // The cache still answers, and says it is stale.
    let search = admin.data(PANELS, json!({ "s": "epilepsy" })).await;
    assert!(ids(&search).contains(&402));
    assert_eq!(search["panels"]["nodes"][0]["dataOrigin"], "STALE_CACHE");
    let panel = admin.data(PANEL, json!({ "src": "UK", "id": 402 })).await;
    assert_eq!(panel["panel"]["dataOrigin"], "STALE_CACHE");
    assert_eq!(
        panel["panel"]["entities"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        915
    );
    // Nothing cached and not in the snapshot: the timeout reaches the caller.
    let missing = admin.query(PANEL, json!({ "src": "UK", "id": 3 })).await;
    assert_eq!(
        error_code(&missing),
        Some("UPSTREAM_UNAVAILABLE"),
        "{missing}"
    );
}

#[tokio::test]
async fn a_malformed_body_is_an_error_not_a_panic() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[("PANELAPP_MAX_RETRIES", "0")]).await;
    mock.fault("panels/3/", FaultKind::Malformed, 1);
    let body = app
        .client
        .query(PANEL, json!({ "src": "UK", "id": 3 }))
        .await;
    assert_eq!(error_code(&body), Some("UPSTREAM_UNAVAILABLE"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("malformed"),
        "{body}"
    );
    // A malformed answer for a panel of the snapshot falls back to the snapshot.
    mock.fault("panels/541/", FaultKind::Malformed, 1);
    let body = app
        .client
        .data(PANEL, json!({ "src": "UK", "id": 541 }))
        .await;
    assert_eq!(body["panel"]["dataOrigin"], "SNAPSHOT");
    assert_eq!(body["panel"]["version"], "4.2");
    // The server is still fine.
    let ok = app
        .client
        .data(PANEL, json!({ "src": "UK", "id": 635 }))
        .await;
    assert_eq!(ok["panel"]["dataOrigin"], "LIVE");
}

#[tokio::test]
async fn concurrent_requests_for_one_panel_make_one_upstream_call() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    mock.set_latency(Some(Duration::from_millis(300)));
    let service = app.state.panelapp.clone();
    let results = futures::future::join_all((0..100).map(|_| {
        let service = service.clone();
        async move { service.panel(Source::Uk, 398, None).await }
    }))
    .await;
    for r in &results {
        let r = r.as_ref().map_err(|e| e.message.clone()).unwrap();
        assert_eq!(r.data.entities.len(), 585);
    }
    assert_eq!(mock.calls("/uk/api/v1/panels/398/"), 1);
    // Over GraphQL too, for the catalogue.
    let clients: Vec<_> = (0..20).map(|_| app.new_client()).collect();
    let answers = futures::future::join_all(
        clients
            .iter()
            .map(|c| c.data(PANELS, json!({ "src": "UK", "s": "kidney" }))),
    )
    .await;
    assert!(
        answers
            .iter()
            .all(|a| a["panels"]["totalCount"].as_i64().unwrap() > 0)
    );
    assert_eq!(mock.calls("/uk/api/v1/panels/?page=5"), 1);
    assert_eq!(mock.calls("/uk/api/v1/panels/signedoff/"), 1);
}

#[tokio::test]
async fn a_written_snapshot_is_served_with_panelapp_gone() {
    let mock = MockPanelApp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let (uk, au) = mock.urls();
    let data_dir = dir.path().to_owned();
    let out_arg = out.display().to_string();
    let (code, text) = tokio::task::spawn_blocking(move || {
        let db = format!("sqlite:///{}?mode=rwc", data_dir.join("cli.db").display());
        run_cli(
            &["panelapp", "snapshot", "--out", &out_arg],
            &[
                ("DATABASE_URL", &db),
                ("DATA_DIR", data_dir.to_str().unwrap()),
                ("SECRET_KEY", &"s".repeat(40)),
                ("PANELAPP_UK_URL", &uk),
                ("PANELAPP_AU_URL", &au),
            ],
            &data_dir,
            None,
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("PanelApp UK: 439 panels"), "{text}");
    assert!(out.join("uk/panels/402.json").is_file());
    mock.stop();

    let app = TestApp::spawn(TestConfig {
        vars: [("PANELAPP_SNAPSHOT".to_owned(), out.display().to_string())].into(),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let body = app.client.data(PANELS, json!({ "src": "UK" })).await;
    assert_eq!(body["panels"]["totalCount"], 439);
    assert_eq!(body["panels"]["nodes"][0]["dataOrigin"], "SNAPSHOT");
    let panel = app
        .client
        .data(PANEL, json!({ "src": "UK", "id": 402 }))
        .await;
    assert_eq!(panel["panel"]["dataOrigin"], "SNAPSHOT");
    assert_eq!(
        panel["panel"]["entities"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        915
    );
    let info = app
        .client
        .data(
            "{ serverInfo { panelAppSnapshotOnly panelApp { source dataOrigin } } }",
            json!({}),
        )
        .await;
    assert_eq!(info["serverInfo"]["panelAppSnapshotOnly"], true);
    assert_eq!(info["serverInfo"]["panelApp"][0]["dataOrigin"], "SNAPSHOT");
}

#[tokio::test]
async fn genes_find_their_panels_and_autocomplete() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let c = &app.client;
    let q = "query($s: String!) { panelsByGene(symbol: $s) { source panelId panelName symbol confidence entityType } }";
    let pkd1 = c.data(q, json!({ "s": "pkd1" })).await;
    let hits = pkd1["panelsByGene"].as_array().unwrap();
    assert!(
        hits.iter()
            .any(|h| h["source"] == "AU" && h["panelName"] == "Mendeliome"),
        "{pkd1}"
    );
    assert!(
        hits.iter()
            .any(|h| h["source"] == "UK" && h["panelId"] == 283),
        "{pkd1}"
    );
    // An alias finds the panels of the current symbol.
    let alias = c.data(q, json!({ "s": "AlaRS" })).await;
    let hits = alias["panelsByGene"].as_array().unwrap();
    assert!(
        hits.iter()
            .any(|h| h["panelId"] == 402 && h["symbol"] == "AARS"),
        "{alias}"
    );
    let sugg = c
        .data("{ geneSuggestions(prefix: \"brc\", limit: 5) }", json!({}))
        .await;
    let sugg: Vec<&str> = sugg["geneSuggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        sugg.contains(&"BRCA1") && sugg.contains(&"BRCA2"),
        "{sugg:?}"
    );
}

#[tokio::test]
async fn refresh_panel_app_is_for_admins_and_audited() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let user = app.logged_in("ada", Role::Editor).await;
    let refused = user.query("mutation { refreshPanelApp }", json!({})).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    assert!(
        app.audit_rows(Some(AuditAction::CacheClear))
            .await
            .is_empty()
    );
    let admin = app.logged_in("root", Role::Admin).await;
    let ok = admin
        .data("mutation { refreshPanelApp(source: UK) }", json!({}))
        .await;
    assert_eq!(ok["refreshPanelApp"], true);
    let rows = app.audit_rows(Some(AuditAction::CacheClear)).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].success);
    assert_eq!(rows[0].username.as_deref(), Some("root"));
    assert_eq!(mock.calls("/uk/api/v1/panels/?page=5"), 1);
}

#[tokio::test]
async fn merge_preview_uses_real_panelapp_data() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let body = app
        .client
        .data(
            "query($input: MergeInput!) { mergePreview(input: $input) { total \
             genes { nodes { symbol sources { label listType } } } } }",
            json!({ "input": { "panels": [
                { "source": "UK", "id": 635, "confidence": ["GREEN"] },
                { "source": "UK", "id": 402, "confidence": ["GREEN"] }
            ] } }),
        )
        .await;
    let merged = &body["mergePreview"];
    let genes = merged["genes"]["nodes"].as_array().unwrap();
    assert!(
        merged["total"].as_i64().unwrap() > 600,
        "{}",
        merged["total"]
    );
    let brca1 = genes.iter().find(|g| g["symbol"] == "BRCA1").unwrap();
    assert_eq!(brca1["sources"][0]["listType"], "Green");
    assert!(
        brca1["sources"][0]["label"]
            .as_str()
            .unwrap()
            .contains("Inherited breast cancer"),
        "{brca1}"
    );
    assert_eq!(mock.calls("/uk/api/v1/panels/635/"), 1);
    assert_eq!(mock.calls("/uk/api/v1/panels/402/"), 1);
}

#[tokio::test]
async fn a_cold_sync_uses_bounded_concurrency() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[("PANELAPP_CONCURRENCY", "8")]).await;
    mock.set_latency(Some(Duration::from_millis(50)));
    let started = std::time::Instant::now();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let s = seen.clone();
    let report = app
        .state
        .panelapp
        .sync(
            Source::Uk,
            std::sync::Arc::new(move |done, _| {
                s.store(done, std::sync::atomic::Ordering::Relaxed);
            }),
        )
        .await
        .map_err(|e| e.message)
        .unwrap();
    let elapsed = started.elapsed();
    // 5 catalogue pages and the signed-off list one after the other, then 439 details
    // (16 exist in the fixtures; the mock answers 404 for the rest) 8 at a time.
    assert_eq!(report.panels, 439);
    assert_eq!(report.details, 16);
    assert_eq!(report.failed.len(), 423);
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 439);
    // The bound is proved by the mock's own count of requests in flight, not by a wall-clock
    // time (which a loaded machine stretches).
    assert_eq!(mock.max_in_flight(), 8, "concurrency is used and bounded");
    let serial = Duration::from_millis(50 * (439 + 6));
    println!(
        "cold UK sync with 50 ms latency, concurrency 8: {elapsed:?} (serial would be {serial:?})"
    );
}

#[tokio::test]
async fn counts_follow_the_version_the_catalogue_lists() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let c = &app.client;
    const LISTED: &str = "query($s: String) { panels(search: $s, source: UK, first: 1) {
        nodes { id version counts { green amber red grey } } } }";
    let name = json!({ "s": "Idiopathic ventricular fibrillation" });
    let old = c.data(PANEL, json!({ "src": "UK", "id": 277 })).await;
    assert_eq!(old["panel"]["version"], "1.3");
    let listed = c.data(LISTED, name.clone()).await;
    let row = &listed["panels"]["nodes"][0];
    assert_eq!((&row["id"], &row["version"]), (&json!(277), &json!("1.3")));
    assert_eq!(row["counts"], old["panel"]["counts"], "{listed}");

    // PanelApp publishes 1.4 and lists it: the counts of 1.3 are not shown for 1.4.
    let v = mock.publish_version("uk", 277, tests::mock_panelapp::ivf_moves_on);
    assert_eq!(v, "1.4");
    mock.list_version("uk", 277, &v);
    app.state.panelapp.refresh(Some(Source::Uk)).await.unwrap();
    let listed = c.data(LISTED, name.clone()).await;
    let row = &listed["panels"]["nodes"][0];
    assert_eq!(row["version"], "1.4", "{listed}");
    assert_eq!(row["counts"], Value::Null, "{listed}");

    // Once 1.4 is read, its own counts are listed.
    let new = c
        .data(PANEL, json!({ "src": "UK", "id": 277, "v": "1.4" }))
        .await;
    let counts = &new["panel"]["counts"];
    let n = |k: &str, body: &Value| body[k].as_i64().unwrap();
    let was = &old["panel"]["counts"];
    // KCNJ8 (red) dropped, SCN5A amber → green, KCNH2 added green.
    assert_eq!(
        (n("green", counts), n("amber", counts), n("red", counts)),
        (n("green", was) + 2, n("amber", was) - 1, n("red", was) - 1),
        "{new}"
    );
    let listed = c.data(LISTED, name).await;
    assert_eq!(listed["panels"]["nodes"][0]["counts"], *counts, "{listed}");
}
