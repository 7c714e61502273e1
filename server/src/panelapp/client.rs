//! A polite HTTP client for one PanelApp instance: bounded concurrency, per-request timeout,
//! retries with exponential backoff and jitter on 5xx and connection errors, HTTP 429
//! `Retry-After`, and DRF pagination followed to the end with a loop guard.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use shared::Source;
use tokio::sync::Semaphore;
use url::Url;

use crate::config::PanelAppSettings;
use crate::error::AppError;
use shared::panelapp::Page;

/// Most pages followed for one listing (a loop guard; PanelApp lists have < 100 pages).
pub const MAX_PAGES: usize = 500;
/// Longest `Retry-After` honoured; longer waits fail the request instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Why an upstream call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    #[error("{instance} did not answer within {secs} s")]
    Timeout { instance: &'static str, secs: u64 },
    #[error("{instance} could not be reached: {message}")]
    Connect {
        instance: &'static str,
        message: String,
    },
    #[error("{instance} answered HTTP {status}")]
    Status { instance: &'static str, status: u16 },
    #[error("{instance} has no {what}")]
    NotFound {
        instance: &'static str,
        what: String,
    },
    #[error("{instance} sent a malformed response: {message}")]
    Malformed {
        instance: &'static str,
        message: String,
    },
    #[error("{instance}: {message}")]
    Other {
        instance: &'static str,
        message: String,
    },
}

impl UpstreamError {
    pub fn instance(&self) -> &'static str {
        match self {
            Self::Timeout { instance, .. }
            | Self::Connect { instance, .. }
            | Self::Status { instance, .. }
            | Self::NotFound { instance, .. }
            | Self::Malformed { instance, .. }
            | Self::Other { instance, .. } => instance,
        }
    }
}

impl From<UpstreamError> for AppError {
    fn from(e: UpstreamError) -> Self {
        match &e {
            // "PanelApp UK has no panel 402 version 8.124", said once.
            UpstreamError::NotFound { .. } => {
                AppError::new(shared::ErrorCode::NotFound, e.to_string())
            }
            _ => {
                let instance = e.instance();
                let message = e.to_string();
                let message = message
                    .strip_prefix(instance)
                    .map(|m| m.trim_start_matches(':').trim().to_owned())
                    .unwrap_or(message);
                AppError::upstream(instance, message)
            }
        }
    }
}

/// The client of one instance. Cheap to clone.
#[derive(Clone)]
pub struct PanelAppClient {
    pub source: Source,
    instance: &'static str,
    base: Url,
    http: reqwest::Client,
    permits: Arc<Semaphore>,
    timeout: Duration,
    max_retries: u32,
    /// Base of the exponential backoff (tests shorten it).
    backoff: Duration,
}

impl std::fmt::Debug for PanelAppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PanelAppClient({})", self.base)
    }
}

pub fn instance_name(source: Source) -> &'static str {
    match source {
        Source::Uk => "PanelApp UK",
        Source::Au => "PanelApp Australia",
    }
}

