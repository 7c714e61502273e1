//! Single flight inside this process: everyone asking for the same key while its work runs
//! shares that one run (PanelApp is asked once however many requests wait for the answer).
//! Across instances sharing Redis, [`super::leases`] does the same job.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

use crate::error::{AppError, AppResult};

type Flight<T> = Shared<BoxFuture<'static, AppResult<T>>>;
type Running<T> = Arc<Mutex<HashMap<String, Flight<T>>>>;

/// The flights of one kind of answer (catalogues, panels, gene hits), by cache key.
pub(super) struct Flights<T: Clone + Send + Sync + 'static> {
    running: Running<T>,
}

impl<T: Clone + Send + Sync + 'static> Default for Flights<T> {
    fn default() -> Self {
        Self {
            running: Arc::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Takes a finished flight off the board, also when its task panicked or was cancelled (a
/// flight left behind would answer every later asker with its old result).
struct Landed<T: Clone + Send + Sync + 'static> {
    running: Running<T>,
    key: String,
}

impl<T: Clone + Send + Sync + 'static> Drop for Landed<T> {
    fn drop(&mut self) {
        lock(&self.running).remove(&self.key);
    }
}

impl<T: Clone + Send + Sync + 'static> Flights<T> {
    /// The answer for `key`: joins the flight running for it, or starts `work()` as one.
    /// The work runs as a task of its own, so it ends (and stores what it fetched) even when
    /// every asker has gone away; the next asker after it ends starts a new flight.
    pub(super) async fn run(
        &self,
        key: String,
        work: impl FnOnce() -> BoxFuture<'static, AppResult<T>>,
    ) -> AppResult<T> {
        let flight = {
            let mut running = lock(&self.running);
            match running.get(&key) {
                Some(flight) => flight.clone(),
                None => {
                    let fut = work();
                    let landed = Landed {
                        running: self.running.clone(),
                        key: key.clone(),
                    };
                    // Spawned while the board is locked: the task can not take the key off
                    // before it is on.
                    let handle = tokio::spawn(async move {
                        let _landed = landed;
                        fut.await
                    });
                    let flight: Flight<T> = async move {
                        handle
                            .await
                            .map_err(|e| AppError::internal(format!("PanelApp task: {e}")))?
                    }
                    .boxed()
                    .shared();
                    running.insert(key, flight.clone());
                    flight
                }
            }
        };
        flight.await
    }

    /// How many flights are in the air (tests).
    #[cfg(test)]
    fn in_the_air(&self) -> usize {
        lock(&self.running).len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A gate work waits at: each permit lets one run through (permits given before a run
    /// arrives are kept for it).
    type Gate = Arc<tokio::sync::Semaphore>;

    fn gate() -> Gate {
        Arc::new(tokio::sync::Semaphore::new(0))
    }

    /// Work that counts its runs and passes `gate` before answering.
    fn counted(
        runs: &Arc<AtomicUsize>,
        gate: &Gate,
        answer: AppResult<u32>,
    ) -> impl FnOnce() -> BoxFuture<'static, AppResult<u32>> + use<> {
        let (runs, gate) = (runs.clone(), gate.clone());
        move || {
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                gate.acquire().await.map(|p| p.forget()).ok();
                answer
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn askers_of_one_key_share_one_run() {
        let flights = Flights::<u32>::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let gate = gate();
        let askers = (0..10).map(|i| {
            flights.run(
                "panel:uk:402:current".to_owned(),
                counted(&runs, &gate, Ok(i)),
            )
        });
        // `join!` polls the askers first: all ten are waiting before the gate opens.
        let (answers, ()) = tokio::join!(futures::future::join_all(askers), async {
            gate.add_permits(1)
        });
        let answers: Vec<u32> = answers.into_iter().map(Result::unwrap).collect();
        assert_eq!(runs.load(Ordering::SeqCst), 1, "PanelApp asked once");
        assert_eq!(
            answers,
            vec![0; 10],
            "everyone gets the first asker's answer"
        );
        assert_eq!(flights.in_the_air(), 0, "the flight lands");
    }

    #[tokio::test]
    async fn other_keys_fly_apart_and_a_landed_flight_is_not_reused() {
        let flights = Flights::<u32>::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let gate = gate();
        let (a, b, ()) = tokio::join!(
            flights.run("a".to_owned(), counted(&runs, &gate, Ok(1))),
            flights.run("b".to_owned(), counted(&runs, &gate, Ok(2))),
            async { gate.add_permits(2) }
        );
        assert_eq!((a.unwrap(), b.unwrap()), (1, 2));
        gate.add_permits(1);
        let again = flights.run("a".to_owned(), counted(&runs, &gate, Ok(3)));
        assert_eq!(
            again.await.unwrap(),
            3,
            "a new flight after the first landed"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failure_reaches_every_asker_and_the_next_asker_tries_again() {
        let flights = Flights::<u32>::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let gate = gate();
        let failing = || {
            counted(
                &runs,
                &gate,
                Err(AppError::upstream("PanelApp UK", "HTTP 502")),
            )
        };
        let (first, second, ()) = tokio::join!(
            flights.run("k".to_owned(), failing()),
            flights.run("k".to_owned(), failing()),
            async { gate.add_permits(1) }
        );
        for answer in [first, second] {
            let e = answer.unwrap_err();
            assert_eq!(e.code, shared::ErrorCode::UpstreamUnavailable);
            assert!(e.message.contains("HTTP 502"), "{}", e.message);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        gate.add_permits(1);
        let retried = flights.run("k".to_owned(), counted(&runs, &gate, Ok(7)));
        assert_eq!(retried.await.unwrap(), 7, "a failure is not remembered");
    }

    #[tokio::test]
    async fn a_run_that_panics_is_an_error_and_does_not_stay_in_the_air() {
        let flights = Flights::<u32>::default();
        let e = flights
            .run("k".to_owned(), || async { panic!("parser bug") }.boxed())
            .await
            .unwrap_err();
        assert_eq!(e.code, shared::ErrorCode::Internal);
        assert_eq!(flights.in_the_air(), 0, "the panicked flight is gone");
        let next = flights.run("k".to_owned(), || async { Ok(5) }.boxed());
        assert_eq!(
            next.await.unwrap(),
            5,
            "the next asker is not handed the panic"
        );
    }
}
