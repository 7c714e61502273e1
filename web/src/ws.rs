//! A small GraphQL subscription client over WebSocket (`graphql-transport-ws` on `/graphql`).
//!
//! One socket per subscription; the session cookie authenticates the upgrade, so
//! `connection_init` carries no secret. A dropped connection is re-opened with back-off until the
//! subscription is stopped (its owner cleaned up, or [`Subscription::stop`]). Any page can use
//! it: `use_subscription::<MyOperation>(variables, move |event| ...)`.

use futures::future::{AbortHandle, Abortable};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use graphql_client::GraphQLQuery;
use leptos::prelude::on_cleanup;
use serde_json::{Value, json};
use shared::ErrorCode;

use crate::api::{ApiError, interpret};

/// What a subscription reports to its listener.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent<T> {
    /// The server acknowledged the subscription; events will follow.
    Connected,
    /// One event.
    Data(T),
    /// The server refused or ended the subscription with an error (not retried).
    Failed(ApiError),
    /// The connection dropped; the client is trying again.
    Reconnecting,
}

/// A running subscription; stops when [`Subscription::stop`] is called.
#[derive(Debug, Clone)]
pub struct Subscription(AbortHandle);

impl Subscription {
    /// Closes the socket and stops reconnecting.
    pub fn stop(&self) {
        self.0.abort();
    }
}

/// `ws://host/graphql` or `wss://host/graphql` for the page's origin.
fn endpoint() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/graphql", location.host().ok()?))
}

/// How one connection ended.
enum Ended {
    /// The socket closed or failed: try again.
    Dropped,
    /// The server completed or refused the subscription: do not.
    Done,
}

/// Starts the subscription `Q` and stops it when the current reactive owner is cleaned up.
pub fn use_subscription<Q>(
    variables: Q::Variables,
    listener: impl Fn(LiveEvent<Q::ResponseData>) + 'static,
) -> Subscription
where
    Q: GraphQLQuery + 'static,
    Q::Variables: 'static,
{
    let subscription = subscribe::<Q>(variables, listener);
    let handle = subscription.clone();
    on_cleanup(move || handle.stop());
    subscription
}

/// Starts the subscription `Q`; `listener` gets every event until it is stopped.
pub fn subscribe<Q>(
    variables: Q::Variables,
    listener: impl Fn(LiveEvent<Q::ResponseData>) + 'static,
) -> Subscription
where
    Q: GraphQLQuery + 'static,
    Q::Variables: 'static,
{
    let (handle, registration) = AbortHandle::new_pair();
    let payload = serde_json::to_value(Q::build_query(variables)).unwrap_or(Value::Null);
    let task = async move {
        let mut delay_ms = 500;
        loop {
            match connect::<Q::ResponseData>(&payload, &listener).await {
                Ended::Done => return,
                Ended::Dropped => listener(LiveEvent::Reconnecting),
            }
            gloo_timers::future::TimeoutFuture::new(delay_ms).await;
            delay_ms = (delay_ms * 2).min(15_000);
        }
    };
    leptos::task::spawn_local(async move {
        let _ = Abortable::new(task, registration).await;
    });
    Subscription(handle)
}

/// One connection: init, subscribe, then relay messages until it ends.
async fn connect<T: serde::de::DeserializeOwned>(
    payload: &Value,
    listener: &impl Fn(LiveEvent<T>),
) -> Ended {
    let Some(url) = endpoint() else {
        return Ended::Done;
    };
    let Ok(socket) = WebSocket::open_with_protocol(&url, "graphql-transport-ws") else {
        return Ended::Dropped;
    };
    let (mut sink, mut stream) = socket.split();
    let send = |value: Value| Message::Text(value.to_string());
    if sink
        .send(send(json!({ "type": "connection_init", "payload": {} })))
        .await
        .is_err()
    {
        return Ended::Dropped;
    }
    while let Some(message) = stream.next().await {
        let Ok(Message::Text(text)) = message else {
            if message.is_err() {
                return Ended::Dropped;
            }
            continue;
        };
        let Ok(message) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match message["type"].as_str().unwrap_or_default() {
            "connection_ack" => {
                let subscribe = json!({ "id": "1", "type": "subscribe", "payload": payload });
                if sink.send(send(subscribe)).await.is_err() {
                    return Ended::Dropped;
                }
                listener(LiveEvent::Connected);
            }
            "ping" if sink.send(send(json!({ "type": "pong" }))).await.is_err() => {
                return Ended::Dropped;
            }
            "next" => match interpret::<T>(200, "", &message["payload"].to_string()) {
                Ok(data) => listener(LiveEvent::Data(data)),
                Err(error) => listener(LiveEvent::Failed(error)),
            },
            "error" => {
                let first = &message["payload"][0];
                let code: Option<ErrorCode> = first["extensions"]["code"]
                    .as_str()
                    .and_then(|code| code.parse().ok());
                listener(LiveEvent::Failed(ApiError::Graphql {
                    code,
                    message: first["message"]
                        .as_str()
                        .unwrap_or("The subscription was refused.")
                        .to_owned(),
                }));
                // The socket's identity ended (logout, a revoked session): the server closes it
                // with 4401; a new socket carries whoever is logged in now (or nobody).
                if code == Some(ErrorCode::Unauthenticated) {
                    return Ended::Dropped;
                }
                return Ended::Done;
            }
            "complete" => return Ended::Done,
            _ => {}
        }
    }
    Ended::Dropped
}
