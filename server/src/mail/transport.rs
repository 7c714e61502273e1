//! How a message leaves: an SMTP relay (STARTTLS, implicit TLS or plain, with or without
//! authentication), or the outbox directory (`DATA_DIR/outbox/`, one `.eml` per message).

use std::path::PathBuf;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{Settings, SmtpSecurity};

pub enum Transport {
    Smtp {
        relay: Box<AsyncSmtpTransport<Tokio1Executor>>,
        described: String,
    },
    /// Messages are files in this directory.
    Outbox(PathBuf),
}

impl Transport {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let Some(smtp) = &settings.mail.smtp else {
            return Ok(Self::Outbox(settings.data_dir.join("outbox")));
        };
        let tls_parameters = || -> anyhow::Result<TlsParameters> {
            let mut builder = TlsParameters::builder(smtp.host.clone());
            if let Some(path) = &smtp.ca_file {
                let pem = std::fs::read(path)
                    .map_err(|e| anyhow::anyhow!("MAIL_CA_FILE {}: {e}", path.display()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| anyhow::anyhow!("MAIL_CA_FILE {}: {e}", path.display()))?;
                builder = builder.add_root_certificate(cert);
            }
            builder
                .build_rustls()
                .map_err(|e| anyhow::anyhow!("SMTP TLS setup: {e}"))
        };
        let tls = match smtp.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Implicit => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(smtp.timeout));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        let security = match smtp.security {
            SmtpSecurity::None => "plain",
            SmtpSecurity::StartTls => "STARTTLS",
            SmtpSecurity::Implicit => "TLS",
        };
        Ok(Self::Smtp {
            relay: Box::new(builder.build()),
            described: format!("SMTP {}:{} ({security})", smtp.host, smtp.port),
        })
    }

    /// "SMTP mail.example.org:587 (STARTTLS)" or "outbox directory data/outbox".
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { described, .. } => described.clone(),
            Self::Outbox(dir) => format!("outbox directory {}", dir.display()),
        }
    }

    /// Sends one formatted message; the outbox writes it to `file_name` and returns its path.
    pub async fn send(
        &self,
        envelope: &Envelope,
        raw: &[u8],
        file_name: &str,
    ) -> Result<Option<PathBuf>, String> {
        match self {
            Self::Smtp { relay, .. } => relay
                .send_raw(envelope, raw)
                .await
                .map(|_| None)
                .map_err(|e| e.to_string()),
            Self::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("can not create {}: {e}", dir.display()))?;
                let path = dir.join(file_name);
                tokio::fs::write(&path, raw)
                    .await
                    .map_err(|e| format!("can not write {}: {e}", path.display()))?;
                Ok(Some(path))
            }
        }
    }
}
