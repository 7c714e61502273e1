//! E-mail: messages are rendered from [`templates`], queued in the `mail_outbox` table inside
//! the transaction of the change they report (so a message is never sent for a change that
//! rolled back, and never lost for one that committed), and sent off the request path by the
//! mail worker ([`crate::services::mail_worker`]) with retries and exponential backoff. Without an SMTP relay each message is
//! written to `DATA_DIR/outbox/` as one `.eml` file and its path logged.
//!
//! Single-use links (password reset, verification, change of address) are [`tokens`]: only
//! their HMAC is stored.

pub mod templates;
pub mod tokens;
pub mod transport;

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use entity::mail_outbox;
use lettre::message::{Mailbox, MultiPart};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use shared::{MailKind, MailStatus};

use crate::config::Settings;
use crate::crypto::{Binding, Encryptor};
use crate::error::{AppError, AppResult, OrInternal};
use templates::Rendered;
use transport::Transport;

pub const TABLE: &str = "mail_outbox";

/// The encryption binding of a queued message: its row's id and recipient.
pub fn binding<'a>(row: &'a str) -> Binding<'a> {
    Binding {
        table: TABLE,
        column: "message",
        row,
    }
}

/// The server's mail: how messages leave, where links point, and the worker's wake-up call.
pub struct Mailer {
    pub transport: Transport,
    sender: Mailbox,
    public_url: OnceLock<String>,
    /// `SITE_NAME`, as messages name the site.
    site_name: String,
    wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.transport.describe())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let sender = settings
            .mail
            .sender
            .parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("MAIL_DEFAULT_SENDER: {e}"))?;
        let public_url = OnceLock::new();
        if let Some(url) = &settings.mail.public_url {
            let _ = public_url.set(url.clone());
        }
        Ok(Self {
            transport: Transport::new(settings)?,
            sender,
            public_url,
            site_name: settings.mail.site_name.clone(),
            wake: Arc::default(),
        })
    }

    /// Where links point when `PUBLIC_URL` is not set: the address the server listens on
    /// (known once it is bound). Ignored when `PUBLIC_URL` is set.
    pub fn set_listen_url(&self, url: String) {
        let _ = self.public_url.set(url);
    }

    /// The base of every link, ending in `/`.
    pub fn public_url(&self) -> &str {
        self.public_url
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1:8080/")
    }

    /// The site as messages name and link it.
    pub fn site(&self) -> templates::Site<'_> {
        templates::Site {
            name: &self.site_name,
            url: self.public_url(),
        }
    }

    /// A link to the web page `path` with `token` in the fragment (never sent to any server,
    /// so it stays out of proxy logs and Referer headers).
    pub fn link(&self, path: &str, token: &str) -> String {
        format!("{}{path}#token={token}", self.public_url())
    }

    /// Asks the worker to look at the queue now (call after the enqueuing transaction commits).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn wake_handle(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    pub fn sender(&self) -> &Mailbox {
        &self.sender
    }
}

/// One message to queue.
pub struct Outgoing {
    pub user_id: Option<i32>,
    pub to: String,
    pub kind: MailKind,
    pub rendered: Rendered,
}

/// Queues `message` in the caller's transaction. The worker sends it once that commits (call
/// [`Mailer::wake`] then).
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    mailer: &Mailer,
    crypto: &Encryptor,
    message: Outgoing,
) -> AppResult<i32> {
    let to: Mailbox = message
        .to
        .parse()
        .map_err(|_| AppError::invalid_field("email", "is not a deliverable address"))?;
    let built = lettre::Message::builder()
        .from(mailer.sender.clone())
        .to(to)
        .subject(message.rendered.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            message.rendered.text,
            message.rendered.html,
        ))
        .or_internal("build e-mail")?;
    let now = Utc::now();
    let row = mail_outbox::ActiveModel {
        user_id: Set(message.user_id),
        recipient: Set(message.to.clone()),
        kind: Set(message.kind),
        subject: Set(message.rendered.subject),
        message: Set(None),
        status: Set(MailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let raw = String::from_utf8_lossy(&built.formatted()).into_owned();
    let sealed = crypto
        .encrypt(&raw, binding(&row.id.to_string()))
        .or_internal("seal e-mail")?;
    let mut update: mail_outbox::ActiveModel = row.clone().into();
    update.message = Set(Some(sealed));
    update.update(conn).await?;
    Ok(row.id)
}
