//! Shared application state, built once and handed to every request.

use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::auth::Authenticator;
use crate::auth::limits::Limits;
use crate::auth::sessions::Sessions;
use crate::auth::tokens::Tokens;
use crate::backend::Backends;
use crate::config::Settings;
use crate::crypto::{Encryptor, Signer};
use crate::events::Events;
use crate::mail::Mailer;
use crate::panelapp::PanelAppService;
use crate::saved::SavedPanels;
use crate::services::accounts::Accounts;
use crate::services::admin::Admin;
use crate::services::api_tokens::ApiTokens;
use crate::services::audit::Audit;
use crate::services::audit_log::AuditTrail;
use crate::services::auth::Authentication;
use crate::services::catalogue::Catalogue;
use crate::services::downloads::Downloads;
use crate::services::email_address::EmailAddresses;
use crate::services::export_templates::ExportTemplates;
use crate::services::merge::{Merges, PanelSources};
use crate::services::messages::Messages;
use crate::services::notices::Notices;
use crate::services::outbox::Outbox;
use crate::services::passwords::Passwords;
use crate::services::recovery::Recovery;
use crate::services::teams::Teams;
use crate::services::uploads::{UploadSettings, Uploads};
use crate::services::workbench::Workbenches;
use crate::shutdown::Shutdown;

/// Cheap to clone; everything inside is shared.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub settings: Settings,
    pub db: DatabaseConnection,
    pub backends: Backends,
    pub crypto: Arc<Encryptor>,
    pub signer: Signer,
    pub events: Events,
    pub audit: Audit,
    /// The trail as admins read it (pages, CSV, retention purge).
    pub audit_trail: AuditTrail,
    pub passwords: Passwords,
    /// API tokens as authentication stores and checks them.
    pub tokens: Tokens,
    /// Rate limits, login throttles and address blocks.
    pub limits: Limits,
    /// Login sessions.
    pub sessions: Sessions,
    /// Who is calling (cookies and API tokens into a `Principal`).
    pub authenticator: Authenticator,
    /// API tokens as their owners manage them, and the audit of their use.
    pub api_tokens: ApiTokens,
    /// Teams and their members.
    pub teams: Teams,
    /// Site messages (banners).
    pub messages: Messages,
    /// Saved export settings.
    pub export_templates: ExportTemplates,
    /// Each user's saved workbench.
    pub workbenches: Workbenches,
    /// Uploaded gene lists.
    pub uploads: Uploads,
    /// Prepared downloads behind signed links.
    pub downloads: Downloads,
    /// The PanelApp data as admins manage it (refresh).
    pub catalogue: Catalogue,
    /// Merges of panels and uploaded lists.
    pub merges: Merges,
    /// The e-mail queue as admins see it.
    pub outbox: Outbox,
    /// Notices by e-mail (account locked, security, new admins, panels shared).
    pub notices: Notices,
    /// E-mail addresses: verification and changes.
    pub email_addresses: EmailAddresses,
    /// Accounts: registration and profiles.
    pub accounts: Accounts,
    /// Logging in and out, password changes.
    pub authentication: Authentication,
    /// Password resets.
    pub recovery: Recovery,
    /// Site administration of accounts.
    pub admin: Admin,
    /// Saved panels: versions, shares, comments, labels, lists.
    pub saved: SavedPanels,
    /// E-mail: the transport, link base and the queue worker's wake-up call.
    pub mailer: Arc<Mailer>,
    /// PanelApp UK and Australia: catalogues, panels, search, gene directory.
    pub panelapp: Arc<PanelAppService>,
    pub started_at: DateTime<Utc>,
    pub shutdown: Shutdown,
    /// SQL statements run through `db` (for tests and diagnostics).
    pub statements: Arc<std::sync::atomic::AtomicU64>,
}

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

impl AppState {
    /// A migrated SQLite-backed state in a fresh temporary directory (kept alive by the
    /// returned guard), for in-process tests.
    #[cfg(test)]
    pub(crate) async fn for_tests() -> (Self, tempfile::TempDir) {
        Self::for_tests_from(None).await
    }

    /// A new USER account `name` (`name@example.org`), as its own principal.
    #[cfg(test)]
    pub(crate) async fn test_user(
        &self,
        name: &str,
    ) -> (entity::user::Model, crate::auth::Principal) {
        self.test_user_as(name, shared::Role::User).await
    }

