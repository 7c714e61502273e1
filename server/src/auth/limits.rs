//! Abuse resistance, shared across instances through the counters backend (Redis, or memory
//! for a single instance): request rate limits per IP and per user, per-account lockout and
//! per-IP brute-force blocks.

use std::net::IpAddr;
use std::time::Duration;

use crate::backend::Backends;
use crate::config::SecuritySettings;
use crate::crypto::Signer;
use crate::error::{AppError, AppResult};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86400);

/// Where a client stands against its request limits: the window closest to being used up.
/// Sent on every HTTP answer as `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
/// (seconds) and `RateLimit-Policy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    pub remaining: u64,
    pub reset: Duration,
    /// Every window, as `LIMIT;w=SECONDS` items.
    pub policy: String,
}

impl Quota {
    /// The tighter of two quotas (fewer requests left; the sooner reset on a tie).
    pub fn tighter(self, other: Self) -> Self {
        if (other.remaining, other.reset) < (self.remaining, self.reset) {
            other
        } else {
            self
        }
    }
}

fn ip_block_key(ip: IpAddr) -> String {
    format!("block:ip:{ip}")
}

/// Whose password a credential check tests: an account, or a login name no account has.
/// Unknown names are counted and locked like accounts, so a lockout does not tell a guessed
/// name from a real one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Account(i32),
    UnknownName(String),
}

impl Subject {
    /// The subject of a login attempt with `login` that found `user_id` (or nobody).
    pub fn of(user_id: Option<i32>, login: &str) -> Self {
        match user_id {
            Some(id) => Self::Account(id),
            None => Self::UnknownName(login.trim().to_lowercase()),
        }
    }
}

fn ip_fail_key(ip: IpAddr) -> String {
    format!("loginfail:ip:{ip}")
}

/// Why a credential check was refused before the password was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The IP is blocked (or its failure budget is taken by attempts in flight).
    IpBlocked(Duration),
    /// The account or name is locked (or its budget is taken by attempts in flight).
    Locked(Duration),
}

/// A reserved credential check: one failure already counted against the IP and the subject
/// (before the password is verified, so parallel attempts can not all slip under the limit).
/// End it with [`Attempt::succeeded`], [`Attempt::abandoned`] or [`Attempt::failed`].
#[derive(Debug)]
#[must_use = "an attempt is ended by succeeded, abandoned or failed"]
pub struct Attempt {
    ip: IpAddr,
    subject: Subject,
    /// Failures counted against the IP, this one included; `None` without IP blocking.
    ip_count: Option<u64>,
    subject_count: u64,
}

/// What one more failed credential check changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FailureOutcome {
    /// The account (or name) reached `MAX_LOGIN_ATTEMPTS` with this failure.
    pub account_locked: bool,
    /// The failures counted against the account (or name) in the current window.
    pub account_failures: u64,
    /// The IP reached `BRUTE_FORCE_THRESHOLD` with this failure.
    pub ip_blocked: bool,
}

impl Attempt {
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The password was right: the subject's failures are forgotten and the IP's reservation
    /// is given back.
    pub async fn succeeded(self, limits: &Limits) -> AppResult<()> {
        limits
            .backends
            .counters
            .reset(&limits.subject_key(&self.subject))
            .await?;
        if self.ip_count.is_some() {
            limits
                .backends
                .counters
                .release(&ip_fail_key(self.ip))
                .await?;
        }
        Ok(())
    }

    /// The check did not count either way (say, a deactivated account): both reservations
    /// are given back.
    pub async fn abandoned(self, limits: &Limits) -> AppResult<()> {
        let counters = &limits.backends.counters;
        counters.release(&limits.subject_key(&self.subject)).await?;
        if self.ip_count.is_some() {
            counters.release(&ip_fail_key(self.ip)).await?;
        }
        Ok(())
    }

