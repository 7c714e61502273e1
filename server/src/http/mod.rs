//! The HTTP surface: `/graphql`, health probes, downloads and the web app.

mod admin_exports;
mod client;
mod download;
mod graphql;
mod health;
pub mod response_cache;
pub mod visitor;
mod web;
pub mod ws;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderName, HeaderValue, Method, StatusCode, header};
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, DefaultPredicate, Predicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::graphql::AppSchema;
use crate::state::AppState;

pub use client::client_ip;

/// What every handler gets.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: AppSchema,
    /// Answers to anonymous public catalogue queries, served again for a moment.
    pub responses: std::sync::Arc<response_cache::ResponseCache>,
}

/// The whole router: API routes, then the web app with SPA fallback.
pub fn build_router(app: AppState, schema: AppSchema) -> Router {
    let settings = &app.settings;
    let backstop = settings.body.max_upload_bytes + settings.body.max_json_bytes + 64 * 1024;
    let cors = cors_layer(&settings.security.allowed_origins);
    let static_dir = settings.static_dir.clone();
    let request_timeout = settings.security.request_timeout;
    let state = HttpState {
        app,
        schema,
        responses: std::sync::Arc::default(),
    };
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/download/{token}", get(download::get))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/admin/audit.csv", get(admin_exports::audit_csv))
        .with_state(state)
        .fallback_service(web::service(&static_dir))
        // Slow clients (a body that trickles or never ends) and slow work alike: the response
        // must start within REQUEST_TIMEOUT. A WebSocket is past this once upgraded.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::map_response(move |response| {
            timeout_body(response, request_timeout)
        }))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(backstop))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(cors)
        // The web app's files are compressed at build time and sent as they are. Answers made
        // per request are gzipped at the fastest level: at the default level compression was
        // ~9 % of an uncached catalogue page's CPU (BENCHMARKS.md); cached answers keep a copy
        // compressed once (`response_cache`).
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(DefaultPredicate::new().and(web::NotTheWebApp)),
        )
        .layer(TraceLayer::new_for_http().make_span_with(|req: &http::Request<_>| {
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .layer(CatchPanicLayer::new())
}

/// The policy of every response but GraphiQL's: scripts only from this origin (files, never
/// inline: the web app starts from `boot.js`), WebAssembly compiled by the browser, no plugins,
/// no framing, no third-party origin. Inline `style` attributes stay allowed (the app sets a
/// few widths that way); they can not run code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// GraphiQL (a development tool, off in production) loads its page from a CDN and starts
/// inline; only its own page gets this wider policy.
pub const GRAPHIQL_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'unsafe-inline' https://unpkg.com; \
     style-src 'self' 'unsafe-inline' https://unpkg.com; img-src 'self' data: https://unpkg.com; \
     font-src 'self' data: https://unpkg.com; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'none'";

/// The JSON error for a request cut by the timeout layer (which answers with an empty body).
async fn timeout_body(response: Response, limit: Duration) -> Response {
    if response.status() != StatusCode::GATEWAY_TIMEOUT
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    tracing::warn!(limit_s = limit.as_secs(), "request timed out");
    crate::error::AppError::new(
        shared::ErrorCode::Timeout,
        format!(
            "the request took longer than {} s (REQUEST_TIMEOUT) and was stopped",
            limit.as_secs()
        ),
    )
    .with("limit", limit.as_secs())
    .into_response()
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// CORS is closed unless `CORS_ORIGINS` lists origins.
fn cors_layer(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if allowed.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("apollo-require-preflight"),
            HeaderName::from_static("x-requested-with"),
        ])
        .allow_credentials(true)
        .max_age(Duration::from_secs(600))
}
