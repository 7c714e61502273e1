//! Redis going away mid-flight (a real `redis-server` of the test's own, killed and started
//! again on the same port): what needs the shared store answers SERVICE_UNAVAILABLE at once,
//! anonymous reading and merging go on, and service resumes by itself. Also: the in-memory
//! parsed-panel cache stays within its bound however many versions visitors ask for.

use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use server::backend::{Backends, MemoryLimits, RedisOptions};
use shared::Role;
use tests::client::error_code;
use tests::mock_panelapp::edit;
use tests::services::{self, RedisServer};
use tests::{Backend, MockPanelApp, PASSWORD, PgDatabase, SharedStore, TestApp, TestConfig};

const CATALOGUE: &str = "{ panels(source: UK, first: 5) { totalCount nodes { id name } } }";
const MERGE: &str = "query($input: MergeInput!) { mergePreview(input: $input) { total } }";
const ME: &str = "{ me { username } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";

fn merge_input(id: u32, version: Option<&str>) -> Value {
    json!({ "input": { "panels": [
        { "source": "UK", "id": id, "version": version, "confidence": ["GREEN", "AMBER", "RED"] }
    ] } })
}

/// POSTs one operation with the client's cookies; `(status, body, how long it took)`.
async fn timed(client: &tests::GraphqlClient, query: &str) -> (u16, Value, Duration) {
    let body = serde_json::to_vec(&json!({ "query": query })).unwrap();
    let started = Instant::now();
    let (status, body) = client.post_raw("application/json", body).await;
    (status, body, started.elapsed())
}