    /// The password was wrong: the reservation stands as a failure; the subject is locked
    /// (an unknown name here, an account by the caller in its row) and the IP blocked when
    /// this failure reached their limits.
    pub async fn failed(self, limits: &Limits) -> AppResult<FailureOutcome> {
        let s = &limits.security;
        let mut outcome = FailureOutcome {
            account_failures: self.subject_count,
            ..FailureOutcome::default()
        };
        if self.ip_count == Some(u64::from(s.brute_force_threshold)) {
            limits
                .backends
                .cache
                .set(&ip_block_key(self.ip), b"1", Some(s.brute_force_block))
                .await?;
            outcome.ip_blocked = true;
        }
        if self.subject_count >= u64::from(s.max_login_attempts) {
            outcome.account_locked = true;
            if let Subject::UnknownName(name) = &self.subject {
                limits
                    .backends
                    .cache
                    .set(&limits.name_lock_key(name), b"1", Some(s.lockout_duration))
                    .await?;
            }
        }
        Ok(outcome)
    }
}

/// A client IP may make this many times `MAIL_REQUESTS_PER_HOUR` e-mailing requests (people
/// behind one address share it).
pub const MAIL_IP_FACTOR: u64 = 4;

/// Rate limits, login throttles and address blocks, counted in the shared backend. Built once with the state.
#[derive(Clone)]
pub struct Limits {
    pub(crate) backends: Backends,
    pub(crate) signer: Signer,
    pub(crate) security: SecuritySettings,
    pub(crate) mail_requests_per_hour: u32,
}

impl Limits {
    /// Counts one request against the per-minute, per-hour and per-day limits of the client's IP;
    /// RATE_LIMITED with the time until the window resets. `None` when rate limits are off.
    pub async fn check_request(&self, ip: IpAddr) -> AppResult<Option<Quota>> {
        self.check_scope(&format!("ip:{ip}")).await
    }

    /// The same limits per user, wherever the user's requests come from.
    pub async fn check_request_user(&self, user_id: i32) -> AppResult<Option<Quota>> {
        self.check_scope(&format!("user:{user_id}")).await
    }

