//! Redis implementations (fred), shared by every server instance using the same Redis, with a
//! command timeout and a circuit breaker (see the module above).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use fred::clients::SubscriberClient;
use fred::prelude::*;
use fred::types::{Expiration, SetOptions};
use tokio::sync::broadcast;

use super::{
    BackendError, BackendResult, Cache, Counters, EVENT_BUFFER, MemoryBackend, MemoryLimits,
    PubSub, SessionStore, Window,
};

/// INCR with a window that starts on the first hit; returns {count, milliseconds to reset}.
const HIT_SCRIPT: &str = r"
local c = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {c, ttl}
";

/// DECR only while the counter exists and is positive (DECR keeps the key's time to live).
const RELEASE_SCRIPT: &str = r"
local c = tonumber(redis.call('GET', KEYS[1]))
if c and c > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
";

/// DEL only while the key holds ARGV[1] (a lease released by its holder, never by another).
const DELETE_IF_EQUAL_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// PEXPIRE only while the key holds ARGV[1] (a lease renewed by its holder, never by another).
const EXPIRE_IF_EQUAL_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

type Channels = Arc<Mutex<HashMap<String, broadcast::Sender<String>>>>;

/// Counter keys that may count in process memory while Redis is down: request rate limits
/// (an instance limiting on its own for a while is fine). Every other counter (login
/// failures, lockouts) needs the shared store and fails instead.
const LOCAL_FALLBACK_COUNTERS: &[&str] = &["rl:"];

/// How often the background probe asks a Redis that is down whether it is back.
const PROBE_INTERVAL: Duration = Duration::from_millis(200);

/// How the Redis backend treats a slow or absent Redis.
#[derive(Debug, Clone, Copy)]
pub struct RedisOptions {
    /// How long one command may take before Redis counts as unreachable.
    pub command_timeout: Duration,
    /// Bounds of the in-process stand-ins used while Redis is down.
    pub local: MemoryLimits,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            command_timeout: Duration::from_millis(500),
            local: MemoryLimits::default(),
        }
    }
}

impl From<&crate::config::CacheLimits> for RedisOptions {
    fn from(c: &crate::config::CacheLimits) -> Self {
        Self {
            command_timeout: c.redis_command_timeout,
            local: MemoryLimits::from(c),
        }
    }
}

/// What the backend and its background probe share.
struct Inner {
    client: Client,
    subscriber: SubscriberClient,
    prefix: String,
    channels: Channels,
    timeout: Duration,
    /// The circuit breaker: set on the first failure to reach Redis; while set, commands fail
    /// at once and a probe runs until Redis answers again.
    down: AtomicBool,
    down_since: Mutex<Option<Instant>>,
}

impl Inner {
    fn channel(&self, name: &str) -> String {
        format!("{}channel:{name}", self.prefix)
    }

    /// Opens the breaker (once per outage: logs, starts the probe).
    fn trip(self: &Arc<Self>, cause: &BackendError) {
        if self.down.swap(true, Ordering::SeqCst) {
            return;
        }
        *self.down_since.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        tracing::error!(
            error = %cause.message,
            "Redis does not answer: logged-in requests, logins and download links answer \
             SERVICE_UNAVAILABLE; rate limits and live events are local to this instance until \
             it answers again"
        );
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_INTERVAL).await;
                let Some(inner) = weak.upgrade() else { break };
                if inner.probe().await {
                    let since = inner
                        .down_since
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .take();
                    inner.down.store(false, Ordering::SeqCst);
                    tracing::warn!(
                        down_for_ms = since.map(|s| s.elapsed().as_millis()),
                        "Redis answers again"
                    );
                    break;
                }
            }
        });
    }

    /// Whether Redis answers again: a PING, and every channel of this instance subscribed
    /// (again) so events published elsewhere arrive.
    async fn probe(&self) -> bool {
        let ping = tokio::time::timeout(self.timeout, self.client.ping::<String>(None)).await;
        if !matches!(ping, Ok(Ok(_))) {
            return false;
        }
        let names: Vec<String> = self
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        for name in names {
            let sub = self.subscriber.subscribe(self.channel(&name));
            if !matches!(tokio::time::timeout(self.timeout, sub).await, Ok(Ok(()))) {
                return false;
            }
        }
        true
    }
}

/// Cache, counters, sessions and pub/sub in Redis under one key prefix.
pub struct RedisBackend {
    inner: Arc<Inner>,
    /// Held while a new channel is being subscribed, so concurrent subscribers of the same
    /// channel all return only after Redis has confirmed the subscription.
    subscribing: tokio::sync::Mutex<()>,
    /// Rate-limit counters while Redis is down.
    local: MemoryBackend,
}

