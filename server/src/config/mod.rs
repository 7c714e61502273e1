//! Typed settings, loaded once from defaults, `.env` and the environment.
//!
//! Variable names are the Flask version's, so existing `.env` files keep working. Loading is a
//! pure function of a variable map ([`Settings::from_vars`]); nothing here calls `env::set_var`.

mod flask;
mod mail;
mod parse;
mod secret;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use flask::{FLASK_VARIABLES, FlaskVariable, flask_variable};
pub use mail::{MailSettings, SmtpSecurity, SmtpSettings};
pub use parse::{ConfigIssue, ConfigReport};
pub use secret::{EncryptionKey, Secret};

use parse::Vars;

/// Development (the default) or production. Production refuses to start without real keys.
pub use shared::Environment;

/// Limits that protect the GraphQL endpoint.
#[derive(Debug, Clone)]
pub struct GraphqlLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_batch: usize,
    pub max_page_size: usize,
    /// Expensive fields (merges, exports, uploads, PanelApp refreshes) per HTTP request or
    /// WebSocket operation, batches included.
    pub max_expensive: usize,
    /// Values (fields, list items included) one query may answer with.
    pub max_values: usize,
    pub introspection: bool,
    pub graphiql: bool,
}

/// Request-size limits.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    /// Largest JSON (or GET query) request body.
    pub max_json_bytes: usize,
    /// Largest uploaded file.
    pub max_upload_bytes: usize,
}

/// Login protection and request rate limits.
#[derive(Debug, Clone)]
pub struct SecuritySettings {
    pub session_idle_timeout: Duration,
    pub session_absolute_lifetime: Duration,
    pub max_login_attempts: u32,
    pub lockout_duration: Duration,
    pub brute_force_threshold: u32,
    pub brute_force_block: Duration,
    /// Block an IP after BRUTE_FORCE_THRESHOLD failures (Flask's IP_BLOCKING_ENABLED); off,
    /// failures still count toward each account's lockout.
    pub ip_blocking: bool,
    /// Enforce the per-minute, per-hour and per-day request limits (Flask's
    /// RATE_LIMIT_ENABLED).
    pub rate_limits: bool,
    pub rate_limit_per_minute: u32,
    pub rate_limit_per_hour: u32,
    pub rate_limit_per_day: u32,
    /// `Secure` flag on cookies. Off only when explicitly serving plain http on loopback.
    pub secure_cookies: bool,
    /// Origins allowed for CORS and WebSocket connections besides the server's own.
    pub allowed_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, plus loopback
    /// and private ranges with `TRUST_PROXY=true`).
    pub trusted_proxies: TrustedProxies,
    /// Concurrent argon2 hashes; the rest wait, so a login flood can not starve the runtime.
    pub password_hash_concurrency: usize,
    /// A WebSocket must send `connection_init` within this time.
    pub ws_init_timeout: Duration,
    /// The server pings idle WebSockets this often.
    pub ws_ping_interval: Duration,
    /// Operations (queries, mutations, subscriptions) one WebSocket may run at once.
    pub ws_max_operations: usize,
    /// How often an open WebSocket and each subscription re-check their identity and rights
    /// (besides at once when the account changes).
    pub ws_recheck_interval: Duration,
    /// A WebSocket with no running operation and no message from the client for this long
    /// is closed (pings do not count).
    pub ws_idle_timeout: Duration,
    /// Longest time an HTTP request may take until its response starts.
    pub request_timeout: Duration,
    /// API_ACCESS rows of successful read requests made with an API token are sampled: one
    /// per token in this window (zero: one per request). Writes and failures always get one.
    pub api_access_audit_window: Duration,
}

/// Addresses and networks of reverse proxies whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<ipnet::IpNet>,
}

impl TrustedProxies {
    /// What `TRUST_PROXY=true` trusts: loopback and the private ranges (RFC 1918, IPv6 ULA).
    pub const PRIVATE_RANGES: &[&str] = &[
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
    ];

    pub fn new(nets: Vec<ipnet::IpNet>) -> Self {
        Self { nets }
    }

    /// Parses one entry: an address (`10.0.0.7`, `::1`) or a network (`10.0.0.0/8`).
    pub fn parse_entry(raw: &str) -> Result<ipnet::IpNet, String> {
        let raw = raw.trim();
        if let Ok(ip) = raw.parse::<std::net::IpAddr>() {
            return Ok(ipnet::IpNet::from(ip.to_canonical()));
        }
        raw.parse::<ipnet::IpNet>().map(|n| n.trunc()).map_err(|_| {
            format!("{raw:?} is not an IP address or CIDR network (such as 10.0.0.0/8)")
        })
    }

