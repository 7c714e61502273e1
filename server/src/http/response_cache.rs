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
//! turning stale) or a refresh made on another instance takes to show. Entries past it, or of
//! an older generation, are dropped by the next store at most one [`TTL`] later, so memory
//! follows the answers in use rather than every distinct query seen since start.
//!
//! An entry also keeps its body gzip-compressed, made once on the first request that accepts
//! gzip: a large answer (the whole UK list is ~170 KB) would otherwise be compressed again for
//! every request by the router's compression layer, which then costs more than everything
//! else the cached request does.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
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
/// Most bytes held over all entries, their gzip copies counted.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Bodies smaller than this are sent as they are (compression would not pay for itself).
const MIN_COMPRESSED: usize = 1024;

/// A cached answer: the JSON body and its `ETag`.
#[derive(Clone)]
pub struct Cached {
    pub body: Bytes,
    pub etag: HeaderValue,
    /// The body gzip-compressed, made at most once per entry (shared by its clones).
    gzip: Arc<OnceLock<Option<Bytes>>>,
}

impl Cached {
    /// An answer with its `ETag`.
    pub fn new(body: Bytes) -> Self {
        Self {
            etag: etag_of(&body),
            body,
            gzip: Arc::default(),
        }
    }

    /// The body gzip-compressed, when it is large enough to be worth it (compressed on the
    /// first call, then kept).
    pub fn gzipped(&self) -> Option<Bytes> {
        if self.body.len() < MIN_COMPRESSED {
            return None;
        }
        self.gzip
            .get_or_init(|| {
                // The fastest level: every new answer pays it once, and for JSON it gives
                // most of the default level's saving at a third of the CPU (BENCHMARKS.md).
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.body.len() / 4),
                    flate2::Compression::fast(),
                );
                encoder.write_all(&self.body).ok()?;
                encoder.finish().ok().map(Bytes::from)
            })
            .clone()
    }
}

/// Whether `Accept-Encoding` allows gzip (`gzip` or `*`, with a quality above 0).
pub fn accepts_gzip(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let quality = parts
                .find_map(|p| p.strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && quality > 0.0
        })
}

struct Entry {
    generation: u64,
    stored: Instant,
    answer: Cached,
}

impl Entry {
    fn live(&self, generation: u64, now: Instant) -> bool {
        self.generation == generation && now.saturating_duration_since(self.stored) < TTL
    }
}

/// The bytes an entry may hold: its request and body, and room for the body's gzip copy
/// (made later, outside the lock; never larger than the body for the JSON kept here).
fn footprint(request: &[u8], body: &[u8]) -> usize {
    let gzip = if body.len() < MIN_COMPRESSED {
        0
    } else {
        body.len()
    };
    request.len() + body.len() + gzip
}

#[derive(Default)]
struct Entries {
    /// Per transport (GET query strings and POST bodies are different texts).
    maps: [HashMap<Bytes, Entry>; 3],
    bytes: usize,
    /// When entries past their time were last dropped.
    swept: Option<Instant>,
}

