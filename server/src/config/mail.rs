//! E-mail settings under Flask-Mail's names (`MAIL_SERVER`, `MAIL_PORT`, `MAIL_USE_TLS`,
//! `MAIL_USE_SSL`, `MAIL_USERNAME`, `MAIL_PASSWORD`, `MAIL_DEFAULT_SENDER`,
//! `MAIL_SUPPRESS_SEND`), the Flask token lifetimes, and ours.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::parse::Vars;
use super::secret::Secret;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (only sensible on a trusted network or loopback).
    None,
    /// STARTTLS, required (`MAIL_USE_TLS=True`; port 587 by default).
    StartTls,
    /// TLS from the first byte (`MAIL_USE_SSL=True`; port 465 by default).
    Implicit,
}

/// An SMTP relay.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Extra trusted CA certificates (PEM) for a relay with a private CA (`MAIL_CA_FILE`).
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
}

/// What the server does with e-mail.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The relay; `None` (no `MAIL_SERVER`, or `MAIL_SUPPRESS_SEND=True`): every message is
    /// written to `DATA_DIR/outbox/` as an `.eml` file and its path logged.
    pub smtp: Option<SmtpSettings>,
    /// `MAIL_SERVER` is set but `MAIL_SUPPRESS_SEND` keeps messages in the outbox directory.
    pub suppressed: bool,
    /// The From address (`MAIL_DEFAULT_SENDER`).
    pub sender: String,
    /// The address links in messages start with (`PUBLIC_URL`); `None`: the address the
    /// server listens on.
    pub public_url: Option<String>,
    /// The server's name in every message (`SITE_NAME`).
    pub site_name: String,
    /// How long a password-reset link works (`PASSWORD_RESET_TOKEN_MAX_AGE`).
    pub reset_ttl: Duration,
    /// How long a verification or change-of-address link works
    /// (`VERIFICATION_TOKEN_MAX_AGE`); the undo link of a change lasts seven times as long.
    pub verify_ttl: Duration,
    /// How long an admin-set temporary password works (`TEMP_PASSWORD_EXPIRATION_HOURS`).
    pub temp_password_ttl: Duration,
    /// Unverified accounts may not log in (`REQUIRE_EMAIL_VERIFICATION`; by default on in
    /// production when mail leaves the machine, off otherwise).
    pub require_verification: bool,
    /// Sends of one message before it is marked FAILED (`MAIL_MAX_ATTEMPTS`).
    pub max_attempts: u32,
    /// The first retry waits this long, each next one twice as long, at most an hour
    /// (`MAIL_RETRY_DELAY`).
    pub retry_delay: Duration,
    /// Reset and verification requests per address and per client IP per hour
    /// (`MAIL_REQUESTS_PER_HOUR`).
    pub requests_per_hour: u32,
}

impl MailSettings {
    /// Whether messages leave the machine (an SMTP relay is configured and not suppressed).
    pub fn delivers(&self) -> bool {
        self.smtp.is_some()
    }
}

