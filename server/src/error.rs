//! The one error type of the server, with a stable machine code from [`shared::ErrorCode`].
//!
//! Internal errors are logged once with their cause chain and shown to callers as a generic
//! message; everything else carries a specific, human-readable message.

use std::time::Duration;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use shared::ErrorCode;

/// An error returned to API callers.
#[derive(Debug, Clone)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// Extra `extensions` fields (for example `retryAfter`, `field`, `instance`).
    pub extensions: Map<String, Value>,
    /// HTTP status for plain HTTP responses, when the code's default does not fit.
    pub http_status: Option<u16>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            extensions: Map::new(),
            http_status: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "you need to log in to do this")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, format!("{} not found", what.into()))
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }

    /// A validation error about one input field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(format!("{field}: {}", message.into())).with("field", field)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn rate_limited(retry_after: Duration) -> Self {
        let secs = retry_after.as_secs().max(1);
        Self::new(
            ErrorCode::RateLimited,
            format!("too many requests; retry in {secs} s"),
        )
        .with("retryAfter", secs)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            ErrorCode::PayloadTooLarge,
            format!("the request is larger than the limit of {limit} bytes"),
        )
        .with("limit", limit)
    }

    pub fn upstream(instance: &str, message: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::UpstreamUnavailable,
            format!("{instance}: {}", message.into()),
        )
        .with("instance", instance)
    }

    /// Logs the cause once and returns a generic internal error.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        tracing::error!(error_id = %id, error = %cause, "internal error");
        Self::new(
            ErrorCode::Internal,
            format!("internal error (reference {id})"),
        )
        .with("reference", id)
    }

    /// Overrides the HTTP status of a plain HTTP response.
    pub fn status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Adds an `extensions` field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(key.to_owned(), value.into());
        self
    }

    /// The GraphQL-shaped JSON body `{"errors": [...]}` for plain HTTP responses.
    pub fn to_graphql_body(&self) -> Value {
        let mut extensions = self.extensions.clone();
        extensions.insert("code".to_owned(), Value::from(self.code.as_str()));
        json!({ "errors": [{ "message": self.message, "extensions": extensions }] })
    }
}

// No `Display`/`std::error::Error` impls on purpose: async-graphql converts every `Display`
// type into a code-less error, which would bypass the `From` below.
impl AppError {
    /// `CODE: message`, for logs and the command line.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.code, self.message)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        let mut err = async_graphql::Error::new(e.message);
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", e.code.as_str());
        for (k, v) in e.extensions {
            if let Ok(value) = async_graphql::Value::from_json(v) {
                ext.set(k, value);
            }
        }
        err.extensions = Some(ext);
        err
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) => {
                tracing::debug!(%detail, "unique constraint violated");
                Self::conflict("a record with these values already exists")
            }
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(detail)) => {
                tracing::debug!(%detail, "foreign key violated");
                Self::validation("a referenced record does not exist")
            }
            _ => Self::internal(format!("database: {e}")),
        }
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(e: sea_orm::TransactionError<AppError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            http::StatusCode::from_u16(self.http_status.unwrap_or(self.code.http_status()))
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.extensions.get("retryAfter").and_then(Value::as_u64);
        let mut response = (status, Json(self.to_graphql_body())).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = retry_after {
            let mut set = |name: &'static str, value: String| {
                if let Ok(value) = http::HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            };
            set("retry-after", secs.to_string());
            if let Some(limit) = self.extensions.get("rateLimit").and_then(Value::as_u64) {
                set("ratelimit-limit", limit.to_string());
                set("ratelimit-remaining", "0".to_owned());
                set("ratelimit-reset", secs.to_string());
            }
            if let Some(policy) = self
                .extensions
                .get("rateLimitPolicy")
                .and_then(Value::as_str)
            {
                set("ratelimit-policy", policy.to_owned());
            }
        }
        response
    }
}

/// Helper to turn any error into an internal [`AppError`].
pub trait OrInternal<T> {
    fn or_internal(self, context: &str) -> AppResult<T>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self, context: &str) -> AppResult<T> {
        self.map_err(|e| AppError::internal(format!("{context}: {e}")))
    }
}

/// `value` trimmed, 1 to `max` characters; VALIDATION naming `field` otherwise.
pub fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(AppError::invalid_field(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// `value` trimmed (blank is none), at most `max` characters; VALIDATION naming `field`
/// otherwise.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(AppError::invalid_field(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.map(str::to_owned))
}

/// "15 minutes", "1 hour", "45 seconds": a wait in the largest whole unit that fits, rounded
/// up so nobody is told to come back too early.
pub fn duration_words(wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
    let (count, unit) = if secs >= 3600 && secs.is_multiple_of(3600) {
        (secs / 3600, "hour")
    } else if secs >= 120 {
        (secs.div_ceil(60), "minute")
    } else {
        (secs, "second")
    };
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_errors_carry_the_code_and_extras() {
        let err: async_graphql::Error = AppError::rate_limited(Duration::from_secs(30)).into();
        let ext = err.extensions.unwrap();
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("RATE_LIMITED"))
        );
        assert_eq!(
            ext.get("retryAfter"),
            Some(&async_graphql::Value::from(30u64))
        );
    }

    #[test]
    fn internal_errors_hide_the_cause() {
        let err = AppError::internal("password=hunter2 in connection string");
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(!err.message.contains("hunter2"));
    }

    #[test]
    fn http_body_is_graphql_shaped() {
        let body = AppError::payload_too_large(1024).to_graphql_body();
        assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
        assert_eq!(body["errors"][0]["extensions"]["limit"], 1024);
    }

    #[test]
    fn text_fields_are_trimmed_bounded_and_named() {
        assert_eq!(required_text("name", "  Cardiac ", 10).unwrap(), "Cardiac");
        let blank = required_text("name", "   ", 10).unwrap_err();
        assert_eq!(blank.code, ErrorCode::Validation);
        assert_eq!(
            blank.to_graphql_body()["errors"][0]["extensions"]["field"],
            "name"
        );
        assert!(required_text("name", "abcdefghijk", 10).is_err());
        assert_eq!(
            required_text("name", "äöüäöüäöüä", 10)
                .unwrap()
                .chars()
                .count(),
            10
        );
        assert_eq!(optional_text("note", Some("  "), 5).unwrap(), None);
        assert_eq!(optional_text("note", None, 5).unwrap(), None);
        assert_eq!(
            optional_text("note", Some(" ok "), 5).unwrap(),
            Some("ok".to_owned())
        );
        let long = optional_text("note", Some("too long"), 5).unwrap_err();
        assert_eq!(
            long.to_graphql_body()["errors"][0]["extensions"]["field"],
            "note"
        );
    }
}
