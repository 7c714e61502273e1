//! Cache, rate-limit counters, session storage and pub/sub, behind small traits.
//!
//! Each trait has two implementations: Redis (via fred) when `REDIS_URL` is set, so any number
//! of server instances share state, and an in-process one for the embedded default.
//!
//! When Redis stops answering, the Redis backend fails fast: each command has a short timeout
//! (`REDIS_COMMAND_TIMEOUT_MS`), and after one failure a circuit breaker answers every
//! command at once with an *unavailable* error (SERVICE_UNAVAILABLE for the caller) while a
//! background probe waits for Redis to come back. Meanwhile request rate limits count in
//! process memory and live events are delivered within this instance; everything whose
//! correctness needs the shared store (sessions, logins, lockouts, download links) fails
//! cleanly.

pub mod bounded;
mod memory;
mod redis;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

pub use memory::{MemoryBackend, MemoryLimits, MemoryUsage};
pub use redis::{RedisBackend, RedisOptions};

/// Capacity of each local event channel; a subscriber further behind than this loses events
/// and is told how many (it never makes the server buffer more).
pub const EVENT_BUFFER: usize = 1024;

#[derive(Debug, thiserror::Error)]
#[error("{backend}: {message}")]
pub struct BackendError {
    pub backend: &'static str,
    pub message: String,
    /// The store does not answer (connection lost, timeout, circuit open): retrying later
    /// may work. Otherwise the command itself failed.
    pub unavailable: bool,
}

/// What callers are told while Redis does not answer.
pub const UNAVAILABLE_MESSAGE: &str = "the session store (Redis) is unreachable; try again shortly";

impl BackendError {
    pub(crate) fn redis(e: impl std::fmt::Display) -> Self {
        Self {
            backend: "redis",
            message: e.to_string(),
            unavailable: false,
        }
    }

    /// Redis does not answer.
    pub(crate) fn redis_unavailable(e: impl std::fmt::Display) -> Self {
        Self {
            unavailable: true,
            ..Self::redis(e)
        }
    }
}

impl From<BackendError> for crate::error::AppError {
    fn from(e: BackendError) -> Self {
        if e.unavailable {
            // Logged once per outage by the backend, not once per request.
            crate::error::AppError::new(shared::ErrorCode::ServiceUnavailable, UNAVAILABLE_MESSAGE)
                .with("retryAfter", 1)
        } else {
            crate::error::AppError::internal(e)
        }
    }
}

pub type BackendResult<T> = Result<T, BackendError>;

/// Byte values with a time to live.
#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>>;
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> BackendResult<()>;
    /// Sets only when absent; returns whether it was set (locks, single-flight leases).
    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool>;
    async fn delete(&self, key: &str) -> BackendResult<()>;
    /// Deletes `key` only while it holds `value` (atomically: releasing a lease never
    /// removes a lease another holder took after this one expired); returns whether it did.
    async fn delete_if_equal(&self, key: &str, value: &[u8]) -> BackendResult<bool>;
    /// Sets the time to live of `key` to `ttl` only while it holds `value` (atomically: a
    /// holder renews its own lease, never one another holder took); returns whether it did.
    async fn expire_if_equal(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool>;
    /// Remaining time to live, or `None` when the key is absent.
    async fn ttl(&self, key: &str) -> BackendResult<Option<Duration>>;
    async fn ping(&self) -> BackendResult<()>;
}

/// The state of a fixed-window counter after a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub count: u64,
    pub resets_in: Duration,
}

/// Fixed-window counters for rate limits, lockouts and brute-force detection.
#[async_trait]
pub trait Counters: Send + Sync {
    /// Adds one to `key`; a new window of `window` starts when the key is absent.
    async fn hit(&self, key: &str, window: Duration) -> BackendResult<Window>;
    /// The current count without adding to it.
    async fn peek(&self, key: &str) -> BackendResult<Window>;
    async fn reset(&self, key: &str) -> BackendResult<()>;
    /// Takes back one hit (an attempt reserved with [`Counters::hit`] that turned out not to
    /// count): never below zero, never creates the key, keeps the window.
    async fn release(&self, key: &str) -> BackendResult<()>;
}

