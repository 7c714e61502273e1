//! GraphQL over WebSocket (graphql-transport-ws, and the legacy graphql-ws).
//!
//! Browsers may only connect from an allowed `Origin`; `connection_init` must arrive within
//! `WS_INIT_TIMEOUT`; the server pings every `WS_PING_INTERVAL` so idle proxies keep the
//! connection open and dead peers are noticed.
//!
//! A socket is not a licence: every operation sent over it is admitted like an HTTP request.
//! The socket's identity (the session cookie of the upgrade, or an API token in
//! `connection_init`) is re-validated, the request rate limits are counted, and the operation
//! runs with a fresh [`RequestContext`] (current role, `must_change_password`). When the
//! identity no longer holds (logout, revoked session or token, deactivation), every running
//! operation gets an UNAUTHENTICATED error and the socket closes with 4401; this is checked
//! for each operation, at once when the account changes, and every `WS_RECHECK_INTERVAL`.
//! At most `WS_MAX_OPERATIONS` operations run at once per socket; messages are limited to
//! `MAX_BODY_SIZE` (larger ones close the socket with 1009); a socket with nothing running
//! and nothing said for `WS_IDLE_TIMEOUT` is closed.

use std::collections::HashSet;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use async_graphql::Data;
use async_graphql::http::{
    ClientMessage, WebSocket as GraphqlWebSocket, WebSocketProtocols as Protocols, WsMessage,
};
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, Stream, StreamExt};
use http::{HeaderMap, header};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::HttpState;
use crate::auth::{Account, Principal};
use crate::error::{AppError, AppResult};
use crate::events::{Channel, Received};
use crate::graphql::RequestContext;
use crate::services::admin::AccountChanged;
use crate::state::AppState;

/// graphql-ws close codes.
const CLOSE_UNAUTHENTICATED: u16 = 4401;
const CLOSE_FORBIDDEN: u16 = 4403;
const CLOSE_DUPLICATE_ID: u16 = 4409;
const CLOSE_INIT_TIMEOUT: u16 = 4408;
const CLOSE_TOO_BIG: u16 = 1009;

fn protocol(headers: &HeaderMap) -> Option<Protocols> {
    let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL)?.to_str().ok()?;
    let offered: Vec<_> = offered.split(',').map(str::trim).collect();
    if offered.contains(&"graphql-transport-ws") {
        Some(Protocols::GraphQLWS)
    } else if offered.contains(&"graphql-ws") {
        Some(Protocols::SubscriptionsTransportWS)
    } else {
        None
    }
}

/// Whether a browser's `Origin` may open a socket: same host, or listed in `CORS_ORIGINS`.
/// Clients that send no `Origin` (scripts) are not browsers and can not be used for CSRF.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    if allowed.iter().any(|a| a == origin || a == "*") {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

pub async fn upgrade(
    state: HttpState,
    upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    ctx: RequestContext,
) -> Response {
    if !origin_allowed(headers, &state.app.settings.security.allowed_origins) {
        tracing::warn!(origin = ?headers.get(header::ORIGIN), "websocket origin refused");
        return AppError::forbidden("this origin may not open a GraphQL WebSocket").into_response();
    }
    let Some(protocol) = protocol(headers) else {
        return AppError::validation("use the graphql-transport-ws WebSocket subprotocol")
            .into_response();
    };
    // A message is a GraphQL request: the HTTP body limit applies.
    let max = state.app.settings.body.max_json_bytes;
    upgrade
        .protocols(["graphql-transport-ws", "graphql-ws"])
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(socket, state, protocol, ctx))
}

/// Why an operation is not admitted.
enum Refusal {
    /// Only this operation fails.
    Operation(AppError),
    /// The socket's identity is gone: fail everything and close with 4401.
    Identity(AppError),
}

/// One socket's state: who it speaks for and which operations run.
struct Connection {
    app: AppState,
    protocol: Protocols,
    /// The facts of the upgrade request (address, user agent, visitor).
    base: RequestContext,
    /// Set once `connection_init` was accepted: who the socket speaks for.
    identity: Option<Principal>,
    /// Ids of the operations started and not yet completed.
    running: HashSet<String>,
}

