//! Parsing of the variable map into settings, collecting every problem instead of stopping at
//! the first, so `config validate` can name them all.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use super::secret::{EncryptionKey, Secret};
use super::{
    BodyLimits, CacheLimits, DEFAULT_AU_URL, DEFAULT_UK_URL, Environment, GraphqlLimits,
    LogSettings, PanelAppSettings, SecuritySettings, Settings, TrustedProxies,
};

/// One problem with one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    pub variable: String,
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

/// Everything found wrong (errors) or worth knowing (warnings) about a configuration.
#[derive(Debug, Clone, Default)]
pub struct ConfigReport {
    pub errors: Vec<ConfigIssue>,
    pub warnings: Vec<ConfigIssue>,
}

impl fmt::Display for ConfigReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(f, "error: {e}")?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigReport {}

/// Reads typed values out of the variable map, remembering every problem.
pub(super) struct Vars<'a> {
    vars: &'a BTreeMap<String, String>,
    report: ConfigReport,
}

impl<'a> Vars<'a> {
    pub(super) fn new(vars: &'a BTreeMap<String, String>) -> Self {
        Self {
            vars,
            report: ConfigReport::default(),
        }
    }

    pub(super) fn finish(self) -> ConfigReport {
        self.report
    }

    pub(super) fn raw(&self, name: &str) -> Option<&'a str> {
        self.vars
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    pub(super) fn error(&mut self, name: &str, message: impl Into<String>) {
        self.report.errors.push(ConfigIssue {
            variable: name.to_owned(),
            message: message.into(),
        });
    }

    pub(super) fn warn(&mut self, name: &str, message: impl Into<String>) {
        self.report.warnings.push(ConfigIssue {
            variable: name.to_owned(),
            message: message.into(),
        });
    }

    /// Which of `names` (one setting: ours first, then the Flask names) to read: the first
    /// one set. Others set to a different value are named as ignored.
    fn pick(&mut self, names: &[&'static str]) -> &'static str {
        let set: Vec<&'static str> = names
            .iter()
            .copied()
            .filter(|n| self.raw(n).is_some())
            .collect();
        let Some(chosen) = set.first().copied() else {
            return names[0];
        };
        let value = self.raw(chosen);
        for other in &set[1..] {
            if self.raw(other) != value {
                self.warn(
                    other,
                    format!("ignored: {chosen} is also set and is the same setting here"),
                );
            }
        }
        chosen
    }

    fn parsed<T: FromStr>(&mut self, name: &str, default: T, what: &str) -> T
    where
        T::Err: fmt::Display,
    {
        match self.raw(name) {
            None => default,
            Some(raw) => match raw.parse::<T>() {
                Ok(v) => v,
                Err(e) => {
                    self.error(name, format!("{raw:?} is not {what}: {e}"));
                    default
                }
            },
        }
    }

    pub(super) fn number(&mut self, name: &str, default: u64, min: u64, max: u64) -> u64 {
        let value = self.parsed(name, default, "a whole number");
        if value < min || value > max {
            self.error(name, format!("{value} is out of range ({min} to {max})"));
            return default;
        }
        value
    }

    pub(super) fn seconds(&mut self, name: &str, default: u64, min: u64, max: u64) -> Duration {
        Duration::from_secs(self.number(name, default, min, max))
    }

    pub(super) fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.raw(name).map(str::to_ascii_lowercase).as_deref() {
            None => default,
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => {
                self.error(name, format!("{other:?} is not a boolean (true/false)"));
                default
            }
        }
    }

    pub(super) fn url(&mut self, name: &str, default: &str) -> String {
        let value = self.raw(name).unwrap_or(default);
        match url::Url::parse(value) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                let mut s = u.to_string();
                if !s.ends_with('/') {
                    s.push('/');
                }
                s
            }
            Ok(_) => {
                self.error(name, format!("{value:?} must be an http(s) URL"));
                default.to_owned()
            }
            Err(e) => {
                self.error(name, format!("{value:?} is not a URL: {e}"));
                default.to_owned()
            }
        }
    }
}

/// `TRUSTED_PROXIES` (every bad entry is named), plus loopback and the private ranges when
/// `TRUST_PROXY=true`.
fn trusted_proxies(v: &mut Vars<'_>) -> TrustedProxies {
    let mut nets = Vec::new();
    if v.flag("TRUST_PROXY", false) {
        nets.extend(TrustedProxies::private_ranges());
    }
    if let Some(raw) = v.raw("TRUSTED_PROXIES") {
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match TrustedProxies::parse_entry(entry) {
                Ok(net) => nets.push(net),
                Err(e) => v.error("TRUSTED_PROXIES", e),
            }
        }
    }
    TrustedProxies::new(nets)
}

/// Settings parsed from variables, before missing development keys are generated.
#[derive(Debug, Clone)]
pub struct PartialSettings {
    settings: Settings,
    missing_secret_key: bool,
    missing_encryption_key: bool,
}

