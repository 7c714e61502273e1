//! Panel details. Each version is stored once, under its version key; the current version
//! of a panel is a small pointer (`Current`) whose `checked_at` decides freshness.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use shared::{PanelData, PanelVersion, Source};

use super::{Current, PanelAppService, current_key, lock, panel_key};
use crate::error::{AppError, AppResult};
use crate::panelapp::client::instance_name;
use crate::panelapp::{DataOrigin, PanelResult, PanelSummary, parse_date};
use shared::panelapp::{RawSummary, parse_panel};

impl PanelAppService {
    /// A panel at `version` (the current one when `None`).
    pub async fn panel(
        self: &Arc<Self>,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<PanelResult> {
        if self.snapshot_only {
            return self.snapshot_panel(source, id, version);
        }
        self.follow_invalidation(source).await;
        let cached = match version {
            // A version never changes: cached is fresh.
            Some(v) => self
                .cached_version(source, id, v)
                .await
                .map(|(at, data)| (at, data, true)),
            None => match self.current_of(source, id).await {
                Some(cur) => self
                    .cached_version(source, id, cur.version)
                    .await
                    .map(|(_, data)| (cur.checked_at, data, self.is_fresh(source, cur.checked_at))),
                None => None,
            },
        };
        if let Some((data_date, data, fresh)) = cached {
            if fresh {
                return Ok(PanelResult {
                    data,
                    origin: DataOrigin::Cache,
                    data_date,
                });
            }
            let this = self.clone();
            self.revalidate(source, current_key(source, id), async move {
                // Another instance may have refreshed it meanwhile.
                if this
                    .current_of(source, id)
                    .await
                    .is_some_and(|c| this.is_fresh(source, c.checked_at))
                {
                    return;
                }
                let _ = this.fetch_panel(source, id, None).await;
            });
            return Ok(PanelResult {
                data,
                origin: DataOrigin::StaleCache,
                data_date,
            });
        }
        match self.fetch_panel(source, id, version).await {
            Ok((data, at)) => Ok(PanelResult {
                data,
                origin: DataOrigin::Live,
                data_date: at,
            }),
            Err(e) if e.code == shared::ErrorCode::NotFound => Err(e),
            Err(e) => self.snapshot_panel(source, id, version).map_err(|_| e),
        }
    }

    /// [`Self::panel`] for the API: "not there" is `NOT_FOUND` naming the panel and version,
    /// but a panel the catalogue lists whose details could not be loaded is
    /// `UPSTREAM_UNAVAILABLE` with the reason, never "no such panel".
    pub async fn panel_or_why(
        self: &Arc<Self>,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<PanelResult> {
        let what = match version {
            Some(v) => format!("{} panel {id} version {v}", source.display_name()),
            None => format!("{} panel {id}", source.display_name()),
        };
        match self.panel(source, id, version).await {
            Ok(r) => Ok(r),
            Err(e) if e.code == shared::ErrorCode::NotFound => {
                let listed = self
                    .catalogue(source)
                    .await
                    .ok()
                    .and_then(|(c, _)| c.get(id).map(|p| p.version));
                match listed {
                    Some(listed) if version.is_none_or(|v| v == listed) => Err(AppError::upstream(
                        instance_name(source),
                        format!(
                            "panel {id} is listed in the catalogue, but its details could not \
                             be loaded (PanelApp answered: {}); retry later",
                            e.message
                        ),
                    )
                    .with("reason", e.message)),
                    _ => Err(AppError::not_found(what)),
                }
            }
            Err(e) => {
                let reason = e.message.clone();
                Err(e.with("reason", reason))
            }
        }
    }

    /// The current version of a panel as last learnt: this process's copy when fresh,
    /// otherwise the cache's (another instance may have checked since), whichever is newer.
    async fn current_of(&self, source: Source, id: u32) -> Option<Current> {
        let here = lock(&self.current).get(&(source, id)).copied();
        if let Some(cur) = here
            && self.is_fresh(source, cur.checked_at)
        {
            return Some(cur);
        }
        let shared = self
            .store
            .get(&current_key(source, id))
            .await
            .and_then(|b| serde_json::from_slice::<Current>(&b).ok());
        let newest = match (here, shared) {
            (Some(a), Some(b)) => Some(if b.checked_at > a.checked_at { b } else { a }),
            (a, b) => a.or(b),
        }?;
        lock(&self.current).insert((source, id), newest);
        Some(newest)
    }

    /// A parsed panel version: this process's copy, or the cache's.
    pub(super) async fn cached_version(
        &self,
        source: Source,
        id: u32,
        version: PanelVersion,
    ) -> Option<(DateTime<Utc>, Arc<PanelData>)> {
        if let Some(hit) = lock(&self.parsed).get(&(source, id, version)).cloned() {
            return Some(hit);
        }
        let bytes = self.store.get(&panel_key(source, id, version)).await?;
        let (at, body) = split_envelope(&bytes)?;
        let mut data = parse_panel(body, source).ok()?;
        self.apply_signed_off(&mut data);
        let data = Arc::new(data);
        self.genes.add(&data);
        self.note_counts(&data);
        lock(&self.parsed).insert((source, id, version), (at, data.clone()), body.len());
        Some((at, data))
    }

    /// Whether and when this version was signed off, from the catalogue held.
    fn apply_signed_off(&self, data: &mut PanelData) {
        if let Some(c) = self.listing.held(data.source)
            && let Some(summary) = c.get(data.id)
            && summary.version == data.version
        {
            data.signed_off = summary.signed_off.clone();
        }
    }

    pub(super) fn snapshot_panel(
        &self,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<PanelResult> {
        let missing = || {
            AppError::upstream(
                instance_name(source),
                format!(
                    "panel {id} is not available (PanelApp unreachable and not in the snapshot)"
                ),
            )
        };
        let body = self.snapshot.detail(source, id).ok_or_else(missing)?;
        let mut data = parse_panel(body, source).map_err(|e| AppError::internal(e.0))?;
        if version.is_some_and(|v| v != data.version) {
            return Err(missing());
        }
        let signed = self.snapshot.signed_off(source);
        data.signed_off = PanelSummary::from_raw(source, &summary_of(&data), &signed).signed_off;
        let date = self
            .snapshot
            .date(source)
            .and_then(|d| parse_date(&d))
            .unwrap_or_default();
        self.note_counts(&data);
        Ok(PanelResult {
            data: Arc::new(data),
            origin: DataOrigin::Snapshot,
            data_date: date,
        })
    }

    /// Fetches a panel (one flight per panel and version asked for), stores the detail under
    /// its version key and, for the current version, the pointer to it.
    pub(super) async fn fetch_panel(
        self: &Arc<Self>,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<(Arc<PanelData>, DateTime<Utc>)> {
        self.client(source)?;
        let key = match version {
            Some(v) => panel_key(source, id, v),
            None => current_key(source, id),
        };
        let this = self.clone();
        self.panel_flights
            .run(key.clone(), move || {
                async move {
                    // Across instances: one of them asks PanelApp, the others take its answer
                    // from the cache (a current pointer newer than the one seen now).
                    let before = match version {
                        None => this.stored_current(source, id).await.map(|c| c.checked_at),
                        Some(_) => None,
                    };
                    let t = this.clone();
                    let ready = move || {
                        let t = t.clone();
                        async move { t.landed_panel(source, id, version, before).await }
                    };
                    this.leases
                        .around(
                            &this.store,
                            &key,
                            ready,
                            this.fetch_panel_upstream(source, id, version),
                        )
                        .await
                }
                .boxed()
            })
            .await
    }

    /// Asks PanelApp for a panel, stores the detail under its version key and, for the
    /// current version, the pointer to it.
    async fn fetch_panel_upstream(
        self: &Arc<Self>,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<(Arc<PanelData>, DateTime<Utc>)> {
        let client = self.client(source)?.clone();
        let path = match version {
            Some(v) => format!("panels/{id}/?version={v}"),
            None => format!("panels/{id}/"),
        };
        let url = client.url(&path).map_err(AppError::from)?;
        let what = match version {
            Some(v) => format!("panel {id} version {v}"),
            None => format!("panel {id}"),
        };
        let body = client
            .get_bytes(&url, &what)
            .await
            .map_err(AppError::from)?;
        let mut data = parse_panel(&body, source).map_err(|e| {
            AppError::upstream(
                client.instance(),
                format!("malformed response for {what}: {e}"),
            )
        })?;
        self.apply_signed_off(&mut data);
        let at = Utc::now();
        let mut envelope = at.to_rfc3339().into_bytes();
        envelope.push(b'\n');
        envelope.extend_from_slice(&body);
        let data = Arc::new(data);
        self.genes.add(&data);
        self.note_counts(&data);
        self.store
            .put(&panel_key(source, id, data.version), &envelope)
            .await;
        lock(&self.parsed).insert((source, id, data.version), (at, data.clone()), body.len());
        if version.is_none() {
            let cur = Current {
                version: data.version,
                checked_at: at,
            };
            if let Ok(bytes) = serde_json::to_vec(&cur) {
                self.store.put(&current_key(source, id), &bytes).await;
            }
            lock(&self.current).insert((source, id), cur);
        }
        Ok((data, at))
    }

    /// The current pointer as the cache holds it (not this process's copy).
    async fn stored_current(&self, source: Source, id: u32) -> Option<Current> {
        self.store
            .get(&current_key(source, id))
            .await
            .and_then(|b| serde_json::from_slice::<Current>(&b).ok())
    }

    /// What another instance holding the lease for this panel left in the cache: the
    /// version asked for, or a current pointer other than `before` (or fresh).
    async fn landed_panel(
        self: &Arc<Self>,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
        before: Option<DateTime<Utc>>,
    ) -> Option<(Arc<PanelData>, DateTime<Utc>)> {
        match version {
            Some(v) => self
                .cached_version(source, id, v)
                .await
                .map(|(at, d)| (d, at)),
            None => {
                let cur = self.stored_current(source, id).await?;
                if Some(cur.checked_at) == before && !self.is_fresh(source, cur.checked_at) {
                    return None;
                }
                let (_, data) = self.cached_version(source, id, cur.version).await?;
                let mut current = lock(&self.current);
                let slot = current.entry((source, id)).or_insert(cur);
                if cur.checked_at > slot.checked_at {
                    *slot = cur;
                }
                Some((data, cur.checked_at))
            }
        }
    }

    /// The raw detail body of the current version (cache, PanelApp, then snapshot).
    pub(super) async fn raw_detail(self: &Arc<Self>, source: Source, id: u32) -> Option<Vec<u8>> {
        let cached = async {
            let cur = self.current_of(source, id).await?;
            let bytes = self.store.get(&panel_key(source, id, cur.version)).await?;
            split_envelope(&bytes).map(|(_, b)| b.to_vec())
        };
        if let Some(body) = cached.await {
            return Some(body);
        }
        if let Ok((data, _)) = self.fetch_panel(source, id, None).await
            && let Some(bytes) = self.store.get(&panel_key(source, id, data.version)).await
            && let Some((_, body)) = split_envelope(&bytes)
        {
            return Some(body.to_vec());
        }
        self.snapshot.detail(source, id).map(<[u8]>::to_vec)
    }

    /// The current panels this process has parsed, for answers without PanelApp.
    pub(super) fn parsed_current(&self, source: Source) -> Vec<Arc<PanelData>> {
        let current: Vec<((Source, u32), Current)> = lock(&self.current)
            .iter()
            .filter(|((s, _), _)| *s == source)
            .map(|(k, v)| (*k, *v))
            .collect();
        let parsed = lock(&self.parsed);
        current
            .into_iter()
            .filter_map(|((s, id), cur)| parsed.peek(&(s, id, cur.version)).map(|(_, d)| d.clone()))
            .collect()
    }
}

/// `fetched_at\n<body>` → its parts.
fn split_envelope(bytes: &[u8]) -> Option<(DateTime<Utc>, &[u8])> {
    let newline = bytes.iter().position(|b| *b == b'\n')?;
    let at = std::str::from_utf8(&bytes[..newline]).ok()?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((at, &bytes[newline + 1..]))
}

fn summary_of(p: &PanelData) -> RawSummary {
    RawSummary {
        id: p.id,
        name: Some(p.name.clone()),
        disease_group: None,
        disease_sub_group: None,
        description: None,
        status: None,
        version: Some(p.version.to_string()),
        version_created: None,
        relevant_disorders: Vec::new(),
        stats: None,
        types: Vec::new(),
        signed_off: None,
    }
}