    /// A new account `name` with `role`, as its own principal.
    #[cfg(test)]
    pub(crate) async fn test_user_as(
        &self,
        name: &str,
        role: shared::Role,
    ) -> (entity::user::Model, crate::auth::Principal) {
        let new = crate::services::accounts::NewUser {
            username: name.to_owned(),
            email: format!("{name}@example.org"),
            password: "correct horse battery staple".to_owned(),
            role,
            timezone: None,
        };
        let row = self
            .accounts
            .create_user(&crate::auth::Principal::system("test"), new)
            .await
            .expect("test account");
        let principal = crate::auth::Principal::test_account(&row);
        (row, principal)
    }

    /// A test state whose panels and gene symbols come from `sources` (fixtures, or none).
    #[cfg(test)]
    pub(crate) async fn for_tests_with(sources: PanelSources) -> (Self, tempfile::TempDir) {
        Self::for_tests_from(Some(sources)).await
    }

    #[cfg(test)]
    async fn for_tests_from(sources: Option<PanelSources>) -> (Self, tempfile::TempDir) {
        crate::install_crypto_provider();
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings::for_tests(dir.path());
        let state = Self::connect_with(settings, sources)
            .await
            .expect("test state");
        crate::db::migrate(&state.db).await.expect("migrations");
        (state, dir)
    }

    /// Which database this server stores its data in.
    pub fn database_backend(&self) -> shared::DatabaseBackend {
        crate::db::backend(&self.db)
    }

    /// Writes one audit row on its own (a request-level event: a refused operation, an
    /// internal error), as `principal`.
    pub async fn record_audit(
        &self,
        principal: &crate::auth::Principal,
        record: crate::services::audit::AuditRecord,
    ) -> crate::error::AppResult<crate::services::audit::AuditEvent> {
        self.audit.record(&self.db, principal, record).await
    }

    /// Connects to the database and the cache backend described by `settings`.
    pub async fn connect(settings: Settings) -> anyhow::Result<Self> {
        Self::connect_with(settings, None).await
    }

