//! Subscriptions across instances: the live audit feed and the admin-message banners.

use std::time::Duration;

use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::ws::WsClient;
use tests::{PASSWORD, TestApp, on_both_backends};

const FEED: &str = "subscription($f: AuditEventFilter) { auditEvents(filter: $f) { id action username resource description success at securityEvent missedBefore } }";
const BANNERS: &str =
    "subscription { adminMessages { change messageId visible { id title type expiresAt } } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";
const WAIT: Duration = Duration::from_secs(10);

async fn socket_for(app: &TestApp, client: &tests::GraphqlClient) -> WsClient {
    let cookie = client.cookie_header();
    WsClient::connect(&app.ws_url(), &[("cookie", &cookie)], json!({}))
        .await
        .unwrap()
}

/// The next `next` payload of `id`, skipping nothing else (panics on timeout).
async fn next(ws: &mut WsClient, id: &str) -> Value {
    ws.next_data(id, WAIT)
        .await
        .expect("a message before the timeout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_on_one_instance_reaches_an_admin_subscribed_on_another() {
    let Some(a) = TestApp::postgres_redis().await else {
        return;
    };
    let b = a.sibling().await;
    let admin = b.logged_in("root", Role::Admin).await;
    a.create_user("ada", Role::User).await;
    let mut ws = socket_for(&b, &admin).await;
    let id = ws
        .subscribe(FEED, json!({ "f": { "actions": ["LOGIN"] } }))
        .await;
    // The subscription is live once a first event can arrive; make one on B to be sure.
    b.new_client()
        .query(
            LOGIN,
            json!({ "i": { "login": "nobody", "password": "x y z w v" } }),
        )
        .await;
    let first = next(&mut ws, &id).await;
    assert_eq!(first["data"]["auditEvents"]["success"], false);
    a.new_client().login("ada", PASSWORD).await;
    let event = next(&mut ws, &id).await;
    let e = &event["data"]["auditEvents"];
    assert_eq!(e["action"], "LOGIN");
    assert_eq!(e["username"], "ada");
    assert_eq!(e["success"], true);
    assert_eq!(e["missedBefore"], 0);
    let row_id: i32 = tests::db_id(e["id"].as_str().unwrap());
    let rows = a.audit_rows(Some(AuditAction::Login)).await;
    assert!(
        rows.iter()
            .any(|r| r.id == row_id && r.username.as_deref() == Some("ada")),
        "the event is the committed row"
    );
}

// `userIds` narrows the feed to the accounts named (global ids or plain numbers); an id that
// is no user's is refused up front, naming the field.
on_both_backends!(
    the_audit_feed_narrows_to_the_accounts_named,
    |app: TestApp| async move {
        let admin = app.logged_in("root", Role::Admin).await;
        app.create_user("ada", Role::User).await;
        let ada = app.new_client().login("ada", PASSWORD).await;
        let ada_id = ada["login"]["user"]["id"].as_str().unwrap().to_owned();
        let carl = app.create_user("carl", Role::User).await;
        app.create_user("bob", Role::User).await;
        let mut ws = socket_for(&app, &admin).await;
        let filter =
            json!({ "f": { "actions": ["LOGIN"], "userIds": [ada_id, carl.id.to_string()] } });
        let id = ws.subscribe(FEED, filter).await;
        // Live once one of ada's logins arrives.
        let mut live = None;
        for _ in 0..50 {
            app.new_client().login("ada", PASSWORD).await;
            if let Some(m) = ws.next_data(&id, Duration::from_millis(200)).await {
                live = Some(m);
                break;
            }
        }
        let live = live.expect("the feed delivers ada's login");
        assert_eq!(live["data"]["auditEvents"]["username"], "ada", "{live}");
        while ws
            .next_data(&id, Duration::from_millis(300))
            .await
            .is_some()
        {}
        // Bob is not named: his login is published first and never delivered.
        app.new_client().login("bob", PASSWORD).await;
        app.new_client().login("carl", PASSWORD).await;
        app.new_client().login("ada", PASSWORD).await;
        let first = next(&mut ws, &id).await;
        assert_eq!(first["data"]["auditEvents"]["username"], "carl", "{first}");
        let second = next(&mut ws, &id).await;
        assert_eq!(second["data"]["auditEvents"]["username"], "ada", "{second}");

        let refused = ws
            .subscribe(FEED, json!({ "f": { "userIds": ["not-a-user"] } }))
            .await;
        let answer = next(&mut ws, &refused).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "VALIDATION",
            "{answer}"
        );
        assert_eq!(
            answer["errors"][0]["extensions"]["field"], "userIds",
            "{answer}"
        );
    }
);

