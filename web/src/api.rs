//! The GraphQL client: one typed call per operation, one error type for every way it can fail.
//!
//! Every request is a same-origin `POST /graphql` with the session cookie included. A request
//! started while a page (or a resource) is alive is aborted when it goes away, so navigating
//! away never leaves a stale fetch writing into a disposed page.

use graphql_client::GraphQLQuery;
use leptos::prelude::on_cleanup;
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use shared::ErrorCode;

/// The GraphQL endpoint, relative to the page's origin.
const ENDPOINT: &str = "/graphql";

/// Why a GraphQL call did not produce data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No HTTP answer at all: offline, connection refused, DNS, or the request was aborted.
    #[error("Could not reach the PanelMerge server. Check your connection and try again. ({0})")]
    Network(String),
    /// An HTTP answer that is not a GraphQL response (a proxy error page, a 502, a 404 …).
    #[error("The server answered with HTTP {}.", status_line(*status, status_text))]
    Http { status: u16, status_text: String },
    /// The server answered with a GraphQL error. `code` is `errors[0].extensions.code` when the
    /// server sent one this app knows.
    #[error("{message}")]
    Graphql {
        code: Option<ErrorCode>,
        message: String,
    },
    /// The answer could not be understood (for example a schema this build does not know).
    #[error("The server sent an answer this app could not read: {0}")]
    Decode(String),
    /// This app could not even build the request (a bug, not a server problem).
    #[error("The request could not be sent: {0}")]
    Request(String),
}

impl ApiError {
    /// True when the server could not be reached or did not answer as a GraphQL server —
    /// a condition of the whole site rather than of one request.
    pub fn is_connectivity(&self) -> bool {
        matches!(self, Self::Network(_) | Self::Http { .. })
    }
}

fn status_line(status: u16, status_text: &str) -> String {
    if status_text.trim().is_empty() {
        status.to_string()
    } else {
        format!("{status} {}", status_text.trim())
    }
}

/// The first request of a page load goes out alone. A browser without the anonymous visitor
/// cookie is given one by the server's answer; requests sent at the same time would each be
/// given a different visitor id, and whichever answer came last would set the cookie — an
/// upload stored under an earlier id then vanished from the workbench on the next page load.
mod first_request {
    use std::cell::{Cell, RefCell};

    use futures::channel::oneshot;

    thread_local! {
        static STARTED: Cell<bool> = const { Cell::new(false) };
        static OPEN: Cell<bool> = const { Cell::new(false) };
        static WAITING: RefCell<Vec<oneshot::Sender<()>>> = const { RefCell::new(Vec::new()) };
    }

    /// Held by the first request; lets the others go when it is done (or dropped).
    pub struct First;

    impl Drop for First {
        fn drop(&mut self) {
            OPEN.with(|o| o.set(true));
            for waiter in WAITING.with(|w| w.take()) {
                let _ = waiter.send(());
            }
        }
    }

    /// Waits until the first request is answered; the first request itself gets [`First`].
    pub async fn pass() -> Option<First> {
        if OPEN.with(Cell::get) {
            return None;
        }
        if !STARTED.with(|s| s.replace(true)) {
            return Some(First);
        }
        let (tx, rx) = oneshot::channel();
        WAITING.with(|w| w.borrow_mut().push(tx));
        let _ = rx.await;
        None
    }
}

/// Runs the GraphQL operation `Q` with `variables` against the server.
///
/// Only the (de)serialisation depends on `Q`: the request itself is [`post`], one copy in the
/// wasm rather than one per operation.
pub async fn graphql<Q: GraphQLQuery>(
    variables: Q::Variables,
) -> Result<Q::ResponseData, ApiError> {
    let body = serde_json::to_string(&Q::build_query(variables))
        .map_err(|err| ApiError::Request(err.to_string()))?;
    decode(post(body).await?)
}

