//! GraphQL subscriptions over WebSocket (graphql-transport-ws, and the legacy graphql-ws).
//!
//! Browsers may only connect from an allowed `Origin`; `connection_init` must arrive within
//! `WS_INIT_TIMEOUT`; the server pings every `WS_PING_INTERVAL` so idle proxies keep the
//! connection open and dead peers are noticed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::Data;
use async_graphql::http::{WebSocket as GraphqlWebSocket, WsMessage};
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use http::{HeaderMap, header};
use tokio::sync::mpsc;

use super::HttpState;
use crate::error::AppError;
use crate::graphql::RequestContext;

fn protocol(headers: &HeaderMap) -> Option<async_graphql::http::WebSocketProtocols> {
    use async_graphql::http::WebSocketProtocols as P;
    let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL)?.to_str().ok()?;
    let offered: Vec<_> = offered.split(',').map(str::trim).collect();
    if offered.contains(&"graphql-transport-ws") {
        Some(P::GraphQLWS)
    } else if offered.contains(&"graphql-ws") {
        Some(P::SubscriptionsTransportWS)
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
    upgrade
        .protocols(["graphql-transport-ws", "graphql-ws"])
        .on_upgrade(move |socket| serve(socket, state, protocol, ctx))
}

async fn serve(
    socket: WebSocket,
    state: HttpState,
    protocol: async_graphql::http::WebSocketProtocols,
    ctx: RequestContext,
) {
    let (mut sink, mut source) = socket.split();
    let (to_graphql, from_client) = mpsc::channel::<Vec<u8>>(64);
    let initialised = Arc::new(AtomicBool::new(false));
    let init_flag = initialised.clone();
    let app = state.app.clone();
    let mut graphql = GraphqlWebSocket::new(
        state.schema.clone(),
        tokio_stream::wrappers::ReceiverStream::new(from_client),
        protocol,
    )
    .on_connection_init(move |payload| async move {
        let ctx = authenticate_init(&app, ctx, &payload).await?;
        init_flag.store(true, Ordering::SeqCst);
        let mut data = Data::default();
        data.insert(ctx);
        Ok(data)
    });
    let security = &state.app.settings.security;
    let deadline = tokio::time::sleep(security.ws_init_timeout);
    tokio::pin!(deadline);
    let mut ping = tokio::time::interval(security.ws_ping_interval);
    ping.tick().await;
    let shutdown = state.app.shutdown.clone();
    let stopping = shutdown.wait();
    tokio::pin!(stopping);
    loop {
        tokio::select! {
            () = &mut stopping => {
                let frame = CloseFrame { code: 1001, reason: "server shutting down".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            incoming = source.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if to_graphql.send(text.as_bytes().to_vec()).await.is_err() { break; }
                }
                Some(Ok(Message::Binary(bytes))) => {
                    if to_graphql.send(bytes.to_vec()).await.is_err() { break; }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            outgoing = graphql.next() => match outgoing {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() { break; }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                None => break,
            },
            () = &mut deadline, if !initialised.load(Ordering::SeqCst) => {
                let frame = CloseFrame { code: 4408, reason: "Connection initialisation timeout".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() { break; }
            }
        }
    }
}

/// `connection_init` may carry an API token (`{"token": "pmt_..."}` or
/// `{"Authorization": "Bearer pmt_..."}`); otherwise the session cookie of the upgrade
/// request (already resolved into `ctx`) identifies the user.
async fn authenticate_init(
    app: &crate::state::AppState,
    mut ctx: RequestContext,
    payload: &serde_json::Value,
) -> async_graphql::Result<RequestContext> {
    let token = payload
        .get("token")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| {
            let auth = payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))?;
            auth.as_str()?.strip_prefix("Bearer ").map(str::to_owned)
        });
    if let Some(secret) = token {
        let mut headers = HeaderMap::new();
        let value = http::HeaderValue::from_str(&format!("Bearer {secret}"))
            .map_err(|_| async_graphql::Error::new("malformed token"))?;
        headers.insert(header::AUTHORIZATION, value);
        ctx.user = crate::auth::authenticate(app, &headers)
            .await
            .map_err(async_graphql::Error::from)?;
    }
    Ok(ctx)
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
}
