//! Redis implementations (fred), shared by every server instance using the same Redis.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use fred::clients::SubscriberClient;
use fred::prelude::*;
use fred::types::{Expiration, SetOptions};
use tokio::sync::broadcast;

use super::{
    BackendError, BackendResult, Cache, Counters, EVENT_BUFFER, PubSub, SessionStore, Window,
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

/// Cache, counters, sessions and pub/sub in Redis under one key prefix.
pub struct RedisBackend {
    client: Client,
    subscriber: SubscriberClient,
    prefix: String,
    channels: Channels,
    /// Held while a new channel is being subscribed, so concurrent subscribers of the same
    /// channel all return only after Redis has confirmed the subscription.
    subscribing: tokio::sync::Mutex<()>,
}

fn err(e: Error) -> BackendError {
    BackendError::redis(e)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX).max(1)
}

impl RedisBackend {
    pub async fn connect(url: &str, prefix: &str) -> BackendResult<Self> {
        let config = Config::from_url(url).map_err(err)?;
        let builder = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(5);
                c.internal_command_timeout = Duration::from_secs(5);
            })
            .with_performance_config(|p| {
                p.default_command_timeout = Duration::from_secs(5);
            })
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 10_000, 2))
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
            client,
            subscriber,
            prefix: prefix.to_owned(),
            channels,
            subscribing: tokio::sync::Mutex::new(()),
        })
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
        format!("{}{key}", self.prefix)
    }

    fn session_key(&self, key: &str) -> String {
        format!("{}session:{key}", self.prefix)
    }

    fn user_index(&self, user_id: i32) -> String {
        format!("{}user-sessions:{user_id}", self.prefix)
    }

    fn channel(&self, name: &str) -> String {
        format!("{}channel:{name}", self.prefix)
    }
}

#[async_trait]
impl Cache for RedisBackend {
    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        self.client
            .get::<Option<Vec<u8>>, _>(self.key(key))
            .await
            .map_err(err)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> BackendResult<()> {
        let expire = ttl.map(|t| Expiration::PX(millis(t)));
        self.client
            .set::<(), _, _>(self.key(key), value.to_vec(), expire, None, false)
            .await
            .map_err(err)
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool> {
        let reply: Option<String> = self
            .client
            .set(
                self.key(key),
                value.to_vec(),
                Some(Expiration::PX(millis(ttl))),
                Some(SetOptions::NX),
                false,
            )
            .await
            .map_err(err)?;
        Ok(reply.is_some())
    }

    async fn delete(&self, key: &str) -> BackendResult<()> {
        self.client.del::<(), _>(self.key(key)).await.map_err(err)
    }

    async fn delete_if_equal(&self, key: &str, value: &[u8]) -> BackendResult<bool> {
        let deleted: i64 = self
            .client
            .eval(
                DELETE_IF_EQUAL_SCRIPT,
                vec![self.key(key)],
                vec![value.to_vec()],
            )
            .await
            .map_err(err)?;
        Ok(deleted == 1)
    }

    async fn expire_if_equal(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let renewed: i64 = self
            .client
            .eval(
                EXPIRE_IF_EQUAL_SCRIPT,
                vec![self.key(key)],
                vec![value.to_vec(), ms.to_string().into_bytes()],
            )
            .await
            .map_err(err)?;
        Ok(renewed == 1)
    }

    async fn ttl(&self, key: &str) -> BackendResult<Option<Duration>> {
        let ms: i64 = self.client.pttl(self.key(key)).await.map_err(err)?;
        Ok(match ms {
            -2 => None,
            -1 => Some(Duration::MAX),
            ms => Some(Duration::from_millis(ms.max(0) as u64)),
        })
    }

    async fn ping(&self) -> BackendResult<()> {
        self.client
            .ping::<String>(None)
            .await
            .map(|_| ())
            .map_err(err)
    }
}

#[async_trait]
impl Counters for RedisBackend {
    async fn hit(&self, key: &str, window: Duration) -> BackendResult<Window> {
        let reply: Vec<i64> = self
            .client
            .eval(HIT_SCRIPT, vec![self.key(key)], vec![millis(window)])
            .await
            .map_err(err)?;
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

    async fn peek(&self, key: &str) -> BackendResult<Window> {
        let k = self.key(key);
        let count: Option<u64> = self.client.get(&k).await.map_err(err)?;
        let ttl: i64 = self.client.pttl(&k).await.map_err(err)?;
        Ok(Window {
            count: count.unwrap_or(0),
            resets_in: Duration::from_millis(ttl.max(0) as u64),
        })
    }

    async fn reset(&self, key: &str) -> BackendResult<()> {
        self.client.del::<(), _>(self.key(key)).await.map_err(err)
    }

    async fn release(&self, key: &str) -> BackendResult<()> {
        self.client
            .eval::<i64, _, _, _>(RELEASE_SCRIPT, vec![self.key(key)], Vec::<String>::new())
            .await
            .map(|_| ())
            .map_err(err)
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
        let tx = self.client.multi();
        tx.set::<(), _, _>(
            self.session_key(key),
            record.to_vec(),
            Some(Expiration::PX(millis(ttl))),
            None,
            false,
        )
        .await
        .map_err(err)?;
        tx.sadd::<(), _, _>(&index, key).await.map_err(err)?;
        tx.exec::<()>(true).await.map_err(err)
    }

    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        self.client
            .get::<Option<Vec<u8>>, _>(self.session_key(key))
            .await
            .map_err(err)
    }

    async fn remove(&self, key: &str, user_id: i32) -> BackendResult<()> {
        self.client
            .del::<(), _>(self.session_key(key))
            .await
            .map_err(err)?;
        self.client
            .srem::<(), _, _>(self.user_index(user_id), key)
            .await
            .map_err(err)
    }

    async fn list(&self, user_id: i32) -> BackendResult<Vec<(String, Vec<u8>)>> {
        let index = self.user_index(user_id);
        let keys: Vec<String> = self.client.smembers(&index).await.map_err(err)?;
        let mut live = Vec::with_capacity(keys.len());
        for key in keys {
            match SessionStore::get(self, &key).await? {
                Some(record) => live.push((key, record)),
                // Expired: tidy the index.
                None => self
                    .client
                    .srem::<(), _, _>(&index, &key)
                    .await
                    .map_err(err)?,
            }
        }
        Ok(live)
    }

    async fn remove_all(&self, user_id: i32, keep: Option<&str>) -> BackendResult<u64> {
        let index = self.user_index(user_id);
        let keys: Vec<String> = self.client.smembers(&index).await.map_err(err)?;
        let mut removed = 0;
        for key in keys.iter().filter(|k| Some(k.as_str()) != keep) {
            let deleted: u64 = self.client.del(self.session_key(key)).await.map_err(err)?;
            removed += deleted;
            self.client
                .srem::<(), _, _>(&index, key)
                .await
                .map_err(err)?;
        }
        Ok(removed)
    }
}

#[async_trait]
impl PubSub for RedisBackend {
    async fn publish(&self, channel: &str, payload: String) -> BackendResult<()> {
        self.client
            .publish::<(), _, _>(self.channel(channel), payload)
            .await
            .map_err(err)
    }

    async fn subscribe(&self, channel: &str) -> BackendResult<broadcast::Receiver<String>> {
        let _guard = self.subscribing.lock().await;
        let (receiver, is_new) = {
            let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
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
            if let Err(e) = self.subscriber.subscribe(self.channel(channel)).await {
                let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
                map.remove(channel);
                return Err(err(e));
            }
        }
        Ok(receiver)
    }
}
