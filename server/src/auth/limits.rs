//! Abuse resistance, shared across instances through the counters backend (Redis, or memory
//! for a single instance): request rate limits per IP and per user, per-account lockout and
//! per-IP brute-force blocks.

use std::net::IpAddr;
use std::time::Duration;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86400);

/// Counts one request against the per-minute, per-hour and per-day limits of the client's IP;
/// RATE_LIMITED with the time until the window resets.
pub async fn check_request(state: &AppState, ip: IpAddr, _user: Option<i32>) -> AppResult<()> {
    check_scope(state, &format!("ip:{ip}")).await
}

/// The same limits per user, wherever the user's requests come from.
pub async fn check_request_user(state: &AppState, user_id: i32) -> AppResult<()> {
    check_scope(state, &format!("user:{user_id}")).await
}

async fn check_scope(state: &AppState, scope: &str) -> AppResult<()> {
    let s = &state.settings.security;
    let windows = [
        ("m", MINUTE, s.rate_limit_per_minute),
        ("h", HOUR, s.rate_limit_per_hour),
        ("d", DAY, s.rate_limit_per_day),
    ];
    for (name, window, limit) in windows {
        let hit = state
            .backends
            .counters
            .hit(&format!("rl:{scope}:{name}"), window)
            .await?;
        if hit.count > u64::from(limit) {
            return Err(AppError::rate_limited(hit.resets_in));
        }
    }
    Ok(())
}

fn ip_block_key(ip: IpAddr) -> String {
    format!("block:ip:{ip}")
}

/// How long the IP stays blocked after too many failed logins, if it is.
pub async fn ip_block(state: &AppState, ip: IpAddr) -> AppResult<Option<Duration>> {
    Ok(state.backends.cache.ttl(&ip_block_key(ip)).await?)
}

/// What one more failed login changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FailureOutcome {
    /// The account reached `MAX_LOGIN_ATTEMPTS` with this failure.
    pub account_locked: bool,
    /// The failures counted against the account in the current window.
    pub account_failures: u64,
    /// The IP reached `BRUTE_FORCE_THRESHOLD` with this failure.
    pub ip_blocked: bool,
}

/// Counts a failed login against the IP and (if the account exists) the account.
pub async fn record_failure(
    state: &AppState,
    ip: IpAddr,
    user_id: Option<i32>,
) -> AppResult<FailureOutcome> {
    let s = &state.settings.security;
    let mut outcome = FailureOutcome::default();
    let ip_hits = state
        .backends
        .counters
        .hit(&format!("loginfail:ip:{ip}"), s.brute_force_block)
        .await?;
    if ip_hits.count == u64::from(s.brute_force_threshold) {
        state
            .backends
            .cache
            .set(&ip_block_key(ip), b"1", Some(s.brute_force_block))
            .await?;
        outcome.ip_blocked = true;
    }
    if let Some(id) = user_id {
        let hits = state
            .backends
            .counters
            .hit(&format!("loginfail:user:{id}"), s.lockout_duration)
            .await?;
        outcome.account_failures = hits.count;
        outcome.account_locked = hits.count >= u64::from(s.max_login_attempts);
    }
    Ok(outcome)
}

/// Forgets an account's failed logins (after a success, or an admin unlock).
pub async fn clear_account_failures(state: &AppState, user_id: i32) -> AppResult<()> {
    Ok(state
        .backends
        .counters
        .reset(&format!("loginfail:user:{user_id}"))
        .await?)
}

/// Lifts an IP block (admin).
pub async fn clear_ip_block(state: &AppState, ip: IpAddr) -> AppResult<()> {
    state.backends.cache.delete(&ip_block_key(ip)).await?;
    state
        .backends
        .counters
        .reset(&format!("loginfail:ip:{ip}"))
        .await?;
    Ok(())
}
