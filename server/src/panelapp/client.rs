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
