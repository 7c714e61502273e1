//! An open WebSocket is no licence: every operation is authenticated, authorised and rate
//! limited like an HTTP request; logout, revocation, deactivation and demotion reach open
//! sockets and running subscriptions; per-socket caps on operations and message size; idle
//! sockets and slow HTTP requests are cut; `X-Forwarded-For` is believed only from trusted
//! proxies, right to left.

use std::time::Duration;

use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::ws::WsClient;
use tests::{Backend, GraphqlClient, PASSWORD, TestApp};

const WAIT: Duration = Duration::from_secs(10);
const BANNERS: &str = "subscription { adminMessages { change } }";
const FEED: &str = "subscription { auditEvents { action } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { user { username } } }";

/// Runs the body on SQLite and on PostgreSQL + Redis, with extra settings.
macro_rules! on_both {
    ($name:ident, $vars:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::with_vars(Backend::Sqlite, $vars).await.unwrap();
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_redis() {
                let Some(app) = TestApp::with_vars(Backend::PostgresRedis, $vars).await else {
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}

async fn login(app: &TestApp, username: &str, role: Role) -> (i32, GraphqlClient) {
    let row = app.create_user(username, role).await;
    let client = app.new_client();
    client.login(username, PASSWORD).await;
    (row.id, client)
}

async fn socket(app: &TestApp, client: &GraphqlClient) -> WsClient {
    let cookie = client.cookie_header();
    WsClient::connect(&app.ws_url(), &[("cookie", &cookie)], json!({}))
        .await
        .unwrap()
}

/// The error code of a refused operation: an `error` message or a payload with `errors`.
fn error_code(m: &Value) -> Option<&str> {
    let error = if m["type"] == "error" {
        &m["payload"][0]
    } else {
        &m["errors"][0]
    };
    error["extensions"]["code"].as_str()
}

fn error_reason(m: &Value) -> Option<&str> {
    let error = if m["type"] == "error" {
        &m["payload"][0]
    } else {
        &m["errors"][0]
    };
    error["extensions"]["reason"].as_str()
}

/// Messages of `id` until one is an error (events may be in flight before it).
async fn until_error(ws: &mut WsClient, id: &str) -> Value {
    for _ in 0..20 {
        let m = ws
            .next_data(id, WAIT)
            .await
            .expect("the subscription ends with an error before the timeout");
        if error_code(&m).is_some() {
            return m;
        }
        assert_ne!(m["type"], "complete", "completed without an error: {m}");
    }
    panic!("no error in 20 messages");
}

on_both!(
    logout_ends_the_sockets_identity_and_its_subscriptions,
    &[],
    |app: TestApp| async move {
        let (_, ada) = login(&app, "ada", Role::User).await;
        let mut ws = socket(&app, &ada).await;
        let me = ws.request("{ me { username } }", json!({})).await.unwrap();
        assert_eq!(me["data"]["me"]["username"], "ada", "{me}");
        let banners = ws.subscribe(BANNERS, json!({})).await;
        let first = ws.next_data(&banners, WAIT).await.unwrap();
        assert_eq!(
            first["data"]["adminMessages"]["change"], "INITIAL",
            "{first}"
        );

        ada.data("mutation { logout }", json!({})).await;

        let ended = until_error(&mut ws, &banners).await;
        assert_eq!(error_code(&ended), Some("UNAUTHENTICATED"), "{ended}");
        assert_eq!(error_reason(&ended), Some("session_ended"), "{ended}");
        let closed = ws.closed(WAIT).await.expect("the socket closes");
        assert_eq!(closed.code, 4401, "{closed:?}");
        assert!(closed.reason.contains("session"), "{closed:?}");
    }
);

on_both!(
    a_demoted_admin_loses_admin_operations_and_feeds_on_the_open_socket,
    &[],
    |app: TestApp| async move {
        let (_, boss) = login(&app, "boss", Role::Admin).await;
        let (ada_id, ada) = login(&app, "ada", Role::Admin).await;
        let mut ws = socket(&app, &ada).await;
        let users = ws
            .request("{ users { nodes { username } } }", json!({}))
            .await
            .unwrap();
        assert!(users["data"]["users"]["nodes"].is_array(), "{users}");
        let feed = ws.subscribe(FEED, json!({})).await;
        // The feed is live once an event arrives.
        app.new_client()
            .query(
                LOGIN,
                json!({ "i": { "login": "nobody", "password": "x y z w v" } }),
            )
            .await;
        let event = ws.next_data(&feed, WAIT).await.unwrap();
        assert_eq!(event["data"]["auditEvents"]["action"], "LOGIN", "{event}");

        boss.data(
            "mutation($id: ID!) { setUserRole(id: $id, role: USER) { role } }",
            json!({ "id": ada_id.to_string() }),
        )
        .await;

        let ended = until_error(&mut ws, &feed).await;
        assert_eq!(error_code(&ended), Some("FORBIDDEN"), "{ended}");
        let denied = ws
            .request("{ users { nodes { username } } }", json!({}))
            .await
            .unwrap();
        assert_eq!(error_code(&denied), Some("FORBIDDEN"), "{denied}");
        let me = ws.request("{ me { role } }", json!({})).await.unwrap();
        assert_eq!(
            me["data"]["me"]["role"], "USER",
            "the socket stays open: {me}"
        );
        let refused = ws.request(FEED, json!({})).await.unwrap();
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
);

on_both!(
    a_password_change_requirement_reaches_the_open_socket,
    &[],
    |app: TestApp| async move {
        let (ada_id, ada) = login(&app, "ada", Role::User).await;
        let mut ws = socket(&app, &ada).await;
        let tokens = ws.request("{ apiTokens { id } }", json!({})).await.unwrap();
        assert!(tokens["data"]["apiTokens"].is_array(), "{tokens}");
        let row = entity::user::Entity::find_by_id(ada_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut update: entity::user::ActiveModel = row.into();
        update.must_change_password = Set(true);
        update.update(&app.state.db).await.unwrap();

        let refused = ws.request("{ apiTokens { id } }", json!({})).await.unwrap();
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        assert_eq!(
            error_reason(&refused),
            Some("password_change_required"),
            "{refused}"
        );
        let me = ws
            .request("{ me { mustChangePassword } }", json!({}))
            .await
            .unwrap();
        assert_eq!(me["data"]["me"]["mustChangePassword"], true, "{me}");
    }
);

on_both!(
    a_revoked_api_token_closes_its_socket,
    &[],
    |app: TestApp| async move {
        let (_, ada) = login(&app, "ada", Role::User).await;
        let created = ada
            .data(
                "mutation { createApiToken(name: \"feed\") { id secret } }",
                json!({}),
            )
            .await;
        let secret = created["createApiToken"]["secret"].as_str().unwrap();
        let token_id = created["createApiToken"]["id"].clone();
        let mut ws = WsClient::connect(&app.ws_url(), &[], json!({ "token": secret }))
            .await
            .unwrap();
        let me = ws.request("{ me { username } }", json!({})).await.unwrap();
        assert_eq!(me["data"]["me"]["username"], "ada", "{me}");

        ada.data(
            "mutation($id: ID!) { revokeApiToken(id: $id) }",
            json!({ "id": token_id }),
        )
        .await;

        // The socket learns at its next operation (or at once, if the revocation is announced).
        if let Some(answer) = ws.request("{ me { username } }", json!({})).await {
            assert_eq!(error_code(&answer), Some("UNAUTHENTICATED"), "{answer}");
            assert_eq!(error_reason(&answer), Some("token_revoked"), "{answer}");
        }
        let closed = ws.closed(WAIT).await.expect("the socket closes");
        assert_eq!(closed.code, 4401, "{closed:?}");
        assert!(closed.reason.contains("token"), "{closed:?}");
    }
);

on_both!(
    sessions_ended_behind_the_servers_back_are_noticed_periodically,
    &[("WS_RECHECK_INTERVAL", "1")],
    |app: TestApp| async move {
        let (ada_id, ada) = login(&app, "ada", Role::User).await;
        let mut ws = socket(&app, &ada).await;
        let banners = ws.subscribe(BANNERS, json!({})).await;
        ws.next_data(&banners, WAIT).await.unwrap();
        // Straight from the store: no account-change event announces it.
        app.state
            .backends
            .sessions
            .remove_all(ada_id, None)
            .await
            .unwrap();
        let ended = until_error(&mut ws, &banners).await;
        assert_eq!(error_code(&ended), Some("UNAUTHENTICATED"), "{ended}");
        let closed = ws.closed(WAIT).await.expect("the socket closes");
        assert_eq!(closed.code, 4401, "{closed:?}");
    }
);

on_both!(
    every_operation_on_a_socket_counts_against_the_rate_limit,
    &[("RATE_LIMIT_PER_MINUTE", "4")],
    |app: TestApp| async move {
        let mut ws = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let mut answers = Vec::new();
        for _ in 0..5 {
            answers.push(
                ws.request("{ __typename }", json!({}))
                    .await
                    .expect("an answer, not a closed socket"),
            );
        }
        // The upgrade counted once; three operations fit in the minute's four requests.
        for ok in &answers[..3] {
            assert_eq!(ok["data"]["__typename"], "Query", "{ok}");
        }
        for limited in &answers[3..] {
            assert_eq!(error_code(limited), Some("RATE_LIMITED"), "{limited}");
        }
        let limited = app.new_client().query("{ __typename }", json!({})).await;
        assert_eq!(
            limited["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "HTTP shares the count: {limited}"
        );
    }
);

on_both!(
    a_socket_runs_a_bounded_number_of_operations_at_once,
    &[("WS_MAX_OPERATIONS", "2")],
    |app: TestApp| async move {
        let mut ws = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let first = ws.subscribe(BANNERS, json!({})).await;
        ws.next_data(&first, WAIT).await.unwrap();
        let second = ws.subscribe(BANNERS, json!({})).await;
        ws.next_data(&second, WAIT).await.unwrap();
        let third = ws.subscribe(BANNERS, json!({})).await;
        let refused = ws.next_data(&third, WAIT).await.expect("an answer");
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(error_code(&refused), Some("RATE_LIMITED"), "{refused}");
        assert_eq!(
            refused["payload"][0]["extensions"]["limit"],
            "ws_operations"
        );
        // The socket lives on; ending one operation makes room for another.
        ws.send(json!({ "id": first, "type": "complete" })).await;
        let fourth = ws.subscribe(BANNERS, json!({})).await;
        let update = ws.next_data(&fourth, WAIT).await.unwrap();
        assert_eq!(
            update["data"]["adminMessages"]["change"], "INITIAL",
            "{update}"
        );
    }
);

on_both!(
    messages_over_the_body_limit_close_the_socket_with_1009,
    &[("MAX_BODY_SIZE", "4096")],
    |app: TestApp| async move {
        let mut ws = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let small = ws
            .request(
                &format!("{{ __typename }}\n# {}", "x".repeat(1000)),
                json!({}),
            )
            .await
            .unwrap();
        assert_eq!(small["data"]["__typename"], "Query", "{small}");
        let big = json!({
            "id": "big", "type": "subscribe",
            "payload": { "query": format!("{{ __typename }}\n# {}", "x".repeat(20_000)) }
        });
        // The server may close before the whole frame is written.
        let _ = ws.send_text(big.to_string()).await;
        let closed = ws.closed(WAIT).await.expect("the socket closes");
        assert_eq!(closed.code, 1009, "{closed:?}");
    }
);

on_both!(
    idle_sockets_are_closed_but_listening_ones_are_not,
    &[("WS_IDLE_TIMEOUT", "1")],
    |app: TestApp| async move {
        let mut busy = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let banners = busy.subscribe(BANNERS, json!({})).await;
        busy.next_data(&banners, WAIT).await.unwrap();
        let mut idle = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let closed = idle.closed(WAIT).await.expect("the idle socket closes");
        assert_eq!(closed.code, 1000, "{closed:?}");
        assert!(closed.reason.contains("idle"), "{closed:?}");
        // At least as long without a message from the client, but with a subscription.
        let answer = busy.request("{ __typename }", json!({})).await;
        assert_eq!(
            answer.expect("the listening socket is open")["data"]["__typename"],
            "Query"
        );
    }
);

on_both!(
    a_forged_left_most_forwarded_for_changes_neither_the_audited_ip_nor_the_limit,
    &[("TRUST_PROXY", "true"), ("RATE_LIMIT_PER_MINUTE", "3")],
    |app: TestApp| async move {
        let body = json!({
            "query": LOGIN,
            "variables": { "i": { "login": "nobody", "password": "x y z w v" } }
        })
        .to_string();
        let mut answers = Vec::new();
        for i in 0..4 {
            // The attacker writes the left-most entry; the (loopback) proxy appends the
            // address it saw.
            let forwarded = format!("198.51.100.{i}, 203.0.113.9");
            let (_, answer) = app
                .client
                .post_raw_with_headers(
                    "application/json",
                    &[("x-forwarded-for", &forwarded)],
                    body.clone().into_bytes(),
                )
                .await;
            answers.push(answer);
        }
        for answer in &answers[..3] {
            assert_eq!(
                answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{answer}"
            );
        }
        assert_eq!(
            answers[3]["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "a new forged address is not a new client: {:?}",
            answers[3]
        );
        let rows = app.audit_rows(Some(AuditAction::Login)).await;
        assert_eq!(rows.len(), 3, "{rows:?}");
        for row in rows {
            assert_eq!(row.ip_address.as_deref(), Some("203.0.113.9"));
        }
        // A client talking to the server directly can not claim any address.
        let direct = TestApp::with_vars(app.backend, &[]).await.unwrap();
        direct
            .client
            .post_raw_with_headers(
                "application/json",
                &[("x-forwarded-for", "203.0.113.77")],
                body.into_bytes(),
            )
            .await;
        let rows = direct.audit_rows(Some(AuditAction::Login)).await;
        assert_eq!(rows[0].ip_address.as_deref(), Some("127.0.0.1"));
    }
);

on_both!(
    a_request_whose_body_never_completes_is_cut_with_a_json_error,
    &[("REQUEST_TIMEOUT", "1")],
    |app: TestApp| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // A socket opened before stays usable after the timeout: it is no request.
        let mut ws = WsClient::connect(&app.ws_url(), &[], json!({}))
            .await
            .unwrap();
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
            .await
            .unwrap();
        let head = "POST /graphql HTTP/1.1\r\nHost: localhost\r\n\
                    Content-Type: multipart/form-data; boundary=XYZ\r\n\
                    apollo-require-preflight: true\r\nContent-Length: 100000\r\n\r\n\
                    --XYZ\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":";
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        let answer = tokio::time::timeout(WAIT, async {
            loop {
                let n = stream.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&received);
                if let Some((_, body)) = text.split_once("\r\n\r\n")
                    && serde_json::from_str::<Value>(body).is_ok()
                {
                    break;
                }
            }
            String::from_utf8_lossy(&received).into_owned()
        })
        .await
        .expect("the server answers a request that never completes");
        assert!(answer.starts_with("HTTP/1.1 504"), "{answer}");
        let (_, body) = answer.split_once("\r\n\r\n").unwrap();
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["limit"], 1, "{body}");
        let after = ws.request("{ __typename }", json!({})).await;
        assert_eq!(
            after.expect("the socket outlives REQUEST_TIMEOUT")["data"]["__typename"],
            "Query"
        );
    }
);
