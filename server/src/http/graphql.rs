//! `/graphql` over HTTP: JSON POST (or multipart for uploads), GET for queries only, GraphiQL
//! for a browser, and the WebSocket upgrade for subscriptions.

use std::net::SocketAddr;

use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql::{BatchRequest, BatchResponse};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, State, WebSocketUpgrade};
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, header};
use tokio_util_compat::into_async_read;

use super::HttpState;
use super::client::client_ip;
use super::response_cache::{self, Cached};
use crate::auth::limits;
use crate::error::AppError;
use crate::graphql::{RequestContext, Transport, request_census, too_expensive};

mod tokio_util_compat {
    //! Adapts an axum body into the `futures::AsyncRead` that async-graphql's multipart
    //! parser reads.
    use futures::{Stream, TryStreamExt};

    pub fn into_async_read<S>(stream: S) -> impl futures::AsyncRead + Send
    where
        S: Stream<Item = Result<bytes::Bytes, axum::Error>> + Send + Unpin,
    {
        stream.map_err(std::io::Error::other).into_async_read()
    }
}

fn base_context(
    state: &HttpState,
    transport: Transport,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> RequestContext {
    let ip = client_ip(headers, peer, &state.app.settings.security.trusted_proxies);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect());
    let ctx = RequestContext::new(transport, Some(ip), user_agent);
    let visitor = super::visitor::from_headers(headers);
    if visitor.is_some() || transport == Transport::WebSocket {
        return ctx.with_visitor(visitor);
    }
    // A new anonymous visitor: mint an id for as long as its uploads are kept.
    let settings = &state.app.settings;
    match super::visitor::mint(
        settings.upload_ttl.as_secs(),
        settings.security.secure_cookies,
    ) {
        Some((id, cookie)) => {
            ctx.set_cookie(cookie);
            ctx.with_visitor(Some(id))
        }
        None => ctx,
    }
}

