//! The walking skeleton: serverInfo, probes, request limits, GraphiQL, the web app, WebSockets.

use serde_json::{Value, json};
use tests::client::error_code;
use tests::on_both_backends;
use tests::ws::WsClient;

const SERVER_INFO: &str = "{ serverInfo { version database cache environment } }";

on_both_backends!(
    server_info_names_version_database_and_cache,
    |app: tests::TestApp| async move {
        let data = app.client.data(SERVER_INFO, json!({})).await;
        let info = &data["serverInfo"];
        assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(info["environment"], "DEVELOPMENT");
        match app.backend {
            tests::Backend::Sqlite => {
                assert_eq!(info["database"], "SQLITE");
                assert_eq!(info["cache"], "MEMORY");
            }
            tests::Backend::PostgresRedis => {
                assert_eq!(info["database"], "POSTGRES");
                assert_eq!(info["cache"], "REDIS");
            }
        }
    }
);

on_both_backends!(
    probes_report_process_and_dependencies,
    |app: tests::TestApp| async move {
        let health: Value = reqwest::get(app.client.url("/healthz"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok");
        let ready = reqwest::get(app.client.url("/readyz")).await.unwrap();
        assert_eq!(ready.status(), 200);
        let ready: Value = ready.json().await.unwrap();
        assert_eq!(ready["status"], "ready");
        assert_eq!(ready["database"]["ok"], true);
        assert_eq!(ready["cache"]["detail"]["ok"], true);
        let expected = if app.backend == tests::Backend::Sqlite {
            "memory"
        } else {
            "redis"
        };
        assert_eq!(ready["cache"]["backend"], expected);
    }
);

#[tokio::test]
async fn a_json_body_over_the_limit_is_refused_with_payload_too_large() {
    let app = tests::TestApp::sqlite().await;
    let padding = "x".repeat(3 * 1024 * 1024);
    let body = json!({ "query": SERVER_INFO, "variables": { "padding": padding } });
    let (status, response) = app
        .client
        .post_raw("application/json", serde_json::to_vec(&body).unwrap())
        .await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&response), Some("PAYLOAD_TOO_LARGE"));
    assert_eq!(response["errors"][0]["extensions"]["limit"], 1024 * 1024);
}

