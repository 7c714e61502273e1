//! Answers to repeated public catalogue queries, served without running them again.
//!
//! An anonymous request whose exact text (the POST body, or the GET query string) was answered
//! a moment ago gets that answer's bytes, when the answer read only public PanelApp data
//! (`graphql::public`), had no error, and PanelApp data has not changed since (the service's
//! generation, bumped on every refresh, new catalogue or counts learnt). The request has been
//! authenticated and rate-limited before the lookup, like any other. Logged-in callers always
//! run their operations: some reads are audited for them, and token scopes apply.
//!
//! Entries live [`TTL`] at most, which also bounds how long a freshness change (cached data
//! turning stale) or a refresh made on another instance takes to show.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::HeaderValue;

use crate::graphql::Transport;

/// How long an entry is served.
pub const TTL: Duration = Duration::from_secs(1);
/// Most entries held; when full, the cache starts over (distinct public queries are few: the
/// web app's, varied by search text and page).
const MAX_ENTRIES: usize = 2048;
/// Largest answer kept (a whole catalogue page of 100 panels is ~50 KB).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// Most bytes held over all entries.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// A cached answer: the JSON body and its `ETag`.
#[derive(Clone)]
pub struct Cached {
    pub body: Bytes,
    pub etag: HeaderValue,
}

struct Entry {
    generation: u64,
    stored: Instant,
    answer: Cached,
}

#[derive(Default)]
struct Entries {
    /// Per transport (GET query strings and POST bodies are different texts).
    maps: [HashMap<Bytes, Entry>; 3],
    bytes: usize,
}

#[derive(Default)]
pub struct ResponseCache {
    entries: Mutex<Entries>,
}

fn slot(transport: Transport) -> usize {
    match transport {
        Transport::Get => 0,
        Transport::Post => 1,
        Transport::WebSocket => 2,
    }
}

/// The strong `ETag` of a body: the first 16 bytes of its SHA-256, so every instance gives the
/// same answer the same tag.
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let tag = format!("\"{}\"", hex::encode(&digest.as_ref()[..16]));
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Whether an `If-None-Match` header value names `etag` (weak comparison, as for GET).
pub fn matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    let wanted = etag.as_bytes();
    list.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/").as_bytes() == wanted
    })
}

impl ResponseCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer to `request` made in `generation` less than [`TTL`] ago.
    pub fn get(&self, transport: Transport, request: &[u8], generation: u64) -> Option<Cached> {
        let entries = self.lock();
        let entry = entries.maps[slot(transport)].get(request)?;
        (entry.generation == generation && entry.stored.elapsed() < TTL)
            .then(|| entry.answer.clone())
    }

    /// Keeps `body` as the answer to `request`, made in `generation`; returns its entry.
    pub fn put(
        &self,
        transport: Transport,
        request: Bytes,
        generation: u64,
        body: Bytes,
    ) -> Cached {
        let answer = Cached {
            etag: etag_of(&body),
            body,
        };
        if answer.body.len() > MAX_BODY {
            return answer;
        }
        let mut entries = self.lock();
        let size = answer.body.len() + request.len();
        let held: usize = entries.maps.iter().map(HashMap::len).sum();
        if held >= MAX_ENTRIES || entries.bytes + size > MAX_BYTES {
            *entries = Entries::default();
        }
        let entry = Entry {
            generation,
            stored: Instant::now(),
            answer: answer.clone(),
        };
        if let Some(old) = entries.maps[slot(transport)].insert(request.clone(), entry) {
            entries.bytes = entries
                .bytes
                .saturating_sub(old.answer.body.len() + request.len());
        }
        entries.bytes += size;
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_generation_and_transport() {
        let cache = ResponseCache::default();
        let body = Bytes::from_static(br#"{"data":{"__typename":"Query"}}"#);
        let put = cache.put(Transport::Post, Bytes::from_static(b"q"), 7, body.clone());
        let hit = cache.get(Transport::Post, b"q", 7).unwrap();
        assert_eq!(hit.body, body);
        assert_eq!(hit.etag, put.etag);
        assert!(cache.get(Transport::Post, b"q", 8).is_none());
        assert!(cache.get(Transport::Get, b"q", 7).is_none());
        assert!(cache.get(Transport::Post, b"q2", 7).is_none());
    }

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let etag = etag_of(b"x");
        let strong = etag.to_str().unwrap().to_owned();
        let header = |v: &str| HeaderValue::from_str(v).unwrap();
        assert!(matches(&header(&strong), &etag));
        assert!(matches(&header(&format!("\"a\", W/{strong}")), &etag));
        assert!(matches(&header("*"), &etag));
        assert!(!matches(&header("\"other\""), &etag));
    }
}