impl PartialSettings {
    /// Generates missing development keys under `DATA_DIR` (kept for the next start).
    pub fn complete(mut self, report: &mut ConfigReport) -> Result<Settings, ConfigReport> {
        let dir = self.settings.data_dir.clone();
        let mut fail = |variable: &str, e: std::io::Error| ConfigReport {
            errors: vec![ConfigIssue {
                variable: variable.to_owned(),
                message: format!("can not keep a generated key in {}: {e}", dir.display()),
            }],
            warnings: std::mem::take(&mut report.warnings),
        };
        if self.missing_secret_key {
            let key = load_or_create_key(&dir.join("secret_key"), || {
                EncryptionKey::generate().to_base64().expose().to_owned()
            })
            .map_err(|e| fail("SECRET_KEY", e))?;
            self.settings.secret_key = Secret::new(key);
            self.settings.generated_keys.push("SECRET_KEY");
        }
        if self.missing_encryption_key {
            let key = load_or_create_key(&dir.join("encryption_key"), || {
                EncryptionKey::generate().to_base64().expose().to_owned()
            })
            .map_err(|e| fail("ENCRYPTION_KEY", e))?;
            match EncryptionKey::from_base64(&key) {
                Ok(k) => self.settings.encryption_key = k,
                Err(e) => {
                    return Err(ConfigReport {
                        errors: vec![ConfigIssue {
                            variable: "ENCRYPTION_KEY".to_owned(),
                            message: format!("the kept key in {} is invalid: {e}", dir.display()),
                        }],
                        warnings: std::mem::take(&mut report.warnings),
                    });
                }
            }
            self.settings.generated_keys.push("ENCRYPTION_KEY");
        }
        Ok(self.settings)
    }
}

fn load_or_create_key(path: &Path, generate: impl FnOnce() -> String) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(existing) if !existing.trim().is_empty() => return Ok(existing.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let key = generate();
    write_private(path, &key)?;
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// pg8000's `?unix_sock=/cloudsql/…/.s.PGSQL.5432` (the Cloud SQL guide's form, often with an
/// empty host) as libpq's `host=/cloudsql/…` (the socket's directory), which sqlx reads.
fn unix_socket_to_host(rest: &str) -> String {
    let Some((base, query)) = rest.split_once('?') else {
        return rest.to_owned();
    };
    let mut socket = None;
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == "unix_sock" {
            socket = Some(value.into_owned());
        } else {
            params.append_pair(&key, &value);
        }
    }
    let Some(socket) = socket else {
        return rest.to_owned();
    };
    let dir = match socket.rsplit_once('/') {
        Some((dir, file)) if file.starts_with(".s.PGSQL.") => dir.to_owned(),
        _ => socket.clone(),
    };
    params.append_pair("host", &dir);
    // `user:pass@/db`: the host is the socket, but the URL still needs one.
    let base = match base.split_once('/') {
        Some((authority, path)) if authority.is_empty() || authority.ends_with('@') => {
            format!("{authority}localhost/{path}")
        }
        _ => base.to_owned(),
    };
    format!("{base}?{}", params.finish())
}

/// Converts SQLAlchemy-style URLs of Flask `.env` files into sqlx URLs.
pub(crate) fn normalise_database_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or("expected a URL such as sqlite://FILE")?;
    let scheme = scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    match scheme.as_str() {
        "postgres" | "postgresql" => Ok(format!("postgres://{}", unix_socket_to_host(rest))),
        "sqlite" => {
            // SQLAlchemy: sqlite:///relative.db and sqlite:////absolute.db
            let path = rest.strip_prefix('/').unwrap_or(rest);
            if path.is_empty() || path == ":memory:" {
                return Err("SQLite needs a file (an in-memory database loses its tables)".into());
            }
            let with_mode = if path.contains('?') {
                path.to_owned()
            } else {
                format!("{path}?mode=rwc")
            };
            Ok(format!("sqlite://{with_mode}"))
        }
        other => Err(format!(
            "unsupported database {other:?}: use sqlite:// or postgres://"
        )),
    }
}

/// The Flask-side parts of a PostgreSQL address (the Cloud SQL guide's DB_HOST, DB_PORT, DB_NAME,
/// DB_USER, DB_PASS or DB_PASSWORD, DB_SSLMODE, DB_SSLCERT, DB_SSLKEY, DB_SSLROOTCERT).
const DB_PARTS: [&str; 10] = [
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_PASS",
    "DB_PASSWORD",
    "DB_SSLMODE",
    "DB_SSLCERT",
    "DB_SSLKEY",
    "DB_SSLROOTCERT",
];

/// The database: DATABASE_URL (or SQLAlchemy's SQLALCHEMY_DATABASE_URI) in any form Flask
/// accepted; else SQLITE_DB_PATH; else a PostgreSQL URL made of the DB_* parts; else `None`
/// (the default SQLite file).
fn database_url(v: &mut Vars<'_>) -> Option<String> {
    let name = v.pick(&["DATABASE_URL", "SQLALCHEMY_DATABASE_URI"]);
    if let Some(raw) = v.raw(name) {
        for part in DB_PARTS.iter().chain(&["SQLITE_DB_PATH"]) {
            if v.raw(part).is_some() {
                v.warn(
                    part,
                    format!("ignored: {name} is set and names the database"),
                );
            }
        }
        return match normalise_database_url(raw) {
            Ok(url) => Some(url),
            Err(e) => {
                v.error(name, e);
                None
            }
        };
    }
    if let Some(path) = v.raw("SQLITE_DB_PATH") {
        for part in DB_PARTS {
            if v.raw(part).is_some() {
                v.warn(
                    part,
                    "ignored: SQLITE_DB_PATH is set and names the database",
                );
            }
        }
        return Some(format!("sqlite://{path}?mode=rwc"));
    }
    let host = v.raw("DB_HOST")?;
    let Some(name) = v.raw("DB_NAME") else {
        v.error(
            "DB_NAME",
            "missing: DB_HOST is set, so the database name is needed too",
        );
        return None;
    };
    let port = v.number("DB_PORT", 5432, 1, 65535);
    let mut url = match url::Url::parse(&format!("postgres://{host}:{port}/")) {
        Ok(url) => url,
        Err(e) => {
            v.error(
                "DB_HOST",
                format!("{host:?} is not a host name or address: {e}"),
            );
            return None;
        }
    };
    url.set_path(name);
    if let Some(user) = v.raw("DB_USER") {
        // Only fails for URLs without a host, and this one has one.
        let _ = url.set_username(user);
    }
    let password = v.pick(&["DB_PASS", "DB_PASSWORD"]);
    if let Some(password) = v.raw(password) {
        let _ = url.set_password(Some(password));
    }
    for (var, param) in [
        ("DB_SSLMODE", "sslmode"),
        ("DB_SSLCERT", "sslcert"),
        ("DB_SSLKEY", "sslkey"),
        ("DB_SSLROOTCERT", "sslrootcert"),
    ] {
        if let Some(value) = v.raw(var) {
            url.query_pairs_mut().append_pair(param, value);
        }
    }
    Some(url.to_string())
}