/// Session records, indexed by user so all of a user's sessions can be listed and revoked.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn put(&self, key: &str, user_id: i32, record: &[u8], ttl: Duration)
    -> BackendResult<()>;
    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>>;
    async fn remove(&self, key: &str, user_id: i32) -> BackendResult<()>;
    /// Every live session of a user as `(key, record)`.
    async fn list(&self, user_id: i32) -> BackendResult<Vec<(String, Vec<u8>)>>;
    /// Removes every session of a user except `keep`; returns how many were removed.
    async fn remove_all(&self, user_id: i32, keep: Option<&str>) -> BackendResult<u64>;
}

/// Publish/subscribe of string messages on named channels.
#[async_trait]
pub trait PubSub: Send + Sync {
    async fn publish(&self, channel: &str, payload: String) -> BackendResult<()>;
    /// A receiver of every message published on `channel` (by any instance) from now on.
    async fn subscribe(&self, channel: &str) -> BackendResult<broadcast::Receiver<String>>;
}

/// The four services, from one backend.
#[derive(Clone)]
pub struct Backends {
    pub kind: shared::CacheBackend,
    pub cache: Arc<dyn Cache>,
    pub counters: Arc<dyn Counters>,
    pub sessions: Arc<dyn SessionStore>,
    pub pubsub: Arc<dyn PubSub>,
    /// The in-process backend, when this is one (for its usage).
    memory: Option<Arc<MemoryBackend>>,
    /// The Redis backend, when this is one (for its health).
    redis: Option<Arc<RedisBackend>>,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Backends({})", self.kind.name())
    }
}

impl Backends {
    /// In-process backends (one server instance), with the default bounds.
    pub fn memory() -> Self {
        Self::memory_with(MemoryLimits::default())
    }

    /// In-process backends (one server instance) keeping at most `limits`.
    pub fn memory_with(limits: MemoryLimits) -> Self {
        let m = Arc::new(MemoryBackend::with_limits(limits));
        Self {
            kind: shared::CacheBackend::Memory,
            cache: m.clone(),
            counters: m.clone(),
            sessions: m.clone(),
            pubsub: m.clone(),
            memory: Some(m),
            redis: None,
        }
    }

    /// Redis backends with the default options; every key and channel starts with `prefix`.
    pub async fn redis(url: &str, prefix: &str) -> BackendResult<Self> {
        Self::redis_with(url, prefix, RedisOptions::default()).await
    }

    /// Redis backends; every key and channel starts with `prefix`.
    pub async fn redis_with(url: &str, prefix: &str, options: RedisOptions) -> BackendResult<Self> {
        let r = Arc::new(RedisBackend::connect_with(url, prefix, options).await?);
        Ok(Self {
            kind: shared::CacheBackend::Redis,
            cache: r.clone(),
            counters: r.clone(),
            sessions: r.clone(),
            pubsub: r.clone(),
            memory: None,
            redis: Some(r),
        })
    }

    /// The backends `settings` describe (Redis when `REDIS_URL` is set).
    pub async fn from_settings(settings: &crate::config::Settings) -> BackendResult<Self> {
        match &settings.redis_url {
            Some(url) => {
                Self::redis_with(
                    url.expose(),
                    &settings.redis_key_prefix,
                    RedisOptions::from(&settings.caches),
                )
                .await
            }
            None => Ok(Self::memory_with(MemoryLimits::from(&settings.caches))),
        }
    }

    /// What the in-process backend holds (`None` with Redis).
    pub fn memory_usage(&self) -> Option<MemoryUsage> {
        self.memory.as_ref().map(|m| m.usage())
    }

    /// Whether Redis is in use and currently does not answer (the circuit is open).
    pub fn shared_store_down(&self) -> bool {
        self.redis.as_ref().is_some_and(|r| r.is_down())
    }
}

#[cfg(any(test, feature = "test-support"))]
#[allow(clippy::unwrap_used)]
pub mod contract {
    //! The behaviour every implementation must show; run against memory here and against a
    //! real Redis server in the end-to-end tests.
    use super::*;

    pub async fn check_all(b: &Backends) {
        check_cache(b.cache.as_ref()).await;
        check_counters(b.counters.as_ref()).await;
        check_sessions(b.sessions.as_ref()).await;
        check_pubsub(b.pubsub.as_ref()).await;
    }

