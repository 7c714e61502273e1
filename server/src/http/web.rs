//! The built web app (Trunk's `dist/`), with SPA fallback to `index.html`.
//!
//! Release builds carry `<file>.br` and `<file>.gz` next to each asset (Trunk's post_build hook
//! runs `scripts/precompress.mjs`); they are sent as files with `Content-Encoding` when the
//! client accepts them. The web app is never compressed per request ([`NotTheWebApp`] keeps
//! the router's compression layer off these responses).

use std::convert::Infallible;
use std::path::Path;

use axum::body::Body;
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderValue, Request, StatusCode, header};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use tower_http::compression::Predicate;
use tower_http::services::fs::ServeFileSystemResponseBody;
use tower_http::services::{ServeDir, ServeFile};

/// Marks a response of the web app (an extension on the response).
#[derive(Clone, Copy, Debug)]
struct WebAppFile;

/// A compression predicate: anything but a web app file (those are precompressed at build time).
#[derive(Clone, Copy, Debug, Default)]
pub struct NotTheWebApp;

impl Predicate for NotTheWebApp {
    fn should_compress<B>(&self, response: &http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response.extensions().get::<WebAppFile>().is_none()
    }
}

/// Serves files from `dir`; unknown paths get `index.html` so client-side routes work.
pub fn service(dir: &Path) -> BoxCloneSyncService<Request<Body>, Response, Infallible> {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %dir.display(), "web app not built; run `make web` (or `make run`)");
        let missing = dir.display().to_string();
        return BoxCloneSyncService::new(tower::service_fn(move |_req: Request<Body>| {
            let missing = missing.clone();
            async move { Ok(not_built(&missing)) }
        }));
    }
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    let service = ServiceExt::<Request<Body>>::map_response(
        files,
        |response: http::Response<ServeFileSystemResponseBody>| {
            let mut response = response.map(Body::new);
            let is_html = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            // index.html must be revalidated; Trunk's assets carry content hashes in their names.
            let cache = if is_html {
                "no-cache"
            } else {
                "public, max-age=31536000, immutable"
            };
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // The same URL answers brotli, gzip or plain bytes by Accept-Encoding.
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            response.extensions_mut().insert(WebAppFile);
            response
        },
    );
    BoxCloneSyncService::new(service)
}

fn not_built(dir: &str) -> Response {
    let body = format!(
        "<!doctype html><title>PanelMerge</title><h1>PanelMerge</h1>\
         <p>The web app is not built in <code>{dir}</code>. Run <code>make run</code>, or use \
         the API at <a href=\"/graphql\">/graphql</a>.</p>"
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response()
}