fn err(e: Error) -> BackendError {
    let unreachable = matches!(
        e.kind(),
        ErrorKind::IO
            | ErrorKind::Timeout
            | ErrorKind::Canceled
            | ErrorKind::Routing
            | ErrorKind::Backpressure
            | ErrorKind::Cluster
            | ErrorKind::Sentinel
            | ErrorKind::Tls
    ) || e.details().starts_with("LOADING");
    if unreachable {
        BackendError::redis_unavailable(e)
    } else {
        BackendError::redis(e)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX).max(1)
}

impl RedisBackend {
    pub async fn connect(url: &str, prefix: &str) -> BackendResult<Self> {
        Self::connect_with(url, prefix, RedisOptions::default()).await
    }

    pub async fn connect_with(
        url: &str,
        prefix: &str,
        options: RedisOptions,
    ) -> BackendResult<Self> {
        let timeout = options.command_timeout;
        let config = Config::from_url(url).map_err(err)?;
        let builder = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(5);
                c.internal_command_timeout = Duration::from_secs(5);
            })
            .with_performance_config(|p| {
                p.default_command_timeout = timeout;
            })
            // Reconnect for ever, at most a second apart: service resumes on its own.
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 1_000, 2))
            .to_owned();
        let client = builder.build().map_err(err)?;
        let subscriber = builder.build_subscriber_client().map_err(err)?;
        client.init().await.map_err(err)?;
        subscriber.init().await.map_err(err)?;
        // Re-subscribe to every channel after a reconnect.
        let _resubscriber = subscriber.manage_subscriptions();
        let channels: Channels = Arc::default();
        Self::spawn_dispatcher(&subscriber, prefix.to_owned(), channels.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                subscriber,
                prefix: prefix.to_owned(),
                channels,
                timeout,
                down: AtomicBool::new(false),
                down_since: Mutex::new(None),
            }),
            subscribing: tokio::sync::Mutex::new(()),
            local: MemoryBackend::with_limits(options.local),
        })
    }

    /// Whether Redis is considered down (the breaker is open).
    pub fn is_down(&self) -> bool {
        self.inner.down.load(Ordering::SeqCst)
    }

    /// Runs one Redis exchange: at once unavailable while the breaker is open, otherwise
    /// bounded by the command timeout; a failure to reach Redis opens the breaker.
    async fn run<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, Error>>,
    ) -> BackendResult<T> {
        if self.is_down() {
            return Err(BackendError::redis_unavailable("circuit open"));
        }
        let result = match tokio::time::timeout(self.inner.timeout, work).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => err(e),
            Err(_) => BackendError::redis_unavailable(format!(
                "no answer within {} ms",
                self.inner.timeout.as_millis()
            )),
        };
        if result.unavailable {
            self.inner.trip(&result);
        }
        Err(result)
    }

    /// Forwards every Redis message to the local receivers of its channel.
    fn spawn_dispatcher(subscriber: &SubscriberClient, prefix: String, channels: Channels) {
        let mut rx = subscriber.message_rx();
        tokio::spawn(async move {
            loop {
                let message = match rx.recv().await {
                    Ok(m) => m,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(lost = n, "redis pub/sub dispatcher lagged");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                let Some(name) = message.channel.strip_prefix(prefix.as_str()) else {
                    continue;
                };
                let Some(name) = name.strip_prefix("channel:") else {
                    continue;
                };
                let Ok(payload) = message.value.convert::<String>() else {
                    continue;
                };
                let sender = {
                    let map = channels.lock().unwrap_or_else(|p| p.into_inner());
                    map.get(name).cloned()
                };
                if let Some(sender) = sender {
                    let _ = sender.send(payload);
                }
            }
        });
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.inner.prefix)
    }

    fn session_key(&self, key: &str) -> String {
        format!("{}session:{key}", self.inner.prefix)
    }

    fn user_index(&self, user_id: i32) -> String {
        format!("{}user-sessions:{user_id}", self.inner.prefix)
    }

    /// Whether counter `key` may count locally while Redis is down.
    fn local_fallback(key: &str) -> bool {
        LOCAL_FALLBACK_COUNTERS.iter().any(|p| key.starts_with(p))
    }
}