#[tokio::test]
async fn non_json_posts_are_refused_before_execution() {
    let app = tests::TestApp::sqlite().await;
    let body = json!({ "query": SERVER_INFO }).to_string().into_bytes();
    let (status, response) = app.client.post_raw("text/plain", body.clone()).await;
    assert_eq!(status, 415);
    assert_eq!(error_code(&response), Some("VALIDATION"));
    assert!(response.get("data").is_none());
    let (status, response) = app
        .client
        .post_raw("application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(status, 415);
    assert_eq!(error_code(&response), Some("VALIDATION"));
    let (status, response) = app
        .client
        .post_raw("multipart/form-data; boundary=x", b"--x--".to_vec())
        .await;
    assert_eq!(
        status, 403,
        "multipart without a preflight header is a CSRF risk"
    );
    assert_eq!(error_code(&response), Some("FORBIDDEN"));
}

#[tokio::test]
async fn queries_deeper_than_the_limit_are_refused() {
    let app = tests::TestApp::sqlite().await;
    // __schema > types > fields > type > ofType x 9: 13 levels, over the limit of 12.
    let mut inner = "name".to_owned();
    for _ in 0..9 {
        inner = format!("ofType {{ {inner} }}");
    }
    let deep = format!("{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}");
    let body = app.client.query(&deep, json!({})).await;
    assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "depth");
    assert!(body["data"].is_null());
    // The same shape within the limit runs.
    let mut inner = "name".to_owned();
    for _ in 0..5 {
        inner = format!("ofType {{ {inner} }}");
    }
    let ok = format!("{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}");
    let body = app.client.query(&ok, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn too_many_aliases_and_oversized_batches_are_refused() {
    let app = tests::TestApp::sqlite().await;
    let aliased: String = (0..51)
        .map(|i| format!("a{i}: serverInfo {{ version }} "))
        .collect();
    let body = app
        .client
        .query(&format!("{{ {aliased} }}"), json!({}))
        .await;
    assert_eq!(error_code(&body), Some("VALIDATION"));
    assert_eq!(body["errors"][0]["extensions"]["limit"], "aliases");

    let batch: Vec<Value> = (0..11).map(|_| json!({ "query": SERVER_INFO })).collect();
    let (status, response) = app
        .client
        .post_raw("application/json", serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&response), Some("VALIDATION"));
    assert_eq!(response["errors"][0]["extensions"]["limit"], "batch");

    let batch: Vec<Value> = (0..3).map(|_| json!({ "query": SERVER_INFO })).collect();
    let (status, response) = app
        .client
        .post_raw("application/json", serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(status, 200);
    assert_eq!(response.as_array().unwrap().len(), 3);
    assert_eq!(
        response[2]["data"]["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test]
async fn queries_work_over_get_and_graphiql_serves_browsers() {
    let app = tests::TestApp::sqlite().await;
    let (status, body) = app.client.get_query(SERVER_INFO).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["serverInfo"]["database"], "SQLITE");

    let page = app
        .client
        .http
        .get(app.client.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.to_lowercase().contains("graphiql"),
        "GraphiQL page expected"
    );
}

#[tokio::test]
async fn unknown_fields_get_a_validation_code() {
    let app = tests::TestApp::sqlite().await;
    let body = app.client.query("{ noSuchField }", json!({})).await;
    assert_eq!(error_code(&body), Some("VALIDATION"));
}

#[tokio::test]
async fn the_web_app_is_served_with_spa_fallback_and_security_headers() {
    let app = tests::TestApp::sqlite().await;
    for path in ["/", "/panels/uk/402", "/admin/audit"] {
        let response = reqwest::get(app.client.url(path)).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("<title>test</title>"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn websockets_check_origin_and_speak_graphql_transport_ws() {
    let app = tests::TestApp::sqlite().await;
    let url = app.ws_url();
    let refused = WsClient::open(&url, &[("origin", "https://evil.example")]).await;
    assert!(refused.is_err(), "a foreign origin must be refused");
    let own_origin = format!("http://127.0.0.1:{}", app.port);
    let mut ws = WsClient::connect(&url, &[("origin", &own_origin)], json!({}))
        .await
        .unwrap();
    // Queries also run over the socket (graphql-transport-ws `subscribe` of a query).
    let id = ws.subscribe(SERVER_INFO, json!({})).await;
    let payload = ws
        .next_data(&id, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        payload["data"]["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test]
async fn shutdown_is_graceful_and_closes_websockets() {
    let app = tests::TestApp::sqlite().await;
    let mut ws = WsClient::connect(&app.ws_url(), &[], json!({}))
        .await
        .unwrap();
    app.stop().await;
    let closed = ws
        .closed(std::time::Duration::from_secs(5))
        .await
        .expect("socket closed");
    assert_eq!(closed.code, 1001);
}

/// The script policy of everything the app serves: only files of its own origin, nothing
/// inline, no third-party origin. GraphiQL alone (a development page) gets a wider one.
fn script_sources(csp: &str) -> Vec<String> {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("script-src "))
        .expect("a script-src directive")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_content_security_policy_allows_no_inline_script_and_no_other_origin() {
    let app = tests::TestApp::sqlite().await;
    for path in ["/", "/panels/uk/402", "/healthz"] {
        let response = reqwest::get(app.client.url(path)).await.unwrap();
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            script_sources(&csp),
            ["'self'", "'wasm-unsafe-eval'"],
            "{path}: {csp}"
        );
        assert!(!csp.contains("http"), "no other origin anywhere: {csp}");
        assert!(csp.contains("object-src 'none'"), "{csp}");
    }
    let graphiql = reqwest::Client::new()
        .get(app.client.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let csp = graphiql.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(script_sources(&csp).contains(&"https://unpkg.com".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shows_the_server_version_rendered_by_the_wasm_app() {
    let app = tests::TestApp::spawn(tests::TestConfig {
        with_web_app: true,
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    tests::browser::run_script(
        "server_version.mjs",
        &app.address,
        &[("EXPECTED_VERSION", env!("CARGO_PKG_VERSION"))],
    )
    .await;
    if !tests::browser::ready() {
        return;
    }
    // The app above started under the policy; the built page has no inline script at all.
    let index = reqwest::get(app.client.url("/")).await.unwrap();
    let html = index.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(
        !scripts.is_empty(),
        "the page loads its boot script: {html}"
    );
    for script in scripts {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(" src="),
            "inline script in index.html: <script{script}"
        );
    }
}

/// A missing required variable is the caller's mistake: VALIDATION naming the variable, never
/// INTERNAL (it was "internal error" for `Int!`, `ID!`, `String!` and enums alike).
#[tokio::test]
async fn missing_required_variables_are_validation_errors_naming_them() {
    let app = tests::TestApp::sqlite().await;
    for (query, variable) in [
        (
            "query($id: Int!) { panel(source: UK, id: $id) { name } }",
            "id",
        ),
        (
            "query($s: PanelSource!) { panel(source: $s, id: 402) { name } }",
            "s",
        ),
        (
            "query($q: String!) { panels(search: $q, first: 1) { totalCount } }",
            "q",
        ),
        ("query($id: ID!) { savedPanel(id: $id) { name } }", "id"),
        (
            "mutation($i: LoginInput!) { login(input: $i) { user { id } } }",
            "i",
        ),
    ] {
        let body = app.client.query(query, json!({})).await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{query}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("${variable}")),
            "{query}: {message}"
        );
        assert_ne!(message, "internal error");
    }
}

#[tokio::test]
async fn missing_variables_of_the_operation_that_runs_are_named() {
    let app = tests::TestApp::sqlite().await;
    let document = "query A($id: Int!) { panel(source: UK, id: $id) { name } } \
                    query B { serverInfo { version } }";
    let run = |name: &str| {
        serde_json::to_vec(&json!({ "query": document, "operationName": name, "variables": {} }))
            .unwrap()
    };
    let (_, body) = app.client.post_raw("application/json", run("A")).await;
    assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["variables"], json!(["id"]));
    let (_, body) = app.client.post_raw("application/json", run("B")).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["serverInfo"]["version"].is_string(), "{body}");
}