/// REDIS_URL (or Flask-Caching's CACHE_REDIS_URL), with REDIS_PASSWORD filled in when the URL
/// has none and REDIS_SSL=True making it `rediss://`.
fn redis_url(v: &mut Vars<'_>) -> Option<Secret> {
    let name = v.pick(&["REDIS_URL", "CACHE_REDIS_URL"]);
    let Some(raw) = v.raw(name) else {
        for part in ["REDIS_PASSWORD", "REDIS_SSL"] {
            if v.raw(part).is_some() {
                v.warn(part, "ignored: no REDIS_URL is set");
            }
        }
        return None;
    };
    let mut url = match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "redis" | "rediss") => u,
        _ => {
            v.error(name, "must be a redis:// or rediss:// URL");
            return None;
        }
    };
    if let Some(password) = v.raw("REDIS_PASSWORD") {
        if url.password().is_some() {
            v.warn("REDIS_PASSWORD", format!("ignored: {name} has a password"));
        } else if url.set_password(Some(password)).is_err() {
            v.error("REDIS_PASSWORD", format!("can not be added to {name}"));
        }
    }
    if v.flag("REDIS_SSL", false) && url.scheme() == "redis" {
        // `redis` and `rediss` are both non-special schemes, so this can not fail.
        let _ = url.set_scheme("rediss");
    }
    Some(Secret::new(url.to_string()))
}

/// Python's level names (`WARNING`, `CRITICAL`, `FATAL`, `NOTSET`, any case) as tracing's;
/// anything else is kept (a tracing level or filter).
fn python_log_level(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    match lower.as_str() {
        "warning" => "warn".to_owned(),
        "critical" | "fatal" => "error".to_owned(),
        "notset" => "trace".to_owned(),
        _ => lower,
    }
}