/// Who is calling, the visitor cookie, and the rate limits: everything decided before the
/// operation runs.
pub(super) async fn prepare(
    state: &HttpState,
    transport: Transport,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<RequestContext, AppError> {
    let mut ctx = base_context(state, transport, headers, peer);
    let app = &state.app;
    let mut quota = app
        .limits
        .check_request(ctx.principal().client_ip())
        .await?;
    ctx.principal = app
        .authenticator
        .authenticate(headers, &ctx.principal)
        .await?;
    if let Some(id) = ctx.principal.user_id()
        && let Some(mine) = app.limits.check_request_user(id).await?
    {
        quota = Some(match quota {
            Some(q) => q.tighter(mine),
            None => mine,
        });
    }
    ctx.quota = quota;
    Ok(ctx)
}

/// The API_ACCESS row of a request made with an API token (see
/// [`crate::services::api_tokens::ApiTokens::audit_use`]).
async fn audit_api_access(
    state: &HttpState,
    ctx: &RequestContext,
    operations: Vec<String>,
    ok: bool,
) {
    let writes = ctx.writes.load(std::sync::atomic::Ordering::Relaxed);
    state
        .app
        .api_tokens
        .audit_use(ctx.principal(), operations, writes, ok)
        .await;
}

fn operation_names(batch: &BatchRequest) -> Vec<String> {
    batch
        .iter()
        .map(|r| {
            r.operation_name
                .clone()
                .unwrap_or_else(|| "anonymous".to_owned())
        })
        .collect()
}

/// The `Content-Type` as sent, and its media type lower-cased. Parameters keep their case:
/// a multipart boundary is case-sensitive (Chromium's has upper-case letters).
fn content_type(headers: &HeaderMap) -> (String, String) {
    let raw = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_owned();
    let media = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    (raw, media)
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// `POST /graphql`: JSON (single or batch), or multipart for uploads.
pub async fn post(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ctx = match prepare(&state, Transport::Post, &headers, peer).await {
        Ok(ctx) => ctx,
        Err(e) => return e.into_response(),
    };
    let generation = state.app.panelapp.generation();
    let (batch, raw) = match read_batch(&state, &headers, body).await {
        Ok(Received::Multipart(batch)) => (*batch, None),
        Ok(Received::Json(raw)) => {
            // An anonymous repeat of a public catalogue query: the answer made a moment ago.
            if ctx.account().is_none()
                && let Some(hit) = state.responses.get(Transport::Post, &raw, generation)
            {
                return finish_cached(http::StatusCode::OK, &hit, &ctx, &headers);
            }
            match parse_json_batch(&raw) {
                Ok(batch) => (batch, Some(raw)),
                Err(e) => return e.into_response(),
            }
        }
        Err(e) => return e.into_response(),
    };
    let (sensitive, expensive) = batch
        .iter()
        .map(|r| request_census(&r.query))
        .fold((0, 0), |(s, e), (rs, re)| (s + rs, e + re));
    let max_expensive = state.app.settings.graphql.max_expensive;
    if expensive > max_expensive {
        return AppError::validation(too_expensive(expensive, max_expensive))
            .with("limit", "expensive")
            .into_response();
    }
    if sensitive > 1 {
        return AppError::validation(
            "login, register and changePassword may appear only once per request",
        )
        .with("limit", "sensitive")
        .into_response();
    }
    let max_batch = state.app.settings.graphql.max_batch;
    if let BatchRequest::Batch(items) = &batch
        && items.len() > max_batch
    {
        return AppError::validation(format!(
            "the batch has {} operations; at most {max_batch} are allowed",
            items.len()
        ))
        .with("limit", "batch")
        .into_response();
    }
    let operations = operation_names(&batch);
    // Whether this answer may be kept for the next anonymous caller asking the same.
    let cacheable = match (&batch, &raw) {
        (BatchRequest::Single(request), Some(_)) if ctx.account().is_none() => {
            crate::graphql::is_public_catalogue_query(&request.query)
        }
        _ => false,
    };
    let batch = batch.data(ctx.clone());
    let response = state.schema.execute_batch(batch).await;
    audit_api_access(&state, &ctx, operations, response.is_ok()).await;
    let (status, body) = serialise(&response, &headers);
    if let (true, Some(raw), BatchResponse::Single(r)) = (cacheable, raw, &response)
        && status == http::StatusCode::OK
        && r.errors.is_empty()
    {
        let answer = state.responses.put(Transport::Post, raw, generation, body);
        return finish_cached(status, &answer, &ctx, &headers);
    }
    finish(status, body, &ctx, &headers)
}

/// What a POST body held: JSON text (parsed once the cache has been asked), or a multipart
/// upload, already parsed.
enum Received {
    Json(bytes::Bytes),
    Multipart(Box<BatchRequest>),
}

fn parse_json_batch(bytes: &[u8]) -> Result<BatchRequest, AppError> {
    serde_json::from_slice::<BatchRequest>(bytes)
        .map_err(|e| AppError::validation(format!("the body is not a GraphQL request: {e}")))
}

async fn read_batch(
    state: &HttpState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Received, AppError> {
    let (raw_type, media) = content_type(headers);
    let limits = &state.app.settings.body;
    if media == "multipart/form-data" {
        // Browsers can send multipart cross-site without a preflight; a custom header can not
        // be added without one, so requiring it stops CSRF uploads (as Apollo does).
        let preflighted = headers.contains_key("apollo-require-preflight")
            || headers.contains_key("x-requested-with");
        if !preflighted {
            return Err(AppError::forbidden(
                "multipart requests must carry an apollo-require-preflight or x-requested-with \
                 header",
            ));
        }
        let max_total = limits.max_upload_bytes + limits.max_json_bytes;
        if declared_length(headers).is_some_and(|n| n > max_total) {
            drain(body).await;
            return Err(AppError::payload_too_large(limits.max_upload_bytes));
        }
        let stream = body.into_data_stream();
        let reader = into_async_read(stream);
        let options = MultipartOptions::default()
            .max_file_size(limits.max_upload_bytes)
            .max_num_files(10);
        return async_graphql::http::receive_batch_body(Some(raw_type), reader, options)
            .await
            .map(|batch| Received::Multipart(Box::new(batch)))
            .map_err(|e| match e {
                async_graphql::ParseRequestError::PayloadTooLarge => {
                    AppError::payload_too_large(limits.max_upload_bytes)
                }
                other => AppError::validation(format!("invalid multipart request: {other}")),
            });
    }
    let is_json = media == "application/json" || media == "application/graphql-response+json";
    if !is_json {
        return Err(AppError::validation(
            "POST bodies must be application/json (or multipart/form-data for uploads)",
        )
        .status(415));
    }
    let limit = limits.max_json_bytes;
    if declared_length(headers).is_some_and(|n| n > limit) {
        return Err(AppError::payload_too_large(limit));
    }
    axum::body::to_bytes(body, limit)
        .await
        .map(Received::Json)
        .map_err(|_| AppError::payload_too_large(limit))
}

/// Reads and discards a refused upload, so a client that is still sending receives the 413
/// rather than a connection reset. Bounded by the router's body limit (the backstop).
async fn drain(body: Body) {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    while let Some(Ok(_)) = stream.next().await {}
}

/// The media type of GraphQL answers per the GraphQL-over-HTTP specification.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Whether the client asked for `application/graphql-response+json` (the GraphQL-over-HTTP
/// media type) rather than plain `application/json`.
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept.split(',').any(|item| {
                item.split(';')
                    .next()
                    .is_some_and(|media| media.trim().eq_ignore_ascii_case(GRAPHQL_RESPONSE))
            })
        })
}