    /// The loopback and private ranges of `TRUST_PROXY=true`.
    pub fn private_ranges() -> Vec<ipnet::IpNet> {
        Self::PRIVATE_RANGES
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|n| n.contains(&ip))
    }
}

/// Where PanelApp data comes from.
#[derive(Debug, Clone)]
pub struct PanelAppSettings {
    pub uk_url: String,
    pub au_url: String,
    /// Serve only this snapshot directory (air-gapped sites); never call PanelApp.
    pub snapshot_dir: Option<PathBuf>,
    /// How long PanelApp data counts as fresh; older data is served while it is refreshed.
    pub cache_ttl: Duration,
    /// How long a cache entry is kept at all (stale data served while PanelApp is down);
    /// at least `cache_ttl`.
    pub cache_retention: Duration,
    pub timeout: Duration,
    pub concurrency: usize,
    pub max_retries: u32,
    /// How often the server reads every panel of both instances into the gene directory by
    /// itself (`GENE_DIRECTORY_SYNC_INTERVAL`, first on start); `None` (`off`) never.
    pub directory_sync_interval: Option<Duration>,
    /// Panel details the background sync fetches at the same time
    /// (`GENE_DIRECTORY_SYNC_CONCURRENCY`).
    pub directory_sync_concurrency: usize,
}

/// Redis failure handling and the bounds of in-process caches.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// How long one Redis command may take before Redis counts as unreachable.
    pub redis_command_timeout: Duration,
    /// Bytes of values the in-process cache keeps (least recently used dropped first).
    pub memory_cache_bytes: usize,
    /// Sessions and rate-limit counters each kept in process memory (least recently used
    /// dropped first).
    pub memory_entries: usize,
    /// Bytes of parsed PanelApp panel versions kept in process memory (by the size of the
    /// PanelApp answer; least recently used dropped first).
    pub panel_cache_bytes: usize,
}

/// Log output.
#[derive(Debug, Clone)]
pub struct LogSettings {
    pub level: String,
    pub file: Option<PathBuf>,
    pub max_size: u64,
    pub backup_count: usize,
    pub json: bool,
}

/// Everything the server needs, parsed and validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub host: IpAddr,
    pub port: u16,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
    pub database_url: Secret,
    pub redis_url: Option<Secret>,
    pub redis_key_prefix: String,
    pub caches: CacheLimits,
    pub secret_key: Secret,
    pub encryption_key: EncryptionKey,
    /// Older keys still accepted for decryption (after `rotate-key`).
    pub previous_encryption_keys: Vec<EncryptionKey>,
    /// The Flask site's ENCRYPTION_MASTER_KEY, for `import-flask` (its default
    /// `--flask-encryption-key`).
    pub flask_encryption_key: Option<Secret>,
    pub audit_retention_days: u32,
    pub upload_ttl: Duration,
    /// Anonymous uploads one client address may make per `upload_ttl` (whatever its cookies).
    pub anon_uploads_per_ip: u32,
    pub download_link_ttl: Duration,
    pub graphql: GraphqlLimits,
    pub body: BodyLimits,
    pub security: SecuritySettings,
    pub panelapp: PanelAppSettings,
    pub log: LogSettings,
    pub mail: MailSettings,
    /// Keys that were generated because they were missing (development only).
    pub generated_keys: Vec<&'static str>,
}

