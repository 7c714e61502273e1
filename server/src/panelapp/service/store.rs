//! The cache layer under the PanelApp service: the shared cache backend (Redis, or process
//! memory plus an on-disk copy that survives restarts), the lifetime of its entries, and a
//! stand-in in process memory while Redis fails.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::backend::{BackendError, Cache, MemoryBackend};

/// Every PanelApp key starts with this. `v2`: a current panel is a pointer to its version.
pub(super) const PREFIX: &str = "panelapp:v2:";

/// After a shared-cache failure the shared cache is skipped for this long (each failed
/// Redis command may take its whole command timeout; requests must not pay that each time).
pub(super) const OUTAGE_PAUSE: Duration = Duration::from_secs(15);

pub(super) struct Store {
    shared: Arc<dyn Cache>,
    /// Whether `shared` is Redis (a process-local stand-in is used while it fails).
    redis: bool,
    /// On-disk copy of the cache (when there is no Redis).
    disk: Option<PathBuf>,
    /// How long an entry is kept at all.
    retention: Duration,
    /// Used while the shared cache fails.
    local: MemoryBackend,
    /// The shared cache is skipped until then.
    down_until: Mutex<Option<Instant>>,
}

/// The outcome of [`Store::try_lease`].
pub(super) enum Lease {
    /// This caller holds it, with this token.
    Taken(String),
    /// Another caller (this instance or another) holds it.
    Held,
    /// No shared cache to lease in (no Redis, or Redis failing): work alone.
    Unavailable,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    pub(super) fn new(
        shared: Arc<dyn Cache>,
        redis: bool,
        disk: Option<PathBuf>,
        retention: Duration,
    ) -> Self {
        Self {
            shared,
            redis,
            disk,
            retention,
            local: MemoryBackend::default(),
            down_until: Mutex::new(None),
        }
    }

    /// Uses `local` (bounded) as the stand-in while Redis fails.
    pub(super) fn with_local(mut self, local: MemoryBackend) -> Self {
        self.local = local;
        self
    }

    pub(super) fn retention(&self) -> Duration {
        self.retention
    }

    /// Whether the shared cache is being skipped after a failure.
    pub(super) fn shared_down(&self) -> bool {
        lock(&self.down_until).is_some_and(|until| Instant::now() < until)
    }

    fn shared_failed(&self, what: &str, key: &str, e: &BackendError) {
        let mut until = lock(&self.down_until);
        let already = until.is_some_and(|u| Instant::now() < u);
        *until = Some(Instant::now() + OUTAGE_PAUSE);
        drop(until);
        if already {
            return;
        }
        if self.redis && e.unavailable {
            // The backend logs the outage once (the error says what degrades).
            tracing::debug!(
                "PanelApp cache: serving from this instance's memory and PanelApp while Redis \
                 is down"
            );
        } else if self.redis {
            tracing::error!(
                error = %e,
                key,
                "PanelApp cache: Redis {what} failed; this instance serves PanelApp data from its \
                 own memory and from PanelApp for the next {} s",
                OUTAGE_PAUSE.as_secs()
            );
        } else {
            tracing::error!(error = %e, key, "PanelApp cache {what} failed");
        }
    }

    fn shared_back(&self) {
        let was_down = lock(&self.down_until).take().is_some();
        if was_down && self.redis {
            tracing::info!("PanelApp cache: Redis answers again");
        }
    }

    fn disk_path(&self, key: &str) -> Option<PathBuf> {
        self.disk
            .as_ref()
            .map(|d| d.join(key.replace([':', '/', '\\'], "_")))
    }

    /// The value under `key`: shared cache, then (while Redis fails) process memory, then the
    /// on-disk copy.
    pub(super) async fn get(&self, key: &str) -> Option<Vec<u8>> {
        if !self.shared_down() {
            match self.shared.get(key).await {
                Ok(Some(v)) => {
                    self.shared_back();
                    return Some(v);
                }
                Ok(None) => self.shared_back(),
                Err(e) => self.shared_failed("read", key, &e),
            }
        }
        if self.redis
            && let Ok(Some(v)) = self.local.get(key).await
        {
            return Some(v);
        }
        let path = self.disk_path(key)?;
        let age = tokio::fs::metadata(&path)
            .await
            .ok()?
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .unwrap_or_default();
        if age >= self.retention {
            let _ = tokio::fs::remove_file(&path).await;
            return None;
        }
        let bytes = tokio::fs::read(&path).await.ok()?;
        let _ = self
            .shared
            .set(key, &bytes, Some(self.retention - age))
            .await;
        Some(bytes)
    }