    pub async fn check_cache(c: &dyn Cache) {
        assert_eq!(c.get("k").await.unwrap(), None);
        c.set("k", b"v1", None).await.unwrap();
        assert_eq!(c.get("k").await.unwrap().as_deref(), Some(&b"v1"[..]));
        assert!(
            !c.set_if_absent("k", b"v2", Duration::from_secs(5))
                .await
                .unwrap()
        );
        assert!(
            c.set_if_absent("lease", b"x", Duration::from_secs(5))
                .await
                .unwrap()
        );
        let ttl = c.ttl("lease").await.unwrap().unwrap();
        assert!(ttl <= Duration::from_secs(5) && ttl > Duration::from_secs(3));
        assert!(
            !c.delete_if_equal("lease", b"y").await.unwrap(),
            "not the holder"
        );
        assert_eq!(c.get("lease").await.unwrap().as_deref(), Some(&b"x"[..]));
        assert!(
            !c.expire_if_equal("lease", b"y", Duration::from_secs(30))
                .await
                .unwrap(),
            "only the holder renews"
        );
        assert!(
            c.expire_if_equal("lease", b"x", Duration::from_secs(30))
                .await
                .unwrap()
        );
        let renewed = c.ttl("lease").await.unwrap().unwrap();
        assert!(renewed > Duration::from_secs(25), "renewed: {renewed:?}");
        assert!(c.delete_if_equal("lease", b"x").await.unwrap());
        assert_eq!(c.get("lease").await.unwrap(), None);
        assert!(
            !c.delete_if_equal("lease", b"x").await.unwrap(),
            "already gone"
        );
        assert!(
            !c.expire_if_equal("lease", b"x", Duration::from_secs(30))
                .await
                .unwrap(),
            "a lease that is gone is not renewed"
        );
        c.delete("k").await.unwrap();
        assert_eq!(c.get("k").await.unwrap(), None);
        assert_eq!(c.ttl("k").await.unwrap(), None);
        c.set("short", b"x", Some(Duration::from_millis(1)))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            c.get("short").await.unwrap(),
            None,
            "expired values are gone"
        );
        c.ping().await.unwrap();
    }

    pub async fn check_counters(c: &dyn Counters) {
        let w = Duration::from_secs(60);
        assert_eq!(c.peek("ip").await.unwrap().count, 0);
        assert_eq!(c.hit("ip", w).await.unwrap().count, 1);
        let second = c.hit("ip", w).await.unwrap();
        assert_eq!(second.count, 2);
        assert!(second.resets_in <= w && second.resets_in > Duration::from_secs(55));
        assert_eq!(c.peek("ip").await.unwrap().count, 2);
        c.release("ip").await.unwrap();
        let released = c.peek("ip").await.unwrap();
        assert_eq!(released.count, 1, "one hit taken back");
        assert!(
            released.resets_in > Duration::from_secs(55),
            "the window is kept"
        );
        c.reset("ip").await.unwrap();
        assert_eq!(c.peek("ip").await.unwrap().count, 0);
        c.release("ip").await.unwrap();
        assert_eq!(c.peek("ip").await.unwrap().count, 0, "never below zero");
        assert_eq!(
            c.hit("ip", w).await.unwrap().count,
            1,
            "and no key left behind"
        );
        c.reset("ip").await.unwrap();
    }

    pub async fn check_sessions(s: &dyn SessionStore) {
        let ttl = Duration::from_secs(60);
        s.put("a", 1, b"one", ttl).await.unwrap();
        s.put("b", 1, b"two", ttl).await.unwrap();
        s.put("c", 2, b"three", ttl).await.unwrap();
        assert_eq!(s.get("a").await.unwrap().as_deref(), Some(&b"one"[..]));
        let mut mine: Vec<_> = s
            .list(1)
            .await
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        mine.sort();
        assert_eq!(mine, ["a", "b"]);
        assert_eq!(s.remove_all(1, Some("b")).await.unwrap(), 1);
        assert_eq!(s.get("a").await.unwrap(), None);
        assert!(s.get("b").await.unwrap().is_some());
        s.remove("b", 1).await.unwrap();
        assert!(s.list(1).await.unwrap().is_empty());
        assert_eq!(s.list(2).await.unwrap().len(), 1, "other users untouched");
        s.put("short", 3, b"x", Duration::from_millis(1))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(s.get("short").await.unwrap(), None);
        assert!(
            s.list(3).await.unwrap().is_empty(),
            "expired sessions are not listed"
        );
    }

    pub async fn check_pubsub(p: &dyn PubSub) {
        let mut rx = p.subscribe("events").await.unwrap();
        let mut other = p.subscribe("other").await.unwrap();
        p.publish("events", "hello".to_owned()).await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, "hello");
        assert!(other.try_recv().is_err(), "other channels get nothing");
    }
}
