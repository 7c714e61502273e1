//! A real SMTP listener for the tests, on a free loopback port: EHLO, STARTTLS (with the
//! certificate in `tests/fixtures/smtp`, whose CA the server under test trusts through
//! `MAIL_CA_FILE`), implicit TLS, AUTH PLAIN and LOGIN, MAIL / RCPT / DATA. It keeps every
//! accepted message and counts refused logins, so tests see exactly what a relay saw.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

/// How the listener behaves.
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// Offer STARTTLS and refuse MAIL and AUTH before it.
    pub require_starttls: bool,
    /// TLS from the first byte (port-465 style).
    pub implicit_tls: bool,
    /// Require AUTH with this user and password before MAIL.
    pub credentials: Option<(String, String)>,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Captured {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed).
    pub data: String,
    /// Whether it came over TLS.
    pub tls: bool,
    /// The user it was authenticated as.
    pub user: Option<String>,
}

impl Captured {
    /// The body with quoted-printable soft line breaks and `=3D` undone, for searching.
    pub fn text(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first `#token=` link's token.
    pub fn token(&self) -> Option<String> {
        token_in(&self.text())
    }
}

/// The token of the first `#token=` link in `text`.
pub fn token_in(text: &str) -> Option<String> {
    let start = text.find("#token=")? + "#token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Captured>>,
    failed_logins: Mutex<u32>,
    connections: Mutex<u32>,
    changed: Notify,
}

pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

fn acceptor() -> TlsAcceptor {
    let dir = crate::repo_root().join("tests/fixtures/smtp");
    let certs = CertificateDer::pem_file_iter(dir.join("cert.pem"))
        .expect("cert.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).expect("key.pem");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate");
    TlsAcceptor::from(Arc::new(config))
}

/// The CA the server under test must trust (`MAIL_CA_FILE`).
pub fn ca_file() -> String {
    crate::repo_root()
        .join("tests/fixtures/smtp/ca.pem")
        .display()
        .to_string()
}

impl SmtpServer {
    pub async fn start(options: SmtpOptions) -> Self {
        server::install_crypto_provider();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("smtp address").port();
        let shared = Arc::new(Shared::default());
        let tls = acceptor();
        let state = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                *state.connections.lock().unwrap() += 1;
                let state = state.clone();
                let options = options.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let _ = session(Box::new(stream), state, options, tls).await;
                });
            }
        });
        Self { port, shared, task }
    }

    /// The variables that point the server under test at this listener.
    pub fn vars(&self) -> Vec<(String, String)> {
        vec![
            ("MAIL_SERVER".into(), "127.0.0.1".into()),
            ("MAIL_PORT".into(), self.port.to_string()),
            ("MAIL_CA_FILE".into(), ca_file()),
            ("MAIL_TIMEOUT".into(), "10".into()),
        ]
    }

    pub fn messages(&self) -> Vec<Captured> {
        self.shared.messages.lock().unwrap().clone()
    }

    pub fn failed_logins(&self) -> u32 {
        *self.shared.failed_logins.lock().unwrap()
    }

    /// Waits (at most `timeout`) until `check` holds for the messages, then returns them.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        check: impl Fn(&[Captured], u32) -> bool,
    ) -> Vec<Captured> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            let messages = self.messages();
            if check(&messages, self.failed_logins()) {
                return messages;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!(
                    "the SMTP listener did not see what was expected within {timeout:?}; \
                     messages: {messages:#?}, failed logins: {}",
                    self.failed_logins()
                );
            }
        }
    }

    /// Waits for the `n`th message (1-based) and returns all so far.
    pub async fn wait_for(&self, n: usize) -> Vec<Captured> {
        self.wait_until(Duration::from_secs(30), |m, _| m.len() >= n)
            .await
    }
}