impl PanelAppClient {
    pub fn new(source: Source, settings: &PanelAppSettings) -> Result<Self, UpstreamError> {
        let instance = instance_name(source);
        let raw = match source {
            Source::Uk => &settings.uk_url,
            Source::Au => &settings.au_url,
        };
        let mut base = Url::parse(raw).map_err(|e| UpstreamError::Other {
            instance,
            message: format!("bad base URL {raw:?}: {e}"),
        })?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("PanelMerge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| UpstreamError::Other {
                instance,
                message: format!("can not build the HTTP client: {e}"),
            })?;
        Ok(Self {
            source,
            instance,
            base,
            http,
            permits: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            timeout: settings.timeout,
            max_retries: settings.max_retries,
            backoff: Duration::from_millis(250),
        })
    }

    /// Shortens the backoff base (tests).
    pub fn with_backoff(mut self, base: Duration) -> Self {
        self.backoff = base;
        self
    }

    pub fn instance(&self) -> &'static str {
        self.instance
    }

    /// `path` ("panels/402/") resolved against the base URL.
    pub fn url(&self, path: &str) -> Result<Url, UpstreamError> {
        self.base.join(path).map_err(|e| UpstreamError::Other {
            instance: self.instance,
            message: format!("bad path {path:?}: {e}"),
        })
    }

    /// GETs `url` and returns the body of a 2xx answer, retrying what is worth retrying.
    pub async fn get_bytes(&self, url: &Url, what: &str) -> Result<Vec<u8>, UpstreamError> {
        let mut attempt: u32 = 0;
        loop {
            let wait = match self.try_once(url, what).await {
                Ok((_, body)) => return Ok(body),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::RetryAfter(e, after)) => (e, Some(after)),
                Err(Attempt::Retry(e)) => (e, None),
            };
            if attempt >= self.max_retries {
                return Err(wait.0);
            }
            let delay = match wait.1 {
                Some(after) => after,
                None => self.backoff_delay(attempt),
            };
            tracing::warn!(instance = self.instance, %url, attempt, delay_ms = delay.as_millis() as u64, error = %wait.0, "retrying PanelApp request");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn backoff_delay(&self, attempt: u32) -> Duration {
        let base = self
            .backoff
            .saturating_mul(2u32.saturating_pow(attempt.min(10)))
            .min(Duration::from_secs(30));
        // Full jitter between 50 % and 100 % of the step.
        let random = (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
        base / 2 + base / 2 * random / 1000
    }

    async fn try_once(&self, url: &Url, what: &str) -> Result<(u16, Vec<u8>), Attempt> {
        let instance = self.instance;
        let _permit = self.permits.acquire().await.map_err(|_| {
            Attempt::Fatal(UpstreamError::Other {
                instance,
                message: "client closed".to_owned(),
            })
        })?;
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                Attempt::Retry(UpstreamError::Timeout {
                    instance,
                    secs: self.timeout.as_secs(),
                })
            } else {
                Attempt::Retry(UpstreamError::Connect {
                    instance,
                    message: e.to_string(),
                })
            }
        };
        let response = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        if status == 429 {
            let after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
                .unwrap_or(Duration::from_secs(1));
            let e = UpstreamError::Status { instance, status };
            if after > MAX_RETRY_AFTER {
                return Err(Attempt::Fatal(e));
            }
            return Err(Attempt::RetryAfter(e, after));
        }
        if status == 404 {
            return Err(Attempt::Fatal(UpstreamError::NotFound {
                instance,
                what: what.to_owned(),
            }));
        }
        if status >= 500 || status == 408 {
            return Err(Attempt::Retry(UpstreamError::Status { instance, status }));
        }
        if !(200..300).contains(&status) {
            return Err(Attempt::Fatal(UpstreamError::Status { instance, status }));
        }
        let body = response.bytes().await.map_err(transport)?;
        Ok((status, body.to_vec()))
    }

    /// GETs and decodes one JSON body.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        url: &Url,
        what: &str,
    ) -> Result<T, UpstreamError> {
        let body = self.get_bytes(url, what).await?;
        serde_json::from_slice(&body).map_err(|e| UpstreamError::Malformed {
            instance: self.instance,
            message: format!("{what}: {e}"),
        })
    }

    /// Every item of a paginated listing, following `next` until null. `progress` is told
    /// `(items so far, count)` after each page.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
        progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
    ) -> Result<Vec<T>, UpstreamError> {
        let mut url = self.url(path)?;
        let mut seen = HashSet::new();
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            if !seen.insert(url.to_string()) {
                return Err(UpstreamError::Malformed {
                    instance: self.instance,
                    message: format!("{what}: pagination loops back to {url}"),
                });
            }
            let page: Page<T> = self.get_json(&url, what).await?;
            items.extend(page.results);
            progress(items.len(), page.count);
            match page.next {
                None => return Ok(items),
                Some(next) => url = self.same_origin(&next)?,
            }
        }
        Err(UpstreamError::Malformed {
            instance: self.instance,
            message: format!("{what}: more than {MAX_PAGES} pages"),
        })
    }

    /// A `next` link, re-based onto our configured origin (never follow a link elsewhere).
    fn same_origin(&self, next: &str) -> Result<Url, UpstreamError> {
        let parsed = Url::parse(next)
            .or_else(|_| self.base.join(next))
            .map_err(|e| UpstreamError::Malformed {
                instance: self.instance,
                message: format!("bad next link {next:?}: {e}"),
            })?;
        let mut url = self.base.clone();
        url.set_path(parsed.path());
        url.set_query(parsed.query());
        Ok(url)
    }
}

enum Attempt {
    Retry(UpstreamError),
    RetryAfter(UpstreamError, Duration),
    Fatal(UpstreamError),
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::{StatusCode, Uri};
    use axum::response::{IntoResponse, Response};

    use super::*;

    /// A PanelApp stand-in on a free port: `answer(n, uri)` answers the `n`th request (from
    /// 0). Returns its API base and the number of requests it got.
    async fn upstream<F, Fut>(answer: F) -> (String, Arc<AtomicUsize>)
    where
        F: Fn(usize, Uri) -> Fut + Clone + Send + Sync + 'static,
        Fut: std::future::Future<Output = Response> + Send + 'static,
    {
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            answer(n, uri)
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (base, requests)
    }

    fn client(base: &str, max_retries: u32, concurrency: usize) -> PanelAppClient {
        crate::install_crypto_provider();
        let settings = PanelAppSettings {
            uk_url: base.to_owned(),
            au_url: base.to_owned(),
            snapshot_dir: None,
            cache_ttl: Duration::from_secs(60),
            cache_retention: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            concurrency,
            max_retries,
            directory_sync_interval: None,
            directory_sync_concurrency: 1,
        };
        PanelAppClient::new(Source::Uk, &settings)
            .unwrap()
            .with_backoff(Duration::from_millis(1))
    }

    fn json(body: serde_json::Value) -> Response {
        axum::Json(body).into_response()
    }

