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
/// Most bytes held over all entries.
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
        let answer = Cached::new(body);
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