impl Entries {
    /// Drops the entries no request can be answered from any more: past their time, or made
    /// before `generation` (an answer made just before a change may be stored just after
    /// one, so newer entries are kept).
    fn sweep(&mut self, generation: u64, now: Instant) {
        let mut bytes = 0;
        for map in &mut self.maps {
            map.retain(|request, entry| {
                let keep = entry.generation >= generation
                    && now.saturating_duration_since(entry.stored) < TTL;
                if keep {
                    bytes += footprint(request, &entry.answer.body);
                }
                keep
            });
        }
        self.bytes = bytes;
        self.swept = Some(now);
    }
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
        self.get_at(transport, request, generation, Instant::now())
    }

    fn get_at(
        &self,
        transport: Transport,
        request: &[u8],
        generation: u64,
        now: Instant,
    ) -> Option<Cached> {
        let entries = self.lock();
        let entry = entries.maps[slot(transport)].get(request)?;
        entry.live(generation, now).then(|| entry.answer.clone())
    }

    /// Keeps `body` as the answer to `request`, made in `generation`; returns its entry.
    pub fn put(
        &self,
        transport: Transport,
        request: Bytes,
        generation: u64,
        body: Bytes,
    ) -> Cached {
        self.put_at(transport, request, generation, body, Instant::now())
    }

    fn put_at(
        &self,
        transport: Transport,
        request: Bytes,
        generation: u64,
        body: Bytes,
        now: Instant,
    ) -> Cached {
        let answer = Cached::new(body);
        if answer.body.len() > MAX_BODY {
            return answer;
        }
        let mut entries = self.lock();
        if entries
            .swept
            .is_none_or(|at| now.saturating_duration_since(at) >= TTL)
        {
            entries.sweep(generation, now);
        }
        let size = footprint(&request, &answer.body);
        let held: usize = entries.maps.iter().map(HashMap::len).sum();
        if held >= MAX_ENTRIES || entries.bytes + size > MAX_BYTES {
            entries.sweep(generation, now);
            let held: usize = entries.maps.iter().map(HashMap::len).sum();
            if held >= MAX_ENTRIES || entries.bytes + size > MAX_BYTES {
                *entries = Entries::default();
            }
        }
        let entry = Entry {
            generation,
            stored: now,
            answer: answer.clone(),
        };
        if let Some(old) = entries.maps[slot(transport)].insert(request.clone(), entry) {
            entries.bytes = entries
                .bytes
                .saturating_sub(footprint(&request, &old.answer.body));
        }
        entries.bytes += size;
        answer
    }

    /// Entries held and the bytes counted for them.
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.maps.iter().map(HashMap::len).sum(), entries.bytes)
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
    fn entries_past_their_time_or_generation_are_dropped_by_the_next_store() {
        let cache = ResponseCache::default();
        let start = Instant::now();
        let big = Bytes::from("x".repeat(4096));
        let small = Bytes::from_static(b"{}");
        cache.put_at(
            Transport::Post,
            Bytes::from_static(b"a"),
            1,
            big.clone(),
            start,
        );
        cache.put_at(
            Transport::Get,
            Bytes::from_static(b"b"),
            1,
            small.clone(),
            start,
        );
        // The large body counts twice (room for its gzip copy), the small one once.
        assert_eq!(cache.held(), (2, 1 + 4096 * 2 + 1 + 2));
        // Within the TTL nothing is dropped, whatever is stored.
        let soon = start + TTL / 2;
        cache.put_at(
            Transport::Post,
            Bytes::from_static(b"c"),
            1,
            small.clone(),
            soon,
        );
        assert_eq!(cache.held().0, 3);
        assert!(cache.get_at(Transport::Post, b"a", 1, soon).is_some());
        // A TTL later, the next store keeps only what can still be served.
        let later = start + TTL + TTL / 4;
        assert!(cache.get_at(Transport::Post, b"a", 1, later).is_none());
        cache.put_at(
            Transport::Post,
            Bytes::from_static(b"d"),
            1,
            small.clone(),
            later,
        );
        assert_eq!(cache.held(), (2, (1 + 2) * 2), "c (still live) and d");
        assert!(cache.get_at(Transport::Post, b"c", 1, later).is_some());
        // A new generation (PanelApp data changed) makes every older entry unservable.
        let newer = later + TTL;
        cache.put_at(Transport::Get, Bytes::from_static(b"e"), 2, big, newer);
        assert_eq!(cache.held(), (1, 1 + 4096 * 2));
        assert!(cache.get_at(Transport::Get, b"e", 2, newer).is_some());
    }

    #[test]
    fn a_replaced_entry_is_counted_once() {
        let cache = ResponseCache::default();
        let now = Instant::now();
        for body in ["first answer", "second"] {
            cache.put_at(
                Transport::Post,
                Bytes::from_static(b"q"),
                1,
                Bytes::from(body),
                now,
            );
        }
        assert_eq!(cache.held(), (1, 1 + "second".len()));
    }

    #[test]
    fn large_answers_are_gzipped_once_and_small_ones_not_at_all() {
        use std::io::Read as _;
        let text = format!("{{\"data\":\"{}\"}}", "panel ".repeat(1000));
        let answer = Cached::new(Bytes::from(text.clone()));
        let gzip = answer.gzipped().unwrap();
        assert!(gzip.len() < text.len() / 10, "{} bytes", gzip.len());
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, text);
        let copy = answer.clone();
        assert_eq!(
            copy.gzipped().unwrap().as_ptr(),
            gzip.as_ptr(),
            "made once, shared"
        );
        assert!(Cached::new(Bytes::from_static(b"{}")).gzipped().is_none());
    }

    #[test]
    fn accept_encoding_is_read_with_its_qualities() {
        let headers = |v: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(
                http::header::ACCEPT_ENCODING,
                HeaderValue::from_str(v).unwrap(),
            );
            h
        };
        assert!(accepts_gzip(&headers("gzip, deflate, br")));
        assert!(accepts_gzip(&headers("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("br, zstd")));
        assert!(!accepts_gzip(&http::HeaderMap::new()));
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
