//! `GET /download/{token}`: serves a prepared export behind a signed, short-lived link, so
//! browsers download natively.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use super::HttpState;
use super::client::client_ip;
use crate::auth::{AuditCounter, Principal};

/// `attachment; filename="…"; filename*=UTF-8''…` for a sanitised filename (the ASCII
/// fallback and the full UTF-8 name).
fn disposition(filename: &str) -> HeaderValue {
    HeaderValue::from_str(&crate::genelists::export::content_disposition(filename))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

pub async fn get(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let app = &state.app;
    // Whoever holds the link: no account is needed (the link is the credential).
    let principal = Principal::visitor(None).from_request(
        Some(client_ip(
            &headers,
            peer,
            &app.settings.security.trusted_proxies,
        )),
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect()),
        AuditCounter::default(),
    );
    match app.downloads.serve(&token, principal).await {
        Ok(served) => {
            let content_type = HeaderValue::from_str(&served.envelope.content_type)
                .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, content_type),
                    (
                        header::CONTENT_DISPOSITION,
                        disposition(&served.envelope.filename),
                    ),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("no-store, private"),
                    ),
                ],
                served.bytes,
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_are_quoted_and_plain() {
        assert_eq!(
            disposition("My panel.xlsx"),
            "attachment; filename=\"My panel.xlsx\"; filename*=UTF-8''My%20panel.xlsx"
        );
        assert_eq!(
            disposition("a\"b\r\nc.csv"),
            "attachment; filename=\"a_b__c.csv\"; filename*=UTF-8''a%22b%0D%0Ac.csv"
        );
    }
}