/// Variables this program reads, with a one-line description (used by `config validate`).
pub const KNOWN_VARIABLES: &[(&str, &str)] = &[
    ("APP_ENV", "development (default) or production"),
    ("FLASK_ENV", "Flask name for APP_ENV"),
    ("HOST", "address to listen on (default 127.0.0.1)"),
    (
        "PORT",
        "port to listen on (default 8080; 0 picks a free one)",
    ),
    (
        "DATA_DIR",
        "directory for the SQLite file, generated keys and caches (default ./data)",
    ),
    (
        "STATIC_DIR",
        "directory of the built web app (default ./dist)",
    ),
    (
        "DATABASE_URL",
        "sqlite://FILE or postgres://USER@HOST/DB (default SQLite in DATA_DIR)",
    ),
    (
        "REDIS_URL",
        "redis://HOST:PORT (optional; in-process cache, sessions and pub/sub without)",
    ),
    (
        "REDIS_KEY_PREFIX",
        "prefix of every Redis key and channel (default panelmerge:)",
    ),
    (
        "REDIS_COMMAND_TIMEOUT_MS",
        "milliseconds one Redis command may take before Redis counts as down (default 500)",
    ),
    (
        "MEMORY_CACHE_MAX_BYTES",
        "bytes of values the in-process cache keeps, LRU (default 268435456)",
    ),
    (
        "MEMORY_MAX_ENTRIES",
        "in-process sessions and rate-limit counters kept, each, LRU (default 100000)",
    ),
    (
        "PANEL_CACHE_MAX_BYTES",
        "bytes of parsed PanelApp panel versions kept in memory, LRU (default 134217728)",
    ),
    (
        "SECRET_KEY",
        "signing key for links and tokens, at least 32 characters",
    ),
    (
        "ENCRYPTION_KEY",
        "url-safe base64 of 32 bytes (AES-256-GCM key for sensitive values)",
    ),
    (
        "FLASK_ENCRYPTION_KEY",
        "the Flask site's ENCRYPTION_MASTER_KEY, read by import-flask (also read as ENCRYPTION_MASTER_KEY)",
    ),
    (
        "PREVIOUS_ENCRYPTION_KEYS",
        "comma-separated older ENCRYPTION_KEYs, for decryption only",
    ),
    (
        "SESSION_TIMEOUT",
        "idle session timeout in seconds (default 3600)",
    ),
    (
        "SESSION_MAX_LIFETIME",
        "absolute session lifetime in seconds (default 86400)",
    ),
    (
        "MAX_LOGIN_ATTEMPTS",
        "failed logins before an account locks (default 5)",
    ),
    (
        "LOCKOUT_DURATION",
        "account lockout in seconds (default 900)",
    ),
    (
        "BRUTE_FORCE_THRESHOLD",
        "failed logins per IP before the IP is blocked (default 20)",
    ),
    (
        "BRUTE_FORCE_BLOCK_DURATION",
        "IP block in seconds (default 3600)",
    ),
    (
        "IP_BLOCKING_ENABLED",
        "block an IP after BRUTE_FORCE_THRESHOLD failed logins (default true)",
    ),
    (
        "RATE_LIMIT_ENABLED",
        "enforce the RATE_LIMIT_PER_* request limits (default true)",
    ),
    (
        "RATE_LIMIT_PER_MINUTE",
        "requests per minute per client (default 300)",
    ),
    (
        "RATE_LIMIT_PER_HOUR",
        "requests per hour per client (default 5000)",
    ),
    (
        "RATE_LIMIT_PER_DAY",
        "requests per day per client (default 50000)",
    ),
    (
        "AUDIT_RETENTION_DAYS",
        "days audit rows are kept before purge (default 365)",
    ),
    (
        "UPLOAD_TTL",
        "seconds an anonymous visitor's upload is kept (default 86400)",
    ),
    (
        "ANON_UPLOADS_PER_IP",
        "anonymous uploads per client address per UPLOAD_TTL (default 200)",
    ),
    (
        "DOWNLOAD_LINK_TTL",
        "seconds a signed download link stays valid (default 300)",
    ),
    (
        "LOG_LEVEL",
        "error, warn, info (default), debug or trace; or a tracing filter",
    ),
    ("LOG_FILE", "also write logs to this file, rotated by size"),
    ("LOG_FORMAT", "text (default) or json"),
    (
        "MAX_LOG_SIZE",
        "bytes before LOG_FILE rotates (default 10485760)",
    ),
    ("LOG_BACKUP_COUNT", "rotated log files kept (default 5)"),
    ("GRAPHQL_MAX_DEPTH", "maximum query depth (default 12)"),
    (
        "GRAPHQL_MAX_COMPLEXITY",
        "maximum query complexity (default 1000)",
    ),
    (
        "GRAPHQL_MAX_ALIASES",
        "maximum aliases per request (default 50)",
    ),
    (
        "GRAPHQL_MAX_BATCH",
        "maximum operations per batch request (default 10)",
    ),
    (
        "GRAPHQL_MAX_PAGE_SIZE",
        "maximum `first` of a connection (default 100)",
    ),
    (
        "GRAPHQL_MAX_EXPENSIVE",
        "merges, exports, uploads and PanelApp refreshes per request (default 3)",
    ),
    (
        "GRAPHQL_MAX_VALUES",
        "values (fields, list items included) one query may answer with (default 200000)",
    ),
    (
        "GRAPHQL_INTROSPECTION",
        "allow schema introspection (default: on in development)",
    ),
    (
        "GRAPHIQL",
        "serve GraphiQL on a browser GET of /graphql (default: on in development)",
    ),
    (
        "MAX_BODY_SIZE",
        "largest JSON request body in bytes (default 1048576)",
    ),
    (
        "MAX_UPLOAD_SIZE",
        "largest uploaded file in bytes (default 10485760)",
    ),
    (
        "COOKIE_SECURE",
        "force the Secure cookie flag on or off (default: off only on loopback)",
    ),
    (
        "CORS_ORIGINS",
        "comma-separated origins allowed for CORS and WebSockets",
    ),
    (
        "TRUST_PROXY",
        "trust X-Forwarded-For from proxies on loopback and private networks (default false)",
    ),
    (
        "TRUSTED_PROXIES",
        "comma-separated proxy addresses or CIDR networks whose X-Forwarded-For is believed",
    ),
    (
        "REQUEST_TIMEOUT",
        "seconds an HTTP request may take until its response starts (default 60)",
    ),
    (
        "WS_MAX_OPERATIONS",
        "operations one WebSocket may run at once (default 20)",
    ),
    (
        "WS_RECHECK_INTERVAL",
        "seconds between re-checks of a WebSocket's session and rights (default 15)",
    ),
    (
        "WS_IDLE_TIMEOUT",
        "seconds a WebSocket without operations or client messages stays open (default 300)",
    ),
    (
        "WS_INIT_TIMEOUT",
        "seconds a new WebSocket has to send connection_init (default 10)",
    ),
    (
        "WS_PING_INTERVAL",
        "seconds between the server's WebSocket pings (default 15)",
    ),
    (
        "API_ACCESS_AUDIT_WINDOW",
        "seconds per API token between API_ACCESS rows of successful reads (default 60; 0: every request)",
    ),
    (
        "PASSWORD_HASH_CONCURRENCY",
        "parallel password hashes (default: number of CPUs)",
    ),
    ("PANELAPP_UK_URL", "PanelApp UK API base URL"),
    ("PANELAPP_AU_URL", "PanelApp Australia API base URL"),
    (
        "PANELAPP_SNAPSHOT",
        "serve only this snapshot directory; never call PanelApp",
    ),
    (
        "PANELAPP_CACHE_TTL",
        "seconds PanelApp data stays fresh (default 86400)",
    ),
    (
        "PANELAPP_CACHE_RETENTION",
        "seconds PanelApp data is kept to be served stale while PanelApp is down (default 604800)",
    ),
    (
        "PANELAPP_TIMEOUT",
        "seconds per PanelApp request (default 30)",
    ),
    (
        "PANELAPP_CONCURRENCY",
        "parallel requests per PanelApp instance (default 4)",
    ),
    (
        "PANELAPP_MAX_RETRIES",
        "retries of a failed PanelApp request (default 4)",
    ),
    (
        "GENE_DIRECTORY_SYNC_INTERVAL",
        "seconds between background reads of every PanelApp panel into the gene directory, \
         first on start (default 604800); off to never",
    ),
    (
        "GENE_DIRECTORY_SYNC_CONCURRENCY",
        "panel details the background gene directory sync fetches at once (default 2)",
    ),
    (
        "MAIL_SERVER",
        "SMTP relay host; without it e-mail is written to DATA_DIR/outbox/",
    ),
    (
        "MAIL_PORT",
        "SMTP port (default 25; 587 with MAIL_USE_TLS, 465 with MAIL_USE_SSL)",
    ),
    ("MAIL_USE_TLS", "require STARTTLS (default false)"),
    (
        "MAIL_USE_SSL",
        "implicit TLS from the first byte (default false)",
    ),
    ("MAIL_USERNAME", "SMTP login (with MAIL_PASSWORD)"),
    ("MAIL_PASSWORD", "SMTP password"),
    (
        "MAIL_DEFAULT_SENDER",
        "From address (default PanelMerge <noreply@localhost>)",
    ),
    (
        "MAIL_SUPPRESS_SEND",
        "write e-mail to DATA_DIR/outbox/ even when MAIL_SERVER is set (default false)",
    ),
    (
        "MAIL_CA_FILE",
        "extra trusted CA certificates (PEM) for the SMTP relay",
    ),
    ("MAIL_TIMEOUT", "seconds per SMTP conversation (default 30)"),
    (
        "MAIL_MAX_ATTEMPTS",
        "sends of one message before it is marked failed (default 8)",
    ),
    (
        "MAIL_RETRY_DELAY",
        "seconds before the first retry of a failed send, doubling each time (default 30)",
    ),
    (
        "MAIL_REQUESTS_PER_HOUR",
        "password-reset and verification mails per address and per client IP per hour (default 5)",
    ),
    (
        "PUBLIC_URL",
        "the address users reach the server at, for links in e-mail (default http://HOST:PORT/)",
    ),
    (
        "SITE_NAME",
        "the server's name in e-mail (default PanelMerge)",
    ),
    (
        "PASSWORD_RESET_TOKEN_MAX_AGE",
        "seconds a password-reset link works (default 3600)",
    ),
    (
        "VERIFICATION_TOKEN_MAX_AGE",
        "seconds an address verification or change link works (default 86400)",
    ),
    (
        "TEMP_PASSWORD_EXPIRATION_HOURS",
        "hours an admin-set temporary password works (default 24)",
    ),
    (
        "TEMP_PASSWORD_TTL",
        "the same in seconds (overrides TEMP_PASSWORD_EXPIRATION_HOURS)",
    ),
    (
        "REQUIRE_EMAIL_VERIFICATION",
        "unconfirmed accounts may not log in; each refusal mails a new link (default false)",
    ),
];