on_both_backends!(
    non_admins_can_not_subscribe_to_the_audit_feed,
    |app: TestApp| async move {
        let user = app.logged_in("ada", Role::Editor).await;
        let mut ws = socket_for(&app, &user).await;
        let id = ws.subscribe(FEED, json!({})).await;
        let answer = next(&mut ws, &id).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{answer}"
        );
        assert!(answer["data"].is_null());
        let mut anonymous = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let id = anonymous.subscribe(FEED, json!({})).await;
        let answer = next(&mut anonymous, &id).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{answer}"
        );
    }
);

on_both_backends!(
    a_deactivated_admins_subscription_is_closed,
    |app: TestApp| async move {
        let watcher = app.logged_in("watcher", Role::Admin).await;
        let boss = app.logged_in("boss", Role::Admin).await;
        let mut ws = socket_for(&app, &watcher).await;
        let id = ws.subscribe(FEED, json!({})).await;
        app.new_client()
            .query(
                LOGIN,
                json!({ "i": { "login": "nobody", "password": "x y z w v" } }),
            )
            .await;
        next(&mut ws, &id).await;
        let users = boss
            .data("{ users(search: \"watcher\") { nodes { id } } }", json!({}))
            .await;
        let watcher_id = users["users"]["nodes"][0]["id"].clone();
        boss.data(
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { isActive } }",
            json!({ "id": watcher_id }),
        )
        .await;
        // Events may still be in flight; the subscription must end with an error soon after.
        let mut ended = None;
        for _ in 0..10 {
            let m = next(&mut ws, &id).await;
            if m["errors"].is_array() || m["type"] == "error" {
                ended = Some(m);
                break;
            }
        }
        let ended = ended.expect("the subscription ended");
        let text = ended.to_string();
        assert!(text.contains("UNAUTHENTICATED"), "{text}");
        assert!(
            watcher.data("{ me { username } }", json!({})).await["me"].is_null(),
            "sessions revoked too"
        );
    }
);