pub(super) fn parse(v: &mut Vars<'_>, dev: bool, host: IpAddr, port: u16) -> MailSettings {
    let use_tls = v.flag("MAIL_USE_TLS", false);
    let use_ssl = v.flag("MAIL_USE_SSL", false);
    if use_tls && use_ssl {
        v.error(
            "MAIL_USE_SSL",
            "MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (implicit TLS) are both set; choose one",
        );
    }
    let security = if use_ssl {
        SmtpSecurity::Implicit
    } else if use_tls {
        SmtpSecurity::StartTls
    } else {
        SmtpSecurity::None
    };
    let default_port = match security {
        SmtpSecurity::Implicit => 465,
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::None => 25,
    };
    let smtp_port = v.number("MAIL_PORT", default_port, 1, 65535) as u16;
    let suppress = v.flag("MAIL_SUPPRESS_SEND", false);
    let username = v.raw("MAIL_USERNAME").map(str::to_owned);
    let password = v.raw("MAIL_PASSWORD").map(|p| Secret::new(p.to_owned()));
    if username.is_some() != password.is_some() {
        v.error(
            if username.is_some() {
                "MAIL_PASSWORD"
            } else {
                "MAIL_USERNAME"
            },
            "MAIL_USERNAME and MAIL_PASSWORD go together",
        );
    }
    let ca_file = v.raw("MAIL_CA_FILE").map(PathBuf::from);
    if let Some(path) = &ca_file
        && !path.is_file()
    {
        v.error("MAIL_CA_FILE", format!("{} is not a file", path.display()));
    }
    let timeout = v.seconds("MAIL_TIMEOUT", 30, 1, 600);
    let smtp = match v.raw("MAIL_SERVER") {
        Some(server) if !suppress => {
            if security == SmtpSecurity::None && username.is_some() {
                v.warn(
                    "MAIL_USE_TLS",
                    "MAIL_USERNAME is set but neither MAIL_USE_TLS nor MAIL_USE_SSL: the \
                     password crosses the network unencrypted",
                );
            }
            Some(SmtpSettings {
                host: server.to_owned(),
                port: smtp_port,
                security,
                username,
                password,
                ca_file,
                timeout,
            })
        }
        _ => None,
    };
    let sender = v
        .raw("MAIL_DEFAULT_SENDER")
        .unwrap_or("PanelMerge <noreply@localhost>")
        .to_owned();
    if sender.parse::<lettre::message::Mailbox>().is_err() {
        v.error(
            "MAIL_DEFAULT_SENDER",
            format!("{sender:?} is not an address such as PanelMerge <noreply@example.org>"),
        );
    }
    let public_url = v
        .raw("PUBLIC_URL")
        .map(|_| v.url("PUBLIC_URL", ""))
        .filter(|u| !u.is_empty());
    if public_url.is_none() && smtp.is_some() && !dev {
        v.warn(
            "PUBLIC_URL",
            format!(
                "missing: links in e-mail point at http://{host}:{port}/, which recipients \
                 may not reach"
            ),
        );
    }
    // Confirmed addresses are the production default, but only where a confirmation can
    // arrive: without a relay the links land in DATA_DIR/outbox/ and nobody could log in.
    // Accounts imported from Flask keep its `is_verified`; `create-admin` accounts count as
    // confirmed; an unconfirmed login is told so and mailed a fresh link.
    let require_verification = v.flag("REQUIRE_EMAIL_VERIFICATION", !dev && smtp.is_some());
    if require_verification && smtp.is_none() {
        v.warn(
            "REQUIRE_EMAIL_VERIFICATION",
            "is on but no SMTP relay is configured (MAIL_SERVER, or MAIL_SUPPRESS_SEND is set): \
             confirmation links only reach DATA_DIR/outbox/, so new accounts can not log in",
        );
    }
    let site_name = v.raw("SITE_NAME").unwrap_or("PanelMerge").to_owned();
    let reset_ttl = v.seconds("PASSWORD_RESET_TOKEN_MAX_AGE", 3600, 1, 7 * 86400);
    let verify_ttl = v.seconds("VERIFICATION_TOKEN_MAX_AGE", 86400, 1, 30 * 86400);
    let temp_hours = v.number("TEMP_PASSWORD_EXPIRATION_HOURS", 24, 1, 24 * 365);
    // Seconds, for tests and for sites that want less than an hour.
    let temp_password_ttl = match v.raw("TEMP_PASSWORD_TTL") {
        Some(_) => v.seconds("TEMP_PASSWORD_TTL", 86400, 1, 365 * 86400),
        None => Duration::from_secs(temp_hours * 3600),
    };
    MailSettings {
        smtp,
        suppressed: suppress,
        sender,
        public_url,
        site_name,
        reset_ttl,
        verify_ttl,
        temp_password_ttl,
        require_verification,
        max_attempts: v.number("MAIL_MAX_ATTEMPTS", 8, 1, 100) as u32,
        retry_delay: v.seconds("MAIL_RETRY_DELAY", 30, 1, 3600),
        requests_per_hour: v.number("MAIL_REQUESTS_PER_HOUR", 5, 1, 10_000) as u32,
    }
}