pub const DEFAULT_UK_URL: &str = "https://panelapp.genomicsengland.co.uk/api/v1/";
pub const DEFAULT_AU_URL: &str = "https://panelapp-aus.org/api/v1/";

impl Settings {
    /// Loads settings from `.env` in the working directory (if any) and the environment, with
    /// the warnings (Flask variables that do nothing here, among others). In development,
    /// missing keys are generated once and kept in the data directory.
    pub fn load() -> Result<(Self, ConfigReport), ConfigReport> {
        let vars = collect_vars(Path::new(".env")).map_err(|issue| ConfigReport {
            errors: vec![issue],
            warnings: Vec::new(),
        })?;
        Self::from_vars_generating_keys(&vars)
    }

    /// Parses and validates without side effects. Missing keys are errors in production and
    /// warnings in development (where they would be generated).
    pub fn validate(vars: &BTreeMap<String, String>) -> ConfigReport {
        match Self::from_vars(vars) {
            Ok((_, report)) | Err(report) => report,
        }
    }

    /// Parses settings from a variable map. Keys missing in development are left for
    /// [`Self::from_vars_generating_keys`] to fill; this function never touches the disk.
    pub fn from_vars(
        vars: &BTreeMap<String, String>,
    ) -> Result<(PartialSettings, ConfigReport), ConfigReport> {
        let mut v = Vars::new(vars);
        let partial = parse::parse_settings(&mut v);
        let report = v.finish();
        if report.errors.is_empty() {
            Ok((partial, report))
        } else {
            Err(report)
        }
    }