/// Sends one GraphQL request body and returns the answer's `data`.
async fn post(body: String) -> Result<serde_json::Value, ApiError> {
    // Abort the fetch when the reactive owner that started it is cleaned up (page left,
    // resource refetched). `AbortController` is not `Send`; the browser is single-threaded.
    let abort = SendWrapper::new(web_sys::AbortController::new().ok());
    let signal = abort.as_ref().map(web_sys::AbortController::signal);
    on_cleanup(move || {
        if let Some(controller) = abort.take() {
            controller.abort();
        }
    });
    let _first = first_request::pass().await;

    let response = gloo_net::http::Request::post(ENDPOINT)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .credentials(web_sys::RequestCredentials::Include)
        .abort_signal(signal.as_ref())
        .body(body)
        .map_err(|err| ApiError::Request(err.to_string()))?
        .send()
        .await
        .map_err(|err| ApiError::Network(err.to_string()))?;
    let status = response.status();
    let status_text = response.status_text();
    let text = response
        .text()
        .await
        .map_err(|err| ApiError::Network(err.to_string()))?;
    interpret_data(status, &status_text, &text)
}

/// Runs the GraphQL operation `Q` as a multipart request (the GraphQL multipart request spec)
/// with `file` bound to the variable `variable` (which must be `null` in `variables`).
/// The `apollo-require-preflight` header tells the server this is not a CSRF form post.
pub async fn graphql_upload<Q: GraphQLQuery>(
    variables: Q::Variables,
    variable: &str,
    file: &web_sys::File,
) -> Result<Q::ResponseData, ApiError> {
    let _first = first_request::pass().await;
    let request = |err: wasm_bindgen::JsValue| ApiError::Request(format!("{err:?}"));
    let operations = serde_json::to_string(&Q::build_query(variables))
        .map_err(|err| ApiError::Request(err.to_string()))?;
    let map = serde_json::json!({ "0": [format!("variables.{variable}")] }).to_string();
    // The browser writes the multipart body and its boundary (the server reads the boundary as
    // sent, case and all).
    let form = web_sys::FormData::new().map_err(request)?;
    form.append_with_str("operations", &operations)
        .map_err(request)?;
    form.append_with_str("map", &map).map_err(request)?;
    form.append_with_blob_and_filename("0", file, &file.name())
        .map_err(request)?;
    let response = gloo_net::http::Request::post(ENDPOINT)
        .header("accept", "application/json")
        .header("apollo-require-preflight", "true")
        .credentials(web_sys::RequestCredentials::Include)
        .body(form)
        .map_err(|err| ApiError::Request(err.to_string()))?
        .send()
        .await
        .map_err(|err| ApiError::Network(err.to_string()))?;
    let status = response.status();
    let status_text = response.status_text();
    let text = response
        .text()
        .await
        .map_err(|err| ApiError::Network(err.to_string()))?;
    decode(interpret_data(status, &status_text, &text)?)
}

/// Turns an HTTP answer into the operation's data or an [`ApiError`].
///
/// GraphQL errors win over HTTP status (async-graphql answers 200 for most failures, but a
/// gateway may answer 4xx/5xx with a GraphQL body); a body that is not GraphQL is judged by its
/// status.
pub(crate) fn interpret<T: DeserializeOwned>(
    status: u16,
    status_text: &str,
    body: &str,
) -> Result<T, ApiError> {
    decode(interpret_data(status, status_text, body)?)
}

/// The operation's data as decoded into its generated type.
fn decode<T: DeserializeOwned>(data: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(data).map_err(|err| ApiError::Decode(err.to_string()))
}

/// [`interpret`] up to the answer's `data` (not yet decoded): the part that is the same for
/// every operation.
fn interpret_data(
    status: u16,
    status_text: &str,
    body: &str,
) -> Result<serde_json::Value, ApiError> {
    let is_success = (200..300).contains(&status);
    let http_error = || ApiError::Http {
        status,
        status_text: status_text.to_owned(),
    };

    let response: graphql_client::Response<serde_json::Value> = match serde_json::from_str(body) {
        Ok(response) => response,
        Err(_) if !is_success => return Err(http_error()),
        Err(err) => return Err(ApiError::Decode(err.to_string())),
    };

    if let Some(first) = response.errors.as_deref().and_then(<[_]>::first) {
        let code = first
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .and_then(serde_json::Value::as_str)
            .and_then(|code| code.parse::<ErrorCode>().ok());
        return Err(ApiError::Graphql {
            code,
            message: first.message.clone(),
        });
    }

    match response.data {
        Some(data) if !data.is_null() => Ok(data),
        _ if !is_success => Err(http_error()),
        _ => Err(ApiError::Decode(
            "the response has neither data nor errors".to_owned(),
        )),
    }
}

