//! Liveness (`/healthz`) and readiness (`/readyz`) probes.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::HttpState;

/// The process is up and serving HTTP.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok", "version": crate::VERSION })).into_response()
}

/// Ready when the database answers (503 naming the failure otherwise). Redis trouble makes the
/// instance `degraded`, not unready: catalogue reads, panel views and anonymous merges keep
/// working without it, and a load balancer that took every instance out would turn a Redis
/// outage back into a site outage.
pub async fn readyz(State(state): State<HttpState>) -> Response {
    let app = &state.app;
    let database = match app.db.execute_unprepared("SELECT 1").await {
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    };
    let cache = app.backends.cache.ping().await.map_err(|e| e.to_string());
    let ready = database.is_ok();
    let describe = |r: &Result<(), String>| match r {
        Ok(()) => json!({ "ok": true }),
        Err(e) => json!({ "ok": false, "error": e }),
    };
    let body = json!({
        "status": match (ready, cache.is_ok()) {
            (false, _) => "unavailable",
            (true, true) => "ready",
            (true, false) => "degraded",
        },
        "database": describe(&database),
        "cache": { "backend": app.backends.kind.name(), "detail": describe(&cache) },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
