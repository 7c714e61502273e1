//! The Flask version's environment variables (its `config_settings.py`, the variables its code
//! reads, `.env.email.example`, and the migration, configuration, security, session, Redis and
//! Cloud SQL guides), and what each one means here. Variables that PanelMerge implements are
//! read by [`super::parse`] under their Flask name (with Flask's value syntax); the rest are
//! named by `config validate` and at start-up with the reason they do nothing.

/// How PanelMerge treats one Flask variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlaskVariable {
    /// Read, with the Flask meaning: under the same name, or as the named setting of ours.
    Read(&'static str),
    /// A feature PanelMerge does not have yet; the variable is kept for when it comes.
    NotYetUsed(&'static str),
    /// Means nothing here; why.
    NoMeaning(&'static str),
}

const SAME: &str = "the same setting";

const MAIL_POOL: &str = "the SMTP transport keeps and reuses its own connections; \
                         there is no per-connection message cap";
const CLOUD_SQL: &str = "the Google Cloud SQL Python connector of the Flask version; run the \
                         Cloud SQL Auth Proxy and set DATABASE_URL (or DB_HOST, DB_NAME, DB_USER, \
                         DB_PASS)";
const GCS: &str = "saved panels live in the database (every version, with its SHA-256), not in \
                   Google Cloud Storage or panel files; back up the database instead";
const VERSIONS: &str = "every saved-panel version is kept; there are no branches, merges or \
                        retention clean-ups to configure";
const FLASK_RUNTIME: &str = "a setting of Flask, Werkzeug, gunicorn or Python, which PanelMerge \
                             does not run on";
const TLS: &str = "PanelMerge speaks plain HTTP behind a reverse proxy that terminates TLS and \
                   redirects to HTTPS (set TRUSTED_PROXIES, and COOKIE_SECURE if needed)";
const HEADERS: &str = "security headers are fixed: Content-Security-Policy, X-Frame-Options \
                       DENY, X-Content-Type-Options nosniff, Referrer-Policy same-origin; HSTS \
                       belongs to the TLS-terminating proxy";
const CSRF: &str = "there are no HTML forms to protect; the GraphQL API requires SameSite=Lax \
                    cookies and a JSON or preflighted request";
const COOKIES: &str = "session cookies are always HttpOnly and SameSite=Lax, naming a \
                       server-side session (Secure: COOKIE_SECURE)";
const MONITORING: &str = "security events (failed logins, lockouts, IP blocks, forged links) are \
                          always audited; there is no separate monitor or anomaly model to tune";
const PASSWORDS: &str = "the password rules are fixed: at least 8 characters, not one of the \
                         most common passwords, not the username or e-mail address";
const SESSIONS: &str = "sessions are server-side and revocable; there is no per-user session \
                        cap, rotation timer or analytics switch (SESSION_TIMEOUT and \
                        SESSION_MAX_LIFETIME bound them)";
const REDIS_SINGLE: &str = "PanelMerge uses one Redis database (the one in REDIS_URL) for \
                            sessions, cache, counters and events, all under REDIS_KEY_PREFIX";
const REDIS_TLS: &str = "use a rediss:// REDIS_URL (TLS with the usual certificate and host name \
                         checks)";
const UPLOADS: &str = "uploads are parsed in memory and kept in the database (anonymous ones for \
                       UPLOAD_TTL); the accepted formats are fixed (CSV, TSV, XLS, XLSX, text)";
const NOT_HERE: &str = "a Flask feature PanelMerge does not have (literature review, Genie, \
                        KnowHow, analytics, Sentry)";
const LIMITS_FIXED: &str = "per-endpoint limits are not configurable: every request counts \
                            toward RATE_LIMIT_PER_MINUTE/HOUR/DAY and credential checks toward \
                            MAX_LOGIN_ATTEMPTS and BRUTE_FORCE_THRESHOLD";
const AUDIT_FIXED: &str = "sensitive audit details are always encrypted and rows are hash-chained; \
                           they are not compressed";
const DB_POOL: &str = "connection pools are sized by the server";
const ONE_PROCESS: &str = "PanelMerge is one asynchronous process per instance; run more \
                           instances behind the proxy to scale";
const RESET_LOCKOUT: &str = "e-mailed password resets are limited per address and per client \
                             IP by MAIL_REQUESTS_PER_HOUR; the login lockout is \
                             MAX_LOGIN_ATTEMPTS / LOCKOUT_DURATION";
const PASSWORD_HISTORY: &str = "PanelMerge does not keep a password history yet";
const IP_LISTS: &str = "allow and deny lists belong to the firewall or the reverse proxy; admins \
                        lift IP blocks in the admin page";
const ENCRYPT_ALWAYS: &str = "sensitive fields are always encrypted (AES-256-GCM under \
                              ENCRYPTION_KEY); it can not be turned off";

/// Every variable of the Flask version, sorted by name.
pub const FLASK_VARIABLES: &[(&str, FlaskVariable)] = {
    use FlaskVariable::{NoMeaning as No, NotYetUsed as NotYet, Read};
    &[
        ("ACCOUNT_LOCKOUT_DURATION", No(RESET_LOCKOUT)),
        ("ACCOUNT_LOCKOUT_THRESHOLD", No(RESET_LOCKOUT)),
        ("ALLOWED_EXTENSIONS", No(UPLOADS)),
        ("ALLOW_FAST_FORWARD_MERGE", No(VERSIONS)),
        (
            "API_DOCS_ENABLED",
            No("the GraphQL schema documents the API (GRAPHIQL, GRAPHQL_INTROSPECTION)"),
        ),
        ("API_DOCS_URL", No("the API lives at /graphql")),
        (
            "API_KEY_HEADER",
            No("API tokens are sent as Authorization: Bearer"),
        ),
        (
            "API_KEY_REQUIRED",
            No("API tokens are per user and optional; anonymous use is governed by roles"),
        ),
        ("API_RATE_LIMIT", No(LIMITS_FIXED)),
        ("API_RATE_LIMIT_BURST", No(LIMITS_FIXED)),
        ("API_RATE_LIMIT_ENABLED", Read("RATE_LIMIT_ENABLED")),
        ("API_RATE_LIMIT_PER_HOUR", Read("RATE_LIMIT_PER_HOUR")),
        ("API_RATE_LIMIT_PER_MINUTE", Read("RATE_LIMIT_PER_MINUTE")),
        ("API_RETRY_ATTEMPTS", Read("PANELAPP_MAX_RETRIES")),
        ("API_TIMEOUT", Read("PANELAPP_TIMEOUT")),
        (
            "API_VERSION",
            No("the API is GraphQL at /graphql, without a version prefix"),
        ),
        ("AUDIT_COMPRESSION", No(AUDIT_FIXED)),
        ("AUDIT_ENCRYPTION", No(AUDIT_FIXED)),
        ("AUDIT_RETENTION_DAYS", Read(SAME)),
        ("AUTO_BACKUP_ENABLED", No(GCS)),
        ("BACKUP_RETENTION_DAYS", No(GCS)),
        ("BACKUP_STORAGE_BACKEND", No(GCS)),
        ("BRANCH_NAMING_PATTERN", No(VERSIONS)),
        ("BRUTE_FORCE_THRESHOLD", Read(SAME)),
        (
            "CACHE_DEFAULT_TIMEOUT",
            No(
                "PanelApp data is cached for PANELAPP_CACHE_TTL (or CACHE_PANEL_TIMEOUT); nothing else is cached by time",
            ),
        ),
        (
            "CACHE_GENE_TIMEOUT",
            No("gene look-ups are cached with the panels, for PANELAPP_CACHE_TTL"),
        ),
        ("CACHE_PANEL_TIMEOUT", Read("PANELAPP_CACHE_TTL")),
        ("CACHE_REDIS_URL", Read("REDIS_URL")),
        (
            "CACHE_TYPE",
            No("the cache is Redis when REDIS_URL is set, else in memory"),
        ),
        ("CLOUD_RUN", No(CLOUD_SQL)),
        ("CLOUD_SQL_CONNECTION_NAME", No(CLOUD_SQL)),
        ("CLOUD_SQL_DATABASE_NAME", No(CLOUD_SQL)),
        ("CLOUD_SQL_DATABASE_PASSWORD", No(CLOUD_SQL)),
        ("CLOUD_SQL_DATABASE_USER", No(CLOUD_SQL)),
        ("CONTENT_SECURITY_POLICY", No(HEADERS)),
        ("CSP_ENABLED", No(HEADERS)),
        ("CSP_HEADER", No(HEADERS)),
        ("CSP_REPORT_URI", No(HEADERS)),
        ("CSRF_PROTECTION", No(CSRF)),
        ("CSRF_PROTECTION_ENABLED", No(CSRF)),
        ("DATABASE_POOL_RECYCLE", No(DB_POOL)),
        ("DATABASE_POOL_SIZE", No(DB_POOL)),
        ("DATABASE_POOL_TIMEOUT", No(DB_POOL)),
        ("DATABASE_URL", Read(SAME)),
        (
            "DB_EMAIL",
            No("the first admin is made with `panelmerge create-admin --email`"),
        ),
        ("DB_HOST", Read("DATABASE_URL")),
        ("DB_NAME", Read("DATABASE_URL")),
        ("DB_PASS", Read("DATABASE_URL")),
        ("DB_PASSWORD", Read("DATABASE_URL")),
        ("DB_PORT", Read("DATABASE_URL")),
        ("DB_SSLCERT", Read("DATABASE_URL")),
        ("DB_SSLKEY", Read("DATABASE_URL")),
        ("DB_SSLMODE", Read("DATABASE_URL")),
        ("DB_SSLROOTCERT", Read("DATABASE_URL")),
        ("DB_USER", Read("DATABASE_URL")),
        ("DEBUG", No(FLASK_RUNTIME)),
        ("DEFAULT_AUTO_CLEANUP_ENABLED", No(VERSIONS)),
        ("DEFAULT_BACKUP_RETENTION_DAYS", No(VERSIONS)),
        ("DEFAULT_BRANCH_NAME", No(VERSIONS)),
        ("DEFAULT_CLEANUP_FREQUENCY_HOURS", No(VERSIONS)),
        ("DEFAULT_KEEP_PRODUCTION_TAGS", No(VERSIONS)),
        ("DEFAULT_KEEP_TAGGED_VERSIONS", No(VERSIONS)),
        ("DEFAULT_MAX_VERSIONS", No(VERSIONS)),
        ("DEFAULT_MERGE_STRATEGY", No(VERSIONS)),
        ("ENABLE_SESSION_ANALYTICS", No(SESSIONS)),
        ("ENCRYPTION_KEY", Read(SAME)),
        ("ENCRYPTION_MASTER_KEY", Read("FLASK_ENCRYPTION_KEY")),
        ("ENCRYPT_SENSITIVE_FIELDS", No(ENCRYPT_ALWAYS)),
        ("FLASK_APP", No(FLASK_RUNTIME)),
        ("FLASK_CONFIG", Read("APP_ENV")),
        ("FLASK_DEBUG", No(FLASK_RUNTIME)),
        ("FLASK_ENV", Read("APP_ENV")),
        ("FORCE_HTTPS", No(TLS)),
        ("GENIE_API_KEY", No(NOT_HERE)),
        ("GENIE_API_URL", No(NOT_HERE)),
        ("GENIE_SECRET_API_KEY", No(NOT_HERE)),
        ("GOOGLE_ANALYTICS_ID", No(NOT_HERE)),
        ("GOOGLE_APPLICATION_CREDENTIALS", No(GCS)),
        ("GOOGLE_CLOUD_PROJECT", No(GCS)),
        ("GOOGLE_CLOUD_SQL", No(CLOUD_SQL)),
        ("HSTS_MAX_AGE", No(HEADERS)),
        ("IP_BLACKLIST", No(IP_LISTS)),
        ("IP_BLOCKING_ENABLED", Read(SAME)),
        ("IP_BLOCK_DURATION", Read("BRUTE_FORCE_BLOCK_DURATION")),
        ("IP_WHITELIST", No(IP_LISTS)),
        ("LOCAL_STORAGE_PATH", No(GCS)),
        ("LOCKOUT_DURATION", Read(SAME)),
        ("LOGIN_RATE_LIMIT", No(LIMITS_FIXED)),
        ("LOG_BACKUP_COUNT", Read(SAME)),
        ("LOG_FILE", Read(SAME)),
        ("LOG_LEVEL", Read(SAME)),
        ("MAIL_DEFAULT_SENDER", Read(SAME)),
        ("MAIL_MAX_EMAILS", No(MAIL_POOL)),
        ("MAIL_PASSWORD", Read(SAME)),
        ("MAIL_PORT", Read(SAME)),
        ("MAIL_SERVER", Read(SAME)),
        ("MAIL_SUPPRESS_SEND", Read(SAME)),
        ("MAIL_USERNAME", Read(SAME)),
        ("MAIL_USE_SSL", Read(SAME)),
        ("MAIL_USE_TLS", Read(SAME)),
        ("MAX_BRANCHES_PER_PANEL", No(VERSIONS)),
        ("MAX_CONCURRENT_SESSIONS", No(SESSIONS)),
        ("MAX_CONTENT_LENGTH", Read("MAX_UPLOAD_SIZE")),
        ("MAX_LOGIN_ATTEMPTS", Read(SAME)),
        ("MAX_LOG_SIZE", Read(SAME)),
        ("MAX_PANEL_VERSIONS", No(VERSIONS)),
        ("METADATA_CACHING_ENABLED", No(GCS)),
        ("ML_ANOMALY_CONTAMINATION", No(MONITORING)),
        ("ML_ANOMALY_DETECTION_ENABLED", No(MONITORING)),
        ("PANELAPP_AUS_BASE_URL", Read("PANELAPP_AU_URL")),
        ("PANELAPP_AUS_CACHE_TIMEOUT", Read("PANELAPP_CACHE_TTL")),
        ("PANELAPP_AUS_RETRY_ATTEMPTS", Read("PANELAPP_MAX_RETRIES")),
        ("PANELAPP_AUS_TIMEOUT", Read("PANELAPP_TIMEOUT")),
        ("PANELAPP_UK_BASE_URL", Read("PANELAPP_UK_URL")),
        ("PANELAPP_UK_CACHE_TIMEOUT", Read("PANELAPP_CACHE_TTL")),
        ("PANELAPP_UK_RETRY_ATTEMPTS", Read("PANELAPP_MAX_RETRIES")),
        ("PANELAPP_UK_TIMEOUT", Read("PANELAPP_TIMEOUT")),
        ("PANEL_COMPRESSION_ENABLED", No(GCS)),
        ("PASSWORD_HISTORY_LENGTH", NotYet(PASSWORD_HISTORY)),
        ("PASSWORD_MIN_LENGTH", No(PASSWORDS)),
        ("PASSWORD_REQUIRE_LOWERCASE", No(PASSWORDS)),
        ("PASSWORD_REQUIRE_NUMBERS", No(PASSWORDS)),
        ("PASSWORD_REQUIRE_SPECIAL", No(PASSWORDS)),
        ("PASSWORD_REQUIRE_UPPERCASE", No(PASSWORDS)),
        ("PASSWORD_RESET_TOKEN_MAX_AGE", Read(SAME)),
        ("PERMANENT_SESSION_LIFETIME", Read("SESSION_MAX_LIFETIME")),
        ("PORT", Read(SAME)),
        ("PRIMARY_STORAGE_BACKEND", No(GCS)),
        ("PROTECTED_TAG_TYPES", No(VERSIONS)),
        ("PUBMED_API_KEY", No(NOT_HERE)),
        ("PUBMED_EMAIL", No(NOT_HERE)),
        ("PUBMED_MAX_RESULTS", No(NOT_HERE)),
        ("PUBMED_TOOL_NAME", No(NOT_HERE)),
        ("RATELIMIT_ENABLED", Read("RATE_LIMIT_ENABLED")),
        (
            "RATELIMIT_HEADERS_ENABLED",
            No("a refused request carries retryAfter in its error instead of X-RateLimit headers"),
        ),
        (
            "RATELIMIT_STORAGE_URL",
            No("rate-limit counters live in REDIS_URL (in memory without it)"),
        ),
        (
            "RATELIMIT_STRATEGY",
            No("the windows are fixed: per minute, hour and day"),
        ),
        ("RATE_LIMITING_ENABLED", Read("RATE_LIMIT_ENABLED")),
        ("RATE_LIMIT_ENABLED", Read(SAME)),
        ("RATE_LIMIT_PER_DAY", Read(SAME)),
        ("RATE_LIMIT_PER_HOUR", Read(SAME)),
        ("RATE_LIMIT_PER_MINUTE", Read(SAME)),
        (
            "RATE_LIMIT_REQUESTS_PER_MINUTE",
            Read("RATE_LIMIT_PER_MINUTE"),
        ),
        ("REDIS_CACHE_DB", No(REDIS_SINGLE)),
        ("REDIS_CACHE_TIMEOUT", No(REDIS_SINGLE)),
        ("REDIS_CONNECTION_POOL_MAX_CONNECTIONS", No(DB_POOL)),
        (
            "REDIS_CONNECTION_POOL_RETRY_ON_TIMEOUT",
            No(
                "a Redis command that times out counts Redis as down; the server carries on in memory and reconnects",
            ),
        ),
        ("REDIS_CONNECTION_POOL_TIMEOUT", No(DB_POOL)),
        ("REDIS_DEFAULT_TIMEOUT", No(REDIS_SINGLE)),
        ("REDIS_PASSWORD", Read("REDIS_URL")),
        ("REDIS_SESSION_DB", No(REDIS_SINGLE)),
        (
            "REDIS_SESSION_TIMEOUT",
            No("sessions expire after SESSION_TIMEOUT idle and SESSION_MAX_LIFETIME in all"),
        ),
        (
            "REDIS_SOCKET_CONNECT_TIMEOUT",
            Read("REDIS_COMMAND_TIMEOUT_MS"),
        ),
        ("REDIS_SOCKET_TIMEOUT", Read("REDIS_COMMAND_TIMEOUT_MS")),
        ("REDIS_SSL", Read("REDIS_URL")),
        ("REDIS_SSL_CA_CERTS", No(REDIS_TLS)),
        ("REDIS_SSL_CERT_REQS", No(REDIS_TLS)),
        ("REDIS_SSL_CHECK_HOSTNAME", No(REDIS_TLS)),
        ("REDIS_URL", Read(SAME)),
        ("REGISTER_RATE_LIMIT", No(LIMITS_FIXED)),
        ("REQUIRE_HTTPS", No(TLS)),
        ("REQUIRE_MERGE_COMMENT", No(VERSIONS)),
        ("SECRET_KEY", Read(SAME)),
        ("SECURITY_HEADERS", No(HEADERS)),
        ("SECURITY_HEADERS_ENABLED", No(HEADERS)),
        ("SECURITY_MONITORING_ENABLED", No(MONITORING)),
        ("SENTRY_DSN", No(NOT_HERE)),
        ("SESSION_COOKIE_HTTPONLY", No(COOKIES)),
        ("SESSION_COOKIE_NAME", No(COOKIES)),
        ("SESSION_COOKIE_SAMESITE", No(COOKIES)),
        ("SESSION_COOKIE_SECURE", Read("COOKIE_SECURE")),
        ("SESSION_KEY_PREFIX", Read("REDIS_KEY_PREFIX")),
        ("SESSION_PERMANENT", No(COOKIES)),
        ("SESSION_ROTATION_INTERVAL", No(SESSIONS)),
        ("SESSION_TIMEOUT", Read(SAME)),
        (
            "SESSION_TYPE",
            No("sessions live in Redis when REDIS_URL is set, else in memory"),
        ),
        ("SESSION_USE_SIGNER", No(COOKIES)),
        ("SQLALCHEMY_DATABASE_URI", Read("DATABASE_URL")),
        ("SQLALCHEMY_ENGINE_OPTIONS", No(DB_POOL)),
        ("SQLALCHEMY_TRACK_MODIFICATIONS", No(FLASK_RUNTIME)),
        ("SQLITE_DB_PATH", Read("DATABASE_URL")),
        ("SSL_CA_PATH", No(TLS)),
        ("SSL_CERT_PATH", No(TLS)),
        ("SSL_KEY_PATH", No(TLS)),
        ("STORAGE_ACCESS_LOGGING", No(GCS)),
        ("STORAGE_ALERT_THRESHOLD", No(GCS)),
        ("STORAGE_AUDIT_ENABLED", No(GCS)),
        ("STORAGE_BACKEND", No(GCS)),
        ("STORAGE_BULK_OPERATION_SIZE", No(GCS)),
        ("STORAGE_CACHE_SIZE", No(GCS)),
        ("STORAGE_CLEANUP_ENABLED", No(GCS)),
        ("STORAGE_CLEANUP_SCHEDULE", No(GCS)),
        ("STORAGE_CONNECTION_POOL_SIZE", No(GCS)),
        ("STORAGE_ENCRYPTION_ENABLED", No(GCS)),
        ("STORAGE_ENCRYPTION_KEY", No(GCS)),
        ("STORAGE_FAILOVER_ENABLED", No(GCS)),
        ("STORAGE_HEALTH_CHECK_INTERVAL", No(GCS)),
        ("STORAGE_INTEGRITY_CHECK_ENABLED", No(GCS)),
        ("STORAGE_IP_RESTRICTIONS", No(GCS)),
        ("STORAGE_METRICS_ENABLED", No(GCS)),
        ("STORAGE_PREFETCH_ENABLED", No(GCS)),
        ("STORAGE_REQUEST_TIMEOUT", No(GCS)),
        ("STORAGE_RETRY_ATTEMPTS", No(GCS)),
        ("STORAGE_RETRY_DELAY", No(GCS)),
        ("STORAGE_VACUUM_ENABLED", No(GCS)),
        ("STRICT_TRANSPORT_SECURITY", No(HEADERS)),
        ("SUSPICIOUS_ACTIVITY_ATTEMPTS_THRESHOLD", No(MONITORING)),
        ("SUSPICIOUS_ACTIVITY_ENABLED", No(MONITORING)),
        (
            "SUSPICIOUS_ACTIVITY_RETENTION_DAYS",
            No("security events are audit rows, kept for AUDIT_RETENTION_DAYS"),
        ),
        ("SUSPICIOUS_ACTIVITY_TIME_WINDOW", No(MONITORING)),
        ("TAG_NAMING_PATTERN", No(VERSIONS)),
        ("TEMP_PASSWORD_EXPIRATION_HOURS", Read(SAME)),
        ("TESTING", No(FLASK_RUNTIME)),
        ("THREAT_DETECTION_SENSITIVITY", No(MONITORING)),
        ("UPLOAD_FOLDER", No(UPLOADS)),
        ("UPLOAD_RATE_LIMIT", No(LIMITS_FIXED)),
        ("VERIFICATION_TOKEN_MAX_AGE", Read(SAME)),
        ("VERSION_CONTROL_AUTO_CLEANUP_ENABLED", No(VERSIONS)),
        ("VERSION_CONTROL_BRANCH_ENABLED", No(VERSIONS)),
        ("VERSION_CONTROL_BRANCH_LIMIT", No(VERSIONS)),
        ("VERSION_CONTROL_DEFAULT_MAX_VERSIONS", No(VERSIONS)),
        ("VERSION_CONTROL_DEFAULT_RETENTION_DAYS", No(VERSIONS)),
        ("VERSION_CONTROL_ENABLED", No(VERSIONS)),
        ("VERSION_CONTROL_MERGE_ENABLED", No(VERSIONS)),
        ("VERSION_CONTROL_PROTECTION_ENABLED", No(VERSIONS)),
        ("VERSION_CONTROL_TAG_ENABLED", No(VERSIONS)),
        ("VERSION_CONTROL_TAG_LIMIT", No(VERSIONS)),
        ("WERKZEUG_DEBUG_PIN", No(FLASK_RUNTIME)),
        (
            "WITHOUT_DB",
            No("PanelMerge always keeps its database (SQLite in DATA_DIR by default)"),
        ),
        ("WORKERS", No(ONE_PROCESS)),
        ("WORKER_CONNECTIONS", No(ONE_PROCESS)),
        (
            "WORKER_TIMEOUT",
            No("a request may take REQUEST_TIMEOUT seconds until its response starts"),
        ),
        ("WTF_CSRF_ENABLED", No(CSRF)),
        ("WTF_CSRF_TIME_LIMIT", No(CSRF)),
        ("X_CONTENT_TYPE_OPTIONS", No(HEADERS)),
        ("X_FRAME_OPTIONS", No(HEADERS)),
        ("X_XSS_PROTECTION", No(HEADERS)),
    ]
};

/// What PanelMerge does with the Flask variable `name`, if it is one.
pub fn flask_variable(name: &str) -> Option<FlaskVariable> {
    FLASK_VARIABLES
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| FLASK_VARIABLES[i].1)
}

/// The warning for a Flask variable that does nothing here, or `None` when it is read.
pub fn ignored_message(name: &str) -> Option<String> {
    match flask_variable(name)? {
        FlaskVariable::Read(_) => None,
        FlaskVariable::NotYetUsed(why) => Some(format!(
            "a Flask variable not yet used here: {why}; ignored"
        )),
        FlaskVariable::NoMeaning(why) => Some(format!(
            "a Flask variable with no meaning here: {why}; ignored"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        for pair in FLASK_VARIABLES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn every_read_variable_names_one_of_ours() {
        let ours: Vec<&str> = super::super::KNOWN_VARIABLES
            .iter()
            .map(|(k, _)| *k)
            .collect();
        for (name, handling) in FLASK_VARIABLES {
            if let FlaskVariable::Read(target) = handling {
                let target = if *target == SAME { *name } else { *target };
                assert!(
                    ours.contains(&target),
                    "{name} is read as {target}, unknown"
                );
            }
        }
    }

    #[test]
    fn migrating_md_names_every_flask_variable() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../MIGRATING.md");
        let text = std::fs::read_to_string(path).unwrap();
        for (name, _) in FLASK_VARIABLES {
            assert!(
                text.contains(&format!("`{name}`")),
                "MIGRATING.md lacks {name}"
            );
        }
    }

    #[test]
    fn messages_say_why() {
        assert_eq!(ignored_message("IP_BLOCKING_ENABLED"), None);
        assert_eq!(ignored_message("MAIL_SERVER"), None);
        let history = ignored_message("PASSWORD_HISTORY_LENGTH").unwrap();
        assert!(
            history.contains("not yet used here") && history.contains("history"),
            "{history}"
        );
        let hsts = ignored_message("HSTS_MAX_AGE").unwrap();
        assert!(
            hsts.contains("no meaning here") && hsts.contains("HSTS"),
            "{hsts}"
        );
        assert_eq!(ignored_message("SESION_TIMEOUT"), None);
    }
}