/// Lets the browser download a signed link natively.
pub fn navigate_to(url: &str) {
    let _ = leptos::prelude::window().location().set_href(url);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queries::server_info;

    fn code(err: &ApiError) -> Option<ErrorCode> {
        match err {
            ApiError::Graphql { code, .. } => *code,
            _ => None,
        }
    }

    fn server_info_result(status: u16, body: &str) -> Result<server_info::ResponseData, ApiError> {
        interpret(status, "", body)
    }

    #[test]
    fn data_is_decoded_into_the_generated_type() {
        let data = server_info_result(
            200,
            r#"{"data":{"serverInfo":{"version":"0.1.0","database":"SQLITE","cache":"MEMORY","environment":"DEVELOPMENT","panelAppSnapshotOnly":false,"panelApp":[{"source":"UK","dataOrigin":"STALE_CACHE","dataDate":"2026-11-20T08:00:00Z","snapshotDate":null}]}}}"#,
        )
        .unwrap();
        assert_eq!(data.server_info.version, "0.1.0");
        assert_eq!(data.server_info.cache, shared::CacheBackend::Memory);
        assert_eq!(data.server_info.database, shared::DatabaseBackend::Sqlite);
        let uk = &data.server_info.panel_app[0];
        assert_eq!(
            uk.data_origin,
            Some(shared::panelapp::DataOrigin::StaleCache)
        );
    }

    #[test]
    fn first_error_code_is_parsed_into_the_shared_enum() {
        let err = server_info_result(
            200,
            r#"{"data":null,"errors":[
                {"message":"Please sign in.","extensions":{"code":"UNAUTHENTICATED"}},
                {"message":"second","extensions":{"code":"FORBIDDEN"}}]}"#,
        )
        .unwrap_err();
        assert_eq!(code(&err), Some(ErrorCode::Unauthenticated));
        assert_eq!(err.to_string(), "Please sign in.");
        assert!(!err.is_connectivity());
    }

    #[test]
    fn unknown_or_missing_codes_keep_the_message() {
        let err = server_info_result(
            200,
            r#"{"errors":[{"message":"odd","extensions":{"code":"NEW_THING"}}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            ApiError::Graphql {
                code: None,
                message: "odd".into()
            }
        );
        let err =
            server_info_result(200, r#"{"errors":[{"message":"no extensions"}]}"#).unwrap_err();
        assert_eq!(code(&err), None);
        assert_eq!(err.to_string(), "no extensions");
    }

    #[test]
    fn graphql_errors_win_over_http_status() {
        let err = server_info_result(
            429,
            r#"{"errors":[{"message":"Slow down.","extensions":{"code":"RATE_LIMITED"}}]}"#,
        )
        .unwrap_err();
        assert_eq!(code(&err), Some(ErrorCode::RateLimited));
    }

    #[test]
    fn non_graphql_failures_are_http_errors() {
        let err =
            interpret::<server_info::ResponseData>(502, "Bad Gateway", "<html>bad gateway</html>")
                .unwrap_err();
        assert_eq!(
            err,
            ApiError::Http {
                status: 502,
                status_text: "Bad Gateway".into()
            }
        );
        assert!(err.is_connectivity());
        assert_eq!(
            err.to_string(),
            "The server answered with HTTP 502 Bad Gateway."
        );
        let err = server_info_result(501, "").unwrap_err();
        assert_eq!(err.to_string(), "The server answered with HTTP 501.");
    }

    #[test]
    fn unreadable_success_is_a_decode_error() {
        assert!(matches!(
            server_info_result(200, "not json"),
            Err(ApiError::Decode(_))
        ));
        assert!(matches!(
            server_info_result(200, "{}"),
            Err(ApiError::Decode(_))
        ));
        assert!(matches!(
            server_info_result(200, r#"{"data":{"serverInfo":{"version":1}}}"#),
            Err(ApiError::Decode(_))
        ));
    }

    #[test]
    fn network_errors_say_so() {
        let err = ApiError::Network("TypeError: Failed to fetch".into());
        assert!(err.is_connectivity());
        assert!(
            err.to_string()
                .starts_with("Could not reach the PanelMerge server")
        );
    }
}
