//! In-process implementations for a single server instance (and the stand-ins a Redis
//! backend uses while Redis is down). Every map is bounded ([`MemoryLimits`]): the least
//! recently used entries go first, so no request pattern grows memory for good.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::bounded::BoundedLru;
use super::{BackendResult, Cache, Counters, EVENT_BUFFER, PubSub, SessionStore, Window};

/// Bookkeeping bytes counted per cached value besides its key and bytes.
const ENTRY_OVERHEAD: usize = 64;

/// How much a [`MemoryBackend`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimits {
    /// Bytes of cached values (keys and values).
    pub cache_bytes: usize,
    /// Rate-limit counters, and sessions, each.
    pub entries: usize,
}

impl Default for MemoryLimits {
    fn default() -> Self {
        Self {
            cache_bytes: 256 << 20,
            entries: 100_000,
        }
    }
}

impl From<&crate::config::CacheLimits> for MemoryLimits {
    fn from(c: &crate::config::CacheLimits) -> Self {
        Self {
            cache_bytes: c.memory_cache_bytes,
            entries: c.memory_entries,
        }
    }
}

/// What a [`MemoryBackend`] holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryUsage {
    pub cache_bytes: usize,
    pub cache_entries: usize,
    pub counters: usize,
    pub sessions: usize,
    pub limits: MemoryLimits,
}

struct State {
    values: BoundedLru<String, (Vec<u8>, Option<Instant>)>,
    counters: BoundedLru<String, (u64, Instant)>,
    sessions: BoundedLru<String, (i32, Vec<u8>, Instant)>,
    by_user: HashMap<i32, HashSet<String>>,
    writes: u64,
}

impl State {
    fn new(limits: MemoryLimits) -> Self {
        Self {
            values: BoundedLru::new(limits.cache_bytes, usize::MAX),
            counters: BoundedLru::new(usize::MAX, limits.entries),
            sessions: BoundedLru::new(usize::MAX, limits.entries),
            by_user: HashMap::new(),
            writes: 0,
        }
    }

    /// Drops expired entries every so often so memory does not hold dead keys.
    fn maybe_sweep(&mut self, now: Instant) {
        self.writes += 1;
        if !self.writes.is_multiple_of(1024) {
            return;
        }
        self.values
            .retain(|_, (_, exp)| exp.is_none_or(|e| e > now));
        self.counters.retain(|_, (_, reset)| *reset > now);
        let expired = self.sessions.retain(|_, (_, _, exp)| *exp > now);
        for (key, (user, _, _)) in expired {
            self.unindex(&key, user);
        }
    }

    fn set_value(&mut self, key: &str, value: &[u8], expires: Option<Instant>) {
        let weight = key.len() + value.len() + ENTRY_OVERHEAD;
        self.values
            .insert(key.to_owned(), (value.to_vec(), expires), weight);
    }

    fn put_session(&mut self, key: &str, user_id: i32, record: &[u8], expires: Instant) {
        let dropped = self
            .sessions
            .insert(key.to_owned(), (user_id, record.to_vec(), expires), 0);
        self.by_user
            .entry(user_id)
            .or_default()
            .insert(key.to_owned());
        for (k, (user, _, _)) in dropped {
            self.unindex(&k, user);
        }
    }

    fn unindex(&mut self, key: &str, user_id: i32) {
        if let Some(set) = self.by_user.get_mut(&user_id) {
            set.remove(key);
            if set.is_empty() {
                self.by_user.remove(&user_id);
            }
        }
    }

    fn remove_session(&mut self, key: &str, user_id: i32) {
        self.sessions.remove(key);
        self.unindex(key, user_id);
    }
}

/// Cache, counters, sessions and pub/sub in this process's memory.
pub struct MemoryBackend {
    state: Mutex<State>,
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
    limits: MemoryLimits,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::with_limits(MemoryLimits::default())
    }
}

