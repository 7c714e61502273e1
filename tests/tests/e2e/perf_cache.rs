//! Issue 18: answers to public catalogue queries are cached (anonymous callers) and GETs of them
//! carry `ETag` / `Cache-Control` and answer `304`; a refresh or newly learnt counts show at
//! once; nothing cached ever reaches another caller's non-public answer; rate limits still
//! count every request.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{MockPanelApp, TestApp, TestConfig};

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

const EPILEPSY: &str = "{ panels(search: \"Early onset or syndromic epilepsy\", source: UK, \
    first: 1) { nodes { id version counts { green } } } }";

/// A GET of `/graphql?query=...` with extra headers: status, headers, body text.
async fn get(
    client: &tests::GraphqlClient,
    query: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = client
        .http
        .get(client.url("/graphql"))
        .query(&[("query", query)]);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_gets_carry_an_etag_and_answer_304() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let c = &app.client;
    let (status, headers, body) = get(c, EPILEPSY, &[]).await;
    assert_eq!(status, 200, "{body}");
    let first: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(first["data"]["panels"]["nodes"][0]["id"], 402, "{first}");
    let etag = header(&headers, "etag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let policy = header(&headers, "cache-control").unwrap();
    assert!(policy.contains("max-age=30"), "{policy}");
    assert_eq!(header(&headers, "vary"), Some("Accept"));

    // The same again (served from the cache): the same tag.
    let (_, again, body_again) = get(c, EPILEPSY, &[]).await;
    assert_eq!(header(&again, "etag"), Some(etag.as_str()));
    assert_eq!(body_again, body);

    let (status, headers, body) = get(c, EPILEPSY, &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    assert!(body.is_empty(), "{body}");
    assert_eq!(header(&headers, "etag"), Some(etag.as_str()));
    let weak_list = format!("\"nope\", W/{etag}");
    let (status, _, _) = get(c, EPILEPSY, &[("if-none-match", &weak_list)]).await;
    assert_eq!(status, 304);
    let (status, _, body) = get(c, EPILEPSY, &[("if-none-match", "\"other\"")]).await;
    assert_eq!(status, 200);
    assert!(body.contains("402"), "{body}");

    // A logged-in caller gets the same tag, but only private caching.
    let ada = app.logged_in("ada", Role::User).await;
    let (status, headers, _) = get(&ada, EPILEPSY, &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    assert!(
        header(&headers, "cache-control")
            .unwrap()
            .starts_with("private"),
        "{headers:?}"
    );

    // Anything not purely catalogue data: no tag, never stored.
    for query in [
        "{ me { username } }",
        "{ panels(first: 1) { totalCount } me { id } }",
    ] {
        let (status, headers, body) = get(&ada, query, &[("if-none-match", "*")]).await;
        assert_eq!(status, 200, "{body}");
        assert!(headers.get("etag").is_none(), "{query}");
        assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    }
    // Nor an answer with errors.
    let missing = "{ panel(source: UK, id: 999999) { name } }";
    let (status, headers, body) = get(c, missing, &[]).await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    assert!(headers.get("etag").is_none());
    // POST answers are never cacheable by HTTP caches.
    let response = c
        .http
        .post(c.url("/graphql"))
        .json(&json!({ "query": EPILEPSY }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(response.headers(), "cache-control"),
        Some("no-store")
    );
    assert!(response.headers().get("etag").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_and_new_counts_show_in_cached_answers_at_once() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let anonymous = app.new_client();
    let listed = anonymous.data(EPILEPSY, json!({})).await;
    let node = &listed["panels"]["nodes"][0];
    assert_eq!(node["version"], "8.125", "{listed}");
    assert_eq!(node["counts"], Value::Null);
    let (_, headers, _) = get(&anonymous, EPILEPSY, &[]).await;
    let etag = header(&headers, "etag").unwrap().to_owned();

    // Reading the panel teaches the server its counts: the next listing shows them.
    let detail = anonymous
        .data("{ panel(source: UK, id: 402) { version } }", json!({}))
        .await;
    assert_eq!(detail["panel"]["version"], "8.125");
    let counted = anonymous.data(EPILEPSY, json!({})).await;
    assert!(
        counted["panels"]["nodes"][0]["counts"]["green"].as_i64() > Some(0),
        "{counted}"
    );
    let (status, headers, _) = get(&anonymous, EPILEPSY, &[("if-none-match", &etag)]).await;
    assert_eq!(status, 200, "the counts changed the answer");
    let etag = header(&headers, "etag").unwrap().to_owned();

    // PanelApp publishes 8.126; an admin refreshes: the very next anonymous answer has it.
    let next = mock.publish_version("uk", 402, |_| {});
    mock.list_version("uk", 402, &next);
    let admin = app.logged_in("root", Role::Admin).await;
    admin
        .data("mutation { refreshPanelApp(source: UK) }", json!({}))
        .await;
    let refreshed = anonymous.data(EPILEPSY, json!({})).await;
    assert_eq!(
        refreshed["panels"]["nodes"][0]["version"],
        next.as_str(),
        "{refreshed}"
    );
    let (status, headers, body) = get(&anonymous, EPILEPSY, &[("if-none-match", &etag)]).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(header(&headers, "etag"), Some(etag.as_str()));
    assert!(body.contains(&next), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_answers_never_reach_another_caller() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    let anonymous = app.new_client();
    let ada = app.logged_in("ada", Role::User).await;
    let bob = app.logged_in("bob", Role::Editor).await;
    // The same bytes from everyone, public and private fields mixed, anonymous first.
    let mixed = "{ panels(source: UK, first: 1) { totalCount } me { username role } }";
    for _ in 0..2 {
        let body = anonymous.data(mixed, json!({})).await;
        assert_eq!(body["me"], Value::Null, "{body}");
        let body = ada.data(mixed, json!({})).await;
        assert_eq!(body["me"]["username"], "ada", "{body}");
        let body = bob.data(mixed, json!({})).await;
        assert_eq!(body["me"]["username"], "bob", "{body}");
        assert_eq!(body["me"]["role"], "EDITOR", "{body}");
    }
    let (_, headers, body) = get(&ada, mixed, &[]).await;
    assert!(body.contains("\"ada\""), "{body}");
    assert!(headers.get("etag").is_none());

    // A public search warmed by an anonymous caller still runs, and is audited, for ada.
    let search = "{ panels(search: \"epilepsy\", first: 2) { totalCount } }";
    anonymous.data(search, json!({})).await;
    anonymous.data(search, json!({})).await;
    ada.data(search, json!({})).await;
    let rows = app.audit_rows(Some(AuditAction::Search)).await;
    assert!(
        rows.iter()
            .any(|r| r.username.as_deref() == Some("ada") && r.success),
        "ada's search is audited although the anonymous answer was cached"
    );

    // An API token without the READ scope is refused even where an anonymous answer is held.
    let created = ada
        .data(
            "mutation { createApiToken(name: \"w\", scopes: [WRITE]) { secret } }",
            json!({}),
        )
        .await;
    let secret = created["createApiToken"]["secret"].as_str().unwrap();
    let writer = tests::GraphqlClient::new(&app.address).with_bearer(secret);
    let refused = writer.query(search, json!({})).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_answers_still_count_against_the_rate_limit() {
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[("RATE_LIMIT_PER_MINUTE", "5")]).await;
    let c = &app.client;
    for _ in 0..5 {
        let body = c.query("{ __typename }", json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let response = c
        .http
        .post(c.url("/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
}

#[test]
fn seed_scale_writes_a_verifiable_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let vars = [("DATA_DIR", data.as_str()), ("SECRET_KEY", &"s".repeat(40))];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, *v)).collect();
    let (code, out) = tests::run_cli(&["migrate", "up"], &vars, dir.path(), None);
    assert_eq!(code, 0, "{out}");
    let seed = [
        "seed-scale",
        "--users",
        "5",
        "--panels",
        "6",
        "--versioned",
        "2",
        "--versions",
        "3",
        "--audit",
        "1200",
    ];
    let (code, out) = tests::run_cli(&seed, &vars, dir.path(), None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("users: 5"), "{out}");
    // 6 PANEL_CREATE and 2 × 2 PANEL_UPDATE rows from the services, the rest in bulk (more
    // than one multi-row INSERT).
    assert!(out.contains("audit rows: 1190 added"), "{out}");
    let (code, out) = tests::run_cli(&["audit", "verify"], &vars, dir.path(), None);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("audit chain OK: 1200 row(s) verified"),
        "{out}"
    );
}

/// A cached answer goes out gzip-compressed (compressed once, not per request) to clients that
/// accept gzip, as itself to those that do not, and is never compressed twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_answers_are_sent_gzipped_once_compressed() {
    use std::io::Read as _;
    let mock = MockPanelApp::start().await;
    let app = app_with(&mock, &[]).await;
    // No automatic decompression: the test reads the bytes as sent.
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let list = json!({ "query": "{ panels(source: UK, first: 100) { totalCount nodes { id name \
        diseaseGroup relevantDisorders } } }" });
    let post = |encoding: Option<&'static str>| {
        let mut request = raw.post(app.client.url("/graphql")).json(&list);
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        async move {
            let response = request.send().await.unwrap();
            let headers = response.headers().clone();
            (headers, response.bytes().await.unwrap())
        }
    };
    let (_, plain) = post(None).await;
    let plain: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(plain["data"]["panels"]["totalCount"], 439, "{plain}");
    for round in 0..2 {
        let (headers, body) = post(Some("br;q=0, gzip")).await;
        assert_eq!(
            header(&headers, "content-encoding"),
            Some("gzip"),
            "round {round}"
        );
        let vary: Vec<_> = headers.get_all("vary").iter().collect();
        assert!(
            vary.iter()
                .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding")),
            "{vary:?}"
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .unwrap();
        let decoded: Value = serde_json::from_str(&text).expect("one layer of gzip, then JSON");
        assert_eq!(decoded, plain, "round {round}");
    }
    let (headers, body) = post(Some("identity")).await;
    assert!(headers.get("content-encoding").is_none(), "{headers:?}");
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), plain);
}