#[async_trait]
impl Cache for RedisBackend {
    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        let c = &self.inner.client;
        self.run(c.get::<Option<Vec<u8>>, _>(self.key(key))).await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> BackendResult<()> {
        let expire = ttl.map(|t| Expiration::PX(millis(t)));
        let c = &self.inner.client;
        self.run(c.set::<(), _, _>(self.key(key), value.to_vec(), expire, None, false))
            .await
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool> {
        let c = &self.inner.client;
        let reply: Option<String> = self
            .run(c.set(
                self.key(key),
                value.to_vec(),
                Some(Expiration::PX(millis(ttl))),
                Some(SetOptions::NX),
                false,
            ))
            .await?;
        Ok(reply.is_some())
    }

    async fn delete(&self, key: &str) -> BackendResult<()> {
        let c = &self.inner.client;
        self.run(c.del::<(), _>(self.key(key))).await
    }

    async fn delete_if_equal(&self, key: &str, value: &[u8]) -> BackendResult<bool> {
        let c = &self.inner.client;
        let deleted: i64 = self
            .run(c.eval(
                DELETE_IF_EQUAL_SCRIPT,
                vec![self.key(key)],
                vec![value.to_vec()],
            ))
            .await?;
        Ok(deleted == 1)
    }

    async fn expire_if_equal(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let c = &self.inner.client;
        let renewed: i64 = self
            .run(c.eval(
                EXPIRE_IF_EQUAL_SCRIPT,
                vec![self.key(key)],
                vec![value.to_vec(), ms.to_string().into_bytes()],
            ))
            .await?;
        Ok(renewed == 1)
    }

    async fn ttl(&self, key: &str) -> BackendResult<Option<Duration>> {
        let c = &self.inner.client;
        let ms: i64 = self.run(c.pttl(self.key(key))).await?;
        Ok(match ms {
            -2 => None,
            -1 => Some(Duration::MAX),
            ms => Some(Duration::from_millis(ms.max(0) as u64)),
        })
    }

    async fn ping(&self) -> BackendResult<()> {
        let c = &self.inner.client;
        self.run(c.ping::<String>(None)).await.map(|_| ())
    }
}

impl RedisBackend {
    async fn redis_hit(&self, key: &str, window: Duration) -> BackendResult<Window> {
        let c = &self.inner.client;
        let reply: Vec<i64> = self
            .run(c.eval(HIT_SCRIPT, vec![self.key(key)], vec![millis(window)]))
            .await?;
        match reply.as_slice() {
            [count, ttl] => Ok(Window {
                count: (*count).max(0) as u64,
                resets_in: Duration::from_millis((*ttl).max(0) as u64),
            }),
            other => Err(BackendError::redis(format!(
                "unexpected counter reply {other:?}"
            ))),
        }
    }

    async fn redis_peek(&self, key: &str) -> BackendResult<Window> {
        let k = self.key(key);
        let c = &self.inner.client;
        let (count, ttl): (Option<u64>, i64) = self
            .run(async {
                let count: Option<u64> = c.get(&k).await?;
                let ttl: i64 = c.pttl(&k).await?;
                Ok((count, ttl))
            })
            .await?;
        Ok(Window {
            count: count.unwrap_or(0),
            resets_in: Duration::from_millis(ttl.max(0) as u64),
        })
    }
}

#[async_trait]
impl Counters for RedisBackend {
    async fn hit(&self, key: &str, window: Duration) -> BackendResult<Window> {
        match self.redis_hit(key, window).await {
            Err(e) if e.unavailable && Self::local_fallback(key) => {
                self.local.hit(key, window).await
            }
            other => other,
        }
    }

    async fn peek(&self, key: &str) -> BackendResult<Window> {
        match self.redis_peek(key).await {
            Err(e) if e.unavailable && Self::local_fallback(key) => self.local.peek(key).await,
            other => other,
        }
    }

    async fn reset(&self, key: &str) -> BackendResult<()> {
        if Self::local_fallback(key) {
            self.local.reset(key).await?;
        }
        let c = &self.inner.client;
        match self.run(c.del::<(), _>(self.key(key))).await {
            Err(e) if e.unavailable && Self::local_fallback(key) => Ok(()),
            other => other,
        }
    }

