//! A graphql-transport-ws client for subscription tests.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct WsClient {
    socket: Socket,
    next_id: u64,
    /// The close frame, once one was read while waiting for something else.
    close: Option<Closed>,
}

/// How the connection closed, when it did.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

impl WsClient {
    /// Opens the socket with optional extra headers (`Cookie`, `Origin`), without `connection_init`.
    pub async fn open(url: &str, headers: &[(&str, &str)]) -> Result<Self, String> {
        let (socket, _) = tokio_tungstenite::connect_async(request(url, headers)?)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self::from_socket(socket))
    }

    /// Opens a `wss://` socket over `stream` (already connected, e.g. from a chosen local
    /// address) trusting only the roots of `tls`, and completes `connection_init`.
    pub async fn connect_tls(
        url: &str,
        headers: &[(&str, &str)],
        payload: Value,
        stream: tokio::net::TcpStream,
        tls: std::sync::Arc<rustls::ClientConfig>,
    ) -> Result<Self, String> {
        let (socket, _) = tokio_tungstenite::client_async_tls_with_config(
            request(url, headers)?,
            stream,
            None,
            Some(tokio_tungstenite::Connector::Rustls(tls)),
        )
        .await
        .map_err(|e| e.to_string())?;
        Self::from_socket(socket).init(payload).await
    }

    fn from_socket(socket: Socket) -> Self {
        Self {
            socket,
            next_id: 1,
            close: None,
        }
    }

    /// Sends `connection_init` with `payload` and waits for the `connection_ack`.
    async fn init(mut self, payload: Value) -> Result<Self, String> {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match self.next_json(Duration::from_secs(10)).await {
            Some(m) if m["type"] == "connection_ack" => Ok(self),
            other => Err(format!("no connection_ack: {other:?}")),
        }
    }

    /// Opens the socket and completes `connection_init` with `payload`.
    pub async fn connect(
        url: &str,
        headers: &[(&str, &str)],
        payload: Value,
    ) -> Result<Self, String> {
        Self::open(url, headers).await?.init(payload).await
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("ws send");
    }

    /// Starts a subscription; returns its id.
    pub async fn subscribe(&mut self, query: &str, variables: Value) -> String {
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.send(json!({
            "id": id, "type": "subscribe",
            "payload": { "query": query, "variables": variables }
        }))
        .await;
        id
    }

    /// Sends a raw text frame (for malformed or oversized messages).
    pub async fn send_text(&mut self, text: String) -> Result<(), String> {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| e.to_string())
    }

    /// Runs one query or mutation over the socket; returns its `next` payload, or the whole
    /// `error` message when the server refused it (`None` on close or timeout).
    pub async fn request(&mut self, query: &str, variables: Value) -> Option<Value> {
        let id = self.subscribe(query, variables).await;
        self.next_data(&id, Duration::from_secs(10)).await
    }

    /// The next JSON message (answering pings), or `None` on close/timeout.
    pub async fn next_json(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??
                .ok()?;
            match msg {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).ok()?;
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Message::Close(frame) => {
                    self.close = Some(closed_from(frame));
                    return None;
                }
                _ => continue,
            }
        }
    }

    /// The next `next` payload of subscription `id` (skipping others).
    pub async fn next_data(&mut self, id: &str, timeout: Duration) -> Option<Value> {
        loop {
            let m = self.next_json(timeout).await?;
            if m["id"] == id && m["type"] == "next" {
                return Some(m["payload"].clone());
            }
            if m["id"] == id && (m["type"] == "error" || m["type"] == "complete") {
                return Some(m);
            }
        }
    }

    /// Waits for a WebSocket ping frame from the server.
    pub async fn wait_for_ping(&mut self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Ok(Some(Ok(Message::Ping(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
                _ => return false,
            }
        }
    }

    /// Waits for the server to close the socket; returns the close frame.
    pub async fn closed(&mut self, timeout: Duration) -> Option<Closed> {
        if let Some(closed) = self.close.take() {
            return Some(closed);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return None,
                Ok(None) => {
                    return Some(Closed {
                        code: 1006,
                        reason: String::new(),
                    });
                }
                Ok(Some(Err(_))) => {
                    return Some(Closed {
                        code: 1006,
                        reason: String::new(),
                    });
                }
                Ok(Some(Ok(Message::Close(frame)))) => return Some(closed_from(frame)),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}

/// The upgrade request for `url`: the graphql-transport-ws protocol plus `headers`.
fn request(
    url: &str,
    headers: &[(&str, &str)],
) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request, String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    for (k, v) in headers {
        let name: tokio_tungstenite::tungstenite::http::HeaderName =
            k.parse().map_err(|_| format!("bad header name {k}"))?;
        request
            .headers_mut()
            .insert(name, HeaderValue::from_str(v).map_err(|e| e.to_string())?);
    }
    Ok(request)
}

fn closed_from(frame: Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>) -> Closed {
    match frame {
        Some(f) => Closed {
            code: f.code.into(),
            reason: f.reason.to_string(),
        },
        None => Closed {
            code: 1005,
            reason: String::new(),
        },
    }
}
