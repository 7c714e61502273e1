//! When cached PanelApp data may be served as it is: its age against `PANELAPP_CACHE_TTL`,
//! the instance's invalidations (`refreshPanelApp` here, or one another instance made, learnt
//! by polling its marker), the cool-down after a failed refresh, and one background
//! revalidation per cache key. No I/O: the service reads and writes the shared markers and asks
//! this part what they mean.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use shared::Source;

use super::lock;

/// After a failed refresh, background refreshes of that source wait this long.
pub(super) const RETRY_COOLDOWN: Duration = Duration::from_secs(30);
/// How often an instance looks for a `refreshPanelApp` (or sync) made on another instance.
pub(super) const INVALIDATION_POLL: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub(super) struct Freshness {
    /// `PANELAPP_CACHE_TTL`.
    ttl: Duration,
    /// Data fetched before this (per source) counts as stale.
    invalidated: Mutex<HashMap<Source, DateTime<Utc>>>,
    /// When each source's shared invalidation marker was last read.
    invalidation_read: Mutex<HashMap<Source, Instant>>,
    /// When each source's last refresh failed (cleared by a success).
    failed_at: Mutex<HashMap<Source, Instant>>,
    /// Keys being revalidated in the background.
    revalidating: Arc<Mutex<HashSet<String>>>,
}

/// A background revalidation of one key; the key is free again when this is dropped.
pub(super) struct Revalidation(Arc<Mutex<HashSet<String>>>, String);

impl Drop for Revalidation {
    fn drop(&mut self) {
        lock(&self.0).remove(&self.1);
    }
}

impl Freshness {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            invalidated: Mutex::default(),
            invalidation_read: Mutex::default(),
            failed_at: Mutex::default(),
            revalidating: Arc::default(),
        }
    }

    /// Whether data of `source` fetched at `fetched_at` is fresh now.
    pub(super) fn is_fresh(&self, source: Source, fetched_at: DateTime<Utc>) -> bool {
        self.is_fresh_at(source, fetched_at, Utc::now())
    }

    fn is_fresh_at(&self, source: Source, fetched_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let age = (now - fetched_at).to_std().unwrap_or_default();
        let invalidated = lock(&self.invalidated).get(&source).copied();
        age < self.ttl && invalidated.is_none_or(|at| fetched_at > at)
    }

    /// Everything of `source` fetched before `at` is stale (an invalidation made here).
    pub(super) fn invalidate(&self, source: Source, at: DateTime<Utc>) {
        lock(&self.invalidated).insert(source, at);
    }

    /// Whether the shared invalidation marker of `source` is due to be read (at most every
    /// [`INVALIDATION_POLL`]); a `true` counts as the read.
    pub(super) fn marker_due(&self, source: Source) -> bool {
        let mut read = lock(&self.invalidation_read);
        if read
            .get(&source)
            .is_some_and(|t| t.elapsed() < INVALIDATION_POLL)
        {
            return false;
        }
        read.insert(source, Instant::now());
        true
    }

    /// Takes in an invalidation read from the shared marker; true when it is newer than any
    /// known here (what was served may have changed).
    pub(super) fn learn(&self, source: Source, at: DateTime<Utc>) -> bool {
        let mut invalidated = lock(&self.invalidated);
        if invalidated.get(&source).is_none_or(|held| at > *held) {
            invalidated.insert(source, at);
            true
        } else {
            false
        }
    }

    /// A refresh of `source` failed: background refreshes wait [`RETRY_COOLDOWN`].
    pub(super) fn failed(&self, source: Source) {
        lock(&self.failed_at).insert(source, Instant::now());
    }

    /// A refresh of `source` succeeded (or one was asked for): no more waiting.
    pub(super) fn recovered(&self, source: Source) {
        lock(&self.failed_at).remove(&source);
    }

    /// Whether a refresh of `source` failed a moment ago (background refreshes wait).
    pub(super) fn cooling_down(&self, source: Source) -> bool {
        lock(&self.failed_at)
            .get(&source)
            .is_some_and(|t| t.elapsed() < RETRY_COOLDOWN)
    }

    /// Starts the background revalidation of `key` for `source`, unless one is running for
    /// the key (stale answers do not each start one) or the last refresh of `source` just
    /// failed.
    pub(super) fn begin_revalidation(&self, source: Source, key: String) -> Option<Revalidation> {
        if self.cooling_down(source) || !lock(&self.revalidating).insert(key.clone()) {
            return None;
        }
        Some(Revalidation(self.revalidating.clone(), key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UK: Source = Source::Uk;
    const AU: Source = Source::Au;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn data_is_fresh_within_the_ttl_and_not_after() {
        let f = Freshness::new(Duration::from_secs(60));
        assert!(f.is_fresh_at(UK, at(0), at(59)));
        assert!(!f.is_fresh_at(UK, at(0), at(60)));
        // A clock that went back does not make data stale.
        assert!(f.is_fresh_at(UK, at(10), at(0)));
    }

    #[test]
    fn an_invalidation_makes_older_data_of_its_source_stale_only() {
        let f = Freshness::new(Duration::from_secs(3600));
        f.invalidate(UK, at(100));
        assert!(!f.is_fresh_at(UK, at(99), at(101)));
        assert!(!f.is_fresh_at(UK, at(100), at(101)));
        assert!(f.is_fresh_at(UK, at(101), at(102)), "fetched after it");
        assert!(f.is_fresh_at(AU, at(99), at(101)), "the other instance");
    }

    #[test]
    fn a_marker_from_another_instance_counts_only_when_newer() {
        let f = Freshness::new(Duration::from_secs(3600));
        assert!(f.learn(UK, at(100)), "first seen");
        assert!(!f.learn(UK, at(100)), "the same marker again");
        assert!(!f.learn(UK, at(50)), "an older one");
        assert!(!f.is_fresh_at(UK, at(80), at(120)));
        assert!(f.learn(UK, at(200)));
        assert!(!f.is_fresh_at(UK, at(150), at(210)));
    }

    #[test]
    fn the_marker_is_read_at_most_once_per_poll_interval() {
        let f = Freshness::new(Duration::from_secs(60));
        assert!(f.marker_due(UK));
        assert!(!f.marker_due(UK), "read a moment ago");
        assert!(f.marker_due(AU), "each source on its own");
    }

    #[test]
    fn one_revalidation_per_key_and_none_while_cooling_down() {
        let f = Freshness::new(Duration::from_secs(60));
        let first = f.begin_revalidation(UK, "catalogue:uk".into());
        assert!(first.is_some());
        assert!(f.begin_revalidation(UK, "catalogue:uk".into()).is_none());
        assert!(f.begin_revalidation(UK, "panel:uk:3".into()).is_some());
        drop(first);
        assert!(
            f.begin_revalidation(UK, "catalogue:uk".into()).is_some(),
            "free again once the first is done"
        );

        f.failed(AU);
        assert!(f.cooling_down(AU));
        assert!(f.begin_revalidation(AU, "catalogue:au".into()).is_none());
        assert!(!f.cooling_down(UK));
        f.recovered(AU);
        assert!(!f.cooling_down(AU));
        assert!(f.begin_revalidation(AU, "catalogue:au".into()).is_some());
    }
}
