//! Single flight across instances that share Redis: one instance asks PanelApp for a cache
//! key while holding its lease, the others wait for its answer to land in the cache. Inside
//! one process, [`super::flight`] does the same job.

use std::time::{Duration, Instant};

use super::store::{Lease, PREFIX, Store};
use crate::error::AppResult;

/// The lease (in Redis) guarding the PanelApp call that fills cache key `key`.
fn lease_key(key: &str) -> String {
    format!("{PREFIX}lease:{}", key.strip_prefix(PREFIX).unwrap_or(key))
}

/// How long leases last and how long a holder may take.
#[derive(Debug, Clone, Copy)]
pub(super) struct Leases {
    /// How long a lease lasts in Redis unless renewed (one request's timeout).
    ttl: Duration,
    /// The longest one PanelApp fetch may take: every attempt timing out, plus the waits
    /// between them (backoff, `Retry-After` up to its cap). A lease held longer than that
    /// belongs to a stuck holder.
    fetch_bound: Duration,
}

impl Leases {
    /// Leases for a client with this request timeout and number of retries.
    pub(super) fn for_client(timeout: Duration, max_retries: u32) -> Self {
        Self {
            ttl: timeout.clamp(Duration::from_secs(5), Duration::from_secs(60)),
            fetch_bound: (timeout + crate::panelapp::client::MAX_RETRY_AFTER) * (max_retries + 1),
        }
    }

    /// `fetch` run under the lease for `key` in `store` (SET NX PX with a random token,
    /// renewed while it runs, released by compare-and-delete). Finding the lease taken, this
    /// waits for the holder's answer to appear in the cache (`ready`, polled with a short
    /// backoff) and serves it; when the lease goes away without an answer (the holder failed,
    /// or died and the lease expired), or is held past `fetch_bound`, it fetches itself.
    /// Without a shared cache `fetch` simply runs.
    pub(super) async fn around<T, R>(
        &self,
        store: &Store,
        key: &str,
        ready: impl Fn() -> R,
        fetch: impl std::future::Future<Output = AppResult<T>>,
    ) -> AppResult<T>
    where
        R: std::future::Future<Output = Option<T>>,
    {
        let lease = lease_key(key);
        let deadline = Instant::now() + self.fetch_bound;
        let fetch = std::pin::pin!(fetch);
        loop {
            match store.try_lease(&lease, self.ttl).await {
                Lease::Taken(token) => return self.hold(store, &lease, &token, fetch).await,
                Lease::Unavailable => return fetch.await,
                Lease::Held => {}
            }
            let mut pause = Duration::from_millis(10);
            loop {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
                if let Some(v) = ready().await {
                    return Ok(v);
                }
                if Instant::now() >= deadline {
                    tracing::warn!(
                        lease,
                        "PanelApp lease outlived its holder's timeout; fetching"
                    );
                    return fetch.await;
                }
                if !store.lease_held(&lease).await {
                    // Released: the answer may have landed just before.
                    if let Some(v) = ready().await {
                        return Ok(v);
                    }
                    break;
                }
            }
        }
    }

    /// `work` run under the lease for `key` when no one else holds it (`None` when someone
    /// does); without a shared cache it simply runs. For work whose result is not waited for
    /// elsewhere (a background sync, a write that merges with what is stored).
    pub(super) async fn exclusive<T>(
        &self,
        store: &Store,
        key: &str,
        work: impl std::future::Future<Output = T>,
    ) -> Option<T> {
        let lease = lease_key(key);
        match store.try_lease(&lease, self.ttl).await {
            Lease::Taken(token) => {
                Some(self.hold(store, &lease, &token, std::pin::pin!(work)).await)
            }
            Lease::Unavailable => Some(work.await),
            Lease::Held => None,
        }
    }

    /// Runs `work` while holding `lease` (taken with `token`), then gives it back. Work may
    /// outlast one lease (retries, a 429's `Retry-After`): the lease is renewed while it
    /// runs, so others keep waiting for this result instead of asking PanelApp too.
    async fn hold<F: std::future::Future>(
        &self,
        store: &Store,
        lease: &str,
        token: &str,
        mut work: std::pin::Pin<&mut F>,
    ) -> F::Output {
        let out = loop {
            tokio::select! {
                out = &mut work => break out,
                () = tokio::time::sleep(self.ttl / 3) => {
                    store.renew(lease, token, self.ttl).await;
                }
            }
        };
        store.release(lease, token).await;
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::backend::MemoryBackend;

    const KEY: &str = "panelapp:v2:panel:uk:402:current";

    /// Two instances sharing one cache (memory standing in for Redis).
    fn two_instances() -> (Store, Store) {
        let redis = Arc::new(MemoryBackend::default());
        let keep = Duration::from_secs(60);
        (
            Store::new(redis.clone(), true, None, keep),
            Store::new(redis, true, None, keep),
        )
    }

    fn leases(fetch_bound: Duration) -> Leases {
        Leases {
            ttl: Duration::from_secs(5),
            fetch_bound,
        }
    }

    /// What the waiting instance finds in the cache.
    fn landed<'s>(
        store: &'s Store,
    ) -> impl Fn() -> futures::future::BoxFuture<'s, Option<Vec<u8>>> + 's {
        move || Box::pin(store.get(KEY))
    }