pub(super) fn parse_settings(v: &mut Vars<'_>) -> PartialSettings {
    let env_name = v.pick(&["APP_ENV", "FLASK_ENV", "FLASK_CONFIG"]);
    let environment = match v.raw(env_name) {
        None => Environment::Development,
        Some(raw) => match raw.to_ascii_lowercase().as_str() {
            "production" | "prod" => Environment::Production,
            // FLASK_CONFIG's "default" was the development configuration.
            "development" | "dev" | "testing" | "test" | "default" => Environment::Development,
            other => {
                v.error(
                    env_name,
                    format!("{other:?} is not development or production"),
                );
                Environment::Development
            }
        },
    };
    let dev = environment == Environment::Development;
    let host: IpAddr = v.parsed("HOST", IpAddr::from([127, 0, 0, 1]), "an IP address");
    let port = v.number("PORT", 8080, 0, 65535) as u16;
    let data_dir = PathBuf::from(v.raw("DATA_DIR").unwrap_or("data"));
    let static_dir = PathBuf::from(v.raw("STATIC_DIR").unwrap_or("dist"));

    let default_db = format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("panelmerge.db").display()
    );
    let database_url = database_url(v).unwrap_or(default_db);
    let redis_url = redis_url(v);
    let prefix_name = v.pick(&["REDIS_KEY_PREFIX", "SESSION_KEY_PREFIX"]);
    let redis_key_prefix = v.raw(prefix_name).unwrap_or("panelmerge:").to_owned();
    let redis_command_timeout = match v.pick(&[
        "REDIS_COMMAND_TIMEOUT_MS",
        "REDIS_SOCKET_TIMEOUT",
        "REDIS_SOCKET_CONNECT_TIMEOUT",
    ]) {
        "REDIS_COMMAND_TIMEOUT_MS" => {
            Duration::from_millis(v.number("REDIS_COMMAND_TIMEOUT_MS", 500, 10, 60_000))
        }
        // Flask (redis-py) gave these in seconds, fractions allowed.
        flask => {
            let secs: f64 = v.parsed(flask, 0.5, "a number of seconds");
            if !(0.01..=60.0).contains(&secs) {
                v.error(flask, format!("{secs} s is out of range (0.01 to 60)"));
                Duration::from_millis(500)
            } else {
                Duration::from_secs_f64(secs)
            }
        }
    };
    let caches = CacheLimits {
        redis_command_timeout,
        memory_cache_bytes: v.number("MEMORY_CACHE_MAX_BYTES", 256 << 20, 1 << 20, 1 << 40)
            as usize,
        memory_entries: v.number("MEMORY_MAX_ENTRIES", 100_000, 100, 100_000_000) as usize,
        panel_cache_bytes: v.number("PANEL_CACHE_MAX_BYTES", 128 << 20, 1 << 16, 1 << 40) as usize,
    };

    let secret_key = match v.raw("SECRET_KEY") {
        Some(k) if k.chars().count() >= 32 => Some(Secret::new(k.to_owned())),
        Some(k) => {
            v.error(
                "SECRET_KEY",
                format!("is {} characters; use at least 32", k.chars().count()),
            );
            None
        }
        None if dev => {
            v.warn(
                "SECRET_KEY",
                "missing; a key is generated once and kept in DATA_DIR",
            );
            None
        }
        None => {
            v.error("SECRET_KEY", "missing (required in production)");
            None
        }
    };
    let encryption_key = match v.raw("ENCRYPTION_KEY") {
        Some(k) => match EncryptionKey::from_base64(k) {
            Ok(key) => Some(key),
            Err(e) => {
                v.error("ENCRYPTION_KEY", e.to_string());
                None
            }
        },
        None if dev => {
            v.warn(
                "ENCRYPTION_KEY",
                "missing; a key is generated once and kept in DATA_DIR",
            );
            None
        }
        None => {
            v.error("ENCRYPTION_KEY", "missing (required in production)");
            None
        }
    };
    let mut previous_encryption_keys = Vec::new();
    if let Some(raw) = v.raw("PREVIOUS_ENCRYPTION_KEYS") {
        for (i, part) in raw
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            match EncryptionKey::from_base64(part) {
                Ok(k) => previous_encryption_keys.push(k),
                Err(e) => v.error("PREVIOUS_ENCRYPTION_KEYS", format!("key {}: {e}", i + 1)),
            }
        }
    }

    let graphql = GraphqlLimits {
        max_depth: v.number("GRAPHQL_MAX_DEPTH", 12, 2, 64) as usize,
        max_complexity: v.number("GRAPHQL_MAX_COMPLEXITY", 2500, 10, 1_000_000) as usize,
        max_aliases: v.number("GRAPHQL_MAX_ALIASES", 50, 0, 10_000) as usize,
        max_batch: v.number("GRAPHQL_MAX_BATCH", 10, 1, 1000) as usize,
        max_page_size: v.number("GRAPHQL_MAX_PAGE_SIZE", 100, 1, 10_000) as usize,
        max_expensive: v.number("GRAPHQL_MAX_EXPENSIVE", 3, 1, 1000) as usize,
        max_values: v.number("GRAPHQL_MAX_VALUES", 200_000, 100, 100_000_000) as usize,
        introspection: v.flag("GRAPHQL_INTROSPECTION", dev),
        graphiql: v.flag("GRAPHIQL", dev),
    };
    let upload_size = v.pick(&["MAX_UPLOAD_SIZE", "MAX_CONTENT_LENGTH"]);
    let body = BodyLimits {
        max_json_bytes: v.number("MAX_BODY_SIZE", 1 << 20, 1024, 1 << 30) as usize,
        max_upload_bytes: v.number(upload_size, 10 << 20, 1024, 1 << 30) as usize,
    };
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2) as u64;
    let lifetime = v.pick(&["SESSION_MAX_LIFETIME", "PERMANENT_SESSION_LIFETIME"]);
    let block = v.pick(&["BRUTE_FORCE_BLOCK_DURATION", "IP_BLOCK_DURATION"]);
    let per_minute = v.pick(&[
        "RATE_LIMIT_PER_MINUTE",
        "RATE_LIMIT_REQUESTS_PER_MINUTE",
        "API_RATE_LIMIT_PER_MINUTE",
    ]);
    let per_hour = v.pick(&["RATE_LIMIT_PER_HOUR", "API_RATE_LIMIT_PER_HOUR"]);
    let limits_on = v.pick(&[
        "RATE_LIMIT_ENABLED",
        "RATELIMIT_ENABLED",
        "RATE_LIMITING_ENABLED",
        "API_RATE_LIMIT_ENABLED",
    ]);
    let secure = v.pick(&["COOKIE_SECURE", "SESSION_COOKIE_SECURE"]);
    let security = SecuritySettings {
        session_idle_timeout: v.seconds("SESSION_TIMEOUT", 3600, 1, 30 * 86400),
        session_absolute_lifetime: v.seconds(lifetime, 86400, 1, 365 * 86400),
        max_login_attempts: v.number("MAX_LOGIN_ATTEMPTS", 5, 1, 1000) as u32,
        lockout_duration: v.seconds("LOCKOUT_DURATION", 900, 1, 30 * 86400),
        brute_force_threshold: v.number("BRUTE_FORCE_THRESHOLD", 20, 1, 100_000) as u32,
        brute_force_block: v.seconds(block, 3600, 1, 30 * 86400),
        ip_blocking: v.flag("IP_BLOCKING_ENABLED", true),
        rate_limits: v.flag(limits_on, true),
        rate_limit_per_minute: v.number(per_minute, 300, 1, 10_000_000) as u32,
        rate_limit_per_hour: v.number(per_hour, 5000, 1, 10_000_000) as u32,
        rate_limit_per_day: v.number("RATE_LIMIT_PER_DAY", 50_000, 1, 100_000_000) as u32,
        secure_cookies: v.flag(secure, !host.is_loopback()),
        allowed_origins: v
            .raw("CORS_ORIGINS")
            .map(|raw| {
                raw.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        trusted_proxies: trusted_proxies(v),
        password_hash_concurrency: v.number("PASSWORD_HASH_CONCURRENCY", cpus, 1, 256) as usize,
        ws_init_timeout: v.seconds("WS_INIT_TIMEOUT", 10, 1, 300),
        ws_ping_interval: v.seconds("WS_PING_INTERVAL", 15, 1, 3600),
        ws_max_operations: v.number("WS_MAX_OPERATIONS", 20, 1, 10_000) as usize,
        ws_recheck_interval: v.seconds("WS_RECHECK_INTERVAL", 15, 1, 3600),
        ws_idle_timeout: v.seconds("WS_IDLE_TIMEOUT", 300, 1, 7 * 86400),
        request_timeout: v.seconds("REQUEST_TIMEOUT", 60, 1, 3600),
        api_access_audit_window: v.seconds("API_ACCESS_AUDIT_WINDOW", 60, 0, 86400),
    };
    let uk_url = v.pick(&["PANELAPP_UK_URL", "PANELAPP_UK_BASE_URL"]);
    let au_url = v.pick(&["PANELAPP_AU_URL", "PANELAPP_AUS_BASE_URL"]);
    let ttl = v.pick(&[
        "PANELAPP_CACHE_TTL",
        "CACHE_PANEL_TIMEOUT",
        "PANELAPP_UK_CACHE_TIMEOUT",
        "PANELAPP_AUS_CACHE_TIMEOUT",
    ]);
    let timeout = v.pick(&[
        "PANELAPP_TIMEOUT",
        "PANELAPP_UK_TIMEOUT",
        "PANELAPP_AUS_TIMEOUT",
        "API_TIMEOUT",
    ]);
    let retries = v.pick(&[
        "PANELAPP_MAX_RETRIES",
        "PANELAPP_UK_RETRY_ATTEMPTS",
        "PANELAPP_AUS_RETRY_ATTEMPTS",
        "API_RETRY_ATTEMPTS",
    ]);
    let panelapp = PanelAppSettings {
        uk_url: v.url(uk_url, DEFAULT_UK_URL),
        au_url: v.url(au_url, DEFAULT_AU_URL),
        snapshot_dir: v.raw("PANELAPP_SNAPSHOT").map(PathBuf::from),
        cache_ttl: v.seconds(ttl, 86400, 1, 365 * 86400),
        cache_retention: v.seconds("PANELAPP_CACHE_RETENTION", 7 * 86400, 1, 365 * 86400),
        timeout: v.seconds(timeout, 30, 1, 600),
        concurrency: v.number("PANELAPP_CONCURRENCY", 4, 1, 64) as usize,
        max_retries: v.number(retries, 4, 0, 20) as u32,
        directory_sync_interval: match v.raw("GENE_DIRECTORY_SYNC_INTERVAL") {
            Some(off)
                if ["off", "0", "never", "false"].contains(&off.to_ascii_lowercase().as_str()) =>
            {
                None
            }
            _ => Some(v.seconds("GENE_DIRECTORY_SYNC_INTERVAL", 7 * 86400, 60, 365 * 86400)),
        },
        directory_sync_concurrency: v.number("GENE_DIRECTORY_SYNC_CONCURRENCY", 2, 1, 16) as usize,
    };
    if panelapp.cache_retention < panelapp.cache_ttl {
        v.error(
            "PANELAPP_CACHE_RETENTION",
            format!(
                "{} s is shorter than {ttl} ({} s): data must be kept at least as long as it \
                 stays fresh",
                panelapp.cache_retention.as_secs(),
                panelapp.cache_ttl.as_secs()
            ),
        );
    }
    if let Some(dir) = &panelapp.snapshot_dir
        && !dir.is_dir()
    {
        v.error(
            "PANELAPP_SNAPSHOT",
            format!("{} is not a directory", dir.display()),
        );
    }
    let level = python_log_level(v.raw("LOG_LEVEL").unwrap_or("info"));
    if tracing_subscriber::EnvFilter::try_new(&level).is_err() {
        v.error(
            "LOG_LEVEL",
            format!("{level:?} is not a log level or tracing filter"),
        );
    }
    let log = LogSettings {
        level,
        file: v.raw("LOG_FILE").map(PathBuf::from),
        max_size: v.number("MAX_LOG_SIZE", 10 << 20, 1024, 1 << 40),
        backup_count: v.number("LOG_BACKUP_COUNT", 5, 0, 1000) as usize,
        json: match v.raw("LOG_FORMAT").map(str::to_ascii_lowercase).as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                v.error("LOG_FORMAT", format!("{other:?} is not text or json"));
                false
            }
        },
    };
    let mail = super::mail::parse(v, dev, host, port);
    let audit_retention_days = v.number("AUDIT_RETENTION_DAYS", 365, 1, 36_500) as u32;
    let upload_ttl = v.seconds("UPLOAD_TTL", 86400, 60, 365 * 86400);
    let anon_uploads_per_ip = v.number("ANON_UPLOADS_PER_IP", 200, 1, 1_000_000) as u32;
    let download_link_ttl = v.seconds("DOWNLOAD_LINK_TTL", 300, 10, 86400);

    let flask_key = v.pick(&["FLASK_ENCRYPTION_KEY", "ENCRYPTION_MASTER_KEY"]);
    let flask_encryption_key = v.raw(flask_key).map(|k| Secret::new(k.to_owned()));
    let vars = v.vars;
    for name in vars.keys() {
        if let Some(message) = super::flask::ignored_message(name) {
            v.report.warnings.push(ConfigIssue {
                variable: name.clone(),
                message,
            });
        }
    }

    let missing_secret_key = secret_key.is_none();
    let missing_encryption_key = encryption_key.is_none();
    PartialSettings {
        settings: Settings {
            environment,
            host,
            port,
            data_dir,
            static_dir,
            database_url: Secret::new(database_url),
            redis_url,
            redis_key_prefix,
            caches,
            secret_key: secret_key.unwrap_or_else(|| Secret::new(String::new())),
            encryption_key: encryption_key.unwrap_or_else(EncryptionKey::generate),
            previous_encryption_keys,
            flask_encryption_key,
            audit_retention_days,
            upload_ttl,
            anon_uploads_per_ip,
            download_link_ttl,
            graphql,
            body,
            security,
            panelapp,
            log,
            mail,
            generated_keys: Vec::new(),
        },
        missing_secret_key,
        missing_encryption_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn error_vars(report: &ConfigReport) -> Vec<&str> {
        report.errors.iter().map(|e| e.variable.as_str()).collect()
    }

    #[test]
    fn defaults_are_embedded_development() {
        let (partial, report) = Settings::from_vars(&vars(&[])).unwrap();
        assert!(report.errors.is_empty());
        let names: Vec<_> = report
            .warnings
            .iter()
            .map(|w| w.variable.as_str())
            .collect();
        assert_eq!(names, ["SECRET_KEY", "ENCRYPTION_KEY"]);
        let s = partial.settings;
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.bind_address().to_string(), "127.0.0.1:8080");
        assert!(
            s.database_url
                .expose()
                .starts_with("sqlite://data/panelmerge.db")
        );
        assert!(s.redis_url.is_none());
        assert!(!s.security.secure_cookies, "plain http on loopback");
        assert!(s.graphql.introspection && s.graphql.graphiql);
        assert_eq!(s.graphql.max_depth, 12);
    }

    #[test]
    fn a_short_encryption_key_is_named() {
        let report = Settings::validate(&vars(&[("ENCRYPTION_KEY", "short")]));
        assert_eq!(error_vars(&report), ["ENCRYPTION_KEY"]);
    }

    #[test]
    fn production_requires_keys_and_reports_every_problem() {
        let report = Settings::validate(&vars(&[
            ("FLASK_ENV", "production"),
            ("PORT", "99999"),
            ("MAX_LOGIN_ATTEMPTS", "many"),
            ("REDIS_URL", "http://x"),
        ]));
        assert_eq!(
            error_vars(&report),
            [
                "PORT",
                "REDIS_URL",
                "SECRET_KEY",
                "ENCRYPTION_KEY",
                "MAX_LOGIN_ATTEMPTS"
            ]
        );
        let port = &report.errors[0].message;
        assert!(port.contains("out of range"), "{port}");
    }

    #[test]
    fn panelapp_cache_retention_defaults_to_a_week_and_is_at_least_the_ttl() {
        let (partial, _) = Settings::from_vars(&vars(&[])).unwrap();
        let p = &partial.settings.panelapp;
        assert_eq!(p.cache_ttl, std::time::Duration::from_secs(86400));
        assert_eq!(p.cache_retention, std::time::Duration::from_secs(7 * 86400));
        let report = Settings::validate(&vars(&[
            ("PANELAPP_CACHE_TTL", "7200"),
            ("PANELAPP_CACHE_RETENTION", "3600"),
        ]));
        assert_eq!(error_vars(&report), ["PANELAPP_CACHE_RETENTION"]);
        assert!(report.errors[0].message.contains("PANELAPP_CACHE_TTL"));
    }

    #[test]
    fn the_gene_directory_syncs_weekly_unless_turned_off() {
        let (partial, _) = Settings::from_vars(&vars(&[])).unwrap();
        let p = &partial.settings.panelapp;
        assert_eq!(
            p.directory_sync_interval,
            Some(std::time::Duration::from_secs(7 * 86400))
        );
        assert_eq!(p.directory_sync_concurrency, 2);
        for off in ["off", "0", "OFF"] {
            let (partial, _) =
                Settings::from_vars(&vars(&[("GENE_DIRECTORY_SYNC_INTERVAL", off)])).unwrap();
            assert_eq!(partial.settings.panelapp.directory_sync_interval, None);
        }
        let report = Settings::validate(&vars(&[("GENE_DIRECTORY_SYNC_INTERVAL", "5")]));
        assert_eq!(error_vars(&report), ["GENE_DIRECTORY_SYNC_INTERVAL"]);
    }

    #[test]
    fn trusted_proxies_parse_addresses_and_networks_and_name_bad_entries() {
        let (partial, _) = Settings::from_vars(&vars(&[(
            "TRUSTED_PROXIES",
            "203.0.113.7, 10.1.0.0/16,::1",
        )]))
        .unwrap();
        let t = &partial.settings.security.trusted_proxies;
        assert!(t.contains("203.0.113.7".parse().unwrap()));
        assert!(t.contains("10.1.200.3".parse().unwrap()));
        assert!(
            t.contains("::ffff:10.1.0.9".parse().unwrap()),
            "IPv4-mapped"
        );
        assert!(t.contains("::1".parse().unwrap()));
        assert!(!t.contains("10.2.0.1".parse().unwrap()));
        assert!(!t.contains("127.0.0.1".parse().unwrap()));
        let report = Settings::validate(&vars(&[(
            "TRUSTED_PROXIES",
            "10.0.0.0/8, proxy.local, 10.0.0.0/33",
        )]));
        assert_eq!(error_vars(&report), ["TRUSTED_PROXIES", "TRUSTED_PROXIES"]);
        assert!(report.errors[0].message.contains("proxy.local"));
        assert!(report.errors[1].message.contains("10.0.0.0/33"));
    }

    #[test]
    fn trust_proxy_means_loopback_and_private_ranges() {
        let (partial, _) = Settings::from_vars(&vars(&[("TRUST_PROXY", "true")])).unwrap();
        let t = &partial.settings.security.trusted_proxies;
        for ip in [
            "127.0.0.1",
            "10.9.8.7",
            "172.20.0.1",
            "192.168.1.1",
            "::1",
            "fd00::1",
        ] {
            assert!(t.contains(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["203.0.113.9", "172.32.0.1", "2001:db8::1"] {
            assert!(!t.contains(ip.parse().unwrap()), "{ip}");
        }
        let (partial, _) = Settings::from_vars(&vars(&[])).unwrap();
        assert!(partial.settings.security.trusted_proxies.is_empty());
    }

    #[test]
    fn flask_database_urls_are_understood() {
        assert_eq!(
            normalise_database_url("postgresql+psycopg2://u:p@db/panels").unwrap(),
            "postgres://u:p@db/panels"
        );
        assert_eq!(
            normalise_database_url("sqlite:///instance/app.db").unwrap(),
            "sqlite://instance/app.db?mode=rwc"
        );
        assert_eq!(
            normalise_database_url("sqlite:////var/lib/app.db").unwrap(),
            "sqlite:///var/lib/app.db?mode=rwc"
        );
        assert!(normalise_database_url("sqlite://:memory:").is_err());
        assert!(normalise_database_url("mysql://x/y").is_err());
    }

    #[test]
    fn development_keys_are_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let map = vars(&[("DATA_DIR", dir.path().to_str().unwrap())]);
        let (first, _) = Settings::from_vars_generating_keys(&map).unwrap();
        let (second, _) = Settings::from_vars_generating_keys(&map).unwrap();
        assert_eq!(first.generated_keys, ["SECRET_KEY", "ENCRYPTION_KEY"]);
        assert_eq!(first.secret_key.expose(), second.secret_key.expose());
        assert_eq!(first.encryption_key.id(), second.encryption_key.id());
        assert!(first.secret_key.expose().len() >= 32);
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let s = Settings::for_tests(std::path::Path::new("/tmp/x"));
        let text = format!("{s:?}");
        assert!(!text.contains("test-secret-key"), "{text}");
    }

    #[test]
    fn flask_names_take_effect_with_flask_values() {
        let secret = "k".repeat(32);
        let (partial, report) = Settings::from_vars(&vars(&[
            ("FLASK_CONFIG", "production"),
            ("SECRET_KEY", secret.as_str()),
            (
                "ENCRYPTION_KEY",
                "YvW-91ndtlQG2NV9IH2YiZkeaN31W0EgM9ClDsuzrgU=",
            ),
            ("IP_BLOCKING_ENABLED", "False"),
            ("RATELIMIT_ENABLED", "0"),
            ("PERMANENT_SESSION_LIFETIME", "1800"),
            ("IP_BLOCK_DURATION", "120"),
            ("RATE_LIMIT_REQUESTS_PER_MINUTE", "100"),
            ("SESSION_COOKIE_SECURE", "True"),
            ("MAX_CONTENT_LENGTH", "16777216"),
            ("PANELAPP_UK_BASE_URL", "https://panelapp.example/api/v1"),
            (
                "PANELAPP_AUS_BASE_URL",
                "https://panelapp-aus.example/api/v1",
            ),
            ("CACHE_PANEL_TIMEOUT", "1800"),
            ("API_TIMEOUT", "12"),
            ("API_RETRY_ATTEMPTS", "3"),
            ("LOG_LEVEL", "WARNING"),
            ("SESSION_KEY_PREFIX", "panelmerge_"),
            ("REDIS_URL", "redis://cache:6379/0"),
            ("REDIS_PASSWORD", "s3cret"),
            ("REDIS_SSL", "True"),
            ("REDIS_SOCKET_TIMEOUT", "5"),
            (
                "ENCRYPTION_MASTER_KEY",
                "QnU2V1pMVGt6dHFtNTl4QzkwYUJxT1hMZTByeGhqM0Q5SU9CQmtfdTlLbz0=",
            ),
        ]))
        .unwrap();
        assert!(report.warnings.is_empty(), "{report}");
        let s = partial.settings;
        assert_eq!(s.environment, Environment::Production);
        assert!(!s.security.ip_blocking);
        assert!(!s.security.rate_limits);
        assert_eq!(
            s.security.session_absolute_lifetime,
            Duration::from_secs(1800)
        );
        assert_eq!(s.security.brute_force_block, Duration::from_secs(120));
        assert_eq!(s.security.rate_limit_per_minute, 100);
        assert!(s.security.secure_cookies);
        assert_eq!(s.body.max_upload_bytes, 16 << 20);
        assert_eq!(s.panelapp.uk_url, "https://panelapp.example/api/v1/");
        assert_eq!(s.panelapp.au_url, "https://panelapp-aus.example/api/v1/");
        assert_eq!(s.panelapp.cache_ttl, Duration::from_secs(1800));
        assert_eq!(s.panelapp.timeout, Duration::from_secs(12));
        assert_eq!(s.panelapp.max_retries, 3);
        assert_eq!(s.log.level, "warn");
        assert_eq!(s.redis_key_prefix, "panelmerge_");
        assert_eq!(
            s.redis_url
                .as_ref()
                .map(|u| u.expose().to_owned())
                .as_deref(),
            Some("rediss://:s3cret@cache:6379/0")
        );
        assert_eq!(s.caches.redis_command_timeout, Duration::from_secs(5));
        assert!(s.flask_encryption_key.is_some());
        let (partial, _) = Settings::from_vars(&vars(&[])).unwrap();
        assert!(partial.settings.security.ip_blocking && partial.settings.security.rate_limits);
    }

    #[test]
    fn ours_win_over_flask_names_and_differing_ones_are_named() {
        let (partial, report) = Settings::from_vars(&vars(&[
            ("RATE_LIMIT_PER_MINUTE", "50"),
            ("RATE_LIMIT_REQUESTS_PER_MINUTE", "100"),
            ("PANELAPP_UK_TIMEOUT", "30"),
            ("PANELAPP_AUS_TIMEOUT", "30"),
        ]))
        .unwrap();
        assert_eq!(partial.settings.security.rate_limit_per_minute, 50);
        let named: Vec<_> = report
            .warnings
            .iter()
            .filter(|w| w.variable.starts_with("RATE") || w.variable.starts_with("PANELAPP"))
            .map(|w| (w.variable.as_str(), w.message.as_str()))
            .collect();
        assert_eq!(
            named,
            [(
                "RATE_LIMIT_REQUESTS_PER_MINUTE",
                "ignored: RATE_LIMIT_PER_MINUTE is also set and is the same setting here"
            )]
        );
    }

    #[test]
    fn flask_database_settings_become_one_url() {
        let url = |pairs: &[(&str, &str)]| {
            Settings::from_vars(&vars(pairs))
                .unwrap()
                .0
                .settings
                .database_url
                .expose()
                .to_owned()
        };
        assert_eq!(
            url(&[
                ("DB_HOST", "35.228.157.4"),
                ("DB_PORT", "5432"),
                ("DB_NAME", "genepanel-userdb"),
                ("DB_USER", "genepanel_app"),
                ("DB_PASSWORD", "p@ss word"),
                ("DB_SSLMODE", "require"),
                ("DB_SSLROOTCERT", "server-ca.pem"),
            ]),
            "postgres://genepanel_app:p%40ss%20word@35.228.157.4:5432/genepanel-userdb\
             ?sslmode=require&sslrootcert=server-ca.pem"
        );
        assert_eq!(
            url(&[("SQLITE_DB_PATH", "instance/gene_panel.db")]),
            "sqlite://instance/gene_panel.db?mode=rwc"
        );
        assert_eq!(
            url(&[("SQLALCHEMY_DATABASE_URI", "postgresql+pg8000://u:p@db/pm")]),
            "postgres://u:p@db/pm"
        );
        let (_, report) = Settings::from_vars(&vars(&[
            ("DATABASE_URL", "postgresql://u:p@localhost:5432/pm"),
            ("DB_HOST", "localhost"),
        ]))
        .unwrap();
        assert_eq!(report.warnings[0].variable, "DB_HOST");
        assert!(report.warnings[0].message.contains("DATABASE_URL is set"));
        let report = Settings::validate(&vars(&[("DB_HOST", "db")]));
        assert_eq!(error_vars(&report), ["DB_NAME"]);
    }

    #[test]
    fn the_cloud_sql_unix_socket_form_is_understood() {
        assert_eq!(
            normalise_database_url(
                "postgresql+pg8000://postgres:password@/panelmerge?unix_sock=/cloudsql/p:r:i/.s.PGSQL.5432"
            )
            .unwrap(),
            "postgres://postgres:password@localhost/panelmerge?host=%2Fcloudsql%2Fp%3Ar%3Ai"
        );
        assert_eq!(
            normalise_database_url("postgresql://u:p@db:5432/pm?sslmode=require").unwrap(),
            "postgres://u:p@db:5432/pm?sslmode=require"
        );
    }

    #[test]
    fn flask_variables_without_meaning_are_named_with_why() {
        let report = Settings::validate(&vars(&[
            ("MAIL_MAX_EMAILS", "50"),
            ("SECURITY_MONITORING_ENABLED", "True"),
            ("IP_BLOCKING_ENABLED", "True"),
        ]));
        let named: Vec<_> = report
            .warnings
            .iter()
            .filter(|w| !w.variable.ends_with("_KEY"))
            .map(|w| w.variable.as_str())
            .collect();
        assert_eq!(named, ["MAIL_MAX_EMAILS", "SECURITY_MONITORING_ENABLED"]);
        assert!(
            report
                .warnings
                .iter()
                .all(|w| !w.message.contains("spelling"))
        );
    }

    #[test]
    fn python_log_levels_are_understood() {
        assert_eq!(python_log_level("WARNING"), "warn");
        assert_eq!(python_log_level("CRITICAL"), "error");
        assert_eq!(python_log_level("INFO"), "info");
        assert_eq!(python_log_level("server=debug"), "server=debug");
    }

    #[test]
    fn confirmed_addresses_are_required_in_production_where_mail_can_arrive() {
        let secret = "k".repeat(32);
        let base = [
            ("APP_ENV", "production"),
            ("SECRET_KEY", secret.as_str()),
            (
                "ENCRYPTION_KEY",
                "YvW-91ndtlQG2NV9IH2YiZkeaN31W0EgM9ClDsuzrgU=",
            ),
        ];
        let require = |extra: &[(&str, &str)]| {
            let mut pairs = base.to_vec();
            pairs.extend_from_slice(extra);
            let (partial, report) = Settings::from_vars(&vars(&pairs)).unwrap();
            let warned = report
                .warnings
                .iter()
                .any(|w| w.variable == "REQUIRE_EMAIL_VERIFICATION");
            (partial.settings.mail.require_verification, warned)
        };
        let relay = ("MAIL_SERVER", "smtp.example.org");
        assert_eq!(require(&[relay]), (true, false), "production with a relay");
        assert_eq!(require(&[]), (false, false), "production without a relay");
        assert_eq!(
            require(&[relay, ("MAIL_SUPPRESS_SEND", "true")]),
            (false, false),
            "sending suppressed"
        );
        assert_eq!(
            require(&[relay, ("REQUIRE_EMAIL_VERIFICATION", "false")]),
            (false, false),
            "a site may turn it off"
        );
        assert_eq!(
            require(&[("REQUIRE_EMAIL_VERIFICATION", "true")]),
            (true, true),
            "on without a relay is allowed but warned about"
        );
        let (partial, _) = Settings::from_vars(&vars(&[relay])).unwrap();
        assert!(
            !partial.settings.mail.require_verification,
            "development lets unconfirmed accounts in"
        );
    }
}