impl MemoryBackend {
    pub fn with_limits(limits: MemoryLimits) -> Self {
        Self {
            state: Mutex::new(State::new(limits)),
            channels: Mutex::default(),
            limits,
        }
    }

    /// What is held now, against the limits.
    pub fn usage(&self) -> MemoryUsage {
        let state = self.state();
        MemoryUsage {
            cache_bytes: state.values.weight(),
            cache_entries: state.values.len(),
            counters: state.counters.len(),
            sessions: state.sessions.len(),
            limits: self.limits,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked mid-update of a cache; the data
        // is still a valid map, so keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The local channel `channel` (created on first use).
    pub(super) fn sender(&self, channel: &str) -> broadcast::Sender<String> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .entry(channel.to_owned())
            .or_insert_with(|| broadcast::channel(EVENT_BUFFER).0)
            .clone()
    }
}

#[async_trait]
impl Cache for MemoryBackend {
    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        let now = Instant::now();
        let mut state = self.state();
        Ok(state
            .values
            .get(key)
            .filter(|(_, exp)| exp.is_none_or(|e| e > now))
            .map(|(v, _)| v.clone()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> BackendResult<()> {
        let now = Instant::now();
        let mut state = self.state();
        state.set_value(key, value, ttl.map(|t| now + t));
        state.maybe_sweep(now);
        Ok(())
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool> {
        let now = Instant::now();
        let mut state = self.state();
        let live = state
            .values
            .peek(key)
            .is_some_and(|(_, exp)| exp.is_none_or(|e| e > now));
        if live {
            return Ok(false);
        }
        state.set_value(key, value, Some(now + ttl));
        Ok(true)
    }

    async fn delete(&self, key: &str) -> BackendResult<()> {
        self.state().values.remove(key);
        Ok(())
    }

    async fn delete_if_equal(&self, key: &str, value: &[u8]) -> BackendResult<bool> {
        let now = Instant::now();
        let mut state = self.state();
        let holds = state
            .values
            .peek(key)
            .is_some_and(|(v, exp)| v == value && exp.is_none_or(|e| e > now));
        if holds {
            state.values.remove(key);
        }
        Ok(holds)
    }

    async fn expire_if_equal(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool> {
        let now = Instant::now();
        let mut state = self.state();
        match state.values.get_mut(key) {
            Some((v, exp)) if v == value && exp.is_none_or(|e| e > now) => {
                *exp = Some(now + ttl);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn ttl(&self, key: &str) -> BackendResult<Option<Duration>> {
        let now = Instant::now();
        let state = self.state();
        Ok(match state.values.peek(key) {
            Some((_, Some(exp))) if *exp > now => Some(*exp - now),
            Some((_, None)) => Some(Duration::MAX),
            _ => None,
        })
    }

    async fn ping(&self) -> BackendResult<()> {
        Ok(())
    }
}

#[async_trait]
impl Counters for MemoryBackend {
    async fn hit(&self, key: &str, window: Duration) -> BackendResult<Window> {
        let now = Instant::now();
        let mut state = self.state();
        let result = match state.counters.get_mut(key) {
            Some(entry) => {
                if entry.1 <= now {
                    *entry = (0, now + window);
                }
                entry.0 += 1;
                Window {
                    count: entry.0,
                    resets_in: entry.1 - now,
                }
            }
            None => {
                state.counters.insert(key.to_owned(), (1, now + window), 0);
                Window {
                    count: 1,
                    resets_in: window,
                }
            }
        };
        state.maybe_sweep(now);
        Ok(result)
    }

    async fn peek(&self, key: &str) -> BackendResult<Window> {
        let now = Instant::now();
        let state = self.state();
        Ok(match state.counters.peek(key) {
            Some((count, reset)) if *reset > now => Window {
                count: *count,
                resets_in: *reset - now,
            },
            _ => Window {
                count: 0,
                resets_in: Duration::ZERO,
            },
        })
    }

    async fn reset(&self, key: &str) -> BackendResult<()> {
        self.state().counters.remove(key);
        Ok(())
    }

    async fn release(&self, key: &str) -> BackendResult<()> {
        let now = Instant::now();
        let mut state = self.state();
        if let Some((count, reset)) = state.counters.get_mut(key)
            && *reset > now
        {
            *count = count.saturating_sub(1);
        }
        Ok(())
    }
}

#[async_trait]
impl SessionStore for MemoryBackend {
    async fn put(
        &self,
        key: &str,
        user_id: i32,
        record: &[u8],
        ttl: Duration,
    ) -> BackendResult<()> {
        let now = Instant::now();
        let mut state = self.state();
        state.put_session(key, user_id, record, now + ttl);
        state.maybe_sweep(now);
        Ok(())
    }

    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        let now = Instant::now();
        let mut state = self.state();
        Ok(state
            .sessions
            .get(key)
            .filter(|(_, _, exp)| *exp > now)
            .map(|(_, r, _)| r.clone()))
    }

    async fn remove(&self, key: &str, user_id: i32) -> BackendResult<()> {
        self.state().remove_session(key, user_id);
        Ok(())
    }

    async fn list(&self, user_id: i32) -> BackendResult<Vec<(String, Vec<u8>)>> {
        let now = Instant::now();
        let state = self.state();
        let keys = state.by_user.get(&user_id).cloned().unwrap_or_default();
        Ok(keys
            .into_iter()
            .filter_map(|k| {
                let (_, record, exp) = state.sessions.peek(&k)?;
                (*exp > now).then(|| (k.clone(), record.clone()))
            })
            .collect())
    }

    async fn remove_all(&self, user_id: i32, keep: Option<&str>) -> BackendResult<u64> {
        let mut state = self.state();
        let keys = state.by_user.get(&user_id).cloned().unwrap_or_default();
        let mut removed = 0;
        for key in keys.iter().filter(|k| Some(k.as_str()) != keep) {
            if state.sessions.contains(key) {
                removed += 1;
            }
            state.remove_session(key, user_id);
        }
        Ok(removed)
    }
}

#[async_trait]
impl PubSub for MemoryBackend {
    async fn publish(&self, channel: &str, payload: String) -> BackendResult<()> {
        // No receivers is not an error: nobody is listening right now.
        let _ = self.sender(channel).send(payload);
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> BackendResult<broadcast::Receiver<String>> {
        Ok(self.sender(channel).subscribe())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{Backends, contract};

    use super::*;

    #[tokio::test]
    async fn memory_backend_meets_the_contract() {
        contract::check_all(&Backends::memory()).await;
    }

    #[tokio::test]
    async fn every_map_stays_within_its_bound() {
        let m = MemoryBackend::with_limits(MemoryLimits {
            cache_bytes: 10_000,
            entries: 100,
        });
        let w = Duration::from_secs(60);
        for i in 0..1000 {
            m.set(&format!("k{i}"), &[0; 500], None).await.unwrap();
            m.hit(&format!("rl:{i}"), w).await.unwrap();
            m.put(&format!("s{i}"), i % 7, b"r", w).await.unwrap();
        }
        let u = m.usage();
        assert!(u.cache_bytes <= 10_000, "{u:?}");
        assert!(u.cache_entries < 1000 && u.cache_entries > 0, "{u:?}");
        assert_eq!((u.counters, u.sessions), (100, 100), "{u:?}");
        // The most recent entries are the ones kept, and the per-user index follows.
        assert!(Cache::get(&m, "k999").await.unwrap().is_some());
        assert!(Cache::get(&m, "k0").await.unwrap().is_none());
        assert_eq!(m.peek("rl:999").await.unwrap().count, 1);
        let listed: usize = futures::future::join_all((0..7).map(|u| m.list(u)))
            .await
            .into_iter()
            .map(|l| l.unwrap().len())
            .sum();
        assert_eq!(listed, 100);
        let indexed: usize = m.state().by_user.values().map(HashSet::len).sum();
        assert_eq!(indexed, 100, "evicted sessions leave the user index");
    }
}