async fn session(
    stream: Box<dyn Io>,
    shared: Arc<Shared>,
    options: SmtpOptions,
    tls: TlsAcceptor,
) -> std::io::Result<()> {
    let mut secure = false;
    let stream: Box<dyn Io> = if options.implicit_tls {
        secure = true;
        Box::new(tls.accept(stream).await?)
    } else {
        stream
    };
    let mut io = BufReader::new(stream);
    io.get_mut()
        .write_all(b"220 localhost test ESMTP\r\n")
        .await?;
    let mut user: Option<String> = None;
    let mut from = String::new();
    let mut to = Vec::new();
    loop {
        let mut line = String::new();
        if io.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end().to_owned();
        let upper = line.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("").to_owned();
        let tls_missing = options.require_starttls && !secure;
        let reply: String = match verb.as_str() {
            "EHLO" => {
                let mut r = String::from("250-localhost\r\n");
                if options.require_starttls && !secure {
                    r.push_str("250-STARTTLS\r\n");
                }
                if options.credentials.is_some() && !tls_missing {
                    r.push_str("250-AUTH PLAIN LOGIN\r\n");
                }
                r.push_str("250 8BITMIME\r\n");
                r
            }
            "HELO" => "250 localhost\r\n".into(),
            "STARTTLS" if options.require_starttls && !secure => {
                io.get_mut()
                    .write_all(b"220 2.0.0 ready for TLS\r\n")
                    .await?;
                let inner = io.into_inner();
                io = BufReader::new(Box::new(tls.accept(inner).await?));
                secure = true;
                user = None;
                continue;
            }
            "AUTH" if tls_missing => "530 5.7.0 Must issue a STARTTLS command first\r\n".into(),
            "AUTH" => {
                let parts: Vec<&str> = line.split_whitespace().collect();
                let mechanism = parts.get(1).map(|m| m.to_ascii_uppercase());
                let given = match mechanism.as_deref() {
                    Some("PLAIN") => {
                        let blob = match parts.get(2) {
                            Some(b) => (*b).to_owned(),
                            None => {
                                io.get_mut().write_all(b"334 \r\n").await?;
                                read_line(&mut io).await?
                            }
                        };
                        let raw = STANDARD.decode(blob.trim()).unwrap_or_default();
                        let fields: Vec<String> = raw
                            .split(|b| *b == 0)
                            .map(|f| String::from_utf8_lossy(f).into_owned())
                            .collect();
                        (fields.len() == 3).then(|| (fields[1].clone(), fields[2].clone()))
                    }
                    Some("LOGIN") => {
                        io.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                        let u = read_line(&mut io).await?;
                        io.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                        let p = read_line(&mut io).await?;
                        let decode = |s: &str| {
                            String::from_utf8_lossy(&STANDARD.decode(s.trim()).unwrap_or_default())
                                .into_owned()
                        };
                        Some((decode(&u), decode(&p)))
                    }
                    _ => None,
                };
                match (&options.credentials, given) {
                    (Some(expected), Some(given)) if *expected == given => {
                        user = Some(given.0);
                        "235 2.7.0 Authentication successful\r\n".into()
                    }
                    _ => {
                        *shared.failed_logins.lock().unwrap() += 1;
                        shared.changed.notify_waiters();
                        "535 5.7.8 Authentication credentials invalid\r\n".into()
                    }
                }
            }
            "MAIL" if tls_missing => "530 5.7.0 Must issue a STARTTLS command first\r\n".into(),
            "MAIL" if options.credentials.is_some() && user.is_none() => {
                "530 5.7.0 Authentication required\r\n".into()
            }
            "MAIL" => {
                from = address(&line);
                to.clear();
                "250 2.1.0 OK\r\n".into()
            }
            "RCPT" => {
                to.push(address(&line));
                "250 2.1.5 OK\r\n".into()
            }
            "DATA" if to.is_empty() => "503 5.5.1 RCPT first\r\n".into(),
            "DATA" => {
                io.get_mut()
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if io.read_line(&mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                shared.messages.lock().unwrap().push(Captured {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                    tls: secure,
                    user: user.clone(),
                });
                shared.changed.notify_waiters();
                "250 2.0.0 queued\r\n".into()
            }
            "RSET" => {
                to.clear();
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "QUIT" => {
                io.get_mut().write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 Command not recognised\r\n".into(),
        };
        io.get_mut().write_all(reply.as_bytes()).await?;
    }
}

async fn read_line(io: &mut BufReader<Box<dyn Io>>) -> std::io::Result<String> {
    let mut line = String::new();
    io.read_line(&mut line).await?;
    Ok(line.trim_end().to_owned())
}

/// The address between `<` and `>` of a MAIL or RCPT line.
fn address(line: &str) -> String {
    match (line.find('<'), line.find('>')) {
        (Some(a), Some(b)) if b > a => line[a + 1..b].to_owned(),
        _ => String::new(),
    }
}