    /// Stores `value` for the retention period (everywhere it is kept).
    pub(super) async fn put(&self, key: &str, value: &[u8]) {
        self.put_for(key, value, self.retention, true).await;
    }

    /// Stores `value` in the cache but not on disk (small, cheap to rebuild, or unbounded in
    /// number: the disk copy must not grow with whatever callers ask for).
    pub(super) async fn put_memory_only(&self, key: &str, value: &[u8]) {
        self.put_for(key, value, self.retention, false).await;
    }

    async fn put_for(&self, key: &str, value: &[u8], keep: Duration, to_disk: bool) {
        let mut stored = false;
        if !self.shared_down() {
            match self.shared.set(key, value, Some(keep)).await {
                Ok(()) => {
                    self.shared_back();
                    stored = true;
                }
                Err(e) => self.shared_failed("write", key, &e),
            }
        }
        if self.redis && !stored {
            let _ = self.local.set(key, value, Some(keep)).await;
        }
        if !to_disk {
            return;
        }
        if let Some(path) = self.disk_path(key) {
            if let Some(dir) = path.parent() {
                let _ = tokio::fs::create_dir_all(dir).await;
            }
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            let written = tokio::fs::write(&tmp, value).await.is_ok()
                && tokio::fs::rename(&tmp, &path).await.is_ok();
            if !written {
                let _ = tokio::fs::remove_file(&tmp).await;
                tracing::warn!(path = %path.display(), "PanelApp disk cache write failed");
            }
        }
    }

    /// Whether other instances share this cache (Redis, while it answers): only then are
    /// leases taken around PanelApp calls.
    pub(super) fn shared_across_instances(&self) -> bool {
        self.redis && !self.shared_down()
    }