/// Whether an answer is a request error (parse, validation, a refused operation): no data and
/// no error that a field raised.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

fn has_reason(response: &async_graphql::Response, reason: &str) -> bool {
    response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("reason"))
            .is_some_and(|v| *v == async_graphql::Value::from(reason))
    })
}

/// `RateLimit-*` headers for where the caller stands.
pub(super) fn rate_limit_headers(headers: &mut HeaderMap, quota: &limits::Quota) {
    let pairs = [
        ("ratelimit-limit", quota.limit.to_string()),
        ("ratelimit-remaining", quota.remaining.to_string()),
        ("ratelimit-reset", quota.reset.as_secs().max(1).to_string()),
        ("ratelimit-policy", quota.policy.clone()),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

/// The HTTP status and JSON body of a GraphQL response. With `Accept:
/// application/graphql-response+json` a request error is HTTP 400 (the GraphQL-over-HTTP
/// specification); a mutation sent over GET is 405 either way.
fn serialise(
    response: &BatchResponse,
    request_headers: &HeaderMap,
) -> (http::StatusCode, bytes::Bytes) {
    let graphql_media = wants_graphql_response(request_headers);
    let status = match response {
        BatchResponse::Single(r) if has_reason(r, "method_not_allowed") => {
            http::StatusCode::METHOD_NOT_ALLOWED
        }
        BatchResponse::Single(r) if graphql_media && is_request_error(r) => {
            http::StatusCode::BAD_REQUEST
        }
        _ => http::StatusCode::OK,
    };
    match serde_json::to_vec(response) {
        Ok(body) => (status, body.into()),
        Err(e) => {
            tracing::error!(error = %e, "GraphQL response not serialisable");
            (
                http::StatusCode::INTERNAL_SERVER_ERROR,
                bytes::Bytes::from_static(
                    br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#,
                ),
            )
        }
    }
}

/// The HTTP answer: the body as JSON (as `application/graphql-response+json` when asked for),
/// `Cache-Control: no-store`, the rate-limit headers and the cookies resolvers set.
fn finish(
    status: http::StatusCode,
    body: bytes::Bytes,
    ctx: &RequestContext,
    request_headers: &HeaderMap,
) -> Response {
    let graphql_media = wants_graphql_response(request_headers);
    let mut http = (status, body).into_response();
    let headers = http.headers_mut();
    let media = if graphql_media {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == http::StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    }
    if let Some(quota) = &ctx.quota {
        rate_limit_headers(headers, quota);
    }
    for cookie in ctx
        .set_cookies
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .drain(..)
    {
        headers.append(header::SET_COOKIE, cookie);
    }
    http
}

/// [`finish`] for a cached answer: its gzip copy (made once per entry) when the client accepts
/// gzip, so the router's compression layer does not compress the same bytes again.
fn finish_cached(
    status: http::StatusCode,
    answer: &Cached,
    ctx: &RequestContext,
    request_headers: &HeaderMap,
) -> Response {
    let gzip = response_cache::accepts_gzip(request_headers)
        .then(|| answer.gzipped())
        .flatten();
    let Some(gzip) = gzip else {
        return finish(status, answer.body.clone(), ctx, request_headers);
    };
    let mut http = finish(status, gzip, ctx, request_headers);
    let headers = http.headers_mut();
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    http
}

/// `GET /graphql`: WebSocket upgrade, GraphiQL for a browser, or a query in the URL.
pub async fn get(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _body) = request.into_parts();
    let headers = parts.headers.clone();
    if headers.contains_key(header::UPGRADE) {
        return match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => match prepare(&state, Transport::WebSocket, &headers, peer).await {
                Ok(ctx) => super::ws::upgrade(state, upgrade, &headers, ctx).await,
                Err(e) => e.into_response(),
            },
            Err(rejection) => rejection.into_response(),
        };
    }
    let query = parts.uri.query().unwrap_or("");
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if query.is_empty() && wants_html && parts.method == Method::GET {
        if state.app.settings.graphql.graphiql {
            let page = GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .title("PanelMerge GraphQL")
                .finish();
            let csp = HeaderValue::from_static(super::GRAPHIQL_CONTENT_SECURITY_POLICY);
            return ([(header::CONTENT_SECURITY_POLICY, csp)], Html(page)).into_response();
        }
        return AppError::not_found("GraphiQL (disabled on this server)").into_response();
    }
    let ctx = match prepare(&state, Transport::Get, &headers, peer).await {
        Ok(ctx) => ctx,
        Err(e) => return e.into_response(),
    };
    let generation = state.app.panelapp.generation();
    if ctx.account().is_none()
        && let Some(hit) = state
            .responses
            .get(Transport::Get, query.as_bytes(), generation)
    {
        return finish_public_get(hit, &ctx, &headers);
    }
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => {
            return AppError::validation(format!("invalid GraphQL GET request: {e}"))
                .into_response();
        }
    };
    let public = crate::graphql::is_public_catalogue_query(&request.query);
    let operations = vec![
        request
            .operation_name
            .clone()
            .unwrap_or_else(|| "anonymous".to_owned()),
    ];
    let response = state.schema.execute(request.data(ctx.clone())).await;
    audit_api_access(&state, &ctx, operations, response.is_ok()).await;
    let ok = response.errors.is_empty();
    let (status, body) = serialise(&BatchResponse::Single(response), &headers);
    if public && ok && status == http::StatusCode::OK {
        let answer = if ctx.account().is_none() {
            let raw = bytes::Bytes::copy_from_slice(query.as_bytes());
            state.responses.put(Transport::Get, raw, generation, body)
        } else {
            Cached::new(body)
        };
        return finish_public_get(answer, &ctx, &headers);
    }
    finish(status, body, &ctx, &headers)
}