    #[tokio::test]
    async fn the_second_instance_serves_the_first_ones_answer_instead_of_asking_panelapp() {
        let (a, b) = two_instances();
        let l = leases(Duration::from_secs(60));
        let asked = AtomicUsize::new(0);
        let b_waits = tokio::sync::Notify::new();
        let b_looks = || {
            b_waits.notify_one();
            b.get(KEY)
        };
        // A is polled first and takes the lease; B finds it held and waits.
        let (answer_a, answer_b) = tokio::join!(
            l.around(&a, KEY, landed(&a), async {
                asked.fetch_add(1, Ordering::SeqCst);
                b_waits.notified().await;
                a.put(KEY, b"panel 402 v8.124").await;
                Ok(b"panel 402 v8.124".to_vec())
            }),
            l.around(&b, KEY, b_looks, async {
                asked.fetch_add(1, Ordering::SeqCst);
                Ok(b"B asked PanelApp".to_vec())
            })
        );
        assert_eq!(answer_a.unwrap(), b"panel 402 v8.124");
        assert_eq!(
            answer_b.unwrap(),
            b"panel 402 v8.124",
            "B served A's answer"
        );
        assert_eq!(asked.load(Ordering::SeqCst), 1, "PanelApp asked once");
        assert!(
            !a.lease_held(&lease_key(KEY)).await,
            "the lease is released"
        );
    }

    #[tokio::test]
    async fn a_holder_that_fails_leaves_the_fetch_to_the_waiting_instance() {
        use std::sync::atomic::AtomicBool;
        let (a, b) = two_instances();
        let l = leases(Duration::from_secs(60));
        // A fails only once B has looked for its answer (B is waiting), and B asks PanelApp
        // only after A failed: it waited, then fetched itself.
        let b_waits = tokio::sync::Notify::new();
        let b_looks = || {
            b_waits.notify_one();
            b.get(KEY)
        };
        let a_failed = AtomicBool::new(false);
        let (answer_a, answer_b) = tokio::join!(
            l.around(&a, KEY, landed(&a), async {
                b_waits.notified().await;
                a_failed.store(true, Ordering::SeqCst);
                Err::<Vec<u8>, _>(crate::error::AppError::upstream(
                    "PanelApp UK",
                    "answered HTTP 503",
                ))
            }),
            l.around(&b, KEY, b_looks, async {
                assert!(
                    a_failed.load(Ordering::SeqCst),
                    "B fetched while A still held the lease"
                );
                Ok(b"B's own answer".to_vec())
            })
        );
        assert!(answer_a.is_err());
        assert_eq!(answer_b.unwrap(), b"B's own answer");
        assert!(
            !a.lease_held(&lease_key(KEY)).await,
            "the lease is released"
        );
    }

    #[tokio::test]
    async fn a_lease_held_past_the_fetch_bound_is_ignored() {
        let (a, b) = two_instances();
        // A stuck holder: the lease is taken and never released or renewed.
        let Lease::Taken(_) = a.try_lease(&lease_key(KEY), Duration::from_secs(60)).await else {
            panic!("the lease is free");
        };
        let l = leases(Duration::from_millis(50));
        let started = Instant::now();
        let answer = l
            .around(&b, KEY, landed(&b), async {
                Ok(b"fetched anyway".to_vec())
            })
            .await;
        assert_eq!(answer.unwrap(), b"fetched anyway");
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "it waited first"
        );
    }

    #[tokio::test]
    async fn without_a_shared_cache_the_fetch_just_runs() {
        let alone = Store::new(
            Arc::new(MemoryBackend::default()),
            false,
            None,
            Duration::from_secs(60),
        );
        let answer = leases(Duration::from_secs(60))
            .around(&alone, KEY, landed(&alone), async { Ok(b"alone".to_vec()) })
            .await;
        assert_eq!(answer.unwrap(), b"alone");
        assert!(!alone.lease_held(&lease_key(KEY)).await);
    }

    #[tokio::test]
    async fn exclusive_work_runs_only_where_the_lease_is_free() {
        let (a, b) = two_instances();
        let l = leases(Duration::from_secs(60));
        let (on_a, on_b) = tokio::join!(
            l.exclusive(&a, KEY, async {
                // B tries while A works.
                tokio::task::yield_now().await;
                "A synced"
            }),
            l.exclusive(&b, KEY, async { "B synced" })
        );
        assert_eq!(on_a, Some("A synced"));
        assert_eq!(on_b, None, "B leaves the work to A");
        assert!(
            !a.lease_held(&lease_key(KEY)).await,
            "A gave the lease back"
        );
        assert_eq!(
            l.exclusive(&b, KEY, async { "B synced" }).await,
            Some("B synced")
        );
    }

    #[test]
    fn leases_last_one_request_and_holders_are_given_every_retry() {
        let l = Leases::for_client(Duration::from_secs(30), 2);
        assert_eq!(l.ttl, Duration::from_secs(30));
        assert_eq!(l.fetch_bound, Duration::from_secs((30 + 120) * 3));
        assert_eq!(
            Leases::for_client(Duration::from_secs(1), 0).ttl,
            Duration::from_secs(5),
            "at least 5 s"
        );
        assert_eq!(lease_key(KEY), "panelapp:v2:lease:panel:uk:402:current");
    }
}