    /// Tries to take the lease `key` for `ttl` in the shared cache.
    pub(super) async fn try_lease(&self, key: &str, ttl: Duration) -> Lease {
        if !self.shared_across_instances() {
            return Lease::Unavailable;
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        match self.shared.set_if_absent(key, token.as_bytes(), ttl).await {
            Ok(true) => Lease::Taken(token),
            Ok(false) => Lease::Held,
            Err(e) => {
                self.shared_failed("lease", key, &e);
                Lease::Unavailable
            }
        }
    }

    /// Whether someone holds the lease `key` (false when the shared cache fails).
    pub(super) async fn lease_held(&self, key: &str) -> bool {
        match self.shared.get(key).await {
            Ok(v) => v.is_some(),
            Err(e) => {
                self.shared_failed("lease", key, &e);
                false
            }
        }
    }

    /// Extends a lease its holder is still working under; false when it is no longer held by
    /// `token` (it expired, or the shared cache fails).
    pub(super) async fn renew(&self, key: &str, token: &str, ttl: Duration) -> bool {
        match self
            .shared
            .expire_if_equal(key, token.as_bytes(), ttl)
            .await
        {
            Ok(renewed) => renewed,
            Err(e) => {
                self.shared_failed("lease renewal", key, &e);
                false
            }
        }
    }

    /// Gives a lease back, unless it expired and someone else holds it now.
    pub(super) async fn release(&self, key: &str, token: &str) {
        if let Err(e) = self.shared.delete_if_equal(key, token.as_bytes()).await {
            self.shared_failed("lease release", key, &e);
        }
    }

    /// Removes on-disk entries past their retention and those of older key layouts.
    pub(super) fn sweep_disk(&self) -> usize {
        let Some(dir) = &self.disk else { return 0 };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        let current = PREFIX.replace(':', "_");
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .is_some_and(|age| age >= self.retention);
            if (old || !name.starts_with(&current)) && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(
                removed,
                dir = %dir.display(),
                "expired PanelApp disk cache entries removed"
            );
        }
        removed
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A cache that always fails, as Redis does while it is down.
    struct Broken;

    #[async_trait::async_trait]
    impl Cache for Broken {
        async fn get(&self, _: &str) -> crate::backend::BackendResult<Option<Vec<u8>>> {
            Err(BackendError::redis("connection refused"))
        }
        async fn set(
            &self,
            _: &str,
            _: &[u8],
            _: Option<Duration>,
        ) -> crate::backend::BackendResult<()> {
            Err(BackendError::redis("connection refused"))
        }
        async fn set_if_absent(
            &self,
            _: &str,
            _: &[u8],
            _: Duration,
        ) -> crate::backend::BackendResult<bool> {
            Err(BackendError::redis("connection refused"))
        }
        async fn delete(&self, _: &str) -> crate::backend::BackendResult<()> {
            Err(BackendError::redis("connection refused"))
        }
        async fn delete_if_equal(&self, _: &str, _: &[u8]) -> crate::backend::BackendResult<bool> {
            Err(BackendError::redis("connection refused"))
        }
        async fn expire_if_equal(
            &self,
            _: &str,
            _: &[u8],
            _: Duration,
        ) -> crate::backend::BackendResult<bool> {
            Err(BackendError::redis("connection refused"))
        }
        async fn ttl(&self, _: &str) -> crate::backend::BackendResult<Option<Duration>> {
            Err(BackendError::redis("connection refused"))
        }
        async fn ping(&self) -> crate::backend::BackendResult<()> {
            Err(BackendError::redis("connection refused"))
        }
    }

    #[tokio::test]
    async fn a_failing_redis_falls_back_to_process_memory() {
        let store = Store::new(Arc::new(Broken), true, None, Duration::from_secs(60));
        assert_eq!(store.get("k").await, None);
        assert!(store.shared_down(), "the failure pauses the shared cache");
        store.put("k", b"v").await;
        assert_eq!(store.get("k").await.as_deref(), Some(&b"v"[..]));
    }

    #[tokio::test]
    async fn a_lease_is_taken_once_and_released_only_by_its_holder() {
        let ttl = Duration::from_secs(5);
        // Without Redis there is nothing to share a lease with.
        let alone = Store::new(Arc::new(MemoryBackend::default()), false, None, ttl);
        assert!(matches!(
            alone.try_lease("l", ttl).await,
            Lease::Unavailable
        ));
        // A shared cache (memory standing in for Redis).
        let shared = Store::new(Arc::new(MemoryBackend::default()), true, None, ttl);
        let Lease::Taken(token) = shared.try_lease("l", ttl).await else {
            panic!("the first caller takes the lease");
        };
        assert!(matches!(shared.try_lease("l", ttl).await, Lease::Held));
        assert!(shared.lease_held("l").await);
        shared.release("l", "someone else's token").await;
        assert!(
            shared.lease_held("l").await,
            "not released by another token"
        );
        shared.release("l", &token).await;
        assert!(!shared.lease_held("l").await);
        assert!(matches!(shared.try_lease("l", ttl).await, Lease::Taken(_)));
        // A failing Redis: work alone.
        let broken = Store::new(Arc::new(Broken), true, None, ttl);
        assert!(matches!(
            broken.try_lease("l", ttl).await,
            Lease::Unavailable
        ));
    }

    #[tokio::test]
    async fn disk_copies_survive_a_restart_and_expire_with_their_retention() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Some(dir.path().join("cache"));
        let first = Store::new(
            Arc::new(MemoryBackend::default()),
            false,
            disk.clone(),
            Duration::from_secs(60),
        );
        first.put(&format!("{PREFIX}a"), b"one").await;
        first.put_memory_only(&format!("{PREFIX}b"), b"two").await;
        // A new process: empty memory, same disk.
        let second = Store::new(
            Arc::new(MemoryBackend::default()),
            false,
            disk.clone(),
            Duration::from_secs(60),
        );
        assert_eq!(
            second.get(&format!("{PREFIX}a")).await.as_deref(),
            Some(&b"one"[..])
        );
        assert_eq!(second.get(&format!("{PREFIX}b")).await, None, "memory only");
        // Retention shorter than the file's age: gone, and swept with old layouts.
        std::fs::write(dir.path().join("cache/panelapp_v1_catalogue_uk"), b"old").unwrap();
        let short = Store::new(
            Arc::new(MemoryBackend::default()),
            false,
            disk,
            Duration::from_nanos(1),
        );
        assert_eq!(short.get(&format!("{PREFIX}a")).await, None);
        assert_eq!(short.sweep_disk(), 1, "the v1 file");
        assert_eq!(
            std::fs::read_dir(dir.path().join("cache")).unwrap().count(),
            0
        );
    }
}