    /// `connect`, with panels and gene symbols from `sources` (`None`: PanelApp's).
    async fn connect_with(
        settings: Settings,
        sources: Option<PanelSources>,
    ) -> anyhow::Result<Self> {
        let statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let db =
            crate::db::connect_counted(settings.database_url.expose(), statements.clone()).await?;
        let backends = Backends::from_settings(&settings).await?;
        Self::with_counter(settings, db, backends, statements, sources)
    }

    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        backends: Backends,
    ) -> anyhow::Result<Self> {
        Self::with_counter(settings, db, backends, Arc::default(), None)
    }

    /// `sources`: where panels and gene symbols come from; `None` for PanelApp's.
    fn with_counter(
        settings: Settings,
        db: DatabaseConnection,
        backends: Backends,
        statements: Arc<std::sync::atomic::AtomicU64>,
        sources: Option<PanelSources>,
    ) -> anyhow::Result<Self> {
        let crypto = Arc::new(Encryptor::new(
            &settings.encryption_key,
            &settings.previous_encryption_keys,
        ));
        let signer = Signer::new(&settings.secret_key);
        let events = Events::new(backends.clone());
        let audit = Audit::new(crypto.clone(), events.clone());
        let audit_trail = AuditTrail {
            db: db.clone(),
            audit: audit.clone(),
            events: events.clone(),
            retention_days: settings.audit_retention_days,
        };
        let tokens = Tokens {
            db: db.clone(),
            signer: signer.clone(),
        };
        let sessions = Sessions {
            backends: backends.clone(),
            signer: signer.clone(),
            security: settings.security.clone(),
        };
        let authenticator = Authenticator {
            db: db.clone(),
            sessions: sessions.clone(),
            tokens: tokens.clone(),
            backends: backends.clone(),
        };
        let limits = Limits {
            backends: backends.clone(),
            signer: signer.clone(),
            security: settings.security.clone(),
            mail_requests_per_hour: settings.mail.requests_per_hour,
        };
        let api_tokens = ApiTokens {
            db: db.clone(),
            audit: audit.clone(),
            tokens: tokens.clone(),
            backends: backends.clone(),
            audit_window: settings.security.api_access_audit_window,
        };
        let teams = Teams {
            db: db.clone(),
            audit: audit.clone(),
        };
        let messages = Messages {
            db: db.clone(),
            audit: audit.clone(),
            events: events.clone(),
        };
        let export_templates = ExportTemplates {
            db: db.clone(),
            audit: audit.clone(),
        };
        let workbenches = Workbenches {
            db: db.clone(),
            audit: audit.clone(),
        };
        let panelapp = PanelAppService::new(
            &settings,
            backends.cache.clone(),
            backends.kind == shared::CacheBackend::Redis,
        )?;
        let sources = sources.unwrap_or_else(|| PanelSources::panelapp(&panelapp));
        let uploads = Uploads {
            db: db.clone(),
            audit: audit.clone(),
            backends: backends.clone(),
            limits: UploadSettings::from_settings(&settings),
            symbols: sources.symbols.clone(),
        };
        let downloads = Downloads {
            db: db.clone(),
            audit: audit.clone(),
            signer: signer.clone(),
            link_ttl: settings.download_link_ttl,
            backends: backends.clone(),
        };
        let passwords = Passwords::new(settings.security.password_hash_concurrency)
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
        let mailer = Arc::new(Mailer::new(&settings)?);
        let outbox = Outbox {
            db: db.clone(),
            audit: audit.clone(),
            wake: mailer.wake_handle(),
        };
        let notices = Notices {
            mailer: mailer.clone(),
            crypto: crypto.clone(),
            backends: backends.clone(),
        };
        let email_addresses = EmailAddresses {
            db: db.clone(),
            audit: audit.clone(),
            events: events.clone(),
            crypto: crypto.clone(),
            signer: signer.clone(),
            mailer: mailer.clone(),
            limits: limits.clone(),
            sessions: sessions.clone(),
            mail: settings.mail.clone(),
            passwords: passwords.clone(),
        };
        let accounts = Accounts {
            db: db.clone(),
            audit: audit.clone(),
            crypto: crypto.clone(),
            passwords: passwords.clone(),
            mailer: mailer.clone(),
            limits: limits.clone(),
            security: settings.security.clone(),
            email_addresses: email_addresses.clone(),
        };
        let authentication = Authentication {
            db: db.clone(),
            audit: audit.clone(),
            events: events.clone(),
            passwords: passwords.clone(),
            mailer: mailer.clone(),
            limits: limits.clone(),
            sessions: sessions.clone(),
            notices: notices.clone(),
            mail: settings.mail.clone(),
            security: settings.security.clone(),
            email_addresses: email_addresses.clone(),
            crypto: crypto.clone(),
        };
        let recovery = Recovery {
            db: db.clone(),
            audit: audit.clone(),
            events: events.clone(),
            crypto: crypto.clone(),
            signer: signer.clone(),
            passwords: passwords.clone(),
            mailer: mailer.clone(),
            limits: limits.clone(),
            sessions: sessions.clone(),
            mail: settings.mail.clone(),
        };
        let admin = Admin {
            db: db.clone(),
            audit: audit.clone(),
            events: events.clone(),
            crypto: crypto.clone(),
            passwords: passwords.clone(),
            mailer: mailer.clone(),
            limits: limits.clone(),
            sessions: sessions.clone(),
            notices: notices.clone(),
            mail: settings.mail.clone(),
        };
        let merges = Merges {
            uploads: uploads.clone(),
            panelapp: panelapp.clone(),
            loader: sources.loader.clone(),
        };
        let saved = SavedPanels {
            db: db.clone(),
            audit: audit.clone(),
            events: events.clone(),
            crypto: crypto.clone(),
            signer: signer.clone(),
            accounts: accounts.clone(),
            merges: merges.clone(),
            notices: notices.clone(),
            wake: mailer.wake_handle(),
            symbols: sources.symbols.clone(),
        };
        let catalogue = Catalogue {
            db: db.clone(),
            audit: audit.clone(),
            panelapp: panelapp.clone(),
        };
        Ok(Self(Arc::new(StateInner {
            settings,
            db,
            backends,
            crypto,
            signer,
            events,
            audit,
            audit_trail,
            passwords,
            tokens,
            limits,
            sessions,
            authenticator,
            api_tokens,
            teams,
            messages,
            export_templates,
            workbenches,
            uploads,
            downloads,
            catalogue,
            merges,
            outbox,
            notices,
            email_addresses,
            accounts,
            authentication,
            recovery,
            admin,
            saved,
            mailer,
            panelapp,
            started_at: Utc::now(),
            shutdown: Shutdown::default(),
            statements,
        })))
    }
}