    #[tokio::test]
    async fn a_failing_answer_is_retried_until_it_succeeds_or_the_retries_run_out() {
        let (base, requests) = upstream(|n, _| async move {
            if n < 2 {
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            } else {
                json(serde_json::json!({"id": 402}))
            }
        })
        .await;
        let c = client(&base, 3, 4);
        let body: serde_json::Value = c
            .get_json(&c.url("panels/402/").unwrap(), "panel 402")
            .await
            .unwrap();
        assert_eq!(body["id"], 402);
        assert_eq!(
            requests.load(Ordering::SeqCst),
            3,
            "two 503s, then the answer"
        );

        let (base, requests) =
            upstream(|_, _| async { StatusCode::BAD_GATEWAY.into_response() }).await;
        let c = client(&base, 2, 4);
        let e = c
            .get_bytes(&c.url("panels/402/").unwrap(), "panel 402")
            .await
            .unwrap_err();
        assert!(
            matches!(e, UpstreamError::Status { status: 502, .. }),
            "{e}"
        );
        assert_eq!(
            requests.load(Ordering::SeqCst),
            3,
            "the first try and two retries"
        );
    }

    #[tokio::test]
    async fn a_429_waits_as_told_and_a_wait_beyond_the_cap_fails_at_once() {
        let (base, requests) = upstream(|n, _| async move {
            if n == 0 {
                (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")]).into_response()
            } else {
                json(serde_json::json!([]))
            }
        })
        .await;
        let c = client(&base, 1, 4);
        c.get_bytes(&c.url("panels/").unwrap(), "panel list")
            .await
            .unwrap();
        assert_eq!(requests.load(Ordering::SeqCst), 2);

        let too_long = (MAX_RETRY_AFTER.as_secs() + 1).to_string();
        let (base, requests) =
            upstream(move |_, _| {
                let too_long = too_long.clone();
                async move {
                    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", too_long)]).into_response()
                }
            })
            .await;
        let c = client(&base, 5, 4);
        let e = c
            .get_bytes(&c.url("panels/").unwrap(), "panel list")
            .await
            .unwrap_err();
        assert!(
            matches!(e, UpstreamError::Status { status: 429, .. }),
            "{e}"
        );
        assert_eq!(requests.load(Ordering::SeqCst), 1, "not retried");
    }

    #[tokio::test]
    async fn not_found_is_said_once_and_never_retried() {
        let (base, requests) =
            upstream(|_, _| async { StatusCode::NOT_FOUND.into_response() }).await;
        let c = client(&base, 5, 4);
        let e = c
            .get_bytes(
                &c.url("panels/402/?version=9.9").unwrap(),
                "panel 402 version 9.9",
            )
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "PanelApp UK has no panel 402 version 9.9");
        assert_eq!(AppError::from(e).code, shared::ErrorCode::NotFound);
        assert_eq!(requests.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn pages_are_followed_to_the_end_and_only_on_the_configured_origin() {
        let (base, _) = upstream(|_, uri: Uri| async move {
            match uri.query() {
                // The next link names another host: the client re-bases it onto its own.
                None => json(serde_json::json!({
                    "count": 3,
                    "next": "https://elsewhere.example/api/v1/panels/?page=2",
                    "results": [1, 2]
                })),
                Some(_) => json(serde_json::json!({"count": 3, "next": null, "results": [3]})),
            }
        })
        .await;
        let c = client(&base, 0, 4);
        let told = std::sync::Mutex::new(Vec::new());
        let items: Vec<u32> = c
            .get_all("panels/", "panel list", &|n, count| {
                told.lock().unwrap().push((n, count))
            })
            .await
            .unwrap();
        assert_eq!(items, vec![1, 2, 3]);
        assert_eq!(*told.lock().unwrap(), vec![(2, Some(3)), (3, Some(3))]);
    }

    #[tokio::test]
    async fn a_pagination_loop_is_refused() {
        let (base, requests) = upstream(|_, _| async {
            json(serde_json::json!({"count": 9, "next": "/api/v1/panels/?page=1", "results": [1]}))
        })
        .await;
        let c = client(&base, 0, 4);
        let e = c
            .get_all::<u32>("panels/?page=1", "panel list", &|_, _| {})
            .await
            .unwrap_err();
        assert!(matches!(e, UpstreamError::Malformed { .. }), "{e}");
        assert!(e.to_string().contains("loops back"), "{e}");
        assert_eq!(requests.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn no_more_requests_are_in_flight_than_the_concurrency_allows() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (now, top) = (in_flight.clone(), most.clone());
        let (base, requests) = upstream(move |_, _| {
            let (now, top) = (now.clone(), top.clone());
            async move {
                let here = now.fetch_add(1, Ordering::SeqCst) + 1;
                top.fetch_max(here, Ordering::SeqCst);
                // A slow PanelApp: requests overlap unless the client holds them back.
                tokio::time::sleep(Duration::from_millis(20)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                json(serde_json::json!({}))
            }
        })
        .await;
        let c = client(&base, 0, 2);
        let url = c.url("panels/").unwrap();
        let all = (0..6).map(|_| c.get_bytes(&url, "panel list"));
        for r in futures::future::join_all(all).await {
            r.unwrap();
        }
        assert_eq!(requests.load(Ordering::SeqCst), 6);
        assert_eq!(most.load(Ordering::SeqCst), 2, "two at a time, never more");
    }
}