async fn login_rows(app: &TestApp) -> usize {
    app.audit_rows(Some(shared::AuditAction::Login)).await.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_fails_fast_where_it_must_and_heals_by_itself() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let Some(pg_url) = services::database_url() else {
        return;
    };
    let pg = PgDatabase::create(&pg_url).await;
    let mock = MockPanelApp::start().await;
    let store = SharedStore {
        database_url: pg.url.clone(),
        redis_url: Some(redis.url()),
        redis_prefix: format!("pmtest:{}:", uuid::Uuid::new_v4().simple()),
        secret_key: format!("test-secret-{}", uuid::Uuid::new_v4().simple()),
        encryption_key: server::config::EncryptionKey::generate()
            .to_base64()
            .expose()
            .to_owned(),
    };
    let app = TestApp::spawn(TestConfig {
        backend: Some(Backend::PostgresRedis),
        share_with: Some(store),
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    app.create_user("alice", Role::User).await;
    let alice = app.new_client();
    alice.login("alice", PASSWORD).await;
    assert_eq!(
        alice.data(ME, json!({})).await["me"]["username"],
        "alice",
        "logged in before the outage"
    );
    let anonymous = app.new_client();
    let catalogue = anonymous.data(CATALOGUE, json!({})).await;
    let merged_277 =
        anonymous.data(MERGE, merge_input(277, None)).await["mergePreview"]["total"].clone();
    assert!(merged_277.as_u64().unwrap() > 0);

    redis.stop();

    // The first request after the crash: a logged-in one needs the session store.
    let (status, body, took) = timed(&alice, ME).await;
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
    assert_eq!(status, 503);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("session store (Redis) is unreachable"),
        "{body}"
    );
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    // The breaker is open now: no request waits on Redis any more.
    let (_, body, took) = timed(&alice, ME).await;
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
    assert!(took < Duration::from_millis(500), "took {took:?}");
    assert!(app.state.backends.shared_store_down());
    // Still ready for a load balancer (the database answers): degraded, not taken out.
    let ready = reqwest::get(app.client.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["cache"]["detail"]["ok"], false, "{ready}");

    // Anonymous reading and merging go on (rate limits count locally meanwhile).
    let started = Instant::now();
    assert_eq!(anonymous.data(CATALOGUE, json!({})).await, catalogue);
    assert_eq!(
        anonymous.data(MERGE, merge_input(277, None)).await["mergePreview"]["total"],
        merged_277
    );
    // ... also of a panel not read before (PanelApp asked without the shared cache).
    let fresh = anonymous.data(MERGE, merge_input(156, None)).await;
    assert!(
        fresh["mergePreview"]["total"].as_u64().unwrap() > 0,
        "{fresh}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no Redis waits: {:?}",
        started.elapsed()
    );

    // A login needs Redis: it fails cleanly, before anything is written.
    let rows_before = login_rows(&app).await;
    let bob = app.new_client();
    let body = bob
        .query(
            LOGIN,
            json!({ "i": { "login": "alice", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
    // The attempt is audited as failed (the trail lives in the database), nothing more.
    let rows = app.audit_rows(Some(shared::AuditAction::Login)).await;
    let new: Vec<_> = rows[rows_before..]
        .iter()
        .map(|r| (r.success, r.error_message.as_deref()))
        .collect();
    assert_eq!(
        new,
        [(
            false,
            Some("the session store (Redis) is unreachable; try again shortly")
        )]
    );
    let row = entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq("alice"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.login_count, 1, "the failed login did not count as one");

    // Redis comes back (empty): service resumes by itself.
    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let carol = app.new_client();
    loop {
        let body = carol
            .query(
                LOGIN,
                json!({ "i": { "login": "alice", "password": PASSWORD } }),
            )
            .await;
        if body.get("errors").is_none() {
            assert_eq!(body["data"]["login"]["user"]["username"], "alice");
            break;
        }
        assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!app.state.backends.shared_store_down());
    assert_eq!(
        carol.data(ME, json!({})).await["me"]["username"],
        "alice",
        "a session made after the restart works"
    );
    // Alice's first session lived in the Redis that was lost: she is simply logged out.
    assert_eq!(alice.data(ME, json!({})).await["me"], Value::Null);
    assert_eq!(
        anonymous.data(CATALOGUE, json!({})).await,
        catalogue,
        "and reading goes on"
    );
    drop(app);
    drop(pg);
}

#[tokio::test]
async fn the_redis_backend_degrades_per_service_and_recovers() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let prefix = format!("pmtest:{}:", uuid::Uuid::new_v4().simple());
    let options = RedisOptions {
        command_timeout: Duration::from_millis(300),
        local: MemoryLimits::default(),
    };
    let a = Backends::redis_with(&redis.url(), &prefix, options)
        .await
        .unwrap();
    let b = Backends::redis_with(&redis.url(), &prefix, options)
        .await
        .unwrap();
    let mut on_a = a.pubsub.subscribe("audit").await.unwrap();
    let window = Duration::from_secs(60);
    assert_eq!(a.counters.hit("rl:ip:x:m", window).await.unwrap().count, 1);

    redis.stop();
    let started = Instant::now();
    let e = a.sessions.get("s").await.unwrap_err();
    assert!(e.unavailable, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert!(a.cache.get("k").await.unwrap_err().unavailable);
    assert!(
        a.counters
            .hit("loginfail:user:1", window)
            .await
            .unwrap_err()
            .unavailable,
        "lockout counters need the shared store"
    );
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "the breaker is open"
    );
    // Request rate limits count in process memory meanwhile.
    assert_eq!(a.counters.hit("rl:ip:x:m", window).await.unwrap().count, 1);
    assert_eq!(a.counters.hit("rl:ip:x:m", window).await.unwrap().count, 2);
    // Events reach this instance's subscribers.
    a.pubsub.publish("audit", "local".into()).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(2), on_a.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, "local");
    // A subscription made during the outage is completed once Redis is back.
    let mut late_on_a = a.pubsub.subscribe("accounts").await.unwrap();

    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while a.shared_store_down() || a.cache.ping().await.is_err() {
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // b may not have noticed the outage at all: its first command reconnects or trips.
    let deadline = Instant::now() + Duration::from_secs(15);
    while b.cache.ping().await.is_err() || b.shared_store_down() {
        assert!(Instant::now() < deadline, "no recovery of b within 15 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.sessions
        .put("s", 1, b"record", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        b.sessions.get("s").await.unwrap().as_deref(),
        Some(&b"record"[..])
    );
    assert_eq!(
        a.counters.hit("rl:ip:x:m", window).await.unwrap().count,
        1,
        "counting is shared (in the new Redis) again"
    );
    b.pubsub.publish("accounts", "from b".into()).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), late_on_a.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, "from b", "events cross instances again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_many_historical_versions_keeps_the_panel_cache_bounded() {
    let mock = MockPanelApp::start().await;
    let bound: usize = 64 << 10;
    let mut config = TestConfig {
        backend: Some(Backend::Sqlite),
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    };
    config
        .vars
        .insert("PANEL_CACHE_MAX_BYTES".into(), bound.to_string());
    let app = TestApp::spawn(config).await.unwrap();
    let c = &app.client;
    let base = c.data(MERGE, merge_input(277, Some("1.3"))).await["mergePreview"]["total"]
        .as_u64()
        .unwrap();
    // Every published version adds one gene.
    let versions: Vec<String> = (0..30)
        .map(|i| {
            mock.publish_version("uk", 277, |p| {
                edit::add_gene(
                    p,
                    &format!("ZZTEST{i}"),
                    &format!("HGNC:{}", 900_000 + i),
                    "x",
                )
            })
        })
        .collect();
    for (i, v) in versions.iter().enumerate() {
        let total = c.data(MERGE, merge_input(277, Some(v))).await["mergePreview"]["total"]
            .as_u64()
            .unwrap();
        assert_eq!(total, base + i as u64 + 1, "version {v}");
        let (_, bytes, max) = app.state.panelapp.parsed_cache_usage();
        assert_eq!(max, bound);
        assert!(bytes <= bound, "{bytes} bytes held after version {v}");
    }
    let (held, bytes, _) = app.state.panelapp.parsed_cache_usage();
    assert!(held < versions.len(), "{held} versions held, {bytes} bytes");
    // An evicted version still answers (from the PanelApp cache layer) and correctly.
    let again = c.data(MERGE, merge_input(277, Some(&versions[0]))).await;
    assert_eq!(again["mergePreview"]["total"].as_u64().unwrap(), base + 1);
    let usage = app.state.backends.memory_usage().unwrap();
    assert!(usage.cache_bytes <= usage.limits.cache_bytes, "{usage:?}");
}