type AccountEvents = Pin<Box<dyn Stream<Item = Received<AccountChanged>> + Send>>;

impl Connection {
    fn user(&self) -> Option<&Account> {
        self.identity.as_ref().and_then(Principal::signed_in)
    }

    fn client_ip(&self) -> IpAddr {
        self.base.principal().client_ip()
    }

    /// The identity as stored now; `Err(Identity)` when it no longer holds.
    async fn refresh(&mut self) -> Result<Principal, Refusal> {
        let Some(principal) = &self.identity else {
            return Ok(self.base.principal.clone());
        };
        match self.app.authenticator.refresh(principal).await {
            Ok(Ok(fresh)) => {
                self.identity = Some(fresh.clone());
                Ok(fresh)
            }
            Ok(Err(ended)) => Err(Refusal::Identity(ended)),
            Err(trouble) => Err(Refusal::Operation(trouble)),
        }
    }

    /// Admits one operation as an HTTP request would be: rate limits of the address, the
    /// identity re-validated, the user's rate limits. The result is the operation's context.
    async fn admit(&mut self) -> Result<RequestContext, Refusal> {
        self.app
            .limits
            .check_request(self.client_ip())
            .await
            .map_err(Refusal::Operation)?;
        let principal = self.refresh().await?;
        if let Some(id) = principal.user_id() {
            self.app
                .limits
                .check_request_user(id)
                .await
                .map_err(Refusal::Operation)?;
        }
        Ok(RequestContext::for_operation(
            self.base.transport,
            &principal,
        ))
    }

    /// The protocol's error message for operation `id`.
    fn error_message(&self, id: &str, error: &AppError) -> String {
        let body = error.to_graphql_body();
        let payload = match self.protocol {
            Protocols::GraphQLWS => body["errors"].clone(),
            Protocols::SubscriptionsTransportWS => body["errors"][0].clone(),
        };
        json!({ "type": "error", "id": id, "payload": payload }).to_string()
    }
}

/// What the client's message means for the socket.
enum Next {
    /// Hand this message to async-graphql.
    Forward(Box<serde_json::Result<ClientMessage>>),
    /// Answer operation `id` with this error ourselves.
    Refuse(String, AppError),
    /// Fail every running operation with this error and close.
    Close(u16, AppError),
    Nothing,
}

