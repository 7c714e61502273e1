//! Typed events over the pub/sub backend. Publish only after the transaction that caused an
//! event has committed, so subscribers never see what was rolled back.

use futures::Stream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::broadcast::error::RecvError;

use crate::backend::{BackendResult, Backends};

/// The channels events travel on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Audit,
    AdminMessages,
    SavedPanels,
    Accounts,
}

impl Channel {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Audit => "audit",
            Self::AdminMessages => "admin-messages",
            Self::SavedPanels => "saved-panels",
            Self::Accounts => "accounts",
        }
    }
}

/// What a subscriber receives: an event, or how many it missed by reading too slowly.
#[derive(Debug, Clone, PartialEq)]
pub enum Received<T> {
    Event(T),
    Lagged(u64),
}

#[derive(Clone, Debug)]
pub struct Events {
    backends: Backends,
}

impl Events {
    pub fn new(backends: Backends) -> Self {
        Self { backends }
    }

    /// Publishes an event to every instance. Failures are logged, not returned: the change
    /// that caused the event has already committed and must not be reported as failed.
    /// While Redis is down the event still reaches this instance's subscribers (the backend
    /// delivers it locally), so live views served here stay current.
    pub async fn publish<T: Serialize>(&self, channel: Channel, event: &T) {
        let payload = match serde_json::to_string(event) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(channel = channel.name(), error = %e, "event not serialisable");
                return;
            }
        };
        if let Err(e) = self.backends.pubsub.publish(channel.name(), payload).await {
            tracing::error!(channel = channel.name(), error = %e, "event not published");
        }
    }

    /// Every event published on `channel` from now on, by any instance.
    pub async fn subscribe<T: DeserializeOwned + Send + 'static>(
        &self,
        channel: Channel,
    ) -> BackendResult<impl Stream<Item = Received<T>> + Send + use<T>> {
        let mut rx = self.backends.pubsub.subscribe(channel.name()).await?;
        Ok(async_stream::stream! {
            loop {
                match rx.recv().await {
                    Ok(payload) => match serde_json::from_str::<T>(&payload) {
                        Ok(event) => yield Received::Event(event),
                        Err(e) => tracing::warn!(error = %e, "undecodable event skipped"),
                    },
                    Err(RecvError::Lagged(n)) => yield Received::Lagged(n),
                    Err(RecvError::Closed) => break,
                }
            }
        })
    }
}