    async fn check_scope(&self, scope: &str) -> AppResult<Option<Quota>> {
        let s = &self.security;
        if !s.rate_limits {
            return Ok(None);
        }
        let windows = [
            ("m", MINUTE, s.rate_limit_per_minute),
            ("h", HOUR, s.rate_limit_per_hour),
            ("d", DAY, s.rate_limit_per_day),
        ];
        let policy = windows
            .iter()
            .map(|(_, window, limit)| format!("{limit};w={}", window.as_secs()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut tightest: Option<Quota> = None;
        for (name, window, limit) in windows {
            let hit = self
                .backends
                .counters
                .hit(&format!("rl:{scope}:{name}"), window)
                .await?;
            let limit = u64::from(limit);
            if hit.count > limit {
                return Err(AppError::rate_limited(hit.resets_in)
                    .with("rateLimit", limit)
                    .with("rateLimitPolicy", policy));
            }
            let quota = Quota {
                limit,
                remaining: limit - hit.count,
                reset: hit.resets_in,
                policy: policy.clone(),
            };
            tightest = Some(match tightest {
                Some(t) => t.tighter(quota),
                None => quota,
            });
        }
        Ok(tightest)
    }

    /// How long the IP stays blocked after too many failed logins, if it is (never with
    /// `IP_BLOCKING_ENABLED=false`).
    pub async fn ip_block(&self, ip: IpAddr) -> AppResult<Option<Duration>> {
        if !self.security.ip_blocking {
            return Ok(None);
        }
        Ok(self.backends.cache.ttl(&ip_block_key(ip)).await?)
    }

    fn subject_key(&self, subject: &Subject) -> String {
        match subject {
            Subject::Account(id) => format!("loginfail:user:{id}"),
            // Digested: the backend store never holds the names people typed.
            Subject::UnknownName(name) => format!(
                "loginfail:name:{}",
                self.signer.digest_hex(&format!("login-name:{name}"))
            ),
        }
    }

    /// An account's lock lives in its database row; an unknown name's in the backend store.
    fn name_lock_key(&self, name: &str) -> String {
        format!(
            "lock:name:{}",
            self.signer.digest_hex(&format!("login-name:{name}"))
        )
    }

    /// Reserves one credential check for `subject` from `ip`, or says why not. `locked_until`
    /// is the account row's lock, if any. Reserving counts the attempt as failed up front (an
    /// atomic increment in the backend store); at most `MAX_LOGIN_ATTEMPTS` checks per account
    /// and `BRUTE_FORCE_THRESHOLD` per IP are let through per window, however many run at once.
    pub async fn reserve(
        &self,
        ip: IpAddr,
        subject: &Subject,
        locked_until: Option<chrono::DateTime<chrono::Utc>>,
    ) -> AppResult<Result<Attempt, Refusal>> {
        let s = &self.security;
        let counters = &self.backends.counters;
        if let Some(wait) = self.ip_block(ip).await? {
            return Ok(Err(Refusal::IpBlocked(wait)));
        }
        if let Some(until) = locked_until
            && let Ok(wait) = (until - chrono::Utc::now()).to_std()
            && !wait.is_zero()
        {
            return Ok(Err(Refusal::Locked(wait)));
        }
        if let Subject::UnknownName(name) = subject
            && let Some(wait) = self.backends.cache.ttl(&self.name_lock_key(name)).await?
        {
            return Ok(Err(Refusal::Locked(wait)));
        }
        let ip_key = ip_fail_key(ip);
        let ip_count = if s.ip_blocking {
            let ip_hit = counters.hit(&ip_key, s.brute_force_block).await?;
            if ip_hit.count > u64::from(s.brute_force_threshold) {
                counters.release(&ip_key).await?;
                return Ok(Err(Refusal::IpBlocked(ip_hit.resets_in)));
            }
            Some(ip_hit.count)
        } else {
            None
        };
        let key = self.subject_key(subject);
        let hit = counters.hit(&key, s.lockout_duration).await?;
        if hit.count > u64::from(s.max_login_attempts) {
            counters.release(&key).await?;
            if ip_count.is_some() {
                counters.release(&ip_key).await?;
            }
            return Ok(Err(Refusal::Locked(hit.resets_in)));
        }
        Ok(Ok(Attempt {
            ip,
            subject: subject.clone(),
            ip_count,
            subject_count: hit.count,
        }))
    }

    /// Counts one failure that is not a password check (a registration refused because the
    /// username or e-mail address is taken) against the IP's brute-force budget, so probing which
    /// addresses are registered is as limited as guessing passwords. Returns whether this failure
    /// blocked the IP.
    pub async fn count_ip_failure(&self, ip: IpAddr) -> AppResult<bool> {
        let s = &self.security;
        if !s.ip_blocking {
            return Ok(false);
        }
        let hit = self
            .backends
            .counters
            .hit(&ip_fail_key(ip), s.brute_force_block)
            .await?;
        if hit.count == u64::from(s.brute_force_threshold) {
            self.backends
                .cache
                .set(&ip_block_key(ip), b"1", Some(s.brute_force_block))
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Forgets an account's failed logins (after a success, or an admin unlock).
    pub async fn clear_account_failures(&self, user_id: i32) -> AppResult<()> {
        Ok(self
            .backends
            .counters
            .reset(&format!("loginfail:user:{user_id}"))
            .await?)
    }

    /// Lifts an IP block (admin).
    pub async fn clear_ip_block(&self, ip: IpAddr) -> AppResult<()> {
        self.backends.cache.delete(&ip_block_key(ip)).await?;
        self.backends
            .counters
            .reset(&format!("loginfail:ip:{ip}"))
            .await?;
        Ok(())
    }

    /// Counts one e-mailing request (password reset, verification, change of address) against
    /// `MAIL_REQUESTS_PER_HOUR` for the address or name asked about (digested: the store never
    /// holds what people typed) and [`MAIL_IP_FACTOR`] times that for the client IP. Unknown names count like accounts,
    /// so the answer is the same for both; RATE_LIMITED with the wait once either is used up.
    pub async fn check_mail_request(&self, ip: IpAddr, about: &str) -> AppResult<()> {
        let per_address = u64::from(self.mail_requests_per_hour);
        let about = self
            .signer
            .digest_hex(&format!("mail-about:{}", about.trim().to_lowercase()));
        for (key, limit) in [
            (format!("mailreq:ip:{ip}"), per_address * MAIL_IP_FACTOR),
            (format!("mailreq:to:{about}"), per_address),
        ] {
            let hit = self.backends.counters.hit(&key, HOUR).await?;
            if hit.count > limit {
                return Err(AppError::rate_limited(hit.resets_in)
                    .with("reason", "mail_requests")
                    .with("rateLimit", limit));
            }
        }
        Ok(())
    }
}