on_both_backends!(
    banners_follow_messages_live_and_expire_without_a_restart,
    |app: TestApp| async move {
        let admin = app.logged_in("root", Role::Admin).await;
        let mut visitor = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let id = visitor.subscribe(BANNERS, json!({})).await;
        let initial = next(&mut visitor, &id).await;
        assert_eq!(initial["data"]["adminMessages"]["change"], "INITIAL");
        assert_eq!(initial["data"]["adminMessages"]["visible"], json!([]));
        let expires = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(1500)).to_rfc3339();
        let created = admin
        .data(
            "mutation($i: AdminMessageInput!) { createAdminMessage(input: $i) { id visible } }",
            json!({ "i": { "title": "Maintenance", "message": "PanelApp sync tonight", "type": "WARNING", "expiresAt": expires } }),
        )
        .await;
        assert_eq!(created["createAdminMessage"]["visible"], true);
        let update = next(&mut visitor, &id).await;
        assert_eq!(update["data"]["adminMessages"]["change"], "CREATED");
        assert_eq!(
            update["data"]["adminMessages"]["visible"][0]["title"],
            "Maintenance"
        );
        assert_eq!(
            update["data"]["adminMessages"]["visible"][0]["type"],
            "WARNING"
        );
        // Nobody does anything: the expiry alone removes the banner.
        let expired = next(&mut visitor, &id).await;
        assert_eq!(expired["data"]["adminMessages"]["change"], "EXPIRED");
        assert_eq!(expired["data"]["adminMessages"]["visible"], json!([]));
        let listed = app.client.data("{ adminMessages { id } }", json!({})).await;
        assert_eq!(listed["adminMessages"], json!([]));
        let all = admin
            .data("{ allAdminMessages { title visible } }", json!({}))
            .await;
        assert_eq!(all["allAdminMessages"][0]["visible"], false);
        assert_eq!(
            app.audit_rows(Some(AuditAction::AdminAction)).await.len(),
            1
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn banners_travel_between_instances() {
    let Some(a) = TestApp::postgres_redis().await else {
        return;
    };
    let b = a.sibling().await;
    let admin = a.logged_in("root", Role::Admin).await;
    let mut on_b = WsClient::connect(&b.ws_url(), &[], json!({}))
        .await
        .unwrap();
    let id = on_b.subscribe(BANNERS, json!({})).await;
    next(&mut on_b, &id).await;
    admin
        .data(
            "mutation($i: AdminMessageInput!) { createAdminMessage(input: $i) { id } }",
            json!({ "i": { "title": "Hello", "message": "from A", "type": "INFO" } }),
        )
        .await;
    let update = next(&mut on_b, &id).await;
    assert_eq!(
        update["data"]["adminMessages"]["visible"][0]["title"],
        "Hello"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_stops_reading_does_not_stall_the_others() {
    let app = TestApp::sqlite().await;
    let admin = app.logged_in("root", Role::Admin).await;
    let mut slow = socket_for(&app, &admin).await;
    let mut fast = socket_for(&app, &admin).await;
    let slow_id = slow
        .subscribe(FEED, json!({ "f": { "actions": ["SYSTEM_SECURITY"] } }))
        .await;
    let fast_id = fast
        .subscribe(FEED, json!({ "f": { "actions": ["SYSTEM_SECURITY"] } }))
        .await;
    // Subscribing has no acknowledgement: probe until both subscriptions have seen an event.
    let actor = server::auth::Principal::test_harness("test");
    let probe = server::services::audit::AuditRecord::new(AuditAction::SystemSecurity, "probe");
    let (mut fast_live, mut slow_live) = (false, false);
    let mut probes = 0u64;
    for _ in 0..100 {
        probes += 1;
        app.state
            .audit
            .record(&app.state.db, &actor, probe.clone())
            .await
            .unwrap();
        fast_live |= fast
            .next_data(&fast_id, Duration::from_millis(200))
            .await
            .is_some();
        slow_live |= slow
            .next_data(&slow_id, Duration::from_millis(200))
            .await
            .is_some();
        if fast_live && slow_live {
            break;
        }
    }
    assert!(fast_live && slow_live, "both subscriptions became live");
    const N: usize = 2000;
    let writer = {
        let state = app.state.clone();
        tokio::spawn(async move {
            for i in 0..N {
                let record = server::services::audit::AuditRecord::new(
                    AuditAction::SystemSecurity,
                    format!("burst {i} {}", "x".repeat(200)),
                );
                state.audit.record(&state.db, &actor, record).await.unwrap();
            }
        })
    };
    // The slow one reads nothing meanwhile; the fast one gets every event, in order.
    let mut last = 0;
    let mut seen = 0;
    while seen < N {
        // Generous: the writer shares a busy machine; a stall would never recover.
        let m = fast
            .next_data(&fast_id, Duration::from_secs(60))
            .await
            .expect("fast subscriber fed");
        let e = &m["data"]["auditEvents"];
        if e["description"] == "probe" {
            continue;
        }
        seen += 1;
        assert_eq!(e["missedBefore"], 0);
        let id = i64::from(tests::db_id(e["id"].as_str().unwrap()));
        assert!(id > last);
        last = id;
    }
    writer.await.unwrap();
    // The slow one now drains: what it got plus what it was told it missed is everything.
    let mut received = 0u64;
    let mut missed = 0u64;
    while received + missed < N as u64 {
        let m = slow
            .next_data(&slow_id, Duration::from_secs(60))
            .await
            .expect("slow subscriber drains");
        missed += m["data"]["auditEvents"]["missedBefore"].as_u64().unwrap();
        if m["data"]["auditEvents"]["description"] == "probe" {
            continue;
        }
        received += 1;
    }
    // Missed events may include leftover probes, never more.
    assert!(
        (N as u64..=N as u64 + probes).contains(&(received + missed)),
        "{received} + {missed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_escapes_an_aborted_transaction() {
    use futures::StreamExt;
    use sea_orm::TransactionTrait;
    let app = TestApp::sqlite().await;
    let events = app
        .state
        .events
        .subscribe::<server::services::audit::AuditEvent>(server::events::Channel::Audit)
        .await
        .unwrap();
    let mut events = Box::pin(events);
    let actor = server::auth::Principal::test_harness("test");
    let txn = app.state.db.begin().await.unwrap();
    let record = server::services::audit::AuditRecord::new(AuditAction::PanelCreate, "rolled back");
    let _unpublished = app.state.audit.write(&txn, &actor, record).await.unwrap();
    txn.rollback().await.unwrap();
    let committed =
        server::services::audit::AuditRecord::new(AuditAction::PanelCreate, "committed");
    app.state
        .audit
        .record(&app.state.db, &actor, committed)
        .await
        .unwrap();
    let first = tokio::time::timeout(WAIT, events.next())
        .await
        .unwrap()
        .unwrap();
    match first {
        server::events::Received::Event(e) => assert_eq!(e.description, "committed"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        app.audit_rows(Some(AuditAction::PanelCreate)).await.len(),
        1
    );
}

#[tokio::test]
async fn scripts_subscribe_with_an_api_token_in_connection_init() {
    let app = TestApp::sqlite().await;
    let admin = app.logged_in("root", Role::Admin).await;
    let token = admin
        .data(
            "mutation { createApiToken(name: \"feed\", scopes: [READ, ADMIN]) { secret } }",
            json!({}),
        )
        .await;
    let secret = token["createApiToken"]["secret"].as_str().unwrap();
    let mut ws = WsClient::connect(&app.ws_url(), &[], json!({ "token": secret }))
        .await
        .unwrap();
    let id = ws
        .subscribe(FEED, json!({ "f": { "securityOnly": true } }))
        .await;
    app.new_client()
        .query(
            LOGIN,
            json!({ "i": { "login": "nobody", "password": "x y z w v" } }),
        )
        .await;
    let user = app.logged_in("editor1", Role::Editor).await;
    user.query("{ auditLog { totalCount } }", json!({})).await;
    let m = next(&mut ws, &id).await;
    assert_eq!(
        m["data"]["auditEvents"]["action"], "PRIVILEGE_ESCALATION",
        "security events only: {m}"
    );
    assert_eq!(m["data"]["auditEvents"]["securityEvent"], true);
}

#[tokio::test]
async fn sockets_must_initialise_in_time_and_are_pinged() {
    let mut vars = std::collections::BTreeMap::new();
    vars.insert("WS_INIT_TIMEOUT".to_owned(), "1".to_owned());
    vars.insert("WS_PING_INTERVAL".to_owned(), "1".to_owned());
    let app = TestApp::spawn(tests::TestConfig {
        vars,
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    let mut silent = WsClient::open(&app.ws_url(), &[]).await.unwrap();
    let closed = silent
        .closed(WAIT)
        .await
        .expect("closed for not initialising");
    assert_eq!(closed.code, 4408, "{closed:?}");
    let mut ws = WsClient::connect(&app.ws_url(), &[], json!({}))
        .await
        .unwrap();
    assert!(
        ws.wait_for_ping(WAIT).await,
        "the server pings idle sockets"
    );
}

#[tokio::test]
async fn admins_lift_ip_blocks() {
    let mut vars = std::collections::BTreeMap::new();
    vars.insert("BRUTE_FORCE_THRESHOLD".to_owned(), "2".to_owned());
    let app = TestApp::spawn(tests::TestConfig {
        vars,
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    let admin = app.logged_in("root", Role::Admin).await;
    for _ in 0..2 {
        app.client
            .query(
                LOGIN,
                json!({ "i": { "login": "nobody", "password": "x y z w v" } }),
            )
            .await;
    }
    let blocked = app
        .client
        .query(
            LOGIN,
            json!({ "i": { "login": "root", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(blocked["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    let bad = admin
        .query("mutation { unblockIp(ip: \"not-an-ip\") }", json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "ip");
    admin
        .data("mutation { unblockIp(ip: \"127.0.0.1\") }", json!({}))
        .await;
    app.client.login("root", PASSWORD).await;
}
