//! `GET /admin/audit.csv`: the filtered audit trail as CSV, for admins (session cookie or API
//! token). A plain GET so browsers download it natively; audited DATA_EXPORT. The body streams
//! (batches of rows read by id), so exporting a trail of millions of rows keeps memory flat.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue, header};
use shared::{AuditAction, AuditResourceKind};

use super::HttpState;
use super::graphql::prepare;
use crate::error::AppError;
use crate::graphql::Transport;
use crate::services::audit_log::{self, AuditQuery};

fn list<T>(
    params: &HashMap<String, String>,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, AppError> {
    let Some(raw) = params.get(key) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse(s).ok_or_else(|| AppError::invalid_field(key, format!("{s:?} is not valid")))
        })
        .collect()
}

fn instant(params: &HashMap<String, String>, key: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    params
        .get(key)
        .map(|raw| {
            DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| AppError::invalid_field(key, "must be an RFC 3339 instant"))
        })
        .transpose()
}

fn query_of(params: &HashMap<String, String>) -> Result<AuditQuery, AppError> {
    Ok(AuditQuery {
        user_ids: list(params, "userIds", |s| s.parse().ok())?,
        usernames: list(params, "usernames", |s| Some(s.to_owned()))?,
        actions: list(params, "actions", |s| s.parse::<AuditAction>().ok())?,
        from: instant(params, "from")?,
        to: instant(params, "to")?,
        success: match params.get("success").map(String::as_str) {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(AppError::invalid_field("success", "must be true or false")),
        },
        resource_type: params.get("resourceType").cloned(),
        resource_kinds: list(params, "resourceKinds", |s| {
            s.parse::<AuditResourceKind>().ok()
        })?,
        resource_id: params.get("resourceId").cloned(),
    })
}

pub async fn audit_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match build(&state, &headers, peer, &params).await {
        Ok(stream) => {
            let name = format!(
                "panelmerge-audit-{}.csv",
                Utc::now().format("%Y%m%dT%H%M%SZ")
            );
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or(HeaderValue::from_static("attachment"));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                axum::body::Body::from_stream(stream),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn build(
    state: &HttpState,
    headers: &HeaderMap,
    peer: SocketAddr,
    params: &HashMap<String, String>,
) -> Result<impl futures::Stream<Item = audit_log::CsvChunk> + Send + 'static, AppError> {
    let ctx = prepare(state, Transport::Get, headers, peer).await?;
    ctx.principal().require_login()?;
    if let Err(e) = ctx.principal().require_admin() {
        {
            let record = crate::services::audit::AuditRecord::new(
                AuditAction::PrivilegeEscalation,
                "audit CSV refused: it needs the ADMIN role",
            )
            .failed(e.message.clone());
            state
                .app
                .audit
                .record(&state.app.db, ctx.principal(), record)
                .await?;
            return Err(e);
        }
    }
    let query = query_of(params)?;
    state.app.audit_trail.csv(ctx.principal(), &query).await
}
