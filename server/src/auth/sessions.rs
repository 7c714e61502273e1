//! Sessions: 128-bit random ids in a cookie; records in Redis or memory, stored under a keyed
//! digest of the id (a leaked store does not yield usable cookies). Idle timeout
//! (`SESSION_TIMEOUT`), an absolute lifetime, rotation on login, revocation.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::backend::Backends;
use crate::config::SecuritySettings;
use crate::crypto::Signer;
use crate::error::{AppResult, OrInternal};

/// What the store keeps about one session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionRecord {
    pub user_id: i32,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The absolute end, whatever the activity.
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What the last [`revoke_all`] of a user ended: sessions created until `at`, except `keep`.
#[derive(Debug, Serialize, Deserialize)]
struct RevokedMark {
    at: DateTime<Utc>,
    keep: Option<String>,
}

fn mark_key(user_id: i32) -> String {
    format!("sessions-revoked:{user_id}")
}

/// Login sessions in the shared backend, keyed by a digest of the cookie. Built once with the state.
#[derive(Clone)]
pub struct Sessions {
    pub(crate) backends: Backends,
    pub(crate) signer: Signer,
    pub(crate) security: SecuritySettings,
}

impl Sessions {
    /// Refresh `last_seen_at` (and the idle TTL) at most every 30 s (or a quarter of the idle
    /// timeout, if shorter), not on every request.
    fn touch_interval(&self) -> chrono::TimeDelta {
        let quarter = self.security.session_idle_timeout / 4;
        chrono::TimeDelta::from_std(quarter.min(std::time::Duration::from_secs(30)))
            .unwrap_or(chrono::TimeDelta::seconds(30))
    }

    fn key_of(&self, cookie: &str) -> String {
        self.signer.digest_hex(&format!("session:{cookie}"))
    }

    fn ttl(&self, record: &SessionRecord, now: DateTime<Utc>) -> Duration {
        let idle = self.security.session_idle_timeout;
        let remaining = (record.expires_at - now).to_std().unwrap_or(Duration::ZERO);
        idle.min(remaining).max(Duration::from_secs(1))
    }

    /// Creates a session; returns `(cookie value, key)`.
    pub async fn create(
        &self,
        user_id: i32,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> AppResult<(String, String)> {
        let cookie = crate::crypto::random_token(16).or_internal("session id")?;
        let key = self.key_of(&cookie);
        let now = Utc::now();
        let lifetime = chrono::TimeDelta::from_std(self.security.session_absolute_lifetime)
            .or_internal("session lifetime")?;
        let record = SessionRecord {
            user_id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + lifetime,
            ip,
            user_agent,
        };
        let bytes = serde_json::to_vec(&record).or_internal("session encode")?;
        self.backends
            .sessions
            .put(&key, user_id, &bytes, self.ttl(&record, now))
            .await?;
        Ok((cookie, key))
    }

    /// Loads the session of a cookie, refreshing its idle timeout; `None` when unknown, idle too
    /// long or past its absolute lifetime.
    pub async fn load(&self, cookie: &str) -> AppResult<Option<(String, SessionRecord)>> {
        let key = self.key_of(cookie);
        let Some(bytes) = self.backends.sessions.get(&key).await? else {
            return Ok(None);
        };
        let Ok(mut record) = serde_json::from_slice::<SessionRecord>(&bytes) else {
            return Ok(None);
        };
        let now = Utc::now();
        if record.expires_at <= now {
            self.backends.sessions.remove(&key, record.user_id).await?;
            return Ok(None);
        }
        if now - record.last_seen_at >= self.touch_interval() {
            record.last_seen_at = now;
            let bytes = serde_json::to_vec(&record).or_internal("session encode")?;
            self.backends
                .sessions
                .put(&key, record.user_id, &bytes, self.ttl(&record, now))
                .await?;
            // Writing the record back could revive a session that `revoke_all` removed after it
            // was read. `revoke_all` leaves its mark before removing, so checking the mark after
            // writing catches every such interleaving (and sessions that were being created
            // while it ran).
            if self.revoked_by_mark(&key, &record).await? {
                self.backends.sessions.remove(&key, record.user_id).await?;
                return Ok(None);
            }
        }
        Ok(Some((key, record)))
    }

    async fn revoked_by_mark(&self, key: &str, record: &SessionRecord) -> AppResult<bool> {
        let Some(bytes) = self.backends.cache.get(&mark_key(record.user_id)).await? else {
            return Ok(false);
        };
        let Ok(mark) = serde_json::from_slice::<RevokedMark>(&bytes) else {
            return Ok(false);
        };
        Ok(record.created_at <= mark.at && mark.keep.as_deref() != Some(key))
    }

    pub async fn revoke(&self, key: &str, user_id: i32) -> AppResult<()> {
        self.backends.sessions.remove(key, user_id).await?;
        Ok(())
    }

    /// Every live session of a user as `(key, record)`, newest first.
    pub async fn list(&self, user_id: i32) -> AppResult<Vec<(String, SessionRecord)>> {
        let mut sessions: Vec<_> = self
            .backends
            .sessions
            .list(user_id)
            .await?
            .into_iter()
            .filter_map(|(k, bytes)| serde_json::from_slice(&bytes).ok().map(|r| (k, r)))
            .filter(|(_, r): &(String, SessionRecord)| r.expires_at > Utc::now())
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.1.created_at));
        Ok(sessions)
    }

    /// Revokes all of a user's sessions except `keep`; returns how many ended. A mark left first
    /// (for as long as a session can live) stops a request that read one of them just before
    /// from writing it back.
    pub async fn revoke_all(&self, user_id: i32, keep: Option<&str>) -> AppResult<u64> {
        let mark = RevokedMark {
            at: Utc::now(),
            keep: keep.map(str::to_owned),
        };
        let bytes = serde_json::to_vec(&mark).or_internal("session mark encode")?;
        self.backends
            .cache
            .set(
                &mark_key(user_id),
                &bytes,
                Some(self.security.session_absolute_lifetime),
            )
            .await?;
        Ok(self.backends.sessions.remove_all(user_id, keep).await?)
    }
}