    async fn release(&self, key: &str) -> BackendResult<()> {
        if Self::local_fallback(key) {
            self.local.release(key).await?;
        }
        let c = &self.inner.client;
        let released = self
            .run(c.eval::<i64, _, _, _>(RELEASE_SCRIPT, vec![self.key(key)], Vec::<String>::new()))
            .await;
        match released {
            Err(e) if e.unavailable && Self::local_fallback(key) => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

#[async_trait]
impl SessionStore for RedisBackend {
    async fn put(
        &self,
        key: &str,
        user_id: i32,
        record: &[u8],
        ttl: Duration,
    ) -> BackendResult<()> {
        let index = self.user_index(user_id);
        let session = self.session_key(key);
        let c = &self.inner.client;
        // One transaction: a session is stored with its index entry or not at all.
        self.run(async {
            let tx = c.multi();
            tx.set::<(), _, _>(
                session,
                record.to_vec(),
                Some(Expiration::PX(millis(ttl))),
                None,
                false,
            )
            .await?;
            tx.sadd::<(), _, _>(&index, key).await?;
            tx.exec::<()>(true).await
        })
        .await
    }

    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        let c = &self.inner.client;
        self.run(c.get::<Option<Vec<u8>>, _>(self.session_key(key)))
            .await
    }

    async fn remove(&self, key: &str, user_id: i32) -> BackendResult<()> {
        let index = self.user_index(user_id);
        let session = self.session_key(key);
        let c = &self.inner.client;
        self.run(async {
            let tx = c.multi();
            tx.del::<(), _>(session).await?;
            tx.srem::<(), _, _>(&index, key).await?;
            tx.exec::<()>(true).await
        })
        .await
    }

    async fn list(&self, user_id: i32) -> BackendResult<Vec<(String, Vec<u8>)>> {
        let index = self.user_index(user_id);
        let c = &self.inner.client;
        let keys: Vec<String> = self.run(c.smembers(&index)).await?;
        let mut live = Vec::with_capacity(keys.len());
        for key in keys {
            match SessionStore::get(self, &key).await? {
                Some(record) => live.push((key, record)),
                // Expired: tidy the index.
                None => self.run(c.srem::<(), _, _>(&index, &key)).await?,
            }
        }
        Ok(live)
    }

    async fn remove_all(&self, user_id: i32, keep: Option<&str>) -> BackendResult<u64> {
        let index = self.user_index(user_id);
        let c = &self.inner.client;
        let keys: Vec<String> = self.run(c.smembers(&index)).await?;
        let doomed: Vec<&String> = keys.iter().filter(|k| Some(k.as_str()) != keep).collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        let sessions: Vec<String> = doomed.iter().map(|k| self.session_key(k)).collect();
        let members: Vec<String> = doomed.iter().map(|k| (*k).clone()).collect();
        // One transaction: every session ends, or (Redis failing) none does.
        let replies: Vec<i64> = self
            .run(async {
                let tx = c.multi();
                tx.del::<(), _>(sessions).await?;
                tx.srem::<(), _, _>(&index, members).await?;
                tx.exec(true).await
            })
            .await?;
        Ok(replies.first().copied().unwrap_or(0).max(0) as u64)
    }
}

#[async_trait]
impl PubSub for RedisBackend {
    /// Through Redis to every instance; while Redis is down, to this instance's subscribers
    /// only (the event is not lost here, and other instances cannot be reached anyway).
    async fn publish(&self, channel: &str, payload: String) -> BackendResult<()> {
        let c = &self.inner.client;
        match self
            .run(c.publish::<(), _, _>(self.inner.channel(channel), payload.clone()))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.unavailable => {
                let sender = {
                    let map = self
                        .inner
                        .channels
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    map.get(channel).cloned()
                };
                if let Some(sender) = sender {
                    let _ = sender.send(payload);
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// A local receiver of `channel`; Redis is asked to deliver it here too (while Redis is
    /// down the receiver gets this instance's events, and the probe subscribes once Redis is
    /// back).
    async fn subscribe(&self, channel: &str) -> BackendResult<broadcast::Receiver<String>> {
        let _guard = self.subscribing.lock().await;
        let (receiver, is_new) = {
            let mut map = self
                .inner
                .channels
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            match map.get(channel) {
                Some(sender) => (sender.subscribe(), false),
                None => {
                    let (sender, receiver) = broadcast::channel(EVENT_BUFFER);
                    map.insert(channel.to_owned(), sender);
                    (receiver, true)
                }
            }
        };
        if is_new {
            // Returns once Redis has confirmed, so nothing published afterwards is missed.
            let sub = &self.inner.subscriber;
            match self.run(sub.subscribe(self.inner.channel(channel))).await {
                Ok(()) => {}
                // The breaker is open: the probe subscribes when Redis is back.
                Err(e) if e.unavailable => {}
                Err(e) => {
                    let mut map = self
                        .inner
                        .channels
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    map.remove(channel);
                    return Err(e);
                }
            }
        }
        Ok(receiver)
    }
}
