//! In-process implementations for a single server instance.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{BackendResult, Cache, Counters, EVENT_BUFFER, PubSub, SessionStore, Window};

#[derive(Default)]
struct State {
    values: HashMap<String, (Vec<u8>, Option<Instant>)>,
    counters: HashMap<String, (u64, Instant)>,
    sessions: HashMap<String, (i32, Vec<u8>, Instant)>,
    by_user: HashMap<i32, HashSet<String>>,
    writes: u64,
}

impl State {
    /// Drops expired entries every so often so memory does not grow with dead keys.
    fn maybe_sweep(&mut self, now: Instant) {
        self.writes += 1;
        if !self.writes.is_multiple_of(1024) {
            return;
        }
        self.values
            .retain(|_, (_, exp)| exp.is_none_or(|e| e > now));
        self.counters.retain(|_, (_, reset)| *reset > now);
        let expired: Vec<_> = self
            .sessions
            .iter()
            .filter(|(_, (_, _, exp))| *exp <= now)
            .map(|(k, (u, _, _))| (k.clone(), *u))
            .collect();
        for (key, user) in expired {
            self.remove_session(&key, user);
        }
    }

    fn remove_session(&mut self, key: &str, user_id: i32) {
        self.sessions.remove(key);
        if let Some(set) = self.by_user.get_mut(&user_id) {
            set.remove(key);
            if set.is_empty() {
                self.by_user.remove(&user_id);
            }
        }
    }
}

/// Cache, counters, sessions and pub/sub in this process's memory.
#[derive(Default)]
pub struct MemoryBackend {
    state: Mutex<State>,
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

impl MemoryBackend {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked mid-update of a cache; the data
        // is still a valid map, so keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sender(&self, channel: &str) -> broadcast::Sender<String> {
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
        let state = self.state();
        Ok(state
            .values
            .get(key)
            .filter(|(_, exp)| exp.is_none_or(|e| e > now))
            .map(|(v, _)| v.clone()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> BackendResult<()> {
        let now = Instant::now();
        let mut state = self.state();
        state
            .values
            .insert(key.to_owned(), (value.to_vec(), ttl.map(|t| now + t)));
        state.maybe_sweep(now);
        Ok(())
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> BackendResult<bool> {
        let now = Instant::now();
        let mut state = self.state();
        let live = state
            .values
            .get(key)
            .is_some_and(|(_, exp)| exp.is_none_or(|e| e > now));
        if live {
            return Ok(false);
        }
        state
            .values
            .insert(key.to_owned(), (value.to_vec(), Some(now + ttl)));
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
            .get(key)
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
        Ok(match state.values.get(key) {
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
        let entry = state
            .counters
            .entry(key.to_owned())
            .or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        let result = Window {
            count: entry.0,
            resets_in: entry.1 - now,
        };
        state.maybe_sweep(now);
        Ok(result)
    }

    async fn peek(&self, key: &str) -> BackendResult<Window> {
        let now = Instant::now();
        let state = self.state();
        Ok(match state.counters.get(key) {
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
        state
            .sessions
            .insert(key.to_owned(), (user_id, record.to_vec(), now + ttl));
        state
            .by_user
            .entry(user_id)
            .or_default()
            .insert(key.to_owned());
        state.maybe_sweep(now);
        Ok(())
    }

    async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        let now = Instant::now();
        let state = self.state();
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
                let (_, record, exp) = state.sessions.get(&k)?;
                (*exp > now).then(|| (k.clone(), record.clone()))
            })
            .collect())
    }

    async fn remove_all(&self, user_id: i32, keep: Option<&str>) -> BackendResult<u64> {
        let mut state = self.state();
        let keys = state.by_user.get(&user_id).cloned().unwrap_or_default();
        let mut removed = 0;
        for key in keys.iter().filter(|k| Some(k.as_str()) != keep) {
            if state.sessions.contains_key(key) {
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
mod tests {
    use super::super::{Backends, contract};

    #[tokio::test]
    async fn memory_backend_meets_the_contract() {
        contract::check_all(&Backends::memory()).await;
    }
}