/// How long browsers and shared caches may reuse a public catalogue answer without asking.
const PUBLIC_MAX_AGE: &str = "max-age=30";

/// A GET of public catalogue data: with an `ETag` and `Cache-Control` (`public` unless the
/// answer sets a cookie or the caller is logged in), and `304 Not Modified` without a body
/// when `If-None-Match` names the answer.
fn finish_public_get(
    answer: Cached,
    ctx: &RequestContext,
    request_headers: &HeaderMap,
) -> Response {
    let shared = ctx.account().is_none()
        && ctx
            .set_cookies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty();
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| response_cache::matches(v, &answer.etag));
    let mut http = if not_modified {
        finish(
            http::StatusCode::NOT_MODIFIED,
            bytes::Bytes::new(),
            ctx,
            request_headers,
        )
    } else {
        finish_cached(http::StatusCode::OK, &answer, ctx, request_headers)
    };
    let headers = http.headers_mut();
    let policy = if shared {
        format!("public, {PUBLIC_MAX_AGE}")
    } else {
        format!("private, {PUBLIC_MAX_AGE}")
    };
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CACHE_CONTROL, policy);
    }
    headers.insert(header::ETAG, answer.etag);
    headers.append(header::VARY, HeaderValue::from_static("Accept"));
    if not_modified {
        headers.remove(header::CONTENT_TYPE);
    }
    http
}