pub(super) async fn serve(
    socket: WebSocket,
    state: HttpState,
    protocol: Protocols,
    ctx: RequestContext,
) {
    let (mut sink, mut source) = socket.split();
    let (to_graphql, from_client) = mpsc::channel::<serde_json::Result<ClientMessage>>(64);
    // `connection_init` is authenticated here, before async-graphql sees it; this slot hands
    // the outcome to its callback.
    let init_outcome: Arc<Mutex<Option<async_graphql::Result<()>>>> = Arc::default();
    let outcome = init_outcome.clone();
    let mut graphql = GraphqlWebSocket::from_message_stream(
        state.schema.clone(),
        tokio_stream::wrappers::ReceiverStream::new(from_client),
        protocol,
    )
    .on_connection_init(move |_payload| async move {
        let taken = outcome.lock().unwrap_or_else(|p| p.into_inner()).take();
        taken.unwrap_or(Ok(()))?;
        Ok(Data::default())
    });
    let security = state.app.settings.security.clone();
    let mut conn = Connection {
        app: state.app.clone(),
        protocol,
        base: ctx,
        identity: None,
        running: HashSet::new(),
    };
    let mut accounts: Option<AccountEvents> = None;
    let init_deadline = tokio::time::sleep(security.ws_init_timeout);
    tokio::pin!(init_deadline);
    let idle = tokio::time::sleep(security.ws_idle_timeout);
    tokio::pin!(idle);
    let mut ping = tokio::time::interval(security.ws_ping_interval);
    ping.tick().await;
    let mut recheck = tokio::time::interval(security.ws_recheck_interval);
    recheck.tick().await;
    let shutdown = state.app.shutdown.clone();
    let stopping = shutdown.wait();
    tokio::pin!(stopping);
    loop {
        let next = tokio::select! {
            () = &mut stopping => {
                let frame = CloseFrame { code: 1001, reason: "server shutting down".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            incoming = source.next() => {
                let bytes = match incoming {
                    Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
                    Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Err(e)) if e.to_string().contains("Space limit exceeded") => {
                        let limit = state.app.settings.body.max_json_bytes;
                        let reason = format!("message larger than {limit} bytes");
                        let frame = CloseFrame { code: CLOSE_TOO_BIG, reason: reason.into() };
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        break;
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                idle.as_mut().reset(Instant::now() + security.ws_idle_timeout);
                let next = client_message(&mut conn, &bytes, &init_outcome).await;
                if accounts.is_none() && conn.user().is_some() {
                    accounts = subscribe_accounts(&conn.app).await;
                }
                next
            }
            outgoing = graphql.next() => match outgoing {
                Some(WsMessage::Text(text)) => {
                    if let Some(id) = completed_id(&text) {
                        conn.running.remove(&id);
                    }
                    if sink.send(Message::Text(text.into())).await.is_err() { break; }
                    continue;
                }
                Some(WsMessage::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                None => break,
            },
            change = async {
                match accounts.as_mut() {
                    Some(a) => a.next().await,
                    None => std::future::pending().await,
                }
            } => {
                let concerns_us = match change {
                    Some(Received::Event(c)) => conn.user().is_some_and(|u| u.id() == c.user_id),
                    Some(Received::Lagged(_)) => true,
                    None => {
                        accounts = None;
                        false
                    }
                };
                if !concerns_us { continue; }
                identity_check(&mut conn).await
            }
            _ = recheck.tick() => identity_check(&mut conn).await,
            () = &mut init_deadline, if conn.identity.is_none() => {
                let frame = CloseFrame {
                    code: CLOSE_INIT_TIMEOUT,
                    reason: "Connection initialisation timeout".into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            () = &mut idle => {
                if !conn.running.is_empty() {
                    idle.as_mut().reset(Instant::now() + security.ws_idle_timeout);
                    continue;
                }
                let reason = format!("idle for {} s", security.ws_idle_timeout.as_secs());
                let frame = CloseFrame { code: 1000, reason: reason.into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() { break; }
                continue;
            }
        };
        match next {
            Next::Forward(message) => {
                if to_graphql.send(*message).await.is_err() {
                    break;
                }
            }
            Next::Refuse(id, error) => {
                let text = conn.error_message(&id, &error);
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            Next::Close(code, error) => {
                for id in std::mem::take(&mut conn.running) {
                    let text = conn.error_message(&id, &error);
                    let _ = sink.send(Message::Text(text.into())).await;
                }
                let reason: String = error.message.chars().take(100).collect();
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            Next::Nothing => {}
        }
    }
}

/// Decides what to do with one message from the client.
async fn client_message(
    conn: &mut Connection,
    bytes: &[u8],
    init_outcome: &Mutex<Option<async_graphql::Result<()>>>,
) -> Next {
    let message = match ClientMessage::from_bytes(bytes) {
        Ok(m) => m,
        // async-graphql closes with 1002 and the parse error.
        Err(e) => return Next::Forward(Box::new(Err(e))),
    };
    match message {
        ClientMessage::ConnectionInit { payload } if conn.identity.is_none() => {
            let payload = payload.unwrap_or_default();
            let outcome = match authenticate_init(&conn.app, &conn.base.principal, &payload).await {
                Ok(principal) => {
                    conn.identity = Some(principal);
                    Ok(())
                }
                Err(e) if conn.protocol == Protocols::GraphQLWS => {
                    // graphql-ws: a refused connection_init closes with 4403 and the reason.
                    return Next::Close(CLOSE_FORBIDDEN, e);
                }
                Err(e) => Err(async_graphql::Error::from(e)),
            };
            *init_outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
            Next::Forward(Box::new(Ok(ClientMessage::ConnectionInit {
                payload: Some(payload),
            })))
        }
        ClientMessage::Start { id, payload } if conn.identity.is_some() => {
            if conn.running.contains(&id) {
                let error = AppError::validation(format!("Subscriber for {id} already exists"));
                return Next::Close(CLOSE_DUPLICATE_ID, error);
            }
            let max = conn.app.settings.security.ws_max_operations;
            if conn.running.len() >= max {
                let error = AppError::new(
                    shared::ErrorCode::RateLimited,
                    format!(
                        "this WebSocket already runs {max} operations; complete one before \
                         starting another"
                    ),
                )
                .with("limit", "ws_operations");
                return Next::Refuse(id, error);
            }
            match conn.admit().await {
                Ok(ctx) => {
                    conn.running.insert(id.clone());
                    Next::Forward(Box::new(Ok(ClientMessage::Start {
                        id,
                        payload: payload.data(ctx),
                    })))
                }
                Err(Refusal::Operation(error)) => Next::Refuse(id, error),
                Err(Refusal::Identity(error)) => {
                    conn.running.insert(id);
                    Next::Close(CLOSE_UNAUTHENTICATED, error)
                }
            }
        }
        ClientMessage::Stop { id } => {
            conn.running.remove(&id);
            Next::Forward(Box::new(Ok(ClientMessage::Stop { id })))
        }
        other => Next::Forward(Box::new(Ok(other))),
    }
}

/// Re-validates the socket's identity (after an account change, and periodically).
async fn identity_check(conn: &mut Connection) -> Next {
    match conn.refresh().await {
        Ok(_) => Next::Nothing,
        Err(Refusal::Identity(error)) => Next::Close(CLOSE_UNAUTHENTICATED, error),
        Err(Refusal::Operation(trouble)) => {
            tracing::warn!(error = %trouble.message, "websocket identity re-check postponed");
            Next::Nothing
        }
    }
}

async fn subscribe_accounts(app: &AppState) -> Option<AccountEvents> {
    match app
        .events
        .subscribe::<AccountChanged>(Channel::Accounts)
        .await
    {
        Ok(stream) => Some(Box::pin(stream)),
        Err(e) => {
            // The periodic re-check still runs.
            tracing::warn!(error = %e, "websocket not subscribed to account changes");
            None
        }
    }
}

/// The id of a `complete` message from async-graphql (it serialises `type` first).
fn completed_id(text: &str) -> Option<String> {
    if !text.starts_with(r#"{"type":"complete""#) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value["id"].as_str().map(str::to_owned)
}

/// `connection_init` may carry an API token (`{"token": "pmt_..."}` or
/// `{"Authorization": "Bearer pmt_..."}`); otherwise the session cookie of the upgrade
/// request (already resolved into `upgrade`) identifies the user.
async fn authenticate_init(
    app: &AppState,
    upgrade: &Principal,
    payload: &serde_json::Value,
) -> AppResult<Principal> {
    let header_value = match (
        payload.get("token"),
        payload
            .get("Authorization")
            .or_else(|| payload.get("authorization")),
    ) {
        (Some(token), _) => format!("Bearer {}", token.as_str().unwrap_or_default()),
        (None, Some(auth)) => auth.as_str().unwrap_or_default().to_owned(),
        (None, None) => return Ok(upgrade.clone()),
    };
    let mut headers = HeaderMap::new();
    let value = http::HeaderValue::from_str(&header_value).map_err(|_| {
        AppError::new(
            shared::ErrorCode::Unauthenticated,
            "the token in connection_init is not a valid header value",
        )
        .with("reason", "malformed_authorization")
    })?;
    headers.insert(header::AUTHORIZATION, value);
    app.authenticator.authenticate(&headers, upgrade).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn origins_are_checked() {
        let none: Vec<String> = vec![];
        assert!(origin_allowed(&headers(None, "localhost:8080"), &none));
        assert!(origin_allowed(
            &headers(Some("http://localhost:8080"), "localhost:8080"),
            &none
        ));
        assert!(!origin_allowed(
            &headers(Some("https://evil.example"), "localhost:8080"),
            &none
        ));
        let allowed = vec!["https://lab.example".to_owned()];
        assert!(origin_allowed(
            &headers(Some("https://lab.example"), "api.example"),
            &allowed
        ));
    }

    #[test]
    fn completions_are_recognised() {
        assert_eq!(
            completed_id(r#"{"type":"complete","id":"7"}"#).as_deref(),
            Some("7")
        );
        assert_eq!(
            completed_id(r#"{"type":"next","id":"7","payload":{}}"#),
            None
        );
    }
}