    /// Parses settings and, in development, generates missing keys under `DATA_DIR`.
    pub fn from_vars_generating_keys(
        vars: &BTreeMap<String, String>,
    ) -> Result<(Self, ConfigReport), ConfigReport> {
        let (partial, mut report) = Self::from_vars(vars)?;
        let settings = partial.complete(&mut report)?;
        Ok((settings, report))
    }

    /// The `host:port` to bind.
    pub fn bind_address(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::new(self.host, self.port)
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// Settings for tests and tools: development mode, fixed keys, everything in `data_dir`.
    pub fn for_tests(data_dir: &Path) -> Self {
        let mut vars = BTreeMap::new();
        vars.insert("DATA_DIR".to_owned(), data_dir.display().to_string());
        vars.insert("PORT".to_owned(), "0".to_owned());
        vars.insert(
            "SECRET_KEY".to_owned(),
            "test-secret-key-with-at-least-32-characters".to_owned(),
        );
        vars.insert(
            "ENCRYPTION_KEY".to_owned(),
            EncryptionKey::generate().to_base64().expose().to_owned(),
        );
        match Self::from_vars_generating_keys(&vars) {
            Ok((settings, _)) => settings,
            Err(report) => panic!("test settings are invalid: {report}"),
        }
    }
}

pub use parse::PartialSettings;

/// Reads `.env` (if present) and overlays the process environment, which wins.
pub fn collect_vars(dotenv: &Path) -> Result<BTreeMap<String, String>, ConfigIssue> {
    let mut vars = BTreeMap::new();
    if dotenv.exists() {
        let iter = dotenvy::from_path_iter(dotenv).map_err(|e| ConfigIssue {
            variable: ".env".to_owned(),
            message: format!("can not read {}: {e}", dotenv.display()),
        })?;
        for item in iter {
            let (key, value) = item.map_err(|e| ConfigIssue {
                variable: ".env".to_owned(),
                message: format!("can not parse {}: {e}", dotenv.display()),
            })?;
            vars.insert(key, value);
        }
    }
    vars.extend(std::env::vars());
    Ok(vars)
}
